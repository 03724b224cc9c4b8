//! What the last build wrote into an output folder, so that a rebuild
//! checks and writes only what can have changed.
//!
//! The record holds what a build read (a hash of each workspace file's text,
//! and the git revision the pages cite), what it found (each service's spec
//! file and what the index shows of it, and which files other files import)
//! and what it left: per group of output files (`terraform/<service>/`, each
//! page, the marker), a hash of their paths and of what `lstat` says of each
//! (size, modification and change times to the nanosecond, inode, device),
//! the way git's index tells an untouched work tree without reading it.
//!
//! A whole build (no `--service`/`--env`, no `--timestamp`) first compares:
//! if the output still stats as recorded and the revision is the same,
//! - no workspace file changed: the output is what the build would write,
//!   and it stops there (`Plan::Current`);
//! - some files changed, none added or removed (`Plan::Changed`): the CLI may
//!   rebuild only the services those files can affect (`commands/rebuild.rs`),
//!   checking them while another thread stats the output.
//!
//! Anything else (a file added or removed, a touched, added or removed output
//! file, a killed build's marker, another revision, a record of another mspc)
//! takes the whole path, which records afresh.
//!
//! The record is written after the output, outside the output's lock: two
//! builds of one workspace into one folder at the same moment, from
//! different files, can leave the record of one beside the output of the
//! other. Only a later build whose files are again exactly the first one's
//! would then take that output as current.
//!
//! It is kept in the user's cache folder (`<cache folder>/mspc/build/`, or
//! `$MSPC_CACHE_DIR`), one small file per workspace and output folder, not
//! in the workspace (a build writes only its output there) nor in the output
//! (which repositories commit), and signed like the lint cache
//! (`lint_cache::Signed`), so a record mspc did not write cannot make it skip
//! work. Unix only: elsewhere every build takes the whole path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use mspc_compiler::db::load::Loaded;
use mspc_compiler::emit::docs::IndexEntry;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::lint_cache::{Signed, hash};

/// Records not written for this long are removed when another is written:
/// their output folders are most likely gone (one record per workspace and
/// output folder ever built).
const STALE: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// What a build read: each workspace file's hash, and the revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inputs {
    pub revision: Option<String>,
    pub files: BTreeMap<String, String>,
}

impl Inputs {
    pub fn of(loaded: &Loaded, revision: Option<String>) -> Inputs {
        let db = &loaded.db;
        let files = loaded
            .workspace
            .files(db)
            .iter()
            .map(|f| (f.path(db).clone(), hex(&Sha256::digest(f.text(db).as_bytes()))))
            .collect();
        Inputs { revision, files }
    }
}

/// A service as the record knows it: where it is declared, and what the
/// index shows of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    pub spec: String,
    pub entry: IndexEntry,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    revision: Option<String>,
    files: BTreeMap<String, String>,
    /// Every service, by id.
    pub services: BTreeMap<String, Known>,
    /// The `.msp` files some file imports.
    pub imported: BTreeSet<String>,
    /// Per group of output files, a hash of their paths and `lstat`s.
    outputs: BTreeMap<String, String>,
}

impl Record {
    /// Whether every file of `out` stats as the build that made this
    /// record left it (none added, none gone).
    pub fn output_as_left(&self, out: &Path) -> bool {
        stats(out, &[]).is_some_and(|now| now == self.outputs)
    }
}

/// What a build has to do, by the record.
pub enum Plan {
    /// No workspace file changed: the output is what a build would write if
    /// it is as the record left it.
    Current,
    /// Only these workspace files changed (none added or removed).
    Changed(Vec<String>, Record),
    /// Anything else.
    Whole,
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

    /// The record, if there is one this mspc wrote.
    pub fn read(&self) -> Option<Record> {
        self.file.read().and_then(|b| serde_json::from_slice::<Record>(&b).ok())
    }

    /// What a build with `inputs` has to do after the one that left `record`,
    /// by the inputs alone: the caller must also see that the output is as
    /// that build left it (`Record::output_as_left`), which takes longer and
    /// can run meanwhile.
    pub fn plan(&self, record: Record, inputs: &Inputs) -> Plan {
        if record.revision != inputs.revision || !record.files.keys().eq(inputs.files.keys()) {
            return Plan::Whole;
        }
        let changed: Vec<String> =
            inputs.files.iter().filter(|(p, h)| record.files.get(*p) != Some(h)).map(|(p, _)| p.clone()).collect();
        if changed.is_empty() { Plan::Current } else { Plan::Changed(changed, record) }
    }

