//! The server's state: salsa inputs only (rust-analyzer's rule). A `Host` is
//! one workspace (a folder with `platform.msp`) with its database; open
//! documents override the files on disk. Everything derived is computed per
//! request from a snapshot (a clone of the database).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use mspc_compiler::db::load::{self, Loaded};
use mspc_compiler::db::{Database, LoadProblem, SourceFile, Workspace};
use mspc_compiler::diagnostics::FileId;
use salsa::{Durability, Setter};
use tower_lsp_server::ls_types::Uri;

pub struct Host {
    pub root: PathBuf,
    pub db: Database,
    pub ws: Workspace,
    /// Relative path (with `/`) → input.
    pub files: BTreeMap<String, SourceFile>,
    /// Files deleted from the workspace, kept (emptied) to be reused if
    /// their path comes back: salsa never frees an input, so a new one per
    /// re-creation (every branch switch) would keep every old text and its
    /// memos for the rest of the session.
    removed: BTreeMap<String, SourceFile>,
    next_id: u32,
    /// Why a host serves its files alone, without a workspace around them.
    pub alone: Option<Alone>,
}

/// Why a document is checked on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alone {
    /// No `platform.msp` in its folder or any above: `mspc check` refuses it.
    NoWorkspace,
    /// Outside the client's folders: nothing around it is read.
    OutsideFolders,
}

/// What a request needs: a database clone, taken under the lock and moved to
/// a blocking thread.
pub struct Snapshot {
    pub db: Database,
    pub ws: Workspace,
    pub root: PathBuf,
    pub alone: Option<Alone>,
}

impl Host {
    /// Every workspace file under `root`, as on disk.
    pub fn load(root: &Path) -> Host {
        let loaded = Loaded::from_disk(root)
            .unwrap_or_else(|_| Loaded::from_files(Database::default(), root.to_path_buf(), Vec::new()));
        Host::from_loaded(loaded)
    }

    /// A lone file outside any workspace: only itself, no disk walk.
    pub fn single(root: &Path, why: Alone) -> Host {
        let mut host = Host::from_loaded(Loaded::from_files(Database::default(), root.to_path_buf(), Vec::new()));
        host.alone = Some(why);
        host
    }

    pub(crate) fn from_loaded(loaded: Loaded) -> Host {
        let files: BTreeMap<String, SourceFile> =
            loaded.workspace.files(&loaded.db).iter().map(|f| (f.path(&loaded.db).clone(), *f)).collect();
        let next_id = files.values().map(|f| f.id(&loaded.db).0 + 1).max().unwrap_or(0);
        Host {
            root: loaded.root,
            db: loaded.db,
            ws: loaded.workspace,
            files,
            removed: BTreeMap::new(),
            next_id,
            alone: None,
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot { db: self.db.clone(), ws: self.ws, root: self.root.clone(), alone: self.alone }
    }

    pub fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    pub fn file(&self, rel: &str) -> Option<SourceFile> {
        self.files.get(rel).copied()
    }

    /// Sets a file's text, adding the file if it is new. Returns whether
    /// anything changed. (A write: it waits for every snapshot to be dropped,
    /// and cancels the ones still computing.)
    pub fn set_text(&mut self, rel: &str, text: String, problem: Option<LoadProblem>) -> bool {
        match self.files.get(rel) {
            Some(&f) => {
                let mut changed = false;
                // Edited text is volatile: the first edit of a file read from
                // disk (durable) makes salsa verify everything once; later
                // ones only what depends on volatile inputs.
                if f.text(&self.db) != &text {
                    f.set_text(&mut self.db).with_durability(Durability::LOW).to(text);
                    changed = true;
                }
                if f.problem(&self.db) != &problem {
                    f.set_problem(&mut self.db).with_durability(Durability::LOW).to(problem);
                    changed = true;
                }
                changed
            }
            None => {
                let f = match self.removed.remove(rel) {
                    // The same path back: the same file, and input, as before.
                    Some(f) => {
                        f.set_text(&mut self.db).with_durability(Durability::LOW).to(text);
                        f.set_problem(&mut self.db).with_durability(Durability::LOW).to(problem);
                        f
                    }
                    // Ids only grow, so a removed file's id is never reused by another path.
                    None => {
                        let f = SourceFile::builder(rel.to_string(), text, FileId(self.next_id), problem).new(&self.db);
                        self.next_id += 1;
                        f
                    }
                };
                self.files.insert(rel.to_string(), f);
                self.sync_file_list();
                true
            }
        }
    }

    pub fn remove(&mut self, rel: &str) -> bool {
        let Some(f) = self.files.remove(rel) else { return false };
        self.sync_file_list();
        // Its text is not needed until it comes back.
        f.set_text(&mut self.db).with_durability(Durability::LOW).to(String::new());
        f.set_problem(&mut self.db).with_durability(Durability::LOW).to(None);
        self.removed.insert(rel.to_string(), f);
        true
    }

    /// Reads a file from disk again (after it changed there, or its editor
    /// closed), as the loader does: only from inside the workspace.
    pub fn reload(&mut self, rel: &str) -> bool {
        let abs = self.root.join(rel);
        if rel.split('/').any(|part| part == ".." || part == ".") {
            return self.remove(rel);
        }
        if std::fs::symlink_metadata(&abs).is_ok() {
            let (text, problem) = load::read_file(&self.root, &abs);
            self.set_text(rel, text, problem)
        } else {
            self.remove(rel)
        }
    }

    fn sync_file_list(&mut self) {
        let files: Vec<SourceFile> = self.files.values().copied().collect();
        self.ws.set_files(&mut self.db).to(files);
    }
}

/// An open document: the editor's text wins over the disk.
pub struct Doc {
    pub version: i32,
    pub root: PathBuf,
    pub rel: String,
}

#[derive(Default)]
pub struct State {
    pub hosts: BTreeMap<PathBuf, Host>,
    pub docs: HashMap<Uri, Doc>,
    /// The last diagnostics published per document, to clear or skip repeats.
    pub published: HashMap<Uri, Vec<tower_lsp_server::ls_types::Diagnostic>>,
    /// Bumped by every edit; a diagnostics run publishes only if none came after it.
    pub generation: u64,
    /// Where the server may read: the client's workspace folders and the
    /// workspaces holding them (real paths). `None` when the client named
    /// no folder: then a document's own workspace is found from its path.
    pub readable: Option<Vec<PathBuf>>,
}

/// A path with its folder's links resolved, but not the file's own.
pub fn canonical_folder(path: &Path) -> PathBuf {
    match (path.parent().and_then(|d| std::fs::canonicalize(d).ok()), path.file_name()) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// The real path of a document, also when it is not saved yet (its folder is).
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| canonical_folder(path))
}

