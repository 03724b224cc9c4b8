"""Preview: the Terraform or docs of an environment, by request and code lens."""

from lsprotocol import types as T

RR = "services/releaseregistry/releaseregistry.msp"


async def test_code_lenses_preview_each_environment(s):
    s.open(RR)
    lenses = await s.client.text_document_code_lens_async(T.CodeLensParams(text_document=s.td(RR)))
    commands = [(l.command.title, l.command.command, l.command.arguments) for l in lenses]
    assert ("Preview Terraform", "mspc.previewTerraform", [s.uri(RR), "prod"]) in commands
    assert ("Preview Terraform", "mspc.previewTerraform", [s.uri(RR), "dev"]) in commands


async def test_preview_terraform_of_an_environment(s):
    s.open(RR)
    r = await s.client.protocol.send_request_async(
        "mspc/preview", {"uri": s.uri(RR), "environment": "dev", "kind": "terraform"}
    )
    assert r.language == "terraform"
    assert "releaseregistry-dev-6bac" in r.content
    assert "terraform/releaseregistry/dev/cloudrun/main.tf" in r.content


async def test_preview_follows_the_unsaved_buffer(s):
    s.open(RR)
    s.replace_text(RR, 'initial_image_tag = "insiders"', 'initial_image_tag = "canary"')
    r = await s.client.protocol.send_request_async(
        "mspc/preview", {"uri": s.uri(RR), "position": {"line": s.pos(RR, "environment prod").line, "character": 4}, "kind": "terraform"}
    )
    assert "releaseregistry-prod-5421" in r.content
    assert "canary" in r.content


async def test_preview_docs_and_errors(s):
    s.open(RR)
    r = await s.client.protocol.send_request_async("mspc/preview", {"uri": s.uri(RR), "kind": "docs"})
    assert r.language == "markdown" and "Release Registry" in r.content
    s.replace_text(RR, "    category   = test\n", "")
    try:
        await s.client.protocol.send_request_async("mspc/preview", {"uri": s.uri(RR), "environment": "dev", "kind": "terraform"})
    except Exception as e:
        assert "has errors" in str(e)
    else:
        raise AssertionError("a service with errors has no preview")
