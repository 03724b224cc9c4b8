//! Writing one file the safe way. Every file mspc writes outside its output
//! folders (`mspc fmt`, `mspc import`, `mspc init`, the lint cache and its
//! key) goes through here.
//!
//! The new bytes go into a temporary file beside the target, created
//! exclusively (`O_EXCL`: it cannot be a link planted in advance, dangling or
//! not) under a random name, then renamed over the target. A rename replaces
//! the name, never writes through it, so a crash or a full disk leaves the old
//! file whole, and a link in the target's place is never followed. A target
//! that is itself a link, or not a regular file, is refused rather than
//! replaced: mspc never swaps a file it did not mean to.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why a file was not written.
#[derive(Debug)]
pub enum WriteError {
    /// The target is a link, a folder or another special file.
    NotAFile {
        path: PathBuf,
        what: &'static str,
    },
    /// Creating the file without replacing one: it exists.
    Exists(PathBuf),
    Io {
        path: PathBuf,
        error: io::Error,
    },
}

impl WriteError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
        move |error| WriteError::Io { path: path.to_path_buf(), error }
    }
}

/// What is at `path`: `Ok(true)` a regular file, `Ok(false)` nothing; a link
/// or anything else is refused.
fn regular_or_missing(path: &Path) -> Result<bool, WriteError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(WriteError::NotAFile { path: path.into(), what: "a symbolic link" }),
        Ok(m) if m.is_dir() => Err(WriteError::NotAFile { path: path.into(), what: "a folder" }),
        Ok(m) if !m.is_file() => Err(WriteError::NotAFile { path: path.into(), what: "not a regular file" }),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(WriteError::Io { path: path.into(), error: e }),
    }
}

/// A complete temporary file beside `path` holding `bytes`, synced to disk
/// when `durable` (sources the user wrote: a crash right after the rename
/// must not leave an empty file in their place).
fn temporary(path: &Path, bytes: &[u8], durable: bool) -> Result<tempfile::NamedTempFile, WriteError> {
    temporary_with(path, bytes, durable, false)
}

/// As [`temporary`]; `private`: readable and writable by the user alone.
fn temporary_with(
    path: &Path,
    bytes: &[u8],
    durable: bool,
    private: bool,
) -> Result<tempfile::NamedTempFile, WriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".mspc-tmp");
    // A new file gets the permissions any new file would (the umask applies);
    // an existing one keeps its own (below).
    // A private one keeps the temporary file's own 0600.
    #[cfg(unix)]
    if !private {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(WriteError::io(path))?;
    tmp.write_all(bytes).map_err(WriteError::io(path))?;
    if durable {
        tmp.as_file().sync_all().map_err(WriteError::io(path))?;
    }
    Ok(tmp)
}

/// Replaces the regular file `path` with `bytes`, or creates it. An existing
/// file keeps its permissions. Synced: for what the user wrote.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    replace_with(path, bytes, true)
}

/// As [`replace`], without syncing: for caches, which a crash may lose.
pub fn replace_cache(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    replace_with(path, bytes, false)
}

fn replace_with(path: &Path, bytes: &[u8], durable: bool) -> Result<(), WriteError> {
    let existed = regular_or_missing(path)?;
    let tmp = temporary(path, bytes, durable)?;
    if existed && let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions()).map_err(WriteError::io(path))?;
    }
    // Between the check and the rename a link may appear in the target's
    // place; the rename replaces that link, and writes through nothing.
    tmp.persist(path).map_err(|e| WriteError::Io { path: path.into(), error: e.error })?;
    Ok(())
}

/// Creates `path` with `bytes`, complete or not at all, and never replacing
/// anything already there (a file, a folder, a link, dangling or not).
pub fn create(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    create_with(path, bytes, false)
}

/// As [`create`], readable and writable by the user alone (a key).
pub fn create_private(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    create_with(path, bytes, true)
}

