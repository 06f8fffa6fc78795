"""The built image, run hardened, checked from inside its own network namespace."""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path

import pytest

from tests.support.docker_engine import DockerEngine
from tests.container.conftest import BUILD_CSP, IMAGE_TAG, Running, start_container

IMMUTABLE = "public, max-age=31536000, immutable"
HEALTHCHECK = ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]


def first_asset(html: bytes, pattern: str) -> str:
    """The URL of the first asset of index.html matching a regex (e.g. the entry script)."""
    match = re.search(pattern.encode(), html)
    assert match, f"{pattern} not in index.html"
    return match.group(1).decode()


def test_image_runs_as_uid_101_with_the_image_healthcheck_and_sigquit(image: dict) -> None:
    config = image["Config"]
    assert config["User"] == "101:101"
    assert config["Healthcheck"]["Test"] == HEALTHCHECK
    assert config["Healthcheck"]["Interval"] == 30 * 10**9
    assert config["StopSignal"] == "SIGQUIT"  # inherited from the nginx base


def test_image_declares_8080_and_the_base_declares_80(image: dict) -> None:
    # EXPOSE is documentation only; 80 comes from the base image and nothing listens there.
    assert set(image["Config"]["ExposedPorts"]) == {"8080/tcp", "80/tcp"}


def listening_ports(pid: int) -> set[int]:
    """TCP ports in LISTEN state in a process's network namespace (IPv4 and IPv6)."""
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_nginx_listens_on_8080_only(container: Running) -> None:
    assert listening_ports(container.pid) == {8080}


def test_health(container: Running) -> None:
    status, headers, body = container.curl("/health")
    assert (status, body, headers["cache-control"]) == (200, b"ok", ["no-store"])


@pytest.mark.parametrize("path", ["/", "/about", "/deep/link?code=1"])
def test_routes_get_the_app_shell_uncached(container: Running, path: str) -> None:
    status, headers, body = container.curl(path)
    assert status == 200
    assert b'<div id="root"></div>' in body
    assert headers["cache-control"] == ["no-cache"]


def test_entry_script_comes_precompressed_and_immutable(container: Running) -> None:
    _, _, html = container.curl("/")
    script = first_asset(html, r'<script type="module" crossorigin src="(/assets/index-[^"]+\.js)"')
    status, headers, body = container.curl(script, "Accept-Encoding: gzip")
    assert status == 200
    assert headers["content-encoding"] == ["gzip"]
    assert headers["cache-control"] == [IMMUTABLE]
    assert headers["vary"] == ["Accept-Encoding"]
    _, plain_headers, plain = container.curl(script)
    assert "content-encoding" not in plain_headers
    assert gzip.decompress(body) == plain
    assert b"sourceMappingURL" not in plain  # hidden maps: nothing points at the deleted .map files


def test_source_maps_are_not_served(container: Running) -> None:
    _, _, html = container.curl("/")
    script = first_asset(html, r'src="(/assets/index-[^"]+\.js)"')
    status, _, _ = container.curl(script + ".map")
    assert status == 404


def test_csp_allows_exactly_the_build_origins(container: Running) -> None:
    _, headers, _ = container.curl("/")
    (policy,) = headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["connect-src"] == "'self' https://api.example.test https://o42.ingest.us.sentry.io"
    assert directives["script-src"] == "'self'"
    assert directives["report-uri"] == BUILD_CSP.report_uri


@pytest.mark.parametrize("path", ["/favicon.ico", "/x.png", "/assets/missing-0000.js"])
def test_missing_files_with_an_extension_are_404(container: Running, path: str) -> None:
    status, headers, body = container.curl(path)
    assert status == 404
    assert b'<div id="root">' not in body
    assert headers["cache-control"] == ["no-store"]


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants, from /proc."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").iterdir():
            queue += [int(child) for child in (task / "children").read_text().split()]
    return found


def status_fields(pid: int) -> dict[str, str]:
    """/proc/<pid>/status as a dict."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def test_every_nginx_process_is_uid_101_with_no_capabilities(container: Running) -> None:
    pids = process_tree(container.pid)
    assert len(pids) >= 2, "expected a master and at least one worker"
    for pid in pids:
        fields = status_fields(pid)
        assert fields["Name"] == "nginx"
        assert fields["Uid"].split() == ["101"] * 4
        assert fields["Gid"].split() == ["101"] * 4
        for capabilities in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert int(fields[capabilities], 16) == 0, f"{pid}: {capabilities} {fields[capabilities]}"
        assert fields["NoNewPrivs"] == "1"


def test_healthcheck_reaches_healthy(container: Running) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        health = container.inspect()["State"]["Health"]
        if health["Status"] == "healthy":
            assert health["Log"][-1]["ExitCode"] == 0
            return
        time.sleep(0.5)
    pytest.fail(f"not healthy after 20 s: {container.inspect()['State']['Health']}")


def test_nothing_is_written_outside_tmp(container: Running, engine: DockerEngine) -> None:
    container.curl("/")
    assert engine.check("diff", container.name).strip() == ""
    written = sorted(path.name for path in Path(f"/proc/{container.pid}/root/tmp").iterdir())
    assert "nginx.pid" in written, written  # the one writable place is where nginx writes


def test_access_log_is_json_lines_on_stdout(container: Running, engine: DockerEngine) -> None:
    container.curl("/about?code=secret-one-time-code")
    time.sleep(0.2)
    lines = engine.docker("logs", container.name).stdout.splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    about = [entry for entry in entries if entry["path"] == "/about"]
    assert about and about[-1]["status"] == 200
    assert "secret-one-time-code" not in "\n".join(lines)


def test_stops_on_sigquit_with_exit_0(image: dict, engine: DockerEngine) -> None:
    running = start_container(engine, "webimage-tier-stop")
    try:
        started = time.monotonic()
        engine.check("stop", "-t", "10", running.name, timeout=30)
        elapsed = time.monotonic() - started
        state = running.inspect()["State"]
        assert (state["ExitCode"], state["OOMKilled"]) == (0, False)
        assert elapsed < 5, f"stop took {elapsed:.1f} s: SIGQUIT was not a graceful stop"
    finally:
        engine.docker("rm", "-f", running.name)


def test_image_adds_little_to_its_base(image: dict, engine: DockerEngine, bases, record_property) -> None:
    base = json.loads(engine.check("image", "inspect", bases.nginx))[0]
    added = image["Size"] - base["Size"]
    record_property("image_size", image["Size"])
    print(f"\nimage {IMAGE_TAG}: {image['Size']:,} bytes; {added:,} added to the stand-in base")
    assert 0 < added < 3_000_000
