"""GitHubRepository: repository settings, rulesets, Actions config and the managed-files PR."""

from __future__ import annotations

import pulumi
import pytest

from components.github_repository import (
    MANAGED_BRANCH, REQUIRED_CHECKS, BypassActorArgs, GitHubRepository, GitHubRepositoryArgs, codeowners_content,
)


def declare_repo(declare, **overrides) -> dict:
    args = GitHubRepositoryArgs(**{"name": "my-app", "owner": "acme", **overrides})
    return declare(lambda: GitHubRepository("repo", args), stack="production")


def rules_of(resources: dict, ruleset: str) -> dict:
    return resources[f"repo-{ruleset}-ruleset"].inputs


def test_repository_security_settings(declare):
    resources = declare_repo(declare)
    repo = resources["repo-repository"]
    assert repo.protect is True
    inputs = repo.inputs
    assert inputs["archiveOnDestroy"] is True and inputs["deleteBranchOnMerge"] is True
    assert inputs["securityAndAnalysis"]["secretScanning"]["status"] == "enabled"
    assert inputs["securityAndAnalysis"]["secretScanningPushProtection"]["status"] == "enabled"
    assert resources["repo-vulnerability-alerts"].inputs["enabled"] is True
    assert resources["repo-dependabot-security-updates"].inputs["enabled"] is True
    assert all(r.parent and r.parent.endswith("::repo") for n, r in resources.items() if n.startswith("repo-"))


@pytest.mark.parametrize("approvals", [0, 1, 2, 6])
def test_main_ruleset(declare, approvals):
    main = rules_of(declare_repo(declare, required_approvals=approvals), "main")
    assert main["target"] == "branch" and main["enforcement"] == "active"
    assert main["conditions"]["refName"] == {"includes": ["~DEFAULT_BRANCH"], "excludes": []}
    rules = main["rules"]
    assert rules["deletion"] is True and rules["nonFastForward"] is True
    pr = rules["pullRequest"]
    assert pr["requiredApprovingReviewCount"] == approvals
    assert pr["dismissStaleReviewsOnPush"] is True and pr["requireLastPushApproval"] is True
    assert pr["requireCodeOwnerReview"] is False
    checks = rules["requiredStatusChecks"]
    assert [c["context"] for c in checks["requiredChecks"]] == list(REQUIRED_CHECKS)
    assert checks["strictRequiredStatusChecksPolicy"] is True
    assert main["bypassActors"] == []


def test_hotfix_needs_a_pull_request_and_tags_are_immutable(declare):
    resources = declare_repo(declare, required_approvals=2)
    hotfix = rules_of(resources, "hotfix")
    assert hotfix["conditions"]["refName"]["includes"] == ["refs/heads/hotfix/*"]
    assert hotfix["rules"]["pullRequest"]["requiredApprovingReviewCount"] == 2
    tags = rules_of(resources, "release-tags")
    assert tags["target"] == "tag" and tags["conditions"]["refName"]["includes"] == ["refs/tags/v*"]
    assert tags["rules"]["update"] is True and tags["rules"]["deletion"] is True


def test_bypass_actors_only_when_configured(declare):
    actors = (BypassActorArgs("Team", 42, "pull_request"), BypassActorArgs("OrganizationAdmin"))
    main = rules_of(declare_repo(declare, bypass_actors=actors), "main")
    assert main["bypassActors"] == [
        {"actorId": 42, "actorType": "Team", "bypassMode": "pull_request"},
        {"actorType": "OrganizationAdmin", "bypassMode": "always"},
    ]


def test_code_owners_add_codeowners_file_and_require_their_review(declare):
    resources = declare_repo(declare, code_owners=("@acme/web", "@lead"))
    assert rules_of(resources, "main")["rules"]["pullRequest"]["requireCodeOwnerReview"] is True
    codeowners = resources["repo-file-github-codeowners"].inputs
    assert codeowners["file"] == ".github/CODEOWNERS"
    assert codeowners["content"] == codeowners_content(("@acme/web", "@lead"))
    assert codeowners["branch"] == MANAGED_BRANCH
    pr = resources["repo-managed-pull-request"]
    assert pr.inputs["baseRef"] == "main" and pr.inputs["headRef"] == MANAGED_BRANCH
    # The pull request is opened only after every file is committed to the branch.
    assert resources["repo-file-github-codeowners"].urn in pr.dependencies


def test_no_managed_files_means_no_branch_and_no_pull_request(declare):
    resources = declare_repo(declare)
    assert not [n for n in resources if "managed" in n or "-file-" in n]


def test_managed_files_are_committed_to_the_branch(declare):
    resources = declare_repo(declare, managed_files={".github/workflows/ci.yml": "name: CI\n"})
    ci = resources["repo-file-github-workflows-ci-yml"].inputs
    assert ci["content"] == "name: CI\n" and ci["branch"] == MANAGED_BRANCH and ci["overwriteOnCreate"] is True


def test_actions_secrets_stay_secret_and_variables_are_declared(declare):
    resources = declare_repo(
        declare, secrets={"CODECOV_TOKEN": pulumi.Output.secret("cc-token-value")}, variables={"SENTRY_ORG": "acme"}
    )
    secret = resources["repo-secret-codecov-token"].inputs
    assert secret["secretName"] == "CODECOV_TOKEN" and secret["value"] == "[secret]"
    assert resources["repo-variable-sentry-org"].inputs == {"repository": "my-app", "value": "acme", "variableName": "SENTRY_ORG"}


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


@pytest.mark.parametrize(
    "approvals, owners, expected", [(1, (), 8), (2, (), 8), (1, ("@acme/web",), 8), (2, ("@acme/web",), 10)]
)
def test_scorecard_branch_protection_score(declare, approvals, owners, expected):
    resources = declare_repo(declare, required_approvals=approvals, code_owners=owners)
    has_codeowners = "repo-file-github-codeowners" in resources
    assert scorecard_branch_protection(rules_of(resources, "main"), has_codeowners) == expected
