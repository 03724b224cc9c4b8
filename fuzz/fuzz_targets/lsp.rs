//! The language server's message handling: a session of didOpen, didChange,
//! didClose, watched-file events, every request the server offers (at
//! positions inside, at the edge of and far outside the documents), cancels,
//! malformed parameters, malformed bodies (not JSON, arrays, truncated
//! objects, other JSON), broken frames (headers without a usable
//! `Content-Length`) and raw bytes on the wire, decoded from the fuzz input
//! and sent over an in-memory pipe to the real server (`mspc_lsp::serve`, as
//! `mspc lsp` runs it). The server must answer or drop every message without
//! panicking, and end at `exit`; unless raw bytes may have swallowed it, the
//! final `shutdown` must be answered: no malformed message stops the session.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The documents a session talks about: one workspace (the documents share
/// the folder of `platform.msp`, which exists on no disk, so nothing is read),
/// a stdlib file and an unsaved buffer.
const DOCS: [&str; 6] = [
    "file:///mspc-fuzz/platform.msp",
    "file:///mspc-fuzz/services/a/a.msp",
    "file:///mspc-fuzz/services/b/b.msp",
    "file:///mspc-fuzz/teams.msp",
    "mspc-stdlib:/service.msp",
    "untitled:Untitled-1",
];

/// Starting texts: the examples, so sessions begin from real services.
const BASES: [&str; 10] = [
    include_str!("../../examples/platform.msp"),
    include_str!("../../examples/teams.msp"),
    include_str!("../../examples/services/sams/sams.msp"),
    include_str!("../../examples/services/gatekeeper/gatekeeper.msp"),
    include_str!("../../examples/services/cody-gateway/cody-gateway.msp"),
    include_str!("../../examples/services/releaseregistry/releaseregistry.msp"),
    include_str!("../../examples/services/enterprise-portal/enterprise-portal.msp"),
    include_str!("../../examples/services/msp-testbed/msp-testbed.msp"),
    include_str!("../../examples/services/pings-aggregator/pings-aggregator.msp"),
    include_str!("../../examples/services/telemetry-gateway/telemetry-gateway.msp"),
];

/// Pieces edits insert: the language's punctuation and keywords, and text
/// that is hard on position arithmetic.
const PIECES: [&str; 24] = [
    "{", "}", "[", "]", "\"", "${", "${service.id}", "\n", " ", "=", ".", "..", ",", "😀", "é", "\r\n",
    "environment dev {\n", "service x {\n", "defaults {\n", "let a = 1\n", "import \"teams.msp\" as t\n",
    "resources {", "= \"", "//",
];

#[derive(Arbitrary, Debug)]
enum Text {
    Base(u8),
    Own(String),
}

