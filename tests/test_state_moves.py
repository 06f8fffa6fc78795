"""Restructuring the program must not make an existing stack replace what it already has.

The fixture lists every URN the shipped stacks (and the Kubernetes example) declared at commit 1608a4e,
before the GitHub repository was split by concern and the Kubernetes provider moved to wiring/.
Each old URN must still be declared, or be the alias of exactly one resource declared now: the engine
then adopts the existing resource in place.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import plan.mocks
from plan.harness import run_stack

ROOT = Path(__file__).resolve().parent.parent
OLD_URNS = json.loads((ROOT / "tests" / "fixtures" / "plan-urns-1608a4e.json").read_text(encoding="utf-8"))
STACK_FILES = {"staging": None, "production": None, "production-kubernetes": ROOT / "stacks/examples/production-kubernetes.yaml"}


def _alias_urn(stack: str, type_: str, spec) -> str:
    """The URN an alias spec (name + parent URN) stands for, as the engine computes it."""
    parent_type = spec.parentUrn.split("::")[2]
    return f"urn:pulumi:{stack}::webapp-platform::{parent_type}${type_}::{spec.name}"


@pytest.mark.parametrize("variant", sorted(STACK_FILES))
def test_every_old_urn_is_declared_or_aliased_once(variant, monkeypatch):
    stack = variant.split("-")[0]
    aliases: list[str] = []
    register = plan.mocks.RecordingMonitor.RegisterResource

    def recording(self, request):
        # Only our moves (a new name under another parent); providers add type aliases of their own.
        moves = [a.spec for a in request.aliases if a.HasField("spec") and a.spec.name and a.spec.parentUrn]
        aliases.extend(_alias_urn(stack, request.type, spec) for spec in moves)
        return register(self, request)

    monkeypatch.setattr(plan.mocks.RecordingMonitor, "RegisterResource", recording)
    declared = {r["urn"] for r in run_stack(stack, stack_file=STACK_FILES[variant])["resources"]}
    for urn in OLD_URNS[variant]:
        assert urn in declared or aliases.count(urn) == 1, urn
    assert not set(aliases) & declared  # an alias never points at something still declared
