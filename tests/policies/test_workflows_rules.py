"""The workflow policies (``policies/rules/workflows.py``) on hand-built stacks.

A stack shaped like the production plan (the owner stack: ruleset, repository-level declarations,
the ``production`` environment, and the shipped app workflows committed as ``RepositoryFile``) passes;
each mutation (rename a job, drop a secret, ...) makes exactly the guarding policy fail. Props go
through the engine's unknown-checking proxy, as in a real preview.
"""

from __future__ import annotations

import json

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Optional

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policies.rules import workflows
from policies.rules.workflows import POLICIES

ROOT = Path(__file__).resolve().parents[2]
CI_TEXT = (ROOT / "templates" / "app-workflows" / "ci.yml").read_text(encoding="utf-8")
DEPLOY_TEXT = (ROOT / "templates" / "app-workflows" / "deploy.yml").read_text(encoding="utf-8")
REPO = "webapp"
CHECKS = ("lint", "test", "build", "security")
ENV_VARS = ("VERCEL_PROJECT_ID", "SENTRY_PROJECT", "APP_URL", "VITE_SENTRY_DSN", "VITE_API_URL", "VITE_ENVIRONMENT")

RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
FILE = "github:index/repositoryFile:RepositoryFile"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
SECRET = "github:index/actionsSecret:ActionsSecret"
VARIABLE = "github:index/actionsVariable:ActionsVariable"
ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
ENV_VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"

Stack = dict[str, tuple[str, dict[str, Any]]]
"""name -> (type, props): a stack under construction, easy to mutate by name."""


def resource(type_: str, name: str, props: Mapping[str, Any], stack: str = "production") -> PolicyResource:
    return PolicyResource(
        resource_type=type_,
        props=unknown_checking_proxy(dict(props)),
        urn=f"urn:pulumi:{stack}::webapp-platform::{type_}::{name}",
        name=name,
        opts=PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), []),
        provider=None,
        parent=None,
        dependencies=[],
        property_dependencies={},
    )


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:production::webapp-platform::{type_}::{name}"


def production_stack() -> Stack:
    """The owner stack: what issue 2's GitHub component declares, with the shipped workflows."""
    stack: Stack = {
        "main": (RULESET, {
            "repository": REPO, "name": "main", "target": "branch", "enforcement": "active",
            "conditions": {"refName": {"includes": ["~DEFAULT_BRANCH"], "excludes": []}},
            "rules": {"requiredStatusChecks": {"strictRequiredStatusChecksPolicy": True,
                                                "requiredChecks": [{"context": c} for c in CHECKS]}},
        }),
        "ci-yml": (FILE, {"repository": REPO, "file": ".github/workflows/ci.yml", "content": CI_TEXT, "branch": "main"}),
        "deploy-yml": (FILE, {"repository": REPO, "file": ".github/workflows/deploy.yml", "content": DEPLOY_TEXT}),
        "dependabot-yml": (FILE, {"repository": REPO, "file": ".github/dependabot.yml", "content": "version: 2\n"}),
        "env-production": (ENVIRONMENT, {"repository": REPO, "environment": "production"}),
        "secret-CODECOV_TOKEN": (SECRET, {"repository": REPO, "secretName": "CODECOV_TOKEN", "value": "[secret]"}),
        "var-VERCEL_ORG_ID": (VARIABLE, {"repository": REPO, "variableName": "VERCEL_ORG_ID", "value": "team_1"}),
        "var-SENTRY_ORG": (VARIABLE, {"repository": REPO, "variableName": "SENTRY_ORG", "value": "acme"}),
    }
    for name in ("VERCEL_TOKEN", "SLACK_WEBHOOK_URL", "SENTRY_AUTH_TOKEN"):
        stack[f"production-secret-{name}"] = (ENV_SECRET, {"repository": REPO, "environment": "production", "secretName": name, "value": "[secret]"})
    for name in ENV_VARS:
        stack[f"production-var-{name}"] = (ENV_VARIABLE, {"repository": REPO, "environment": "production", "variableName": name, "value": "x"})
    return stack


