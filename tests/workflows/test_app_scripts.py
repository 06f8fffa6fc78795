"""The app's delivery scripts, run for real: the staging smoke test through Vercel's protection
(``x-vercel-protection-bypass``), the rollback (``rollback.yml``) against a Vercel API stand-in, and
the preview workflow's handling of the pull request's build (``preview.yml``). Servers listen on
127.0.0.1 only; ``npx`` and ``gh`` are replaced by recorders that answer like the real tools.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.workflows.runner import LocalServer, Recorded, Runner, step
from tests.workflows.shared import APP_WORKFLOWS, load_yaml

DEPLOY = APP_WORKFLOWS / "deploy.yml"
ROLLBACK = APP_WORKFLOWS / "rollback.yml"
PREVIEW = APP_WORKFLOWS / "preview.yml"
BYPASS = "b" * 32  # a made-up bypass secret for the stand-in site
ENTRY = '<script type="module" crossorigin src="/assets/index-NEW.js"></script>'


def fake_tool(runner: Runner, name: str, script: str) -> Path:
    """A stand-in for ``name`` on the runner's PATH; it logs its arguments to ``<name>.log``."""
    log = runner.workdir.parent / f"{name}.log"
    path = runner.bin_dir / name
    path.write_text(f'#!/bin/bash\nprintf "%s\\n" "$*" >> "{log}"\n{script}\n', encoding="utf-8")
    path.chmod(0o755)
    return log


# --- staging smoke test behind Vercel login ----------------------------------------------------


def protected_site(request: Recorded) -> tuple[int, bytes]:
    """Like a Vercel deployment with all_deployments protection: the login page without the bypass."""
    if request.headers.get("x-vercel-protection-bypass") != BYPASS:
        return 401, b"<html>Log in to Vercel</html>"
    if request.path == "/":
        return 200, f"<html><head>{ENTRY}</head></html>".encode()
    return (200, b"console.log(1)") if request.path == "/assets/index-NEW.js" else (404, b"")


@pytest.mark.parametrize(("secret", "ok"), [(BYPASS, True), ("", False)], ids=["with-bypass", "without-bypass"])
def test_staging_smoke_test_passes_the_protection(
    runner: Runner, local_server: Callable[..., LocalServer], secret: str, ok: bool
) -> None:
    built = runner.workdir / ".vercel" / "output" / "static" / "index.html"
    built.parent.mkdir(parents=True)
    built.write_text(f"<html><head>{ENTRY}</head></html>", encoding="utf-8")
    server = local_server(protected_site)
    smoke = step(DEPLOY, "staging", "Smoke test")
    assert smoke["env"]["VERCEL_AUTOMATION_BYPASS_SECRET"] == "${{ secrets.VERCEL_AUTOMATION_BYPASS_SECRET }}"
    result = runner.run(smoke["run"], {"APP_URL": server.url + "/", "VERCEL_AUTOMATION_BYPASS_SECRET": secret})
    assert (result.returncode == 0) is ok, result.stdout + result.stderr
    assert BYPASS not in result.stdout + result.stderr
    if ok:
        assert {r.path for r in server.requests} == {"/", "/assets/index-NEW.js"}
    else:
        assert len(runner.sleeps()) == 10, "it retried, then gave up on the login page"


def test_production_smoke_test_reads_no_bypass() -> None:
    assert "VERCEL_AUTOMATION_BYPASS_SECRET" not in json.dumps(step(DEPLOY, "production", "Smoke test").get("env", {}))


# --- rollback ------------------------------------------------------------------------------------

TOKEN = "vercel-token-for-tests-0001"  # made-up
DEPLOYMENTS = [
    {"uid": "dpl_3", "url": "webapp-3.vercel.app", "created": 300},
    {"uid": "dpl_2", "url": "webapp-2.vercel.app", "created": 200},
    {"uid": "dpl_1", "url": "webapp-1.vercel.app", "created": 100},
]


