//! Rebuilds that regenerate only what can have changed (`build_cache.rs`,
//! `commands/rebuild.rs`) write exactly what a fresh build writes, after
//! every kind of edit: those that touch one service take the short way, the
//! others the whole build, and errors are still errors.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{TempDir, tree};

/// What a build says when it regenerated only some services.
const TARGETED: &str = "the other services' sources did not change";
const CURRENT: &str = "is current: nothing changed since the last build";

fn examples() -> TempDir {
    let dir = TempDir::new("rebuild");
    let files: Vec<(String, String)> = tree(&common::repo_root().join("examples"))
        .into_iter()
        .filter(|(rel, _)| !rel.starts_with(".mspc-cache"))
        .map(|(rel, bytes)| (rel, String::from_utf8(bytes).unwrap()))
        .collect();
    dir.write(&files);
    dir
}

/// `mspc build` with the caches (the build's record, the lint facts) in `cache`.
fn build(ws: &Path, out: &Path, cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(ws)
        .args(["build", "--out", out.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .env("MSPC_CACHE_DIR", cache)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn edit(ws: &Path, rel: &str, from: &str, to: &str) {
    let p = ws.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

struct Bench {
    ws: TempDir,
    cache: TempDir,
}

impl Bench {
    fn new() -> Bench {
        let b = Bench { ws: examples(), cache: TempDir::new("rebuild-cache") };
        let o = b.build();
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&b.build()).contains(CURRENT), "the record was not kept");
        b
    }
    fn out(&self) -> std::path::PathBuf {
        self.ws.path().join("out")
    }
    fn build(&self) -> Output {
        build(self.ws.path(), &self.out(), self.cache.path())
    }
    /// Builds after an edit: whether it was targeted; and checks the output
    /// is byte for byte what a fresh build, with no record, writes.
    fn rebuild_matches_fresh(&self) -> bool {
        let o = self.build();
        assert!(o.status.success(), "{}", stderr(&o));
        let targeted = stderr(&o).contains(TARGETED);
        let fresh = TempDir::new("rebuild-fresh");
        let empty = TempDir::new("rebuild-fresh-cache");
        let f = build(self.ws.path(), &fresh.path().join("out"), empty.path());
        assert!(f.status.success(), "{}", stderr(&f));
        let (got, want) = (tree(&self.out()), tree(&fresh.path().join("out")));
        let differ: Vec<&String> = want.keys().chain(got.keys()).filter(|k| got.get(*k) != want.get(*k)).collect();
        assert!(differ.is_empty(), "the rebuild differs from a fresh build in {differ:?}\n{}", stderr(&o));
        // And the next build has nothing to do.
        assert!(stderr(&self.build()).contains(CURRENT), "not current after the rebuild");
        targeted
    }
}

#[test]
fn editing_one_service_rebuilds_it_alone_and_writes_what_a_fresh_build_writes() {
    let b = Bench::new();
    edit(b.ws.path(), "services/gatekeeper/gatekeeper.msp", "Hourly abuse detection", "Abuse detection, edited");
    let before = tree(&b.out());
    assert!(b.rebuild_matches_fresh(), "a one-service edit took the whole build");
    let after = tree(&b.out());
    let written: Vec<&String> = after.keys().filter(|k| before.get(*k) != after.get(*k)).collect();
    assert!(!written.is_empty());
    assert!(
        written.iter().all(|p| p.starts_with("terraform/gatekeeper/") || *p == "docs/gatekeeper.md"),
        "files of other services changed: {written:?}"
    );
}

#[test]
fn a_readme_rebuilds_the_service_beside_it() {
    let b = Bench::new();
    let readme = "services/sams/README.md";
    let text = std::fs::read_to_string(b.ws.path().join(readme)).unwrap();
    std::fs::write(b.ws.path().join(readme), format!("{text}\nEdited by a test.\n")).unwrap();
    assert!(b.rebuild_matches_fresh());
}

#[test]
fn renaming_a_service_removes_its_old_outputs() {
    let b = Bench::new();
    let spec = "services/gatekeeper/gatekeeper.msp";
    let text = std::fs::read_to_string(b.ws.path().join(spec)).unwrap();
    assert!(text.contains("job gatekeeper {"));
    std::fs::write(b.ws.path().join(spec), text.replace("gatekeeper", "gatekeeper2")).unwrap();
    assert!(b.rebuild_matches_fresh());
    assert!(!b.out().join("terraform/gatekeeper").exists() && !b.out().join("docs/gatekeeper.md").exists());
}

#[test]
fn shared_files_the_platform_and_new_files_take_the_whole_build() {
    let b = Bench::new();
    // An imported file.
    let text = std::fs::read_to_string(b.ws.path().join("teams.msp")).unwrap();
    std::fs::write(b.ws.path().join("teams.msp"), format!("{text}\n// edited by a test\n")).unwrap();
    assert!(!b.rebuild_matches_fresh(), "an imported file's edit was taken as one service's");
    // The platform.
    edit(
        b.ws.path(),
        "platform.msp",
        "terraform_version           = \"1.3.10\"",
        "terraform_version           = \"1.3.11\"",
    );
    assert!(!b.rebuild_matches_fresh());
    // A new service file.
    let new = b.ws.path().join("services/newcomer/newcomer.msp");
    std::fs::create_dir_all(new.parent().unwrap()).unwrap();
    std::fs::write(&new, common::service("newcomer")).unwrap();
    assert!(!b.rebuild_matches_fresh());
}

#[test]
fn without_the_lint_facts_the_whole_build_runs() {
    let b = Bench::new();
    for e in std::fs::read_dir(b.cache.path()).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with("lint-") {
            std::fs::remove_file(p).unwrap();
        }
    }
    edit(b.ws.path(), "services/gatekeeper/gatekeeper.msp", "Hourly abuse detection", "Abuse detection, edited");
    assert!(!b.rebuild_matches_fresh());
}

#[test]
fn an_edit_that_clashes_with_an_unchanged_service_is_an_error_and_writes_nothing() {
    let b = Bench::new();
    let before = tree(&b.out());
    let sams = std::fs::read_to_string(b.ws.path().join("services/sams/sams.msp")).unwrap();
    let project = sams.split("project_id = \"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let spec = "services/gatekeeper/gatekeeper.msp";
    let text = std::fs::read_to_string(b.ws.path().join(spec)).unwrap();
    let theirs = text.split("project_id = \"").nth(1).unwrap().split('"').next().unwrap().to_string();
    // gatekeeper's first project id becomes sams's: each id must be unique.
    std::fs::write(b.ws.path().join(spec), text.replacen(&theirs, &project, 1)).unwrap();
    let o = b.build();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&project), "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(tree(&b.out()), before, "the output changed");
    // An error in the edited service itself.
    std::fs::write(
        b.ws.path().join(spec),
        text.replacen("job gatekeeper {", "job gatekeeper {\n  no_such_field = 1", 1),
    )
    .unwrap();
    let o = b.build();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(tree(&b.out()), before);
    // Fixed again: a rebuild, then current.
    std::fs::write(b.ws.path().join(spec), &text).unwrap();
    assert!(stderr(&b.build()).contains(CURRENT) || b.rebuild_matches_fresh());
}

#[test]
fn a_hand_edited_output_takes_the_whole_build_even_when_one_service_changed() {
    let b = Bench::new();
    // Another service's page, edited by hand: only a whole build puts it back.
    std::fs::write(b.out().join("docs/sams.md"), "edited by hand").unwrap();
    edit(b.ws.path(), "services/gatekeeper/gatekeeper.msp", "Hourly abuse detection", "Abuse detection, edited");
    assert!(!b.rebuild_matches_fresh(), "the edited page was not noticed");
}
