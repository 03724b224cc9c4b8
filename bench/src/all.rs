//! Every benchmark in one run, against the budgets: the build (100 and 1,000
//! services), lint of one file (1,000 services) and the language server
//! (1,000 services), reported as a Markdown section for the README or as JSON.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::lint::Case;
use crate::stats::{Spread, round3};
use crate::{build, lint, lsp, machine, soak};

/// The budgets, from the performance issue. Memory in MB of 10⁶ bytes.
const BUILD_RATIO_MAX: f64 = 1.5;
const BUILD_PEAK_MB: f64 = 300.0;
/// A rebuild (nothing changed, or one service edited) against a fresh build,
/// of this many services or more.
const REBUILD_RATIO_MAX: f64 = 0.1;
const REBUILD_BUDGET_SERVICES: usize = 1000;
const LINT_FILE_MS: f64 = 50.0;
const EDIT_P95_MS: f64 = 10.0;
const COMPLETION_P95_MS: f64 = 5.0;
const HOVER_P95_MS: f64 = 5.0;
const LSP_PEAK_MB: f64 = 150.0;

pub const BUILD_SERVICES: [usize; 2] = [100, 1000];
pub const LINT_SERVICES: usize = 1000;
pub const LSP_SERVICES: usize = 1000;
/// The long session: one run (it takes minutes) of this many edits, its end
/// against its memory after `SOAK_REFERENCE` edits.
pub const SOAK_SERVICES: usize = 500;
pub const SOAK_EDITS: usize = 50_000;
pub const SOAK_REFERENCE: usize = 5_000;

pub struct Options {
    pub runs: usize,
    pub seed: u64,
    pub settle: Duration,
    /// Edits, completions and hovers per language-server run.
    pub iterations: usize,
    /// The `mspc` binary to run (a private copy).
    pub mspc: PathBuf,
    /// The binary as the user named it.
    pub binary: PathBuf,
    /// How this was invoked, for the report.
    pub command: String,
}

pub struct Report {
    pub date: String,
    pub cpu: String,
    pub cores: usize,
    pub kernel: String,
    pub memory_kib: Option<u64>,
    /// The 1-minute load average before and after the benchmarks: the
    /// machine may be shared.
    pub load_average: Option<f64>,
    pub load_average_end: Option<f64>,
    pub commit: String,
    pub version: String,
    pub command: String,
    pub runs: usize,
    pub seed: u64,
    pub build: build::Report,
    pub lint: lint::Report,
    pub lsp: Vec<lsp::Report>,
    pub soak: soak::Report,
}

pub fn run(opts: &Options) -> Result<Report, String> {
    // Read before the benchmarks load the machine.
    let load_average = machine::load_average();
    let build = build::run(
        &build::Options {
            services: BUILD_SERVICES.to_vec(),
            runs: opts.runs,
            seed: opts.seed,
            settle: opts.settle,
            mspc: opts.mspc.clone(),
            dir: None,
        },
        &opts.binary.display().to_string(),
    )?;
    // The last build batch deleted large trees just now.
    if !opts.settle.is_zero() {
        eprintln!("all: settling {} s after the build benchmark", opts.settle.as_secs_f64());
        std::thread::sleep(opts.settle);
    }
    let lint_opts =
        lint::Options { services: LINT_SERVICES, runs: opts.runs, seed: opts.seed, mspc: opts.mspc.clone() };
    let lint = lint::run(&lint_opts, &opts.binary.display().to_string())?;
    let mut lsp_reports = Vec::with_capacity(opts.runs);
    for k in 1..=opts.runs {
        eprintln!("lsp: {LSP_SERVICES} services: run {k}/{}", opts.runs);
        lsp_reports.push(lsp::run(&lsp::Options {
            services: LSP_SERVICES,
            seed: opts.seed,
            iterations: opts.iterations,
            mspc: opts.mspc.clone(),
            keep: false,
        })?);
    }
    eprintln!("soak: {SOAK_SERVICES} services, {SOAK_EDITS} edits");
    let soak = soak::run(&soak::Options {
        services: SOAK_SERVICES,
        seed: opts.seed,
        edits: SOAK_EDITS,
        reference: SOAK_REFERENCE,
        mspc: opts.mspc.clone(),
    })?;
    Ok(Report {
        date: machine::today(),
        cpu: machine::cpu_model(),
        cores: machine::cores(),
        kernel: machine::kernel(),
        memory_kib: machine::memory_kib(),
        load_average,
        load_average_end: machine::load_average(),
        commit: machine::commit(&opts.binary),
        version: machine::version(&opts.mspc),
        command: opts.command.clone(),
        runs: opts.runs,
        seed: opts.seed,
        build,
        lint,
        lsp: lsp_reports,
        soak,
    })
}

