//! Reading a workspace from disk: find the root (the folder with
//! `platform.msp`), collect `.msp` files and the files they refer to.

use std::path::{Path, PathBuf};

use std::io::Read;

use salsa::Durability;

use super::{Database, LoadProblem, SourceFile, Workspace};
use crate::diagnostics::{FileId, SourceMap};
use crate::limits::{MAX_FILE_BYTES, MAX_FILES, MAX_WORKSPACE_BYTES};

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
/// `target` and `node_modules` are skipped. A folder named like a workspace
/// file (`x.msp`) is listed, not entered: reading it reports it. Links to
/// folders are not followed (a link to a file is listed; `read_file`
/// confines it).
pub fn collect(root: &Path) -> Result<Vec<(String, PathBuf)>, LoadError> {
    walk(root, is_workspace_dir, is_workspace_file, MAX_FILES + 1)
}

/// Whether a folder of this name is searched for workspace files: not a
/// hidden one, nor a build's or a package manager's.
pub fn is_workspace_dir(name: &str) -> bool {
    !name.starts_with('.') && name != "target" && name != "node_modules" && !is_workspace_file(name)
}

/// The files under `root` as (relative path with `/`, path), sorted, entering
/// only the folders whose name `keep_dir` accepts and listing the files, and
/// the folders `keep_dir` refuses, whose name `keep_file` accepts; at most
/// `max` of them (which ones, when there are more, is unspecified).
pub fn walk(
    root: &Path,
    keep_dir: impl Fn(&str) -> bool,
    keep_file: impl Fn(&str) -> bool,
    max: usize,
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
            if ty.is_dir() && keep_dir(&name) {
                stack.push(path);
            } else if keep_file(&name) {
                out.push((slash_path(path.strip_prefix(root).unwrap_or(&path)), path));
                if out.len() >= max {
                    stack.clear();
                    break;
                }
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

/// Reads one workspace file. `real_root` is the workspace root with its
/// links resolved: a file whose real path is outside it is not read, nor is
/// anything that is not a regular file (a folder, or a pipe that would
/// block), nor a file over `MAX_FILE_BYTES`. A file that vanished since it
/// was listed is unreadable, like any other I/O error.
pub fn read_file(real_root: &Path, path: &Path) -> (String, Option<LoadProblem>) {
    let unreadable = |e: std::io::Error| (String::new(), Some(LoadProblem::Unreadable(e.to_string())));
    let real = match std::fs::canonicalize(path) {
        Ok(p) => p,
        Err(e) => return unreadable(e),
    };
    if !real.starts_with(real_root) {
        return (String::new(), Some(LoadProblem::OutsideWorkspace { target: real.display().to_string() }));
    }
    let meta = match std::fs::metadata(&real) {
        Ok(m) => m,
        Err(e) => return unreadable(e),
    };
    if !meta.is_file() {
        return (String::new(), Some(LoadProblem::NotAFile));
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        return (String::new(), Some(LoadProblem::TooLarge { bytes: meta.len() }));
    }
    match std::fs::File::open(&real) {
        Ok(file) => read_bounded(file, meta.len()),
        Err(e) => unreadable(e),
    }
}

/// Reads a regular file (not a link) that `collect` listed, so inside the
/// root by construction: the walk enters no linked folder. Opened without
/// following a link and without blocking, and checked again on the open
/// handle, in case it was replaced since it was listed. `None`: that is not
/// possible here (not unix), or it is no longer a regular file; `read_file`
/// then decides, resolving its path. Saves resolving every path of a large
/// workspace, a third of loading it.
#[cfg(unix)]
fn read_listed(path: &Path) -> Option<(String, Option<LoadProblem>)> {
    use std::os::unix::fs::OpenOptionsExt;
    let unreadable = |e: std::io::Error| (String::new(), Some(LoadProblem::Unreadable(e.to_string())));
    let file = match std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)
    {
        Ok(f) => f,
        // A link now, or gone: let `read_file` say which.
        Err(_) => return None,
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return Some(unreadable(e)),
    };
    if !meta.is_file() {
        return None;
    }
    Some(read_bounded(file, meta.len()))
}

#[cfg(not(unix))]
fn read_listed(_: &Path) -> Option<(String, Option<LoadProblem>)> {
    None
}

/// Reads an open regular file of `len` bytes (as last seen), at most
/// `MAX_FILE_BYTES` even if it grows meanwhile.
fn read_bounded(file: std::fs::File, len: u64) -> (String, Option<LoadProblem>) {
    let too_large = |bytes: u64| (String::new(), Some(LoadProblem::TooLarge { bytes }));
    if len > MAX_FILE_BYTES as u64 {
        return too_large(len);
    }
    let mut bytes = Vec::with_capacity(len as usize);
    match file.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() > MAX_FILE_BYTES => too_large(bytes.len() as u64),
        Ok(_) => decode(bytes),
        Err(e) => (String::new(), Some(LoadProblem::Unreadable(e.to_string()))),
    }
}

/// Reads a file the user named (`mspc fmt a.msp`, `mspc import x.yaml`):
/// wherever it is, but bounded like a workspace file.
pub fn read_named(path: &Path) -> (String, Option<LoadProblem>) {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    read_file(&real, path)
}

