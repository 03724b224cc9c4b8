//! The wire between the client and tower-lsp-server: every frame the client
//! sends is read and checked here first.
//!
//! tower-lsp-server's reader (tokio-util's `FramedRead`) ends the stream at the
//! first message it cannot decode: one body that is not JSON, a JSON array or a
//! truncated object, and the server exited (status 0, nothing on stderr),
//! losing every open document. Here, a body that is not a JSON-RPC message is
//! answered as JSON-RPC says (-32700 parse error, -32600 invalid request, with
//! the request's id when it has one) and never reaches the server; a frame
//! whose header cannot be read (no `Content-Length`, a length that is not a
//! number, a header past `MAX_HEADER`) is logged to stderr and skipped up to
//! the next `Content-Length` header, where reading resynchronises. The
//! server then sees only well-formed messages, re-framed, and its answers and
//! these errors are written out whole, one frame at a time.

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tower_lsp_server::jsonrpc::{Request, Response};

/// The longest header block read while looking for its end.
pub const MAX_HEADER: usize = 8 << 10;
/// The largest body accepted: a workspace file is at most 4 MiB, which JSON
/// escaping can make six times larger. A larger one is skipped, unread.
pub const MAX_BODY: usize = 64 << 20;

const LENGTH: &[u8] = b"content-length:";

/// What the framer found in the stream.
#[derive(Debug, PartialEq)]
pub enum Event {
    /// A whole body.
    Body(Vec<u8>),
    /// Bytes that are not a frame, dropped; why.
    Broken(String),
}

/// Splits a byte stream into `Content-Length` frames, resynchronising after
/// broken ones.
#[derive(Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// Where the unread bytes start in `buf` (compacted now and then).
    at: usize,
    /// The body length of the frame being read, once its header is.
    body: Option<usize>,
    /// Bytes still to skip of a body over `MAX_BODY`.
    skip: usize,
}

impl Framer {
    pub fn push(&mut self, bytes: &[u8]) {
        if self.at > 0 && self.at >= self.buf.len() / 2 {
            self.buf.drain(..self.at);
            self.at = 0;
        }
        let skipped = self.skip.min(bytes.len());
        self.skip -= skipped;
        self.buf.extend_from_slice(&bytes[skipped..]);
    }

