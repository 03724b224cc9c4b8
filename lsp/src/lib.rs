//! The mspc language server: tower-lsp-server glue over `mspc-compiler`.
//! The features themselves are `mspc_compiler::ide`; this crate keeps the
//! state (salsa inputs only), converts positions (UTF-16) and values, and
//! catches salsa's cancellation at its one boundary (`server::Backend::blocking`).
//! tokio lives here and nowhere else.

mod convert;
mod line_index;
mod requests;
mod server;
mod state;
mod wire;

pub use server::{Backend, service};
pub use wire::serve;

/// Serves the protocol on stdin/stdout until the client exits.
pub fn run() -> std::io::Result<()> {
    // Edits wait (briefly) for running queries to unwind while holding the
    // state lock; spare workers keep the other handlers moving meanwhile.
    let workers = std::thread::available_parallelism().map_or(4, |n| n.get().max(4));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build()?;
    runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // After `exit`, a check still running on a blocking thread is abandoned
    // rather than waited for.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    Ok(())
}
