//! The build benchmark: `mspc build` of a generated workspace as a cold
//! process, against `cp -r` of the same output tree as the floor.
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
    Ok(Batch { services: n, workspace_files: work.files.len(), workspace_bytes: work.bytes(), samples })
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
        let batch = Batch { services: 1, workspace_files: 1, workspace_bytes: 1, samples };
        assert_eq!(batch.ratio(), Spread { n: 3, median: 2.0, min: 1.0, max: 4.0 });
        assert_eq!(batch.build_wall_ms().median, 200.0);
        assert_eq!(batch.copy_wall_ms().median, 100.0);
        assert_eq!(batch.build_cpu_ms(), Spread { n: 3, median: 150.0, min: 75.0, max: 600.0 });
    }
}
