//! Running a command as a cold process and measuring it: wall time from
//! spawn to exit, and the child's own CPU time and peak memory from the
//! kernel's accounting (`wait4`'s `rusage`), which `std::process` does not
//! expose. Also the scratch folders and output walks the build and lint
//! benchmarks share.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One finished process.
#[derive(Clone, Debug)]
pub struct Measured {
    /// From just before spawning to the return of `wait4`.
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    /// `ru_maxrss`: the child's peak resident set, in KiB.
    pub peak_rss_kib: u64,
    /// The exit code, or `None` if a signal ended it.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Measured {
    pub fn cpu(&self) -> Duration {
        self.user + self.sys
    }

    /// An error naming `what` unless the process exited 0.
    pub fn check(&self, what: &str) -> Result<(), String> {
        if self.code == Some(0) {
            return Ok(());
        }
        let how = match (self.code, self.signal) {
            (Some(c), _) => format!("exited with status {c}"),
            (None, Some(s)) => format!("was killed by signal {s}"),
            (None, None) => "ended abnormally".to_string(),
        };
        let out =
            [self.stdout.trim(), self.stderr.trim()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>();
        let tail: String = out.join("\n").lines().take(20).collect::<Vec<_>>().join("\n");
        Err(format!("{what} {how}{}", if tail.is_empty() { String::new() } else { format!(":\n{tail}") }))
    }

    pub fn to_json(&self) -> Value {
        json!({
            "wall_ns": self.wall.as_nanos() as u64,
            "user_ns": self.user.as_nanos() as u64,
            "sys_ns": self.sys.as_nanos() as u64,
            "peak_rss_kib": self.peak_rss_kib,
            "exit_code": self.code,
        })
    }
}

/// Runs `cmd` to its end with stdout and stderr captured (read by threads, so
/// a chatty child never blocks on a full pipe) and measures it.
pub fn timed(cmd: &mut Command) -> Result<Measured, String> {
    if !cfg!(target_os = "linux") {
        // Before spawning: a child we cannot measure should not run at all.
        return Err(UNSUPPORTED.to_string());
    }
    let name = format!("{cmd:?}");
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {name}: {e}"))?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let waited = wait(child.id());
    let wall = start.elapsed();
    let (status, user, sys, peak_rss_kib) = waited.map_err(|e| format!("waiting for {name}: {e}"))?;
    // The child is reaped: dropping its handle neither waits nor kills.
    drop(child);
    Ok(Measured {
        wall,
        user,
        sys,
        peak_rss_kib,
        code: status.0,
        signal: status.1,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// (exit code, signal), user and system CPU time, peak RSS in KiB.
type Waited = ((Option<i32>, Option<i32>), Duration, Duration, u64);

#[cfg(target_os = "linux")]
fn wait(pid: u32) -> Result<Waited, String> {
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `ru` are valid for writes; `pid` is our own
        // child, spawned above and not yet waited for.
        let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut ru) };
        if r != -1 {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e.to_string());
        }
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let signal = libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status));
    // On Linux `ru_maxrss` is in KiB.
    Ok(((code, signal), tv(ru.ru_utime), tv(ru.ru_stime), ru.ru_maxrss.max(0) as u64))
}

const UNSUPPORTED: &str = "the build and lint benchmarks read a child's CPU time and peak memory with wait4, \
                           which mspc-bench implements only on Linux";

#[cfg(not(target_os = "linux"))]
fn wait(_pid: u32) -> Result<Waited, String> {
    Err(UNSUPPORTED.to_string())
}

