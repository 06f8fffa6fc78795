"""``WebImage`` under the plan's mocks: what the build declares, and promotion without a rebuild."""

from __future__ import annotations

import re

import pytest
from pulumi.runtime.settings import SETTINGS

from components.web_image import TYPE, WEBIMAGE_CONTEXT, WebImage, require_digest_ref
from components.web_image import WebImageArgs
from stackconfig.image import IMAGE_REF_OUTPUT, ImageConfig
import wiring

DSN = "https://0123456789abcdef0123456789abcdef@o123456.ingest.us.sentry.io/4500000000000001"
DIGEST_REF = re.compile(r"^ghcr\.io/example-org/my-app-web@sha256:[0-9a-f]{64}$")


def build_args(**overrides) -> WebImageArgs:
    config = ImageConfig.model_validate({"mode": "build", "version": "v1.4.2", **overrides})
    return wiring.image_args(
        config,
        environment="staging",
        github_owner="example-org",
        github_repository="my-app",
        api_url="https://api.staging.example.com",
        sentry_dsn=DSN,
        registry_token="registry-token-placeholder",
    )


def declare_image(declare, args: WebImageArgs, stack: str = "staging") -> tuple[dict, dict]:
    """Registrations by name, and the component's resolved outputs."""
    # As pulumi.runtime.test does: a failed earlier run must not leave its error to this one.
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    outputs: dict = {}

    async def program() -> None:
        image = WebImage("web", args)
        outputs["ref"] = await image.ref.future()
        outputs["digest"] = await image.digest.future()
        outputs["urn"] = await image.urn.future()

    return declare(program, stack=stack), outputs


def test_build_declares_one_pushed_image_under_the_component(declare):
    registrations, outputs = declare_image(declare, build_args())
    assert registrations["web"].type == TYPE
    image = registrations["web-image"]
    assert image.type == "docker-build:index:Image"
    assert image.parent == outputs["urn"]
    assert [r.type for r in registrations.values() if r.type.startswith("docker-build:")] == ["docker-build:index:Image"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("push",), True),
        (("tags",), ["ghcr.io/example-org/my-app-web:v1.4.2", "ghcr.io/example-org/my-app-web:staging"]),
        (("context", "location"), "../app"),
        (("context", "named", WEBIMAGE_CONTEXT, "location"), "image"),
        (("dockerfile", "location"), "image/Dockerfile"),
        (("platforms",), ["linux/amd64"]),
        (("buildArgs", "BUILD_SCRIPT"), "build:staging"),
        (("buildArgs", "VITE_ENVIRONMENT"), "staging"),
        (("buildArgs", "VITE_API_URL"), "https://api.staging.example.com"),
        (("buildArgs", "VITE_SENTRY_DSN"), DSN),
        (("registries", 0, "address"), "ghcr.io"),
        (("registries", 0, "username"), "example-org"),
        # The token reaches the engine only as a secret.
        (("registries", 0, "password"), "[secret]"),
        (("cacheFrom", 0, "registry", "ref"), "ghcr.io/example-org/my-app-web:buildcache"),
        (("cacheTo", 0, "registry", "ref"), "ghcr.io/example-org/my-app-web:buildcache"),
        (("cacheTo", 0, "registry", "mode"), "max"),
        (("cacheTo", 0, "registry", "imageManifest"), True),
        (("labels", "org.opencontainers.image.source"), "https://github.com/example-org/my-app"),
        (("labels", "org.opencontainers.image.version"), "v1.4.2"),
        (("buildOnPreview",), True),
    ],
)
def test_build_inputs(declare, path, expected):
    registrations, _ = declare_image(declare, build_args())
    value = registrations["web-image"].inputs
    for key in path:
        value = value[key]
    assert value == expected


def test_the_dockerfile_declares_every_build_argument_the_component_passes(root):
    dockerfile = (root / "image" / "Dockerfile").read_text(encoding="utf-8")
    declared = set(re.findall(r"^ARG\s+([A-Z_][A-Z0-9_]*)", dockerfile, flags=re.MULTILINE))
    config = ImageConfig.model_validate(
        {"version": "v1", "nginxImage": "nginx:1.30.5-alpine", "nodeImage": "node:24-alpine"}
    )
    passed = set(wiring.image_build_args(config, "staging", "https://api.example.com", DSN, csp_report_uri="https://x.example.com/r"))
    assert passed <= declared, f"not declared in image/Dockerfile: {sorted(passed - declared)}"
    assert f"from={WEBIMAGE_CONTEXT}" in dockerfile


def test_the_ref_output_is_pinned_by_digest(declare):
    _, outputs = declare_image(declare, build_args())
    assert DIGEST_REF.match(outputs["ref"])
    assert outputs["ref"].endswith("@" + outputs["digest"])


def test_cache_off_and_more_platforms(declare):
    registrations, _ = declare_image(declare, build_args(cache=False, platforms=["linux/amd64", "linux/arm64"]))
    inputs = registrations["web-image"].inputs
    assert "cacheFrom" not in inputs and "cacheTo" not in inputs
    assert inputs["platforms"] == ["linux/amd64", "linux/arm64"]


def promote_args() -> WebImageArgs:
    return wiring.image_args(
        ImageConfig.model_validate({"mode": "promote", "promoteFrom": "example-org/webapp-platform/staging"}),
        environment="production", github_owner="example-org", github_repository="my-app",
        api_url="https://api.example.com", sentry_dsn=DSN, registry_token=None,
    )


def test_promotion_reads_the_staging_stack_and_builds_nothing(declare):
    registrations, outputs = declare_image(declare, promote_args(), stack="production")
    assert not [r for r in registrations.values() if r.type.startswith("docker-build:")]
    reference = registrations["web-source"]
    assert reference.type == "pulumi:pulumi:StackReference"
    assert reference.inputs["name"] == "example-org/webapp-platform/staging"
    assert reference.parent == outputs["urn"]
    # Whatever the staging stack exported, as long as a digest pins it (the mock's owner differs).
    assert re.match(r"^ghcr\.io/[a-z0-9-]+/[a-z0-9-]+@sha256:[0-9a-f]{64}$", outputs["ref"])
    assert outputs["digest"].startswith("sha256:") and outputs["ref"].endswith(outputs["digest"])


def test_promotion_refuses_a_ref_a_tag_could_move(declare, monkeypatch):
    monkeypatch.setattr(
        "plan.mocks._stack_reference_outputs", lambda name: {IMAGE_REF_OUTPUT: "ghcr.io/example-org/my-app-web:staging"}
    )
    with pytest.raises(Exception, match="is not pinned by digest"):
        declare_image(declare, promote_args(), stack="production")


@pytest.mark.parametrize(
    ("ref", "ok"),
    [
        ("ghcr.io/a/b@sha256:" + "f" * 64, True),
        ("ghcr.io/a/b:v1@sha256:" + "f" * 64, True),
        ("ghcr.io/a/b:v1", False),
        ("ghcr.io/a/b@sha256:" + "f" * 63, False),
        ("", False),
    ],
)
def test_require_digest_ref(ref, ok):
    if ok:
        assert require_digest_ref(ref, "source") == ref
    else:
        with pytest.raises(ValueError, match="source: image reference"):
            require_digest_ref(ref, "source")


def test_build_mode_without_credentials_is_refused(declare):
    args = WebImageArgs(environment="staging", mode="build", repository="ghcr.io/a/b", version="v1", registry=None)
    with pytest.raises(ValueError, match="needs registry credentials"):
        declare_image(declare, args)