    /// Records that `out` is what a whole build with `inputs` wrote.
    pub fn save(&self, inputs: &Inputs, out: &Path, services: BTreeMap<String, Known>, imported: BTreeSet<String>) {
        match stats(out, &[]) {
            Some(outputs) => {
                let record = Record {
                    revision: inputs.revision.clone(),
                    files: inputs.files.clone(),
                    services,
                    imported,
                    outputs,
                };
                self.write(&record);
            }
            None => self.forget(),
        }
    }

    /// Records that a build with `inputs` rewrote the groups `roots` of
    /// `out` (and the marker), the rest being as `record` says.
    pub fn save_within(&self, mut record: Record, inputs: &Inputs, out: &Path, roots: &[&str]) {
        let mut roots: Vec<&str> = roots.to_vec();
        roots.push(crate::outdir::MARKER);
        record.outputs.retain(|group, _| !roots.contains(&group.as_str()));
        match stats(out, &roots) {
            Some(fresh) => {
                record.outputs.extend(fresh);
                record.files = inputs.files.clone();
                self.write(&record);
            }
            None => self.forget(),
        }
    }

    fn write(&self, record: &Record) {
        if let Ok(body) = serde_json::to_vec(record) {
            self.file.write(&body);
        }
        self.file.prune_siblings("build-", STALE);
    }

    /// The output changed in a way the record does not describe.
    pub fn forget(&self) {
        self.file.remove();
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The group of an output file: `terraform/<service>`, else the file.
fn group(rel: &str) -> &str {
    if rel.starts_with("terraform/")
        && let Some((i, _)) = rel.match_indices('/').nth(1)
    {
        return &rel[..i];
    }
    rel
}

/// Per group of the files under `out` (all, or those under `roots`), a
/// hash of their paths and what `lstat` says of them; `None` if it cannot
/// be read or holds anything but folders and regular files. Each
/// environment's folder is read on its own thread: `lstat` of thousands of
/// files is most of a rebuild with nothing to do.
#[cfg(unix)]
fn stats(out: &Path, roots: &[&str]) -> Option<BTreeMap<String, String>> {
    let mut lines = Vec::new();
    if roots.is_empty() {
        lines = walk::tree(out, "").ok()?;
    }
    for root in roots {
        let path = out.join(root);
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Ok(m) if m.is_dir() => lines.extend(walk::tree(&path, root).ok()?),
            Ok(m) if m.is_file() => lines.push((root.to_string(), walk::file_line(&path, root).ok()?)),
            _ => return None,
        }
    }
    lines.sort();
    let mut groups: BTreeMap<String, Sha256> = BTreeMap::new();
    for (path, l) in &lines {
        groups.entry(group(path).to_string()).or_default().update(l.as_bytes());
    }
    Some(groups.into_iter().map(|(g, h)| (g, hex(&h.finalize()))).collect())
}

/// Reading a tree's `lstat`s. On Linux through rustix: each folder is opened
/// relative to its parent's descriptor and read without the `fstat` that
/// `std::fs::read_dir` adds, and each file is `lstat`ed relative to its
/// folder: a third fewer system calls, which are all this costs.
#[cfg(any(target_os = "linux", target_os = "android"))]
mod walk {
    use std::os::fd::OwnedFd;
    use std::path::Path;

    use rayon::prelude::*;
    use rustix::fs::{AtFlags, CWD, Dir, FileType, Mode, OFlags, Stat, openat, statat};

    const DIR_FLAGS: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);

    fn line(rel: &str, st: &Stat) -> String {
        format!(
            "{rel} {} {} {} {} {} {} {}\n",
            st.st_size, st.st_mtime, st.st_mtime_nsec, st.st_ctime, st.st_ctime_nsec, st.st_ino, st.st_dev
        )
    }

    pub fn file_line(path: &Path, rel: &str) -> Result<String, ()> {
        Ok(line(rel, &statat(CWD, path, AtFlags::SYMLINK_NOFOLLOW).map_err(drop)?))
    }

