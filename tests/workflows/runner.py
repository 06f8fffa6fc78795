"""Running a workflow step's script the way a GitHub-hosted runner does, and a local HTTP server on
127.0.0.1 standing in for the services the scripts call (the site, Slack, Sentry, Vercel). The
fixtures that hand them out live in ``conftest.py``."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.workflows.shared import load_yaml

SCRIPT_TIMEOUT = 60

def step(path: Path, job_id: str, name: str) -> Mapping[str, Any]:
    return next(s for s in load_yaml(path)["jobs"][job_id]["steps"] if s.get("name") == name)


@dataclass
class Runner:
    """Runs a workflow step's script the way a GitHub-hosted runner does, in ``workdir``."""

    workdir: Path
    sleep_log: Path
    bin_dir: Path

    def run(self, script: str, env: Mapping[str, str], shell: str = "bash") -> subprocess.CompletedProcess[str]:
        script_file = self.workdir / ("step.py" if shell == "python" else "step.sh")
        script_file.write_text(script, encoding="utf-8")
        command = [sys.executable, str(script_file)] if shell == "python" else [
            "bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)
        ]
        full_env = {
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.workdir),
            "RUNNER_TEMP": str(self.workdir),
            "GITHUB_OUTPUT": str(self.workdir / "github_output"),
            "GITHUB_STEP_SUMMARY": str(self.workdir / "step_summary"),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "acme/webapp",
            "GITHUB_RUN_ID": "1234",
            "GITHUB_REF_NAME": "v1.2.3",
            "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",  # pragma: allowlist secret (a made-up commit)
            **env,
        }
        return subprocess.run(
            command, cwd=self.workdir, env=full_env, capture_output=True, text=True, timeout=SCRIPT_TIMEOUT, check=False
        )

    def outputs(self) -> dict[str, str]:
        path = self.workdir / "github_output"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def sleeps(self) -> list[str]:
        return self.sleep_log.read_text(encoding="utf-8").split() if self.sleep_log.exists() else []


def make_runner(tmp_path: Path) -> Runner:
    """A work directory and a ``sleep`` that records its argument and returns at once."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sleep_log = tmp_path / "sleeps.log"
    fake_sleep = bin_dir / "sleep"
    fake_sleep.write_text(f'#!/bin/sh\necho "$1" >> "{sleep_log}"\n', encoding="utf-8")
    fake_sleep.chmod(0o755)
    workdir = tmp_path / "work"
    workdir.mkdir()
    return Runner(workdir, sleep_log, bin_dir)


@dataclass
class Recorded:
    """A request the local server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    """An HTTP server on 127.0.0.1 answering with ``respond(request) -> (status, body)``."""

    respond: Callable[[Recorded], tuple[int, bytes]]
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""


def local_servers() -> Iterator[Callable[[Callable[[Recorded], tuple[int, bytes]]], LocalServer]]:
    servers: list[ThreadingHTTPServer] = []

    def start(respond: Callable[[Recorded], tuple[int, bytes]]) -> LocalServer:
        state = LocalServer(respond)

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Recorded(
                    self.command, parts.path, parse_qs(parts.query), dict(self.headers), self.rfile.read(length)
                )
                state.requests.append(request)
                status, body = state.respond(request)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        state.url = f"http://127.0.0.1:{server.server_address[1]}"
        return state

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


