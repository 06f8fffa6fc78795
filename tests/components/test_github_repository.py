"""GitHubRepository: the repository's merge and security settings, alerts and security updates."""

from __future__ import annotations

from components.github_repository import GitHubRepository, GitHubRepositoryArgs


def declare_repo(declare, **overrides) -> dict:
    args = GitHubRepositoryArgs(**{"name": "my-app", "owner": "acme", **overrides})
    return declare(lambda: GitHubRepository("repo", args), stack="production")


def test_repository_settings(declare):
    resources = declare_repo(declare, visibility="public", description="shop")
    repo = resources["repo-repository"]
    assert repo.protect is True
    inputs = repo.inputs
    assert (inputs["name"], inputs["visibility"], inputs["description"]) == ("my-app", "public", "shop")
    # main must exist for the rulesets and the managed-files branch; squash merges only.
    assert inputs["autoInit"] is True
    assert (inputs["allowMergeCommit"], inputs["allowRebaseMerge"], inputs["allowSquashMerge"]) == (False, False, True)
    assert inputs["archiveOnDestroy"] is True and inputs["deleteBranchOnMerge"] is True
    assert inputs["securityAndAnalysis"]["secretScanning"]["status"] == "enabled"
    assert inputs["securityAndAnalysis"]["secretScanningPushProtection"]["status"] == "enabled"
    assert all(r.parent and r.parent.endswith("::repo") for n, r in resources.items() if n.startswith("repo-"))


def test_security_updates_come_after_vulnerability_alerts(declare):
    resources = declare_repo(declare)
    alerts = resources["repo-vulnerability-alerts"]
    updates = resources["repo-dependabot-security-updates"]
    assert alerts.inputs["enabled"] is True and updates.inputs["enabled"] is True
    # GitHub refuses security updates while alerts are off: an explicit dependency, not an accident.
    assert alerts.urn in updates.dependencies
