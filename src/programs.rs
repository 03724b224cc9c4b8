//! The only place mspc starts other programs, for the operations commands
//! an operator runs by name (`logs --open`, `pg connect`, …): finding them
//! on `PATH`, opening a link in the browser, reading a command's output and
//! handing the process over to one. Checking, building and the language
//! server never start a program (`tests/hostile.rs` holds every other source
//! file to that). Arguments are always separate arguments, never a shell's.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output, Stdio};
use std::time::{Duration, Instant};

/// The first executable file named `name` in `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file() || p.with_extension("exe").is_file()
}

/// How a link was (not) opened.
pub enum Opened {
    With(String),
    NoBrowser,
    Failed(String),
}

/// Opens `url` with `$BROWSER` (its first entry that is on `PATH`, as
/// `sensible-browser` reads it) or the desktop's opener. A browser that is
/// still running after a moment is left to run; one that exits at once with
/// an error is reported.
pub fn open_url(url: &str) -> Opened {
    let from_env = std::env::var("BROWSER")
        .ok()
        .into_iter()
        .flat_map(|v| v.split(':').filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_string()).collect::<Vec<_>>());
    let desktop: &[&str] = if cfg!(target_os = "macos") { &["open"] } else { &["xdg-open", "gio"] };
    let candidates = from_env.chain(desktop.iter().map(|s| s.to_string()));
    for name in candidates {
        let Some(program) = (if name.contains('/') { Some(PathBuf::from(&name)) } else { which(&name) }) else {
            continue;
        };
        let mut cmd = Command::new(&program);
        if program.file_name().is_some_and(|n| n == "gio") {
            cmd.arg("open");
        }
        let child = cmd.arg(url).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => return Opened::Failed(format!("cannot run `{name}`: {e}")),
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2) {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Opened::With(name),
                Ok(Some(status)) => return Opened::Failed(format!("`{name}` failed ({status})")),
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Opened::Failed(format!("`{name}`: {e}")),
            }
        }
        return Opened::With(name);
    }
    Opened::NoBrowser
}

/// Runs `program` with `args` and no input, and returns what it printed.
pub fn output<S: AsRef<OsStr>>(program: &Path, args: impl IntoIterator<Item = S>) -> std::io::Result<Output> {
    Command::new(program).args(args).stdin(Stdio::null()).output()
}

/// Runs `program` in this process's place (Unix), so Ctrl-C and the exit
/// code are its own; elsewhere, runs it and returns its exit code. Returns
/// only on failure to start it there.
#[cfg(unix)]
pub fn exec<S: AsRef<OsStr>>(program: &Path, args: impl IntoIterator<Item = S>) -> std::io::Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    Err(Command::new(program).args(args).exec())
}

#[cfg(not(unix))]
pub fn exec<S: AsRef<OsStr>>(program: &Path, args: impl IntoIterator<Item = S>) -> std::io::Result<ExitCode> {
    let status = Command::new(program).args(args).status()?;
    Ok(ExitCode::from(status.code().map_or(1, |c| c.clamp(0, 255) as u8)))
}
