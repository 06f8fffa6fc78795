"""`plan diff`: resource and property changes, replacements, secrets never shown, the size cap, and a
real diff between two commits of a temporary git repository."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from plan.__main__ import main as plan_cli
from plan.diff import MAX_CHARS, diff_plans, render_markdown
from plan.harness import ROOT


def _r(name: str, type_: str, inputs: dict, **extra) -> dict:
    return {"urn": f"urn:pulumi:s::p::{type_}::{name}", "type": type_, "name": name, "parent": None,
            "dependencies": [], "protect": False, "retainOnDelete": False, "provider": None, "inputs": inputs, **extra}


RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
BASE = {
    "stack": "s",
    "resources": [
        _r("main", RULESET, {"repository": "app", "rules": {"pullRequest": {"requiredApprovingReviewCount": 2}},
                              "conditions": {"refName": {"includes": ["~DEFAULT_BRANCH"], "excludes": []}}}),
        _r("token", "github:index/actionsSecret:ActionsSecret", {"secretName": "TOKEN", "value": "[secret]"}),
        _r("gone", "sentry:index/sentryTeam:SentryTeam", {"name": "web"}),
        _r("dep", "kubernetes:apps/v1:Deployment", {"metadata": {"name": "web"}, "spec": {"replicas": 2}}),
        _r("site", "vercel:index/project:Project", {"name": "app"}, protect=True),
    ],
}


def _head() -> dict:
    head = copy.deepcopy(BASE)
    by = {r["name"]: r for r in head["resources"]}
    by["main"]["inputs"]["rules"]["pullRequest"]["requiredApprovingReviewCount"] = 0
    by["main"]["inputs"]["conditions"]["refName"]["includes"] = ["~ALL"]
    by["token"]["inputs"]["value"] = "[secret]"  # a changed secret looks the same: nothing to show
    by["dep"]["inputs"]["metadata"]["name"] = "web-v2"
    by["site"]["protect"] = False
    head["resources"].remove(by["gone"])
    head["resources"].append(_r("new", "sentry:index/sentryKey:SentryKey", {"project": "app"}))
    return head


def test_changes_are_classified_with_property_paths() -> None:
    changes = {c.name: c for c in diff_plans(BASE, _head())}
    assert {n: c.kind for n, c in changes.items()} == {
        "main": "update", "dep": "replace", "site": "update", "new": "add", "gone": "remove"
    }
    main = {c.path: (c.before, c.after) for c in changes["main"].changes}
    assert main == {
        "rules.pullRequest.requiredApprovingReviewCount": (2, 0),
        "conditions.refName.includes": (["~DEFAULT_BRANCH"], ["~ALL"]),
    }
    assert [(c.path, c.replaces) for c in changes["dep"].changes] == [("metadata.name", True)]
    assert [(c.path, c.before, c.after) for c in changes["site"].changes] == [("(protect)", True, False)]


@pytest.mark.parametrize(
    ("type_", "before", "after", "kind"),
    [
        (RULESET, {"repository": "a"}, {"repository": "b"}, "replace"),
        (RULESET, {"name": "a"}, {"name": "b"}, "update"),
        ("vercel:index/projectDomain:ProjectDomain", {"domain": "a.example"}, {"domain": "b.example"}, "replace"),
        ("github:index/actionsSecret:ActionsSecret", {"secretName": "A"}, {"secretName": "B"}, "replace"),
        ("sentry:index/sentryKey:SentryKey", {"project": "a", "name": "x"}, {"project": "a", "name": "y"}, "update"),
    ],
)
def test_replacement_inputs(type_: str, before: dict, after: dict, kind: str) -> None:
    (change,) = diff_plans({"resources": [_r("x", type_, before)]}, {"resources": [_r("x", type_, after)]})
    assert change.kind == kind


def test_provider_change_replaces() -> None:
    (change,) = diff_plans({"resources": [_r("x", RULESET, {}, provider="urn:a::id")]}, {"resources": [_r("x", RULESET, {}, provider="urn:b::id")]})
    assert change.kind == "replace"


def test_markdown_shows_changes_and_never_a_secret() -> None:
    base = copy.deepcopy(BASE)
    base["resources"][1]["inputs"]["plaintextValue"] = "hunter2-not-for-print"
    out = render_markdown("s", "`main`", "working tree", diff_plans(base, _head()), (5, 5))
    assert "**1 to add, 1 to remove, 3 to update, 1 to replace**" in out  # token: plaintextValue dropped
    assert "<code>rules.pullRequest.requiredApprovingReviewCount</code> | <code>2</code> | <code>0</code>" in out
    assert "<code>metadata.name</code> (forces replace)" in out
    assert "hunter2" not in out
    assert "<code>[redacted]</code>" in out


def test_no_changes_says_so() -> None:
    assert render_markdown("s", "`a`", "`b`", diff_plans(BASE, BASE), (5, 5)).endswith("No changes.\n")


def test_long_diff_is_cut_under_the_limit_with_a_summary() -> None:
    many = {"resources": [_r(f"r{i}", RULESET, {"name": "x" * 150, "repository": "a"}) for i in range(2000)]}
    changed = copy.deepcopy(many)
    for r in changed["resources"]:
        r["inputs"]["name"] = "y" * 150
    changes = diff_plans(many, changed)
    out = render_markdown("s", "`a`", "`b`", changes, (2000, 2000))
    assert len(out) <= MAX_CHARS
    assert "**0 to add, 0 to remove, 2000 to update, 0 to replace**" in out
    assert "**Output cut at 60,000 characters**" in out
    assert "of 2000 resource changes listed" in out


def test_cli_with_plan_files(tmp_path, capsys) -> None:
    base, head = tmp_path / "base.json", tmp_path / "head.json"
    base.write_text(json.dumps(BASE)), head.write_text(json.dumps(_head()))
    assert plan_cli(["diff", "s", "--base-file", str(base), "--head-file", str(head)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### Plan diff of `s`: `base.json` → `head.json`")


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read plan file"), ("{", "not valid JSON"), ('{"x": 1}', "expected a plan document")],
)
def test_cli_bad_base_file(tmp_path, capsys, content, message) -> None:
    path = tmp_path / "base.json"
    if content is not None:
        path.write_text(content)
    assert plan_cli(["diff", "s", "--base-file", str(path), "--head-file", str(path)]) == 2
    assert message in capsys.readouterr().err


# --- a real diff between two commits ------------------------------------------------------------------

SECURE_CIPHERTEXT = "v1:Zm9yZ2V0LW1lLW5vdC10aGlzLWlzLWEtZmFrZS1jaXBoZXJ0ZXh0"
_IGNORED = shutil.ignore_patterns(".venv", "node_modules", ".git", "__pycache__", ".pytest_cache", ".work", "venv")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=repo, check=True, capture_output=True, timeout=60,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A copy of the project with two commits: the shipped production stack, then a change of it."""
    repo = tmp_path_factory.mktemp("project") / "webapp-platform"
    shutil.copytree(ROOT, repo, ignore=_IGNORED)
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "--quiet", "-m", "shipped")
    stack_file = repo / "Pulumi.production.yaml"
    document = yaml.safe_load(stack_file.read_text(encoding="utf-8"))
    document["config"]["webapp-platform:requiredApprovals"] = 3
    document["config"]["webapp-platform:slackChannel"] = "#alerts-prod"
    document["config"]["webapp-platform:slackWebhookUrl"] = {"secure": SECURE_CIPHERTEXT}
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    _git(repo, "commit", "--quiet", "-am", "three approvals, new channel, webhook set")
    return repo


