"""The server reads only its workspace, and refuses what is too large, as
the command line does (tests/hostile.rs)."""

import asyncio
import os

from lsprotocol import types as T

from conftest import EXAMPLES

FILE_LIMIT = 4 << 20  # compiler/src/limits.rs: MAX_FILE_BYTES


async def wait_for(s, uri: str, where, seconds: float = 20.0):
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        for p in s.client.published:
            if p.uri == uri and where(p.diagnostics):
                return list(p.diagnostics)
        await asyncio.sleep(0.05)
    raise TimeoutError(f"no matching diagnostics for {uri}: {[(p.uri, p.diagnostics) for p in s.client.published if p.uri == uri]}")


async def test_a_document_of_another_workspace_is_served_alone(s):
    # A second workspace beside the client's folder: opening one of its
    # files must not make the server read the rest of it.
    other = s.root.parent / "other"
    (other / "services" / "o").mkdir(parents=True)
    (other / "services" / "p").mkdir(parents=True)
    (other / "platform.msp").write_text((EXAMPLES / "platform.msp").read_text())
    (other / "teams.msp").write_text('let core = "core-services"\n')
    (other / "services" / "p" / "p.msp").write_text("service p {\n  regoin = 1\n}\n")
    text = 'import "../../teams.msp" as teams\n\nlet owner = teams.core\n'
    uri = (other / "services" / "o" / "o.msp").as_uri()
    (other / "services" / "o" / "o.msp").write_text(text)
    s.client.text_document_did_open(
        T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(uri=uri, language_id="msp", version=1, text=text))
    )
    diags = await wait_for(s, uri, lambda d: len(d) > 0)
    # Served alone, from its own folder: the import leaves it, and
    # nothing beside the file was read.
    assert any(d.code == "E0104" for d in diags), diags
    assert not any("/other/" in p.uri and p.uri != uri for p in s.client.published)


async def test_a_link_out_of_the_workspace_is_not_read(s, tmp_path):
    secret = tmp_path / "secret.msp"
    secret.write_text('let token = "outside-secret-value"\n')
    link = s.path("services/linked.msp")
    os.symlink(secret, link)
    gone = s.path("services/gone.msp")  # announced, but never there
    s.client.workspace_did_change_watched_files(
        T.DidChangeWatchedFilesParams(
            changes=[
                T.FileEvent(uri=s.uri("services/linked.msp"), type=T.FileChangeType.Created),
                T.FileEvent(uri=gone.as_uri(), type=T.FileChangeType.Created),
            ]
        )
    )
    diags = await wait_for(s, s.uri("services/linked.msp"), lambda d: any(x.code == "E0013" for x in d))
    assert all("outside-secret-value" not in d.message for d in diags)
    symbols = await s.client.workspace_symbol_async(T.WorkspaceSymbolParams(query="token"))
    assert not any(x.name == "token" for x in symbols or []), symbols


async def test_a_document_over_the_size_bound_is_refused(s):
    rel = "services/huge/huge.msp"
    s.path("services/huge").mkdir()
    s.open(rel, " " * (FILE_LIMIT + 1))
    diags = await s.diagnostics(rel, version=1)
    assert [d.code for d in diags] == ["E0009"], diags
    # Cut back under the bound, it is checked again.
    v = s.replace(rel, T.Position(line=0, character=0), T.Position(line=0, character=FILE_LIMIT + 1), "let x = 1\n")
    assert [d.code for d in await s.diagnostics(rel, version=v)] == ["W0009"]  # an unused let: read again