def staging_stack() -> Stack:
    """The other stack: its environment only, referring to the repository by name."""
    stack: Stack = {"env-staging": (ENVIRONMENT, {"repository": REPO, "environment": "staging"})}
    for name in ("VERCEL_TOKEN", "SLACK_WEBHOOK_URL"):
        stack[f"staging-secret-{name}"] = (ENV_SECRET, {"repository": REPO, "environment": "staging", "secretName": name, "value": "[secret]"})
    for name in ENV_VARS:
        stack[f"staging-var-{name}"] = (ENV_VARIABLE, {"repository": REPO, "environment": "staging", "variableName": name, "value": "x"})
    return stack


def run(policy_name: str, stack: Stack, config: Optional[Mapping[str, Any]] = None, stack_name: str = "production") -> list[tuple[str, Optional[str]]]:
    """Run one policy of the module with the shipped config of ``stack_name`` (``config`` overrides
    keys of it); return its violations as (message, urn)."""
    config = {**shipped_config(stack_name, policy_name), **(config or {})}
    policy = next(p for p in POLICIES if p.name == policy_name)
    assert isinstance(policy, StackValidationPolicy)
    resources = [resource(type_, name, props, stack_name) for name, (type_, props) in stack.items()]
    violations: list[tuple[str, Optional[str]]] = []
    policy.validate(StackValidationArgs(resources, config), lambda message, urn=None: violations.append((message, urn)))
    return violations


def edit_file(stack: Stack, name: str, old: str, new: str) -> Stack:
    type_, props = stack[name]
    assert old in props["content"], f"{old!r} not in {name}"
    stack[name] = (type_, {**props, "content": props["content"].replace(old, new, 1)})
    return stack


def test_module_exports_two_stack_policies() -> None:
    assert [p.name for p in POLICIES] == ["required-checks-have-jobs", "workflow-secrets-declared"]
    assert all(isinstance(p, StackValidationPolicy) for p in POLICIES)


def test_the_pack_collects_the_workflow_policies() -> None:
    from policies.registry import policy_names

    assert {"required-checks-have-jobs", "workflow-secrets-declared"} <= set(policy_names())


@pytest.mark.parametrize("policy", ["required-checks-have-jobs", "workflow-secrets-declared"])
@pytest.mark.parametrize(("stack_name", "build"), [("production", production_stack), ("staging", staging_stack)])
def test_shipped_stacks_pass(policy: str, stack_name: str, build: Callable[[], Stack]) -> None:
    assert run(policy, build(), stack_name=stack_name) == []


def shipped_config(stack_name: str, policy: str) -> dict[str, Any]:
    """The policy's entry in the shipped ``policies/config/<stack>.json`` (what a real run passes)."""
    return json.loads((ROOT / "policies" / "config" / f"{stack_name}.json").read_text(encoding="utf-8")).get(policy, {})


# --- required-checks-have-jobs -------------------------------------------------------------------

Mutation = Callable[[Stack], Stack]


def _set(name: str, **changes: Any) -> Mutation:
    def mutate(stack: Stack) -> Stack:
        type_, props = stack[name]
        stack[name] = (type_, {**props, **changes})
        return stack
    return mutate


def _checks(*checks: Mapping[str, Any]) -> Mutation:
    return _set("main", rules={"requiredStatusChecks": {"requiredChecks": list(checks)}})


@pytest.mark.parametrize(
    ("mutate", "missing"),
    [
        (lambda s: edit_file(s, "ci-yml", "  lint:\n    name: lint\n", "  eslint:\n    name: eslint\n"), ["lint"]),
        (lambda s: edit_file(s, "ci-yml", "  test:\n    name: test\n", "  test:\n    name: Unit tests\n"), ["test"]),
        (lambda s: edit_file(s, "ci-yml", "on:\n  pull_request:\n  push:", "on:\n  push:"), list(CHECKS)),
        (lambda s: edit_file(s, "ci-yml", "  build:\n    name: build\n", "  build:\n    name: build\n    strategy:\n      matrix:\n        mode: [staging]\n"), ["build"]),
        (_checks({"context": "lint"}, {"context": "e2e", "integrationId": 15368}), ["e2e"]),
        (lambda s: edit_file(s, "ci-yml", "jobs:\n", "jobs: [\n"), list(CHECKS)),
    ],
    ids=["rename-job", "rename-check-name", "no-pull-request-trigger", "matrix-job", "check-from-actions-app", "unreadable-ci"],
)
def test_required_check_without_job_is_a_violation(mutate: Mutation, missing: list[str]) -> None:
    violations = run("required-checks-have-jobs", mutate(production_stack()))
    assert [m.split("status check '")[1].split("'")[0] for m, _ in violations] == missing
    assert {u for _, u in violations} == {urn(RULESET, "main")}
    assert all("wait for it forever" in m for m, _ in violations)


