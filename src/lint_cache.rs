//! The cache of `mspc lint`: every source's facts from a previous run
//! (`db::stored_facts`), so that linting a few files need not check the whole
//! workspace. It lives in `<root>/.mspc-cache/` (`$MSPC_CACHE_DIR` moves it),
//! a folder the loader skips, like every folder whose name starts with a dot.
//!
//! Like ruff's or mypy's, it only saves time: a cache that is missing,
//! corrupt, written by another build of mspc, or that cannot be written, is
//! ignored and never an error.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use mspc_compiler::db::stored_facts::StoredFacts;

/// Raised when the stored facts change shape.
const FORMAT: u32 = 1;
/// The folder, in the workspace root.
const DIR: &str = ".mspc-cache";
/// A cache larger than this is not read (nor a pipe or device in its place).
const MAX_BYTES: u64 = 256 << 20;

#[derive(Clone)]
pub struct LintCache {
    dir: PathBuf,
    file: PathBuf,
    /// The first line of the file: facts of another build are not trusted.
    header: String,
}

impl LintCache {
    /// The cache of the workspace at `root`; `None` when this build of mspc
    /// cannot tell itself apart from others, or the folder is a link (a
    /// checkout must not make mspc write elsewhere).
    pub fn open(root: &Path) -> Option<LintCache> {
        let header = format!("mspc lint cache {FORMAT} {}", build_identity()?);
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
        // One file per workspace, so that `MSPC_CACHE_DIR` can serve several.
        let file = dir.join(format!("lint-{:016x}.json", hash(&root)));
        Some(LintCache { dir, file, header })
    }

    /// The stored facts, or none.
    pub fn read(&self) -> StoredFacts {
        self.try_read().unwrap_or_default()
    }

    fn try_read(&self) -> Option<StoredFacts> {
        let meta = std::fs::symlink_metadata(&self.file).ok()?;
        if !meta.is_file() || meta.len() > MAX_BYTES {
            return None;
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::fs::File::open(&self.file).ok()?.take(MAX_BYTES).read_to_end(&mut bytes).ok()?;
        let newline = bytes.iter().position(|&b| b == b'\n')?;
        if bytes[..newline] != *self.header.as_bytes() {
            return None;
        }
        serde_json::from_slice(&bytes[newline + 1..]).ok()
    }

    /// Stores `facts`, replacing the file in one step (a reader sees the old
    /// file or the new one); on any failure, nothing is stored.
    pub fn write(&self, facts: &StoredFacts) {
        let _ = self.try_write(facts);
    }

    fn try_write(&self, facts: &StoredFacts) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        // As `.ruff_cache` does: git ignores the folder, backup tools skip it.
        create_once(&self.dir.join(".gitignore"), "# Created by mspc.\n*\n");
        create_once(
            &self.dir.join("CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by mspc.\n# For information about cache directory tags see https://bford.info/cachedir/\n",
        );
        let tmp = self.file.with_extension(format!("{}.tmp", std::process::id()));
        let written = (|| {
            // `create_new`: never write through a link left in its place.
            let f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            let mut w = std::io::BufWriter::new(f);
            writeln!(w, "{}", self.header)?;
            serde_json::to_writer(&mut w, facts)?;
            // Not synced: a cache torn by a crash fails to parse and is ignored.
            w.flush()?;
            std::fs::rename(&tmp, &self.file)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }
}

fn create_once(path: &Path, text: &str) {
    if let Ok(mut f) = std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        let _ = f.write_all(text.as_bytes());
    }
}

/// The version, and the size and modification time of the running
/// executable: a rebuilt binary (other rules, another stdlib, another std
/// hasher for the keys) never trusts facts written by the one before.
fn build_identity() -> Option<String> {
    let meta = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{} {} {}", env!("CARGO_PKG_VERSION"), meta.len(), mtime.as_nanos()))
}

fn hash(value: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}
