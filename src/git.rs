//! The commit a workspace is checked out at, read from `.git` directly so
//! that mspc needs no git binary. Only what generated docs cite: a branch
//! ref, a detached HEAD, packed refs, and linked worktrees.

use std::path::{Path, PathBuf};

/// The full sha of `HEAD` of the checkout holding `dir`, if any.
pub fn revision(dir: &Path) -> Option<String> {
    let git = dir.ancestors().map(|d| d.join(".git")).find(|g| g.exists())?;
    let git_dir = if git.is_file() {
        // A linked worktree or submodule: `gitdir: <path>`.
        let text = std::fs::read_to_string(&git).ok()?;
        let target = PathBuf::from(text.strip_prefix("gitdir:")?.trim());
        if target.is_absolute() { target } else { git.parent()?.join(target) }
    } else {
        git
    };
    // Worktrees keep their own HEAD but share refs with the main repository.
    let common = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(rel) => git_dir.join(rel.trim()),
        Err(_) => git_dir.clone(),
    };
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref:").map(str::trim) else {
        return is_sha(head).then(|| head.to_string());
    };
    for base in [&git_dir, &common] {
        if let Ok(sha) = std::fs::read_to_string(base.join(reference)) {
            let sha = sha.trim();
            if is_sha(sha) {
                return Some(sha.to_string());
            }
        }
    }
    let packed = std::fs::read_to_string(common.join("packed-refs")).ok()?;
    packed.lines().find_map(|line| {
        let (sha, name) = line.split_once(' ')?;
        (name.trim() == reference && is_sha(sha)).then(|| sha.to_string())
    })
}

fn is_sha(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mspc-git-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const SHA: &str = "e6c6ad2da61a21e1719b2a38cd5913228ae91df4";

    #[test]
    fn branch_loose_and_packed_detached_and_worktree() {
        let root = temp("repo");
        let git = root.join(".git");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        std::fs::create_dir_all(root.join("services/a")).unwrap();
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        // Packed only.
        std::fs::write(git.join("packed-refs"), format!("# pack-refs with: peeled\n{SHA} refs/heads/main\n")).unwrap();
        assert_eq!(revision(&root.join("services/a")).as_deref(), Some(SHA));
        // A loose ref wins over the packed one.
        let loose = "1111111111111111111111111111111111111111";
        std::fs::write(git.join("refs/heads/main"), format!("{loose}\n")).unwrap();
        assert_eq!(revision(&root).as_deref(), Some(loose));
        // Detached.
        std::fs::write(git.join("HEAD"), format!("{SHA}\n")).unwrap();
        assert_eq!(revision(&root).as_deref(), Some(SHA));
        // A branch with no commit yet.
        std::fs::write(git.join("HEAD"), "ref: refs/heads/empty\n").unwrap();
        assert_eq!(revision(&root), None);

        // A linked worktree: `.git` is a file, refs come from the common dir.
        let wt_git = git.join("worktrees/wt");
        std::fs::create_dir_all(&wt_git).unwrap();
        std::fs::write(wt_git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(wt_git.join("commondir"), "../..\n").unwrap();
        let wt = temp("worktree");
        std::fs::write(wt.join(".git"), format!("gitdir: {}\n", wt_git.display())).unwrap();
        assert_eq!(revision(&wt).as_deref(), Some(loose));

        assert_eq!(revision(&temp("none")), None);
        for d in [root, wt] {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}