@pytest.mark.parametrize(
    "mutate",
    [
        _set("main", enforcement="disabled"),
        _set("main", enforcement="evaluate"),
        _set("main", target="tag"),
        _checks({"context": "codecov/patch", "integrationId": 254.0}),  # reported by another GitHub App
        lambda s: {k: v for k, v in s.items() if k not in ("ci-yml", "deploy-yml")},  # no workflows committed
        _set("ci-yml", content=UNKNOWN_STRING_VALUE),  # content not known during the preview
        _set("main", repository="other-repo"),  # the ruleset guards a repository with no committed workflows
    ],
    ids=["disabled", "evaluate", "tag-ruleset", "other-app", "no-workflows", "unknown-content", "other-repository"],
)
def test_required_checks_not_judged(mutate: Mutation) -> None:
    stack = edit_file(production_stack(), "ci-yml", "  lint:\n    name: lint\n", "  eslint:\n    name: eslint\n")
    assert run("required-checks-have-jobs", mutate(stack)) == []


def test_unreadable_workflow_is_named() -> None:
    stack = edit_file(production_stack(), "ci-yml", "jobs:\n", "jobs: [\n")
    (message, _), *_ = run("required-checks-have-jobs", stack)
    assert "Unreadable workflows: .github/workflows/ci.yml" in message


# --- workflow-secrets-declared -------------------------------------------------------------------


def _drop(*names: str) -> Mutation:
    return lambda stack: {k: v for k, v in stack.items() if k not in names}


@pytest.mark.parametrize(
    ("mutate", "file", "expected"),
    [
        (_drop("secret-CODECOV_TOKEN"), "ci-yml",
         "job 'test' of .github/workflows/ci.yml reads secrets.CODECOV_TOKEN, which this stack does not declare at repository level"),
        (_drop("production-secret-SENTRY_AUTH_TOKEN"), "deploy-yml",
         "job 'production' of .github/workflows/deploy.yml reads secrets.SENTRY_AUTH_TOKEN, which this stack does not declare for environment 'production'"),
        (_drop("var-SENTRY_ORG"), "deploy-yml", "reads vars.SENTRY_ORG"),
        (lambda s: edit_file(s, "deploy-yml", "secrets.SLACK_WEBHOOK_URL }}", "secrets.SLACK_WEBHOOK }}"), "deploy-yml",
         "job 'staging' of .github/workflows/deploy.yml reads secrets.SLACK_WEBHOOK, which this stack does not declare at repository level or for any environment of this stack (environment 'staging' is declared by another stack"),
        (lambda s: edit_file(s, "ci-yml", "token: ${{ secrets.CODECOV_TOKEN }}", "token: ${{ secrets.SENTRY_AUTH_TOKEN }}"), "ci-yml",
         "reads secrets.SENTRY_AUTH_TOKEN, which this stack does not declare at repository level (the job has no environment); it is declared for environment(s) production only"),
        (lambda s: edit_file(s, "deploy-yml", "      name: production\n", "      name: ${{ vars.TARGET_ENV }}\n"), "deploy-yml",
         "job 'production' of .github/workflows/deploy.yml names its environment with an expression"),
        (_set("secret-CODECOV_TOKEN", repository="another-repo"), "ci-yml", "reads secrets.CODECOV_TOKEN"),
        (lambda s: edit_file(s, "deploy-yml", "jobs:\n", "jobs: [\n"), "deploy-yml",
         "committed workflow cannot be checked: .github/workflows/deploy.yml: not valid YAML"),
    ],
    ids=["drop-repo-secret", "drop-production-secret", "drop-repo-variable", "typo-in-foreign-environment",
         "environment-secret-without-environment", "dynamic-environment", "secret-of-another-repository", "unreadable"],
)
def test_undeclared_secret_is_a_violation(mutate: Mutation, file: str, expected: str) -> None:
    violations = run("workflow-secrets-declared", mutate(production_stack()))
    assert len(violations) == 1, violations
    message, where = violations[0]
    assert expected in message
    assert where == urn(FILE, file)


