"""The image pushed to a registry on 127.0.0.1 (Debian's docker-registry), as WebImage pushes it.

The digest buildx reports for the push is the digest the registry then serves for the tag, and a
second build of unchanged sources pushes the same digest (the build is reproducible from cache).
The `pulumi up` of a WebImage variant against this registry needs the docker-build provider plugin,
which cannot be built here (see the README): this test covers the engine and registry half.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.docker_engine import DockerEngine
from tests.support.nginx_site import IMAGE_DIR, temporary_root
from tests.support.registry import LocalRegistry
from tests.support.standin_bases import StandinBases
from tests.container.conftest import APP_DIR, BUILD_CSP

REPOSITORY = "webapp/site"


@pytest.fixture(scope="module")
def registry() -> Iterator[LocalRegistry]:
    root = temporary_root("webimage-registry-")
    try:
        with LocalRegistry(root) as running:
            yield running
    finally:
        shutil.rmtree(root, ignore_errors=True)


def push(engine: DockerEngine, bases: StandinBases, reference: str, metadata: Path) -> str:
    """Build and push; the pushed manifest's digest as buildx reports it."""
    engine.check(
        "buildx", "build", "--network", "host", "--push", "-t", reference, "--metadata-file", str(metadata),
        "--build-context", f"webimage={IMAGE_DIR}", "-f", str(IMAGE_DIR / "Dockerfile"), *bases.build_args(),
        "--build-arg", "BUILD_SCRIPT=build:staging", "--build-arg", f"VITE_API_URL={BUILD_CSP.api_url}",
        "--build-arg", f"VITE_SENTRY_DSN={BUILD_CSP.sentry_dsn}", str(APP_DIR),
        timeout=900,
    )
    return json.loads(metadata.read_text())["containerimage.digest"]


def test_pushed_digest_is_what_the_registry_serves(
    engine: DockerEngine, bases: StandinBases, registry: LocalRegistry, tmp_path: Path
) -> None:
    reference = f"{registry.address}/{REPOSITORY}:v0.1.0"
    digest = push(engine, bases, reference, tmp_path / "first.json")
    assert digest.startswith("sha256:")
    assert registry.manifest_digest(REPOSITORY, "v0.1.0") == digest
    assert registry.tags(REPOSITORY) == ["v0.1.0"]
    # Unchanged sources: the same image again, under the same digest.
    assert push(engine, bases, reference, tmp_path / "second.json") == digest
