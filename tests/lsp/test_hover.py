"""Hover: the stdlib's doc, type, default and constraints; where an
environment's effective value comes from."""

from lsprotocol import types as T

RR = "services/releaseregistry/releaseregistry.msp"


async def hover(s, rel, pos) -> str:
    h = await s.client.text_document_hover_async(T.HoverParams(text_document=s.td(rel), position=pos))
    assert h is not None
    return h.contents.value


async def test_a_field_shows_doc_type_and_constraints_from_the_stdlib(s):
    s.open(RR)
    text = await hover(s, RR, s.pos(RR, "project_id", 2))
    assert "GCP project" in text, text
    assert "string" in text
    assert "30" in text, "the length constraint"


async def test_an_enum_value_shows_its_doc(s):
    s.open(RR)
    text = await hover(s, RR, s.pos(RR, "= internal", 3))
    assert "Production for internal users" in text, text


async def test_where_an_environment_value_comes_from(s):
    s.open(RR)
    # `deploy` is not written in prod: it comes from `defaults`.
    text = await hover(s, RR, s.pos(RR, "environment prod", 13))
    assert "defaults" in text, text
