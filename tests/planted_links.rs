//! A checkout can carry links where mspc writes: in place of the file it
//! replaces, under the names its temporary files had, in place of an output
//! folder. For every command that writes (fmt, import, init, build, docs,
//! tfc bootstrap; the lint cache in `tests/lint_cache.rs`), a link to an
//! existing file outside the workspace and a dangling one are planted; the
//! victim must be untouched (and the dangling target not created), and the
//! command must still work or fail cleanly, naming the link.
#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use common::{TempDir, code, mspc, stderr};

const VICTIM_TEXT: &str = "precious: not mspc's to write\n";

/// A workspace with one service, and beside it (outside the workspace) a
/// victim file, a victim folder and the path a dangling link names.
struct Scene {
    ws: TempDir,
    outside: TempDir,
}

impl Scene {
    fn new(tag: &str) -> Scene {
        let ws = TempDir::new(tag);
        ws.write(&[
            ("platform.msp".into(), common::shared_platform()),
            ("services/a/a.msp".into(), common::service("a")),
        ]);
        let outside = TempDir::new(&format!("{tag}-outside"));
        std::fs::write(outside.path().join("victim"), VICTIM_TEXT).unwrap();
        std::fs::create_dir(outside.path().join("victim-dir")).unwrap();
        std::fs::write(outside.path().join("victim-dir/keep.txt"), VICTIM_TEXT).unwrap();
        Scene { ws, outside }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.ws.path().join(rel)
    }

    /// The two kinds of link, by name: to the victim file, and dangling.
    fn targets(&self) -> [(&'static str, PathBuf); 2] {
        [("existing", self.outside.path().join("victim")), ("dangling", self.outside.path().join("nowhere"))]
    }

    fn plant(&self, rel: &str, to: &Path) {
        let at = self.path(rel);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&at);
        symlink(to, at).unwrap();
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        mspc(self.ws.path(), args)
    }

    /// Nothing outside the workspace was written or created.
    fn assert_untouched(&self, when: &str) {
        let o = self.outside.path();
        assert_eq!(std::fs::read_to_string(o.join("victim")).unwrap(), VICTIM_TEXT, "{when}: the victim file");
        assert!(!o.join("nowhere").exists(), "{when}: the dangling link's target was created");
        let mut names: Vec<String> =
            std::fs::read_dir(o).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["victim", "victim-dir"], "{when}: something new outside the workspace");
        let kept: Vec<_> = std::fs::read_dir(o.join("victim-dir")).unwrap().collect();
        assert_eq!(kept.len(), 1, "{when}: the victim folder changed");
        assert_eq!(std::fs::read_to_string(o.join("victim-dir/keep.txt")).unwrap(), VICTIM_TEXT);
    }
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

fn is_file(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
}

const UGLY: &str = "service a {\n owners=[\"core-services\"]\n description = \"A\"\n image = \"us.gcr.io/example/a\"\n environment dev {\n project_id = \"a-dev-1a2b\"\n category = test\n deploy = manual\n }\n}\n";

#[test]
fn fmt_writes_the_file_itself_whatever_is_planted_beside_it() {
    let s = Scene::new("planted-fmt");
    for (kind, to) in s.targets() {
        std::fs::write(s.path("services/a/a.msp"), UGLY).unwrap();
        // The temporary name the old fmt wrote through, and one like today's.
        s.plant("services/a/.a.msp.mspc-write.tmp", &to);
        s.plant("services/a/.a.msp.mspc-tmp", &to);
        let o = s.run(&["fmt", "services/a/a.msp"]);
        assert_eq!(code(&o), 0, "{kind}: {}", stderr(&o));
        let a = s.path("services/a/a.msp");
        assert!(is_file(&a), "{kind}: a.msp is no longer a regular file");
        assert_ne!(std::fs::read_to_string(&a).unwrap(), UGLY, "{kind}: not formatted");
        // The folder form too.
        std::fs::write(&a, UGLY).unwrap();
        assert_eq!(code(&s.run(&["fmt", "."])), 0);
        assert!(is_file(&a));
        s.assert_untouched(&format!("fmt, {kind} link"));
    }
}

