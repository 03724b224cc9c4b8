//! The build and lint benchmarks end to end on tiny workspaces, checked
//! against figures computed here independently, and the command line's
//! errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::TempDir;
use serde_json::Value;

const BENCH: &str = env!("CARGO_BIN_EXE_mspc-bench");

fn bench(args: &[&str]) -> Output {
    Command::new(BENCH).args(args).output().unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The release `mspc` the benchmarks measure, if it has been built.
fn release_mspc() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let mspc = target.join("release").join(format!("mspc{}", std::env::consts::EXE_SUFFIX));
    if mspc.is_file() {
        Some(mspc)
    } else {
        eprintln!("skipped: no {} (run `cargo build --release --bin mspc`)", mspc.display());
        None
    }
}

/// Regular files below `dir` and the sum of their sizes.
fn walk(dir: &Path) -> (u64, u64) {
    let (mut files, mut bytes) = (0, 0);
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            let (f, b) = walk(&e.path());
            files += f;
            bytes += b;
        } else if t.is_file() {
            files += 1;
            bytes += std::fs::read(e.path()).unwrap().len() as u64;
        }
    }
    (files, bytes)
}

#[test]
fn build_counts_the_output_and_compares_with_cp() {
    let Some(mspc) = release_mspc() else { return };
    let tmp = TempDir::new("build");
    let scratch = tmp.0.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let out = bench(&[
        "build",
        "--services",
        "3",
        "--runs",
        "1",
        "--settle",
        "0",
        "--json",
        "--mspc",
        mspc.to_str().unwrap(),
        "--dir",
        scratch.to_str().unwrap(),
    ]);
    let report = json_of(&out);
    // Every tree of the run is gone again.
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0, "left behind in {}", scratch.display());

    // The same build, done here: the output is deterministic.
    let ws = tmp.0.join("ws");
    assert!(bench(&["workload", "--services", "3", "--seed", "1", "--out", ws.to_str().unwrap()]).status.success());
    let built = tmp.0.join("out");
    let status = Command::new(&mspc).arg("build").arg(&ws).arg("--out").arg(&built).output().unwrap().status;
    assert!(status.success());
    let (files, bytes) = walk(&built);
    assert!(files > 0);

    let batches = report["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 1);
    let b = &batches[0];
    assert_eq!(b["services"], 3);
    let sample = &b["samples"][0];
    assert_eq!((sample["files"].as_u64(), sample["bytes"].as_u64()), (Some(files), Some(bytes)));
    assert_eq!((sample["cp_files"].as_u64(), sample["cp_bytes"].as_u64()), (Some(files), Some(bytes)));
    assert_eq!(b["files"]["median"].as_f64(), Some(files as f64));
    assert_eq!(b["bytes"]["median"].as_f64(), Some(bytes as f64));
    assert_eq!(sample["build"]["exit_code"], 0);
    assert_eq!(sample["cp"]["exit_code"], 0);

    let wall = |m: &Value| m["wall_ns"].as_u64().unwrap() as f64;
    let (build_ns, cp_ns) = (wall(&sample["build"]), wall(&sample["cp"]));
    assert!(build_ns > 0.0 && cp_ns > 0.0);
    let ratio = sample["ratio"].as_f64().unwrap();
    // Through JSON a float may come back one unit in the last place off.
    assert!((ratio - build_ns / cp_ns).abs() <= 1e-12 * ratio.abs(), "{ratio} vs {}", build_ns / cp_ns);
    // One run: the summary is that run (rounded to 3 decimals).
    assert!((b["ratio"]["median"].as_f64().unwrap() - ratio).abs() <= 0.0005);
    assert!((b["build_wall_ms"]["median"].as_f64().unwrap() - build_ns / 1e6).abs() <= 0.0005);
    let cpu = (sample["build"]["user_ns"].as_u64().unwrap() + sample["build"]["sys_ns"].as_u64().unwrap()) as f64;
    assert!((b["build_cpu_ms"]["median"].as_f64().unwrap() - cpu / 1e6).abs() <= 0.0005);
    assert!(sample["build"]["peak_rss_kib"].as_u64().unwrap() > 1000, "{sample}");
}

