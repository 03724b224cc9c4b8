//! Replacing an output folder all at once. The new tree is written into a
//! temporary folder `.{name}.mspc-new-{random}` beside the target, created
//! exclusively (a folder or link already under that name makes it fail, never
//! followed); only when it is complete does it take the target's place, so a
//! failed build leaves the previous output as it was, and a successful one
//! leaves no stale files behind. Every file in it is created exclusively too.
//! A target that is a link is refused: replacing it would drop the link, and
//! writing through it would write where nobody asked. Single files are
//! `src/write.rs`'s.
//!
//! Killed at any moment, a build leaves the target either as it was or
//! complete. On Linux (`renameat2(RENAME_EXCHANGE)`) and macOS
//! (`renamex_np(RENAME_SWAP)`), both through rustix, the complete new folder
//! and the old one are exchanged in one step; the old tree, now under the
//! temporary name, is deleted afterwards.
//!
//! Elsewhere, and on filesystems that refuse the exchange (`EINVAL`,
//! `ENOSYS`, `ENOTSUP`/`EOPNOTSUPP`: some network and FUSE filesystems), two
//! renames do it: target → `.{name}.mspc-old-{random}`, then temporary → target.
//! Between them (two system calls apart) the target does not exist: a build
//! killed in that window leaves no output folder, and the complete previous
//! tree under the `-old-` name, which the next build puts back first.
//!
//! The whole replacement holds an exclusive advisory lock, so builds into
//! one output folder run one after another. On unix the lock is on the
//! parent folder itself, opened read-only, so no lock file is left in the
//! user's folders (builds into sibling outputs wait for each other too);
//! elsewhere it is on a `.{name}.mspc-lock` file beside the target, which
//! stays (removing a lock file races with the next build to open it). With
//! the lock held, no running build owns a `.{name}.mspc-new-*` or
//! `.{name}.mspc-old-*` folder: any there was left by a killed build, and is
//! removed before writing. Where the platform cannot lock files at all, the
//! build goes on without the lock.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use mspc_compiler::db::load;
use mspc_compiler::emit::OutputFile;

/// Marks a folder as mspc's output: only such a folder (or an empty or
/// missing one) is ever replaced, so `--out .` cannot delete a workspace.
pub const MARKER: &str = ".mspc-output";

#[derive(Debug)]
pub enum OutError {
    NotOurs(PathBuf),
    /// The target is a link (or another non-folder).
    NotAFolder(PathBuf, &'static str),
    /// Reading the previous output (kept files) failed.
    Read(PathBuf, io::Error),
    Io(PathBuf, io::Error),
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OutError + '_ {
    move |e| OutError::Io(path.to_path_buf(), e)
}

/// Whether `dir` may be replaced: missing, empty, or carrying the marker.
fn replaceable(dir: &Path) -> Result<bool, OutError> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(OutError::Io(dir.to_path_buf(), e)),
        Ok(m) if m.file_type().is_symlink() => return Err(OutError::NotAFolder(dir.to_path_buf(), "a symbolic link")),
        Ok(m) if !m.is_dir() => return Err(OutError::NotAFolder(dir.to_path_buf(), "not a folder")),
        Ok(_) => {}
    }
    if dir.join(MARKER).is_file() {
        return Ok(true);
    }
    let mut entries = std::fs::read_dir(dir).map_err(io_at(dir))?;
    Ok(entries.next().is_none())
}

/// Replaces `target` with `files`, keeping the old files for which `keep`
/// says so (those outside a filtered build).
pub fn replace(target: &Path, files: &[OutputFile], keep: impl Fn(&str) -> bool) -> Result<(), OutError> {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io_at(&parent))?;
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let _lock = lock(&parent, &name)?;
    if !replaceable(target)? {
        return Err(OutError::NotOurs(target.to_path_buf()));
    }
    remove_stale(&parent, &name, target)?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.mspc-{NEW}-"))
        .rand_bytes(RANDOM)
        .tempdir_in(&parent)
        .map_err(io_at(&parent))?
        .keep();
    let result = fill(&tmp, target, files, &keep).and_then(|()| swap(&tmp, target, &parent, &name));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Fills the fresh folder `tmp`: the kept files of `target`, then `files`.
