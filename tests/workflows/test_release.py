"""The tag rule and the release resolution of deploy.yml (``.github/scripts/release.py``), run for
real against a registry stand-in on 127.0.0.1 that speaks the Docker token flow (``/v2/`` answers
401 with a Bearer challenge, ``/token`` checks basic auth, manifests need the bearer token).

The tag rule: a version tag is pushed once. A new tag may be pushed; an existing tag may only be
"pushed" again by a re-run whose image is unchanged (state ``deployed`` plus an unchanged preview);
anything else stops the run before ``pulumi up``.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.workflows.shared import ROOT

SCRIPT = ROOT / ".github" / "scripts" / "release.py"
IMAGE = "ghcr.io/acme/webapp-web"
DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
USER, TOKEN = "acme", "registry-token-for-tests"  # made-up credentials of the stand-in


class Registry:
    """The stand-in: ``tags`` maps ``path:tag`` to a digest; ``requests`` records what was asked."""

    def __init__(self) -> None:
        self.tags: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self._answer()

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer()

            def _answer(self) -> None:
                url = urlsplit(self.path)
                registry.requests.append((self.command, url.path))
                if url.path == "/v2/":
                    realm = f"http://127.0.0.1:{self.server.server_address[1]}/token"
                    return self._send(401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="ghcr.io"'})
                if url.path == "/token":
                    expected = "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
                    scope = parse_qs(url.query).get("scope", [""])[0]
                    if self.headers.get("Authorization") != expected or scope != "repository:acme/webapp-web:pull":
                        return self._send(401, {})
                    return self._send(200, {}, json.dumps({"token": "bearer-ok"}).encode())
                if self.headers.get("Authorization") != "Bearer bearer-ok":
                    return self._send(401, {})
                prefix, _, tag = url.path.rpartition("/manifests/")
                digest = registry.tags.get(f"{prefix.removeprefix('/v2/')}:{tag}")
                return self._send(200, {"Docker-Content-Digest": digest}) if digest else self._send(404, {})

            def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def registry() -> Iterator[Registry]:
    stand_in = Registry()
    thread = threading.Thread(target=stand_in.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()
    thread.join(timeout=5)


def release(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


def guard(registry: Registry, version: str, deployed: str, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
    return release(
        "guard", "--image", IMAGE, "--version", version, "--deployed-ref", deployed,
        env={"REGISTRY_API": registry.url, "REGISTRY_USERNAME": USER, "REGISTRY_TOKEN": token},
    )


@pytest.mark.parametrize(
    ("existing", "deployed", "ok", "expected"),
    [
        (None, "", True, "state=new"),
        (None, f"{IMAGE}:v1.0.0@{OTHER}", True, "state=new"),
        (DIGEST, f"{IMAGE}:v1.2.3@{DIGEST}", True, "state=deployed"),
        (DIGEST, f"{IMAGE}:v1.2.3@{OTHER}", False, f"{IMAGE}:v1.2.3 exists already ({DIGEST})"),
        (DIGEST, f"{IMAGE}:v1.0.0@{OTHER}", False, "a version tag is pushed once"),
        (DIGEST, "", False, "nothing deployed"),
    ],
    ids=["first-push", "new-version", "re-run-of-the-deployed-version", "tag-moved-by-someone-else",
         "re-release-of-an-old-version", "tag-exists-before-first-deploy"],
)
def test_a_version_tag_is_pushed_once(registry: Registry, existing: str | None, deployed: str, ok: bool, expected: str) -> None:
    if existing:
        registry.tags["acme/webapp-web:v1.2.3"] = existing
    result = guard(registry, "v1.2.3", deployed)
    assert (result.returncode == 0) is ok, result.stdout + result.stderr
    assert expected in (result.stdout if ok else result.stderr)
    assert ("HEAD", "/v2/acme/webapp-web/manifests/v1.2.3") in registry.requests, "it asked the registry"
    assert TOKEN not in result.stdout + result.stderr


def test_wrong_registry_credentials_stop_the_run(registry: Registry) -> None:
    result = guard(registry, "v1.2.3", "", token="wrong")
    assert result.returncode == 1
    assert "refused a pull token" in result.stderr and "wrong" not in result.stderr


@pytest.mark.parametrize("version", ["v1.2.3; rm -rf /", "../../etc", "", "-x"])
def test_a_version_must_be_a_tag(registry: Registry, version: str) -> None:
    result = guard(registry, version, "")
    assert result.returncode != 0
    assert not any(path.endswith("/manifests/" + version) for _, path in registry.requests)


def write(tmp_path: Path, name: str, document: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


IMAGE_URN = "urn:pulumi:staging::webapp-platform::webapp-platform:image:WebImage$docker-build:index:Image::web-image"


@pytest.mark.parametrize(
    ("op", "ok"),
    [("same", True), ("update", False), ("replace", False), ("create", False)],
)
def test_a_re_run_must_not_rebuild_the_image(tmp_path: Path, op: str, ok: bool) -> None:
    preview = {"steps": [{"op": "update", "urn": "urn:pulumi:staging::webapp-platform::vercel:index/project:Project::site-project"},
                         {"op": op, "urn": IMAGE_URN}]}
    result = release("unchanged", write(tmp_path, "preview.json", preview))
    assert (result.returncode == 0) is ok, result.stderr
    if not ok:
        assert f"{IMAGE_URN} ({op})" in result.stderr and "Release a new version" in result.stderr


def plan_document(tags: list[str]) -> dict:
    return {"resources": [{"type": "docker-build:index:Image", "inputs": {
        "tags": tags, "labels": {"org.opencontainers.image.source": "https://github.com/acme/webapp"}}}]}


@pytest.mark.parametrize(
    ("requested", "deployed", "version"),
    [("v2.0.0", f"{IMAGE}:v1.2.3@{DIGEST}", "v2.0.0"), ("", f"{IMAGE}:v1.2.3@{DIGEST}", "v1.2.3"), ("", "", "v0.1.0")],
    ids=["requested", "what-staging-runs", "stack-file-on-first-deploy"],
)
def test_resolve_picks_the_version(tmp_path: Path, requested: str, deployed: str, version: str) -> None:
    plan = write(tmp_path, "plan.json", plan_document([f"{IMAGE}:v0.1.0", f"{IMAGE}:staging"]))
    result = release("resolve", "--plan", plan, "--deployed-ref", deployed, "--requested", requested)
    assert result.returncode == 0, result.stderr
    outputs = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert outputs == {"version": version, "app_repository": "acme/webapp", "image": IMAGE}


def test_resolve_reads_the_real_staging_plan(tmp_path: Path) -> None:
    """The plan document `python -m plan show staging --json` prints has what resolve needs."""
    shown = subprocess.run([sys.executable, "-m", "plan", "show", "staging", "--json"], cwd=ROOT, capture_output=True,
                           text=True, timeout=120, check=True)
    plan = tmp_path / "plan.json"
    plan.write_text(shown.stdout, encoding="utf-8")
    result = release("resolve", "--plan", str(plan))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == ["app_repository=example-org/my-app", "image=ghcr.io/example-org/my-app-web"]


def test_resolve_refuses_a_plan_without_an_image(tmp_path: Path) -> None:
    result = release("resolve", "--plan", write(tmp_path, "plan.json", {"resources": []}))
    assert result.returncode == 1 and "expected 1 (image.mode build)" in result.stderr
    assert "Traceback" not in result.stderr
