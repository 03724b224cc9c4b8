//! Reading a workspace from disk: find the root (the folder with
//! `platform.msp`), collect `.msp` files and the files they refer to.

use std::path::{Path, PathBuf};

use super::{Database, SourceFile, Workspace};
use crate::diagnostics::{FileId, SourceMap};

/// Walks up from `start` (a file or folder) to the folder holding `platform.msp`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() { start } else { start.parent()?.to_path_buf() };
    loop {
        if dir.join(crate::check::platform::PLATFORM_FILE).is_file() {
            return Some(dir);
        }
        dir = dir.parent()?.to_path_buf();
    }
}

/// Which files belong to a workspace: sources, and what sources read.
pub fn is_workspace_file(name: &str) -> bool {
    name.ends_with(".msp") || name == "README.md" || name.ends_with(".bigquerytable.json")
}

#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// Files found under `root`, relative paths with `/`, sorted. Hidden folders,
/// `target` and `node_modules` are skipped.
pub fn collect(root: &Path) -> Result<Vec<(String, PathBuf)>, LoadError> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|error| LoadError { path: dir.clone(), error })?;
        for entry in entries {
            let entry = entry.map_err(|error| LoadError { path: dir.clone(), error })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let ty = entry.file_type().map_err(|error| LoadError { path: path.clone(), error })?;
            if ty.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    stack.push(path);
                }
            } else if is_workspace_file(&name) {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                out.push((rel, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A database and workspace holding files, with ids in path order.
pub struct Loaded {
    pub db: Database,
    pub workspace: Workspace,
    pub root: PathBuf,
}

impl Loaded {
    pub fn from_disk(root: &Path) -> Result<Loaded, LoadError> {
        let mut files = Vec::new();
        for (rel, abs) in collect(root)? {
            let bytes = std::fs::read(&abs).map_err(|error| LoadError { path: abs.clone(), error })?;
            files.push((rel, String::from_utf8_lossy(&bytes).into_owned()));
        }
        Ok(Loaded::from_files(Database::default(), root.to_path_buf(), files))
    }

    pub fn from_files(db: Database, root: PathBuf, files: Vec<(String, String)>) -> Loaded {
        let sources: Vec<SourceFile> = files
            .into_iter()
            .enumerate()
            .map(|(i, (path, text))| SourceFile::builder(path, text, FileId(i as u32)).new(&db))
            .collect();
        let workspace = Workspace::new(&db, sources);
        Loaded { db, workspace, root }
    }

    pub fn file(&self, path: &str) -> Option<SourceFile> {
        self.workspace.files(&self.db).iter().copied().find(|f| f.path(&self.db) == path)
    }

    pub fn result(&self) -> &super::WorkspaceResult {
        super::workspace_result(&self.db, self.workspace)
    }
}

impl SourceMap for Loaded {
    fn path(&self, file: FileId) -> String {
        if let Some(f) = crate::check::stdlib::stdlib().file(file) {
            return f.path.clone();
        }
        self.workspace
            .files(&self.db)
            .get(file.0 as usize)
            .map_or_else(|| "<unknown>".into(), |f| f.path(&self.db).clone())
    }

    fn text(&self, file: FileId) -> &str {
        if let Some(f) = crate::check::stdlib::stdlib().file(file) {
            return f.text;
        }
        self.workspace.files(&self.db).get(file.0 as usize).map_or("", |f| f.text(&self.db).as_str())
    }
}