    /// `(path, line)` of every file under `dir` (named `rel`).
    pub fn tree(dir: &Path, rel: &str) -> Result<Vec<(String, String)>, ()> {
        let fd = openat(CWD, dir, DIR_FLAGS, Mode::empty()).map_err(drop)?;
        under(fd, rel, rel.matches('/').count() + usize::from(!rel.is_empty()))
    }

    fn under(fd: OwnedFd, rel: &str, depth: usize) -> Result<Vec<(String, String)>, ()> {
        let mut dir = Dir::new(fd).map_err(drop)?;
        let mut entries: Vec<(String, FileType, std::ffi::CString)> = Vec::new();
        for e in dir.by_ref() {
            let e = e.map_err(drop)?;
            let name = e.file_name();
            if name == c"." || name == c".." {
                continue;
            }
            let text = name.to_str().map_err(drop)?;
            let child = if rel.is_empty() { text.to_string() } else { format!("{rel}/{text}") };
            entries.push((child, e.file_type(), name.to_owned()));
        }
        let fd = dir.fd().map_err(drop)?;
        let one = |(child, ty, name): &(String, FileType, std::ffi::CString)| -> Result<Vec<(String, String)>, ()> {
            let ty = match ty {
                FileType::Unknown => FileType::from_raw_mode(
                    statat(fd, name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW).map_err(drop)?.st_mode,
                ),
                t => *t,
            };
            match ty {
                FileType::Directory => {
                    under(openat(fd, name.as_c_str(), DIR_FLAGS, Mode::empty()).map_err(drop)?, child, depth + 1)
                }
                FileType::RegularFile => {
                    let st = statat(fd, name.as_c_str(), AtFlags::SYMLINK_NOFOLLOW).map_err(drop)?;
                    Ok(vec![(child.clone(), line(child, &st))])
                }
                _ => Err(()),
            }
        };
        // Above the environments' folders (`terraform/<service>/`), fan out.
        let parts: Vec<Vec<(String, String)>> = if depth < 3 {
            entries.par_iter().map(one).collect::<Result<_, _>>()?
        } else {
            entries.iter().map(one).collect::<Result<_, _>>()?
        };
        Ok(parts.into_iter().flatten().collect())
    }
}

/// Reading a tree's `lstat`s with the standard library.
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
mod walk {
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    use rayon::prelude::*;

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

    pub fn file_line(path: &Path, rel: &str) -> Result<String, ()> {
        Ok(line(rel, &std::fs::symlink_metadata(path).map_err(drop)?))
    }

    /// `(path, line)` of every file under `dir` (named `rel`).
    pub fn tree(dir: &Path, rel: &str) -> Result<Vec<(String, String)>, ()> {
        under(dir, rel, rel.matches('/').count() + usize::from(!rel.is_empty()))
    }

    fn under(dir: &Path, rel: &str, depth: usize) -> Result<Vec<(String, String)>, ()> {
        let mut entries: Vec<(String, std::fs::DirEntry)> = Vec::new();
        for e in std::fs::read_dir(dir).map_err(drop)? {
            let e = e.map_err(drop)?;
            let name = e.file_name().into_string().map_err(drop)?;
            let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            entries.push((child, e));
        }
        let one = |(child, e): &(String, std::fs::DirEntry)| -> Result<Vec<(String, String)>, ()> {
            let m = e.metadata().map_err(drop)?;
            if m.is_dir() {
                under(&e.path(), child, depth + 1)
            } else if m.is_file() {
                Ok(vec![(child.clone(), line(child, &m))])
            } else {
                Err(())
            }
        };
        let parts: Vec<Vec<(String, String)>> = if depth < 3 {
            entries.par_iter().map(one).collect::<Result<_, _>>()?
        } else {
            entries.iter().map(one).collect::<Result<_, _>>()?
        };
        Ok(parts.into_iter().flatten().collect())
    }
}

#[cfg(not(unix))]
fn stats(_: &Path, _: &[&str]) -> Option<BTreeMap<String, String>> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_a_services_folder_or_a_file() {
        assert_eq!(group("terraform/svc/dev/cloudrun/main.tf"), "terraform/svc");
        assert_eq!(group("docs/svc.md"), "docs/svc.md");
        assert_eq!(group(".mspc-output"), ".mspc-output");
    }
}
