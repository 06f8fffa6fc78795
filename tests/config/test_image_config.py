"""The ``webapp-platform:image`` sub-model: defaults, camelCase keys, refusals, environment checks and
the WebImage args it produces."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from stackconfig.image import IMAGE_REF_OUTPUT, ImageConfig, WebImageArgs

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
        ("promoteFrom", "staging", "organization/project/stack"),
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


def test_build_args_for_a_build():
    config = build_config(nginxImage=f"nginx:1.30.5-alpine@{DIGEST}", platforms=["linux/amd64", "linux/arm64"])
    args = config.to_args(
        environment="staging",
        github_owner="Example-Org",
        github_repository="My-App",
        api_url="https://api.staging.example.com",
        sentry_dsn="https://key@o1.ingest.sentry.io/2",
        registry_token="token-placeholder",
        csp_report_uri="https://o1.ingest.sentry.io/api/2/security/?sentry_key=key",
    )
    assert isinstance(args, WebImageArgs)
    # Registries want lower case; GitHub names need not be.
    assert args.repository == "ghcr.io/example-org/my-app-web"
    assert args.tags == ["ghcr.io/example-org/my-app-web:v1.4.2", "ghcr.io/example-org/my-app-web:staging"]
    assert args.cache_ref == "ghcr.io/example-org/my-app-web:buildcache"
    assert args.platforms == ("linux/amd64", "linux/arm64")
    assert args.context_dir == "../app"
    assert args.registry is not None and (args.registry.address, args.registry.username) == ("ghcr.io", "Example-Org")
    assert args.source_url == "https://github.com/Example-Org/My-App"
    assert dict(args.build_args) == {
        "BUILD_SCRIPT": "build:staging",
        "VITE_ENVIRONMENT": "staging",
        "VITE_API_URL": "https://api.staging.example.com",
        "VITE_SENTRY_DSN": "https://key@o1.ingest.sentry.io/2",
        "CSP_REPORT_URI": "https://o1.ingest.sentry.io/api/2/security/?sentry_key=key",
        "NGINX_IMAGE": f"nginx:1.30.5-alpine@{DIGEST}",
    }


def test_overrides_of_repository_username_and_build_script():
    config = build_config(repository="acme/site", registryUsername="bot", registry="registry.example.com:5000", buildScript="build")
    args = config.to_args(
        environment="production", github_owner="o", github_repository="r", api_url="https://api.example.com",
        sentry_dsn="dsn", registry_token="t",
    )
    assert args.repository == "registry.example.com:5000/acme/site"
    assert args.registry_host == "registry.example.com:5000"
    assert args.registry is not None and args.registry.username == "bot"
    assert args.build_args["BUILD_SCRIPT"] == "build"
    assert "CSP_REPORT_URI" not in args.build_args


def test_promotion_args_carry_no_build_and_no_credentials():
    config = ImageConfig.model_validate({"mode": "promote", "promoteFrom": "acme/webapp-platform/staging"})
    args = config.to_args(
        environment="production", github_owner="o", github_repository="r", api_url="https://api.example.com",
        sentry_dsn="dsn", registry_token=None,
    )
    assert (args.mode, args.promote_from, args.registry, dict(args.build_args)) == (
        "promote", "acme/webapp-platform/staging", None, {}
    )
    assert not config.needs_registry_token
    assert IMAGE_REF_OUTPUT == "imageRef"


@pytest.mark.parametrize(
    ("values", "token", "message"),
    [
        ({"mode": "off"}, "t", "image.mode is off"),
        ({"mode": "build", "version": "v1"}, None, "needs webapp-platform:registryToken"),
    ],
)
def test_to_args_refuses_what_cannot_be_built(values, token, message):
    with pytest.raises(ValueError, match=message):
        ImageConfig.model_validate(values).to_args(
            environment="staging", github_owner="o", github_repository="r", api_url="https://a.example.com",
            sentry_dsn="d", registry_token=token,
        )
