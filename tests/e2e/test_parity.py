"""Point 2 of the engine tier: the real preview and the offline plan declare the same resources.

Per URN: type, parent, provider, protect, dependencies and every input, with the preview's unknowns
as the plan's "[unknown]" (tests/e2e/parity.py says how wire forms are mapped). Values a real preview
reads from outside the program (the Slack integration id, staging's image reference) are served by the
stub and the imported staging state (stacks.external_values); the offline plan, which reads neither,
shows them as "[unknown]", and the comparison accepts exactly those values there.
Providers that `make engine` cannot build here are the schema-checking stand-ins (standin_provider.py):
their Check adds no defaults, so a real provider's defaulted inputs are not part of this comparison.
"""

from __future__ import annotations

import pytest

from tests.e2e import parity
from tests.e2e.stacks import VARIANTS, external_values, offline_plan, run_preview


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_preview_and_offline_plan_declare_the_same_resources(stack_env, variant, shipped_plans):
    env = stack_env(variant)
    run = run_preview(env)
    assert run.result.returncode == 0, run.result.describe()
    preview = parity.from_preview(run.digest)
    plan = parity.from_plan(offline_plan(env.stack, env.stack_file, env=env.workdir.env))
    lines = parity.differences(preview, plan, external_values(shipped_plans).values())
    assert not lines, f"{len(lines)} difference(s) between `pulumi preview --json` and `plan show --json`:\n" + "\n".join(lines)
    assert len(preview) == len(plan) > 10


def test_comparison_reports_each_kind_of_difference():
    base = {"type": "t", "parent": None, "provider": None, "protect": False, "dependencies": [], "inputs": {"a": 1}}
    preview = {"urn:a": base, "urn:b": base}
    plan = {"urn:a": {**base, "protect": True, "inputs": {"a": "[unknown]", "b": 2}}, "urn:c": base}
    lines = parity.differences(preview, plan)
    assert lines == [
        "urn:b: declared by the preview only",
        "urn:c: declared by the plan only",
        "urn:a: protect: preview false != plan true",
        'urn:a: inputs.a: preview 1 != plan "[unknown]"',
        "urn:a: inputs.b: only in the plan = 2",
    ]


def test_only_the_served_external_values_may_be_unknown_offline():
    base = {"type": "t", "parent": None, "provider": None, "protect": False, "dependencies": []}
    preview = {"urn:a": {**base, "inputs": {"id": "24681357", "other": "x"}}}
    plan = {"urn:a": {**base, "inputs": {"id": "[unknown]", "other": "[unknown]"}}}
    assert parity.differences(preview, plan, external=["24681357"]) == [
        'urn:a: inputs.other: preview "x" != plan "[unknown]"']


@pytest.mark.parametrize("wire,plan_form", [
    ("04da6b54-80e4-46f7-96ec-b56ff0331ba9", "[unknown]"),
    ({"__provider": "blob", "k": 2.0}, {"k": 2}),
    ([1.5, "[secret]"], [1.5, "[secret]"]),
])
def test_preview_values_map_to_the_plan_forms(wire, plan_form):
    assert parity._value(wire) == plan_form


@pytest.mark.parametrize("reference,expected", [
    ("urn:pulumi:s::p::pulumi:providers:github::github::04da6b54-80e4-46f7-96ec-b56ff0331ba9",
     "urn:pulumi:s::p::pulumi:providers:github::github"),
    ("urn:pulumi:s::p::pulumi:providers:docker-build::default_0_0_22::04da6b54", None),
    ("", None),
])
def test_provider_references_compare_by_urn(reference, expected):
    assert parity._provider(reference) == expected
