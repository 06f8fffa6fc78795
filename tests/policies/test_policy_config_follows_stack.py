"""Each stack's policy config says what its stack config says: platform admins, outside collaborators,
and the policies of every guardrail the stack accepts missing run at advisory (and no others)."""

from __future__ import annotations

import json

import pytest

from plan.harness import ROOT, stack_config
from stackconfig.load import load_stack_config
from stackconfig.plan_facts import GUARDRAILS

STACKS = [("staging", None), ("production", None), ("production", ROOT / "stacks/examples/production-kubernetes.yaml")]


def level(entry) -> str | None:
    if isinstance(entry, str):
        return entry
    return entry.get("enforcementLevel") if isinstance(entry, dict) else None


@pytest.mark.parametrize("stack, stack_file", STACKS, ids=["staging", "production", "production-kubernetes"])
def test_policy_config_follows_the_stack_config(stack, stack_file):
    _, values, secrets, _ = stack_config(ROOT, stack, stack_file)
    config = load_stack_config(values, secrets)
    policy = json.loads((ROOT / "policies" / "config" / f"{stack}.json").read_text(encoding="utf-8"))
    admins = policy.get("repository-admin-only-platform-admins", {}).get("platformAdmins", [])
    assert admins == config.platform_admins
    outside = policy["production-no-outside-writers"]
    assert outside["environment"] == config.environment
    assert outside.get("allowOutsideCollaborators", False) == config.allow_outside_collaborators
    advisory = {name for name, entry in policy.items() if level(entry) == "advisory"}
    expected = {p for g in config.missing_guardrails for p in GUARDRAILS[g]["policies"]}
    assert advisory == expected, "accepted-missing guardrails run their policies at advisory, nothing else does"
