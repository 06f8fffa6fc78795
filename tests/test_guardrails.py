"""Guardrails an outside mutation run could remove with every other test green.

Each is asserted on what the owner stack's plan declares (the inputs of its resources, found by
type and by what they are, not by component internals or logical names), so the tests hold however
the components are split. ``secret_output`` is checked on a sink that does not re-mark secrets
itself, since every shipped sink does (the SDKs wrap secret inputs), which hides a lost marking.
"""

from __future__ import annotations

from typing import Any

import pulumi_github as github
import pytest
from pydantic import SecretStr

from plan.show import to_json
from stackconfig.load import secret_output


def _ruleset(plan: dict, include: str) -> dict:
    found = [r["inputs"] for r in plan["resources"] if r["type"].endswith(":RepositoryRuleset")
             and include in r["inputs"]["conditions"]["refName"]["includes"]]
    assert len(found) == 1, include
    return found[0]


def _repository(plan: dict) -> dict:
    found = [r["inputs"] for r in plan["resources"] if r["type"] == "github:index/repository:Repository"]
    assert len(found) == 1
    return found[0]


def _at(inputs: dict, path: str) -> Any:
    for key in path.split("."):
        inputs = inputs[key]
    return inputs


# (what, resource, input path, required value)
GUARDRAILS = [
    ("review threads resolved before merging to main", "main", "rules.pullRequest.requiredReviewThreadResolution", True),
    ("merge commits disallowed", "repository", "allowMergeCommit", False),
    ("rebase merges disallowed", "repository", "allowRebaseMerge", False),
    ("squash merges allowed (the one way left)", "repository", "allowSquashMerge", True),
    ("repository initialised, so main exists for the rulesets", "repository", "autoInit", True),
    ("hotfix pushes dismiss stale reviews", "hotfix", "rules.pullRequest.dismissStaleReviewsOnPush", True),
    ("main pushes dismiss stale reviews", "main", "rules.pullRequest.dismissStaleReviewsOnPush", True),
]
RESOURCES = {
    "main": lambda plan: _ruleset(plan, "~DEFAULT_BRANCH"),
    "hotfix": lambda plan: _ruleset(plan, "refs/heads/hotfix/*"),
    "repository": _repository,
}


@pytest.mark.parametrize(("what", "resource", "path", "value"), GUARDRAILS, ids=[g[0] for g in GUARDRAILS])
def test_owner_stack_declares_the_guardrail(plan_of, what, resource, path, value):
    assert _at(RESOURCES[resource](plan_of("production")), path) is value, what


@pytest.mark.parametrize("value", ["plaintext-token-value", "https://hooks.example.invalid/webhook"])
def test_secret_output_marks_a_config_secret_secret(declare, value):
    """A resource whose SDK does not mark the input secret still gets "[secret]" from secret_output."""

    def program() -> None:
        github.ActionsVariable("probe", repository="app", variable_name="PROBE", value=secret_output(SecretStr(value)))

    registrations = declare(program)
    assert registrations["probe"].inputs["value"] == "[secret]"
    assert value not in to_json({name: r.inputs for name, r in registrations.items()})


def test_secret_output_keeps_an_unset_secret_unset():
    assert secret_output(None) is None
