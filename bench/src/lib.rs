//! `mspc-bench`: generates realistic mspc workspaces of any size
//! (`workload`) and benchmarks mspc on them: the language server over its
//! stdio protocol (`lsp`), `mspc build` against `cp -r` of its output
//! (`build`), `mspc lint` of one file (`lint`), and all of them against the
//! budgets (`all`).

pub mod all;
pub mod build;
pub mod lint;
pub mod lsp;
pub mod machine;
pub mod rng;
pub mod run;
pub mod stats;
pub mod workload;
