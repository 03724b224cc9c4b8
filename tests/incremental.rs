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
