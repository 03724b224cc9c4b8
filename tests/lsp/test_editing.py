"""Editing: formatting, quick fixes, semantic tokens, inlay hints, folding."""

from lsprotocol import types as T

RR = "services/releaseregistry/releaseregistry.msp"


def apply(text, edits):
    from conftest import offset_of

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = offset_of(text, e.range.start), offset_of(text, e.range.end)
        text = text[:a] + e.new_text + text[b:]
    return text


async def test_formatting_restores_the_canonical_layout(s):
    canonical = s.path(RR).read_text()
    messy = canonical.replace("  name          = ", "  name = ").replace("    category   = internal", "        category= internal")
    assert messy != canonical
    s.open(RR, messy)
    edits = await s.client.text_document_formatting_async(
        T.DocumentFormattingParams(text_document=s.td(RR), options=T.FormattingOptions(tab_size=2, insert_spaces=True))
    )
    assert apply(messy, edits) == canonical


async def test_a_quick_fix_from_did_you_mean(s):
    s.open(RR)
    v = s.replace_text(RR, "    category   = test\n", "    category   = test\n    regoin     = us-central1\n")
    [d] = await s.diagnostics(RR, version=v)
    actions = await s.client.text_document_code_action_async(
        T.CodeActionParams(text_document=s.td(RR), range=d.range, context=T.CodeActionContext(diagnostics=[d]))
    )
    fix = next(a for a in actions if "region" in a.title)
    assert fix.kind == T.CodeActionKind.QuickFix
    fixed = apply(s.texts[RR], fix.edit.changes[s.uri(RR)])
    assert "    region     = us-central1\n" in fixed


async def test_a_quick_fix_adds_a_missing_required_field(s):
    s.open(RR)
    v = s.replace_text(RR, "    category   = test\n", "")
    diags = await s.diagnostics(RR, version=v)
    missing = next(d for d in diags if d.code == "E0203" or "missing field `category`" in d.message)
    actions = await s.client.text_document_code_action_async(
        T.CodeActionParams(text_document=s.td(RR), range=missing.range, context=T.CodeActionContext(diagnostics=[missing]))
    )
    fix = next(a for a in actions if "category" in a.title)
    fixed = apply(s.texts[RR], fix.edit.changes[s.uri(RR)])
    assert "category = " in fixed


async def test_semantic_tokens_are_well_formed(s):
    s.open(RR)
    legend = s.client.init_result.capabilities.semantic_tokens_provider.legend
    tokens = await s.client.text_document_semantic_tokens_full_async(T.SemanticTokensParams(text_document=s.td(RR)))
    data = tokens.data
    assert data and len(data) % 5 == 0
    lines = s.path(RR).read_text().split("\n")
    line = col = 0
    kinds = set()
    for i in range(0, len(data), 5):
        dl, ds, length, kind, _mods = data[i : i + 5]
        line += dl
        col = ds if dl else col + ds
        assert length > 0 and col + length <= len(lines[line].encode("utf-16-le")) // 2
        kinds.add(legend.token_types[kind])
    assert {"keyword", "property", "string", "comment"} <= kinds, kinds


async def test_inlay_hints_show_inherited_values(s):
    s.open(RR)
    hints = await s.client.text_document_inlay_hint_async(
        T.InlayHintParams(
            text_document=s.td(RR), range=T.Range(start=T.Position(line=0, character=0), end=T.Position(line=999, character=0))
        )
    )
    labels = " ".join(h.label if isinstance(h.label, str) else "".join(p.value for p in h.label) for h in hints)
    assert "rollout" in labels, labels


async def test_folding_ranges_cover_blocks(s):
    s.open(RR)
    folds = await s.client.text_document_folding_range_async(T.FoldingRangeParams(text_document=s.td(RR)))
    starts = {f.start_line for f in folds}
    assert s.pos(RR, "environment prod").line in starts
    assert s.pos(RR, "  defaults {").line in starts
