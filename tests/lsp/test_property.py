"""Property: after any sequence of edits through the server, the diagnostics
it publishes are exactly those `mspc lint` reports from scratch on the final
text. Cases: MSPC_LSP_PROPERTY_CASES (default 30), each a seeded random
sequence of insertions and deletions in one of the examples' files."""

import os
import random

from conftest import mspc_lint_json, offset_of, utf16_position

FILES = [
    "services/releaseregistry/releaseregistry.msp",
    "services/gatekeeper/gatekeeper.msp",
    "teams.msp",
]
VOCAB = [
    "{", "}", "[", "]", "=", ",", "\n", '"', "region", "us-west1", "internal", "prod", "postgres = {}",
    "regoin = 1", "cpu = 3", "memory = 1Gi", "..", "teams.nope", "${environment.project_id}", "5m", "0.5",
    "secret(\"x\")", "//", "é", "😀", "environment qa {", "let x = 1\n", "defaults.", "rollout",
]


def lsp_view(diags):
    return sorted(
        (d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.message.split("\n")[0])
        for d in diags
        if not (d.data or {}).get("mirror")
    )


def cli_view(found, rel, text):
    out = []
    b = text.encode()
    for d in found:
        loc = d["location"]
        if loc["file"] != rel:
            continue
        start = len(b[: loc["start"]["offset"]].decode(errors="ignore"))
        end = len(b[: loc["end"]["offset"]].decode(errors="ignore"))
        s, e = utf16_position(text, start), utf16_position(text, end)
        label = f" ({d['label']})" if d["label"] else ""
        out.append((d["code"], s.line, s.character, e.line, e.character, (d["message"] + label).split("\n")[0]))
    return sorted(out)


async def test_final_diagnostics_equal_a_fresh_check(s):
    cases = int(os.environ.get("MSPC_LSP_PROPERTY_CASES", "30"))
    rng = random.Random(int(os.environ.get("MSPC_LSP_PROPERTY_SEED", "2026")))
    originals = {rel: s.path(rel).read_text() for rel in FILES}
    for case in range(cases):
        rel = FILES[case % len(FILES)]
        if rel not in s.versions:
            s.open(rel)
        else:  # back to the original text, as one full edit
            text = s.texts[rel]
            s.replace(rel, utf16_position(text, 0), utf16_position(text, len(text)), originals[rel])
        for _ in range(rng.randrange(1, 12)):
            text = s.texts[rel]
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.4:
                end = min(len(text), at + rng.randrange(1, 8))
                new = ""
            else:
                end = at
                new = rng.choice(VOCAB)
            s.replace(rel, utf16_position(text, at), utf16_position(text, end), new)
        got = await s.diagnostics(rel, version=s.versions[rel])
        final = s.texts[rel]
        # The same texts on disk (every open file as the server sees it),
        # checked by a fresh process.
        for other, text in s.texts.items():
            s.path(other).write_text(text)
        try:
            expected = cli_view(mspc_lint_json(s.root), rel, final)
        finally:
            for other in s.texts:
                s.path(other).write_text(originals[other])
        server = lsp_view(got)
        if server != expected:
            missing = [d for d in expected if d not in server]
            extra = [d for d in server if d not in expected]
            raise AssertionError(f"case {case} ({rel}): missing {missing}, extra {extra}\n{final}")
