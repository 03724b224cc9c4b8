//! The build benchmark: `mspc build` of a generated workspace as a cold
//! process, against `cp -r` of the same output tree as the floor; and
//! rebuilds into that output, with nothing changed and after editing one
//! service, against the fresh builds of the same batch.
//!
//! Every run writes into fresh folders, and each run's build is followed at
//! once by the copy of its output, so the two alternate and see the same
//! state of the disk and the page cache. Old trees are deleted only after a
//! whole batch (one N), and the next batch waits `settle`: on these machines
//! writes right after deleting a large tree run several times slower for
//! tens of seconds, which would be charged to whichever command came next.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::run::{self, Measured};
use crate::stats::{Spread, ms};
use crate::workload;

pub struct Options {
    /// One batch per entry, in this order.
    pub services: Vec<usize>,
    pub runs: usize,
    pub seed: u64,
    /// The pause after deleting one batch's trees, before the next batch.
    pub settle: Duration,
    /// The `mspc` binary to run.
    pub mspc: PathBuf,
    /// Where the scratch folder goes (default: the system's temporary folder).
    pub dir: Option<PathBuf>,
}

/// One run: the build, and the copy of its output.
pub struct Sample {
    pub build: Measured,
    pub copy: Measured,
    pub files: usize,
    pub bytes: u64,
    pub copy_files: usize,
    pub copy_bytes: u64,
}

impl Sample {
    pub fn ratio(&self) -> f64 {
        ratio(self.build.wall, self.copy.wall)
    }
}

/// How many times longer `a` took than `b`. From whole nanoseconds, so that
/// 300 ms / 200 ms is exactly 1.5 (not 1.4999…, as from seconds in floating
/// point), which matters against a budget of 1.5.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_nanos() as f64 / b.as_nanos() as f64
}

/// The runs of one workspace size.
pub struct Batch {
    pub services: usize,
    pub workspace_files: usize,
    pub workspace_bytes: usize,
    pub samples: Vec<Sample>,
    /// Rebuilds into the previous output with nothing changed.
    pub unchanged: Vec<Measured>,
    /// Rebuilds after one service's description was edited, and how many
    /// output files each wrote (changed inode or modification time).
    pub edited: Vec<(Measured, usize)>,
    /// Files outside the edited service's folder, page and the index that a
    /// rebuild after an edit wrote: none is the budget.
    pub edited_strays: Vec<String>,
}

impl Batch {
    fn spread(&self, f: impl Fn(&Sample) -> f64) -> Spread {
        let values: Vec<f64> = self.samples.iter().map(f).collect();
        Spread::of(&values).expect("a batch has at least one run, and no value is NaN")
    }
    pub fn build_wall_ms(&self) -> Spread {
        self.spread(|s| ms(s.build.wall))
    }
    pub fn build_cpu_ms(&self) -> Spread {
        self.spread(|s| ms(s.build.cpu()))
    }
    pub fn build_peak_kib(&self) -> Spread {
        self.spread(|s| s.build.peak_rss_kib as f64)
    }
    pub fn copy_wall_ms(&self) -> Spread {
        self.spread(|s| ms(s.copy.wall))
    }
    /// Rebuilds with nothing changed; `None` if none ran.
    pub fn unchanged_wall_ms(&self) -> Option<Spread> {
        Spread::of(&self.unchanged.iter().map(|m| ms(m.wall)).collect::<Vec<_>>())
    }
    /// Rebuilds after editing one service.
    pub fn edited_wall_ms(&self) -> Option<Spread> {
        Spread::of(&self.edited.iter().map(|(m, _)| ms(m.wall)).collect::<Vec<_>>())
    }
    /// Files a rebuild after one edit wrote (the median).
    pub fn edited_files(&self) -> Option<Spread> {
        Spread::of(&self.edited.iter().map(|(_, n)| *n as f64).collect::<Vec<_>>())
    }
    /// The median of the per-run ratios (not the ratio of the medians).
    pub fn ratio(&self) -> Spread {
        self.spread(Sample::ratio)
    }
    /// The same in every run unless the build is not deterministic.
    pub fn files(&self) -> Spread {
        self.spread(|s| s.files as f64)
    }
    pub fn bytes(&self) -> Spread {
        self.spread(|s| s.bytes as f64)
    }

