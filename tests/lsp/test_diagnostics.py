"""Diagnostics: codes, links to the code's page, related locations, and
workspace-wide problems shown in every file they involve."""

from lsprotocol import types as T

RR = "services/releaseregistry/releaseregistry.msp"
GK = "services/gatekeeper/gatekeeper.msp"


async def test_an_edit_brings_a_diagnostic_with_code_link_and_range(s):
    s.open(RR)
    await s.diagnostics(RR, version=1)
    v = s.replace_text(RR, "    category   = test", "    category   = test\n    regoin     = us-central1")
    diags = await s.diagnostics(RR, version=v)
    assert len(diags) == 1, diags
    d = diags[0]
    assert d.code == "E0201"
    assert d.severity == T.DiagnosticSeverity.Error
    assert d.code_description.href.endswith("/docs/diagnostics/E0201.md")
    assert d.source == "mspc"
    assert "did you mean `region`?" in d.message
    start = s.pos(RR, "regoin")
    assert d.range.start == start
    assert d.range.end == T.Position(line=start.line, character=start.character + len("regoin"))


async def test_a_project_id_used_by_two_services_shows_in_both_files(s):
    s.open(RR)
    s.open(GK)
    await s.diagnostics(RR, version=1)
    gk_text = s.texts[GK]
    import re

    theirs = re.search(r'project_id\s*=\s*"([^"]+)"', gk_text).group(1)
    v = s.replace_text(RR, '"releaseregistry-prod-5421"', f'"{theirs}"')
    rr = await s.diagnostics(RR, version=v, where=lambda d: any(x.code == "E0320" for x in d))
    gk = await s.diagnostics(GK, where=lambda d: any(x.code == "E0320" for x in d))
    rr_d = next(x for x in rr if x.code == "E0320")
    gk_d = next(x for x in gk if x.code == "E0320")
    # Each points at the other file through related information.
    assert any(r.location.uri == s.uri(GK) for r in rr_d.related_information or []) or any(
        r.location.uri == s.uri(RR) for r in gk_d.related_information or []
    )
    assert {rr_d.range.start.line, gk_d.range.start.line} and theirs in rr_d.message + gk_d.message
    # Fixing it clears both.
    v = s.replace_text(RR, f'"{theirs}"', '"releaseregistry-prod-5421"')
    assert not [x for x in await s.diagnostics(RR, version=v) if x.code == "E0320"]
    assert await s.diagnostics(GK, where=lambda d: not any(x.code == "E0320" for x in d)) is not None


async def test_positions_count_utf16_units(s):
    # An emoji is one character but two UTF-16 units: columns after it count it twice.
    s.open(RR)
    await s.diagnostics(RR, version=1)
    v = s.replace_text(RR, 'description   = "Release metadata API"', 'description   = "🚀 API", regoin = 1')
    diags = await s.diagnostics(RR, version=v)
    assert [d.code for d in diags] == ["E0201"], diags
    line = s.texts[RR].split("\n")[diags[0].range.start.line]
    assert diags[0].range.start.character == line.index("regoin") + 1
