//! Every output format, snapshotted on one workspace whose diagnostics use
//! every part a renderer can show (labels, secondary labels, notes, help,
//! fixes, errors and warnings). The SARIF output is also validated by
//! Microsoft's SARIF multitool when `.ci/run` has installed it.

mod common;

use mspc_compiler::db::load::Loaded;
use mspc_compiler::diagnostics::render::{Format, render};

fn demo() -> Loaded {
    let text = std::fs::read_to_string(common::repo_root().join("tests/render/workspace.msp")).unwrap();
    common::workspace(&[("services/render-demo.msp", &text)])
}

fn output(format: Format) -> String {
    let ws = demo();
    let diags = &ws.result().diagnostics;
    assert!(diags.len() >= 4, "the demo should produce several diagnostics: {diags:?}");
    render(format, diags, &ws, false)
}

#[test]
fn terminal() {
    insta::assert_snapshot!(output(Format::Terminal));
}

#[test]
fn terminal_colour_only_when_asked() {
    let ws = demo();
    let plain = render(Format::Terminal, &ws.result().diagnostics, &ws, false);
    let colour = render(Format::Terminal, &ws.result().diagnostics, &ws, true);
    assert!(!plain.contains('\u{1b}'));
    assert!(colour.contains("\u{1b}["));
}

#[test]
fn short() {
    insta::assert_snapshot!(output(Format::Short));
}

#[test]
fn json() {
    let out = output(Format::Json);
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert!(
        parsed
            .as_array()
            .is_some_and(|a| a.iter().all(|d| d["code"].is_string() && d["location"]["start"]["line"].is_u64()))
    );
    insta::assert_snapshot!(out);
}

#[test]
fn github() {
    let out = output(Format::Github);
    assert!(out.lines().all(|l| l.starts_with("::error ") || l.starts_with("::warning ")));
    insta::assert_snapshot!(out);
}

#[test]
fn sarif() {
    let out = output(Format::Sarif);
    insta::assert_snapshot!(out);
}

#[test]
fn sarif_passes_the_official_validator() {
    let Some(tool) = common::ci_tool("node_modules/.bin/sarif-multitool") else { return };
    let dir = common::TempDir::new("sarif");
    let log = dir.path().join("mspc.sarif");
    std::fs::write(&log, output(Format::Sarif)).unwrap();
    let report = dir.path().join("report.sarif");
    let run = std::process::Command::new(&tool)
        .arg("validate")
        .arg(&log)
        .arg("-o")
        .arg(&report)
        .output()
        .expect("run sarif-multitool");
    let stdout = String::from_utf8_lossy(&run.stdout);
    // The tool exits 0 even for invalid input: read what it found.
    assert!(!stdout.contains(": error "), "SARIF validation failed:\n{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("validator report")).unwrap();
    let findings: Vec<&serde_json::Value> = report["runs"][0]["results"]
        .as_array()
        .map(|r| r.iter().filter(|f| f["level"] == "error" || f["level"] == "warning").collect())
        .unwrap_or_default();
    assert!(findings.is_empty(), "validator findings: {findings:#?}");
}

#[test]
fn an_added_field_is_laid_out_in_json_and_sarif_as_in_the_editor() {
    let text = "service x {\n  owners      = [\"a\"]\n  description = \"d\"\n  image       = \"us.gcr.io/x/y\"\n  environment prod {\n    project_id = \"x-prod-1234\"\n    deploy     = manual { tag = \"v1\" }\n  }\n}\n";
    let ws = common::workspace(&[("services/x.msp", text)]);
    let diags = &ws.result().diagnostics;
    let json: serde_json::Value = serde_json::from_str(&render(Format::Json, diags, &ws, false)).unwrap();
    let fix = json.as_array().unwrap().iter().find(|d| d["message"].as_str().unwrap().contains("`category`")).unwrap()
        ["fix"]
        .clone();
    let edit = &fix["edits"][0];
    // On its own line above the block's `}`, indented like its siblings.
    assert_eq!(edit["replacement"], "    category = test\n");
    assert_eq!(edit["location"]["start"]["offset"], text.find("  }\n}").unwrap());
    let sarif = render(Format::Sarif, diags, &ws, false);
    assert!(sarif.contains(r#""text": "    category = test\n""#), "{sarif}");
}