    pub fn to_json(&self) -> Value {
        let samples: Vec<Value> = self
            .samples
            .iter()
            .map(|s| {
                json!({
                    "build": s.build.to_json(),
                    "cp": s.copy.to_json(),
                    "files": s.files,
                    "bytes": s.bytes,
                    "cp_files": s.copy_files,
                    "cp_bytes": s.copy_bytes,
                    "ratio": s.ratio(),
                })
            })
            .collect();
        json!({
            "services": self.services,
            "workspace_files": self.workspace_files,
            "workspace_bytes": self.workspace_bytes,
            "build_wall_ms": self.build_wall_ms().to_json(),
            "build_cpu_ms": self.build_cpu_ms().to_json(),
            "build_peak_rss_kib": self.build_peak_kib().to_json(),
            "cp_wall_ms": self.copy_wall_ms().to_json(),
            "ratio": self.ratio().to_json(),
            "rebuild_unchanged_wall_ms": self.unchanged_wall_ms().map(|s| s.to_json()),
            "rebuild_edited_wall_ms": self.edited_wall_ms().map(|s| s.to_json()),
            "rebuild_edited_files": self.edited_files().map(|s| s.to_json()),
            "rebuild_edited_strays": self.edited_strays,
            "files": self.files().to_json(),
            "bytes": self.bytes().to_json(),
            "samples": samples,
        })
    }
}

pub struct Report {
    /// The binary as the user named it (a private copy of it was run).
    pub binary: String,
    pub seed: u64,
    pub runs: usize,
    pub batches: Vec<Batch>,
}

impl Report {
    pub fn table(&self) -> String {
        let mut s = format!(
            "mspc build benchmark: {}, seed {}, {} runs per size (median, min, max); cold processes, \
             each into a fresh folder\n",
            self.binary, self.seed, self.runs
        );
        for b in &self.batches {
            let (files, bytes) = (b.files(), b.bytes());
            s.push_str(&format!(
                "\n{} services ({} files, {} KiB) → {:.0} files, {:.1} MB{}\n",
                b.services,
                b.workspace_files,
                b.workspace_bytes.div_ceil(1024),
                files.median,
                bytes.median / 1e6,
                if files.min != files.max || bytes.min != bytes.max {
                    " (the output differed between runs)"
                } else {
                    ""
                }
            ));
            s.push_str(&format!("  {:<24} {:>10} {:>10} {:>10}\n", "", "median", "min", "max"));
            let row = |name: &str, x: Spread, scale: f64, digits: usize| {
                format!(
                    "  {name:<24} {:>10.digits$} {:>10.digits$} {:>10.digits$}\n",
                    x.median / scale,
                    x.min / scale,
                    x.max / scale
                )
            };
            s.push_str(&row("build wall ms", b.build_wall_ms(), 1.0, 1));
            s.push_str(&row("build CPU ms (user+sys)", b.build_cpu_ms(), 1.0, 1));
            s.push_str(&row("build peak RSS MB", b.build_peak_kib(), 1e6 / 1024.0, 1));
            s.push_str(&row("cp -r wall ms", b.copy_wall_ms(), 1.0, 1));
            s.push_str(&row("build / cp -r", b.ratio(), 1.0, 2));
            if let Some(x) = b.unchanged_wall_ms() {
                s.push_str(&row("rebuild, unchanged, ms", x, 1.0, 1));
            }
            if let Some(x) = b.edited_wall_ms() {
                s.push_str(&row("rebuild, one edit, ms", x, 1.0, 1));
            }
            if let Some(x) = b.edited_files() {
                s.push_str(&row("  files it wrote", x, 1.0, 0));
            }
            if !b.edited_strays.is_empty() {
                s.push_str(&format!("  it also wrote: {:?}\n", b.edited_strays));
            }
        }
        s
    }

    pub fn to_json(&self) -> Value {
        json!({
            "benchmark": "build",
            "binary": self.binary,
            "seed": self.seed,
            "runs": self.runs,
            "batches": self.batches.iter().map(Batch::to_json).collect::<Vec<_>>(),
        })
    }
}

