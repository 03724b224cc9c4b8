//! The long-session benchmark: one `mspc lsp` process through tens of
//! thousands of edits, its resident memory read every `CHECKPOINT` edits.
//! A server whose memory keeps growing with the session (a leak, or caches
//! that are never bounded) fails here; one whose memory settles passes.
//!
//! The session types as a person does, so that texts are new (an edit that
//! only ever toggles between two texts would not show memory that grows with
//! distinct inputs): each edit either sets the digit of `max = 5` in the
//! `prod` environment (5 to 9; every tenth edit to `0`, an error, fixed by
//! the next) or rewrites a counter in a comment at the end of the file, and every edit
//! waits for its diagnostics, checked; every fiftieth leaves a syntax error
//! that the next removes. Every tenth edit asks for what VS Code
//! asks for (completion, hover, semantic tokens, inlay hints, code lenses,
//! symbols, folding, code actions, definition); every hundredth opens another
//! service's file, edits it, asks the same of it and closes it; every 250th
//! deletes ten files on disk and writes them again, as a branch switch does,
//! announced as file-watcher events.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::lsp::{self, Doc, Server};
use crate::workload::Workload;
use crate::{machine, run};

pub struct Options {
    pub services: usize,
    pub seed: u64,
    pub edits: usize,
    /// The edit count whose memory is the reference (the budget compares the
    /// end with it).
    pub reference: usize,
    pub mspc: std::path::PathBuf,
}

/// Memory is read every this many edits.
pub const CHECKPOINT: usize = 1000;
/// Another service's file is opened, edited, asked about and closed every
/// this many edits.
const OTHER_FILE: usize = 100;
/// A branch switch (files deleted and written again on disk) every this
/// many edits, of this many files.
const SWITCH: usize = 250;
const SWITCHED: usize = 10;
/// The budget: the end within this factor of the reference.
pub const GROWTH_MAX: f64 = 1.2;

pub struct Report {
    pub services: usize,
    pub seed: u64,
    pub edits: usize,
    pub reference: usize,
    pub server: String,
    pub machine: String,
    /// (edits done, VmRSS in KiB), from 0 (after the initial load) on.
    pub rss_kib: Vec<(usize, u64)>,
    pub peak_kib: u64,
    pub elapsed: Duration,
}

impl Report {
    fn at(&self, edits: usize) -> Option<u64> {
        self.rss_kib.iter().find(|(n, _)| *n == edits).map(|(_, k)| *k)
    }

    pub fn reference_kib(&self) -> Option<u64> {
        self.at(self.reference)
    }

    pub fn end_kib(&self) -> Option<u64> {
        self.rss_kib.last().map(|(_, k)| *k)
    }

    /// The end's memory over the reference's.
    pub fn growth(&self) -> Option<f64> {
        Some(self.end_kib()? as f64 / self.reference_kib()? as f64)
    }

    pub fn within_budget(&self) -> bool {
        self.growth().is_some_and(|g| g <= GROWTH_MAX)
    }

    pub fn table(&self) -> String {
        let mib = |k: u64| format!("{:.1} MiB", k as f64 / 1024.0);
        let mut s = format!(
            "mspc lsp long session: {} services (seed {}), {} edits in {:.0} s\nserver: {}; machine: {}\n\n",
            self.services,
            self.seed,
            self.edits,
            self.elapsed.as_secs_f64(),
            self.server,
            self.machine
        );
        s.push_str(&format!("{:>8}  {:>12}\n", "edits", "VmRSS"));
        for (n, k) in &self.rss_kib {
            s.push_str(&format!("{n:>8}  {:>12}\n", mib(*k)));
        }
        s.push_str(&format!("\npeak (VmHWM): {}\n", mib(self.peak_kib)));
        if let (Some(r), Some(e), Some(g)) = (self.reference_kib(), self.end_kib(), self.growth()) {
            s.push_str(&format!(
                "after {} edits {} → after {} edits {}: {g:.3}× (budget ≤ {GROWTH_MAX}×: {})\n",
                self.reference,
                mib(r),
                self.edits,
                mib(e),
                if self.within_budget() { "met" } else { "NOT met" }
            ));
        }
        s
    }

