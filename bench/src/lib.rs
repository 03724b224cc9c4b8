//! `mspc-bench`: generates realistic mspc workspaces of any size
//! (`workload`) and benchmarks the language server on them over its stdio
//! protocol (`lsp`).

pub mod lsp;
pub mod rng;
pub mod stats;
pub mod workload;
