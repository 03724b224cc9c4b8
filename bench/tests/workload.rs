//! The generated workspaces: deterministic, clean under the real checker
//! (no errors, no warnings), with the intended mix of features.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::TempDir;
use mspc_bench::workload;
use mspc_compiler::db::load::Loaded;
use mspc_compiler::ir::{Category, Kind, Service};

/// Every file below `dir`: relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

const N: usize = 30;

#[test]
fn thirty_services_are_deterministic_clean_and_mixed() {
    let tmp = TempDir::new("mix");
    let mut trees = Vec::new();
    for seed in [1u64, 2] {
        let a = tmp.0.join(format!("seed{seed}-a"));
        let b = tmp.0.join(format!("seed{seed}-b"));
        workload::generate(N, seed).write(&a).unwrap();
        workload::generate(N, seed).write(&b).unwrap();
        let (ta, tb) = (tree(&a), tree(&b));
        assert!(ta.len() > N, "expected at least one file per service, got {}", ta.len());
        assert_eq!(ta, tb, "seed {seed}: two generations differ");
        trees.push(ta);
        check(&a, seed);
    }
    assert_ne!(trees[0], trees[1], "seeds 1 and 2 gave the same workspace");
    // Not only the random suffixes differ: the services themselves do.
    let specs = |t: &BTreeMap<String, Vec<u8>>| {
        t.keys().filter(|k| k.ends_with(".msp") && k.starts_with("services/")).cloned().collect::<Vec<_>>()
    };
    assert_ne!(specs(&trees[0]), specs(&trees[1]));
}

/// Checks `root` with the compiler and counts the features in its IR.
fn check(root: &Path, seed: u64) {
    let loaded = Loaded::from_disk(root).unwrap();
    let result = loaded.result();
    let diags: Vec<String> =
        result.diagnostics.iter().map(|d| format!("{} {:?} {}", d.code.as_str(), d.severity, d.message)).collect();
    assert!(diags.is_empty(), "seed {seed}: the workspace has diagnostics:\n{}", diags.join("\n"));
    assert!(result.internal_errors.is_empty(), "seed {seed}: {:?}", result.internal_errors);
    assert!(result.has_platform && result.platform.is_some());
    let s = &result.services;
    assert_eq!(s.len(), N, "seed {seed}: every service must lower to the IR");

    let count = |f: &dyn Fn(&Service) -> bool| s.iter().filter(|x| f(x)).count();
    let jobs = count(&|x| x.kind == Kind::Job);
    let postgres = count(&|x| x.environments.iter().any(|e| e.postgres.is_some()));
    let redis = count(&|x| x.environments.iter().any(|e| e.redis.is_some()));
    let domain = count(&|x| x.environments.iter().any(|e| e.domain.is_some()));
    let staging = count(&|x| x.environments.iter().any(|e| e.id == "staging"));
    let rollout = count(&|x| x.rollout.is_some());
    let alerts = count(&|x| !x.monitoring.response_code_alerts.is_empty() || !x.monitoring.custom_alerts.is_empty());
    let readme = count(&|x| x.readme.is_some());
    let external = count(&|x| x.environments.iter().any(|e| e.category == Category::External));
    let scheduled = count(&|x| x.kind == Kind::Job && x.environments.iter().all(|e| e.schedule.is_some()));
    let mix = format!(
        "seed {seed}: jobs {jobs}, postgres {postgres}, redis {redis}, domain {domain}, staging {staging}, \
         rollout {rollout}, alerts {alerts}, readme {readme}, external {external}"
    );
    // About a tenth are jobs, every one on a schedule.
    assert!((2..=4).contains(&jobs), "{mix}");
    assert_eq!(scheduled, jobs, "{mix}");
    // About half have PostgreSQL, a third Redis.
    assert!((12..=18).contains(&postgres), "{mix}");
    assert!((8..=12).contains(&redis), "{mix}");
    // Most services have a domain; jobs never do.
    assert!(((N - jobs) * 3 / 4..=N - jobs).contains(&domain), "{mix}");
    assert!(s.iter().filter(|x| x.kind == Kind::Job).all(|x| x.environments.iter().all(|e| e.domain.is_none())));
    // Two or three environments: always dev (test) and prod (production), sometimes staging.
    for x in s {
        let ids: Vec<&str> = x.environments.iter().map(|e| e.id.as_str()).collect();
        assert!(ids.contains(&"dev") && ids.contains(&"prod") && (2..=3).contains(&ids.len()), "{}: {ids:?}", x.id);
        for e in &x.environments {
            assert_eq!(e.category.is_production(), e.id == "prod", "{} {}", x.id, e.id);
            // Project ids follow the platform's rule: `<service>-<env>-<4 hex>`.
            let suffix = e.project_id.strip_prefix(&format!("{}-{}-", x.id, e.id)).unwrap_or("");
            assert!(suffix.len() == 4 && suffix.chars().all(|c| c.is_ascii_hexdigit()), "{}", e.project_id);
            assert!(e.project_id.len() <= 30, "{}", e.project_id);
        }
    }
    assert!((5..=13).contains(&staging), "{mix}");
    assert!(rollout >= 4 && alerts >= 6 && readme >= 6 && (3..N).contains(&external), "{mix}");
}

#[test]
fn write_replaces_only_its_own_output() {
    let tmp = TempDir::new("write");
    let dir = tmp.0.join("ws");
    workload::generate(12, 3).write(&dir).unwrap();
    // A smaller workspace over a larger one leaves no stale services behind.
    workload::generate(4, 3).write(&dir).unwrap();
    let services: Vec<String> =
        tree(&dir).keys().filter(|k| k.starts_with("services/") && k.ends_with(".msp")).cloned().collect();
    assert_eq!(services.len(), 4, "{services:?}");
    // A folder it did not write is refused, and left alone.
    let foreign = tmp.0.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let err = workload::generate(4, 3).write(&foreign).unwrap_err();
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(std::fs::read_to_string(foreign.join("notes.txt")).unwrap(), "keep me");
}