fn fill(tmp: &Path, target: &Path, files: &[OutputFile], keep: &dyn Fn(&str) -> bool) -> Result<(), OutError> {
    if target.is_dir() {
        for rel in walk(target)? {
            let old = target.join(&rel);
            // Only regular files are carried over: a link planted in the
            // previous output would copy in a file from anywhere.
            let regular = std::fs::symlink_metadata(&old).is_ok_and(|m| m.is_file());
            if rel != MARKER && regular && keep(&rel) {
                let bytes = std::fs::read(&old).map_err(|e| OutError::Read(old.clone(), e))?;
                write(tmp, &rel, &bytes)?;
            }
        }
    }
    write_all(tmp, files)?;
    write(tmp, MARKER, b"Generated by mspc. This folder is replaced on every build.\n")
}

/// Writes `files` (sorted by path) on every core: creating files and folders
/// is most of a build's time on disk, and the kernel does it in parallel.
/// Each thread takes whole folders two levels deep (`terraform/<service>/`),
/// so a folder is created by one thread only, once, before its files.
fn write_all(root: &Path, files: &[OutputFile]) -> Result<(), OutError> {
    use rayon::prelude::*;
    let groups: Vec<&[OutputFile]> = files.chunk_by(|a, b| group(&a.path) == group(&b.path)).collect();
    groups.par_iter().try_for_each(|group| {
        let mut made: Option<PathBuf> = None;
        for f in *group {
            let path = root.join(&f.path);
            if let Some(dir) = path.parent()
                && made.as_deref() != Some(dir)
            {
                // Safe against another thread creating a shared parent at the same time.
                std::fs::create_dir_all(dir).map_err(io_at(dir))?;
                made = Some(dir.to_path_buf());
            }
            create_file(&path, f.contents.as_bytes())?;
        }
        Ok(())
    })
}

/// Creates a file that must not exist yet: the folder is new and ours, so
/// anything already there was put there behind our back, and is not written
/// through.
fn create_file(path: &Path, bytes: &[u8]) -> Result<(), OutError> {
    use std::io::Write;
    let mut f = File::options().write(true).create_new(true).open(path).map_err(io_at(path))?;
    f.write_all(bytes).map_err(io_at(path))
}

/// The first two segments of a relative path: `terraform/svc/dev/…` → `terraform/svc`.
fn group(path: &str) -> &str {
    match path.match_indices('/').nth(1) {
        Some((i, _)) => &path[..i],
        None => path,
    }
}

fn write(root: &Path, rel: &str, bytes: &[u8]) -> Result<(), OutError> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_at(dir))?;
    }
    create_file(&path, bytes)
}

const NEW: &str = "new";
const OLD: &str = "old";
/// Random characters in a temporary folder's name.
const RANDOM: usize = 12;

/// The name of a temporary folder of the target `name`: `kind` is [`NEW`]
/// or [`OLD`], then random letters and digits.
fn temporary(name: &str, kind: &str) -> String {
    let mut bytes = [0u8; RANDOM];
    // Uniqueness, not secrecy: the folder is created or renamed to, never
    // opened by name by anyone else. Without a random source, the time.
    if getrandom::fill(&mut bytes).is_err() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        for (b, t) in bytes.iter_mut().zip(now.as_nanos().to_le_bytes()) {
            *b = t;
        }
    }
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let suffix: String = bytes.iter().map(|b| ALNUM[*b as usize % ALNUM.len()] as char).collect();
    format!(".{name}.mspc-{kind}-{suffix}")
}

/// Whether `entry` (a file name) is a temporary folder of the target `name`,
/// and which kind: `.{name}.mspc-{kind}-` and letters or digits.
fn temporary_kind<'a>(name: &str, entry: &'a str) -> Option<&'a str> {
    let rest = entry.strip_prefix('.')?.strip_prefix(name)?.strip_prefix(".mspc-")?;
    let (kind, suffix) = rest.split_once('-')?;
    let suffix_ok = !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_alphanumeric());
    ([NEW, OLD].contains(&kind) && suffix_ok).then_some(kind)
}

