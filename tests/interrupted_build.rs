//! Killing `mspc build` at any moment leaves the output folder either as it
//! was before or complete after, never mixed; the next build removes what a
//! killed one left beside it (issue 7).
//!
//! Each kill lands at a random moment of a build of the examples (127
//! files): while it loads and generates, while it writes the new tree beside
//! the output (a good part of a debug build), while it swaps it in or
//! deletes the old tree, or after it has finished. Each round starts from
//! the old output, written by a complete build, which also measures how long
//! a build takes under the machine's current load; the delay is a random
//! fraction (0 to 1.3) of that. `MSPC_KILL_SEED` replays the fractions.

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, tree};

const KILLS: usize = 50;
const SERVICE: &str = "services/gatekeeper/gatekeeper.msp";
const DESCRIPTION: &str = "Hourly abuse detection and account bans for Cody";

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
fn a_build_killed_at_any_moment_leaves_the_old_output_or_the_new_one() {
    let started = Instant::now();
    let ws = examples();
    let out = ws.path().join("out");
    let service = ws.path().join(SERVICE);
    let old_text = std::fs::read_to_string(&service).unwrap();
    assert!(old_text.contains(DESCRIPTION), "{SERVICE} no longer has the description this test changes");
    let new_text = old_text.replace(DESCRIPTION, "Abuse detection and account bans, changed by a test");
    let old_state = || std::fs::write(&service, &old_text).unwrap();
    let new_state = || std::fs::write(&service, &new_text).unwrap();

    build(ws.path());
    let old = tree(&out);
    new_state();
    // One full build replacing the old output: what every killed build does.
    let took = build(ws.path());
    let new = tree(&out);
    assert!(old.contains_key(".mspc-output") && new.contains_key(".mspc-output"), "the marker is missing");
    assert_ne!(old, new, "changing a description changed no output file");
    assert_eq!(old.keys().collect::<Vec<_>>(), new.keys().collect::<Vec<_>>(), "the change added or removed files");

    let seed = match std::env::var("MSPC_KILL_SEED") {
        Ok(s) => s.trim().parse::<u64>().expect("MSPC_KILL_SEED: a number"),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    };
    // xorshift must not start from 0.
    let mut rng = Rng(seed | 1);
    println!("seed {seed} (MSPC_KILL_SEED={seed} replays the delays); one build: {took:?}; {} files", new.len());

    // Outcomes, and how many of each left this build's temporary folder
    // (killed while writing the new tree, or while deleting the old one).
    let (mut ended_old, mut ended_new, mut while_writing, mut while_deleting) = (0, 0, 0, 0);
    let (mut shortest, mut longest) = (took, took);
    for i in 0..KILLS {
        // The old output, by a complete build over what the last kill left,
        // which also measures how long a build takes now: the machine's load
        // changes, and delays from one early measurement can all fall short
        // of the build's end.
        old_state();
        let took = build(ws.path());
        assert!(tree(&out) == old, "a complete build after kill {i} did not write the old output (seed {seed})");
        (shortest, longest) = (shortest.min(took), longest.max(took));
        new_state();
        let mut child = Command::new(env!("CARGO_BIN_EXE_mspc"))
            .current_dir(ws.path())
            .arg("build")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run mspc");
        let fraction = rng.up_to(1300) as f64 / 1000.0;
        let delay = took.mul_f64(fraction);
        std::thread::sleep(delay);
        // SIGKILL; a build that has already exited is left alone.
        child.kill().unwrap();
        child.wait().unwrap();
        let got = tree(&out);
        let own = format!("-{}", child.id());
        let left_own = leftovers(ws.path()).iter().any(|n| n.ends_with(&own));
        if got == old {
            ended_old += 1;
            while_writing += usize::from(left_own);
        } else if got == new {
            ended_new += 1;
            while_deleting += usize::from(left_own);
        } else {
            panic!(
                "kill {i} after {delay:?} (seed {seed}) left a mixed output: against the old tree {}; against the new {}",
                difference(&got, &old),
                difference(&got, &new)
            );
        }
    }
    println!(
        "{KILLS} kills, each after 0 to 1.3 times a build ({shortest:?} to {longest:?}): \
         {ended_old} left the old output ({while_writing} of them killed while writing the new tree), \
         {ended_new} the new one ({while_deleting} of them killed while deleting the old tree)"
    );
    assert!(ended_old > 0, "no kill landed before the build replaced the output (seed {seed})");
    assert!(ended_new > 0, "no kill landed after the build replaced the output (seed {seed})");

    // The next build completes, and removes what the killed ones left.
    build(ws.path());
    assert!(tree(&out) == new, "a build after the kills did not write the new output");
    assert_eq!(leftovers(ws.path()), Vec::<String>::new(), "temporary folders left beside the output");
    println!("took {:?} in all", started.elapsed());
}
