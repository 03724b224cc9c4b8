"""Robustness: random edits and requests at any position never crash the
server; requests overtaken by edits answer ContentModified or a result."""

import asyncio
import random

from lsprotocol import types as T
from pygls.exceptions import JsonRpcException

from conftest import utf16_position

RR = "services/releaseregistry/releaseregistry.msp"
SNIPPETS = ["{", "}", "[", "]", '"', "${", "environment x {", "= ", "\n", "//", "..", "é", "😀", "secret(", "teams.", ",", "5m", "\"\"\""]


async def test_requests_at_every_kind_of_position_after_random_edits(s):
    rng = random.Random(7)
    s.open(RR)
    for _ in range(40):
        text = s.texts[RR]
        at = rng.randrange(len(text) + 1)
        end = min(len(text), at + rng.randrange(4))
        s.replace(RR, utf16_position(text, at), utf16_position(text, end), rng.choice(SNIPPETS))
        # Positions that do not exist: past the end of a line, of the file, inside a surrogate pair.
        for pos in [utf16_position(s.texts[RR], rng.randrange(len(s.texts[RR]) + 1)), T.Position(line=9999, character=3), T.Position(line=0, character=999)]:
            requests = [
                s.client.text_document_completion_async(T.CompletionParams(text_document=s.td(RR), position=pos)),
                s.client.text_document_hover_async(T.HoverParams(text_document=s.td(RR), position=pos)),
                s.client.text_document_definition_async(T.DefinitionParams(text_document=s.td(RR), position=pos)),
                s.client.text_document_references_async(
                    T.ReferenceParams(text_document=s.td(RR), position=pos, context=T.ReferenceContext(include_declaration=True))
                ),
            ]
            for r in await asyncio.gather(*requests, return_exceptions=True):
                if isinstance(r, JsonRpcException):
                    assert r.code == -32801, r  # ContentModified, nothing else
                else:
                    assert not isinstance(r, BaseException), r
    tokens = await s.client.text_document_semantic_tokens_full_async(T.SemanticTokensParams(text_document=s.td(RR)))
    assert tokens is not None
    await s.client.text_document_folding_range_async(T.FoldingRangeParams(text_document=s.td(RR)))
    await s.client.text_document_document_symbol_async(T.DocumentSymbolParams(text_document=s.td(RR)))
    # Still alive and consistent: the last version's diagnostics arrive.
    await s.diagnostics(RR, version=s.versions[RR])


async def test_requests_for_unknown_documents_answer_nothing(s):
    uri = (s.root / "nowhere.msp").as_uri()
    h = await s.client.text_document_hover_async(
        T.HoverParams(text_document=T.TextDocumentIdentifier(uri=uri), position=T.Position(line=0, character=0))
    )
    assert h is None