fn create_with(path: &Path, bytes: &[u8], private: bool) -> Result<(), WriteError> {
    if regular_or_missing(path)? {
        return Err(WriteError::Exists(path.into()));
    }
    let tmp = temporary_with(path, bytes, true, private)?;
    tmp.persist_noclobber(path).map_err(|e| match e.error.kind() {
        io::ErrorKind::AlreadyExists => WriteError::Exists(path.into()),
        _ => WriteError::Io { path: path.into(), error: e.error },
    })?;
    Ok(())
}

/// Creates the folder `rel` (with `/` separators) under `root` and every
/// folder between, refusing to go through a link that leads out of `root`
/// (a checkout can carry `services -> /elsewhere`). Returns the folder's real
/// path, inside the root's.
pub fn create_dir_inside(root: &Path, rel: &str) -> Result<PathBuf, WriteError> {
    let real_root = std::fs::canonicalize(root).map_err(WriteError::io(root))?;
    let mut dir = real_root.clone();
    for part in rel.split('/').filter(|p| !p.is_empty() && *p != ".") {
        let next = dir.join(part);
        match std::fs::create_dir(&next) {
            Ok(()) => dir = next,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let real = std::fs::canonicalize(&next).map_err(WriteError::io(&next))?;
                if !real.starts_with(&real_root) {
                    return Err(WriteError::NotAFile { path: next, what: "a link out of the workspace" });
                }
                if !real.is_dir() {
                    return Err(WriteError::NotAFile { path: next, what: "not a folder" });
                }
                dir = real;
            }
            Err(e) => return Err(WriteError::Io { path: next, error: e }),
        }
    }
    Ok(dir)
}

/// Folders for the unit tests of the modules that write.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::{Path, PathBuf};

    /// A fresh folder for one test (`tag` unique among the tests).
    pub fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mspc-unit-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The names in `dir`, sorted.
    pub fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{names, scratch};
    use super::*;

    #[test]
    fn replace_writes_new_and_existing_files_and_leaves_no_temporary_file() {
        let dir = scratch("write-replace");
        let path = dir.join("a.msp");
        replace(&path, b"first\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\n");
        replace(&path, b"second\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second\n");
        assert_eq!(names(&dir), ["a.msp"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
            replace(&path, b"third\n").unwrap();
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
            // A new file is not left at the temporary file's 0600.
            replace(&dir.join("b.msp"), b"").unwrap();
            let mode = std::fs::metadata(dir.join("b.msp")).unwrap().permissions().mode() & 0o777;
            assert_ne!(mode & 0o044, 0, "{mode:o}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_the_targets_place_is_refused_and_its_target_untouched() {
        let dir = scratch("write-link");
        let victim = dir.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("a.msp")).unwrap();
        std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("b.msp")).unwrap();
        assert!(matches!(replace(&dir.join("a.msp"), b"x"), Err(WriteError::NotAFile { .. })));
        assert!(matches!(replace(&dir.join("b.msp"), b"x"), Err(WriteError::NotAFile { .. })));
        assert!(matches!(create(&dir.join("b.msp"), b"x"), Err(WriteError::NotAFile { .. })));
        assert!(matches!(create(&victim, b"x"), Err(WriteError::Exists(_))));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!dir.join("nowhere").exists());
        assert_eq!(names(&dir), ["a.msp", "b.msp", "victim"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn create_dir_inside_refuses_a_link_out_of_the_root_and_follows_one_inside() {
        let dir = scratch("write-dirs");
        let root = dir.join("ws");
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::os::unix::fs::symlink(dir.join("outside"), root.join("services")).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("inner")).unwrap();
        assert!(matches!(create_dir_inside(&root, "services/x"), Err(WriteError::NotAFile { .. })));
        assert!(names(&dir.join("outside")).is_empty());
        let made = create_dir_inside(&root, "inner/x/y").unwrap();
        assert_eq!(made, std::fs::canonicalize(root.join("real/x/y")).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