/// Takes the lock that serializes replacements of `parent`/`name`; it is
/// released when the file is dropped, or when the process dies. `None`: the
/// platform cannot lock.
fn lock(parent: &Path, name: &str) -> Result<Option<File>, OutError> {
    let (path, file) = lock_file(parent, name);
    let file = file.map_err(io_at(&path))?;
    match file.lock() {
        Ok(()) => Ok(Some(file)),
        Err(e) if e.kind() == io::ErrorKind::Unsupported => Ok(None),
        Err(e) => Err(OutError::Io(path, e)),
    }
}

/// What is locked, opened: on unix the parent folder itself, read-only.
#[cfg(unix)]
fn lock_file(parent: &Path, _name: &str) -> (PathBuf, io::Result<File>) {
    (parent.to_path_buf(), File::open(parent))
}

/// What is locked, opened: elsewhere a lock file beside the target, which
/// stays.
#[cfg(not(unix))]
fn lock_file(parent: &Path, name: &str) -> (PathBuf, io::Result<File>) {
    let path = parent.join(format!(".{name}.mspc-lock"));
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path);
    (path, file)
}

/// Removes the temporary folders that killed builds left beside `target`
/// (the caller holds the lock: no running build owns one). A missing target
/// with a previous output under an `-old-` name means a build was killed
/// between the two renames of the fallback: that output is complete (trees
/// being deleted are under `-new-` names), and is put back first.
fn remove_stale(parent: &Path, name: &str, target: &Path) -> Result<(), OutError> {
    let mut stale: Vec<(PathBuf, bool)> = Vec::new();
    for entry in std::fs::read_dir(parent).map_err(io_at(parent))? {
        let entry = entry.map_err(io_at(parent))?;
        if let Some(kind) = entry.file_name().to_str().and_then(|n| temporary_kind(name, n)) {
            stale.push((entry.path(), kind == OLD));
        }
    }
    stale.sort();
    // Only a real folder carrying the marker is a previous output: a link
    // planted under that name is removed like any other stale entry.
    let whole = |p: &Path| {
        std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir())
            && std::fs::symlink_metadata(p.join(MARKER)).is_ok_and(|m| m.is_file())
    };
    if std::fs::symlink_metadata(target).is_err()
        && let Some(i) = stale.iter().position(|(p, old)| *old && whole(p))
    {
        let (previous, _) = stale.remove(i);
        std::fs::rename(&previous, target).map_err(io_at(target))?;
    }
    for (path, _) in stale {
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        let removed = if is_dir { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.map_err(io_at(&path))?;
    }
    Ok(())
}

/// Puts the complete tree `tmp` in place of `target`.
fn swap(tmp: &Path, target: &Path, parent: &Path, name: &str) -> Result<(), OutError> {
    if !target.exists() {
        return std::fs::rename(tmp, target).map_err(io_at(target));
    }
    if exchange(tmp, target).map_err(io_at(target))? {
        // `tmp` now holds the previous output.
        return std::fs::remove_dir_all(tmp).map_err(io_at(tmp));
    }
    swap_by_renames(tmp, target, parent, name)
}

