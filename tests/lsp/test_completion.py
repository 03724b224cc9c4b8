"""Completion: fields valid at the cursor, variants, names, environments,
import paths, snippets — also inside broken, half-typed text."""

from lsprotocol import types as T

RR = "services/releaseregistry/releaseregistry.msp"


async def complete(s, rel, pos):
    result = await s.client.text_document_completion_async(
        T.CompletionParams(text_document=s.td(rel), position=pos)
    )
    items = result.items if isinstance(result, T.CompletionList) else result
    return {i.label: i for i in items or []}


async def test_environment_fields_not_yet_set(s):
    s.open(RR)
    v = s.replace_text(RR, "    category   = test\n", "    category   = test\n    re\n")
    items = await complete(s, RR, s.pos(RR, "    re\n", 6))
    assert "region" in items and "redis" in items
    assert "category" not in items and "project_id" not in items, "already set in this block"
    assert items["region"].documentation.value, "documented from the stdlib"
    # A job-only field is not offered in a service.
    assert "schedule" not in items


async def test_inside_a_syntactically_broken_block(s):
    s.open(RR)
    broken = "    category   = test\n    postgres = {\n      cp\n    deploy = rollout x y\n"
    s.replace_text(RR, "    category   = test\n", broken)
    items = await complete(s, RR, s.pos(RR, "      cp\n", 8))
    assert "cpu" in items and "databases" in items, sorted(items)
    assert "region" not in items, "the Postgres record's fields, not the environment's"


async def test_enum_variants_and_union_tags(s):
    s.open(RR)
    s.replace_text(RR, "    category   = test\n", "    category   = \n")
    items = await complete(s, RR, s.pos(RR, "    category   = \n", 17))
    assert {"test", "internal", "external"} <= set(items), sorted(items)
    s.replace_text(RR, 'domain     = cloudflare { subdomain = "releaseregistry", zone = "sgdev.org" }', "domain     = ")
    items = await complete(s, RR, s.pos(RR, "domain     = \n", 13))
    assert "cloudflare" in items and "none" in items, sorted(items)


async def test_imported_members_and_lets(s):
    s.open(RR)
    s.replace_text(RR, "owners        = [teams.dev_experience]", "owners        = [teams.]")
    items = await complete(s, RR, s.pos(RR, "[teams.]", 7))
    assert {"dev_experience", "core_services", "cody_services"} <= set(items), sorted(items)


async def test_environments_inside_rollout_stages(s):
    s.open(RR)
    s.replace_text(RR, "stages            = [dev, prod]", "stages            = [dev, ]")
    items = await complete(s, RR, s.pos(RR, "[dev, ]", 6))
    assert "prod" in items and "dev" not in items, sorted(items)


async def test_import_paths(s):
    s.open(RR)
    s.replace_text(RR, 'import "../../teams.msp" as teams', 'import "../../" as teams')
    items = await complete(s, RR, s.pos(RR, 'import "../../"', 14))
    assert any(label.endswith("teams.msp") for label in items), sorted(items)


async def test_block_snippets_in_a_service(s):
    s.open(RR)
    s.replace_text(RR, "  rollout {", "  env\n  rollout {")
    items = await complete(s, RR, s.pos(RR, "  env\n", 5))
    env = items.get("environment")
    assert env is not None, sorted(items)
    assert env.insert_text_format == T.InsertTextFormat.Snippet
