//! `mspc init`: the skeleton it writes into a copy of `examples/` checks,
//! lints and builds; bad ids, taken ids and existing files are refused.

mod common;

use std::path::Path;

use common::{TempDir, code, mspc, stderr, stdout};

/// A temporary copy of the examples workspace.
fn examples() -> TempDir {
    let dir = TempDir::new("init");
    for (rel, bytes) in common::tree(&common::repo_root().join("examples")) {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `mspc` and insists it exits 0, showing its output otherwise.
fn ok(cwd: &Path, args: &[&str]) -> String {
    let o = mspc(cwd, args);
    assert_eq!(code(&o), 0, "mspc {args:?} failed:\n{}{}", stdout(&o), stderr(&o));
    stdout(&o)
}

/// The new file checks, lints and is formatted, and its service builds.
fn assert_usable(ws: &Path, id: &str) {
    let file = format!("services/{id}/{id}.msp");
    ok(ws, &["check"]);
    ok(ws, &["lint", &file]);
    ok(ws, &["fmt", "--check", &file]);
    ok(ws, &["build", "--service", id, "--out", "out"]);
    assert!(ws.join(format!("out/terraform/{id}")).is_dir(), "no Terraform for {id}");
}

/// `(environment, project id, category)` of each environment, in order.
fn environments(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("environment ") {
            let env = rest.trim_end_matches(" {").to_string();
            let mut project = String::new();
            let mut category = String::new();
            for l in lines.by_ref().take_while(|l| *l != "}") {
                if let Some(v) = l.strip_prefix("project_id") {
                    project = v.trim_start_matches([' ', '=']).trim_matches('"').to_string();
                } else if let Some(v) = l.strip_prefix("category") {
                    category = v.trim_start_matches([' ', '=']).to_string();
                }
            }
            out.push((env, project, category));
        }
    }
    out
}

#[test]
fn a_new_service_checks_lints_and_builds() {
    let ws = examples();
    let out = ok(ws.path(), &["init", "service", "billing", "--owner", "core-services"]);
    assert!(out.contains("services/billing/billing.msp"), "says where it wrote: {out}");
    let text = read(&ws.path().join("services/billing/billing.msp"));
    assert!(text.starts_with("service billing {"), "{text}");
    assert!(text.contains("owners      = [\"core-services\"]"), "{text}");
    assert!(text.contains("deploy = manual { tag = \"insiders\" }"), "{text}");
    assert!(!text.contains("schedule"), "a service has no schedule:\n{text}");
    let envs = environments(&text);
    let names: Vec<&str> = envs.iter().map(|(e, _, _)| e.as_str()).collect();
    assert_eq!(names, ["dev", "prod"], "the default environments");
    for (env, project, category) in &envs {
        let suffix = project.strip_prefix(&format!("billing-{env}-")).unwrap_or_else(|| panic!("{project}"));
        assert!(suffix.len() == 4 && suffix.chars().all(|c| c.is_ascii_hexdigit()), "{project}");
        assert_eq!(category, if env == "dev" { "test" } else { "internal" });
    }
    assert_usable(ws.path(), "billing");
}

#[test]
fn a_new_job_from_outside_the_workspace_with_its_environments() {
    let ws = examples();
    // Run from the folder above, naming a folder inside the workspace.
    let inside = ws.path().join("services");
    let parent = ws.path().parent().unwrap();
    let out = ok(
        parent,
        &[
            "init",
            "job",
            "nightly-report",
            "--env",
            "staging",
            "--env",
            "prod",
            "--owner",
            "a",
            "--owner",
            "b",
            inside.to_str().unwrap(),
        ],
    );
    assert!(out.contains("nightly-report.msp"), "{out}");
    let text = read(&ws.path().join("services/nightly-report/nightly-report.msp"));
    assert!(text.starts_with("job nightly-report {"), "{text}");
    assert!(text.contains("schedule") && text.contains("cron"), "a job gets a schedule:\n{text}");
    assert!(text.contains("[\"a\", \"b\"]"), "both owners, in order:\n{text}");
    let envs: Vec<(String, String)> = environments(&text).into_iter().map(|(e, _, c)| (e, c)).collect();
    assert_eq!(envs, [("staging".into(), "test".into()), ("prod".into(), "internal".into())]);
    assert_usable(ws.path(), "nightly-report");
}

#[test]
fn without_owners_a_placeholder_that_checks() {
    let ws = examples();
    ok(ws.path(), &["init", "service", "pending"]);
    let text = read(&ws.path().join("services/pending/pending.msp"));
    assert!(text.contains(mspc_compiler::scaffold::PLACEHOLDER_OWNER), "{text}");
    ok(ws.path(), &["check"]);
}

#[test]
fn project_ids_differ_between_two_inits() {
    let (a, b) = (examples(), examples());
    ok(a.path(), &["init", "service", "twin"]);
    ok(b.path(), &["init", "service", "twin"]);
    let ids = |ws: &TempDir| -> Vec<String> {
        environments(&read(&ws.path().join("services/twin/twin.msp"))).into_iter().map(|(_, p, _)| p).collect()
    };
    let (first, second) = (ids(&a), ids(&b));
    assert_eq!(first.len(), 2);
    assert_ne!(first, second, "two inits drew the same suffixes");
    assert_ne!(first[0][first[0].len() - 4..], first[1][first[1].len() - 4..], "each environment draws its own");
}

/// Runs an init that must be refused: exit 1, the message on stderr, nothing written.
fn refused(ws: &Path, args: &[&str], message: &str) {
    let before = common::tree(ws);
    let o = mspc(ws, args);
    assert_eq!(code(&o), 1, "mspc {args:?} should be refused:\n{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains(message), "mspc {args:?}: expected `{message}` in:\n{}", stderr(&o));
    assert_eq!(common::tree(ws), before, "mspc {args:?} changed the workspace");
}

#[test]
fn an_id_already_in_the_workspace_is_refused() {
    let ws = examples();
    refused(
        ws.path(),
        &["init", "service", "releaseregistry"],
        "a service `releaseregistry` already exists in `services/releaseregistry/releaseregistry.msp`",
    );
    // Services and jobs share one namespace.
    refused(ws.path(), &["init", "service", "gatekeeper"], "a job `gatekeeper` already exists");
}

#[test]
fn an_existing_file_is_refused() {
    let ws = examples();
    let file = ws.path().join("services/later/later.msp");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "// to be written\n").unwrap();
    refused(ws.path(), &["init", "job", "later"], "`services/later/later.msp` already exists");
}

#[test]
fn invalid_ids_are_refused() {
    let ws = examples();
    refused(ws.path(), &["init", "service", "Billing"], "`Billing` is not a valid service id");
    refused(ws.path(), &["init", "service", "a_b"], "lowercase letters, digits and hyphens");
    refused(ws.path(), &["init", "job", "abcdefghijklmnopqrstu"], "21 characters; 1 to 20 are allowed");
    refused(ws.path(), &["init", "service", "ok", "--env", "Prod"], "`Prod` is not a valid environment id");
    refused(ws.path(), &["init", "service", "ok", "--env", "dev", "--env", "dev"], "environment `dev` is given twice");
    refused(ws.path(), &["init", "service", "ok", "--owner", "x", "--owner", "x"], "owner `x` is given twice");
    // A valid service id, but project ids must start with a letter.
    refused(ws.path(), &["init", "service", "1abc"], "invalid project id `1abc-dev-xxxx`: it must be a GCP project id");
    // A valid id whose project ids would pass GCP's 30 characters.
    refused(
        ws.path(),
        &["init", "service", "abcdefghijklmnopqrst", "--env", "production"],
        "with environment `production` the service id may have at most 14",
    );
}

#[test]
fn outside_a_workspace_is_a_usage_error() {
    let dir = TempDir::new("init-nowhere");
    let o = mspc(dir.path(), &["init", "service", "lonely"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("platform.msp"), "{}", stderr(&o));
    assert!(common::tree(dir.path()).is_empty());
}
