"""Navigation: definition, references, rename, document and workspace symbols."""

from lsprotocol import types as T

RR = "services/releaseregistry/releaseregistry.msp"
TEAMS = "teams.msp"


async def definition(s, rel, pos):
    found = await s.client.text_document_definition_async(
        T.DefinitionParams(text_document=s.td(rel), position=pos)
    )
    return found if isinstance(found, list) else [found]


def text_at(s, loc: T.Location) -> str:
    from conftest import offset_of

    rel = loc.uri[len(s.root.as_uri()) + 1 :]
    text = s.path(rel).read_text()
    return text[offset_of(text, loc.range.start) : offset_of(text, loc.range.end)]


async def test_an_imported_let_goes_to_its_file(s):
    s.open(RR)
    [loc] = await definition(s, RR, s.pos(RR, "teams.log_env", 7))
    assert loc.uri == s.uri(TEAMS)
    assert text_at(s, loc) == "log_env"


async def test_an_environment_in_rollout_stages_goes_to_its_block(s):
    s.open(RR)
    [loc] = await definition(s, RR, s.pos(RR, "[dev, prod]", 1))
    assert loc.uri == s.uri(RR)
    assert text_at(s, loc) == "dev"
    assert loc.range.start == s.pos(RR, "environment dev", 12)


async def test_a_field_goes_to_the_stdlib_which_the_server_serves(s):
    s.open(RR)
    [loc] = await definition(s, RR, s.pos(RR, "project_id", 1))
    assert loc.uri.startswith("mspc-stdlib:///"), loc.uri
    text = await s.client.protocol.send_request_async("mspc/stdlibFile", {"uri": loc.uri})
    from conftest import offset_of

    assert text[offset_of(text, loc.range.start) : offset_of(text, loc.range.end)].startswith("project_id")


async def test_references_of_a_let_across_files(s):
    s.open(TEAMS)
    refs = await s.client.text_document_references_async(
        T.ReferenceParams(
            text_document=s.td(TEAMS),
            position=s.pos(TEAMS, "let log_env", 5),
            context=T.ReferenceContext(include_declaration=False),
        )
    )
    files = {r.uri for r in refs}
    assert s.uri(RR) in files, files
    assert s.uri(TEAMS) in files, "debug_log_env spreads it"
    assert all(text_at(s, r) == "log_env" for r in refs)


async def test_rename_a_let_everywhere(s):
    s.open(TEAMS)
    pos = s.pos(TEAMS, "let log_env", 5)
    prep = await s.client.text_document_prepare_rename_async(T.PrepareRenameParams(text_document=s.td(TEAMS), position=pos))
    assert prep is not None
    edit = await s.client.text_document_rename_async(
        T.RenameParams(text_document=s.td(TEAMS), position=pos, new_name="logging_env")
    )
    changes = edit.changes
    assert s.uri(TEAMS) in changes and s.uri(RR) in changes
    # Applying the edits on disk leaves a workspace that still checks clean.
    from conftest import mspc_lint_json, offset_of

    for uri, edits in changes.items():
        rel = uri[len(s.root.as_uri()) + 1 :]
        text = s.path(rel).read_text()
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            a, b = offset_of(text, e.range.start), offset_of(text, e.range.end)
            text = text[:a] + e.new_text + text[b:]
        s.path(rel).write_text(text)
    assert "logging_env" in s.path(RR).read_text()
    assert [d for d in mspc_lint_json(s.root) if d["severity"] == "error"] == []


async def test_rename_an_environment_updates_rollout_stages(s):
    s.open(RR)
    edit = await s.client.text_document_rename_async(
        T.RenameParams(text_document=s.td(RR), position=s.pos(RR, "environment dev", 12), new_name="staging")
    )
    edits = edit.changes[s.uri(RR)]
    assert len(edits) >= 2, "the label and the stage"
    assert all(e.new_text == "staging" for e in edits)


async def test_rename_refuses_a_field(s):
    s.open(RR)
    try:
        await s.client.text_document_prepare_rename_async(
            T.PrepareRenameParams(text_document=s.td(RR), position=s.pos(RR, "project_id", 1))
        )
    except Exception as e:  # the server answers with an error saying why
        assert "rename" in str(e).lower() or "field" in str(e).lower()
    else:
        raise AssertionError("a field must not be renamable")


async def test_document_symbols_nest_environments_in_the_service(s):
    s.open(RR)
    symbols = await s.client.text_document_document_symbol_async(T.DocumentSymbolParams(text_document=s.td(RR)))
    service = next(x for x in symbols if x.name == "releaseregistry")
    children = [c.name for c in service.children]
    assert "prod" in children and "dev" in children, children


async def test_workspace_symbols_filter_by_query(s):
    symbols = await s.client.workspace_symbol_async(T.WorkspaceSymbolParams(query="releasereg"))
    assert "releaseregistry" in {x.name for x in symbols}
    assert "gatekeeper" not in {x.name for x in symbols}