/// Runs every batch in a fresh scratch folder, which is deleted at the end.
pub fn run(opts: &Options, binary_name: &str) -> Result<Report, String> {
    let base = run::fresh_dir(opts.dir.as_deref(), "build")?;
    let mut batches = Vec::new();
    let mut result = Ok(());
    for (i, &n) in opts.services.iter().enumerate() {
        if i > 0 && !opts.settle.is_zero() {
            eprintln!("build: settling {} s after deleting the trees", opts.settle.as_secs_f64());
            std::thread::sleep(opts.settle);
        }
        let dir = base.join(n.to_string());
        let batch = batch(opts, n, &dir);
        // Deleted after the whole batch, never between timed runs.
        let started = std::time::Instant::now();
        let removed = run::remove(&dir);
        eprintln!("build: {n} services: deleted the trees in {:.1} s", started.elapsed().as_secs_f64());
        match batch.and_then(|b| removed.map(|()| b)) {
            Ok(b) => batches.push(b),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let _ = run::remove(&base);
    result?;
    Ok(Report { binary: binary_name.to_string(), seed: opts.seed, runs: opts.runs, batches })
}

fn batch(opts: &Options, n: usize, dir: &Path) -> Result<Batch, String> {
    eprintln!("build: {n} services: generating the workspace");
    let work = workload::generate(n, opts.seed);
    let ws = dir.join("workspace");
    work.write(&ws)?;
    // Untimed: brings the binary, the workspace and `cp` into the page cache.
    let warm = one(&opts.mspc, &ws, &dir.join("warm-up"))?;
    eprintln!("build: {n} services: warm-up: build {:.0} ms, cp -r {:.0} ms", ms(warm.build.wall), ms(warm.copy.wall));
    let mut samples = Vec::with_capacity(opts.runs);
    for k in 1..=opts.runs {
        let s = one(&opts.mspc, &ws, &dir.join(format!("run-{k}")))?;
        eprintln!(
            "build: {n} services: run {k}/{}: build {:.0} ms, cp -r {:.0} ms, {} files",
            opts.runs,
            ms(s.build.wall),
            ms(s.copy.wall),
            s.files
        );
        samples.push(s);
    }
    let (unchanged, edited, edited_strays) = rebuilds(opts, &work, &ws, &dir.join("warm-up").join("out"))?;
    Ok(Batch {
        services: n,
        workspace_files: work.files.len(),
        workspace_bytes: work.bytes(),
        samples,
        unchanged,
        edited,
        edited_strays,
    })
}

/// Rebuilds with nothing changed; after an edit, with the files each wrote;
/// files of other services written.
type Rebuilds = (Vec<Measured>, Vec<(Measured, usize)>, Vec<String>);

/// Rebuilds into `out`, the warm-up's output: R with nothing changed, then
/// R each after editing another service's description.
fn rebuilds(opts: &Options, work: &workload::Workload, ws: &Path, out: &Path) -> Result<Rebuilds, String> {
    let build = || -> Result<Measured, String> {
        let m = run::timed(Command::new(&opts.mspc).arg("build").arg(ws).arg("--out").arg(out))?;
        m.check("mspc build")?;
        Ok(m)
    };
    // Untimed: the first rebuild after the fresh one records what it left.
    build()?;
    let mut unchanged = Vec::new();
    for k in 1..=opts.runs {
        let m = build()?;
        eprintln!("build: {} services: rebuild {k}/{}, unchanged: {:.0} ms", work.services, opts.runs, ms(m.wall));
        unchanged.push(m);
    }
    let specs: Vec<(&String, &String)> = work
        .files
        .iter()
        .filter(|(p, t)| p.starts_with("services/") && p.ends_with(".msp") && t.contains("  description "))
        .collect();
    let mut edited = Vec::new();
    let mut strays = Vec::new();
    for k in 0..opts.runs {
        let (path, text) = specs[(k * 7919) % specs.len()];
        let id = path.trim_start_matches("services/").split('/').next().unwrap_or_default().to_string();
        // The service's own description (the first line at its depth), which
        // its page and its monitoring stacks print: a change of real output.
        let changed: String = {
            let mut done = false;
            let lines: Vec<String> = text
                .lines()
                .map(|l| {
                    if !done && l.starts_with("  description ") {
                        done = true;
                        format!("  description = \"edited by the benchmark, run {k}\"")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            lines.join("\n") + "\n"
        };
        std::fs::write(ws.join(path), &changed).map_err(|e| format!("{path}: {e}"))?;
        let before = stamps(out)?;
        let m = build()?;
        let after = stamps(out)?;
        let wrote: Vec<&String> = after.iter().filter(|(p, s)| before.get(*p) != Some(s)).map(|(p, _)| p).collect();
        let own = |p: &str| {
            p.starts_with(&format!("terraform/{id}/")) || p == format!("docs/{id}.md") || p == "docs/index.md"
        };
        strays.extend(wrote.iter().filter(|p| !own(p) && p.as_str() != ".mspc-output").map(|p| p.to_string()));
        eprintln!(
            "build: {} services: rebuild {}/{}, {id} edited: {:.0} ms, {} files written",
            work.services,
            k + 1,
            opts.runs,
            ms(m.wall),
            wrote.len()
        );
        edited.push((m, wrote.len()));
    }
    Ok((unchanged, edited, strays))
}

/// Each file under `dir` → (inode, modification time in ns).
fn stamps(dir: &Path) -> Result<std::collections::BTreeMap<String, (u64, i128)>, String> {
    use std::os::unix::fs::MetadataExt;
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let e = e.map_err(|e| e.to_string())?;
            let p = e.path();
            let m = std::fs::symlink_metadata(&p).map_err(|e| e.to_string())?;
            if m.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap_or(&p).to_string_lossy().replace('\\', "/");
                out.insert(rel, (m.ino(), m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128));
            }
        }
    }
    Ok(out)
}

/// One run in the fresh folder `dir`: `mspc build ws --out dir/out`, then
/// `cp -r dir/out dir/copy`.
fn one(mspc: &Path, ws: &Path, dir: &Path) -> Result<Sample, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (out, copy) = (dir.join("out"), dir.join("copy"));
    let build = run::timed(Command::new(mspc).arg("build").arg(ws).arg("--out").arg(&out))?;
    build.check("mspc build")?;
    let (files, bytes) = run::tree_size(&out)?;
    if files == 0 {
        return Err(format!("mspc build wrote no files into {}", out.display()));
    }
    let cp = run::timed(Command::new("cp").arg("-r").arg(&out).arg(&copy))?;
    cp.check("cp -r")?;
    let (copy_files, copy_bytes) = run::tree_size(&copy)?;
    if (copy_files, copy_bytes) != (files, bytes) {
        return Err(format!(
            "cp -r copied {copy_files} files ({copy_bytes} bytes) of the build's {files} ({bytes} bytes)"
        ));
    }
    Ok(Sample { build, copy: cp, files, bytes, copy_files, copy_bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios() {
        assert_eq!(ratio(Duration::from_millis(300), Duration::from_millis(200)), 1.5);
        assert_eq!(ratio(Duration::from_millis(50), Duration::from_millis(200)), 0.25);
    }

    fn measured(wall_ms: u64) -> Measured {
        Measured {
            wall: Duration::from_millis(wall_ms),
            user: Duration::from_millis(wall_ms / 2),
            sys: Duration::from_millis(wall_ms / 4),
            peak_rss_kib: 1000,
            code: Some(0),
            signal: None,
            stdout: String::new(),
            stderr: String::new(),
        }
    }

    #[test]
    fn the_ratio_is_the_median_of_per_run_ratios() {
        // Runs of (build, cp): ratios 2, 1, 4. The median ratio is 2; the
        // ratio of the medians (200 / 200) would be 1.
        let runs = [(200, 100), (100, 100), (800, 200)];
        let samples = runs
            .iter()
            .map(|&(b, c)| Sample {
                build: measured(b),
                copy: measured(c),
                files: 3,
                bytes: 10,
                copy_files: 3,
                copy_bytes: 10,
            })
            .collect();
        let batch = Batch {
            services: 1,
            workspace_files: 1,
            workspace_bytes: 1,
            samples,
            unchanged: Vec::new(),
            edited: Vec::new(),
            edited_strays: Vec::new(),
        };
        assert_eq!(batch.ratio(), Spread { n: 3, median: 2.0, min: 1.0, max: 4.0 });
        assert_eq!(batch.build_wall_ms().median, 200.0);
        assert_eq!(batch.copy_wall_ms().median, 100.0);
        assert_eq!(batch.build_cpu_ms(), Spread { n: 3, median: 150.0, min: 75.0, max: 600.0 });
    }
}
