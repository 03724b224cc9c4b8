//! The mspc language server: tower-lsp-server glue over `mspc-compiler`.
//!
//! A placeholder until the language-server issue; the crate exists so the
//! workspace's layout (and its dependency direction, lsp → compiler) is fixed.
