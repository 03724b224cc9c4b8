//! Helpers shared by the integration tests: in-memory workspaces.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mspc_compiler::db::{Database, load::Loaded};

/// Codes whose input cannot be written as a fixture or a docs example (a
/// file over the size limit, a workspace of tens of thousands of files, a
/// link out of the workspace, a 64 KiB string): `tests/hostile.rs` builds
/// each input and asserts the code; their pages show the output as text.
pub const BUILT_BY_HOSTILE_TESTS: [&str; 4] = ["E0009", "E0010", "E0011", "E0013"];

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The platform every fixture without its own `platform.msp` gets.
pub fn shared_platform() -> String {
    std::fs::read_to_string(repo_root().join("tests/fixtures/platform.msp")).expect("tests/fixtures/platform.msp")
}

/// Files of a fixture: one `.msp` file (put under `services/`), or a folder
/// (files kept at their relative paths), with the shared platform if it has none.
pub fn fixture_files(path: &Path) -> Vec<(String, String)> {
    fixture_workspace(path).1
}

/// A fixture as a workspace, keeping files that are not UTF-8 as such.
pub fn fixture_workspace(path: &Path) -> (Loaded, Vec<(String, String)>) {
    let mut raw: Vec<(String, Vec<u8>)> = Vec::new();
    if path.is_dir() {
        for (rel, abs) in mspc_compiler::db::load::collect(path).expect("readable fixture") {
            raw.push((rel, std::fs::read(abs).expect("readable fixture file")));
        }
    } else {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        raw.push((format!("services/{name}"), std::fs::read(path).expect("readable fixture")));
    }
    if !raw.iter().any(|(p, _)| p == "platform.msp") {
        raw.push(("platform.msp".into(), shared_platform().into_bytes()));
    }
    raw.sort();
    let files: Vec<(String, String, _)> = raw
        .into_iter()
        .map(|(p, bytes)| {
            let (text, problem) = mspc_compiler::db::load::decode(bytes);
            (p, text, problem)
        })
        .collect();
    let texts = files.iter().map(|(p, t, _)| (p.clone(), t.clone())).collect();
    (Loaded::with_problems(Database::default(), PathBuf::from("/fixture"), files), texts)
}

pub fn load(files: Vec<(String, String)>) -> Loaded {
    Loaded::from_files(Database::default(), PathBuf::from("/fixture"), files)
}

/// One workspace from inline text: `(path, text)` pairs.
pub fn workspace(files: &[(&str, &str)]) -> Loaded {
    let mut v: Vec<(String, String)> = files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    if !v.iter().any(|(p, _)| p == "platform.msp") {
        v.push(("platform.msp".into(), shared_platform()));
    }
    load(v)
}

/// Every file under `dir`, by relative path.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// The smallest service: one `dev` test environment deployed by hand.
pub fn service(id: &str) -> String {
    service_with(id, &format!("\"Service {id}\""))
}

/// The smallest service, its description the expression `description`.
pub fn service_with(id: &str, description: &str) -> String {
    format!(
        r#"
service {id} {{
  owners      = ["core-services"]
  description = {description}
  image       = "us.gcr.io/example/{id}"
  environment dev {{
    project_id = "{id}-dev-1a2b"
    category   = test
    deploy     = manual
  }}
}}
"#
    )
}

/// Sorted fixture entries (files and folders) directly under `dir`.
pub fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "msp"))
        .collect();
    v.sort();
    v
}

/// An external checker installed by `.ci/run` under `.ci-tools/`. When it is
/// missing: on CI (`CI` set) the test fails, since `.ci/run` must install it;
/// elsewhere the test is skipped with a note.
pub fn ci_tool(rel: &str) -> Option<PathBuf> {
    let path = repo_root().join(".ci-tools").join(rel);
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{} is missing: .ci/run must install it", path.display());
    }
    eprintln!("skipped: {} is not installed (run .ci/run to install the external checkers)", path.display());
    None
}

/// A fresh temporary folder, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mspc-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `(relative path, text)` files.
    pub fn write(&self, files: &[(String, String)]) {
        for (rel, text) in files {
            let p = self.0.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
pub mod tf;

/// `../shared` beside the project (the platform reference and its checkers),
/// or `MSPC_SHARED_DIR`. Missing: the test fails on CI and is skipped elsewhere.
pub fn shared_dir() -> Option<PathBuf> {
    let beside = repo_root().join("../shared");
    let candidates = match std::env::var_os("MSPC_SHARED_DIR") {
        Some(dir) => vec![PathBuf::from(dir)],
        // A local clone (`git clone . /tmp/x`) finds it beside the checkout it came from.
        None => std::iter::once(beside.clone()).chain(origin_checkout().map(|o| o.join("../shared"))).collect(),
    };
    if let Some(dir) = candidates.into_iter().find(|d| d.join("tools/terraform/tf_schema_check.py").is_file()) {
        return Some(dir);
    }
    let dir = beside;
    if std::env::var_os("CI").is_some() {
        panic!("{} is missing: the shared checkers must be beside the project", dir.display());
    }
    eprintln!("skipped: {} is not there", dir.display());
    None
}

/// The checkout this one was cloned from, when that is a local folder.
fn origin_checkout() -> Option<PathBuf> {
    let out = std::process::Command::new("git")
        .args(["config", "--get", "remote.origin.url"])
        .current_dir(repo_root())
        .output()
        .ok()?;
    let url = String::from_utf8(out.stdout).ok()?;
    let url = url.trim().trim_start_matches("file://");
    (!url.is_empty() && !url.contains("://") && !url.contains('@')).then(|| PathBuf::from(url)).filter(|p| p.is_dir())
}

/// Runs the built `mspc` in `cwd`, without colour.
pub fn mspc(cwd: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mspc"))
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mspc")
}

pub fn code(o: &std::process::Output) -> i32 {
    o.status.code().expect("exited")
}

pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
