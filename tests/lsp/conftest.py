"""End-to-end tests of `mspc lsp`: the real binary over stdio, driven by an
independent client (pytest-lsp) that announces VS Code's capabilities.

Run through `cargo test --test lsp_e2e`, which builds the binary and passes
it in MSPC_BIN; or directly: `MSPC_BIN=target/debug/mspc pytest tests/lsp`.
"""

import asyncio
import json
import os
import pathlib
import shutil
import subprocess

import pytest
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pygls.lsp.client import LanguageClient as _Base  # noqa: F401  (pins the pygls API we rely on)

REPO = pathlib.Path(__file__).resolve().parents[2]
MSPC = os.environ.get("MSPC_BIN") or str(REPO / "target" / "debug" / "mspc")
EXAMPLES = REPO / "examples"
TIMEOUT = 20.0


def make_client() -> LanguageClient:
    """pytest-lsp's client, also keeping every publishDiagnostics with its
    version, so a test can wait for the diagnostics of one exact edit."""
    from pytest_lsp.client import default_converter

    client = LanguageClient(converter_factory=default_converter)
    client.published = []

    def publish(client: LanguageClient, params: T.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)

    def register_capability(client: LanguageClient, params: T.RegistrationParams):
        # Accepted, as VS Code does; the server registers its file watchers.
        client.registrations = [*getattr(client, "registrations", []), *params.registrations]

    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
            T.CLIENT_REGISTER_CAPABILITY: register_capability,
        },
    )
    return client


def utf16_position(text: str, offset: int) -> T.Position:
    """The LSP position of a character offset into `text`."""
    before = text[:offset]
    line = before.count("\n")
    start = before.rfind("\n") + 1
    col = len(before[start:].encode("utf-16-le")) // 2
    return T.Position(line=line, character=col)


def offset_of(text: str, pos: T.Position) -> int:
    """The character offset of an LSP position (inverse of utf16_position)."""
    lines = text.split("\n")
    base = sum(len(l) + 1 for l in lines[: pos.line])
    line = lines[pos.line] if pos.line < len(lines) else ""
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character:
            return base + i
        units += len(ch.encode("utf-16-le")) // 2
    return base + len(line)


class Session:
    """A server with a copy of the examples workspace."""

    def __init__(self, client: LanguageClient, root: pathlib.Path):
        self.client = client
        self.root = root
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    def uri(self, rel: str) -> str:
        return (self.root / rel).as_uri()

    def path(self, rel: str) -> pathlib.Path:
        return self.root / rel

    def text(self, rel: str) -> str:
        return self.texts.get(rel) or self.path(rel).read_text()

    def pos(self, rel: str, needle: str, delta: int = 0, nth: int = 0) -> T.Position:
        """The position of the `nth` occurrence of `needle` (plus `delta` characters)."""
        text = self.text(rel)
        at = -1
        for _ in range(nth + 1):
            at = text.index(needle, at + 1)
        return utf16_position(text, at + delta)

    def open(self, rel: str, text: str | None = None) -> None:
        text = self.path(rel).read_text() if text is None else text
        self.texts[rel] = text
        self.versions[rel] = 1
        self.client.text_document_did_open(
            T.DidOpenTextDocumentParams(
                text_document=T.TextDocumentItem(uri=self.uri(rel), language_id="msp", version=1, text=text)
            )
        )

    def replace(self, rel: str, start: T.Position, end: T.Position, new: str, version: int | None = None) -> int:
        """An incremental edit; the local copy follows it."""
        text = self.texts[rel]
        a, b = offset_of(text, start), offset_of(text, end)
        self.texts[rel] = text[:a] + new + text[b:]
        self.versions[rel] = version if version is not None else self.versions[rel] + 1
        self.client.text_document_did_change(
            T.DidChangeTextDocumentParams(
                text_document=T.VersionedTextDocumentIdentifier(uri=self.uri(rel), version=self.versions[rel]),
                content_changes=[T.TextDocumentContentChangePartial(range=T.Range(start=start, end=end), text=new)],
            )
        )
        return self.versions[rel]

    def replace_text(self, rel: str, old: str, new: str) -> int:
        text = self.texts[rel]
        at = text.index(old)
        return self.replace(rel, utf16_position(text, at), utf16_position(text, at + len(old)), new)

    async def diagnostics(self, rel: str, version: int | None = None, where=None) -> list[T.Diagnostic]:
        """Waits for diagnostics of `rel`: of that document version if given,
        else the first publish satisfying `where` (default: any)."""
        uri = self.uri(rel)
        deadline = asyncio.get_running_loop().time() + TIMEOUT
        seen = 0
        while True:
            published = self.client.published
            for p in published[seen:]:
                if p.uri != uri:
                    continue
                if version is not None and p.version != version:
                    continue
                if where is not None and not where(p.diagnostics):
                    continue
                return list(p.diagnostics)
            if version is None:
                seen = len(published)
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no diagnostics for {rel} (version {version}); got {[(p.uri, p.version) for p in published]}")
            await asyncio.sleep(0.02)

    def td(self, rel: str) -> T.TextDocumentIdentifier:
        return T.TextDocumentIdentifier(uri=self.uri(rel))

    def tdp(self, rel: str, pos: T.Position) -> T.TextDocumentPositionParams:
        return T.TextDocumentPositionParams(text_document=self.td(rel), position=pos)


def copy_examples(dest: pathlib.Path) -> pathlib.Path:
    shutil.copytree(EXAMPLES, dest, ignore=shutil.ignore_patterns("out", "target"))
    return dest


def mspc_lint_json(root: pathlib.Path) -> list[dict]:
    """What `mspc lint` reports for the workspace, from scratch."""
    run = subprocess.run([MSPC, "lint", "--format", "json", str(root)], capture_output=True, text=True, cwd=root)
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[MSPC, "lsp"], client_factory=make_client))
async def client(lsp_client: LanguageClient, request):
    tmp = request.getfixturevalue("tmp_path")
    root = copy_examples(tmp / "ws")
    lsp_client.init_result = await lsp_client.initialize_session(
        T.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            workspace_folders=[T.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            initialization_options={"diagnosticsDelay": 20},
        )
    )
    lsp_client.session = Session(lsp_client, root)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def s(client) -> Session:
    return client.session
