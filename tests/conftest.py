"""Fixtures shared by every test folder."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable

import pytest
import yaml

from plan.harness import ROOT, run_stack, run_under_mocks

_PLANS: dict[tuple, dict] = {}


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def plan_of() -> Callable[..., dict]:
    """The plan document of a shipped stack (computed once per session, handed out as a copy):
    preview semantics, or ``values="example"`` for example placeholders."""

    def get(stack: str, stack_file: Path | None = None, values: str = "preview") -> dict:
        key = (stack, str(stack_file), values)
        if key not in _PLANS:
            _PLANS[key] = run_stack(stack, stack_file=stack_file, values=values)
        return copy.deepcopy(_PLANS[key])

    return get


@pytest.fixture
def stack_file(tmp_path) -> Callable[..., Path]:
    """Write a variant of a shipped stack file: ``stack_file("staging", set={...}, drop=[...])``."""

    def make(stack: str, set: dict | None = None, drop: tuple = (), raw: str | None = None) -> Path:
        path = tmp_path / f"Pulumi.{stack}-variant.yaml"
        if raw is not None:
            path.write_text(raw, encoding="utf-8")
            return path
        document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
        config = document["config"]
        for key in drop:
            config.pop(key, None)
        config.update(set or {})
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    return make


@pytest.fixture
def declare() -> Callable[..., dict]:
    """Run ``fn`` (which declares components) under the plan's mocks; return registrations by name."""

    def run(fn: Callable[[], object], stack: str = "staging") -> dict:
        monitor, _ = run_under_mocks(fn, project="webapp-platform", stack=stack)
        return {r.name: r for r in monitor.registrations}

    return run


@pytest.fixture(scope="session")
def by_type() -> Callable[[dict, str], list[dict]]:
    """``by_type(plan, ":RepositoryRuleset")``: the plan's resources of that type."""

    def select(plan: dict, type_suffix: str) -> list[dict]:
        return [r for r in plan["resources"] if r["type"].endswith(type_suffix)]

    return select
