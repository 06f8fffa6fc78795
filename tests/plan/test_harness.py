"""The offline plan: document shape, determinism, secrets, warnings, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from plan.harness import PLACEHOLDER
from plan.show import to_json, tree
from stackconfig.errors import ConfigError

STACKS = ["staging", "production"]


@pytest.mark.parametrize("stack", STACKS)
def test_document_shape(plan_of, stack):
    plan = plan_of(stack)
    assert plan["project"] == "webapp-platform" and plan["stack"] == stack
    assert plan["resources"][0]["type"] == "pulumi:pulumi:Stack"
    assert set(plan) == {"project", "stack", "values", "resources", "outputs", "placeholders", "secretsNeeded", "warnings"}
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


def _inputs(plan: dict, type_suffix: str, **match) -> dict:
    found = [r for r in plan["resources"] if r["type"].endswith(type_suffix)
             and all(r["inputs"].get(k) == v for k, v in match.items())]
    assert len(found) == 1, (type_suffix, match, len(found))
    return found[0]["inputs"]


# (stack, resource type, inputs that pick it, input, what a first real preview shows there)
PREVIEW_VALUES = [
    # Computed by the provider on create: unknown.
    ("production", ":ProjectDomain", {}, "projectId", "[unknown]"),
    ("staging", ":ProjectEnvironmentVariable", {"key": "VITE_API_URL"}, "projectId", "[unknown]"),
    ("production", ":ActionsEnvironmentVariable", {"variableName": "VITE_SENTRY_DSN"}, "value", "[unknown]"),
    ("production", ":ActionsEnvironmentVariable", {"variableName": "VERCEL_PROJECT_ID"}, "value", "[unknown]"),
    ("production", ":ActionsVariable", {"variableName": "VERCEL_ORG_ID"}, "value", "[unknown]"),
    ("staging", ":Alert", {"kind": "new_issue"}, "projectId", "[unknown]"),
    # Read from a service by an invoke: a real preview reads it, the offline plan cannot.
    ("staging", ":Alert", {"kind": "event_frequency"}, "slackIntegrationId", "[unknown]"),
    # Inputs echoed back by the resource that is being created: known.
    ("production", ":RepositoryRuleset", {"name": "main"}, "repository", "my-app"),
    ("production", ":RepositoryEnvironment", {}, "repository", "my-app"),
    ("staging", ":SentryKey", {}, "project", "my-app-staging"),
    ("production", ":SentryProject", {}, "teams", ["web"]),
    ("staging", ":ActionsEnvironmentVariable", {"variableName": "SENTRY_PROJECT"}, "value", "my-app-staging"),
]


@pytest.mark.parametrize(("stack", "type_suffix", "match", "key", "expected"), PREVIEW_VALUES)
def test_default_values_are_what_a_real_preview_knows(plan_of, stack, type_suffix, match, key, expected):
    assert _inputs(plan_of(stack), type_suffix, **match)[key] == expected


@pytest.mark.parametrize("stack", STACKS)
def test_preview_outputs_unknown_where_computed(plan_of, stack):
    plan = plan_of(stack)
    assert plan["values"] == "preview" and plan["placeholders"] == []
    outputs = plan["outputs"]
    computed = {"sentryDsn", "vercelProjectId", "imageRef"}
    # The owner stack creates the repository (GitHub computes its URL); staging only names it.
    computed |= {"repositoryUrl"} if stack == "production" else set()
    assert {k for k, v in outputs.items() if v == "[unknown]"} == computed
    assert outputs["sentryProjectSlug"] == f"my-app-{stack}" and outputs["environment"] == stack


def test_ids_are_unknown_in_every_preview_dependency(plan_of):
    """Every input that carries another resource's computed id in the example plan is unknown in preview."""
    preview, example = plan_of("production"), plan_of("production", values="example")
    ids = {r["urn"] for r in example["resources"]}
    assert {(m["urn"], tuple(m["path"])) for m in example["placeholders"] if m["urn"] in ids} >= {
        (next(r["urn"] for r in example["resources"] if r["type"].endswith(":ProjectDomain")), ("projectId",)),
    }
    for mark in example["placeholders"]:
        holder = preview["outputs"] if mark["urn"] is None else next(r["inputs"] for r in preview["resources"] if r["urn"] == mark["urn"])
        for key in mark["path"]:
            holder = holder[key]
        assert holder == "[unknown]", mark


