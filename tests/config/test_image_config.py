"""The ``webapp-platform:image`` sub-model: defaults, camelCase keys, refusals and environment checks
(the WebImage args it leads to: ``tests/test_wiring.py``)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from stackconfig.image import ImageConfig

DIGEST = "sha256:" + "ab" * 32


def build_config(**overrides) -> ImageConfig:
    return ImageConfig.model_validate({"mode": "build", "version": "v1.4.2", **overrides})


def test_defaults_build_from_the_app_checkout_for_amd64_on_ghcr():
    config = ImageConfig()
    assert (config.mode, config.app_source, config.platforms, config.registry) == (
        "build", "../app", ["linux/amd64"], "ghcr.io"
    )
    assert config.needs_registry_token and config.enabled


def test_stack_files_use_camel_case_keys():
    config = ImageConfig.model_validate(
        {"mode": "promote", "promoteFrom": "acme/webapp-platform/staging", "appSource": "app", "nginxImage": "nginx:1.30.5-alpine"}
    )
    assert (config.promote_from, config.app_source, config.nginx_image) == (
        "acme/webapp-platform/staging", "app", "nginx:1.30.5-alpine"
    )


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("mode", "rebuild", "'build', 'promote' or 'off'"),
        ("version", "latest", "moving tags"),
        ("version", "production", "moving tags"),
        ("version", "v1 beta", "a Docker tag"),
        ("platforms", [], "at least one platform"),
        ("platforms", ["linux/amd64", "linux/amd64"], "each platform once"),
        ("platforms", ["windows/amd64"], "linux/amd64"),
        ("registry", "https://ghcr.io", "a registry host"),
        ("repository", "Acme/Web", "lower-case repository path"),
        ("repository", "ghcr.io/acme/web:1", "lower-case repository path"),
        ("promoteFrom", "staging", "organization/webapp-platform/<stack> on the local and S3 backends"),
        ("nginxImage", "nginx", "name:tag"),
        ("nginxImage", "nginx:latest", "not latest"),
        ("nodeImage", "node:24@sha256:short", "name:tag"),
        ("appSource", "https://github.com/acme/app.git", "a local directory path"),
        ("buildScript", "build; rm -rf /", "an npm script name"),
        ("unknownKey", 1, "Extra inputs are not permitted"),
    ],
)
def test_bad_values_are_refused_naming_the_key(key, value, expected):
    with pytest.raises(ValidationError) as caught:
        ImageConfig.model_validate({key: value})
    errors = caught.value.errors()
    assert errors[0]["loc"][0] == key
    assert expected in errors[0]["msg"]


def test_the_model_is_immutable():
    config = ImageConfig()
    with pytest.raises(ValidationError):
        config.mode = "off"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("environment", "values", "expected"),
    [
        ("staging", {"mode": "build", "version": "v1"}, []),
        ("production", {"mode": "promote", "promoteFrom": "acme/webapp-platform/staging"}, []),
        ("production", {"mode": "off"}, []),
        ("staging", {"mode": "build"}, ["image.version: required when image.mode is build"]),
        ("production", {"mode": "promote"}, ["image.promoteFrom: required when image.mode is promote"]),
        ("staging", {"mode": "promote", "promoteFrom": "a/b/production"}, ["image.mode: staging builds the image"]),
        ("staging", {"mode": "build", "version": "v1", "promoteFrom": "a/b/c"}, ["image.promoteFrom: only used"]),
        (
            "production",
            {"mode": "build", "version": "v1", "nginxImage": f"nginx:1.30.5-alpine@{DIGEST}"},
            ["image.nodeImage: a production build must pin its base image by digest"],
        ),
        (
            "production",
            {"mode": "build", "version": "v1", "nginxImage": f"nginx:1.30.5-alpine@{DIGEST}", "nodeImage": f"node:24-alpine@{DIGEST}"},
            [],
        ),
    ],
)
def test_environment_checks(environment, values, expected):
    problems = ImageConfig.model_validate(values).problems_for(environment)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)
