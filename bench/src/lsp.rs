//! The language-server benchmark: a generated workspace, `mspc lsp` as a
//! child process, and a minimal LSP client speaking JSON-RPC over its
//! stdin/stdout.
//!
//! What is timed is the server: a clock starts just before a message is
//! written to the server's stdin and stops when the reader thread has read
//! the whole answer from its stdout (before parsing it). Requests go one at a
//! time and nothing sleeps; server→client requests (`client/registerCapability`,
//! …) are answered with a null result by the reader thread itself.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::stats::{Summary, ms, round3};
use crate::workload::Workload;
use crate::{machine, run};

pub struct Options {
    pub services: usize,
    pub seed: u64,
    pub iterations: usize,
    /// The `mspc` binary to run as `<mspc> lsp`.
    pub mspc: PathBuf,
    /// Keep the generated workspace instead of deleting it.
    pub keep: bool,
}

/// How long the first diagnostics may take (loading and checking everything).
pub(crate) const LOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// How long one edit, completion or hover may take before the run fails.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Report {
    pub services: usize,
    pub seed: u64,
    pub files: usize,
    pub bytes: usize,
    pub focus: String,
    pub iterations: usize,
    pub server: String,
    /// The binary run as `<mspc> lsp`.
    pub binary: String,
    pub machine: String,
    pub cpus: usize,
    /// `initialize` sent → its response.
    pub initialize: Duration,
    /// `initialize` sent → the first diagnostics of the opened file.
    pub load: Duration,
    pub edits: Summary,
    /// How many of the edits introduced an error (and were checked to report one).
    pub error_edits: usize,
    pub completion: Summary,
    pub completion_items: usize,
    pub hover: Summary,
    /// `VmHWM` and `VmRSS` of the server at the end, in KiB (Linux only).
    pub peak_rss_kib: Option<u64>,
    pub rss_kib: Option<u64>,
    pub server_requests: usize,
}

impl Report {
    pub fn table(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "mspc lsp benchmark: {} services (seed {}), {} files, {} KiB; opened {}\n",
            self.services,
            self.seed,
            self.files,
            self.bytes.div_ceil(1024),
            self.focus
        ));
        s.push_str(&format!(
            "server: {} ({}); machine: {} ({} CPUs)\n\n",
            self.server, self.binary, self.machine, self.cpus
        ));
        s.push_str(&format!("{:<34} {:>5} {:>10} {:>10} {:>10}\n", "", "n", "p50 ms", "p95 ms", "max ms"));
        let one =
            |name: &str, d: Duration| format!("{name:<34} {:>5} {:>10.1} {:>10.1} {:>10.1}\n", 1, ms(d), ms(d), ms(d));
        let row = |name: &str, x: &Summary| {
            format!("{name:<34} {:>5} {:>10.2} {:>10.2} {:>10.2}\n", x.n, x.p50_ms, x.p95_ms, x.max_ms)
        };
        s.push_str(&one("initialize (request → response)", self.initialize));
        s.push_str(&one("initial load (initialize → diags)", self.load));
        s.push_str(&row("edit → diagnostics", &self.edits));
        s.push_str(&row(&format!("completion ({} items)", self.completion_items), &self.completion));
        s.push_str(&row("hover", &self.hover));
        let mib = |k: Option<u64>| k.map_or_else(|| "n/a".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
        s.push_str(&format!(
            "\nserver memory: peak {} (VmHWM), {} at the end (VmRSS)\n",
            mib(self.peak_rss_kib),
            mib(self.rss_kib)
        ));
        s.push_str(&format!(
            "{} of the {} edits introduced an error; every diagnostics push matched its text\n",
            self.error_edits, self.edits.n
        ));
        s
    }

    pub fn to_json(&self) -> Value {
        json!({
            "services": self.services,
            "seed": self.seed,
            "files": self.files,
            "bytes": self.bytes,
            "focus": self.focus,
            "iterations": self.iterations,
            "server": self.server,
            "binary": self.binary,
            "machine": self.machine,
            "cpus": self.cpus,
            "initialize_ms": round3(ms(self.initialize)),
            "load_ms": round3(ms(self.load)),
            "edit_to_diagnostics_ms": self.edits.to_json(),
            "error_edits": self.error_edits,
            "completion_ms": self.completion.to_json(),
            "completion_items": self.completion_items,
            "hover_ms": self.hover.to_json(),
            "peak_rss_kib": self.peak_rss_kib,
            "rss_kib": self.rss_kib,
            "server_requests_answered": self.server_requests,
        })
    }
}

