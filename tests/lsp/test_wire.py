"""Malformed messages on the wire: each gets its JSON-RPC error and the server
goes on serving (lsp/src/wire.rs). pygls' client cannot send a broken body,
so these tests speak the protocol themselves, byte by byte, to `mspc lsp`
started as an editor starts it. The same raw client also checks the one
diagnostic a file outside any workspace gets."""

import asyncio
import json
import subprocess

import pytest

from conftest import MSPC, TIMEOUT, copy_examples

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Wire:
    """`mspc lsp` with raw framed messages in and out."""

    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.messages: list[dict] = []
        self.reader = asyncio.create_task(self._read())
        self.next_id = 100

    @classmethod
    async def start(cls, cwd) -> "Wire":
        proc = await asyncio.create_subprocess_exec(
            MSPC, "lsp", cwd=cwd,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = await out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await out.readexactly(length)
            msg = json.loads(body)
            if "method" in msg and "id" in msg:  # a request of the server's: accepted
                await self.send_json({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            self.messages.append(msg)

    async def send(self, raw: bytes):
        self.proc.stdin.write(raw)
        await self.proc.stdin.drain()

    async def send_json(self, msg: dict):
        await self.send(frame(json.dumps(msg).encode()))

    async def answer(self, pred, what: str, after: int = 0) -> dict:
        """The first response from message `after` on satisfying `pred`."""
        deadline = asyncio.get_running_loop().time() + TIMEOUT
        while asyncio.get_running_loop().time() < deadline:
            for m in self.messages[after:]:
                if "method" not in m and pred(m):
                    return m
            if self.proc.returncode is not None or self.reader.done():
                break
            await asyncio.sleep(0.02)
        raise AssertionError(f"no answer: {what}; server exit {self.proc.returncode}; got {self.messages}")

    async def request(self, method: str, params) -> dict:
        self.next_id += 1
        rid = self.next_id
        await self.send_json({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return await self.answer(lambda m: m.get("id") == rid, f"{method} #{rid}")

    async def error_for(self, raw: bytes, id=None) -> dict:
        """Sends `raw` and waits for the error response carrying `id`."""
        seen = len(self.messages)
        await self.send(raw)
        got = await self.answer(lambda m: "error" in m and m.get("id") == id, f"an error for {raw[:60]!r}", seen)
        return got["error"]

    async def stop(self) -> bytes:
        try:
            await self.request("shutdown", None)
            await self.send_json({"jsonrpc": "2.0", "method": "exit"})
            await asyncio.wait_for(self.proc.wait(), TIMEOUT)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
        self.reader.cancel()
        return await self.proc.stderr.read()


@pytest.fixture
async def wire(tmp_path):
    root = copy_examples(tmp_path / "ws")
    w = await Wire.start(root)
    w.root = root
    init = await w.request(
        "initialize",
        {"processId": None, "rootUri": root.as_uri(), "capabilities": {},
         "workspaceFolders": [{"uri": root.as_uri(), "name": "ws"}]},
    )
    assert "capabilities" in init["result"]
    await w.send_json({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    w.doc = (root / "services" / "sams" / "sams.msp")
    await w.send_json({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": w.doc.as_uri(), "languageId": "msp", "version": 1, "text": w.doc.read_text()}}})
    yield w
    if w.proc.returncode is None:
        await w.stop()


async def still_serving(w: Wire):
    """The open document is still known: its symbols come back."""
    got = await w.request("textDocument/documentSymbol", {"textDocument": {"uri": w.doc.as_uri()}})
    assert "error" not in got, got
    assert any(sym["name"] == "sams" for sym in got["result"]), got


@pytest.mark.parametrize(
    "body, code",
    [
        (b"this is not JSON", PARSE_ERROR),
        (b"[1, 2, 3]", INVALID_REQUEST),
        (b'[{"jsonrpc": "2.0", "id": 9, "method": "shutdown"}]', INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "id": 7, "method": "textDocument/hov', PARSE_ERROR),
        (b"", PARSE_ERROR),
        (b"\xff\xfe not UTF-8", PARSE_ERROR),
        (b"42", INVALID_REQUEST),
    ],
    ids=["not-json", "array", "batch", "truncated", "empty", "not-utf8", "number"],
)
async def test_a_malformed_body_gets_its_error_and_the_next_request_is_answered(wire, body, code):
    error = await wire.error_for(frame(body))
    assert error["code"] == code, error
    await still_serving(wire)
    # And again: one bad message does not spoil the next.
    assert (await wire.error_for(frame(body)))["code"] == code
    await still_serving(wire)


async def test_an_invalid_request_with_an_id_is_answered_with_that_id(wire):
    body = json.dumps({"jsonrpc": "1.0", "id": 31, "method": "textDocument/hover"}).encode()
    error = await wire.error_for(frame(body), id=31)
    assert error["code"] == INVALID_REQUEST
    await still_serving(wire)


async def test_an_unknown_method_gets_method_not_found(wire):
    body = json.dumps({"jsonrpc": "2.0", "id": 41, "method": "mspc/noSuchMethod", "params": {}}).encode()
    assert (await wire.error_for(frame(body), id=41))["code"] == METHOD_NOT_FOUND
    await still_serving(wire)


async def test_wrong_parameter_types_get_invalid_params(wire):
    params = {"textDocument": 3, "position": "here"}
    body = json.dumps({"jsonrpc": "2.0", "id": 51, "method": "textDocument/hover", "params": params}).encode()
    assert (await wire.error_for(frame(body), id=51))["code"] == INVALID_PARAMS
    await still_serving(wire)


@pytest.mark.parametrize(
    "raw",
    [
        b"Content-Length: twelve\r\n\r\n{}",
        b"Content-Type: application/vscode-jsonrpc\r\n\r\n{}",
        b"no header at all\r\n\r\n",
        b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    ],
    ids=["length-not-a-number", "no-length", "garbage", "two-lengths"],
)
async def test_a_broken_frame_is_logged_and_the_server_resynchronises(wire, raw):
    await wire.send(raw)
    await still_serving(wire)
    stderr = await wire.stop()
    assert wire.proc.returncode == 0
    assert b"broken frame" in stderr, stderr


async def test_a_malformed_message_before_initialize_is_answered_too(tmp_path):
    w = await Wire.start(tmp_path)
    try:
        assert (await w.error_for(frame(b"{oops")))["code"] == PARSE_ERROR
        init = await w.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        assert "capabilities" in init["result"], init
    finally:
        await w.stop()


async def published(w: Wire, uri: str, where) -> list:
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        for m in w.messages:
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                if where(m["params"]["diagnostics"]):
                    return m["params"]["diagnostics"]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no matching diagnostics for {uri}: {w.messages}")


async def test_a_file_without_a_workspace_says_so_and_forgets_it_when_closed(tmp_path):
    """`mspc check` exits 2 without a `platform.msp` above the file; the
    editor says so too, on the file, instead of showing nothing."""
    folder = tmp_path / "plain"
    (folder / "services").mkdir(parents=True)
    path = folder / "services" / "x.msp"
    text = 'service x {\n  owners = ["core-services"]\n}\n'
    path.write_text(text)
    w = await Wire.start(folder)
    try:
        await w.request("initialize", {"processId": None, "rootUri": folder.as_uri(), "capabilities": {},
                                       "workspaceFolders": [{"uri": folder.as_uri(), "name": "plain"}]})
        await w.send_json({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        await w.send_json({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": path.as_uri(), "languageId": "msp", "version": 1, "text": text}}})
        diags = await published(w, path.as_uri(), lambda d: any(x.get("code") == "mspc::no_workspace" for x in d))
        warning = next(x for x in diags if x.get("code") == "mspc::no_workspace")
        assert warning["severity"] == 2, warning
        assert "platform.msp" in warning["message"] and "mspc check" in warning["message"], warning
        assert warning["range"]["start"] == {"line": 0, "character": 0}
        # Closed, the file is forgotten: its diagnostics are cleared.
        await w.send_json({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {
            "textDocument": {"uri": path.as_uri()}}})
        await published(w, path.as_uri(), lambda d: d == [])
        # The CLI agrees that this is no workspace.
        run = subprocess.run([MSPC, "check", str(path)], capture_output=True, text=True, cwd=folder)
        assert run.returncode == 2 and "platform.msp" in run.stderr, run
    finally:
        await w.stop()