def vercel_api(current: str, deployments: list[dict]) -> Callable[[Recorded], tuple[int, bytes]]:
    def respond(request: Recorded) -> tuple[int, bytes]:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}" or request.query.get("teamId") != ["team_abc"]:
            return 403, b'{"error": {"code": "forbidden"}}'
        if request.path == "/v9/projects/prj_1":
            return 200, json.dumps({"id": "prj_1", "targets": {"production": {"id": current}}}).encode()
        wanted = {"projectId": ["prj_1"], "target": ["production"], "state": ["READY"], "limit": ["50"]}
        if request.path == "/v6/deployments" and all(request.query.get(k) == v for k, v in wanted.items()):
            return 200, json.dumps({"deployments": deployments}).encode()
        return 404, b"{}"

    return respond


@pytest.mark.parametrize(
    ("current", "requested", "deployments", "promoted"),
    [
        ("dpl_3", "", DEPLOYMENTS, "https://webapp-2.vercel.app"),
        ("dpl_2", "", DEPLOYMENTS, "https://webapp-1.vercel.app"),
        ("dpl_3", "dpl_1", DEPLOYMENTS, "https://webapp-1.vercel.app"),
        ("dpl_3", "https://webapp-1.vercel.app", DEPLOYMENTS, "https://webapp-1.vercel.app"),
        ("dpl_3", "", DEPLOYMENTS[:1], None),
        ("dpl_3", "dpl_3", DEPLOYMENTS, None),
        ("dpl_3", "dpl_9", DEPLOYMENTS, None),
    ],
    ids=["previous", "before-an-earlier-rollback", "requested-id", "requested-url", "nothing-earlier", "already-current", "unknown"],
)
def test_rollback_promotes_the_previous_production_deployment(
    runner: Runner, local_server: Callable[..., LocalServer], current: str, requested: str,
    deployments: list[dict], promoted: str | None,
) -> None:
    server = local_server(vercel_api(current, deployments))
    npx = fake_tool(runner, "npx", "exit 0")
    rollback = step(ROLLBACK, "rollback", "Put the previous production deployment back")
    env = {"VERCEL_API": server.url, "VERCEL_TOKEN": TOKEN, "VERCEL_ORG_ID": "team_abc", "VERCEL_PROJECT_ID": "prj_1",
           "REQUESTED": requested, "GITHUB_ACTOR": "alice"}
    result = runner.run(rollback["run"], env)
    assert (result.returncode == 0) is (promoted is not None), result.stdout + result.stderr
    calls = npx.read_text(encoding="utf-8").splitlines() if npx.exists() else []
    if promoted is None:
        assert calls == [], "nothing is promoted"
        return
    assert calls == [f"--no-install vercel promote {promoted} --token={TOKEN}"]
    summary = (runner.workdir / "step_summary").read_text(encoding="utf-8")
    assert f"was serving: `{current}`" in summary and promoted in summary
    assert runner.outputs()["from"] == current
    assert TOKEN not in result.stdout + result.stderr + summary


def test_rollback_waits_for_the_production_approval() -> None:
    doc = load_yaml(ROLLBACK)
    assert list(doc["on"]) == ["workflow_dispatch"]
    job = doc["jobs"]["rollback"]
    assert job["environment"]["name"] == "production"
    assert job["concurrency"]["group"] == load_yaml(DEPLOY)["jobs"]["production"]["concurrency"]["group"]


def test_rollback_tells_slack(runner: Runner, local_server: Callable[..., LocalServer]) -> None:
    server = local_server(lambda request: (200, b"ok"))
    notify = step(ROLLBACK, "rollback", "Notify Slack")
    env = {"SLACK_WEBHOOK_URL": f"{server.url}/services/T0/B0/X", "JOB_STATUS": "success", "FROM": "dpl_3",
           "TO": "dpl_2 (https://webapp-2.vercel.app)", "APP_URL": "https://example.com"}
    result = runner.run(notify["run"], env)
    assert result.returncode == 0, result.stderr
    text = json.loads(server.requests[0].body)["text"]
    assert text.startswith(":rewind:") and "production rollback: success. dpl_3 -> dpl_2" in text


# --- preview deployments -------------------------------------------------------------------------

HEAD = "89abcdef0123456789abcdef0123456789abcdef"  # pragma: allowlist secret (a made-up commit)


