//! Killing `mspc build` at any moment never leaves an environment's folder
//! half written (issues 7 and 17):
//!
//! - into a previous output, which a build updates in place (whole, after a
//!   platform change, or only one service's, after an edit of that service),
//!   each environment's folder and each other file is as it was or complete,
//!   and the marker says "not current" unless the whole output is one
//!   build's; `mspc build --check` then fails, and the next build completes it;
//! - into no output, which a build writes beside and moves in place, the
//!   output is missing or complete.
//!
//! Each kill lands at a random moment of a build of the examples: while it
//! loads and generates, while it writes, while it swaps folders in or deletes
//! old ones, or after it has finished. Each round times a complete build of
//! the same kind under the machine's current load, then starts from the old
//! state; the delay is a random fraction (0 to 1.3, or 1.6 for updates) of
//! that. `MSPC_KILL_SEED` replays the fractions.

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, tree};

const KILLS: usize = 50;
/// A platform setting every stack of every environment prints.
const SETTING: &str = "terraform_version           = \"1.3.10\"";
const CHANGED: &str = "terraform_version           = \"1.3.11\"";
const MARKER: &str = ".mspc-output";

type Tree = BTreeMap<String, Vec<u8>>;

/// A temporary copy of the examples workspace.
fn examples() -> TempDir {
    let dir = TempDir::new("interrupted");
    for (rel, bytes) in tree(&common::repo_root().join("examples")) {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

/// The unit a build replaces at once: an environment's folder, or the file.
fn unit(rel: &str) -> String {
    let parts: Vec<&str> = rel.split('/').collect();
    if parts[0] == "terraform" && parts.len() > 3 { parts[..3].join("/") } else { rel.to_string() }
}

/// `tree` by unit, the marker and any temporary (a name with `.mspc-new-`
/// or `.mspc-old-`) left out.
fn units(t: &Tree) -> BTreeMap<String, Tree> {
    let mut by: BTreeMap<String, Tree> = BTreeMap::new();
    for (rel, bytes) in t {
        if rel != MARKER && !temporary(rel) {
            by.entry(unit(rel)).or_default().insert(rel.clone(), bytes.clone());
        }
    }
    by
}

fn temporary(rel: &str) -> bool {
    rel.contains(".mspc-new-") || rel.contains(".mspc-old-")
}

/// Starts `mspc build` and kills it after `delay` (SIGKILL; a build that
/// has already exited is left alone).
fn killed_build(ws: &Path, delay: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(ws)
        .arg("build")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run mspc");
    std::thread::sleep(delay);
    child.kill().unwrap();
    child.wait().unwrap();
}

fn seed() -> u64 {
    let seed = match std::env::var("MSPC_KILL_SEED") {
        Ok(s) => s.trim().parse::<u64>().expect("MSPC_KILL_SEED: a number"),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    };
    println!("seed {seed} (MSPC_KILL_SEED={seed} replays the delays)");
    seed
}

/// Runs `mspc build` to the end and returns how long it took.
fn build(ws: &Path) -> Duration {
    let start = Instant::now();
    let o = common::mspc(ws, &["build"]);
    let took = start.elapsed();
    assert_eq!(common::code(&o), 0, "mspc build failed:\n{}{}", common::stdout(&o), common::stderr(&o));
    took
}

/// What builds put beside the output folder `out`: `.out.mspc-…`.
fn leftovers(ws: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(ws)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out.mspc-"))
        .collect();
    v.sort();
    v
}

/// How `got` differs from `want`, briefly.
fn difference(got: &Tree, want: &Tree) -> String {
    let missing = want.keys().filter(|k| !got.contains_key(*k)).count();
    let extra = got.keys().filter(|k| !want.contains_key(*k)).count();
    let changed: Vec<&String> =
        got.iter().filter(|(k, v)| want.get(*k).is_some_and(|w| w != *v)).map(|(k, _)| k).collect();
    format!("{missing} missing, {extra} extra, {} changed (first: {:?})", changed.len(), changed.first())
}

/// xorshift64*: enough to spread kill delays, and replayable from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform enough in `0..=max`.
    fn up_to(&mut self, max: u64) -> u64 {
        self.next() % (max + 1)
    }
}

#[test]
fn a_build_killed_while_updating_leaves_each_environment_as_it_was_or_complete() {
    // A platform setting: every environment of every service changes, and
    // the build updates the whole output.
    killed_updates("platform.msp", SETTING, CHANGED, 20, KILLS);
}

#[test]
fn a_rebuild_of_one_service_killed_leaves_each_environment_as_it_was_or_complete() {
    // One job's description: the build regenerates that job alone
    // (`commands/rebuild.rs`), and writes through the same updates.
    let spec = "services/gatekeeper/gatekeeper.msp";
    let (from, to) = ("Hourly abuse detection", "Abuse detection, changed by a test");
    let ws = examples();
    build(ws.path());
    let path = ws.path().join(spec);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace(from, to)).unwrap();
    let o = common::mspc(ws.path(), &["build"]);
    assert!(
        common::stderr(&o).contains("the other services' sources did not change"),
        "not a targeted rebuild: {}",
        common::stderr(&o)
    );
    killed_updates(spec, from, to, 2, KILLS / 2);
}

