"""`plan check`: output for people and for machines, the provider-schema check merged in, and bad
input refused with exit 2 and a message (no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plan.__main__ import main as plan_cli
from plan.harness import ROOT



def _write(tmp_path: Path, plan: dict, name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


def _main_ruleset(plan: dict) -> dict:
    return next(r for r in plan["resources"] if r["type"].endswith(":RepositoryRuleset") and r["inputs"]["name"] == "main")


def test_text_report_names_policy_resource_and_message(plan_of, tmp_path, capsys) -> None:
    plan = plan_of("production")
    ruleset = _main_ruleset(plan)
    ruleset["inputs"]["rules"]["nonFastForward"] = False
    code = plan_cli(["check", "production", "--plan-file", str(_write(tmp_path, plan))])
    out = capsys.readouterr().out
    assert code == 1
    lines = out.splitlines()
    at = lines.index("[mandatory] default-branch-blocks-force-push-and-deletion")
    assert lines[at + 1].strip() == ruleset["urn"]
    assert "force pushes are allowed" in lines[at + 2]
    assert lines[-1] == "FAILED: 1 mandatory violation(s), 0 advisory"


def test_advisory_only_passes(plan_of, tmp_path, capsys) -> None:
    plan = plan_of("production")
    _main_ruleset(plan)["inputs"]["bypassActors"] = [{"actorType": "OrganizationAdmin", "bypassMode": "always"}]
    code = plan_cli(["check", "production", "--plan-file", str(_write(tmp_path, plan)), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(v["policy"], v["enforcementLevel"]) for v in report["violations"]] == [("default-branch-no-bypass-actors", "advisory")]


def test_json_report_merges_the_provider_schema_check(plan_of, tmp_path, capsys) -> None:
    plan = plan_of("production")
    ruleset = _main_ruleset(plan)
    pull_request = ruleset["inputs"]["rules"]["pullRequest"]
    pull_request["requiredApprovingReviewCont"] = pull_request.pop("requiredApprovingReviewCount")
    code = plan_cli(["check", "production", "--plan-file", str(_write(tmp_path, plan)), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert all(set(v) == {"policy", "urn", "message", "enforcementLevel"} for v in report["violations"])
    by_policy = {v["policy"]: v for v in report["violations"]}
    # The misspelt key is unknown to the provider, and the ruleset no longer asks for approvals.
    assert set(by_policy) == {"provider-schema", "default-branch-requires-pull-request"}
    assert "requiredApprovingReviewCont" in by_policy["provider-schema"]["message"]
    assert by_policy["provider-schema"]["urn"] == ruleset["urn"]
    schema = report["schema"]
    assert schema["resourcesChecked"] > 20 and schema["propertiesChecked"] > 100
    assert schema["directory"] == "provider-schemas"
    assert sorted(schema["packages"]) == ["docker-build@0.0.22", "github@6.15.0", "kubernetes@4.34.2", "sentry@0.0.9", "vercel@5.21.1"]
    assert {u["type"] for u in schema["unchecked"]} == {"pulumi:pulumi:StackReference", "pulumi-python:dynamic/sentry:Alert"}


def _not_json(tmp_path: Path) -> Path:
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    return path


def _bad_policy_config(tmp_path: Path) -> Path:
    path = tmp_path / "policy.json"
    config = json.loads((ROOT / "policies/config/production.json").read_text())
    config["default-branch-requires-pull-request"] = {"minAprovals": 1}
    path.write_text(json.dumps(config))
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "production", "--plan-file", "/nonexistent/plan.json"], "cannot read plan file /nonexistent/plan.json"),
        (["check", "qa"], "no policy config for stack 'qa': expected policies/config/qa.json"),
        (["check", "production", "--schemas", "/nonexistent/schemas"], "schema folder /nonexistent/schemas does not exist"),
        (["check", "production", "--schemas", "EMPTY_DIR"], "no provider schema for docker-build@0.0.22 (expected "),
        (["check", "staging", "--plan-file", "PLAN_OF_PRODUCTION"], "is the plan of stack 'production', not 'staging'"),
        (["check", "production", "--plan-file", "NOT_JSON"], "not valid JSON"),
        (["check", "production", "--policy-config", "BAD_CONFIG"], "policy 'default-branch-requires-pull-request' has no setting minAprovals"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str, plan_of, tmp_path, capsys) -> None:
    substitutes = {
        "PLAN_OF_PRODUCTION": lambda: str(_write(tmp_path, plan_of("production"))),
        "NOT_JSON": lambda: str(_not_json(tmp_path)),
        "BAD_CONFIG": lambda: str(_bad_policy_config(tmp_path)),
        "EMPTY_DIR": lambda: str(tmp_path),
    }
    argv = [substitutes[a]() if a in substitutes else a for a in args]
    assert plan_cli(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_bad_stack_config_exits_2(stack_file, capsys) -> None:
    variant = stack_file("production", set={"webapp-platform:requiredAprovals": 2})
    assert plan_cli(["check", "production", "--stack-file", str(variant)]) == 2
    assert "webapp-platform:requiredAprovals" in capsys.readouterr().err


def test_command_line_end_to_end() -> None:
    """`python -m plan check staging` as CI runs it: a fresh process plans and checks."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-m", "plan", "check", "staging"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "passed: 0 mandatory violation(s), 0 advisory"
    assert "provider schemas (provider-schemas: docker-build@0.0.22, github@6.15.0, kubernetes@4.34.2, sentry@0.0.9, vercel@5.21.1)" in proc.stdout