    /// Bytes received but not yet part of a whole frame.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.at
    }

    pub fn next(&mut self) -> Option<Event> {
        loop {
            let rest = &self.buf[self.at..];
            if let Some(len) = self.body {
                if rest.len() < len {
                    return None;
                }
                let body = rest[..len].to_vec();
                self.at += len;
                self.body = None;
                return Some(Event::Body(body));
            }
            let end = match find(rest, b"\r\n\r\n") {
                Some(end) => end,
                None if rest.len() > MAX_HEADER => {
                    return Some(self.resync(format!("no end of header in {MAX_HEADER} bytes"), 1));
                }
                None => return None,
            };
            match content_length(&rest[..end]) {
                Ok(len) if len > MAX_BODY => {
                    self.at += end + 4;
                    let here = (self.buf.len() - self.at).min(len);
                    self.at += here;
                    self.skip = len - here;
                    return Some(Event::Broken(format!(
                        "a message of {len} bytes, over the {} MiB limit, was skipped",
                        MAX_BODY >> 20
                    )));
                }
                Ok(len) => {
                    self.at += end + 4;
                    self.body = Some(len);
                }
                Err(Bad::Frame(why)) => return Some(self.resync(why, 1)),
                Err(Bad::Length(why)) => {
                    // A frame whose only fault is its length: its header is
                    // dropped whole, and its body is garbage to skip.
                    self.at += end + 4;
                    return Some(self.resync(why, 0));
                }
            }
        }
    }

    /// Drops bytes up to the next `Content-Length` header at `from` or
    /// after, keeping only a possible start of one at the end.
    fn resync(&mut self, why: String, from: usize) -> Event {
        let rest = &self.buf[self.at..];
        let lower: Vec<u8> = rest.iter().map(u8::to_ascii_lowercase).collect();
        let from = from.min(lower.len());
        let dropped = match find(&lower[from..], LENGTH) {
            Some(i) => from + i,
            None => {
                let partial = (1..LENGTH.len()).rev().find(|&n| lower.ends_with(&LENGTH[..n])).unwrap_or(0);
                (lower.len() - partial).max(from)
            }
        };
        self.at += dropped;
        Event::Broken(format!("{why}; skipped {dropped} bytes to the next `Content-Length` header"))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What is wrong with a header block.
enum Bad {
    /// It is no header: what follows may be the next frame's.
    Frame(String),
    /// A header, but its length cannot be trusted.
    Length(String),
}

/// The body length a header block declares.
fn content_length(header: &[u8]) -> Result<usize, Bad> {
    let text = std::str::from_utf8(header).map_err(|_| Bad::Frame("a header that is not text".into()))?;
    let mut length = None;
    for line in text.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Bad::Frame(format!("a header line without `:` ({})", shorten(line))));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            if length.is_some() {
                return Err(Bad::Length("two `Content-Length` headers".into()));
            }
            let value = value.trim();
            let parsed = value.parse::<usize>();
            length = Some(parsed.map_err(|_| Bad::Length(format!("a `Content-Length` of `{}`", shorten(value))))?);
        }
    }
    length.ok_or_else(|| Bad::Frame("a header without `Content-Length`".into()))
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).flat_map(char::escape_default).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// `Err`: the error response to send instead of passing the body on.
pub fn check(body: &[u8]) -> Result<(), Value> {
    let error = |code: i64, message: String, id: Value| json!({ "jsonrpc": "2.0", "error": { "code": code, "message": message }, "id": id });
    // Straight into the message types, as the server will read it: every
    // message takes this path, and a large `didOpen` should not be copied
    // into a `Value` first. Only a body that fails is looked at as JSON.
    let request = match serde_json::from_slice::<Request>(body) {
        Ok(_) => return Ok(()),
        Err(e) if !e.is_data() => return Err(error(-32700, format!("Parse error: {e}"), Value::Null)),
        Err(e) => e,
    };
    if serde_json::from_slice::<Response>(body).is_ok() {
        return Ok(());
    }
    let value: Value = serde_json::from_slice(body).unwrap_or_default();
    let Some(object) = value.as_object() else {
        let what = if value.is_array() { "an array (batches are not part of LSP)" } else { "not an object" };
        return Err(error(-32600, format!("Invalid request: the message is {what}"), Value::Null));
    };
    let id = object.get("id").filter(|id| id.is_number() || id.is_string()).cloned().unwrap_or(Value::Null);
    Err(error(-32600, format!("Invalid request: not a JSON-RPC 2.0 request, notification or response ({request})"), id))
}

/// A body with its header.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn log(what: &str) {
    eprintln!("mspc lsp: {what}");
}

