//! The cache of `mspc lint`: every source's facts from a previous run
//! (`db::stored_facts`), so that linting a few files need not check the whole
//! workspace. It lives in `<root>/.mspc-cache/` (`$MSPC_CACHE_DIR` moves it),
//! a folder the loader skips, like every folder whose name starts with a dot.
//!
//! Like ruff's or mypy's, it only saves time: a cache that is missing,
//! corrupt, written by another build of mspc, or that cannot be written, is
//! ignored and never an error.
//!
//! Nor is it trusted: a cache can be committed to a repository, copied from
//! another machine or edited, and facts that still parse would then report
//! errors that do not exist or hide ones that do. So the file carries an
//! HMAC-SHA256 of everything in it, under a key that only this user's mspc
//! knows (`lint-cache.key` in the user's cache folder, drawn from the
//! system's random source, readable by the user alone). A file whose MAC does
//! not verify is ignored like a corrupt one. Without a key (no cache folder,
//! or no random source), nothing is read or written.
//!
//! The file: the header line (format and build), the MAC in hex, the facts
//! as JSON; the MAC covers the header line and the facts.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use mspc_compiler::db::stored_facts::StoredFacts;
use sha2::Sha256;

/// Raised when the stored facts, or the file around them, change shape.
const FORMAT: u32 = 2;
/// The key's file, in `<user cache folder>/mspc/`.
const KEY_FILE: &str = "lint-cache.key";
const KEY_BYTES: usize = 32;
/// The folder, in the workspace root.
const DIR: &str = ".mspc-cache";
/// A cache larger than this is not read (nor a pipe or device in its place).
const MAX_BYTES: u64 = 256 << 20;

#[derive(Clone)]
pub struct LintCache {
    file: Signed,
}

impl LintCache {
    /// The cache of the workspace at `root`; `None` when this build of mspc
    /// cannot tell itself apart from others, or the folder is a link (a
    /// checkout must not make mspc write elsewhere).
    pub fn open(root: &Path) -> Option<LintCache> {
        // One file per workspace, so that `MSPC_CACHE_DIR` can serve several.
        Some(LintCache { file: Signed::open(root, "lint", &format!("lint-{:016x}.json", hash(&root)))? })
    }

    /// The stored facts, or none.
    pub fn read(&self) -> StoredFacts {
        self.file.read().and_then(|body| serde_json::from_slice(&body).ok()).unwrap_or_default()
    }

    /// Stores `facts`, replacing the file in one step (a reader sees the old
    /// file or the new one); on any failure, nothing is stored.
    pub fn write(&self, facts: &StoredFacts) {
        if let Ok(body) = serde_json::to_vec(facts) {
            self.file.write(&body);
        }
    }
}

/// One signed file of the cache folder: what `LintCache` and the build's
/// record (`build_cache.rs`) are stored in.
#[derive(Clone)]
pub struct Signed {
    dir: PathBuf,
    file: PathBuf,
    /// The first line of the file: what it holds, and which build of mspc
    /// wrote it; another build's is not trusted.
    header: String,
    key: [u8; KEY_BYTES],
}

