"""The server: capabilities, text sync, open buffers over disk, watched files,
workspace discovery."""

import asyncio

from lsprotocol import types as T

RR = "services/releaseregistry/releaseregistry.msp"


async def test_capabilities_speak_utf16_and_incremental_sync(client):
    caps = client.init_result.capabilities
    assert caps.position_encoding == T.PositionEncodingKind.Utf16
    assert caps.text_document_sync.change == T.TextDocumentSyncKind.Incremental
    assert caps.semantic_tokens_provider.legend.token_types, "a legend for semantic tokens"
    assert caps.rename_provider.prepare_provider is True
    assert client.init_result.server_info.name == "mspc"


async def test_a_clean_file_gets_empty_diagnostics_for_its_version(s):
    s.open(RR)
    assert await s.diagnostics(RR, version=1) == []


async def test_the_open_buffer_wins_over_the_disk(s):
    on_disk = s.path(RR).read_text()
    s.open(RR, on_disk.replace("category   = internal", "category   = intrenal"))
    diags = await s.diagnostics(RR, version=1)
    assert [d.code for d in diags] == ["E0205"], diags
    assert s.path(RR).read_text() == on_disk
    # Closing the document goes back to the disk's text: clean again.
    s.client.text_document_did_close(T.DidCloseTextDocumentParams(text_document=s.td(RR)))
    assert await s.diagnostics(RR, where=lambda d: d == []) == []


async def test_edits_apply_incrementally_and_stale_versions_are_ignored(s):
    s.open(RR)
    await s.diagnostics(RR, version=1)
    v = s.replace_text(RR, "category   = internal", "category   = intrenal")
    assert [d.code for d in await s.diagnostics(RR, version=v)] == ["E0205"]
    # An older version arriving late must not be applied.
    text = s.texts[RR]
    at = text.index("intrenal")
    from conftest import utf16_position

    s.client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=s.uri(RR), version=1),
            content_changes=[
                T.TextDocumentContentChangePartial(
                    range=T.Range(start=utf16_position(text, at), end=utf16_position(text, at + 8)), text="internal"
                )
            ],
        )
    )
    v = s.replace_text(RR, "sg release", "sg release!")  # a harmless edit after it
    assert [d.code for d in await s.diagnostics(RR, version=v)] == ["E0205"]


async def test_files_changed_on_disk_are_picked_up(s):
    s.open(RR)
    await s.diagnostics(RR, version=1)
    dup = "services/dup/dup.msp"
    s.path("services/dup").mkdir()
    s.path(dup).write_text(
        'import "../../teams.msp" as teams\n\n'
        "service dup {\n"
        "  owners      = [teams.core_services]\n"
        '  description = "A copy"\n'
        '  image       = "us.gcr.io/sourcegraph-dev/dup"\n\n'
        "  environment prod {\n"
        '    project_id = "releaseregistry-prod-5421"\n'
        "    category   = internal\n"
        '    deploy     = manual { tag = "v1" }\n'
        "  }\n"
        "}\n"
    )
    s.client.workspace_did_change_watched_files(
        T.DidChangeWatchedFilesParams(changes=[T.FileEvent(uri=s.uri(dup), type=T.FileChangeType.Created)])
    )
    # The clash is reported in the new file, which is not even open...
    diags = await s.diagnostics(dup, where=lambda d: any(x.code == "E0320" for x in d))
    assert any("releaseregistry-prod-5421" in d.message for d in diags), diags
    # ...and deleting it clears it.
    s.path(dup).unlink()
    s.client.workspace_did_change_watched_files(
        T.DidChangeWatchedFilesParams(changes=[T.FileEvent(uri=s.uri(dup), type=T.FileChangeType.Deleted)])
    )
    assert await s.diagnostics(dup, where=lambda d: d == []) == []


async def test_the_workspace_is_found_from_platform_msp(s):
    # A file deep in the tree resolves its imports against the workspace root.
    s.open(RR)
    assert await s.diagnostics(RR, version=1) == []
    symbols = await s.client.workspace_symbol_async(T.WorkspaceSymbolParams(query=""))
    names = {x.name for x in symbols}
    assert {"releaseregistry", "gatekeeper", "prod", "dev"} <= names, names


async def test_a_file_outside_any_workspace_is_checked_alone(s):
    lone = s.root.parent / "lone"
    lone.mkdir()
    (lone / "x.msp").write_text("service x {\n  regoin = 1\n}\n")
    uri = (lone / "x.msp").as_uri()
    s.client.text_document_did_open(
        T.DidOpenTextDocumentParams(
            text_document=T.TextDocumentItem(uri=uri, language_id="msp", version=1, text="service x {\n  regoin = 1\n}\n")
        )
    )
    deadline = 200
    while deadline and not any(p.uri == uri for p in s.client.published):
        deadline -= 1
        await asyncio.sleep(0.05)
    diags = next(p.diagnostics for p in s.client.published if p.uri == uri)
    assert any(d.code == "E0201" for d in diags), diags
    # And says why it is checked alone.
    assert any(d.code == "mspc::outside_folders" for d in diags), diags
    # Its neighbours on disk are not read: the folder is not a workspace.
    assert not any("lone" in p.uri and p.uri != uri for p in s.client.published)