/// The language server's figures: the median over runs of each run's value.
pub struct LspMedians {
    pub load_ms: Spread,
    pub edit_p50_ms: Spread,
    pub edit_p95_ms: Spread,
    pub completion_p50_ms: Spread,
    pub completion_p95_ms: Spread,
    pub hover_p50_ms: Spread,
    pub hover_p95_ms: Spread,
    /// `None` where the server's memory could not be read (not Linux).
    pub peak_kib: Option<Spread>,
}

impl LspMedians {
    pub fn of(runs: &[lsp::Report]) -> Option<LspMedians> {
        let s = |f: fn(&lsp::Report) -> f64| Spread::of(&runs.iter().map(f).collect::<Vec<_>>());
        let peaks: Option<Vec<f64>> = runs.iter().map(|r| r.peak_rss_kib.map(|k| k as f64)).collect();
        Some(LspMedians {
            load_ms: s(|r| crate::stats::ms(r.load))?,
            edit_p50_ms: s(|r| r.edits.p50_ms)?,
            edit_p95_ms: s(|r| r.edits.p95_ms)?,
            completion_p50_ms: s(|r| r.completion.p50_ms)?,
            completion_p95_ms: s(|r| r.completion.p95_ms)?,
            hover_p50_ms: s(|r| r.hover.p50_ms)?,
            hover_p95_ms: s(|r| r.hover.p95_ms)?,
            peak_kib: peaks.and_then(|p| Spread::of(&p)),
        })
    }

    fn to_json(&self) -> Value {
        json!({
            "load_ms": self.load_ms.to_json(),
            "edit_to_diagnostics_p50_ms": self.edit_p50_ms.to_json(),
            "edit_to_diagnostics_p95_ms": self.edit_p95_ms.to_json(),
            "completion_p50_ms": self.completion_p50_ms.to_json(),
            "completion_p95_ms": self.completion_p95_ms.to_json(),
            "hover_p50_ms": self.hover_p50_ms.to_json(),
            "hover_p95_ms": self.hover_p95_ms.to_json(),
            "peak_rss_kib": self.peak_kib.map(|s| s.to_json()),
        })
    }
}

/// One line of the budget table.
pub struct Row {
    pub work: String,
    pub measured: String,
    pub budget: &'static str,
    /// `None` for figures without a budget.
    pub met: Option<bool>,
}

fn row(work: String, measured: String, budget: &'static str, met: Option<bool>) -> Row {
    Row { work, measured, budget, met }
}