/// Decodes a file's bytes: lossily when they are not UTF-8, noting where.
pub fn decode(bytes: Vec<u8>) -> (String, Option<LoadProblem>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            (text, Some(LoadProblem::NotUtf8 { at: valid as u32 }))
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
        let real_root = std::fs::canonicalize(root).map_err(|error| LoadError { path: root.to_path_buf(), error })?;
        let listed = collect(root)?;
        // A workspace over the bounds is not read, but for the file that
        // carries the error (`platform.msp`): checking part of it would only
        // add misleading errors. The sizes are the listing's, before reading.
        // One `lstat` per file, for the byte bound and to read regular files
        // the walk found without resolving their path again.
        let metas: Vec<Option<std::fs::Metadata>> =
            listed.iter().map(|(_, abs)| std::fs::symlink_metadata(abs).ok()).collect();
        let bytes: u64 = metas.iter().flatten().map(|m| m.len()).sum();
        if listed.len() > MAX_FILES || bytes > MAX_WORKSPACE_BYTES as u64 {
            let platform = crate::check::platform::PLATFORM_FILE;
            let carrier = listed.iter().find(|(rel, _)| rel == platform).or(listed.first());
            let files = carrier
                .map(|(rel, abs)| {
                    let (text, _) = read_file(&real_root, abs);
                    (rel.clone(), text, Some(LoadProblem::WorkspaceTooLarge { files: listed.len(), bytes }))
                })
                .into_iter()
                .collect();
            return Ok(Loaded::with_problems(Database::default(), root.to_path_buf(), files));
        }
        let files = listed
            .into_iter()
            .zip(metas)
            .map(|((rel, abs), meta)| {
                let listed_regular = meta.is_some_and(|m| m.file_type().is_file());
                let (text, problem) = match listed_regular.then(|| read_listed(&abs)).flatten() {
                    Some(read) => read,
                    None => read_file(&real_root, &abs),
                };
                (rel, text, problem)
            })
            .collect();
        Ok(Loaded::with_problems(Database::default(), root.to_path_buf(), files))
    }

    pub fn from_files(db: Database, root: PathBuf, files: Vec<(String, String)>) -> Loaded {
        Loaded::with_problems(db, root, files.into_iter().map(|(p, t)| (p, t, None)).collect())
    }

    /// The files as read from disk are durable inputs: after an editor's
    /// edits, which are not (`lsp` sets them with low durability), salsa
    /// knows without looking that nothing derived only from the rest changed.
    pub fn with_problems(db: Database, root: PathBuf, files: Vec<(String, String, Option<LoadProblem>)>) -> Loaded {
        let sources: Vec<SourceFile> = files
            .into_iter()
            .enumerate()
            .map(|(i, (path, text, problem))| {
                SourceFile::builder(path, text, FileId(i as u32), problem).durability(Durability::HIGH).new(&db)
            })
            .collect();
        let workspace = Workspace::builder(sources).durability(Durability::HIGH).new(&db);
        Loaded { db, workspace, root }
    }

    pub fn file(&self, path: &str) -> Option<SourceFile> {
        self.workspace.files(&self.db).iter().copied().find(|f| f.path(&self.db) == path)
    }

    pub fn result(&self) -> &super::WorkspaceResult {
        self.check_in_parallel();
        super::workspace_result(&self.db, self.workspace)
    }

    /// Parses and checks every `.msp` file on all cores, each thread with its
    /// own handle on the database, so that the workspace query, which walks
    /// the files in order on one thread, finds them all memoized. Results do
    /// not depend on it: the same queries run, once each.
    fn check_in_parallel(&self) {
        let files: Vec<SourceFile> =
            self.workspace.files(&self.db).iter().copied().filter(|f| f.path(&self.db).ends_with(".msp")).collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len() / 8);
        if threads < 2 {
            return;
        }
        std::thread::scope(|scope| {
            for t in 0..threads {
                let (db, ws, files) = (self.db.clone(), self.workspace, &files);
                scope.spawn(move || {
                    for &f in files.iter().skip(t).step_by(threads) {
                        super::file_diagnostics(&db, ws, f);
                        for &(item, _) in super::file_decls(&db, f) {
                            super::check_service(&db, ws, f, item);
                        }
                    }
                });
            }
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_vanished_after_listing_is_unreadable_and_reported() {
        let dir = std::env::temp_dir().join(format!("mspc-vanish-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let root = std::fs::canonicalize(&dir).unwrap();
        let path = root.join("gone.msp");
        std::fs::write(&path, "let a = 1\n").unwrap();
        let listed = collect(&root).unwrap();
        assert_eq!(listed.len(), 1);
        std::fs::remove_file(&path).unwrap();
        let (text, problem) = read_file(&root, &listed[0].1);
        assert_eq!(text, "");
        assert!(matches!(problem, Some(LoadProblem::Unreadable(_))), "{problem:?}");
        let loaded = Loaded::with_problems(Database::default(), root, vec![(listed[0].0.clone(), text, problem)]);
        let codes: Vec<&str> = loaded.result().diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["E0008"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