@pytest.mark.parametrize("stack", STACKS)
def test_example_values_fill_every_unknown_and_are_consistent(plan_of, by_type, stack):
    plan = plan_of(stack, values="example")
    assert plan["values"] == "example"
    assert "[unknown]" not in to_json(plan)
    dsn = next(r for r in by_type(plan, ":ProjectEnvironmentVariable") if r["inputs"]["key"] == "VITE_SENTRY_DSN")
    assert by_type(plan, ":SentryKey")[0]["urn"] in dsn["dependencies"]
    assert plan["outputs"]["sentryDsn"].startswith("https://") and ".ingest." in plan["outputs"]["sentryDsn"]
    # The DSN's project id is the id the alerts receive.
    project_id = plan["outputs"]["sentryDsn"].rsplit("/", 1)[-1]
    assert {r["inputs"]["projectId"] for r in by_type(plan, ":Alert")} == {project_id}
    assert plan["outputs"]["vercelProjectId"].startswith("prj_")
    assert by_type(plan, ":ProjectDomain")[0]["inputs"]["projectId"] == plan["outputs"]["vercelProjectId"]
    # The image lives under the stack's own GitHub owner; production promotes what staging builds.
    assert plan["outputs"]["imageRef"].startswith("ghcr.io/example-org/my-app-web@sha256:")
    assert plan["outputs"]["imageRef"] == plan_of("staging", values="example")["outputs"]["imageRef"]


def test_example_values_invent_no_vercel_team_for_a_personal_account(plan_of, stack_file):
    from plan.harness import run_stack

    variable = _inputs(plan_of("production", values="example"), ":ActionsVariable", variableName="VERCEL_ORG_ID")
    assert "value" not in variable  # no vercelTeamId: the provider reports no team id
    team = run_stack("production", stack_file=stack_file("production", set={"webapp-platform:vercelTeamId": "team_abc123"}),
                     values="example")
    assert _inputs(team, ":ActionsVariable", variableName="VERCEL_ORG_ID")["value"] == "team_abc123"


def test_example_values_refuse_a_reference_to_a_stack_they_cannot_plan(stack_file):
    from plan.harness import run_stack

    variant = stack_file("production", set={"webapp-platform:image": {"mode": "promote", "promoteFrom": "acme/webapp-platform/qa"}})
    with pytest.raises(ConfigError, match="StackReference to 'acme/webapp-platform/qa' names no other stack"):
        run_stack("production", stack_file=variant, values="example")
    assert run_stack("production", stack_file=variant)["outputs"]["imageRef"] == "[unknown]"


def test_tree_marks_example_placeholders(plan_of):
    text = tree(plan_of("production", values="example"))
    lines = {line.split(":", 1)[0].strip(): line for line in text.splitlines() if line.startswith("  ") and ": " in line}
    for key in ("vercelProjectId", "sentryDsn", "imageRef", "repositoryUrl"):
        assert lines[key].endswith("(example placeholder)"), lines[key]
    assert not lines["siteUrl"].endswith("(example placeholder)")
    assert "(example placeholder): an example value; a real preview shows it as [unknown]" in text
    assert "(example placeholder)" not in tree(plan_of("production"))


def test_whole_numbers_are_integers(plan_of, by_type):
    ruleset = next(r for r in by_type(plan_of("production"), ":RepositoryRuleset") if r["inputs"]["name"] == "main")
    count = ruleset["inputs"]["rules"]["pullRequest"]["requiredApprovingReviewCount"]
    assert count == 2 and isinstance(count, int)


def test_example_ids_differ_between_stacks(plan_of):
    staging, production = plan_of("staging", values="example"), plan_of("production", values="example")
    assert staging["outputs"]["vercelProjectId"] != production["outputs"]["vercelProjectId"]
    assert staging["outputs"]["sentryDsn"] != production["outputs"]["sentryDsn"]


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


@pytest.mark.parametrize("options", [[], ["--example-values"]])
def test_cli_json_is_byte_identical_across_runs_and_logs_no_secret(root, options):
    runs = [
        subprocess.run([sys.executable, "-m", "plan", "show", "production", "--json", *options], cwd=root,
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