impl State {
    /// The host a file belongs to, loading its workspace on first use: the
    /// nearest folder above holding `platform.msp`, or the file alone.
    pub fn host_for(&mut self, path: &Path) -> (&mut Host, String) {
        let path = canonical(path);
        // A document from elsewhere is served alone: nothing around it is read.
        let outside = self.readable.as_ref().is_some_and(|r| !r.iter().any(|dir| path.starts_with(dir)));
        let existing = self
            .hosts
            .keys()
            .filter(|root| path.starts_with(root))
            .max_by_key(|root| root.components().count())
            .cloned();
        let found = if outside { None } else { load::find_root(&path) };
        let root = match (existing, found) {
            // A nearer platform.msp than any loaded host is its own workspace.
            (Some(e), Some(f)) if f.starts_with(&e) && f != e => f,
            (Some(e), _) => e,
            (None, Some(f)) => f,
            (None, None) => path.parent().map_or_else(|| PathBuf::from("/"), Path::to_path_buf),
        };
        if !self.hosts.contains_key(&root) {
            let host = if !outside && load::find_root(&root).as_deref() == Some(root.as_path()) {
                Host::load(&root)
            } else if outside {
                Host::single(&root, Alone::OutsideFolders)
            } else {
                Host::single(&root, Alone::NoWorkspace)
            };
            self.hosts.insert(root.clone(), host);
        }
        let host = self.hosts.get_mut(&root).expect("inserted above");
        let rel = host.relative(&path).unwrap_or_else(|| {
            path.file_name().map_or_else(|| "untitled.msp".into(), |n| n.to_string_lossy().into_owned())
        });
        (host, rel)
    }

    pub fn doc_host(&self, uri: &Uri) -> Option<(&Host, SourceFile)> {
        let doc = self.docs.get(uri)?;
        let host = self.hosts.get(&doc.root)?;
        Some((host, host.file(&doc.rel)?))
    }

    /// The host and file of a document that is not open (a request about a
    /// file on disk): found through its path.
    pub fn file_host(&self, uri: &Uri) -> Option<(&Host, SourceFile)> {
        if let Some(found) = self.doc_host(uri) {
            return Some(found);
        }
        let path = canonical(&uri.to_file_path()?);
        self.hosts.values().find_map(|h| Some((h, h.file(&h.relative(&path)?)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A branch switch deletes files and writes them again: the same input
    /// comes back (salsa never frees one), with the new text.
    #[test]
    fn a_file_deleted_and_written_again_is_the_same_input() {
        let loaded = Loaded::from_files(
            Database::default(),
            PathBuf::from("/ws"),
            vec![("a.msp".into(), "service a {}".into()), ("b.msp".into(), "service b {}".into())],
        );
        let mut host = Host::from_loaded(loaded);
        let a = host.file("a.msp").unwrap();
        assert!(host.remove("a.msp"));
        assert_eq!(host.file("a.msp"), None);
        assert_eq!(host.ws.files(&host.db).len(), 1);
        assert_eq!(a.text(&host.db), "", "a deleted file's text is dropped");
        assert!(host.set_text("a.msp", "service a2 {}".into(), None));
        assert_eq!(host.file("a.msp"), Some(a));
        assert_eq!(a.text(&host.db), "service a2 {}");
        assert_eq!(host.ws.files(&host.db).len(), 2);
        // Another path still gets a fresh id.
        host.set_text("c.msp", String::new(), None);
        let ids: std::collections::BTreeSet<u32> = host.files.values().map(|f| f.id(&host.db).0).collect();
        assert_eq!(ids.len(), 3);
    }
}
