//! What the last build wrote into an output folder, so that a rebuild with
//! nothing changed checks and writes nothing.
//!
//! The record holds a hash of everything a build reads (every workspace
//! file's path and text, and the git revision the pages cite) and, for each
//! file of the output folder afterwards, what `lstat` says of it (size, the
//! modification and change times to the nanosecond, inode and device): the
//! way git's index tells an untouched work tree without reading it. A
//! rebuild whose inputs hash the same, into a folder whose files all stat
//! the same (none added, none gone, the marker among them), would write the
//! same bytes, so it stops there. Anything else (another file, a touched
//! output, a killed build's marker, a build of another mspc, a filtered or
//! time-stamped build) takes the full path, which records afresh.
//!
//! It is kept in the user's cache folder (`<cache folder>/mspc/build/`, or
//! `$MSPC_CACHE_DIR`), one small file per workspace and output folder, not
//! in the workspace (a build writes only its output there) nor in the output
//! (which repositories commit), and signed like the lint cache
//! (`lint_cache::Signed`), so a record mspc did not write cannot make it skip
//! a build. Unix only: elsewhere every build takes the full path.

use std::path::Path;

use mspc_compiler::db::load::Loaded;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::lint_cache::{Signed, hash};

#[derive(Serialize, Deserialize, PartialEq, Eq, Debug)]
struct Record {
    inputs: String,
    /// A hash of every output file's path and `lstat`.
    outputs: String,
}

/// The record of builds of one workspace into one output folder.
pub struct BuildRecord {
    file: Signed,
}

impl BuildRecord {
    pub fn open(root: &Path, out: &Path) -> Option<BuildRecord> {
        if !cfg!(unix) {
            return None;
        }
        // The folder may not exist yet: its parent, resolved, and its name.
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let parent = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
        let out = parent.join(out.file_name().unwrap_or_default());
        let name = format!("build-{:016x}.json", hash(&(root, out)));
        Some(BuildRecord { file: Signed::in_user_cache("build", &name)? })
    }

    /// Whether a build with `inputs` would find `out` exactly as the last
    /// build left it.
    pub fn current(&self, inputs: &str, out: &Path) -> bool {
        let Some(record) = self.file.read().and_then(|b| serde_json::from_slice::<Record>(&b).ok()) else {
            return false;
        };
        record.inputs == inputs && stats(out).is_some_and(|now| now == record.outputs)
    }

    /// Records that `out` is what a build with `inputs` wrote.
    pub fn save(&self, inputs: &str, out: &Path) {
        match stats(out) {
            Some(outputs) => {
                let record = Record { inputs: inputs.to_string(), outputs };
                if let Ok(body) = serde_json::to_vec(&record) {
                    self.file.write(&body);
                }
            }
            None => self.forget(),
        }
    }

    /// The output changed in a way the record does not describe.
    pub fn forget(&self) {
        self.file.remove();
    }
}

/// What a build reads: every workspace file, and the revision the pages cite.
pub fn inputs(loaded: &Loaded, revision: Option<&str>) -> String {
    let mut h = Sha256::new();
    let db = &loaded.db;
    let mut files: Vec<(&String, &String)> =
        loaded.workspace.files(db).iter().map(|f| (f.path(db), f.text(db))).collect();
    files.sort();
    for (path, text) in files {
        // Lengths first: no two different lists hash alike by shifting bytes.
        h.update((path.len() as u64).to_le_bytes());
        h.update(path.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    h.update(revision.unwrap_or("").as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A hash of every file under `out` (its path and what `lstat` says of
/// it), `None` if it cannot be read or holds anything but folders and
/// regular files. Each environment's folder is read on its own thread:
/// `lstat` of thousands of files is most of a rebuild with nothing to do.
#[cfg(unix)]
fn stats(out: &Path) -> Option<String> {
    use rayon::prelude::*;
    use std::os::unix::fs::MetadataExt;

    /// One entry's line, or a mark that it is neither folder nor file.
    fn line(rel: &str, m: &std::fs::Metadata) -> String {
        format!(
            "{rel} {} {} {} {} {} {} {}\n",
            m.len(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
            m.ino(),
            m.dev()
        )
    }
    /// The lines of the tree under `dir` (named `rel`), sorted; `Err` on
    /// anything but folders and regular files, or an unreadable folder.
    fn tree(dir: &Path, rel: &str, depth: usize) -> Result<Vec<String>, ()> {
        let mut entries: Vec<(String, std::path::PathBuf, std::fs::FileType)> = Vec::new();
        for e in std::fs::read_dir(dir).map_err(drop)? {
            let e = e.map_err(drop)?;
            let name = e.file_name().into_string().map_err(drop)?;
            let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            entries.push((child, e.path(), e.file_type().map_err(drop)?));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let one = |(child, path, ty): &(String, std::path::PathBuf, std::fs::FileType)| -> Result<Vec<String>, ()> {
            if ty.is_dir() {
                tree(path, child, depth + 1)
            } else if ty.is_file() {
                let m = std::fs::symlink_metadata(path).map_err(drop)?;
                Ok(vec![line(child, &m)])
            } else {
                Err(())
            }
        };
        // Above the environments' folders (`terraform/<service>/`), fan out.
        let parts: Vec<Vec<String>> = if depth < 3 {
            entries.par_iter().map(one).collect::<Result<_, _>>()?
        } else {
            entries.iter().map(one).collect::<Result<_, _>>()?
        };
        Ok(parts.into_iter().flatten().collect())
    }
    let lines = tree(out, "", 0).ok()?;
    let mut h = Sha256::new();
    for l in &lines {
        h.update(l.as_bytes());
    }
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(not(unix))]
fn stats(_: &Path) -> Option<String> {
    None
}