@pytest.mark.parametrize(
    "mutate",
    [
        _set("secret-CODECOV_TOKEN", secretName="codecov_token"),  # names are case-insensitive
        _set("secret-CODECOV_TOKEN", repository=UNKNOWN_STRING_VALUE),  # not known yet: matches
        _set("secret-CODECOV_TOKEN", repository="acme/webapp"),  # owner/name and name are the same repository
        lambda s: edit_file(s, "ci-yml", "token: ${{ secrets.CODECOV_TOKEN }}", "token: ${{ secrets.GITHUB_TOKEN }}"),
        lambda s: edit_file(s, "deploy-yml", "echo \"Deployed ${url}\"", "echo \"Deployed ${url} secrets.NOT_AN_EXPRESSION\""),
        _set("deploy-yml", content=UNKNOWN_STRING_VALUE),
    ],
    ids=["case-insensitive", "unknown-repository", "owner-qualified", "builtin-token", "text-outside-expressions", "unknown-content"],
)
def test_declared_or_uncheckable_reads_pass(mutate: Mutation) -> None:
    assert run("workflow-secrets-declared", mutate(production_stack())) == []


def test_names_only_another_stacks_environment_has_come_from_config() -> None:
    """Staging's protection bypass: the production stack cannot see it, its config names it for
    staging only, so the same read in a production job is still a violation."""
    config = shipped_config("production", "workflow-secrets-declared")
    assert config == {"otherStacksDeclare": {"staging": ["VERCEL_AUTOMATION_BYPASS_SECRET"]}}
    assert "secrets.VERCEL_AUTOMATION_BYPASS_SECRET" in DEPLOY_TEXT
    assert run("workflow-secrets-declared", production_stack(), {"otherStacksDeclare": {}}) != []
    assert run("workflow-secrets-declared", production_stack()) == []
    leaked = edit_file(production_stack(), "deploy-yml", "          TARGET: production\n",
                       "          TARGET: production\n          B: ${{ secrets.VERCEL_AUTOMATION_BYPASS_SECRET }}\n")
    (message, _), = run("workflow-secrets-declared", leaked)
    assert "job 'production' of .github/workflows/deploy.yml reads secrets.VERCEL_AUTOMATION_BYPASS_SECRET" in message


def test_organization_level_names_come_from_config() -> None:
    stack = _drop("var-SENTRY_ORG")(production_stack())
    assert run("workflow-secrets-declared", stack) != []
    assert run("workflow-secrets-declared", stack, config={"declaredElsewhere": ["sentry_org"]}) == []


def test_a_stack_committing_workflows_without_repository_declarations_is_caught() -> None:
    """The staging stack does not own the repository-level names: committing ci.yml there fails."""
    stack = staging_stack()
    stack["ci-yml"] = (FILE, {"repository": REPO, "file": ".github/workflows/ci.yml", "content": CI_TEXT})
    violations = run("workflow-secrets-declared", stack, stack_name="staging")
    assert [m for m, _ in violations] == [
        "job 'test' of .github/workflows/ci.yml reads secrets.CODECOV_TOKEN, which this stack does not declare "
        "at repository level (the job has no environment)"
    ]


def test_parse_workflow_reads_on_as_a_key_and_finds_if_conditions() -> None:
    workflow = workflows.parse_workflow(
        "on: [push]\nenv:\n  A: ${{ vars.SHARED }}\njobs:\n  x:\n    if: vars.ENABLED == 'true'\n    steps: []\n", "w.yml"
    )
    assert workflow.triggers == frozenset({"push"})
    (job,) = workflow.jobs
    assert {str(r) for r in job.references} == {"vars.SHARED", "vars.ENABLED"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [("jobs: {}\n", "no `on:`"), ("on: push\njobs: {}\n", "non-empty mapping"), ("- a\n", "expected a mapping"),
     ("on: push\njobs:\n  x: 1\n", "job `x` must be a mapping")],
)
def test_parse_workflow_rejects_non_workflows_with_the_file_name(text: str, reason: str) -> None:
    with pytest.raises(workflows.WorkflowError, match=reason) as raised:
        workflows.parse_workflow(text, ".github/workflows/x.yml")
    assert str(raised.value).startswith(".github/workflows/x.yml: ")
