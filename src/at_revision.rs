//! The workspace as it was at a git revision, read from the repository's
//! objects with gix (no git binary, no checkout): what `mspc diff` compares
//! the workspace with. The same files a workspace on disk is made of
//! (`load::collect`'s rules), only regular files (a link in the tree is not
//! followed), within the same bounds.

use std::path::Path;

use mspc_compiler::db::{LoadProblem, load};
use mspc_compiler::limits::{MAX_FILE_BYTES, MAX_FILES, MAX_WORKSPACE_BYTES};

/// The workspace's files at a revision.
pub struct AtRevision {
    /// The commit the revision names, abbreviated.
    pub commit: String,
    /// Workspace-relative path, text, and what was wrong reading it. Empty
    /// when the workspace's folder did not exist at that revision.
    pub files: Vec<(String, String, Option<LoadProblem>)>,
}

/// Reads the workspace rooted at `root` (inside a git repository's work
/// tree) as revision `rev` has it.
pub fn read(root: &Path, rev: &str) -> Result<AtRevision, String> {
    let repo = gix::discover(root).map_err(|e| format!("`{}` is not in a git repository: {e}", root.display()))?;
    let workdir = repo.workdir().ok_or("the repository has no work tree (a bare repository)")?;
    let real = |p: &Path| std::fs::canonicalize(p).map_err(|e| format!("{}: {e}", p.display()));
    let (root_real, workdir_real) = (real(root)?, real(workdir)?);
    let rel = root_real
        .strip_prefix(&workdir_real)
        .map_err(|_| format!("`{}` is outside the repository's work tree", root.display()))?;
    let rel = load::slash_path(rel);
    let id = repo.rev_parse_single(rev).map_err(|e| format!("no revision `{rev}`: {e}"))?;
    let commit =
        id.object().and_then(|o| o.peel_to_commit()).map_err(|e| format!("`{rev}` does not name a commit: {e}"))?;
    let short = commit.id.to_hex_with_len(7).to_string();
    let tree = commit.tree().map_err(|e| format!("reading `{rev}`: {e}"))?;
    let tree = if rel.is_empty() {
        tree
    } else {
        match tree.lookup_entry_by_path(&rel).map_err(|e| format!("reading `{rev}`: {e}"))? {
            Some(entry) if entry.mode().is_tree() => {
                entry.object().and_then(|o| o.peel_to_tree()).map_err(|e| format!("reading `{rev}`: {e}"))?
            }
            // Not there yet: everything is new.
            _ => return Ok(AtRevision { commit: short, files: Vec::new() }),
        }
    };
    let entries = tree.traverse().breadthfirst.files().map_err(|e| format!("reading `{rev}`: {e}"))?;
    let mut files = Vec::new();
    let mut bytes = 0usize;
    for e in entries {
        if !e.mode.is_blob() {
            continue;
        }
        let path = e.filepath.to_string();
        let mut parts: Vec<&str> = path.split('/').collect();
        let Some(name) = parts.pop() else { continue };
        if !load::is_workspace_file(name) || !parts.iter().all(|d| load::is_workspace_dir(d)) {
            continue;
        }
        if files.len() >= MAX_FILES {
            return Err(format!("the workspace at `{rev}` has more than {MAX_FILES} files"));
        }
        let blob = repo.find_blob(e.oid).map_err(|err| format!("reading `{path}` at `{rev}`: {err}"))?;
        bytes += blob.data.len();
        if bytes > MAX_WORKSPACE_BYTES {
            return Err(format!("the workspace at `{rev}` is over {} MiB", MAX_WORKSPACE_BYTES >> 20));
        }
        let (text, problem) = if blob.data.len() > MAX_FILE_BYTES {
            (String::new(), Some(LoadProblem::TooLarge { bytes: blob.data.len() as u64 }))
        } else {
            load::decode(blob.data.clone())
        };
        files.push((path, text, problem));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(AtRevision { commit: short, files })
}