/// Generates the workspace into a fresh temporary folder and runs the benchmark.
pub fn run(opts: &Options) -> Result<Report, String> {
    if !opts.mspc.is_file() {
        return Err(format!(
            "no mspc binary at {} (build it with `cargo build --release --bin mspc`, or pass --mspc PATH)",
            opts.mspc.display()
        ));
    }
    run::in_generated_workspace(opts.services, opts.seed, "lsp", opts.keep, |work, root| measure(opts, work, root))
}

/// A message from the server, stamped when its last byte was read.
pub(crate) struct Incoming {
    pub(crate) at: Instant,
    pub(crate) msg: Value,
}

/// The server's stdin, shared by the main thread (requests) and the reader
/// thread (answers to the server's requests).
type Writer = Arc<Mutex<Box<dyn Write + Send>>>;

pub(crate) struct Server {
    pub(crate) child: Child,
    writer: Writer,
    rx: Receiver<Incoming>,
    next_id: i64,
    stderr: Arc<Mutex<VecDeque<String>>>,
    answered: Arc<AtomicUsize>,
}

fn write_message(w: &mut impl Write, msg: &Value) -> std::io::Result<()> {
    let body = serde_json::to_vec(msg)?;
    let mut buf = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    buf.extend_from_slice(&body);
    w.write_all(&buf)?;
    w.flush()
}

/// Reads framed messages until the server closes its stdout.
fn read_loop(out: impl Read, writer: Writer, tx: Sender<Incoming>, answered: Arc<AtomicUsize>) {
    let mut r = BufReader::new(out);
    loop {
        let mut len = None;
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.trim().eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse::<usize>().ok();
            }
        }
        let Some(len) = len else { return };
        let mut body = vec![0; len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        let at = Instant::now();
        let Ok(msg) = serde_json::from_slice::<Value>(&body) else { continue };
        if msg.get("method").is_some() && msg.get("id").is_some() {
            let reply = json!({ "jsonrpc": "2.0", "id": msg["id"], "result": null });
            let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
            let _ = write_message(&mut *w, &reply);
            answered.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if tx.send(Incoming { at, msg }).is_err() {
            return;
        }
    }
}