impl Text {
    fn get(&self) -> String {
        match self {
            Text::Base(i) => BASES[*i as usize % BASES.len()].to_string(),
            Text::Own(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Piece {
    Known(u8),
    Own(String),
}

impl Piece {
    fn get(&self) -> String {
        match self {
            Piece::Known(i) => PIECES[*i as usize % PIECES.len()].to_string(),
            Piece::Own(s) => s.clone(),
        }
    }
}

/// A position: mostly near the text (small lines and columns), sometimes
/// anywhere a client could send.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct Pos {
    line: u16,
    character: u16,
    wild: bool,
}

impl Pos {
    fn json(self) -> Value {
        if self.wild {
            json!({ "line": u32::from(self.line) << 16, "character": u32::from(self.character) * 65_537 })
        } else {
            json!({ "line": self.line % 160, "character": self.character % 100 })
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Change {
    Range { from: Pos, to: Pos, piece: Piece },
    Full(Text),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Req {
    Completion,
    Hover,
    Definition,
    References,
    PrepareRename,
    Rename,
    DocumentSymbol,
    WorkspaceSymbol,
    Formatting,
    CodeAction,
    CodeLens,
    SemanticTokens,
    InlayHint,
    FoldingRange,
    PreviewTerraform,
    PreviewDocs,
    StdlibFile,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Open { doc: u8, version: i8, text: Text },
    Change { doc: u8, version: i8, changes: Vec<Change> },
    Close { doc: u8 },
    Watched { doc: u8, kind: u8 },
    Request { doc: u8, req: Req, at: Pos, to: Pos, word: String },
    /// Any JSON as a method's parameters.
    Malformed { req: Req, params: String },
    Cancel { id: u8 },
    /// A framed body that is not a JSON-RPC message.
    BadBody(BadBody),
    /// A header that cannot be read, before the next message.
    BadHeader(BadHeader),
    /// Bytes straight onto the wire, framing and all.
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum BadBody {
    /// Any bytes as the body.
    Bytes(Vec<u8>),
    /// A request cut short after this many bytes.
    Truncated { req: Req, at: u16 },
    /// Several requests as a JSON array (a batch).
    Batch(Vec<Req>),
    /// JSON that is not an object, or an object that is not a message.
    Json(String),
}

#[derive(Arbitrary, Debug)]
enum BadHeader {
    /// A `Content-Length` that is not a number.
    Length(String),
    /// Two `Content-Length`s.
    Twice(u8, u8),
    /// No `Content-Length` at all.
    Without(String),
    /// Header lines of any text.
    Lines(Vec<String>),
}

fn uri(doc: u8) -> &'static str {
    DOCS[doc as usize % DOCS.len()]
}

fn method(req: Req) -> &'static str {
    match req {
        Req::Completion => "textDocument/completion",
        Req::Hover => "textDocument/hover",
        Req::Definition => "textDocument/definition",
        Req::References => "textDocument/references",
        Req::PrepareRename => "textDocument/prepareRename",
        Req::Rename => "textDocument/rename",
        Req::DocumentSymbol => "textDocument/documentSymbol",
        Req::WorkspaceSymbol => "workspace/symbol",
        Req::Formatting => "textDocument/formatting",
        Req::CodeAction => "textDocument/codeAction",
        Req::CodeLens => "textDocument/codeLens",
        Req::SemanticTokens => "textDocument/semanticTokens/full",
        Req::InlayHint => "textDocument/inlayHint",
        Req::FoldingRange => "textDocument/foldingRange",
        Req::PreviewTerraform | Req::PreviewDocs => "mspc/preview",
        Req::StdlibFile => "mspc/stdlibFile",
    }
}

fn params(req: Req, uri: &str, at: Pos, to: Pos, word: &str) -> Value {
    let doc = json!({ "uri": uri });
    let range = json!({ "start": at.json(), "end": to.json() });
    match req {
        Req::Completion | Req::Hover | Req::Definition | Req::PrepareRename => {
            json!({ "textDocument": doc, "position": at.json() })
        }
        Req::References => {
            json!({ "textDocument": doc, "position": at.json(), "context": { "includeDeclaration": to.wild } })
        }
        Req::Rename => json!({ "textDocument": doc, "position": at.json(), "newName": word }),
        Req::WorkspaceSymbol => json!({ "query": word }),
        Req::Formatting => json!({ "textDocument": doc, "options": { "tabSize": 2, "insertSpaces": true } }),
        Req::CodeAction => json!({ "textDocument": doc, "range": range, "context": { "diagnostics": [] } }),
        Req::InlayHint => json!({ "textDocument": doc, "range": range }),
        Req::DocumentSymbol | Req::CodeLens | Req::SemanticTokens | Req::FoldingRange => {
            json!({ "textDocument": doc })
        }
        Req::PreviewTerraform | Req::PreviewDocs => json!({
            "uri": uri,
            "environment": if to.wild { Value::Null } else { json!(word) },
            "position": at.json(),
            "kind": if matches!(req, Req::PreviewDocs) { "docs" } else { "terraform" },
        }),
        Req::StdlibFile => json!({ "uri": if at.wild { word.to_string() } else { uri.to_string() } }),
    }
}

fn frame(out: &mut Vec<u8>, body: &Value) {
    frame_bytes(out, body.to_string().as_bytes());
}

fn frame_bytes(out: &mut Vec<u8>, body: &[u8]) {
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
}

/// A header that names no usable length: no line of it may be a
/// `Content-Length` with a number, and it ends the header block.
fn bad_header(out: &mut Vec<u8>, bad: &BadHeader) {
    let clean = |s: &str| s.replace(['\r', '\n'], " ");
    match bad {
        BadHeader::Length(v) => {
            let v = clean(v);
            let v = if v.trim().parse::<usize>().is_ok() { format!("{v}x") } else { v };
            out.extend_from_slice(format!("Content-Length: {v}\r\n\r\n").as_bytes());
        }
        BadHeader::Twice(a, b) => {
            out.extend_from_slice(format!("Content-Length: {a}\r\nContent-Length: {b}\r\n\r\n").as_bytes());
        }
        BadHeader::Without(v) => {
            out.extend_from_slice(format!("Content-Type: {}\r\n\r\n", clean(v)).as_bytes());
        }
        BadHeader::Lines(lines) => {
            for l in lines {
                let l = clean(l);
                if !l.to_ascii_lowercase().contains("content-length") {
                    out.extend_from_slice(l.as_bytes());
                    out.extend_from_slice(b"\r\n");
                }
            }
            out.extend_from_slice(b"X-Broken: yes\r\n\r\n");
        }
    }
}

/// The id of the session's last request, `shutdown`.
const FINAL: &str = "final-shutdown";

/// The session's bytes, from `initialize` to `exit`, and whether the
/// session may legitimately end before its final `shutdown`.
fn session(ops: &[Op]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut id = 0u32;
    let mut request = |out: &mut Vec<u8>, method: &str, params: Value| {
        id += 1;
        frame(out, &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
    };
    let notify = |out: &mut Vec<u8>, method: &str, params: Value| {
        frame(out, &json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    };
    request(
        &mut out,
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {}, "initializationOptions": { "diagnosticsDelay": 0 } }),
    );
    notify(&mut out, "initialized", json!({}));
    for op in ops {
        match op {
            Op::Open { doc, version, text } => notify(
                &mut out,
                "textDocument/didOpen",
                json!({ "textDocument": { "uri": uri(*doc), "languageId": "msp", "version": version, "text": text.get() } }),
            ),
            Op::Change { doc, version, changes } => {
                let changes: Vec<Value> = changes
                    .iter()
                    .map(|c| match c {
                        Change::Range { from, to, piece } => {
                            json!({ "range": { "start": from.json(), "end": to.json() }, "text": piece.get() })
                        }
                        Change::Full(text) => json!({ "text": text.get() }),
                    })
                    .collect();
                notify(
                    &mut out,
                    "textDocument/didChange",
                    json!({ "textDocument": { "uri": uri(*doc), "version": version }, "contentChanges": changes }),
                );
            }
            Op::Close { doc } => notify(&mut out, "textDocument/didClose", json!({ "textDocument": { "uri": uri(*doc) } })),
            Op::Watched { doc, kind } => notify(
                &mut out,
                "workspace/didChangeWatchedFiles",
                json!({ "changes": [{ "uri": uri(*doc), "type": 1 + kind % 3 }] }),
            ),
            Op::Request { doc, req, at, to, word } => request(&mut out, method(*req), params(*req, uri(*doc), *at, *to, word)),
            Op::Malformed { req, params } => {
                let params = serde_json::from_str::<Value>(params).unwrap_or_else(|_| json!(params));
                request(&mut out, method(*req), params);
            }
            Op::Cancel { id } => notify(&mut out, "$/cancelRequest", json!({ "id": id })),
            Op::BadBody(bad) => match bad {
                BadBody::Bytes(bytes) => frame_bytes(&mut out, bytes),
                BadBody::Truncated { req, at } => {
                    let whole = json!({ "jsonrpc": "2.0", "id": 1, "method": method(*req), "params": {} }).to_string();
                    let cut = (*at as usize) % whole.len();
                    frame_bytes(&mut out, &whole.as_bytes()[..cut]);
                }
                BadBody::Batch(reqs) => {
                    let batch: Vec<Value> = reqs
                        .iter()
                        .map(|r| json!({ "jsonrpc": "2.0", "id": 1, "method": method(*r), "params": {} }))
                        .collect();
                    frame(&mut out, &Value::Array(batch));
                }
                BadBody::Json(text) => match serde_json::from_str::<Value>(text) {
                    Ok(v) => frame(&mut out, &v),
                    Err(_) => frame(&mut out, &json!(text)),
                },
            },
            Op::BadHeader(bad) => bad_header(&mut out, bad),
            Op::Raw(bytes) => out.extend_from_slice(bytes),
        }
    }
    frame(&mut out, &json!({ "jsonrpc": "2.0", "id": FINAL, "method": "shutdown", "params": null }));
    notify(&mut out, "exit", Value::Null);
    // Raw bytes may swallow what follows them (a Content-Length larger than
    // the rest), and a body of any bytes may be a valid `exit`.
    let may_end = ops.iter().any(|op| match op {
        Op::Raw(_) => true,
        Op::BadBody(BadBody::Bytes(b)) => b.windows(4).any(|w| w == b"exit"),
        Op::BadBody(BadBody::Json(t)) => t.contains("exit"),
        _ => false,
    });
    (out, may_end)
}

/// Whether the server's output holds the answer to the final `shutdown`.
fn answered_shutdown(output: &[u8]) -> bool {
    let needle = format!("\"id\":\"{FINAL}\"");
    output.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fuzz_target!(|ops: Vec<Op>| {
    let (bytes, may_end) = session(&ops);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a runtime");
    let output = runtime.block_on(async move {
        let (mut client_out, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, mut client_in) = tokio::io::duplex(1 << 16);
        let server = tokio::spawn(mspc_lsp::serve(server_in, server_out));
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            let mut buf = vec![0u8; 1 << 14];
            while let Ok(n) = client_in.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                all.extend_from_slice(&buf[..n]);
            }
            all
        });
        let _ = client_out.write_all(&bytes).await;
        drop(client_out);
        server.await.expect("the server ends without panicking");
        let output = reader.await.expect("the reader ends");
        // Let the debounced diagnostics runs finish: they check and publish.
        for _ in 0..200 {
            if tokio::runtime::Handle::current().metrics().num_alive_tasks() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        output
    });
    // Malformed bodies and broken headers are answered or skipped; the
    // session goes on to its end.
    if !may_end {
        assert!(answered_shutdown(&output), "the final shutdown was not answered");
    }
});
