//! The mspc core: everything from `.msp` text to generated outputs.
//! See ARCHITECTURE.md for the layers and the rules between them.

pub mod check;
pub mod db;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod fmt;
pub mod ide;
pub mod import;
pub mod ir;
pub mod limits;
pub mod scaffold;
pub mod syntax;
