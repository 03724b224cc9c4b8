//! The lint benchmark: `mspc lint FILE` of one service in a generated
//! workspace as a cold process, the way a pre-commit hook runs it, and the
//! whole workspace for reference.
//!
//! The cases of one round run back to back, round after round, so they see
//! the same state of the machine:
//!
//! - **unchanged**: the file is as the last lint saw it;
//! - **changed**: the file's text changed just before (a comment appended),
//!   as in a pre-commit hook;
//! - **changed, cold cache**: the same after deleting `<ws>/.mspc-cache`,
//!   only if a lint created that folder during the warm-up (an on-disk lint
//!   cache may or may not exist in the compiler measured);
//! - **workspace**: `mspc lint` of the whole workspace.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::run::{self, Measured};
use crate::stats::{Spread, ms};
use crate::workload;

/// The folder an on-disk lint cache keeps in the workspace root.
pub const CACHE: &str = ".mspc-cache";

pub struct Options {
    pub services: usize,
    pub runs: usize,
    pub seed: u64,
    /// The `mspc` binary to run.
    pub mspc: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Case {
    Unchanged,
    Changed,
    ChangedColdCache,
    Workspace,
}

impl Case {
    pub fn key(self) -> &'static str {
        match self {
            Case::Unchanged => "unchanged",
            Case::Changed => "changed",
            Case::ChangedColdCache => "changed_cold_cache",
            Case::Workspace => "workspace",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Case::Unchanged => "lint FILE, unchanged",
            Case::Changed => "lint FILE, just changed",
            Case::ChangedColdCache => "lint FILE, changed, no cache",
            Case::Workspace => "lint (whole workspace)",
        }
    }
}

/// Wall, CPU and peak memory of some runs.
pub struct Timings {
    pub wall_ms: Spread,
    pub cpu_ms: Spread,
    pub peak_kib: Spread,
}

impl Timings {
    pub fn of(samples: &[Measured]) -> Option<Timings> {
        let spread = |f: fn(&Measured) -> f64| Spread::of(&samples.iter().map(f).collect::<Vec<_>>());
        Some(Timings {
            wall_ms: spread(|m| ms(m.wall))?,
            cpu_ms: spread(|m| ms(m.cpu()))?,
            peak_kib: spread(|m| m.peak_rss_kib as f64)?,
        })
    }
}

pub struct Report {
    /// The binary as the user named it (a private copy of it was run).
    pub binary: String,
    pub services: usize,
    pub seed: u64,
    pub runs: usize,
    /// The linted file, relative to the workspace root.
    pub file: String,
    pub workspace_files: usize,
    pub workspace_bytes: usize,
    /// Whether `.mspc-cache` existed after the warm-up.
    pub cache: bool,
    pub cases: Vec<(Case, Vec<Measured>)>,
}

impl Report {
    pub fn timings(&self, case: Case) -> Option<Timings> {
        self.cases.iter().find(|(c, _)| *c == case).and_then(|(_, s)| Timings::of(s))
    }

    pub fn table(&self) -> String {
        let mut s = format!(
            "mspc lint benchmark: {}, {} services (seed {}, {} files, {} KiB), {} runs; cold processes\n\
             FILE = {}\n\n",
            self.binary,
            self.services,
            self.seed,
            self.workspace_files,
            self.workspace_bytes.div_ceil(1024),
            self.runs,
            self.file
        );
        s.push_str(&format!("  {:<30} {:>28} {:>10} {:>10}\n", "", "wall ms median (min–max)", "CPU ms", "peak MB"));
        for &(case, _) in &self.cases {
            let Some(t) = self.timings(case) else { continue };
            let wall = format!("{:.1} ({:.1}–{:.1})", t.wall_ms.median, t.wall_ms.min, t.wall_ms.max);
            s.push_str(&format!(
                "  {:<30} {wall:>28} {:>10.1} {:>10.1}\n",
                case.label(),
                t.cpu_ms.median,
                t.peak_kib.median * 1024.0 / 1e6
            ));
        }
        if !self.cache {
            s.push_str(&format!(
                "\nno {CACHE} folder after the warm-up: the cold-cache case was skipped (this mspc keeps no lint cache)\n"
            ));
        }
        s
    }

