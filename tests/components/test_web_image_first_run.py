"""WebImage promote mode on the first run: the building stack exists but has built nothing yet."""

from __future__ import annotations

from plan.harness import run_under_mocks
from components.web_image import WebImage, WebImageArgs

ARGS = WebImageArgs(environment="production", mode="promote", repository="ghcr.io/example-org/my-app-web",
                    promote_from="organization/webapp-platform/staging")


def promote(monkeypatch, staging_outputs: dict) -> tuple[dict, list[str]]:
    monkeypatch.setattr("plan.mocks._stack_reference_outputs", lambda name: staging_outputs)
    outputs: dict = {}

    async def program() -> None:
        image = WebImage("web", ARGS)
        outputs["ref"] = await image.ref.future()
        outputs["digest"] = await image.digest.future()

    _, warnings = run_under_mocks(program, project="webapp-platform", stack="production")
    return outputs, warnings


def test_nothing_built_yet_promotes_nothing_and_says_so(monkeypatch):
    outputs, warnings = promote(monkeypatch, {})
    assert outputs == {"ref": None, "digest": None}
    assert warnings == [
        "image: nothing built yet: organization/webapp-platform/staging has no 'imageRef' output, so this run "
        "promotes no image; run that stack's `pulumi up`, then this one again"
    ]


def test_once_built_the_digest_is_promoted_without_a_warning(monkeypatch):
    ref = "ghcr.io/example-org/my-app-web@sha256:" + "a" * 64
    outputs, warnings = promote(monkeypatch, {"imageRef": ref})
    assert outputs == {"ref": ref, "digest": "sha256:" + "a" * 64}
    assert warnings == []

