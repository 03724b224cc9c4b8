//! End-to-end tests of the `mspc` binary: exit codes, output channels,
//! workspace discovery and path filtering.

mod common;

use std::process::Command;

use common::{TempDir, code, mspc, stderr, stdout};

const CLEAN: &str = r#"
service clean {
  owners      = ["core-services"]
  description = "A clean service"
  image       = "us.gcr.io/example/clean"
  environment dev {
    project_id = "clean-dev-1a2b"
    category   = test
    deploy     = manual
  }
}
"#;

const BROKEN: &str = r#"
service broken {
  owners      = ["core-services"]
  description = "A service with an error"
  image       = "us.gcr.io/example/broken"
  environment dev {
    project_id = "broken-dev-1a2b"
    category   = tset
    deploy     = manual
  }
}
"#;

const LINTED: &str = r#"
let unused = "nothing uses this"
"#;

fn workspace(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new("cli");
    let mut all: Vec<(String, String)> = files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    all.push(("platform.msp".into(), common::shared_platform()));
    dir.write(&all);
    dir
}

#[test]
fn clean_workspace_exits_zero() {
    let ws = workspace(&[("services/clean/clean.msp", CLEAN)]);
    let o = mspc(ws.path(), &["check"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("no problems"));
}

#[test]
fn errors_exit_one_and_name_the_code() {
    let ws = workspace(&[("services/broken.msp", BROKEN)]);
    let o = mspc(ws.path(), &["check", "."]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("error[E0205]"), "{}", stdout(&o));
    assert!(stdout(&o).contains("services/broken.msp:8:18"));
}

#[test]
fn check_hides_lints_and_lint_shows_them() {
    let ws = workspace(&[("services/clean.msp", CLEAN), ("shared.msp", LINTED)]);
    let check = mspc(ws.path(), &["check"]);
    assert_eq!(code(&check), 0);
    assert!(!stdout(&check).contains("W0009"));
    let lint = mspc(ws.path(), &["lint"]);
    assert_eq!(code(&lint), 0, "warnings alone do not fail");
    assert!(stdout(&lint).contains("warning[W0009]"));
    let deny = mspc(ws.path(), &["lint", "--deny", "warnings"]);
    assert_eq!(code(&deny), 1);
}

#[test]
fn paths_filter_the_report_and_the_root_is_found_above_them() {
    let ws = workspace(&[("services/broken.msp", BROKEN), ("other/clean.msp", CLEAN)]);
    let only_clean = mspc(&ws.path().join("other"), &["check", "clean.msp"]);
    assert_eq!(code(&only_clean), 0, "{}", stdout(&only_clean));
    let only_broken = mspc(ws.path(), &["check", "services"]);
    assert_eq!(code(&only_broken), 1);
}

#[test]
fn no_workspace_is_a_usage_error() {
    let dir = TempDir::new("noplatform");
    dir.write(&[("a.msp".into(), CLEAN.into())]);
    let o = mspc(dir.path(), &["check"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("platform.msp"), "{}", stderr(&o));
}

#[test]
fn missing_path_is_a_usage_error() {
    let ws = workspace(&[("services/clean.msp", CLEAN)]);
    let o = mspc(ws.path(), &["check", "nope.msp"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("does not exist"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let ws = workspace(&[("services/clean.msp", CLEAN)]);
    assert_eq!(code(&mspc(ws.path(), &["check", "--frobnicate"])), 2);
}

#[test]
fn invalid_utf8_is_a_diagnostic_not_a_crash() {
    let ws = workspace(&[("services/clean.msp", CLEAN)]);
    std::fs::write(ws.path().join("services/bad.msp"), b"service \xff\xfe {\n}\n").unwrap();
    let o = mspc(ws.path(), &["check"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("services/bad.msp"));
}

#[test]
fn machine_formats() {
    let ws = workspace(&[("services/broken.msp", BROKEN)]);
    let json = mspc(ws.path(), &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON on stdout");
    assert_eq!(v[0]["code"], "E0205");
    let sarif = mspc(ws.path(), &["check", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&sarif)).expect("SARIF on stdout");
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "E0205");
    let short = mspc(ws.path(), &["check", "--format", "short"]);
    assert_eq!(stdout(&short).trim(), "services/broken.msp:8:18: E0205 `tset` is not a `Category`");
    let gh = mspc(ws.path(), &["check", "--format", "github"]);
    assert!(stdout(&gh).starts_with("::error file=services/broken.msp,line=8,col=18,"));
}

#[test]
fn explain_prints_pages() {
    let here = common::repo_root();
    let o = mspc(&here, &["explain", "E0201"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("# E0201: unknown-field"));
    let by_name = mspc(&here, &["explain", "unknown-field"]);
    assert_eq!(stdout(&by_name), stdout(&o));
    let unknown = mspc(&here, &["explain", "E9999"]);
    assert_eq!(code(&unknown), 2);
    assert!(!stderr(&unknown).contains("docs/diagnostics"), "names a path users of the binary do not have");
    // Without a code: every code, its name and its first sentence.
    let all = mspc(&here, &["explain"]);
    assert_eq!(code(&all), 0);
    let listed = stdout(&all);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), mspc_compiler::diagnostics::Code::ALL.len());
    for (line, c) in lines.iter().zip(mspc_compiler::diagnostics::Code::ALL) {
        assert!(line.starts_with(&format!("{}  {}", c.as_str(), c.name())), "{line}");
    }
    let e0201 = lines.iter().find(|l| l.starts_with("E0201")).unwrap();
    assert!(e0201.ends_with("A record sets a field that its schema does not declare."), "{e0201}");
}

#[test]
fn ir_is_json_for_clean_workspaces_only() {
    let ws = workspace(&[("services/clean.msp", CLEAN)]);
    let o = mspc(ws.path(), &["ir"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["services"][0]["id"], "clean");
    assert_eq!(v["services"][0]["environments"][0]["instances"]["scaling"]["max"], 5);
    let broken = workspace(&[("services/broken.msp", BROKEN)]);
    let o = mspc(broken.path(), &["ir"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    use std::io::Read;
    use std::process::Stdio;
    // Enough services that the IR outgrows the pipe's buffer (64 KiB).
    let files: Vec<(String, String)> =
        (0..80).map(|i| (format!("services/s{i}.msp"), CLEAN.replace("clean", &format!("clean{i}")))).collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let ws = workspace(&refs);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(ws.path())
        .arg("ir")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then hang up, like `mspc ir | head -c1`.
    let mut stdout = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    stdout.read_exact(&mut byte).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(status.code(), Some(101), "exit code 101 means a panic");
}

#[test]
fn an_unreadable_file_is_a_diagnostic_and_the_rest_is_checked() {
    let ws = workspace(&[("services/broken.msp", BROKEN)]);
    std::os::unix::fs::symlink("/nonexistent/target.msp", ws.path().join("services/dangling.msp")).unwrap();
    let o = mspc(ws.path(), &["check", "--format", "short"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("services/dangling.msp:1:1: E0008 this file cannot be read"), "{out}");
    assert!(out.contains("services/broken.msp:8:18: E0205"), "the other file is still checked: {out}");
}