/// Serves the protocol on `input`/`output` until the client exits or closes
/// `input`.
pub async fn serve<I, O>(mut input: I, mut output: O)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let (service, socket) = crate::service();
    let (mut to_server, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, mut from_server) = tokio::io::duplex(1 << 16);
    let (errors_tx, mut errors_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();

    let server = tower_lsp_server::Server::new(server_in, server_out, socket).serve(service);
    let reader = async move {
        let mut framer = Framer::default();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match input.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    log(&format!("cannot read the client's messages: {e}"));
                    break;
                }
            };
            framer.push(&buf[..n]);
            while let Some(event) = framer.next() {
                match event {
                    Event::Body(body) => match check(&body) {
                        Ok(()) => {
                            if to_server.write_all(&frame(&body)).await.is_err() {
                                return;
                            }
                        }
                        Err(response) => {
                            log(&format!("answered a malformed message: {}", response["error"]["message"]));
                            let _ = errors_tx.send(frame(response.to_string().as_bytes()));
                        }
                    },
                    Event::Broken(why) => log(&format!("a broken frame: {why}")),
                }
            }
        }
        if framer.pending() > 0 {
            log(&format!("the input ended inside a message ({} bytes unread)", framer.pending()));
        }
        // Dropping `to_server` ends the server's input: it stops.
    };
    let writer = async move {
        let mut framer = Framer::default();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let bytes = tokio::select! {
                read = from_server.read(&mut buf) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        framer.push(&buf[..n]);
                        let mut whole = Vec::new();
                        while let Some(event) = framer.next() {
                            match event {
                                Event::Body(body) => whole.extend(frame(&body)),
                                Event::Broken(why) => log(&format!("the server wrote a broken frame: {why}")),
                            }
                        }
                        whole
                    }
                },
                Some(error) = errors_rx.recv() => error,
            };
            if bytes.is_empty() {
                continue;
            }
            if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    };
    let work = async { tokio::join!(server, writer) };
    tokio::pin!(work);
    tokio::select! {
        _ = &mut work => {}
        // The input ended: the server sees the end of its own and finishes.
        () = reader => {
            work.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(chunks: &[&[u8]]) -> Vec<Event> {
        let mut f = Framer::default();
        let mut out = Vec::new();
        for c in chunks {
            f.push(c);
            while let Some(e) = f.next() {
                out.push(e);
            }
        }
        out
    }

    fn body(s: &str) -> Event {
        Event::Body(s.as_bytes().to_vec())
    }

    #[test]
    fn frames_split_anywhere_are_reassembled() {
        let stream = b"Content-Length: 2\r\n\r\n{}content-length: 4\r\nContent-Type: x\r\n\r\nnull";
        for cut in 0..stream.len() {
            let (a, b) = stream.split_at(cut);
            assert_eq!(events(&[a, b]), [body("{}"), body("null")], "cut at {cut}");
        }
    }

    #[test]
    fn a_broken_header_is_skipped_to_the_next_frame() {
        for bad in [
            &b"Content-Length: abc\r\n\r\n"[..],
            b"Content-Type: x\r\n\r\n",
            b"garbage without a colon\r\n\r\n",
            b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n{}", // ambiguous: both dropped
            b"Content-Length: 1e3\r\n\r\nthe body",
            b"xyz",
        ] {
            let mut stream = bad.to_vec();
            stream.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
            let got = events(&[&stream]);
            assert!(matches!(got[0], Event::Broken(_)), "{bad:?}: {got:?}");
            assert_eq!(got[1..], [body("{}")], "{bad:?}");
        }
    }

    #[test]
    fn a_header_without_end_and_a_body_over_the_limit_are_dropped() {
        let got = events(&[&vec![b'a'; MAX_HEADER + 10]]);
        assert!(matches!(&got[..], [Event::Broken(_)]), "{got:?}");
        let mut f = Framer::default();
        f.push(format!("Content-Length: {}\r\n\r\nabc", MAX_BODY + 5).as_bytes());
        assert!(matches!(f.next(), Some(Event::Broken(_))));
        // The rest of the oversized body is skipped as it arrives.
        f.push(&vec![b'x'; MAX_BODY + 2]);
        f.push(b"Content-Length: 2\r\n\r\n{}");
        assert_eq!(f.next(), Some(body("{}")));
        assert_eq!(f.pending(), 0);
    }

    #[test]
    fn bodies_are_checked_as_json_rpc() {
        let code = |b: &str| check(b.as_bytes()).err().map(|e| (e["error"]["code"].as_i64().unwrap(), e["id"].clone()));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":"x","params":{}}"#), None);
        assert_eq!(code(r#"{"jsonrpc":"2.0","method":"x"}"#), None);
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"result":null}"#), None);
        assert_eq!(code("not json"), Some((-32700, Value::Null)));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"meth"#), Some((-32700, Value::Null)));
        assert_eq!(code(""), Some((-32700, Value::Null)));
        assert_eq!(code("[1, 2]"), Some((-32600, Value::Null)));
        assert_eq!(code("3"), Some((-32600, Value::Null)));
        assert_eq!(code(r#"{"jsonrpc":"1.0","id":7,"method":"x"}"#), Some((-32600, json!(7))));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":"a","method":5}"#), Some((-32600, json!("a"))));
        assert_eq!(check(b"\xff").unwrap_err()["error"]["code"], -32700);
    }
}