#[test]
fn fmt_does_not_write_through_a_link_in_the_files_place() {
    let s = Scene::new("planted-fmt-self");
    std::fs::write(s.outside.path().join("victim"), UGLY).unwrap();
    for (kind, to) in s.targets() {
        s.plant("services/a/b.msp", &to);
        let o = s.run(&["fmt", "."]);
        assert_eq!(code(&o), 1, "{kind}: {}", stderr(&o));
        assert!(is_link(&s.path("services/a/b.msp")), "{kind}: the link was replaced");
        assert_eq!(std::fs::read_to_string(s.outside.path().join("victim")).unwrap(), UGLY, "{kind}");
        assert!(!s.outside.path().join("nowhere").exists());
    }
}

const SPEC: &str = "tests/fixtures/import/valid/init-example";

/// A copy of a spec folder (service.yaml and README.md) at `rel`.
fn spec_at(s: &Scene, rel: &str) -> PathBuf {
    let dir = s.path(rel);
    std::fs::create_dir_all(&dir).unwrap();
    let from = common::repo_root().join(SPEC);
    for name in ["service.yaml", "README.md"] {
        std::fs::copy(from.join(name), dir.join(name)).unwrap();
    }
    dir
}

/// The fixture's service id (its `<id>.msp` is what import writes).
const SPEC_ID: &str = "msp-example";

fn spec_id() -> String {
    let yaml = std::fs::read_to_string(common::repo_root().join(SPEC).join("service.yaml")).unwrap();
    assert!(yaml.contains(&format!("id: {SPEC_ID},")), "the fixture's id changed");
    SPEC_ID.to_string()
}

#[test]
fn import_never_replaces_or_writes_through_a_link() {
    let s = Scene::new("planted-import");
    let id = spec_id();
    let dir = spec_at(&s, "specs/one");
    for (kind, to) in s.targets() {
        let target = dir.join(format!("{id}.msp"));
        s.plant(&format!("specs/one/{id}.msp"), &to);
        s.plant(&format!("specs/one/.{id}.msp.mspc-write.tmp"), &to);
        // Without --force a link is an existing file; with it, it is refused.
        let o = s.run(&["import", "specs/one/service.yaml"]);
        assert_eq!(code(&o), 2, "{kind}: {}", stderr(&o));
        assert!(stderr(&o).contains("exists"), "{kind}: {}", stderr(&o));
        let o = s.run(&["import", "--force", "specs/one/service.yaml"]);
        assert_eq!(code(&o), 2, "{kind}: {}", stderr(&o));
        assert!(stderr(&o).contains("symbolic link"), "{kind}: {}", stderr(&o));
        assert!(is_link(&target), "{kind}: the link was replaced");
        s.assert_untouched(&format!("import, {kind} link"));
        std::fs::remove_file(&target).unwrap();
        // With the link gone, --force writes the file, beside the planted temporary name.
        let o = s.run(&["import", "--force", "specs/one/service.yaml"]);
        assert_eq!(code(&o), 0, "{kind}: {}", stderr(&o));
        assert!(is_file(&target));
        std::fs::remove_file(&target).unwrap();
        s.assert_untouched(&format!("import --force, {kind} temporary link"));
    }
}

