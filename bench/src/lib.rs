//! `mspc-bench`: generates realistic mspc workspaces of any size
//! (`workload`) and benchmarks mspc on them: the language server over its
//! stdio protocol (`lsp`), `mspc build` against `cp -r` of its output
//! (`build`), `mspc lint` of one file (`lint`), the language server's memory
//! over a long session (`soak`), and all of them against the budgets (`all`).

pub mod all;
pub mod build;
pub mod lint;
pub mod lsp;
pub mod machine;
pub mod rng;
pub mod run;
pub mod soak;
pub mod stats;
pub mod workload;