/// A new, empty folder `<parent>/mspc-bench-<what>-<pid>-<nanos>` (in the
/// system's temporary folder without a parent).
pub fn fresh_dir(parent: Option<&Path>, what: &str) -> Result<PathBuf, String> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let parent = parent.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let dir = parent.join(format!("mspc-bench-{what}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Generates the workspace of `services` (and `seed`) into a fresh temporary
/// folder, runs `f` on it with the folder's real path, and deletes the folder
/// unless `keep`.
pub fn in_generated_workspace<T>(
    services: usize,
    seed: u64,
    what: &str,
    keep: bool,
    f: impl FnOnce(&crate::workload::Workload, &Path) -> Result<T, String>,
) -> Result<T, String> {
    let work = crate::workload::generate(services, seed);
    let dir = fresh_dir(None, what)?;
    work.write(&dir)?;
    let result =
        std::fs::canonicalize(&dir).map_err(|e| format!("{}: {e}", dir.display())).and_then(|root| f(&work, &root));
    if keep {
        eprintln!("workspace kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Regular files below `dir` and their total size in bytes (content, not
/// blocks on disk). Symbolic links are not followed.
pub fn tree_size(dir: &Path) -> Result<(usize, u64), String> {
    let (mut files, mut bytes) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", d.display()))?;
            let meta = entry.metadata().map_err(|e| format!("{}: {e}", entry.path().display()))?;
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() {
                files += 1;
                bytes += meta.len();
            }
        }
    }
    Ok((files, bytes))
}

/// A private copy of the `mspc` binary in a scratch folder, removed on drop.
///
/// Other builds may replace `target/release/mspc` while a benchmark runs;
/// the copy keeps every run of one benchmark on the same compiler.
pub struct Binary {
    /// The binary the user named.
    pub original: PathBuf,
    /// The copy that is run.
    pub path: PathBuf,
    dir: PathBuf,
}

impl Binary {
    pub fn snapshot(original: &Path) -> Result<Binary, String> {
        if !original.is_file() {
            return Err(format!(
                "no mspc binary at {} (build it with `cargo build --release --bin mspc`, or pass --mspc PATH)",
                original.display()
            ));
        }
        let dir = fresh_dir(None, "bin")?;
        let path = dir.join(original.file_name().unwrap_or("mspc".as_ref()));
        // `fs::copy` keeps the permission bits, so the copy is executable.
        if let Err(e) = std::fs::copy(original, &path) {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!("copying {} to {}: {e}", original.display(), path.display()));
        }
        Ok(Binary { original: original.to_path_buf(), path, dir })
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Deletes `dir` and everything in it, if it exists.
pub fn remove(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("deleting {}: {e}", dir.display())),
        _ => Ok(()),
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn measures_a_child_and_its_exit() {
        let ok = timed(Command::new("sh").args(["-c", "echo out; echo err >&2"])).unwrap();
        assert_eq!((ok.code, ok.signal, ok.stdout.as_str(), ok.stderr.as_str()), (Some(0), None, "out\n", "err\n"));
        assert!(ok.peak_rss_kib > 0 && ok.wall > Duration::ZERO);
        assert!(ok.check("sh").is_ok());
        let bad = timed(Command::new("sh").args(["-c", "echo broken >&2; exit 3"])).unwrap();
        let e = bad.check("the thing").unwrap_err();
        assert!(e.starts_with("the thing exited with status 3") && e.contains("broken"), "{e}");
        let killed = timed(Command::new("sh").args(["-c", "kill -9 $$"])).unwrap();
        assert_eq!((killed.code, killed.signal), (None, Some(9)));
    }

    #[test]
    fn cpu_time_is_the_childs() {
        // A busy loop of about 0.2 s shows up as the child's CPU time.
        let m = timed(Command::new("sh").args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])).unwrap();
        assert!(m.cpu() > Duration::from_millis(20), "{m:?}");
        assert!(m.cpu() <= m.wall + Duration::from_millis(20), "{m:?}");
    }

    #[test]
    fn tree_size_counts_files_and_content_bytes() {
        let dir = fresh_dir(None, "tree-test").unwrap();
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::write(dir.join("x"), "12345").unwrap();
        std::fs::write(dir.join("a/b/y"), "").unwrap();
        std::fs::write(dir.join("a/z"), vec![0u8; 5000]).unwrap();
        assert_eq!(tree_size(&dir).unwrap(), (3, 5005));
        remove(&dir).unwrap();
        assert!(!dir.exists());
        remove(&dir).unwrap();
    }
}
