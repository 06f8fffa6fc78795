"""RepositoryRulesets: main, hotfix/* and release tags, and what OpenSSF Scorecard makes of main."""

from __future__ import annotations

import pytest

from components.github_rulesets import BypassActorArgs, RepositoryRulesets, RepositoryRulesetsArgs
from platform_facts import REQUIRED_CHECKS


def declare_rulesets(declare, **overrides) -> dict:
    args = RepositoryRulesetsArgs(**{"repository": "my-app", **overrides})
    return declare(lambda: RepositoryRulesets("rulesets", args), stack="production")


def rules_of(resources: dict, ruleset: str) -> dict:
    return resources[f"rulesets-{ruleset}"].inputs


@pytest.mark.parametrize("approvals", [0, 1, 2, 6])
def test_main_ruleset(declare, approvals):
    main = rules_of(declare_rulesets(declare, required_approvals=approvals), "main")
    assert main["target"] == "branch" and main["enforcement"] == "active" and main["repository"] == "my-app"
    assert main["conditions"]["refName"] == {"includes": ["~DEFAULT_BRANCH"], "excludes": []}
    rules = main["rules"]
    assert rules["deletion"] is True and rules["nonFastForward"] is True
    pr = rules["pullRequest"]
    assert pr["requiredApprovingReviewCount"] == approvals
    assert pr["dismissStaleReviewsOnPush"] is True and pr["requireLastPushApproval"] is True
    assert pr["requiredReviewThreadResolution"] is True
    assert pr["requireCodeOwnerReview"] is False
    checks = rules["requiredStatusChecks"]
    assert [c["context"] for c in checks["requiredChecks"]] == list(REQUIRED_CHECKS)
    assert checks["strictRequiredStatusChecksPolicy"] is True
    assert main["bypassActors"] == []


def test_hotfix_needs_a_reviewed_pull_request_and_tags_are_immutable(declare):
    resources = declare_rulesets(declare, required_approvals=2)
    hotfix = rules_of(resources, "hotfix")
    assert hotfix["conditions"]["refName"]["includes"] == ["refs/heads/hotfix/*"]
    assert hotfix["rules"]["pullRequest"]["requiredApprovingReviewCount"] == 2
    assert hotfix["rules"]["pullRequest"]["dismissStaleReviewsOnPush"] is True
    tags = rules_of(resources, "release-tags")
    assert tags["target"] == "tag" and tags["conditions"]["refName"]["includes"] == ["refs/tags/v*"]
    assert tags["rules"]["update"] is True and tags["rules"]["deletion"] is True


def test_bypass_actors_only_when_configured(declare):
    actors = (BypassActorArgs("Team", 42, "pull_request"), BypassActorArgs("OrganizationAdmin"))
    main = rules_of(declare_rulesets(declare, bypass_actors=actors), "main")
    assert main["bypassActors"] == [
        {"actorId": 42, "actorType": "Team", "bypassMode": "pull_request"},
        {"actorType": "OrganizationAdmin", "bypassMode": "always"},
    ]


def scorecard_branch_protection(main: dict, codeowners_file: bool) -> int:
    """OpenSSF Scorecard's Branch-Protection tiers (FACTS.md), applied to a main ruleset's inputs."""
    rules, pr = main["rules"], main["rules"].get("pullRequest") or {}
    checks = (rules.get("requiredStatusChecks") or {})
    tiers = [
        (3, rules.get("deletion") and rules.get("nonFastForward")),
        (3, pr.get("requiredApprovingReviewCount", 0) > 0 and checks.get("strictRequiredStatusChecksPolicy")
            and pr.get("requireLastPushApproval")),
        (2, bool(checks.get("requiredChecks"))),
        (1, pr.get("requiredApprovingReviewCount", 0) >= 2 and pr.get("requireCodeOwnerReview") and codeowners_file),
        (1, pr.get("dismissStaleReviewsOnPush") and not main.get("bypassActors")),
    ]
    score = 0
    for weight, ok in tiers:
        if not ok:
            break
        score += weight
    return score


@pytest.mark.parametrize("approvals, code_owners, expected", [(1, False, 8), (2, False, 8), (1, True, 8), (2, True, 10)])
def test_scorecard_branch_protection_score(declare, approvals, code_owners, expected):
    # With code owners, wiring/ also manages the CODEOWNERS file that Scorecard looks for.
    main = rules_of(declare_rulesets(declare, required_approvals=approvals, require_code_owner_review=code_owners), "main")
    assert scorecard_branch_protection(main, codeowners_file=code_owners) == expected