impl Signed {
    /// `name` in the cache folder of the workspace at `root`, holding `what`.
    pub fn open(root: &Path, what: &str, name: &str) -> Option<Signed> {
        let header = format!("mspc {what} cache {FORMAT} {}", build_identity()?);
        let key = user_key()?;
        let dir = match std::env::var_os("MSPC_CACHE_DIR").filter(|d| !d.is_empty()) {
            Some(d) => PathBuf::from(d),
            None => {
                let dir = root.join(DIR);
                if std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
                    return None;
                }
                dir
            }
        };
        Some(Signed { file: dir.join(name), dir, header, key })
    }

    /// `name` in this user's cache folder (`<cache folder>/mspc/<what>/`,
    /// or `$MSPC_CACHE_DIR`), for what belongs to no workspace's folder.
    pub fn in_user_cache(what: &str, name: &str) -> Option<Signed> {
        let header = format!("mspc {what} cache {FORMAT} {}", build_identity()?);
        let key = user_key()?;
        let dir = match std::env::var_os("MSPC_CACHE_DIR").filter(|d| !d.is_empty()) {
            Some(d) => PathBuf::from(d),
            None => dirs::cache_dir()?.join("mspc").join(what),
        };
        if std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
            return None;
        }
        Some(Signed { file: dir.join(name), dir, header, key })
    }

    /// The body, if the file is there, of this build, and its MAC verifies.
    pub fn read(&self) -> Option<Vec<u8>> {
        let meta = std::fs::symlink_metadata(&self.file).ok()?;
        if !meta.is_file() || meta.len() > MAX_BYTES {
            return None;
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::fs::File::open(&self.file).ok()?.take(MAX_BYTES).read_to_end(&mut bytes).ok()?;
        let (header, rest) = split_line(&bytes)?;
        let (mac, body) = split_line(rest)?;
        if header != self.header.as_bytes() {
            return None;
        }
        let mac = from_hex(mac)?;
        self.mac(body).verify_slice(&mac).ok()?;
        Some(body.to_vec())
    }

    /// The MAC of a file with this header and `body`, before finalizing.
    fn mac(&self, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(self.header.as_bytes());
        mac.update(b"\n");
        mac.update(body);
        mac
    }

    /// Stores `body`, replacing the file in one step; best effort.
    pub fn write(&self, body: &[u8]) {
        let _ = self.try_write(body);
    }

    /// Removes the regular files of this folder named `prefix…` (this one
    /// aside) not modified for `age`. Best effort.
    pub fn prune_siblings(&self, prefix: &str, age: std::time::Duration) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        let now = std::time::SystemTime::now();
        for e in entries.flatten() {
            let path = e.path();
            let old = e
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .and_then(|m| m.modified().ok())
                .is_some_and(|t| now.duration_since(t).is_ok_and(|d| d > age));
            if old && path != self.file && e.file_name().to_string_lossy().starts_with(prefix) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }

    /// Removes the file: what it said no longer holds. Best effort.
    pub fn remove(&self) {
        if std::fs::symlink_metadata(&self.file).is_ok_and(|m| m.is_file()) {
            let _ = std::fs::remove_file(&self.file);
        }
    }

    fn try_write(&self, body: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        // As `.ruff_cache` does: git ignores the folder, backup tools skip it.
        create_once(&self.dir.join(".gitignore"), "# Created by mspc.\n*\n");
        create_once(
            &self.dir.join("CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by mspc.\n# For information about cache directory tags see https://bford.info/cachedir/\n",
        );
        let mac = hex(&self.mac(body).finalize().into_bytes());
        let mut bytes = Vec::with_capacity(self.header.len() + mac.len() + body.len() + 2);
        bytes.extend_from_slice(self.header.as_bytes());
        bytes.push(b'\n');
        bytes.extend_from_slice(mac.as_bytes());
        bytes.push(b'\n');
        bytes.extend_from_slice(body);
        // Through a temporary file of a random name, created exclusively, and
        // a rename: a reader sees the old file or the new one, and nothing
        // planted in the folder is written through. Not synced: a cache torn
        // by a crash fails its MAC and is ignored.
        // Best effort: whatever stops it, only time is lost.
        let _ = crate::write::replace_cache(&self.file, &bytes);
        Ok(())
    }
}

/// The line before the first newline, and the rest.
fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let newline = bytes.iter().position(|&b| b == b'\n')?;
    Some((&bytes[..newline], &bytes[newline + 1..]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let text = std::str::from_utf8(text).ok()?;
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

/// This user's key, created on first use: `<cache folder>/mspc/lint-cache.key`.
fn user_key() -> Option<[u8; KEY_BYTES]> {
    let dir = dirs::cache_dir()?.join("mspc");
    let path = dir.join(KEY_FILE);
    if let Some(key) = read_key(&path) {
        return Some(key);
    }
    std::fs::create_dir_all(&dir).ok()?;
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key).ok()?;
    // Two processes may create it at once: the first one's stays, and both
    // use it (the loser reads it back).
    match crate::write::create_private(&path, hex(&key).as_bytes()) {
        Ok(()) => Some(key),
        Err(crate::write::WriteError::Exists(_)) => read_key(&path),
        Err(_) => None,
    }
}

/// A key file: a regular file (not a link) of exactly the key in hex.
fn read_key(path: &Path) -> Option<[u8; KEY_BYTES]> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() != 2 * KEY_BYTES as u64 {
        return None;
    }
    let bytes = from_hex(std::fs::read(path).ok()?.trim_ascii())?;
    bytes.try_into().ok()
}

fn create_once(path: &Path, text: &str) {
    let _ = crate::write::create(path, text.as_bytes());
}

/// The version, and the size and modification time of the running
/// executable: a rebuilt binary (other rules, another stdlib, another std
/// hasher for the keys) never trusts facts written by the one before.
fn build_identity() -> Option<String> {
    let meta = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{} {} {}", env!("CARGO_PKG_VERSION"), meta.len(), mtime.as_nanos()))
}

pub fn hash(value: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_removes_only_old_siblings_of_the_prefix() {
        let dir = std::env::temp_dir().join(format!("mspc-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let signed =
            Signed { dir: dir.clone(), file: dir.join("build-me.json"), header: "h".into(), key: [0; KEY_BYTES] };
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(90 * 24 * 3600);
        for name in ["build-me.json", "build-old.json", "build-new.json", "lint-old.json"] {
            std::fs::write(dir.join(name), "x").unwrap();
            if name != "build-new.json" {
                std::fs::File::options().write(true).open(dir.join(name)).unwrap().set_modified(old).unwrap();
            }
        }
        signed.prune_siblings("build-", std::time::Duration::from_secs(30 * 24 * 3600));
        let mut left: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        left.sort();
        assert_eq!(left, ["build-me.json", "build-new.json", "lint-old.json"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