    pub fn to_json(&self) -> Value {
        json!({
            "services": self.services,
            "seed": self.seed,
            "edits": self.edits,
            "reference_edits": self.reference,
            "server": self.server,
            "machine": self.machine,
            "rss_kib": self.rss_kib.iter().map(|(n, k)| json!({ "edits": n, "kib": k })).collect::<Vec<_>>(),
            "peak_kib": self.peak_kib,
            "growth": self.growth(),
            "growth_max": GROWTH_MAX,
            "within_budget": self.within_budget(),
            "elapsed_s": self.elapsed.as_secs_f64(),
        })
    }
}

pub fn run(opts: &Options) -> Result<Report, String> {
    if !opts.mspc.is_file() {
        return Err(format!("no mspc binary at {} (build it with `cargo build --release`)", opts.mspc.display()));
    }
    if opts.reference == 0 || opts.reference > opts.edits || !opts.reference.is_multiple_of(CHECKPOINT) {
        return Err(format!("the reference ({}) must be a multiple of {CHECKPOINT} up to --edits", opts.reference));
    }
    run::in_generated_workspace(opts.services, opts.seed, "soak", false, |work, root| session(opts, work, root))
}

/// What a branch switch does to the disk: some files deleted, then written
/// again (here with the same text), each announced as the editor's file
/// watcher would. The server must not keep a copy of every file it saw go.
fn switch_branch(
    server: &mut Server,
    root: &Path,
    work: &Workload,
    others: &[&String],
    n: usize,
) -> Result<(), String> {
    let mut files: Vec<&String> = (0..SWITCHED).map(|k| others[(n * SWITCHED + k) % others.len()]).collect();
    files.sort();
    files.dedup();
    let event = |rel: &str, kind: u8| json!({ "uri": lsp::encode_path(&root.join(rel)), "type": kind });
    for rel in &files {
        std::fs::remove_file(root.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
    }
    let deleted: Vec<Value> = files.iter().map(|rel| event(rel, 3)).collect();
    server.notify("workspace/didChangeWatchedFiles", json!({ "changes": deleted }))?;
    for rel in &files {
        std::fs::write(root.join(rel), &work.files[*rel]).map_err(|e| format!("{rel}: {e}"))?;
    }
    let created: Vec<Value> = files.iter().map(|rel| event(rel, 1)).collect();
    server.notify("workspace/didChangeWatchedFiles", json!({ "changes": created }))?;
    // A request after them: answered once they are applied.
    server.request("workspace/symbol", json!({ "query": "zz-none" }), lsp::STEP_TIMEOUT)?;
    Ok(())
}

/// What VS Code asks for after an edit settles, besides diagnostics: every
/// request reads a snapshot and fills memos of its own.
fn editor_requests(server: &mut Server, doc: &Doc, marks: &lsp::Marks) -> Result<(), String> {
    let tdoc = json!({ "uri": doc.uri });
    let at = lsp::position(&doc.text, marks.key);
    let whole = json!({ "start": { "line": 0, "character": 0 }, "end": lsp::position(&doc.text, doc.text.len()) });
    let requests = [
        ("textDocument/completion", json!({ "textDocument": tdoc, "position": at, "context": { "triggerKind": 1 } })),
        ("textDocument/hover", json!({ "textDocument": tdoc, "position": lsp::position(&doc.text, marks.hover) })),
        ("textDocument/semanticTokens/full", json!({ "textDocument": tdoc })),
        ("textDocument/inlayHint", json!({ "textDocument": tdoc, "range": whole })),
        ("textDocument/codeLens", json!({ "textDocument": tdoc })),
        ("textDocument/documentSymbol", json!({ "textDocument": tdoc })),
        ("textDocument/foldingRange", json!({ "textDocument": tdoc })),
        ("textDocument/codeAction", json!({ "textDocument": tdoc, "range": whole, "context": { "diagnostics": [] } })),
        ("textDocument/definition", json!({ "textDocument": tdoc, "position": at })),
    ];
    for (method, params) in requests {
        server.request(method, params, lsp::STEP_TIMEOUT)?;
    }
    Ok(())
}

fn session(opts: &Options, work: &Workload, root: &Path) -> Result<Report, String> {
    let mut server = Server::spawn(&opts.mspc, root)?;
    let result = edits(opts, work, root, &mut server);
    server.stop();
    result
}

fn rss(server: &Server) -> Result<u64, String> {
    lsp::memory(server.child.id()).1.ok_or_else(|| "no /proc/<pid>/status: Linux only".to_string())
}

fn edits(opts: &Options, work: &Workload, root: &Path, server: &mut Server) -> Result<Report, String> {
    let started = Instant::now();
    let (server_name, _) = lsp::initialize(server, root)?;
    let mut focus = Doc::open(server, root, &work.focus, &work.files[&work.focus])?;
    let first = server.diagnostics(&focus.path, 1, lsp::LOAD_TIMEOUT)?;
    if lsp::counts(&first.msg).1 != 0 {
        return Err(format!("the generated workspace is not clean in the server: {}", first.msg["params"]));
    }
    let marks = lsp::marks(&focus.text)?;
    // Other services' files with a `prod` environment like the focus file's,
    // opened in turn.
    let others: Vec<&String> = work
        .files
        .iter()
        .filter(|(p, text)| p.ends_with(".msp") && **p != work.focus && lsp::marks(text).is_ok())
        .map(|(p, _)| p)
        .collect();
    // Files a branch switch deletes and writes again: services' files but
    // the open one.
    let switched: Vec<&String> =
        work.files.keys().filter(|p| **p != work.focus && p.starts_with("services/")).collect();

    // The comment whose counter the edits rewrite, at the end of the file.
    let end = focus.text.len();
    focus.edit(server, end, end, "// soak 000000\n", false)?;
    let counter_at = end + "// soak ".len();
    let counter_len = 6;

    let mut samples = vec![(0, rss(server)?)];
    let mut digit = '5';
    // Typing passes through broken text: every fiftieth edit leaves an
    // unclosed block after the comment (a syntax error), the next removes it.
    let junk_at = counter_at + counter_len + 1;
    let mut junk: Option<String> = None;
    for i in 1..=opts.edits {
        if let Some(text) = junk.take() {
            focus.edit(server, junk_at, junk_at + text.len(), "", digit == '0')?;
        } else if i % 50 == 24 {
            let text = format!("broken{i} {{\n");
            focus.edit(server, junk_at, junk_at, &text, true)?;
            junk = Some(text);
        } else if i % 2 == 0 {
            // The counter keeps its width (the junk's place stays put).
            let new = format!("{:0>width$}", i % 10usize.pow(counter_len as u32), width = counter_len);
            focus.edit(server, counter_at, counter_at + counter_len, &new, digit == '0')?;
        } else {
            // 5 → 9 (the workload's `min` is below 5), with every fifth odd
            // edit an error (`0`) that the next fixes.
            let new = if digit == '0' {
                '5'
            } else if i % 10 == 9 {
                '0'
            } else {
                char::from(b'5' + (i / 2 % 5) as u8)
            };
            let mut buf = [0; 4];
            focus.edit(server, marks.max_digit, marks.max_digit + 1, new.encode_utf8(&mut buf), new == '0')?;
            digit = new;
        }
        if i % 10 == 0 {
            editor_requests(server, &focus, &marks)?;
        }
        if i % OTHER_FILE == 0 && !others.is_empty() {
            {
                let rel = others[(i / OTHER_FILE) % others.len()];
                let mut other = Doc::open(server, root, rel, &work.files[rel])?;
                server.diagnostics(&other.path, 1, lsp::STEP_TIMEOUT)?;
                let end = other.text.len();
                other.edit(server, end, end, "// opened during the soak\n", false)?;
                editor_requests(server, &other, &lsp::marks(&other.text)?)?;
                server.notify("textDocument/didClose", json!({ "textDocument": { "uri": other.uri } }))?;
            }
        }
        if i % SWITCH == 0 && !switched.is_empty() {
            switch_branch(server, root, work, &switched, i / SWITCH)?;
        }
        if i % CHECKPOINT == 0 {
            samples.push((i, rss(server)?));
        }
    }
    if !opts.edits.is_multiple_of(CHECKPOINT) {
        samples.push((opts.edits, rss(server)?));
    }
    let peak_kib = lsp::memory(server.child.id()).0.unwrap_or(0);
    Ok(Report {
        services: work.services,
        seed: work.seed,
        edits: opts.edits,
        reference: opts.reference,
        server: server_name,
        machine: machine::cpu_model(),
        rss_kib: samples,
        peak_kib,
        elapsed: started.elapsed(),
    })
}
