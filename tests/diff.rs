//! `mspc diff` end to end: a workspace in a git repository (the examples'
//! platform and teams, and the `orders` service of `fixtures/diff/`), one
//! edit of the kind a pull request makes, and what the diff says about it:
//! the actions, the arguments, the data at risk, and the spec lines it names.
//! The repository is made with the `git` program, which these tests need;
//! mspc itself reads it without one.

mod common;

use std::path::Path;
use std::process::Command;

use common::TempDir;
use serde_json::Value;

const SPEC: &str = "services/orders/orders.msp";
const README: &str = "services/orders/README.md";
const REGION_LINE: &str = "    region     = us-central1\n";
const REDIS_LINE: &str = "    redis      = { memory = 1Gi }\n";

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=mspc tests", "-c", "user.email=tests@mspc.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("these tests need the `git` program to make their repositories");
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// The workspace, committed, with `base_edits` applied to the spec before
/// the commit.
fn repository(base_edits: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new("diff");
    let root = common::repo_root();
    let fixture = root.join("tests/fixtures/diff/orders");
    let mut spec = std::fs::read_to_string(fixture.join("orders.msp")).unwrap();
    for (from, to) in base_edits {
        assert!(spec.contains(from), "the fixture no longer has {from:?}");
        spec = spec.replacen(from, to, 1);
    }
    dir.write(&[
        ("platform.msp".into(), std::fs::read_to_string(root.join("examples/platform.msp")).unwrap()),
        ("teams.msp".into(), std::fs::read_to_string(root.join("examples/teams.msp")).unwrap()),
        (SPEC.into(), spec),
        (README.into(), std::fs::read_to_string(fixture.join("README.md")).unwrap()),
    ]);
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

/// Replaces `from` with `to` in the workspace's file `rel`; returns the new text.
fn edit(ws: &Path, rel: &str, from: &str, to: &str) -> String {
    let p = ws.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    let text = text.replacen(from, to, 1);
    std::fs::write(&p, &text).unwrap();
    text
}

/// The 1-based line of `text` where `needle` starts.
fn line_of(text: &str, needle: &str) -> u64 {
    let at = text.find(needle).unwrap_or_else(|| panic!("no {needle:?}"));
    text[..at].matches('\n').count() as u64 + 1
}

fn diff_json(ws: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["diff", "--format", "json"];
    args.extend(extra);
    let o = common::mspc(ws, &args);
    let code = common::code(&o);
    assert!(code == 0 || code == 1, "mspc diff failed ({code}):\n{}{}", common::stdout(&o), common::stderr(&o));
    (code, serde_json::from_str(&common::stdout(&o)).expect("JSON"))
}

fn changes(v: &Value) -> &Vec<Value> {
    v["changes"].as_array().unwrap()
}

fn resources(v: &Value) -> Vec<&Value> {
    changes(v).iter().filter(|c| c["kind"] == "resource").collect()
}

/// `(file, side, start line, end line)` of a change's spans.
fn spans(c: &Value) -> Vec<(String, String, u64, u64)> {
    c["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["file"].as_str().unwrap().to_string(),
                s["side"].as_str().unwrap().to_string(),
                s["start_line"].as_u64().unwrap(),
                s["end_line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn nothing_changed_is_no_change_and_exit_zero() {
    let ws = repository(&[]);
    let (code, v) = diff_json(ws.path(), &["--fail-on", "replace", "--fail-on", "delete"]);
    assert_eq!(code, 0);
    assert!(changes(&v).is_empty() && v["docs"].as_array().unwrap().is_empty(), "{v:#}");
    let o = common::mspc(ws.path(), &["diff"]);
    assert!(common::stdout(&o).starts_with("No changes from HEAD ("), "{}", common::stdout(&o));
}

#[test]
fn adding_redis_creates_it_in_that_environment_from_the_added_line() {
    let ws = repository(&[]);
    let text = edit(ws.path(), SPEC, REGION_LINE, &format!("{REGION_LINE}{REDIS_LINE}"));
    let (code, v) = diff_json(ws.path(), &["--fail-on", "replace", "--fail-on", "delete"]);
    let line = line_of(&text, REDIS_LINE);
    let rs = resources(&v);
    let redis: Vec<&&Value> = rs.iter().filter(|c| c["type"] == "google_redis_instance").collect();
    assert_eq!(redis.len(), 1, "{v:#}");
    assert_eq!(
        (&redis[0]["action"], &redis[0]["environment"], &redis[0]["stack"]),
        (&"create".into(), &"prod".into(), &"cloudrun".into())
    );
    assert!(rs.iter().all(|c| c["environment"] == "prod"), "dev changed too");
    assert!(rs.iter().all(|c| c["action"] == "create" || c["action"] == "update"), "{v:#}");
    assert_eq!(code, 0, "nothing is replaced or deleted, so --fail-on passes");
    // Every change of prod comes from the added line.
    for c in &rs {
        assert_eq!(spans(c), [(SPEC.to_string(), "now".to_string(), line, line)], "{}", c["address"]);
    }
    // The service gets the endpoint: an update of the existing service.
    let run = rs.iter().find(|c| c["type"] == "google_cloud_run_v2_service").expect("the service is updated");
    assert_eq!(run["action"], "update");
}

#[test]
fn changing_the_region_replaces_the_database_and_redis_and_flags_them_first() {
    let ws = repository(&[(REGION_LINE, &format!("{REGION_LINE}{REDIS_LINE}"))]);
    let text = edit(ws.path(), SPEC, REGION_LINE, "    region     = europe-west4\n");
    let line = line_of(&text, "    region     = europe-west4");
    let (code, v) = diff_json(ws.path(), &["--fail-on", "replace"]);
    assert_eq!(code, 1, "--fail-on replace fails on a replacement");
    for ty in ["google_sql_database_instance", "google_redis_instance"] {
        let c = changes(&v).iter().find(|c| c["type"] == ty).unwrap_or_else(|| panic!("no {ty} change: {v:#}"));
        assert_eq!(c["action"], "replace", "{ty}");
        assert!(c["loses"].as_str().is_some_and(|l| !l.is_empty()), "{ty} is not flagged");
        let region =
            c["attributes"].as_array().unwrap().iter().find(|a| a["path"] == "region").expect("region changed");
        assert_eq!((&region["old"], &region["new"]), (&"\"us-central1\"".into(), &"\"europe-west4\"".into()));
        assert_eq!(region["forces_replacement"], true);
        assert_eq!(spans(c), [(SPEC.to_string(), "now".to_string(), line, line)], "{ty}");
    }
    assert!(resources(&v).iter().all(|c| c["environment"] == "prod"));
    // Terminal and Markdown put the data at risk before the rest.
    let o = common::mspc(ws.path(), &["diff", "--color", "always"]);
    let out = common::stdout(&o);
    let flagged = out.find("\x1b[1;31m").expect("nothing in red");
    assert!(out[flagged..].starts_with("\x1b[1;31m"), "{out}");
    let first_stack = out.find("\norders / prod\n").expect("no environment section");
    assert!(flagged < first_stack, "{out}");
    let md = common::stdout(&common::mspc(ws.path(), &["diff", "--format", "markdown"]));
    let risk = md.find("### :warning: Data at risk").expect("no data-at-risk section");
    assert!(risk < md.find("### Changes").unwrap());
    assert!(md.contains("`google_sql_database_instance.postgresql`"), "{md}");
    assert!(md.contains("<details><summary><b>orders / prod</b>"), "{md}");
    insta::with_settings!({ filters => vec![(r"HEAD \([0-9a-f]{7}\)", "HEAD (commit)")] }, {
        insta::assert_snapshot!("region_change_as_a_pull_request_comment", md);
    });
}

#[test]
fn removing_an_environment_deletes_its_resources_from_the_removed_lines() {
    let ws = repository(&[]);
    let base = std::fs::read_to_string(ws.path().join(SPEC)).unwrap();
    let start = base.find("  environment dev {").unwrap();
    let end = start + base[start..].find("  }\n").unwrap() + 4;
    let block = base[start..end].to_string();
    let (first, last) =
        (line_of(&base, "  environment dev {"), line_of(&base, &block) + block.lines().count() as u64 - 1);
    edit(ws.path(), SPEC, &format!("{block}\n"), "");
    let (code, v) = diff_json(ws.path(), &["--fail-on", "delete"]);
    assert_eq!(code, 1);
    let rs = resources(&v);
    assert!(!rs.is_empty());
    assert!(rs.iter().all(|c| c["environment"] == "dev" && c["action"] == "delete"), "{v:#}");
    let project = rs.iter().find(|c| c["type"] == "google_project").expect("the project is deleted");
    assert!(project["loses"].as_str().unwrap().contains("project"));
    for c in &rs {
        let s = spans(c);
        assert!(!s.is_empty(), "{} names no lines", c["address"]);
        for (file, side, a, b) in s {
            assert_eq!((file.as_str(), side.as_str()), (SPEC, "base"), "{}", c["address"]);
            assert!(first <= a && b <= last + 1, "{}: lines {a}-{b} outside {first}-{last}", c["address"]);
        }
    }
}

#[test]
fn renaming_a_service_deletes_the_old_and_creates_the_new() {
    let ws = repository(&[]);
    edit(ws.path(), SPEC, "service orders {", "service ordering {");
    // Project ids start with the service's id.
    edit(ws.path(), SPEC, "\"orders-dev-1a2b\"", "\"ordering-dev-1a2b\"");
    let text = edit(ws.path(), SPEC, "\"orders-prod-3c4d\"", "\"ordering-prod-3c4d\"");
    let line = line_of(&text, "service ordering {");
    let (_, v) = diff_json(ws.path(), &[]);
    let rs = resources(&v);
    let old: Vec<&&Value> = rs.iter().filter(|c| c["service"] == "orders").collect();
    let new: Vec<&&Value> = rs.iter().filter(|c| c["service"] == "ordering").collect();
    assert!(!old.is_empty() && old.iter().all(|c| c["action"] == "delete"));
    assert!(!new.is_empty() && new.iter().all(|c| c["action"] == "create"));
    assert_eq!(old.len(), new.len(), "the same resources under the new name");
    for c in rs {
        assert!(
            spans(c).iter().any(|(f, _, a, b)| f == SPEC && *a <= line && line <= *b),
            "{} does not name the label",
            c["address"]
        );
    }
    let docs: Vec<(&str, &str)> = v["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["path"].as_str().unwrap(), d["action"].as_str().unwrap()))
        .collect();
    assert!(docs.contains(&("docs/orders.md", "delete")) && docs.contains(&("docs/ordering.md", "create")), "{docs:?}");
}

#[test]
fn changing_an_environment_variable_updates_one_argument_in_each_environment() {
    let ws = repository(&[]);
    let text = edit(ws.path(), SPEC, "LOG_LEVEL = \"info\"", "LOG_LEVEL = \"debug\"");
    let line = line_of(&text, "LOG_LEVEL = \"debug\"");
    let (code, v) = diff_json(ws.path(), &["--fail-on", "replace", "--fail-on", "delete"]);
    assert_eq!(code, 0);
    let rs = resources(&v);
    let envs: Vec<&str> = rs.iter().map(|c| c["environment"].as_str().unwrap()).collect();
    assert_eq!(envs, ["dev", "prod"], "one change per environment: {v:#}");
    for c in rs {
        assert_eq!((&c["type"], &c["action"]), (&"google_cloud_run_v2_service".into(), &"update".into()));
        let attrs = c["attributes"].as_array().unwrap();
        assert_eq!(attrs.len(), 1, "{attrs:#?}");
        assert_eq!(attrs[0]["path"], "template.containers.env[\"LOG_LEVEL\"].value");
        assert_eq!((&attrs[0]["old"], &attrs[0]["new"]), (&"\"info\"".into(), &"\"debug\"".into()));
        assert_eq!(spans(c), [(SPEC.to_string(), "now".to_string(), line, line)]);
    }
}

#[test]
fn a_readme_change_changes_the_page_only() {
    let ws = repository(&[]);
    edit(ws.path(), README, "until delivery.", "until delivery, then archived.");
    let (_, v) = diff_json(ws.path(), &[]);
    assert!(changes(&v).is_empty(), "Terraform changed: {v:#}");
    let docs = v["docs"].as_array().unwrap();
    assert_eq!(docs.len(), 1, "{docs:#?}");
    assert_eq!((&docs[0]["path"], &docs[0]["action"]), (&"docs/orders.md".into(), &"update".into()));
    assert_eq!((&docs[0]["lines_added"], &docs[0]["lines_removed"]), (&1.into(), &1.into()));
    let s = spans(&docs[0]);
    assert_eq!(s, [(README.to_string(), "now".to_string(), 3, 3)]);
}

#[test]
fn errors_at_either_revision_and_unknown_revisions_exit_two() {
    let ws = repository(&[]);
    let o = common::mspc(ws.path(), &["diff", "--base", "no-such-branch"]);
    assert_eq!(common::code(&o), 2);
    assert!(common::stderr(&o).contains("no revision `no-such-branch`"), "{}", common::stderr(&o));
    edit(ws.path(), SPEC, "cpu = 1,", "cpu = \"one\",");
    let o = common::mspc(ws.path(), &["diff", "--format", "json"]);
    assert_eq!(common::code(&o), 2, "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("the workspace has errors"), "{}", common::stderr(&o));
    // The diagnostics go to stderr: stdout is the diff's, for a workflow to parse.
    assert!(common::stderr(&o).contains("services/orders/orders.msp"), "{}", common::stderr(&o));
    assert!(common::stdout(&o).is_empty(), "{}", common::stdout(&o));
    // Committed broken, fixed now: the base is what has errors.
    git(ws.path(), &["commit", "-q", "-am", "broken"]);
    edit(ws.path(), SPEC, "cpu = \"one\",", "cpu = 1,");
    let o = common::mspc(ws.path(), &["diff"]);
    assert_eq!(common::code(&o), 2);
    assert!(common::stderr(&o).contains("the workspace at `HEAD`"), "{}", common::stderr(&o));
    // Against the first commit, it is fine.
    let o = common::mspc(ws.path(), &["diff", "--base", "HEAD~1"]);
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
}

#[test]
fn a_workspace_new_in_the_change_is_all_creates() {
    let ws = repository(&[]);
    // The workspace moves into a folder the base revision does not have.
    let sub = ws.path().join("platform-ws");
    std::fs::create_dir_all(&sub).unwrap();
    for name in ["platform.msp", "teams.msp", "services"] {
        std::fs::rename(ws.path().join(name), sub.join(name)).unwrap();
    }
    let (_, v) = diff_json(&sub, &[]);
    assert!(!resources(&v).is_empty());
    assert!(resources(&v).iter().all(|c| c["action"] == "create"));
}

/// The replacement table (`emit/terraform/replace.rs`) must know every
/// resource type the generator writes, or `mspc diff` would call a
/// replacement an update.
#[test]
fn every_generated_resource_type_has_its_replacement_row() {
    let out = TempDir::new("diff-types");
    let o = Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(common::repo_root().join("examples"))
        .args(["build", "--out", out.path().join("out").to_str().unwrap()])
        .env("MSPC_CACHE_DIR", out.path().join("cache"))
        .output()
        .unwrap();
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let mut types = std::collections::BTreeSet::new();
    for (rel, bytes) in common::tree(out.path()) {
        if rel.ends_with(".tf") {
            for line in String::from_utf8(bytes).unwrap().lines() {
                if let Some(rest) = line.strip_prefix("resource \"") {
                    types.insert(rest.split('"').next().unwrap().to_string());
                }
            }
        }
    }
    assert!(types.len() > 50, "only {} types: did the build change?", types.len());
    let unknown: Vec<&String> = types.iter().filter(|t| !mspc_compiler::emit::terraform::replace::known(t)).collect();
    assert!(unknown.is_empty(), "no replacement row for {unknown:?}");
}
