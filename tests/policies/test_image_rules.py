"""Each image policy passes what ``WebImage`` declares and fails the one change it guards.

The baseline is the component's ``docker-build:index:Image`` rendered under the plan's mocks; args
are built by hand the way the engine passes them (camelCase props behind the unknown-checking proxy).
"""

from __future__ import annotations

import copy
from typing import Any, Optional

import pytest
from pulumi.runtime.settings import SETTINGS
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

from policies.rules import image as rules
from stackconfig.image import ImageConfig
import wiring

POLICIES = {p.name: p for p in rules.POLICIES}
DIGEST = "sha256:" + "e" * 64
REPO = "ghcr.io/example-org/my-app-web"


def violations(policy_name: str, props: dict, config: Optional[dict] = None) -> list[str]:
    found: list[str] = []
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    args = ResourceValidationArgs(
        rules.DOCKER_BUILD_IMAGE, unknown_checking_proxy(props), "urn:pulumi:s::p::docker-build:index:Image::web-image",
        "web-image", options, None, config or {},
    )
    POLICIES[policy_name].validate(args, lambda message, urn=None: found.append(message))
    return found


@pytest.fixture(scope="module")
def baseline() -> dict:
    """The inputs of a staging WebImage build."""
    from components.web_image import WebImage
    from plan.harness import run_under_mocks

    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    args = wiring.image_args(
        ImageConfig(version="v1.4.2"),
        environment="staging", github_owner="example-org", github_repository="my-app",
        api_url="https://api.staging.example.com", sentry_dsn="https://k@o1.ingest.sentry.io/2", registry_token="t",
    )
    monitor, _ = run_under_mocks(lambda: WebImage("web", args), project="webapp-platform", stack="staging")
    return next(r.inputs for r in monitor.registrations if r.type == rules.DOCKER_BUILD_IMAGE)


def with_(props: dict, **changes: Any) -> dict:
    result = copy.deepcopy(props)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


PRODUCTION = {"environment": "production"}


@pytest.mark.parametrize(("policy_name", "config"), [("image-no-latest-tag", {}), ("image-push-to-configured-registry", {}), ("production-image-pinned-by-digest", {"environment": "staging"})])
def test_the_component_passes(baseline, policy_name, config):
    assert violations(policy_name, baseline, config) == []


@pytest.mark.parametrize(
    ("tag", "fragment"),
    [
        (f"{REPO}:latest", "uses the latest tag"),
        (REPO, "has no tag (Docker means latest)"),
        ("localhost:5000/web", "has no tag"),
    ],
)
def test_latest_tags_fail(baseline, tag, fragment):
    found = violations("image-no-latest-tag", with_(baseline, tags=[f"{REPO}:v1", tag]))
    assert len(found) == 1 and fragment in found[0] and repr(tag) in found[0]


def test_a_registry_port_is_not_a_tag(baseline):
    assert violations("image-no-latest-tag", with_(baseline, tags=["localhost:5000/web:v1"])) == []


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"tags": ["example-org/my-app-web:v1"]}, "image tag 'example-org/my-app-web:v1' goes to docker.io"),
        ({"tags": ["quay.io/example/web:v1"]}, "goes to quay.io, not the configured registry ghcr.io"),
        ({"cacheTo": [{"registry": {"ref": "docker.io/example/cache:1"}}]}, "image cache 'docker.io/example/cache:1' goes to docker.io"),
        ({"push": False, "exports": [{"registry": {"names": ["quay.io/x/y:1"]}}]}, "image export 'quay.io/x/y:1' goes to quay.io"),
    ],
)
def test_writes_outside_the_configured_registry_fail(baseline, changes, fragment):
    found = violations("image-push-to-configured-registry", with_(baseline, **changes))
    assert any(fragment in message for message in found), found


def test_an_unpushed_build_may_carry_any_tag(baseline):
    props = with_(baseline, push=False, cacheTo=None, tags=["local/web:dev"])
    assert violations("image-push-to-configured-registry", props) == []


def test_the_registry_comes_from_policy_config(baseline):
    props = with_(baseline, tags=["registry.example.com:5000/web:v1"], cacheTo=None)
    assert violations("image-push-to-configured-registry", props, {"registry": "registry.example.com:5000"}) == []
    assert violations("image-push-to-configured-registry", props)  # the default is ghcr.io


@pytest.mark.parametrize(
    ("build_args", "expected"),
    [
        ({}, ["NODE_IMAGE is not set", "NGINX_IMAGE is not set"]),
        ({"NODE_IMAGE": f"node:24-alpine@{DIGEST}", "NGINX_IMAGE": "nginx:1.30.5-alpine"}, ["NGINX_IMAGE is 'nginx:1.30.5-alpine'"]),
        ({"NODE_IMAGE": f"node:24-alpine@{DIGEST}", "NGINX_IMAGE": f"nginx:1.30.5-alpine@{DIGEST}"}, []),
    ],
)
def test_production_builds_pin_base_images_by_digest(baseline, build_args, expected):
    props = with_(baseline, buildArgs={**baseline["buildArgs"], **build_args})
    found = violations("production-image-pinned-by-digest", props, PRODUCTION)
    assert len(found) == len(expected)
    for message, fragment in zip(found, expected):
        assert fragment in message


def test_staging_builds_may_use_the_dockerfile_tags(baseline):
    assert violations("production-image-pinned-by-digest", baseline, {"environment": "staging"}) == []
    assert violations("production-image-pinned-by-digest", baseline, PRODUCTION)


@pytest.mark.parametrize(
    ("reference", "registry", "tag"),
    [
        ("ghcr.io/a/b:v1", "ghcr.io", "v1"),
        ("nginx", "docker.io", None),
        ("library/nginx:1.30", "docker.io", "1.30"),
        ("localhost:5000/b", "localhost:5000", None),
        ("localhost/b:1", "localhost", "1"),
        (f"ghcr.io/a/b:v1@{DIGEST}", "ghcr.io", "v1"),
    ],
)
def test_reference_parsing(reference, registry, tag):
    assert (rules.registry_of(reference), rules.tag_of(reference)) == (registry, tag)