#[test]
fn import_carries_only_a_regular_readme_and_never_over_a_link() {
    let s = Scene::new("planted-import-readme");
    let id = spec_id();
    for (kind, to) in s.targets() {
        // The spec's README is a link (to a secret, or nowhere): not carried.
        let dir = spec_at(&s, &format!("specs/{kind}"));
        std::fs::remove_file(dir.join("README.md")).unwrap();
        symlink(&to, dir.join("README.md")).unwrap();
        let out = s.path(&format!("out-{kind}"));
        let o = s.run(&["import", &format!("specs/{kind}/service.yaml"), "--out", out.join("x.msp").to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{kind}: {}", stderr(&o));
        assert!(!out.join("README.md").exists(), "{kind}: a linked README was carried along");
        s.assert_untouched(&format!("import, {kind} README link"));
        // The destination's README is a link: refused, not followed.
        let dir = spec_at(&s, &format!("tree-{kind}/services/{id}"));
        let dest = s.path(&format!("tree-out-{kind}/services/{id}"));
        std::fs::create_dir_all(&dest).unwrap();
        symlink(&to, dest.join("README.md")).unwrap();
        let o = s.run(&[
            "import",
            "--force",
            "--tree",
            s.path(&format!("tree-{kind}")).to_str().unwrap(),
            "--out",
            s.path(&format!("tree-out-{kind}")).to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 2, "{kind}: {}", stderr(&o));
        assert!(is_link(&dest.join("README.md")));
        assert!(dir.join("README.md").is_file());
        s.assert_untouched(&format!("import --tree, {kind} README link at the destination"));
    }
}

#[test]
fn init_never_writes_through_a_link_nor_out_of_the_workspace() {
    let s = Scene::new("planted-init");
    for (kind, to) in s.targets() {
        s.plant("services/newsvc/newsvc.msp", &to);
        let o = s.run(&["init", "service", "newsvc"]);
        assert_eq!(code(&o), 1, "{kind}: {}", stderr(&o));
        assert!(stderr(&o).contains("already exists"), "{kind}: {}", stderr(&o));
        assert!(is_link(&s.path("services/newsvc/newsvc.msp")));
        s.assert_untouched(&format!("init, {kind} link as the file"));
    }
    // `services` itself a link out of the workspace.
    let moved = s.path("services-real");
    std::fs::rename(s.path("services"), &moved).unwrap();
    symlink(s.outside.path().join("victim-dir"), s.path("services")).unwrap();
    let o = s.run(&["init", "service", "other"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("link out of the workspace"), "{}", stderr(&o));
    s.assert_untouched("init, `services` a link out");
}

#[test]
fn build_docs_and_bootstrap_refuse_an_output_folder_that_is_a_link() {
    let s = Scene::new("planted-out");
    let commands: [&[&str]; 4] = [
        &["build", "--out", "out"],
        &["docs", "--out", "out"],
        &["docs", "--reference", "--out", "out"],
        &["tfc", "bootstrap", "--out", "out"],
    ];
    let victim_dir = s.outside.path().join("victim-dir");
    for args in commands {
        for to in [victim_dir.clone(), s.outside.path().join("nowhere"), s.outside.path().join("victim")] {
            s.plant("out", &to);
            let o = s.run(args);
            assert_eq!(code(&o), 2, "{args:?} -> {}: {}", to.display(), stderr(&o));
            assert!(stderr(&o).contains("symbolic link"), "{args:?}: {}", stderr(&o));
            assert!(is_link(&s.path("out")), "{args:?}: the link was replaced");
            s.assert_untouched(&format!("{args:?}, out -> {}", to.display()));
        }
        std::fs::remove_file(s.path("out")).unwrap();
    }
    // An empty folder named by the link is just as untouchable.
    let empty = s.outside.path().join("victim-dir");
    std::fs::remove_file(empty.join("keep.txt")).unwrap();
    s.plant("out", &empty);
    assert_eq!(code(&s.run(&["build", "--out", "out"])), 2);
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
}

#[test]
fn builds_ignore_links_under_their_temporary_names_and_in_the_previous_output() {
    let s = Scene::new("planted-temp");
    let victim_dir = s.outside.path().join("victim-dir");
    // No output yet, a link under the name a killed build's previous output
    // would have: not taken for it.
    s.plant(".out.mspc-old-1", &victim_dir);
    s.plant(".out.mspc-new-1", &victim_dir);
    s.plant(".out.mspc-new-2", &s.outside.path().join("nowhere"));
    let o = s.run(&["build", "--out", "out"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(s.path("out/.mspc-output").is_file());
    assert!(!is_link(&s.path("out")));
    s.assert_untouched("build, temporary names planted");
    let left: Vec<String> = std::fs::read_dir(s.ws.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out."))
        .collect();
    assert!(left.is_empty(), "left beside the output: {left:?}");
    // A link planted inside the previous output: a filtered build keeps its
    // own files, not what a link names, and writes through none.
    for (kind, to) in s.targets() {
        s.plant("out/terraform/a/leak.tf", &to);
        s.plant("out/docs/a.md", &to);
        let o = s.run(&["build", "--out", "out", "--service", "a"]);
        assert_eq!(code(&o), 0, "{kind}: {}", stderr(&o));
        assert!(!s.path("out/terraform/a/leak.tf").exists(), "{kind}: a link was carried over");
        assert!(is_file(&s.path("out/docs/a.md")), "{kind}: the page was not regenerated as a file");
        s.assert_untouched(&format!("filtered build, {kind} link in the output"));
    }
}

/// A write that fails (here: a file where a folder must be, as a full disk
/// would fail it) says it could not write, not read.
#[test]
fn a_failed_write_says_write() {
    let s = Scene::new("failed-write");
    std::fs::write(s.path("blocker"), "a file").unwrap();
    let o = s.run(&["build", "--out", "blocker/out"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    let spec = spec_at(&s, "specs/one");
    let o = s.run(&["import", spec.join("service.yaml").to_str().unwrap(), "--out", "blocker/x.msp"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    s.assert_untouched("failed writes");
}
