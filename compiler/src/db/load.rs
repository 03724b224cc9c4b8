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
    walk(root, |dir| !dir.starts_with('.') && dir != "target" && dir != "node_modules", is_workspace_file)
}

/// The files under `root` as (relative path with `/`, path), sorted, entering
/// only the folders whose name `keep_dir` accepts and listing only the files
/// whose name `keep_file` accepts.
pub fn walk(
    root: &Path,
    keep_dir: impl Fn(&str) -> bool,
    keep_file: impl Fn(&str) -> bool,
) -> Result<Vec<(String, PathBuf)>, LoadError> {
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
                if keep_dir(&name) {
                    stack.push(path);
                }
            } else if keep_file(&name) {
                out.push((slash_path(path.strip_prefix(root).unwrap_or(&path)), path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A relative path written with `/` between its parts, as workspace paths are.
pub fn slash_path(rel: &Path) -> String {
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Decodes a file's bytes: lossily when they are not UTF-8, noting where.
pub fn decode(bytes: Vec<u8>) -> (String, Option<super::LoadProblem>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            (text, Some(super::LoadProblem::NotUtf8 { at: valid as u32 }))
        }
    }
}

/// A database and workspace holding files, with ids in path order.
pub struct Loaded {
    pub db: Database,
    pub workspace: Workspace,
    pub root: PathBuf,
}

impl Loaded {
    /// Reads a workspace. Only failing to list a folder is an error; a file
    /// that cannot be read becomes a diagnostic on that file.
    pub fn from_disk(root: &Path) -> Result<Loaded, LoadError> {
        let mut files = Vec::new();
        for (rel, abs) in collect(root)? {
            let (text, problem) = match std::fs::read(&abs) {
                Ok(bytes) => decode(bytes),
                Err(e) => (String::new(), Some(super::LoadProblem::Unreadable(e.to_string()))),
            };
            files.push((rel, text, problem));
        }
        Ok(Loaded::with_problems(Database::default(), root.to_path_buf(), files))
    }

    pub fn from_files(db: Database, root: PathBuf, files: Vec<(String, String)>) -> Loaded {
        Loaded::with_problems(db, root, files.into_iter().map(|(p, t)| (p, t, None)).collect())
    }

    pub fn with_problems(
        db: Database,
        root: PathBuf,
        files: Vec<(String, String, Option<super::LoadProblem>)>,
    ) -> Loaded {
        let sources: Vec<SourceFile> = files
            .into_iter()
            .enumerate()
            .map(|(i, (path, text, problem))| SourceFile::builder(path, text, FileId(i as u32), problem).new(&db))
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
