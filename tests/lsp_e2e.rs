//! The language server end to end: `tests/lsp/` drives the real binary over
//! stdio with pytest-lsp (an independent client announcing VS Code's
//! capabilities). `.ci/run` installs it into `.ci-tools/venv-lsp`.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far above the suite's ~10 s: only a hang reaches it.
const LIMIT: Duration = Duration::from_secs(600);

#[test]
fn pytest_lsp_suite() {
    let Some(pytest) = common::ci_tool("venv-lsp/bin/pytest") else { return };
    let root = common::repo_root();
    let mut child = Command::new(pytest)
        // Each test's name as it runs, and every thread's traceback if one
        // takes over a minute: a hang names where it is.
        .args(["-v", "-p", "no:cacheprovider", "--no-header", "-rfE", "-o", "faulthandler_timeout=60"])
        .arg(root.join("tests/lsp"))
        .current_dir(root.join("tests/lsp"))
        .env("MSPC_BIN", env!("CARGO_BIN_EXE_mspc"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pytest starts");
    // Read both pipes while waiting, so a long report cannot fill them and stall pytest.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let stdout_reader = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr_reader = drain(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("pytest runs") {
            break Some(status);
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let out = std::process::Output {
        status: status.unwrap_or_default(),
        stdout: stdout_reader.join().unwrap_or_default(),
        stderr: stderr_reader.join().unwrap_or_default(),
    };
    assert!(
        status.is_some(),
        "pytest-lsp hung; killed after {LIMIT:?}:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pytest-lsp failed:\n{stdout}\n{stderr}");
    // Every feature's tests ran: none skipped or silently collected away.
    assert!(!stdout.contains("skipped") && !stdout.contains("no tests ran"), "{stdout}");
}
