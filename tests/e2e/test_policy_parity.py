"""Point 3 of the engine tier: the real engine with the pack reports exactly what `plan check` reports.

Fifteen deliberately broken variants of the real program (mutations.py: one guardrail of one resource
each, across every policy group) plus the unbroken stacks. For each, the same program runs under the
offline plan (`plan check --plan-file`) and under the real engine (`pulumi preview` with the pack and
its config, as the workflows pass them); the (policy, resource URN, level) sets must be equal. The
engine side uses the schema-checking stand-in providers for github, vercel, sentry and kubernetes
(standin_provider.py); the pack and its policies are the real ones.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from plan.harness import ROOT
from tests.e2e.stacks import offline_plan, run_preview
from tests.e2e.engine import policy_violations
from tests.e2e.mutations import MUTATION_ENV, MUTATIONS

# Advisories only the offline check can report, each for a reason the plan cannot remove: offline, the
# promoted image is a StackReference output the plan cannot read ("[unknown]"), so the digest policy
# says it cannot run; the real preview reads staging's state. Mandatory results must always match.
OFFLINE_ONLY_ADVISORIES = {("k8s-image-pinned-by-digest", "production-kubernetes")}

GROUPS = {"github", "hosting", "monitoring", "stack", "workflows", "image", "kubernetes"}
CASES = [(name, m.stack) for name, m in MUTATIONS.items()] + [
    (None, "staging"), (None, "production"), (None, "production-kubernetes")]


def _plan_check(env, mutation, tmp_path) -> tuple[set, list]:
    program_env = {**env.workdir.env, MUTATION_ENV: mutation or ""}
    plan = offline_plan(env.stack, env.stack_file, project=env.workdir.project, env=program_env)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "plan", "check", env.stack, "--plan-file", str(path), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)["violations"]
    policy = {(v["policy"], v["urn"], v["enforcementLevel"]) for v in report if v["policy"] != "provider-schema"}
    return policy, [v for v in report if v["policy"] == "provider-schema"]


def test_mutations_cover_every_policy_group():
    assert {m.group for m in MUTATIONS.values()} == GROUPS
    assert len(MUTATIONS) >= 12


@pytest.mark.parametrize("mutation,variant", CASES, ids=[f"{v}:{m or 'unbroken'}" for m, v in CASES])
def test_engine_and_plan_check_report_the_same_violations(stack_env, mutation, variant, tmp_path):
    env = stack_env(variant, mutable=True)
    expected, schema = _plan_check(env, mutation, tmp_path)
    assert schema == [], schema
    run = run_preview(env, mutation=mutation)
    reported = {(v["policy"], v["urn"], v["level"]) for v in policy_violations(run.events)}
    expected -= {e for e in expected - reported
                 if e[2] == "advisory" and (e[0], variant) in OFFLINE_ONLY_ADVISORIES}
    assert reported == expected, (
        f"engine only: {sorted(reported - expected)}\nplan check only: {sorted(expected - reported)}\n"
        + run.result.describe()
    )
    if mutation:  # the mutation breaks what it claims to, and the engine stops on it
        intended = {p for p, _, level in expected if level == "mandatory"}
        assert intended, f"{mutation} broke no mandatory policy"
        assert run.result.returncode != 0
    else:
        assert not [v for v in expected if v[2] == "mandatory"]
