"""The container tier: a real Docker engine builds image/Dockerfile unmodified and runs it hardened.

Session fixtures, in order: the engine (tests/support/docker_engine.py: Debian 13's dockerd on its own
socket, stopped by PID at the end), the stand-in bases (tests/support/standin_bases.py), the image built
from examples/app/ with `--build-context webimage=image/`, and one hardened container of it.
In CI (`CI=true`) anything missing is an error; locally the tier is skipped, with the reason,
only when this process is not root (dockerd needs root).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.docker_engine import DockerEngine, in_netns
from tests.support.nginx_site import IMAGE_DIR, HarnessError
from tests.support.standin_bases import StandinBases, ensure_bases
from tests.support.example_app import APP_DIR, TEST_CSP, artifacts_dir

# The build arguments of the tier's image (the WebImage component passes the same three).
BUILD_CSP = TEST_CSP
IMAGE_TAG = "webimage-test/site:tier"
# The hardened run: what the Kubernetes manifest and the README ask for.
HARDENED = [
    "--network", "none", "--read-only", "--tmpfs", "/tmp:rw,nosuid,nodev,noexec,size=16m",
    "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", "101:101",
    # Only the interval is shortened (the image's 30 s would dominate the run); the command,
    # timeout and retries stay the image's own.
    "--health-interval", "1s", "--health-start-period", "1s",
]


@dataclass
class Running:
    """One running container of the image."""

    engine: DockerEngine
    """The engine it runs on."""
    name: str
    """Container name."""
    pid: int
    """Its init process (nginx's master) as seen from the host."""

    def curl(self, path: str, *headers: str, method: str = "GET") -> tuple[int, dict[str, list[str]], bytes]:
        """One request from inside the container's network namespace: status, headers, raw body."""
        argv = ["curl", "-sS", "--max-time", "5", "-X", method, "-D", "/dev/stderr", "-o", "-"]
        for header in headers:
            argv += ["-H", header]
        result = in_netns(self.pid, *argv, f"http://127.0.0.1:8080{path}")
        if result.returncode != 0:
            raise HarnessError(f"curl {path} in the container's namespace exited {result.returncode}")
        lines = result.stderr.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        parsed: dict[str, list[str]] = {}
        for line in lines[1:]:
            if ":" in line:
                key, _, value = line.partition(":")
                parsed.setdefault(key.strip().lower(), []).append(value.strip())
        return status, parsed, result.stdout

    def inspect(self) -> dict:
        """docker inspect of the container."""
        return json.loads(self.engine.check("inspect", self.name))[0]


def _require_root() -> None:
    if os.geteuid() != 0:
        message = "the container tier starts dockerd, which needs root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def engine() -> Iterator[DockerEngine]:
    """Debian 13's dockerd, started for the session and stopped by PID."""
    _require_root()
    with DockerEngine.from_cache() as running:
        yield running


@pytest.fixture(scope="session")
def bases(engine: DockerEngine) -> StandinBases:
    """The stand-in node and nginx bases (built once per cache key)."""
    return ensure_bases(engine)


@pytest.fixture(scope="session")
def image(engine: DockerEngine, bases: StandinBases) -> dict:
    """image/Dockerfile built unmodified from examples/app/; docker image inspect of the result."""
    engine.check(
        "buildx", "build", "--network", "host", "--load", "-t", IMAGE_TAG,
        "--build-context", f"webimage={IMAGE_DIR}", "-f", str(IMAGE_DIR / "Dockerfile"),
        *bases.build_args(),
        "--build-arg", "BUILD_SCRIPT=build:staging",
        "--build-arg", f"VITE_API_URL={BUILD_CSP.api_url}",
        "--build-arg", f"VITE_SENTRY_DSN={BUILD_CSP.sentry_dsn}",
        "--build-arg", "VITE_ENVIRONMENT=staging",
        "--build-arg", f"CSP_REPORT_URI={BUILD_CSP.report_uri}",
        str(APP_DIR),
        timeout=900,
    )
    return json.loads(engine.check("image", "inspect", IMAGE_TAG))[0]


def start_container(engine: DockerEngine, name: str, *extra: str) -> Running:
    """docker run -d of the image, hardened; waits (bounded) until nginx answers /health."""
    engine.docker("rm", "-f", name)
    engine.check("run", "-d", "--name", name, *HARDENED, *extra, IMAGE_TAG)
    pid = int(engine.check("inspect", "-f", "{{.State.Pid}}", name).strip())
    running = Running(engine, name, pid)
    wait_for_health(running)
    return running


def wait_for_health(running: Running, timeout: float = 20.0) -> None:
    """Bounded wait until nginx answers /health inside the container's namespace."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        probe = in_netns(running.pid, "curl", "-sf", "--max-time", "1", "http://127.0.0.1:8080/health")
        if probe.returncode == 0:
            return
        time.sleep(0.1)
    logs = running.engine.docker("logs", running.name)
    raise HarnessError(f"{running.name} never answered /health: {logs.stderr[-1500:]}")


@pytest.fixture(scope="session")
def container(engine: DockerEngine, image: dict) -> Iterator[Running]:
    """One hardened container for the read-only checks."""
    running = start_container(engine, "webimage-tier")
    try:
        yield running
    finally:
        engine.docker("rm", "-f", running.name)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where the tier writes what a person may want to look at (screenshots)."""
    return artifacts_dir()

