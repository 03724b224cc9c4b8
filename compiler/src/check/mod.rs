//! Semantics: names, types against the stdlib schema, platform rules, lints,
//! and lowering to the IR. Pure functions of the database's inputs.

pub mod eval;
pub mod file;
pub mod lower;
pub mod platform;
pub mod rules;
pub mod schema;
pub mod service;
pub mod spec;
pub mod stdlib;
pub mod typeck;
pub mod value;
pub mod workspace;