/// KiB to MB (10⁶ bytes), the unit of the budgets.
fn mb(kib: f64) -> f64 {
    kib * 1024.0 / 1e6
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Milliseconds with as many decimals as a reader can use.
pub fn fmt_ms(x: f64) -> String {
    if x >= 100.0 {
        format!("{} ms", thousands(x.round() as u64))
    } else if x >= 1.0 {
        format!("{x:.1} ms")
    } else {
        format!("{x:.2} ms")
    }
}

impl Report {
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for b in &self.build.batches {
            let n = thousands(b.services as u64);
            let work = |what: &str| format!("`mspc build`, {n} services: {what}");
            let ratio = b.ratio().median;
            rows.push(row(
                work("wall time vs `cp -r` of its output"),
                format!("{} vs {}: {ratio:.2}×", fmt_ms(b.build_wall_ms().median), fmt_ms(b.copy_wall_ms().median)),
                "≤ 1.5× `cp -r`",
                Some(ratio <= BUILD_RATIO_MAX),
            ));
            let fresh = b.build_wall_ms().median;
            // The budgets are for 1,000 services; below, a rebuild's fixed
            // costs (starting, reading the workspace) weigh more, and the
            // figures are for reference.
            let budgeted = b.services >= REBUILD_BUDGET_SERVICES;
            if let Some(x) = b.unchanged_wall_ms() {
                let r = x.median / fresh;
                rows.push(row(
                    work("rebuild with nothing changed vs a fresh build"),
                    format!("{} vs {}: {r:.2}×", fmt_ms(x.median), fmt_ms(fresh)),
                    if budgeted { "≤ 0.1×" } else { "—" },
                    budgeted.then_some(r <= REBUILD_RATIO_MAX),
                ));
            }
            if let (Some(x), Some(files)) = (b.edited_wall_ms(), b.edited_files()) {
                let r = x.median / fresh;
                let strays = if b.edited_strays.is_empty() {
                    "only that service's files and the index".to_string()
                } else {
                    format!("and {} files of other services", b.edited_strays.len())
                };
                rows.push(row(
                    work("rebuild after editing one service vs a fresh build"),
                    format!(
                        "{} vs {}: {r:.2}× ({} files written: {strays})",
                        fmt_ms(x.median),
                        fmt_ms(fresh),
                        files.median
                    ),
                    if budgeted { "≤ 0.1×, only that service's files" } else { "only that service's files" },
                    Some((!budgeted || r <= REBUILD_RATIO_MAX) && b.edited_strays.is_empty()),
                ));
            }
            let peak = mb(b.build_peak_kib().median);
            rows.push(row(work("peak memory"), format!("{peak:.1} MB"), "≤ 300 MB", Some(peak <= BUILD_PEAK_MB)));
            rows.push(row(work("CPU time (user + sys)"), fmt_ms(b.build_cpu_ms().median), "—", None));
            let (files, bytes) = (b.files().median as u64, b.bytes().median);
            rows.push(row(work("output"), format!("{} files, {:.1} MB", thousands(files), bytes / 1e6), "—", None));
        }
        let n = thousands(self.lint.services as u64);
        for &(case, _) in &self.lint.cases {
            let Some(t) = self.lint.timings(case) else { continue };
            let measured = format!(
                "{} (CPU {}, peak {:.1} MB)",
                fmt_ms(t.wall_ms.median),
                fmt_ms(t.cpu_ms.median),
                mb(t.peak_kib.median)
            );
            let work = match case {
                Case::Unchanged => format!("`mspc lint FILE`, {n} services: file unchanged"),
                Case::Changed => format!("`mspc lint FILE`, {n} services: file just changed (pre-commit)"),
                Case::ChangedColdCache => {
                    format!("`mspc lint FILE`, {n} services: file just changed, no `{}`", lint::CACHE)
                }
                Case::Workspace => format!("`mspc lint`, {n} services: the whole workspace"),
            };
            if case == Case::Workspace {
                rows.push(row(format!("{work} (for reference)"), measured, "—", None));
            } else {
                rows.push(row(work, measured, "≤ 50 ms", Some(t.wall_ms.median <= LINT_FILE_MS)));
            }
        }
        if let Some(m) = LspMedians::of(&self.lsp) {
            let n = thousands(LSP_SERVICES as u64);
            let work = |what: &str| format!("language server, {n} services: {what}");
            let pair = |a: Spread, b: Spread| format!("{:.2} / {:.2} ms", a.median, b.median);
            rows.push(row(
                work("edit → diagnostics p50 / p95"),
                pair(m.edit_p50_ms, m.edit_p95_ms),
                "p95 ≤ 10 ms",
                Some(m.edit_p95_ms.median <= EDIT_P95_MS),
            ));
            rows.push(row(
                work("completion p50 / p95"),
                pair(m.completion_p50_ms, m.completion_p95_ms),
                "p95 ≤ 5 ms",
                Some(m.completion_p95_ms.median <= COMPLETION_P95_MS),
            ));
            rows.push(row(
                work("hover p50 / p95"),
                pair(m.hover_p50_ms, m.hover_p95_ms),
                "p95 ≤ 5 ms",
                Some(m.hover_p95_ms.median <= HOVER_P95_MS),
            ));
            let peak = m.peak_kib.map(|p| mb(p.median));
            rows.push(row(
                work("peak memory (VmHWM)"),
                peak.map_or_else(|| "n/a".to_string(), |p| format!("{p:.1} MB")),
                "≤ 150 MB",
                peak.map(|p| p <= LSP_PEAK_MB),
            ));
            rows.push(row(work("initial load"), fmt_ms(m.load_ms.median), "—", None));
        }
        let k = &self.soak;
        if let (Some(from), Some(to), Some(growth)) = (k.reference_kib(), k.end_kib(), k.growth()) {
            rows.push(row(
                format!(
                    "language server, {} services, one long session: memory (VmRSS) after {} → {} edits",
                    thousands(k.services as u64),
                    thousands(k.reference as u64),
                    thousands(k.edits as u64)
                ),
                format!(
                    "{:.1} → {:.1} MB: {growth:.2}× (peak {:.1} MB)",
                    mb(from as f64),
                    mb(to as f64),
                    mb(k.peak_kib as f64)
                ),
                "≤ 1.2×",
                Some(k.within_budget()),
            ));
        }
        rows
    }

    pub fn markdown(&self) -> String {
        let memory =
            self.memory_kib.map_or_else(String::new, |k| format!(", {:.1} GiB of memory", k as f64 / 1048576.0));
        let load = match (self.load_average, self.load_average_end) {
            (Some(a), Some(b)) => format!("; load average {a:.2} at the start, {b:.2} at the end"),
            _ => String::new(),
        };
        let runs = if self.runs == 1 { "1 run".to_string() } else { format!("{} runs", self.runs) };
        let mut s = format!(
            "Measured on {} on {} ({} cores, {}{memory}{load}); mspc commit `{}` ({}), with \
             `{}`. Each figure is the median of {runs} (cold processes for build and lint, {} \
             requests each per language-server run); generated workspaces, seed {}; MB = 10⁶ bytes.\n\n",
            self.date,
            self.cpu,
            self.cores,
            self.kernel,
            self.commit,
            self.version,
            self.command,
            self.lsp.first().map_or(0, |r| r.iterations),
            self.seed
        );
        s.push_str(&format!("| work | measured (median of {}) | budget | met? |\n|---|---|---|---|\n", self.runs));
        for r in self.rows() {
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            s.push_str(&format!("| {} | {} | {} | {met} |\n", r.work, r.measured, r.budget));
        }
        if !self.lint.cache {
            s.push_str(&format!(
                "\n`mspc lint` left no `{}` folder in the workspace, so lint has no cold-cache case.\n",
                lint::CACHE
            ));
        }
        s
    }

    pub fn to_json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows()
            .into_iter()
            .map(|r| json!({ "work": r.work, "measured": r.measured, "budget": r.budget, "met": r.met }))
            .collect();
        json!({
            "date": self.date,
            "machine": {
                "cpu": self.cpu,
                "cores": self.cores,
                "kernel": self.kernel,
                "memory_kib": self.memory_kib,
                "load_average": self.load_average.map(round3),
                "load_average_end": self.load_average_end.map(round3),
            },
            "commit": self.commit,
            "version": self.version,
            "command": self.command,
            "runs": self.runs,
            "seed": self.seed,
            "build": self.build.to_json(),
            "lint": self.lint.to_json(),
            "lsp": {
                "services": LSP_SERVICES,
                "medians": LspMedians::of(&self.lsp).map(|m| m.to_json()),
                "runs": self.lsp.iter().map(lsp::Report::to_json).collect::<Vec<_>>(),
            },
            "soak": self.soak.to_json(),
            "table": rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(fmt_ms(3512.4), "3,512 ms");
        assert_eq!(fmt_ms(12.34), "12.3 ms");
        assert_eq!(fmt_ms(0.173), "0.17 ms");
        assert_eq!(mb(1_000_000.0), 1024.0);
    }
}
