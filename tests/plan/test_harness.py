"""The offline plan: document shape, determinism, secrets, warnings, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from plan.harness import PLACEHOLDER
from plan.show import to_json, tree

STACKS = ["staging", "production"]


@pytest.mark.parametrize("stack", STACKS)
def test_document_shape(plan_of, stack):
    plan = plan_of(stack)
    assert plan["project"] == "webapp-platform" and plan["stack"] == stack
    assert plan["resources"][0]["type"] == "pulumi:pulumi:Stack"
    keys = {"urn", "type", "name", "parent", "dependencies", "protect", "retainOnDelete", "provider", "inputs"}
    urns = {r["urn"] for r in plan["resources"]}
    for resource in plan["resources"]:
        assert set(resource) == keys
        assert resource["urn"].startswith(f"urn:pulumi:{stack}::webapp-platform::")
        assert resource["parent"] is None or resource["parent"] in urns
        assert set(resource["dependencies"]) <= urns


@pytest.mark.parametrize("stack", STACKS)
def test_children_of_components_have_the_engines_urns(plan_of, stack):
    plan = plan_of(stack)
    project = next(r for r in plan["resources"] if r["type"].endswith(":SentryProject"))
    assert project["urn"] == (
        f"urn:pulumi:{stack}::webapp-platform::webapp-platform:monitoring:SentryMonitoring"
        "$sentry:index/sentryProject:SentryProject::monitoring-project"
    )
    provider = next(r for r in plan["resources"] if r["type"] == "pulumi:providers:sentry")
    assert provider["urn"] == f"urn:pulumi:{stack}::webapp-platform::pulumi:providers:sentry::sentry"
    assert project["provider"] == provider["urn"]


@pytest.mark.parametrize("stack", STACKS)
def test_wiring_is_visible_with_realistic_values(plan_of, by_type, stack):
    plan = plan_of(stack)
    dsn = next(r for r in by_type(plan, ":ProjectEnvironmentVariable") if r["inputs"]["key"] == "VITE_SENTRY_DSN")
    key = by_type(plan, ":SentryKey")[0]
    assert key["urn"] in dsn["dependencies"]
    assert plan["outputs"]["sentryDsn"].startswith("https://") and ".ingest." in plan["outputs"]["sentryDsn"]
    assert plan["outputs"]["vercelProjectId"].startswith("prj_")
    project_id = by_type(plan, ":ProjectDomain")[0]["inputs"]["projectId"]
    assert project_id == plan["outputs"]["vercelProjectId"]


def test_whole_numbers_are_integers(plan_of, by_type):
    ruleset = next(r for r in by_type(plan_of("production"), ":RepositoryRuleset") if r["inputs"]["name"] == "main")
    count = ruleset["inputs"]["rules"]["pullRequest"]["requiredApprovingReviewCount"]
    assert count == 2 and isinstance(count, int)


def test_ids_differ_between_stacks(plan_of):
    assert plan_of("staging")["outputs"]["vercelProjectId"] != plan_of("production")["outputs"]["vercelProjectId"]
    assert plan_of("staging")["outputs"]["sentryDsn"] != plan_of("production")["outputs"]["sentryDsn"]


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_value_appears_in_the_plan(plan_of, stack):
    text = to_json(plan_of(stack))
    assert PLACEHOLDER.split("{")[0] not in text
    assert '"[secret]"' in text


def test_secure_values_never_leak(stack_file, plan_of):
    from plan.harness import run_stack

    path = stack_file("staging", set={"webapp-platform:vercelToken": {"secure": "v1:c2VjcmV0LWNpcGhlcnRleHQ="}})
    text = to_json(run_stack("staging", stack_file=path)) + tree(run_stack("staging", stack_file=path))
    assert "c2VjcmV0LWNpcGhlcnRleHQ" not in text and PLACEHOLDER.split("{")[0] not in text


def test_cli_json_is_byte_identical_across_runs_and_logs_no_secret(root):
    runs = [
        subprocess.run([sys.executable, "-m", "plan", "show", "production", "--json"], cwd=root,
                       capture_output=True, text=True, timeout=120)
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs)
    assert runs[0].stdout == runs[1].stdout
    json.loads(runs[0].stdout)
    for run in runs:
        assert PLACEHOLDER.split("{")[0] not in run.stdout + run.stderr


def test_tree_lists_resources_outputs_needed_secrets_and_warnings(plan_of, stack_file):
    text = tree(plan_of("production"))
    assert "github:index/repository:Repository  repository-repository [protect]" in text
    assert "siteUrl: https://example.com" in text
    assert "webapp-platform:codecovToken" in text
    assert "warnings:" not in text  # the shipped plans carry every guardrail
    hobby = stack_file("staging", set={"webapp-platform:vercelPlan": "hobby",
                                       "webapp-platform:acceptMissingGuardrails": ["all-deployments-protection"]})
    text = tree(plan_of("staging", hobby))
    assert "warnings:\n  webapp-platform:acceptMissingGuardrails: planning WITHOUT Vercel's all_deployments" in text


def test_stack_file_option_replaces_the_shipped_file(stack_file):
    from plan.harness import run_stack

    plan = run_stack("staging", stack_file=stack_file("staging", set={"webapp-platform:domain": "qa.example.org"}))
    assert plan["outputs"]["siteUrl"] == "https://qa.example.org"
