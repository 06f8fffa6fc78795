"""The offline policy runner: config reconciliation like the engine's, props shaped like the engine's,
unknown values, not-applicable policies and crashing policies."""

from __future__ import annotations

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from plan.policy_runner import (
    PlanDocumentError,
    PolicyConfigError,
    PolicyCrashError,
    reconcile_config,
    run_policies,
)
from tests.policies import planbuilder as pb

SEEN: list = []


def _record(args, report_violation) -> None:
    SEEN.append(args)


THRESHOLD = ResourceValidationPolicy(
    name="threshold",
    description="test policy with config",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_record,
    config_schema=PolicyConfigSchema(
        properties={"limit": {"type": "integer", "minimum": 0, "default": 3}, "mode": {"type": "string", "enum": ["a", "b"]}},
        required=["mode"],
    ),
)
PLAIN = StackValidationPolicy(name="plain", description="test policy without config", validate=_record)


@pytest.fixture(autouse=True)
def _clear_seen():
    SEEN.clear()
    yield
    SEEN.clear()


@pytest.mark.parametrize(
    ("raw", "expected_error"),
    [
        ({}, "'mode' is a required property"),
        ({"threshold": {"mode": "c"}}, "'c' is not one of ['a', 'b']"),
        ({"threshold": {"mode": "a", "limit": "two"}}, "setting limit: 'two' is not of type 'integer'"),
        ({"threshold": {"mode": "a", "limt": 2}}, "policy 'threshold' has no setting limt (settings: limit, mode)"),
        ({"threshold": {"mode": "a"}, "thresold": "advisory"}, "'thresold' is not a policy of the pack (known: plain, threshold)"),
        ({"threshold": {"mode": "a"}, "plain": "loud"}, "'loud' is not an enforcement level"),
        ({"threshold": {"mode": "a"}, "plain": 3}, "expected an enforcement level string or an object"),
    ],
    ids=["missing required", "not in enum", "wrong type", "misspelt setting", "misspelt policy", "bad level", "bad entry"],
)
def test_bad_policy_config_is_refused_naming_the_problem(raw: dict, expected_error: str) -> None:
    with pytest.raises(PolicyConfigError) as err:
        reconcile_config([THRESHOLD, PLAIN], raw, "cfg.json")
    assert expected_error in str(err.value)
    assert str(err.value).startswith("cfg.json: ")


def test_config_defaults_levels_and_numbers_as_the_engine_gives_them() -> None:
    settings = reconcile_config([THRESHOLD, PLAIN], {"all": "advisory", "threshold": {"mode": "a", "enforcementLevel": "remediate"}}, "cfg")
    assert settings["threshold"].properties == {"limit": 3.0, "mode": "a"}
    assert isinstance(settings["threshold"].properties["limit"], float)
    assert settings["threshold"].enforcement_level == EnforcementLevel.REMEDIATE
    assert settings["plain"].enforcement_level == EnforcementLevel.ADVISORY  # from "all"


def test_policy_without_level_takes_the_pack_level() -> None:
    settings = reconcile_config([PLAIN], {}, "cfg", pack_level=EnforcementLevel.MANDATORY)
    assert settings["plain"].enforcement_level == EnforcementLevel.MANDATORY


def test_policies_see_engine_shaped_props_and_linked_resources() -> None:
    plan = pb.production()
    plan.by_name("repository-repository")["inputs"]["topics"] = ["[secret]", "[unknown]"]
    settings = reconcile_config([THRESHOLD, PLAIN], {"threshold": {"mode": "b"}}, "cfg")
    run_policies(plan.doc, [THRESHOLD, PLAIN], settings)

    resource_args = [a for a in SEEN if hasattr(a, "resource_type")]
    ruleset = next(a for a in resource_args if a.name == "repository-main-ruleset")
    count = ruleset.props["rules"]["pullRequest"]["requiredApprovingReviewCount"]
    assert count == 2.0 and isinstance(count, float)
    assert ruleset.get_config() == {"limit": 3.0, "mode": "b"}
    repo = next(a for a in resource_args if a.name == "repository-repository")
    assert repo.opts.protect is True
    assert repo.props["topics"][0] == "[secret]"
    with pytest.raises(Exception) as unknown:
        repo.props["topics"][1]
    assert type(unknown.value).__name__ == "UnknownValueError"

    (stack_args,) = [a for a in SEEN if hasattr(a, "resources")]
    by_name = {r.name: r for r in stack_args.resources}
    key = by_name["monitoring-key"]
    assert [d.name for d in key.dependencies] == ["monitoring-project"]
    assert key.parent is by_name["webapp-platform-production"]


def test_unknown_value_becomes_an_advisory_diagnostic_not_a_verdict() -> None:
    from policies.rules.github import POLICIES

    scanning = [p for p in POLICIES if p.name == "repository-secret-scanning"]
    plan = pb.production()
    plan.by_name("repository-repository")["inputs"]["securityAndAnalysis"] = "[unknown]"
    result = run_policies(plan.doc, scanning, reconcile_config(scanning, {}, "cfg"))
    (violation,) = result.violations
    assert violation.enforcement_level == "advisory"
    assert "can't run policy during preview" in violation.message
    assert violation.urn.endswith("::repository-repository")


def test_disabled_policy_does_not_run_and_not_applicable_is_recorded() -> None:
    def not_applicable(args, report_violation):
        args.not_applicable("nothing to check here")

    skipping = StackValidationPolicy(name="skipping", description="d", validate=not_applicable)
    settings = reconcile_config([PLAIN, skipping], {"plain": "disabled"}, "cfg")
    result = run_policies(pb.staging().doc, [PLAIN, skipping], settings)
    assert SEEN == []
    assert result.policies_run == 1
    assert result.not_applicable == [("skipping", "nothing to check here")]


def test_stack_violation_without_urn_is_reported_on_the_stack() -> None:
    complaining = StackValidationPolicy(name="complaining", description="d", validate=lambda a, report: report("whole stack"))
    result = run_policies(pb.staging().doc, [complaining], reconcile_config([complaining], {}, "cfg"))
    (violation,) = result.violations
    assert violation.urn == "urn:pulumi:staging::webapp-platform::pulumi:pulumi:Stack::webapp-platform-staging"
    assert violation.enforcement_level == "mandatory"


def test_crashing_policy_is_an_error_naming_policy_and_resource() -> None:
    def crash(args, report_violation):
        if args.resource_type.endswith(":SentryKey"):
            raise KeyError("project")

    crashing = ResourceValidationPolicy(name="crashing", description="d", validate=crash)
    with pytest.raises(PolicyCrashError) as err:
        run_policies(pb.staging().doc, [crashing], reconcile_config([crashing], {}, "cfg"))
    assert "policy 'crashing' raised KeyError" in str(err.value)
    assert "monitoring-key" in str(err.value)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"stack": "staging"}, "no 'resources' list"),
        ({"resources": [{"urn": "u", "type": "t", "name": "n"}]}, "resources[0].inputs is missing or not an object"),
        ({"resources": ["x"]}, "resources[0] is not an object"),
    ],
)
def test_malformed_plan_is_refused(doc: dict, message: str) -> None:
    with pytest.raises(PlanDocumentError, match=message.replace("[", r"\[").replace("]", r"\]")):
        run_policies(doc, [PLAIN], {})
