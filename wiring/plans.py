"""What the stack plans without and what its plans limit, said in every preview and plan."""

from __future__ import annotations

import pulumi

from stackconfig.model import NAMESPACE, StackConfig


def plan_warnings(config: StackConfig) -> None:
    """One warning per guardrail left out (acceptMissingGuardrails) and per plan limit (stackconfig/tiers.py)."""
    for warning in config.warnings():
        pulumi.log.warn(f"{NAMESPACE}:{warning}")
