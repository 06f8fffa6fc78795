"""Image guardrails for ``docker-build:index:Image``: no ``latest`` (explicit or implied) tag, a build
pushes (and exports its cache) only to the configured registry, and a production build pins every base
image by digest, so a rebuild cannot silently pick up a different nginx or Node.

A reference's registry is its first path component when that looks like a host (has a dot or a port,
or is ``localhost``); otherwise Docker Hub (``docker.io``), as Docker resolves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from platform_facts import DIGEST_SUFFIX_RE as DIGEST_RE
from policies.rules._props import config, environment_schema, get, is_true, items, resource_policy

DOCKER_BUILD_IMAGE = "docker-build:index:Image"
DEFAULT_REGISTRY = "ghcr.io"
DOCKER_HUB = "docker.io"
# Build arguments that name base images (image/Dockerfile: ARG NODE_IMAGE, ARG NGINX_IMAGE).
DEFAULT_BASE_IMAGE_ARGS = ["NODE_IMAGE", "NGINX_IMAGE"]


def registry_of(reference: str) -> str:
    """The registry host of an image reference (``ghcr.io/acme/web:1`` -> ``ghcr.io``, ``nginx`` -> docker.io)."""
    first, slash, _ = reference.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return DOCKER_HUB


def tag_of(reference: str) -> Optional[str]:
    """The tag of a reference, or None when it has none (Docker then means ``latest``)."""
    name = reference.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


def _tags(args: ResourceValidationArgs) -> list[str]:
    return [t for t in items(get(args.props, "tags")) if isinstance(t, str)]


def validate_no_latest_tag(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """No image is tagged ``latest``, explicitly or by leaving the tag out: a moving tag hides what runs."""
    if args.resource_type != DOCKER_BUILD_IMAGE:
        return
    for reference in _tags(args):
        tag = tag_of(reference)
        if tag is None or tag == "latest":
            shown = "has no tag (Docker means latest)" if tag is None else "uses the latest tag"
            report_violation(f"image tag {reference!r} {shown}; tag a version and the environment", args.urn)


def _registry_exports(props: Mapping) -> list[Mapping]:
    """Exports that push: ``registry``, and ``image`` with ``push: true``."""
    found = [get(e, "registry") for e in items(get(props, "exports")) if isinstance(get(e, "registry"), Mapping)]
    found += [get(e, "image") for e in items(get(props, "exports")) if is_true(get(e, "image", "push"))]
    return found


def _destinations(props: Mapping) -> list[tuple[str, str]]:
    """(what, reference) of everything a build writes to a registry: pushed tags, named exports, caches."""
    found: list[tuple[str, str]] = []
    if is_true(get(props, "push")) or _registry_exports(props):
        found += [("tag", t) for t in items(get(props, "tags")) if isinstance(t, str)]
    for export in _registry_exports(props):
        found += [("export", n) for n in items(get(export, "names")) if isinstance(n, str)]
    for cache in items(get(props, "cacheTo")):
        ref = get(cache, "registry", "ref")
        if isinstance(ref, str):
            found.append(("cache", ref))
    return found


def validate_configured_registry(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A build that pushes writes its image and its cache only to the configured registry."""
    if args.resource_type != DOCKER_BUILD_IMAGE:
        return
    allowed = str(config(args, "registry", DEFAULT_REGISTRY))
    for what, reference in _destinations(args.props):
        host = registry_of(reference)
        if host != allowed:
            report_violation(f"image {what} {reference!r} goes to {host}, not the configured registry {allowed}", args.urn)


def validate_production_base_images_pinned(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A production build passes every base image as name:tag@sha256:digest."""
    if args.resource_type != DOCKER_BUILD_IMAGE or config(args, "environment", None) != "production":
        return
    names = [str(n) for n in config(args, "baseImageArgs", DEFAULT_BASE_IMAGE_ARGS)]
    build_args = get(args.props, "buildArgs", default={})
    for name in names:
        value = get(build_args, name)
        if not isinstance(value, str) or not DIGEST_RE.search(value):
            shown = "not set (the Dockerfile's default is a tag)" if value is None else repr(value)
            report_violation(
                f"production build argument {name} is {shown}; pin the base image by digest "
                "(name:tag@sha256:<digest>) or promote staging's image",
                args.urn,
            )


_REGISTRY_CONFIG = PolicyConfigSchema(
    properties={
        "registry": {
            "type": "string",
            "default": DEFAULT_REGISTRY,
            "description": "Registry host builds may push to (webapp-platform:image.registry).",
        }
    }
)
_BASE_IMAGES_CONFIG = PolicyConfigSchema(
    properties={
        "environment": environment_schema(),
        "baseImageArgs": {
            "type": "array",
            "items": {"type": "string"},
            "default": DEFAULT_BASE_IMAGE_ARGS,
            "description": "Build arguments that carry base image references.",
        },
    },
    required=["environment"],
)

POLICIES = [
    resource_policy(
        "image-no-latest-tag", "Images are never tagged latest, explicitly or by omission.", validate_no_latest_tag),
    resource_policy(
        "image-push-to-configured-registry",
        "Image builds push their tags and cache only to the configured registry.",
        validate_configured_registry, config=_REGISTRY_CONFIG),
    resource_policy(
        "production-image-pinned-by-digest",
        "Production image builds pin every base image by digest.",
        validate_production_base_images_pinned, config=_BASE_IMAGES_CONFIG),
]