/// Kills builds from the examples with `file`'s `from` to the same with
/// `to`, which must change at least `min` units, at `kills` random moments.
fn killed_updates(file: &str, from: &str, to: &str, min: usize, kills: usize) {
    let started = Instant::now();
    let ws = examples();
    let out = ws.path().join("out");
    let path = ws.path().join(file);
    let old_text = std::fs::read_to_string(&path).unwrap();
    assert!(old_text.contains(from), "{file} no longer has the text this test changes");
    let new_text = old_text.replace(from, to);
    let old_state = || std::fs::write(&path, &old_text).unwrap();
    let new_state = || std::fs::write(&path, &new_text).unwrap();

    build(ws.path());
    let old = tree(&out);
    new_state();
    let took = build(ws.path());
    let new = tree(&out);
    let (old_units, new_units) = (units(&old), units(&new));
    assert_eq!(old_units.keys().collect::<Vec<_>>(), new_units.keys().collect::<Vec<_>>(), "units came or went");
    let changing = old_units.iter().filter(|(k, v)| new_units[*k] != **v).count();
    assert!(changing >= min, "the edit changed only {changing} units: too few to catch a build half way");
    let plain = old[MARKER].clone();
    assert_eq!(plain, new[MARKER]);

    let seed = seed();
    let mut rng = Rng(seed | 1);
    println!("one build: {took:?}; {} files, {changing} units change", new.len());
    let (mut ended_old, mut ended_new, mut mixed, mut debris, mut checked) = (0, 0, 0, 0, 0);
    for i in 0..kills {
        // The old output, by a complete build over what the last kill left;
        // then a complete old -> new build, timed (the machine's load changes,
        // and a build's kind, whole or of one service, decides its length),
        // and back to the old output for the kill.
        old_state();
        build(ws.path());
        assert!(tree(&out) == old, "a complete build after kill {i} did not write the old output (seed {seed})");
        new_state();
        let took = build(ws.path());
        old_state();
        build(ws.path());
        new_state();
        // Up to 1.6 times: an update's end (the marker) comes after its
        // deletions, later in its run than a fresh build's.
        let delay = took.mul_f64(rng.up_to(1600) as f64 / 1000.0);
        killed_build(ws.path(), delay);
        let got = tree(&out);
        let got_units = units(&got);
        assert_eq!(
            got_units.keys().collect::<Vec<_>>(),
            new_units.keys().collect::<Vec<_>>(),
            "kill {i} after {delay:?} (seed {seed}): a unit is missing or extra"
        );
        let mut olds = 0;
        for (k, v) in &got_units {
            if *v == old_units[k] {
                olds += 1;
            } else {
                assert!(
                    *v == new_units[k],
                    "kill {i} after {delay:?} (seed {seed}) left `{k}` half written: against the old {}; against the new {}",
                    difference(v, &old_units[k]),
                    difference(v, &new_units[k])
                );
            }
        }
        let marker_plain = got.get(MARKER) == Some(&plain);
        let whole_new = got == new;
        if got == old {
            ended_old += 1;
        } else if whole_new {
            ended_new += 1;
        } else if got_units == old_units || got_units == new_units {
            // One build's output whole, and a temporary the killed build had
            // just created (the busy marker's own, before it took the
            // marker's place): the next build removes it, and
            // `build --check` counts it as extra.
            debris += 1;
        } else {
            mixed += 1;
            assert!(
                !marker_plain,
                "kill {i} (seed {seed}): {olds} old units and the rest new under a marker that says the output is current"
            );
        }
        // The check agrees with the tree: current exactly when it is the new
        // output (every fifth kill, and every mixed one).
        if i % 5 == 0 || !(got == old || whole_new) {
            checked += 1;
            let o = common::mspc(ws.path(), &["build", "--check"]);
            let want = if whole_new { 0 } else { 1 };
            assert_eq!(common::code(&o), want, "kill {i} (seed {seed}): build --check said\n{}", common::stderr(&o));
        }
    }
    println!(
        "{kills} kills: {ended_old} left the old output, {ended_new} the new one, {mixed} some environments of each \
         with the marker saying so, {debris} one build's output and a temporary; {checked} checked with build --check"
    );
    assert!(ended_old > 0, "no kill landed before the build changed the output (seed {seed})");
    assert!(ended_new > 0, "no kill landed after the build completed (seed {seed})");

    // The next build completes, and removes what the killed ones left.
    build(ws.path());
    assert!(tree(&out) == new, "a build after the kills did not write the new output");
    assert_eq!(leftovers(ws.path()), Vec::<String>::new(), "temporary folders left beside the output");
    println!("took {:?} in all", started.elapsed());
}

#[test]
fn a_first_build_killed_at_any_moment_leaves_no_output_or_a_complete_one() {
    let ws = examples();
    let out = ws.path().join("out");
    build(ws.path());
    let complete = tree(&out);
    let seed = seed();
    let mut rng = Rng(seed | 1);
    let (mut none, mut whole) = (0, 0);
    for i in 0..KILLS / 2 {
        // A fresh build first, measuring how long one takes under the
        // machine's current load.
        if out.exists() {
            std::fs::remove_dir_all(&out).unwrap();
        }
        let took = build(ws.path());
        std::fs::remove_dir_all(&out).unwrap();
        let delay = took.mul_f64(rng.up_to(1300) as f64 / 1000.0);
        killed_build(ws.path(), delay);
        if !out.exists() {
            none += 1;
        } else {
            let got = tree(&out);
            assert!(got == complete, "kill {i} after {delay:?} (seed {seed}): {}", difference(&got, &complete));
            whole += 1;
        }
    }
    println!("{} kills: {none} left no output, {whole} a complete one", KILLS / 2);
    assert!(none > 0 && whole > 0, "the kills did not land on both sides of the move (seed {seed})");
    build(ws.path());
    assert!(tree(&out) == complete);
    assert_eq!(leftovers(ws.path()), Vec::<String>::new(), "temporary folders left beside the output");
}