def _diff(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "plan", "diff", "production", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


def test_diff_between_two_commits(repo: Path) -> None:
    proc = _diff(repo, "--base", "HEAD~1")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("### Plan diff of `production`: `HEAD~1` → working tree")
    assert "<code>rules.pullRequest.requiredApprovingReviewCount</code> | <code>2</code> | <code>3</code>" in out
    assert "#alerts-prod" in out
    # The webhook is a secret: neither its ciphertext nor the plan's placeholder value is printed.
    assert SECURE_CIPHERTEXT not in out and SECURE_CIPHERTEXT[3:] not in out
    assert "plan-placeholder-secret" not in out
    assert "0 to add, 0 to remove" in out


def test_diff_against_an_unknown_ref_is_refused(repo: Path) -> None:
    proc = _diff(repo, "--base", "no-such-ref")
    assert proc.returncode == 2
    assert "'no-such-ref' is not a commit" in proc.stderr
    assert "Traceback" not in proc.stderr


def _example_variant(plan: dict) -> dict:
    """The same example plan with every placeholder given another example value."""
    variant = copy.deepcopy(plan)
    by_urn = {r["urn"]: r for r in variant["resources"]}
    for mark in plan["placeholders"]:
        holder = variant["outputs"] if mark["urn"] is None else by_urn[mark["urn"]]["inputs"]
        for key in mark["path"][:-1]:
            holder = holder[key]
        last = mark["path"][-1]
        if last in holder:  # else the example resolved it to nothing, and stays so
            holder[last] = f"other-{holder[last]}"
    return variant


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_placeholder_only_differences_are_no_change(plan_of, stack) -> None:
    example, preview = plan_of(stack, values="example"), plan_of(stack)
    variant = _example_variant(example)
    assert variant["resources"] != example["resources"]  # the variant does differ, in placeholders only
    assert diff_plans(example, variant) == []
    assert diff_plans(preview, example) == [] and diff_plans(example, preview) == []


def test_a_real_change_beside_placeholders_is_still_reported(plan_of) -> None:
    example = plan_of("production", values="example")
    head = _example_variant(example)
    domain = next(r for r in head["resources"] if r["type"].endswith(":ProjectDomain"))
    domain["inputs"]["domain"] = "www.example.com"
    changes = diff_plans(example, head)
    assert [(c.name, c.kind, [p.path for p in c.changes]) for c in changes] == [(domain["name"], "replace", ["domain"])]
