"""The provider-schema check on the real plans of the shipped stacks, and mutations of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from plan.schema_check import check_plan, load_schemas, read_pins

ROOT = Path(__file__).resolve().parents[2]
SHARED_SCHEMAS = ROOT.parent / "shared" / "reference" / "provider-schemas"
KUBERNETES_FILE = ROOT / "stacks" / "examples" / "production-kubernetes.yaml"


@pytest.fixture(scope="module")
def schemas():
    return load_schemas(SHARED_SCHEMAS, read_pins(ROOT / "requirements.txt"))


@pytest.mark.parametrize("stack, stack_file", [("staging", None), ("production", None), ("production", KUBERNETES_FILE)])
def test_shipped_stacks_pass_clean(plan_of, schemas, stack, stack_file):
    report = check_plan(plan_of(stack, stack_file), schemas)
    assert report.violations == []
    assert report.resources_checked >= 15 and report.properties_checked >= 90
    unchecked = {u["type"] for u in report.unchecked}
    assert "vercel:index/project:Project" in unchecked  # listed, never silently skipped
    if stack_file:
        assert any(t.startswith("kubernetes:") for t in unchecked)


def main_ruleset(plan: dict) -> dict:
    return next(r for r in plan["resources"] if r["type"].endswith(":RepositoryRuleset") and r["inputs"]["name"] == "main")


def misspell_nested(plan):
    pr = main_ruleset(plan)["inputs"]["rules"]["pullRequest"]
    pr["requiredApprovingReviewCont"] = pr.pop("requiredApprovingReviewCount")
    return "inputs.rules.pullRequest.requiredApprovingReviewCont"


def wrong_type(plan):
    main_ruleset(plan)["inputs"]["rules"]["pullRequest"]["requiredApprovingReviewCount"] = "two"
    return "inputs.rules.pullRequest.requiredApprovingReviewCount"


def drop_required(plan):
    del main_ruleset(plan)["inputs"]["enforcement"]
    return "enforcement"


def unknown_top_level(plan):
    repo = next(r for r in plan["resources"] if r["type"] == "github:index/repository:Repository")
    repo["inputs"]["privateRepo"] = True
    return "inputs.privateRepo"


@pytest.mark.parametrize("mutate", [misspell_nested, wrong_type, drop_required, unknown_top_level])
def test_mutations_of_the_production_plan_fail_with_the_path(plan_of, schemas, mutate):
    plan = plan_of("production")
    path = mutate(plan)
    violations = check_plan(plan, schemas).violations
    assert len(violations) == 1, violations
    assert violations[0]["policy"] == "provider-schema" and violations[0]["enforcementLevel"] == "mandatory"
    assert path in violations[0]["message"]
