//! Helpers shared by the integration tests: in-memory workspaces.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mspc_compiler::db::{Database, load::Loaded};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The platform every fixture without its own `platform.msp` gets.
pub fn shared_platform() -> String {
    std::fs::read_to_string(repo_root().join("tests/fixtures/platform.msp")).expect("tests/fixtures/platform.msp")
}

/// Files of a fixture: one `.msp` file (put under `services/`), or a folder
/// (files kept at their relative paths). Adds the shared platform if missing.
pub fn fixture_files(path: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    if path.is_dir() {
        for (rel, abs) in mspc_compiler::db::load::collect(path).expect("readable fixture") {
            files.push((rel, std::fs::read_to_string(abs).expect("utf-8 fixture")));
        }
    } else {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.push((format!("services/{name}"), std::fs::read_to_string(path).expect("utf-8 fixture")));
    }
    if !files.iter().any(|(p, _)| p == "platform.msp") {
        files.push(("platform.msp".into(), shared_platform()));
    }
    files.sort();
    files
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