impl Server {
    pub(crate) fn spawn(mspc: &Path, cwd: &Path) -> Result<Server, String> {
        let mut child = Command::new(mspc)
            .arg("lsp")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{} lsp`: {e}", mspc.display()))?;
        let stdin: Box<dyn Write + Send> = Box::new(child.stdin.take().expect("piped"));
        let writer = Arc::new(Mutex::new(stdin));
        let (tx, rx) = channel();
        let answered = Arc::new(AtomicUsize::new(0));
        let out = child.stdout.take().expect("piped");
        let (w, a) = (writer.clone(), answered.clone());
        std::thread::spawn(move || read_loop(out, w, tx, a));
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let err = child.stderr.take().expect("piped");
        let tail = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                if t.len() == 40 {
                    t.pop_front();
                }
                t.push_back(line);
            }
        });
        Ok(Server { child, writer, rx, next_id: 0, stderr, answered })
    }

    /// Writes a message; returns the instant just before the write.
    fn send(&self, msg: &Value) -> Result<Instant, String> {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let at = Instant::now();
        write_message(&mut *w, msg).map_err(|e| format!("writing to the server: {e}{}", self.tail()))?;
        Ok(at)
    }

    pub(crate) fn notify(&self, method: &str, params: Value) -> Result<Instant, String> {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
    }

    /// Sends a request and waits for its response: the result and the latency.
    pub(crate) fn request(
        &mut self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<(Value, Duration), String> {
        self.next_id += 1;
        let id = self.next_id;
        let sent = self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))?;
        let got = self.wait(sent + timeout, method, |m| m.get("method").is_none() && m["id"] == json!(id))?;
        if let Some(err) = got.msg.get("error") {
            return Err(format!("`{method}` failed: {err}"));
        }
        Ok((got.msg.get("result").cloned().unwrap_or(Value::Null), got.at - sent))
    }

    /// The first message matching `pred`; others are dropped.
    fn wait(&self, deadline: Instant, what: &str, pred: impl Fn(&Value) -> bool) -> Result<Incoming, String> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(m) if pred(&m.msg) => return Ok(m),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => return Err(format!("timed out waiting for {what}{}", self.tail())),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("the server exited while waiting for {what}{}", self.tail()));
                }
            }
        }
    }

    /// The `publishDiagnostics` of `path` at `version`.
    pub(crate) fn diagnostics(&self, path: &Path, version: i64, timeout: Duration) -> Result<Incoming, String> {
        let what = format!("the diagnostics of version {version}");
        self.wait(Instant::now() + timeout, &what, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["version"] == json!(version)
                && m["params"]["uri"].as_str().and_then(uri_path).as_deref() == Some(path)
        })
    }

    fn tail(&self) -> String {
        let t = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        if t.is_empty() {
            String::new()
        } else {
            format!("\nserver stderr (last lines):\n{}", t.iter().cloned().collect::<Vec<_>>().join("\n"))
        }
    }

    /// Asks the server to shut down and exit; kills it if it does not.
    pub(crate) fn stop(mut self) {
        let _ = self.request("shutdown", Value::Null, Duration::from_secs(10));
        let _ = self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn encode_path(path: &Path) -> String {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// The path of a `file://` URI, percent-decoded.
fn uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// One open document as the client sees it.
pub(crate) struct Doc {
    pub(crate) path: PathBuf,
    pub(crate) uri: String,
    pub(crate) text: String,
    pub(crate) version: i64,
}

impl Doc {
    pub(crate) fn open(server: &Server, root: &Path, rel: &str, text: &str) -> Result<Doc, String> {
        let path = root.join(rel);
        let uri = encode_path(&path);
        let doc = json!({ "uri": uri, "languageId": "msp", "version": 1, "text": text });
        server.notify("textDocument/didOpen", json!({ "textDocument": doc }))?;
        Ok(Doc { path, uri, text: text.to_string(), version: 1 })
    }

    /// Replaces `from..to` with `new` and waits for the diagnostics of the
    /// new version: errors exactly when `error` says. The time from sending
    /// the change to its diagnostics.
    pub(crate) fn edit(
        &mut self,
        server: &Server,
        from: usize,
        to: usize,
        new: &str,
        error: bool,
    ) -> Result<Duration, String> {
        let range = json!({ "start": position(&self.text, from), "end": position(&self.text, to) });
        self.text.replace_range(from..to, new);
        self.version += 1;
        let params = json!({
            "textDocument": { "uri": self.uri, "version": self.version },
            "contentChanges": [{ "range": range, "text": new }],
        });
        let sent = server.notify("textDocument/didChange", params)?;
        let got = server.diagnostics(&self.path, self.version, STEP_TIMEOUT)?;
        let (errors, total) = counts(&got.msg);
        if error != (errors > 0) || (!error && total != 0) {
            return Err(format!(
                "edit {} of {}: expected {}, got {}",
                self.version,
                self.path.display(),
                if error { "an error" } else { "no diagnostics" },
                got.msg["params"]["diagnostics"]
            ));
        }
        Ok(got.at - sent)
    }
}

/// An LSP position (UTF-16 columns) of a byte offset.
pub(crate) fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

/// Where the benchmark edits, completes and hovers in the focus file.
pub(crate) struct Marks {
    /// The digit of `max = 5` in the `prod` environment.
    pub(crate) max_digit: usize,
    /// The start of the `category` key in `prod`: a key position.
    pub(crate) key: usize,
    /// Inside the `project_id` key of `prod`.
    pub(crate) hover: usize,
}

pub(crate) fn marks(text: &str) -> Result<Marks, String> {
    let prod = text.find("environment prod {").ok_or("the focus file has no `environment prod`")?;
    let end = prod + text[prod..].find("\n  }\n").ok_or("the `prod` environment is not closed")?;
    let find = |needle: &str| -> Result<usize, String> {
        text[prod..end]
            .find(needle)
            .map(|i| prod + i)
            .ok_or(format!("no `{needle}` in the focus file's `prod` environment"))
    };
    Ok(Marks {
        max_digit: find("max = 5")? + "max = ".len(),
        key: find("\n    category")? + "\n    ".len(),
        hover: find("project_id")? + 3,
    })
}

/// Errors (severity 1, or no severity) in a diagnostics push, and the total.
pub(crate) fn counts(push: &Value) -> (usize, usize) {
    let list = push["params"]["diagnostics"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let errors = list.iter().filter(|d| d.get("severity").is_none_or(|s| s == 1)).count();
    (errors, list.len())
}

fn summary(samples: &[Duration], what: &str) -> Result<Summary, String> {
    Summary::of(samples).ok_or(format!("no {what} samples (use --iterations 1 or more)"))
}

fn measure(opts: &Options, work: &Workload, root: &Path) -> Result<Report, String> {
    let text = &work.files[&work.focus];
    let m = marks(text)?;
    let mut server = Server::spawn(&opts.mspc, root)?;
    let result = session(opts, &mut server, root, &work.focus, text, &m);
    let mem = if result.is_ok() { memory(server.child.id()) } else { (None, None) };
    let answered = server.answered.load(Ordering::Relaxed);
    server.stop();
    let s = result?;
    Ok(Report {
        services: work.services,
        seed: work.seed,
        files: work.files.len(),
        bytes: work.bytes(),
        focus: work.focus.clone(),
        iterations: opts.iterations,
        server: s.server,
        binary: opts.mspc.display().to_string(),
        machine: machine::cpu_model(),
        cpus: machine::cores(),
        initialize: s.initialize,
        load: s.load,
        edits: s.edits,
        error_edits: s.error_edits,
        completion: s.completion,
        completion_items: s.completion_items,
        hover: s.hover,
        peak_rss_kib: mem.0,
        rss_kib: mem.1,
        server_requests: answered,
    })
}

struct Session {
    server: String,
    initialize: Duration,
    load: Duration,
    edits: Summary,
    error_edits: usize,
    completion: Summary,
    completion_items: usize,
    hover: Summary,
}

/// `initialize` (as VS Code would, with the workspace as its one folder) and
/// `initialized`: the server's name and the time to the response.
pub(crate) fn initialize(server: &mut Server, root: &Path) -> Result<(String, Duration), String> {
    let root_uri = encode_path(root);
    let name = root.file_name().map_or_else(|| "workspace".into(), |n| n.to_string_lossy().into_owned());
    let capabilities = json!({
        "general": { "positionEncodings": ["utf-16"] },
        "workspace": {
            "workspaceFolders": true,
            "didChangeWatchedFiles": { "dynamicRegistration": true },
        },
        "textDocument": {
            "synchronization": { "didSave": true, "dynamicRegistration": false },
            "publishDiagnostics": { "versionSupport": true, "relatedInformation": true },
            "completion": { "completionItem": { "snippetSupport": true } },
            "hover": { "contentFormat": ["markdown", "plaintext"] },
        },
    });
    let params = json!({
        "processId": std::process::id(),
        "clientInfo": { "name": "mspc-bench" },
        "rootUri": root_uri,
        "workspaceFolders": [{ "uri": root_uri, "name": name }],
        "capabilities": capabilities,
        "initializationOptions": { "diagnosticsDelay": 0 },
    });
    let (init, initialize) = server.request("initialize", params, LOAD_TIMEOUT)?;
    let info = &init["serverInfo"];
    let server_name = match (info["name"].as_str(), info["version"].as_str()) {
        (Some(n), Some(v)) => format!("{n} {v}"),
        (Some(n), None) => n.to_string(),
        _ => "unknown".into(),
    };
    server.notify("initialized", json!({}))?;
    Ok((server_name, initialize))
}

fn session(
    opts: &Options,
    server: &mut Server,
    root: &Path,
    focus: &str,
    text: &str,
    m: &Marks,
) -> Result<Session, String> {
    let start = Instant::now();
    let (server_name, initialize) = initialize(server, root)?;
    let mut doc = Doc::open(server, root, focus, text)?;
    let first = server.diagnostics(&doc.path, 1, LOAD_TIMEOUT)?;
    let load = first.at - start;
    if counts(&first.msg).1 != 0 {
        return Err(format!("the generated workspace is not clean in the server: {}", first.msg["params"]));
    }

    // Edits: flip `max` between 5 and 6; every 10th edit sets it to 0 (an
    // error, below its range), and the next one fixes it.
    let mut digit = '5';
    let mut edits = Vec::with_capacity(opts.iterations);
    let mut error_edits = 0;
    let mut buf = [0; 4];
    for i in 1..=opts.iterations {
        let new = if i % 10 == 0 {
            '0'
        } else if digit == '5' {
            '6'
        } else {
            '5'
        };
        edits.push(doc.edit(server, m.max_digit, m.max_digit + 1, new.encode_utf8(&mut buf), new == '0')?);
        error_edits += usize::from(new == '0');
        digit = new;
    }
    if digit == '0' {
        // Leave a clean document for completion and hover (not timed).
        doc.edit(server, m.max_digit, m.max_digit + 1, "5", false)?;
    }
    let (uri, text) = (&doc.uri, &doc.text);

    // Completion at a key position in `prod`, and hover on a key.
    let tdoc = json!({ "uri": uri });
    let mut completion = Vec::with_capacity(opts.iterations);
    let mut completion_items = 0;
    for _ in 0..opts.iterations {
        let params =
            json!({ "textDocument": tdoc, "position": position(text, m.key), "context": { "triggerKind": 1 } });
        let (res, took) = server.request("textDocument/completion", params, STEP_TIMEOUT)?;
        let items = res.as_array().or_else(|| res["items"].as_array()).map_or(0, Vec::len);
        if items == 0 {
            return Err(format!("completion at {} returned no items: {res}", position(text, m.key)));
        }
        completion_items = items;
        completion.push(took);
    }
    let mut hover = Vec::with_capacity(opts.iterations);
    for _ in 0..opts.iterations {
        let params = json!({ "textDocument": tdoc, "position": position(text, m.hover) });
        let (res, took) = server.request("textDocument/hover", params, STEP_TIMEOUT)?;
        if res.get("contents").is_none() {
            return Err(format!("hover at {} returned nothing: {res}", position(text, m.hover)));
        }
        hover.push(took);
    }
    Ok(Session {
        server: server_name,
        initialize,
        load,
        edits: summary(&edits, "edit")?,
        error_edits,
        completion: summary(&completion, "completion")?,
        completion_items,
        hover: summary(&hover, "hover")?,
    })
}

/// `VmHWM` and `VmRSS` of a process, in KiB (Linux only).
pub(crate) fn memory(pid: u32) -> (Option<u64>, Option<u64>) {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { return (None, None) };
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
    };
    (field("VmHWM:"), field("VmRSS:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload;

    #[test]
    fn positions_are_utf16() {
        let text = "a\né😀x\n";
        assert_eq!(position(text, 0), json!({ "line": 0, "character": 0 }));
        let x = text.find('x').unwrap();
        assert_eq!(position(text, x), json!({ "line": 1, "character": 3 }));
    }

    /// A `Write` whose bytes the test can read afterwards.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn framing_forwards_messages_and_answers_server_requests() {
        let frame = |v: Value| {
            let mut b = Vec::new();
            write_message(&mut b, &v).unwrap();
            b
        };
        let mut input =
            frame(json!({ "jsonrpc": "2.0", "id": "r1", "method": "client/registerCapability", "params": {} }));
        // Header names are case-insensitive, and other headers are allowed.
        let body = br#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"file:///a%20b.msp","version":3,"diagnostics":[]}}"#;
        input.extend(
            format!("content-length: {}\r\nContent-Type: application/vscode-jsonrpc\r\n\r\n", body.len()).bytes(),
        );
        input.extend_from_slice(body);
        input.extend(frame(json!({ "jsonrpc": "2.0", "id": 1, "result": null })));
        let sink = Sink::default();
        let writer: Writer = Arc::new(Mutex::new(Box::new(sink.clone())));
        let (tx, rx) = channel();
        let answered = Arc::new(AtomicUsize::new(0));
        read_loop(&input[..], writer, tx, answered.clone());
        let got: Vec<Value> = rx.try_iter().map(|m| m.msg).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0]["params"]["version"], 3);
        assert_eq!(uri_path(got[0]["params"]["uri"].as_str().unwrap()), Some(PathBuf::from("/a b.msp")));
        assert_eq!(got[1]["id"], 1);
        assert_eq!(answered.load(Ordering::Relaxed), 1);
        let reply = frame(json!({ "jsonrpc": "2.0", "id": "r1", "result": null }));
        assert_eq!(*sink.0.lock().unwrap(), reply);
    }

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/tmp/a b/ü.msp");
        let uri = encode_path(p);
        assert_eq!(uri, "file:///tmp/a%20b/%C3%BC.msp");
        assert_eq!(uri_path(&uri).as_deref(), Some(p));
    }

    #[test]
    fn the_focus_file_has_the_marks() {
        for seed in [1, 2, 3] {
            let w = workload::generate(5, seed);
            let text = &w.files[&w.focus];
            let m = marks(text).unwrap();
            assert_eq!(&text[m.max_digit..m.max_digit + 1], "5");
            assert!(text[m.key..].starts_with("category"));
            assert!(text[m.hover - 3..].starts_with("project_id"));
        }
    }
}
