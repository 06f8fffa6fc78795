"""docker-compose.yml: the local-development service, checked as written and run for real."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.docker_engine import DockerEngine
from tests.support.nginx_site import REPO_ROOT
from tests.support.standin_bases import StandinBases
from tests.container.conftest import Running, wait_for_health

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
OVERRIDE = Path(__file__).with_name("compose.test-override.yml")
PROJECT = "webimage-compose-test"


def compose(engine: DockerEngine, bases: StandinBases, *args: str, files: tuple[Path, ...] = (COMPOSE_FILE,), timeout: float = 120) -> str:
    """docker compose from the repository root (the file's relative paths and ${PWD})."""
    options = [item for path in files for item in ("-f", str(path))]
    env = {"PWD": str(REPO_ROOT), "NODE_IMAGE": bases.node, "NGINX_IMAGE": bases.nginx}
    return engine.check("compose", "-p", PROJECT, *options, *args, timeout=timeout, extra_env=env, cwd=REPO_ROOT)


@pytest.fixture(scope="module")
def config(engine: DockerEngine, bases: StandinBases) -> dict:
    return json.loads(compose(engine, bases, "config", "--format", "json"))["services"]["web"]


def test_publishes_on_loopback_only(config: dict) -> None:
    assert [(p["host_ip"], p["published"], p["target"]) for p in config["ports"]] == [("127.0.0.1", "8080", 8080)]


def test_runs_hardened_like_the_cluster(config: dict) -> None:
    assert (config["read_only"], config["cap_drop"], config["user"]) == (True, ["ALL"], "101:101")
    assert config["security_opt"] == ["no-new-privileges:true"]
    assert [mount.split(":")[0] for mount in config["tmpfs"]] == ["/tmp"]


def test_builds_image_dockerfile_with_the_webimage_context(config: dict) -> None:
    build = config["build"]
    assert build["dockerfile"] == str(REPO_ROOT / "image" / "Dockerfile")
    assert build["additional_contexts"] == {"webimage": str(REPO_ROOT / "image")}
    assert build["context"] == str(REPO_ROOT / "examples" / "app")


def test_unset_build_arguments_are_not_passed(config: dict) -> None:
    # An empty VITE_API_URL would blank the app's .env value (see the Dockerfile).
    assert "VITE_API_URL" not in config["build"]["args"]


@pytest.fixture(scope="module")
def service(engine: DockerEngine, bases: StandinBases) -> Iterator[Running]:
    files = (COMPOSE_FILE, OVERRIDE)
    compose(engine, bases, "up", "-d", "--build", "--wait", "--wait-timeout", "60", files=files, timeout=900)
    try:
        name = compose(engine, bases, "ps", "-q", "web", files=files).strip()
        pid = int(engine.check("inspect", "-f", "{{.State.Pid}}", name).strip())
        running = Running(engine, name, pid)
        wait_for_health(running)
        yield running
    finally:
        compose(engine, bases, "down", "--timeout", "10", files=files, timeout=120)


def test_compose_service_serves_the_app(service: Running) -> None:
    status, headers, body = service.curl("/")
    assert status == 200 and b'<div id="root"></div>' in body
    assert headers["cache-control"] == ["no-cache"]
    assert "content-security-policy" in headers
    assert service.curl("/health")[0] == 200