#[test]
fn lint_runs_every_case_clean() {
    let Some(mspc) = release_mspc() else { return };
    let out = bench(&["lint", "--services", "3", "--runs", "2", "--json", "--mspc", mspc.to_str().unwrap()]);
    let report = json_of(&out);
    let file = report["file"].as_str().unwrap();
    assert!(file.starts_with("services/") && file.ends_with(".msp"), "{file}");
    let cases = report["cases"].as_object().unwrap();
    let cache = report["cache_folder"].as_bool().unwrap();
    let mut want = vec!["unchanged", "changed", "workspace"];
    if cache {
        want.push("changed_cold_cache");
    }
    let mut got: Vec<&str> = cases.keys().map(String::as_str).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    for (name, case) in cases {
        let samples = case["samples"].as_array().unwrap();
        assert_eq!(samples.len(), 2, "{name}");
        assert!(samples.iter().all(|s| s["exit_code"] == 0 && s["wall_ns"].as_u64() > Some(0)), "{name}");
        let walls: Vec<f64> = samples.iter().map(|s| s["wall_ns"].as_u64().unwrap() as f64 / 1e6).collect();
        let min = walls.iter().copied().fold(f64::INFINITY, f64::min);
        assert!((case["wall_ms"]["median"].as_f64().unwrap() - min).abs() <= 0.0005, "{name}: the lower of two");
    }
}

/// A stand-in for mspc that fails the way a broken compiler would.
#[cfg(unix)]
fn failing_mspc(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("mspc");
    std::fs::write(&path, "#!/bin/sh\necho 'error: something broke' >&2\nexit 3\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[cfg(target_os = "linux")]
#[test]
fn a_failing_compiler_fails_the_benchmark() {
    let tmp = TempDir::new("failing");
    let mspc = failing_mspc(&tmp.0);
    let mspc = mspc.to_str().unwrap();
    let scratch = tmp.0.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let runs: [&[&str]; 2] = [
        &[
            "build",
            "--services",
            "2",
            "--runs",
            "1",
            "--settle",
            "0",
            "--mspc",
            mspc,
            "--dir",
            scratch.to_str().unwrap(),
        ],
        &["lint", "--services", "2", "--runs", "1", "--mspc", mspc],
    ];
    for args in runs {
        let out = bench(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("exited with status 3") && err.contains("something broke"), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0, "the failed build left trees behind");
}

#[test]
fn argument_errors_exit_2() {
    let cases: [&[&str]; 14] = [
        &["build", "--runs", "0"],
        &["build", "--services", "0"],
        &["build", "--services", "100,x"],
        &["build", "--services"],
        &["build", "--settle", "-1"],
        &["build", "--frobnicate"],
        &["lint", "--services", "0"],
        &["lint", "--runs", "many"],
        &["all", "--iterations", "0"],
        &["all", "--settle", "soon"],
        &["soak", "--edits", "0"],
        &["soak", "--edits", "3000", "--reference", "1500"],
        &["soak", "--edits", "1000", "--reference", "2000"],
        &["bogus"],
    ];
    for args in cases {
        let out = bench(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "), "{args:?}");
    }
}

/// The `mspc` the soak runs: the release one if built, else the debug one
/// that `cargo test --workspace` builds.
fn any_mspc() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let found = ["release", "debug"]
        .map(|profile| target.join(profile).join(format!("mspc{}", std::env::consts::EXE_SUFFIX)))
        .into_iter()
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "no mspc binary: `cargo test --workspace` builds one");
        eprintln!("skipped: no mspc binary (run `cargo build`)");
    }
    found
}

/// A short soak end to end: every edit's diagnostics are checked by the
/// benchmark itself (a wrong push fails it), memory is read at 0 and every
/// 1,000 edits, and the exit code agrees with the verdict it prints.
#[cfg(target_os = "linux")]
#[test]
fn soak_reads_memory_through_a_session_and_judges_it() {
    let Some(mspc) = any_mspc() else { return };
    let out = bench(
        &["soak", "--services", "4", "--edits", "2000", "--reference", "1000", "--json", "--mspc"]
            .into_iter()
            .chain([mspc.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let edits: Vec<u64> = report["rss_kib"].as_array().unwrap().iter().map(|s| s["edits"].as_u64().unwrap()).collect();
    assert_eq!(edits, [0, 1000, 2000]);
    assert!(report["rss_kib"].as_array().unwrap().iter().all(|s| s["kib"].as_u64().unwrap() > 1024));
    let growth = report["growth"].as_f64().unwrap();
    let within = report["within_budget"].as_bool().unwrap();
    assert_eq!(within, growth <= 1.2);
    assert_eq!(out.status.code(), Some(if within { 0 } else { 1 }), "{}", String::from_utf8_lossy(&out.stderr));
}