/// Exchanges the folders `a` and `b` in one step. `Ok(false)`: the platform
/// or the filesystem cannot, and nothing changed.
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if [Errno::INVAL, Errno::NOSYS, Errno::NOTSUP, Errno::OPNOTSUPP].contains(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

/// The fallback: the target is missing between the two renames.
fn swap_by_renames(tmp: &Path, target: &Path, parent: &Path, name: &str) -> Result<(), OutError> {
    let old = parent.join(temporary(name, OLD));
    std::fs::rename(target, &old).map_err(io_at(target))?;
    if let Err(e) = std::fs::rename(tmp, target) {
        // Put the previous output back.
        let _ = std::fs::rename(&old, target);
        return Err(OutError::Io(target.to_path_buf(), e));
    }
    // Deleted under the `-new-` name (free again), so that an `-old-` folder
    // is only ever a whole previous output.
    std::fs::rename(&old, tmp).map_err(io_at(&old))?;
    std::fs::remove_dir_all(tmp).map_err(io_at(tmp))
}

/// Relative paths of the files under `root`, with `/` separators, hidden
/// ones (the marker) included.
fn walk(root: &Path) -> Result<Vec<String>, OutError> {
    let found = load::walk(root, |_| true, |_| true, usize::MAX).map_err(|e| OutError::Io(e.path, e.error))?;
    Ok(found.into_iter().map(|(rel, _)| rel).collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::write::testing::names;

    fn scratch(tag: &str) -> PathBuf {
        crate::write::testing::scratch(&format!("outdir-{tag}"))
    }

    fn files(pairs: &[(&str, &str)]) -> Vec<OutputFile> {
        pairs.iter().map(|(p, c)| OutputFile { path: p.to_string(), contents: c.to_string() }).collect()
    }

    fn tree(dir: &Path) -> BTreeMap<String, String> {
        walk(dir)
            .unwrap()
            .into_iter()
            .map(|rel| (rel.clone(), std::fs::read_to_string(dir.join(rel)).unwrap()))
            .collect()
    }

    const MARKER_TEXT: &str = "Generated by mspc. This folder is replaced on every build.\n";

    #[test]
    fn replacing_an_output_puts_the_new_tree_in_place_and_leaves_nothing_beside_it() {
        let dir = scratch("exchange");
        let out = dir.join("out");
        replace(&out, &files(&[("a/old.tf", "old"), ("b.tf", "old b")]), |_| false).unwrap();
        replace(&out, &files(&[("a/new.tf", "new"), ("b.tf", "new b")]), |_| false).unwrap();
        let want: BTreeMap<String, String> =
            [("a/new.tf", "new"), ("b.tf", "new b"), (MARKER, MARKER_TEXT)].map(|(p, c)| (p.into(), c.into())).into();
        assert_eq!(tree(&out), want);
        assert_eq!(names(&dir), ["out"], "the old tree or a temporary folder was left");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Where the platform has it, the exchange itself (the filesystems tests
    /// run on support it).
    #[test]
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    fn exchange_swaps_two_folders_in_one_step() {
        let dir = scratch("exchange-only");
        write(&dir, "a/x", b"in a").unwrap();
        write(&dir, "b/y", b"in b").unwrap();
        assert!(exchange(&dir.join("a"), &dir.join("b")).unwrap(), "the filesystem refused the exchange");
        assert_eq!(std::fs::read(dir.join("a/y")).unwrap(), b"in b");
        assert_eq!(std::fs::read(dir.join("b/x")).unwrap(), b"in a");
        assert_eq!(names(&dir), ["a", "b"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_fallback_of_two_renames_leaves_the_new_tree_and_nothing_else() {
        let dir = scratch("renames");
        write(&dir, "out/old.tf", b"old").unwrap();
        write(&dir, "tmp/new.tf", b"new").unwrap();
        swap_by_renames(&dir.join("tmp"), &dir.join("out"), &dir, "out").unwrap();
        assert_eq!(walk(&dir.join("out")).unwrap(), ["new.tf"]);
        assert_eq!(names(&dir), ["out"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn temporaries_left_by_killed_builds_are_removed_and_nothing_else() {
        let dir = scratch("stale");
        let out = dir.join("out");
        replace(&out, &files(&[("a.tf", "old")]), |_| false).unwrap();
        // A half-written new tree, an old tree half deleted, a stray file.
        write(&dir, ".out.mspc-new-123/a/partial.tf", b"").unwrap();
        write(&dir, ".out.mspc-old-4567/a.tf", b"").unwrap();
        write(&dir, ".out.mspc-new-99", b"").unwrap();
        // Not ours to remove: another target's, or not a pid.
        for other in [".other.mspc-new-1/x", ".out.mspc-new-1.x/x", ".out.mspc-new-/x", ".out.mspc-tmp-1/x", "out2/x"] {
            write(&dir, other, b"").unwrap();
        }
        replace(&out, &files(&[("a.tf", "new")]), |_| false).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.tf")).unwrap(), "new");
        assert_eq!(
            names(&dir),
            [".other.mspc-new-1", ".out.mspc-new-", ".out.mspc-new-1.x", ".out.mspc-tmp-1", "out", "out2"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_previous_output_left_between_the_two_renames_is_put_back_first() {
        let dir = scratch("recover");
        let out = dir.join("out");
        replace(&out, &files(&[("kept/a.tf", "kept"), ("built/b.tf", "old")]), |_| false).unwrap();
        // Killed between the renames: no target, the whole previous output
        // under the old name, maybe the new tree too.
        std::fs::rename(&out, dir.join(".out.mspc-old-42")).unwrap();
        write(&dir, ".out.mspc-new-42/built/b.tf", b"half").unwrap();
        // A filtered build keeps the files outside it, from the previous output.
        replace(&out, &files(&[("built/b.tf", "new")]), |rel| rel.starts_with("kept/")).unwrap();
        let want: BTreeMap<String, String> = [("built/b.tf", "new"), ("kept/a.tf", "kept"), (MARKER, MARKER_TEXT)]
            .map(|(p, c)| (p.into(), c.into()))
            .into();
        assert_eq!(tree(&out), want);
        assert_eq!(names(&dir), ["out"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_replacements_of_one_output_run_one_after_another() {
        let dir = scratch("concurrent");
        let out = dir.join("out");
        // Only the lock keeps them apart: each would otherwise remove the
        // others' temporary folders as stale.
        std::thread::scope(|s| {
            for t in 0..4 {
                let out = &out;
                s.spawn(move || {
                    for round in 0..5 {
                        let text = format!("{t}-{round}");
                        let set: Vec<(String, String)> =
                            (0..20).map(|i| (format!("d{i}/f.tf"), text.clone())).collect();
                        let set: Vec<(&str, &str)> = set.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
                        replace(out, &files(&set), |_| false).unwrap();
                    }
                });
            }
        });
        let got = tree(&out);
        assert_eq!(got.len(), 21);
        let texts: std::collections::BTreeSet<&String> =
            got.iter().filter(|(p, _)| *p != MARKER).map(|(_, c)| c).collect();
        assert_eq!(texts.len(), 1, "a mixed tree: {texts:?}");
        assert_eq!(names(&dir), ["out"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_folder_without_the_marker_is_refused_and_left_alone() {
        let dir = scratch("not-ours");
        write(&dir, "out/mine.txt", b"mine").unwrap();
        write(&dir, ".out.mspc-new-5/x", b"").unwrap();
        assert!(matches!(replace(&dir.join("out"), &files(&[("a.tf", "")]), |_| false), Err(OutError::NotOurs(_))));
        assert_eq!(walk(&dir.join("out")).unwrap(), ["mine.txt"]);
        assert_eq!(names(&dir), [".out.mspc-new-5", "out"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_as_the_target_is_refused_and_links_in_the_previous_output_are_not_carried() {
        let dir = scratch("links");
        write(&dir, "victim/keep.txt", b"precious").unwrap();
        std::fs::write(dir.join("secret"), "outside").unwrap();
        let out = dir.join("out");
        std::os::unix::fs::symlink(dir.join("victim"), &out).unwrap();
        let got = replace(&out, &files(&[("a.tf", "x")]), |_| false);
        assert!(matches!(got, Err(OutError::NotAFolder(..))), "{got:?}");
        assert_eq!(walk(&dir.join("victim")).unwrap(), ["keep.txt"]);
        assert!(std::fs::symlink_metadata(&out).unwrap().file_type().is_symlink());
        std::fs::remove_file(&out).unwrap();
        // A previous output carrying a link: a filtered build keeps its own
        // files, not what the link names.
        replace(&out, &files(&[("kept/a.tf", "kept")]), |_| false).unwrap();
        std::os::unix::fs::symlink(dir.join("secret"), out.join("kept/leak.tf")).unwrap();
        replace(&out, &files(&[("b.tf", "new")]), |rel| rel.starts_with("kept/")).unwrap();
        assert_eq!(walk(&out).unwrap(), [MARKER, "b.tf", "kept/a.tf"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn walk_lists_hidden_files_and_folders() {
        let dir = std::env::temp_dir().join(format!("mspc-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for rel in [MARKER, "a/b.tf", ".h/.x", "target/t", "node_modules/n"] {
            write(&dir, rel, b"").unwrap();
        }
        let got = walk(&dir).unwrap();
        assert_eq!(got, [".h/.x", MARKER, "a/b.tf", "node_modules/n", "target/t"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