def prepare_preview(runner: Runner, files: dict[str, str], head: str = HEAD, symlink: bool = False) -> None:
    artifact = runner.workdir.parent / "artifact"
    for name, text in files.items():
        (artifact / name).parent.mkdir(parents=True, exist_ok=True)
        (artifact / name).write_text(text, encoding="utf-8")
    if symlink:
        (artifact / "leak").symlink_to("/etc/hostname")
    # gh api answers the pull request's head; gh run download copies the prepared artifact.
    fake_tool(runner, "gh", f'''case "$1 $2" in
  "api repos/acme/webapp/pulls/42") echo "{head}" ;;
  "run download") mkdir -p "${{@: -1}}" && cp -a "{artifact}/." "${{@: -1}}/" ;;
  *) echo "unexpected gh $*" >&2; exit 9 ;;
esac''')


@pytest.mark.parametrize(
    ("files", "head", "symlink", "pr", "error"),
    [
        ({"index.html": "<html></html>", "assets/app.js": "1"}, HEAD, False, "42", None),
        ({"index.html": "<html></html>"}, HEAD, True, "42", "something other than regular files"),
        ({"index.html": "<html></html>"}, "f" * 40, False, "42", "is closed, from a fork or past"),
        ({"assets/app.js": "1"}, HEAD, False, "42", "no index.html"),
        ({"index.html": "<html></html>"}, HEAD, False, "", "names no pull request"),
    ],
    ids=["static-build", "symlink", "moved-on", "no-index", "no-pull-request"],
)
def test_preview_takes_the_build_as_data(
    runner: Runner, files: dict[str, str], head: str, symlink: bool, pr: str, error: str | None
) -> None:
    prepare_preview(runner, files, head, symlink)
    take = step(PREVIEW, "preview", "Take the pull request's build as data")
    env = {"PR_NUMBER": pr, "RUN_ID": "77", "RUN_HEAD_SHA": HEAD, "GITHUB_REPOSITORY": "acme/webapp"}
    result = runner.run(take["run"], env)
    output = runner.workdir / ".vercel" / "output"
    if error:
        assert result.returncode != 0 and error in result.stdout + result.stderr
        assert not (output / "static").exists()
        return
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((output / "config.json").read_text(encoding="utf-8")) == {"version": 3}
    assert sorted(str(p.relative_to(output)) for p in output.rglob("*") if p.is_file()) == [
        "config.json", "static/assets/app.js", "static/index.html"]


@pytest.mark.parametrize(("printed", "ok"), [("https://webapp-git-x.vercel.app", True), ("Error: no", False)])
def test_preview_deploy_keeps_the_url(runner: Runner, printed: str, ok: bool) -> None:
    npx = fake_tool(runner, "npx", f'echo "{printed}"')
    deploy = step(PREVIEW, "preview", "Deploy the preview")
    result = runner.run(deploy["run"], {"VERCEL_TOKEN": TOKEN, "RUN_HEAD_SHA": HEAD})
    assert (result.returncode == 0) is ok, result.stdout + result.stderr
    assert npx.read_text(encoding="utf-8").splitlines() == [f"--no-install vercel deploy --prebuilt --token={TOKEN}"]
    assert "--prod" not in npx.read_text(encoding="utf-8"), "a preview, never production"
    if ok:
        assert runner.outputs()["url"] == printed


def test_preview_runs_only_for_successful_same_repository_pull_requests() -> None:
    doc = load_yaml(PREVIEW)
    assert doc["on"] == {"workflow_run": {"workflows": ["CI"], "types": ["completed"]}}
    assert load_yaml(APP_WORKFLOWS / "ci.yml")["name"] == "CI"
    condition = doc["jobs"]["preview"]["if"]
    for part in ("workflow_run.event == 'pull_request'", "conclusion == 'success'",
                 "head_repository.full_name == github.repository"):
        assert part in condition
    assert doc["jobs"]["preview"]["environment"]["name"] == "preview"
    checkout = next(s for s in doc["jobs"]["preview"]["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert set(checkout.get("with", {})) == {"persist-credentials"}, "main only: no ref or repository from the event"
