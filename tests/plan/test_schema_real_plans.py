"""The provider-schema check on the real plans of the shipped stacks, and mutations of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from plan.schema_check import DEFAULT_SCHEMAS_DIR, UNCHECKED_REASONS, check_plan, classify, load_schemas, read_pins

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES_FILE = ROOT / "stacks" / "examples" / "production-kubernetes.yaml"
STACKS = [("staging", None), ("production", None), ("production", KUBERNETES_FILE)]


@pytest.fixture(scope="module")
def schemas():
    """Every pinned provider's vendored schema (a missing one fails here, naming it)."""
    return load_schemas(DEFAULT_SCHEMAS_DIR, read_pins(ROOT / "requirements.txt"))


@pytest.mark.parametrize("stack, stack_file", STACKS)
def test_every_provider_resource_of_the_shipped_stacks_is_schema_checked(plan_of, schemas, stack, stack_file):
    plan = plan_of(stack, stack_file)
    report = check_plan(plan, schemas)
    assert report.violations == []
    kinds = [classify(r["type"], plan["project"])[0] for r in plan["resources"]]
    assert report.resources_checked == sum(kind in ("provider", "custom") for kind in kinds) >= 20
    # Only the dynamic provider's resources and StackReferences are not schema-checked, with their reasons.
    assert {u["reason"] for u in report.unchecked} <= set(UNCHECKED_REASONS.values())
    unchecked = {u["type"] for u in report.unchecked}
    assert "pulumi-python:dynamic/sentry:Alert" in unchecked
    packages = {r["type"].split(":", 1)[0] for r in plan["resources"]}
    assert {"github", "sentry", "vercel"} <= packages
    if stack_file:
        assert "kubernetes" in packages


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