    pub fn to_json(&self) -> Value {
        let cases: serde_json::Map<String, Value> = self
            .cases
            .iter()
            .filter_map(|(case, samples)| {
                let t = Timings::of(samples)?;
                let v = json!({
                    "wall_ms": t.wall_ms.to_json(),
                    "cpu_ms": t.cpu_ms.to_json(),
                    "peak_rss_kib": t.peak_kib.to_json(),
                    "samples": samples.iter().map(Measured::to_json).collect::<Vec<_>>(),
                });
                Some((case.key().to_string(), v))
            })
            .collect();
        json!({
            "benchmark": "lint",
            "binary": self.binary,
            "services": self.services,
            "seed": self.seed,
            "runs": self.runs,
            "file": self.file,
            "workspace_files": self.workspace_files,
            "workspace_bytes": self.workspace_bytes,
            "cache_folder": self.cache,
            "cases": cases,
        })
    }
}

/// Generates the workspace into a fresh temporary folder, measures, and
/// deletes the folder.
pub fn run(opts: &Options, binary_name: &str) -> Result<Report, String> {
    let dir = run::fresh_dir(None, "lint")?;
    let result = measure(opts, binary_name, &dir.join("workspace"));
    let _ = run::remove(&dir);
    result
}

fn measure(opts: &Options, binary_name: &str, ws: &Path) -> Result<Report, String> {
    eprintln!("lint: {} services: generating the workspace", opts.services);
    let work = workload::generate(opts.services, opts.seed);
    work.write(ws)?;
    // The focus service: the first one generated, and the one with every
    // feature (so the largest service file).
    let rel = work.focus.clone();
    let original = &work.files[&rel];
    let file = ws.join(&rel);
    let lint_file = || run_lint(&opts.mspc, ws, Some(&rel));
    // Untimed: brings the binary and the workspace into the page cache.
    eprintln!("lint: warm-up");
    lint_file()?;
    let cache = ws.join(CACHE).is_dir();
    let mut cases = vec![(Case::Unchanged, vec![]), (Case::Changed, vec![])];
    if cache {
        cases.push((Case::ChangedColdCache, vec![]));
    }
    cases.push((Case::Workspace, vec![]));
    let change = |k: usize, what: &str| {
        let text = format!("{original}// mspc-bench: {what}, run {k}\n");
        std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))
    };
    let rounds = (1..=opts.runs).try_for_each(|k| {
        for (case, samples) in &mut cases {
            match case {
                Case::Unchanged | Case::Workspace => {}
                Case::Changed => change(k, "changed")?,
                Case::ChangedColdCache => {
                    change(k, "changed, no cache")?;
                    run::remove(&ws.join(CACHE))?;
                }
            }
            let file_arg = (*case != Case::Workspace).then_some(rel.as_str());
            samples.push(run_lint(&opts.mspc, ws, file_arg)?);
        }
        eprintln!("lint: round {k}/{} done", opts.runs);
        Ok::<(), String>(())
    });
    let restored = std::fs::write(&file, original).map_err(|e| format!("{}: {e}", file.display()));
    rounds?;
    restored?;
    Ok(Report {
        binary: binary_name.to_string(),
        services: opts.services,
        seed: opts.seed,
        runs: opts.runs,
        file: rel,
        workspace_files: work.files.len(),
        workspace_bytes: work.bytes(),
        cache,
        cases,
    })
}

/// `mspc lint [FILE]` in the workspace root, as a hook would run it; the
/// generated workspace is clean, so anything but exit 0 is a failure.
fn run_lint(mspc: &Path, ws: &Path, file: Option<&str>) -> Result<Measured, String> {
    let mut cmd = Command::new(mspc);
    cmd.arg("lint").args(file).current_dir(ws);
    let m = run::timed(&mut cmd)?;
    m.check(format!("mspc lint {}", file.unwrap_or("")).trim_end())?;
    Ok(m)
}
