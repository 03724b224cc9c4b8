//! `mspc build` end to end: deterministic output, independent of the thread
//! count; output replaced whole and only on success; no secret values.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use common::{TempDir, service, tree};

fn mspc(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mspc")).current_dir(cwd).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn workspace(services: &[&str]) -> TempDir {
    let dir = TempDir::new("build");
    let mut files: Vec<(String, String)> = services.iter().map(|s| (format!("services/{s}.msp"), service(s))).collect();
    files.push(("platform.msp".into(), common::shared_platform()));
    dir.write(&files);
    dir
}

fn examples_into(out: &Path, jobs: &str) -> BTreeMap<String, Vec<u8>> {
    // The caches a build keeps go beside the output, not into the repository's examples.
    let cache = out.with_extension("cache");
    let o = Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(common::repo_root())
        .args(["build", "examples", "--jobs", jobs, "--out", out.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .env("MSPC_CACHE_DIR", cache)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    tree(out)
}

#[test]
fn building_twice_gives_the_same_bytes_on_one_thread_or_many() {
    let dir = TempDir::new("determinism");
    let first = examples_into(&dir.path().join("a"), "8");
    let second = examples_into(&dir.path().join("b"), "8");
    let single = examples_into(&dir.path().join("c"), "1");
    assert!(first.len() > 50, "only {} files", first.len());
    assert_eq!(first, second, "a second build differs");
    assert_eq!(first, single, "one thread differs from eight");
    // And over the previous output, in place.
    let again = examples_into(&dir.path().join("a"), "2");
    assert_eq!(first, again);
}

#[test]
fn a_workspace_with_an_error_leaves_the_output_untouched() {
    let ws = workspace(&["alpha", "beta"]);
    assert!(mspc(ws.path(), &["build"]).status.success());
    let before = tree(&ws.path().join("out"));
    std::fs::write(
        ws.path().join("services/beta.msp"),
        service("beta").replace("category   = test", "category   = tset"),
    )
    .unwrap();
    let o = mspc(ws.path(), &["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("E0205"));
    assert_eq!(tree(&ws.path().join("out")), before, "the output changed");
    let leftovers: Vec<_> = std::fs::read_dir(ws.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains(".mspc-new-") || n.to_string_lossy().contains(".mspc-old-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left: {leftovers:?}");
}

#[test]
fn files_of_removed_services_disappear() {
    let ws = workspace(&["alpha", "beta"]);
    assert!(mspc(ws.path(), &["build"]).status.success());
    assert!(ws.path().join("out/terraform/beta/dev/project/main.tf").is_file());
    std::fs::remove_file(ws.path().join("services/beta.msp")).unwrap();
    assert!(mspc(ws.path(), &["build"]).status.success());
    assert!(!ws.path().join("out/terraform/beta").exists());
    assert!(ws.path().join("out/terraform/alpha/dev/project/main.tf").is_file());
}

#[test]
fn a_filtered_build_replaces_only_its_environments() {
    let ws = workspace(&["alpha", "beta"]);
    assert!(mspc(ws.path(), &["build"]).status.success());
    let beta = std::fs::read(ws.path().join("out/terraform/beta/dev/project/main.tf")).unwrap();
    std::fs::write(ws.path().join("services/alpha.msp"), service("alpha").replace("Service alpha", "Changed")).unwrap();
    std::fs::write(ws.path().join("out/terraform/beta/dev/project/main.tf"), b"edited by hand").unwrap();
    assert!(mspc(ws.path(), &["build", "--service", "alpha"]).status.success());
    assert_eq!(std::fs::read(ws.path().join("out/terraform/beta/dev/project/main.tf")).unwrap(), b"edited by hand");
    assert!(mspc(ws.path(), &["build"]).status.success());
    assert_eq!(std::fs::read(ws.path().join("out/terraform/beta/dev/project/main.tf")).unwrap(), beta);
    let unknown = mspc(ws.path(), &["build", "--service", "gamma"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn a_folder_mspc_did_not_make_is_never_replaced() {
    let ws = workspace(&["alpha"]);
    let o = mspc(ws.path(), &["build", "--out", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an mspc output folder"));
    assert!(ws.path().join("services/alpha.msp").is_file(), "the workspace was touched");
}

/// Attributes that hold credentials must be references, never literals.
#[test]
fn no_secret_value_is_written() {
    let build = common::tf::Build::examples();
    let sensitive =
        ["password", "secret_data", "token", "api_key", "api_token", "private_key", "auth_string", "secret"];
    let mut problems = Vec::new();
    for (path, text) in &build.files {
        if !path.ends_with(".tf") {
            continue;
        }
        let body: hcl::Body = hcl::parse(text).unwrap();
        scan(&body, path, &sensitive, &mut problems);
    }
    assert!(problems.is_empty(), "literal values in secret attributes:\n{}", problems.join("\n"));

    fn scan(body: &hcl::Body, path: &str, names: &[&str], problems: &mut Vec<String>) {
        for s in body.iter() {
            match s {
                hcl::Structure::Attribute(a) => {
                    let key = a.key.as_str();
                    let literal = matches!(a.expr, hcl::Expression::String(_));
                    // `secret` names a Secret Manager secret (a reference by name), which is fine.
                    if literal && key != "secret" && names.iter().any(|n| key == *n || key.ends_with(&format!("_{n}")))
                    {
                        problems.push(format!("{path}: {key}"));
                    }
                }
                hcl::Structure::Block(b) => scan(&b.body, path, names, problems),
            }
        }
    }
}

// ---------------------------------------------------------------- build --check

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `build --check` writes nothing and says whether the output is current:
/// 0 when it is, 1 with each stale, missing and extra file listed.
#[test]
fn check_reports_a_current_stale_missing_and_extra_output() {
    let ws = workspace(&["alpha", "beta"]);
    let out = ws.path().join("out");
    let o = mspc(ws.path(), &["build", "--check"]);
    assert_eq!(o.status.code(), Some(1), "no output yet");
    assert!(stdout(&o).contains("missing: out/terraform/alpha/dev/project/main.tf"), "{}", stdout(&o));
    assert!(!out.exists(), "--check writes nothing");

    assert!(mspc(ws.path(), &["build"]).status.success());
    let built = tree(&out);
    let o = mspc(ws.path(), &["build", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout(&o), "");

    // A change to the spec makes the files it touches stale.
    let tagged = service("beta").replace("deploy     = manual", "deploy     = manual { tag = \"v2\" }");
    std::fs::write(ws.path().join("services/beta.msp"), tagged).unwrap();
    let o = mspc(ws.path(), &["build", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    let mut listed: Vec<String> = stdout(&o).lines().map(String::from).collect();
    listed.sort();
    assert_eq!(listed, ["stale: out/docs/beta.md", "stale: out/terraform/beta/dev/cloudrun/main.tf"]);
    std::fs::write(ws.path().join("services/beta.msp"), service("beta")).unwrap();

    std::fs::remove_file(out.join("docs/alpha.md")).unwrap();
    std::fs::write(out.join("terraform/alpha/dev/notes.txt"), "mine").unwrap();
    std::fs::write(out.join("terraform/beta/dev/iam/main.tf"), "edited").unwrap();
    let o = mspc(ws.path(), &["build", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "stale: out/terraform/beta/dev/iam/main.tf\nmissing: out/docs/alpha.md\nextra: out/terraform/alpha/dev/notes.txt\n"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 stale, 1 missing, 1 extra"));
    // A filtered check compares only what that build writes.
    let o = mspc(ws.path(), &["build", "--check", "--service", "beta"]);
    assert_eq!((o.status.code(), stdout(&o)), (Some(1), "stale: out/terraform/beta/dev/iam/main.tf\n".into()));

    // Nothing was written by any check.
    let mut expected = built.clone();
    expected.remove("docs/alpha.md");
    expected.insert("terraform/alpha/dev/notes.txt".into(), b"mine".to_vec());
    expected.insert("terraform/beta/dev/iam/main.tf".into(), b"edited".to_vec());
    assert_eq!(tree(&out), expected);
}

/// A link where a generated file belongs is never current, whatever it
/// points at; an output folder that is a link, or a workspace with errors,
/// is an error (2), not a verdict.
#[cfg(unix)]
#[test]
fn check_refuses_links_and_errors_apart_from_staleness() {
    let ws = workspace(&["alpha"]);
    let out = ws.path().join("out");
    assert!(mspc(ws.path(), &["build"]).status.success());
    let file = out.join("terraform/alpha/dev/iam/main.tf");
    let copy = ws.path().join("copy.tf");
    std::fs::copy(&file, &copy).unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&copy, &file).unwrap();
    let o = mspc(ws.path(), &["build", "--check"]);
    assert_eq!((o.status.code(), stdout(&o)), (Some(1), "stale: out/terraform/alpha/dev/iam/main.tf\n".into()));

    std::os::unix::fs::symlink(&out, ws.path().join("linked")).unwrap();
    let o = mspc(ws.path(), &["build", "--check", "--out", "linked"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));

    std::fs::write(
        ws.path().join("services/alpha.msp"),
        service("alpha").replace("category   = test", "category   = tset"),
    )
    .unwrap();
    let o = mspc(ws.path(), &["build", "--check"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The pages cite the commit they were built from; a committed output
/// cannot cite the commit that holds it, so that notice is not compared.
#[test]
fn check_ignores_the_pages_provenance() {
    let ws = workspace(&["alpha"]);
    assert!(mspc(ws.path(), &["build", "--timestamp"]).status.success());
    let page = std::fs::read_to_string(ws.path().join("out/docs/alpha.md")).unwrap();
    assert!(page.contains("Last updated: "), "{page}");
    let o = mspc(ws.path(), &["build", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // Anything else in a page still counts.
    std::fs::write(
        ws.path().join("out/docs/alpha.md"),
        page.replace("Last updated: ", "Last updated: x").replace("# ", "## "),
    )
    .unwrap();
    assert_eq!(mspc(ws.path(), &["build", "--check"]).status.code(), Some(1));
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const CURRENT: &str = "is current: nothing changed since the last build";

/// A build with its cache folder (where the build's record lives) set.
fn build_with_cache(ws: &Path, cache: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["build"];
    args.extend(extra);
    let o = Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(ws)
        .args(&args)
        .env("NO_COLOR", "1")
        .env("MSPC_CACHE_DIR", cache)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

#[cfg(unix)]
#[test]
fn a_rebuild_with_nothing_changed_checks_and_writes_nothing_and_anything_else_builds() {
    use std::os::unix::fs::MetadataExt;
    let ws = workspace(&["alpha", "beta"]);
    let cache = TempDir::new("build-record");
    let out = ws.path().join("out");
    let ino = |rel: &str| std::fs::metadata(out.join(rel)).unwrap().ino();
    assert!(!stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));
    let built = tree(&out);
    let page = ino("docs/alpha.md");
    assert!(stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));
    assert_eq!(tree(&out), built);
    assert_eq!(ino("docs/alpha.md"), page, "a current output was written");

    // An output file edited by hand: the build puts it back.
    std::fs::write(out.join("docs/alpha.md"), "edited").unwrap();
    let o = build_with_cache(ws.path(), cache.path(), &[]);
    assert!(!stderr(&o).contains(CURRENT), "a hand-edited output was called current");
    assert_eq!(tree(&out), built);
    assert!(stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));

    // A file added to the output, or one removed.
    std::fs::write(out.join("docs/extra.md"), "x").unwrap();
    assert!(!stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));
    assert_eq!(tree(&out), built);
    std::fs::remove_file(out.join("docs/index.md")).unwrap();
    assert!(!stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));
    assert_eq!(tree(&out), built);

    // A changed spec builds.
    let spec = ws.path().join("services/alpha.msp");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, format!("{text}\n// a comment changes no output, but it is an input\n")).unwrap();
    assert!(!stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));
    assert!(stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));

    // A filtered build, or one with the time in the pages, records nothing
    // and forgets what was recorded: the next whole build builds.
    build_with_cache(ws.path(), cache.path(), &["--service", "alpha"]);
    assert!(!stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));
    build_with_cache(ws.path(), cache.path(), &["--timestamp"]);
    assert!(!stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));

    // A killed build's marker is not current.
    assert!(stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));
    std::fs::write(out.join(".mspc-output"), "Generated by mspc. A build is updating this folder").unwrap();
    assert!(!stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));
    assert_eq!(tree(&out), built);
}

#[cfg(unix)]
#[test]
fn a_record_mspc_did_not_sign_is_not_believed() {
    let ws = workspace(&["alpha"]);
    let cache = TempDir::new("build-record-forged");
    let out = ws.path().join("out");
    build_with_cache(ws.path(), cache.path(), &[]);
    let built = tree(&out);
    std::fs::write(out.join("docs/alpha.md"), "edited").unwrap();
    // Whatever the record says now (here: its body rewritten to match the
    // edited output is out of reach, so the MAC line is damaged instead),
    // a record that fails its MAC is ignored and the build builds.
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with("build-") {
            let text = std::fs::read_to_string(&p).unwrap();
            let mut lines: Vec<&str> = text.splitn(3, '\n').collect();
            let forged = "0".repeat(lines[1].len());
            lines[1] = &forged;
            std::fs::write(&p, lines.join("\n")).unwrap();
        }
    }
    assert!(!stderr(&build_with_cache(ws.path(), cache.path(), &[])).contains(CURRENT));
    assert_eq!(tree(&out), built);
}
