//! Text → owned AST with byte ranges. No salsa, no I/O: `parse` is a pure
//! function and never fails (errors come back beside the tree).

pub mod ast;
pub mod literals;
mod parser;
pub mod trivia;

pub use ast::*;
pub use parser::{MAX_DEPTH, Parse, SyntaxError, parse};
