//! Incrementality: in a 50-service workspace, editing one file re-runs
//! parsing and checking for that file's services only. Counted through
//! salsa's execution events, not timed.

mod common;

use std::path::PathBuf;

use mspc_compiler::db::{Database, load::Loaded};
use salsa::Setter;

fn service(i: usize, cpu: u32) -> String {
    format!(
        r#"
service svc{i} {{
  owners      = ["core-services"]
  description = "Service number {i}"
  image       = "us.gcr.io/example/svc{i}"
  environment dev {{
    project_id = "svc{i}-dev-1a2b"
    category   = test
    deploy     = manual
    instances  = {{ cpu = {cpu} }}
  }}
}}
"#
    )
}

fn executed(log: &[String], query: &str) -> Vec<String> {
    log.iter().filter(|e| e.starts_with(&format!("{query}("))).cloned().collect()
}

#[test]
fn editing_one_file_rechecks_only_its_services() {
    let (db, log) = Database::with_execution_log();
    let mut files: Vec<(String, String)> = (0..50).map(|i| (format!("services/svc{i}.msp"), service(i, 1))).collect();
    files.push(("platform.msp".into(), common::shared_platform()));
    let mut ws = Loaded::from_files(db, PathBuf::from("/incremental"), files);

    let first = ws.result().clone();
    assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);
    assert_eq!(first.services.len(), 50);
    let initial = std::mem::take(&mut *log.lock().unwrap());
    assert_eq!(executed(&initial, "parse").len(), 51);
    assert_eq!(executed(&initial, "check_service").len(), 50);

    let edited = ws.file("services/svc7.msp").unwrap();
    edited.set_text(&mut ws.db).to(service(7, 2));
    let second = ws.result().clone();
    let after = std::mem::take(&mut *log.lock().unwrap());

    let parsed = executed(&after, "parse");
    let checked = executed(&after, "check_service");
    assert_eq!(parsed.len(), 1, "only the edited file is re-parsed: {parsed:?}");
    assert_eq!(checked.len(), 1, "only the edited file's service is re-checked: {checked:?}");
    assert!(executed(&after, "check_platform").is_empty());
    let svc7 = second.services.iter().find(|s| s.id == "svc7").unwrap();
    assert_eq!(svc7.environments[0].instances.cpu, 2, "the edit is seen");

    // An edit that changes nothing re-parses but re-checks nothing.
    edited.set_text(&mut ws.db).to(service(7, 2));
    ws.result();
    let noop = std::mem::take(&mut *log.lock().unwrap());
    assert_eq!(executed(&noop, "parse").len(), 1);
    assert!(executed(&noop, "check_service").is_empty(), "{noop:?}");
}

/// Every query execution of checking a generated workspace of `n` services
/// from scratch, by query name.
fn executions_for(n: usize) -> std::collections::BTreeMap<String, usize> {
    let (db, log) = Database::with_execution_log();
    let w = mspc_bench::workload::generate(n, 1);
    let files: Vec<(String, String)> = w.files.into_iter().collect();
    let ws = Loaded::from_files(db, PathBuf::from("/complexity"), files);
    let result = ws.result();
    assert!(result.diagnostics.is_empty(), "{:?}", result.diagnostics);
    assert_eq!(result.services.len(), n);
    let mut by_query = std::collections::BTreeMap::new();
    for e in log.lock().unwrap().iter() {
        let name = e.split('(').next().unwrap_or(e).to_string();
        *by_query.entry(name).or_insert(0) += 1;
    }
    by_query
}

/// Checking twice the services runs at most twice the queries, query by
/// query: no query runs per pair of services or per service per file. (The
/// shared files — platform, stdlib, `let` files — make it a little less.)
#[test]
fn checking_twice_the_services_runs_at_most_twice_the_queries() {
    let small = executions_for(40);
    let large = executions_for(80);
    assert_eq!(small.keys().collect::<Vec<_>>(), large.keys().collect::<Vec<_>>());
    for (query, &n) in &small {
        let m = large[query];
        assert!(m <= 2 * n, "`{query}` ran {n} times for 40 services and {m} times for 80");
    }
    eprintln!("{small:?}\n{large:?}");
    let (n, m) = (small.values().sum::<usize>(), large.values().sum::<usize>());
    assert!(m <= 2 * n, "{n} queries for 40 services, {m} for 80");
    // Per-service queries do scale: the counts are of real work.
    assert!(small["check_service"] >= 40 && large["check_service"] >= 80, "{small:?} {large:?}");
}
