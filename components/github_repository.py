"""The app repository and its security settings (declared by the owner stack only).

The repository-wide guardrails around it are components of their own, one per concern:
``github_rulesets.py`` (branch and tag rulesets), ``github_actions_config.py`` (repository-level Actions
secrets and variables) and ``github_managed_files.py`` (the app's workflows, proposed as a pull request).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import pulumi
import pulumi_github as github

from platform_facts import COMPONENT_TYPES

Visibility = Literal["private", "public", "internal"]


@dataclass(frozen=True)
class GitHubRepositoryArgs:
    """Inputs of :class:`GitHubRepository`."""

    name: str
    """Repository name (without owner)."""
    owner: str
    """Organization or user that owns the repository."""
    description: str = ""
    """Repository description."""
    visibility: Visibility = "private"
    """Repository visibility."""
    secret_scanning: bool = True
    """Secret scanning and push protection on (free on public repositories; private ones need GitHub
    Secret Protection, and the config model only turns this off where the stack accepts it missing)."""


class GitHubRepository(pulumi.ComponentResource):
    """Repository (merge settings, secret scanning, push protection), vulnerability alerts and
    Dependabot security updates."""

    name: pulumi.Output[str]
    html_url: pulumi.Output[str]
    repository: github.Repository
    """The repository resource itself, for what must come after it (Vercel links it at creation)."""

    def __init__(self, name: str, args: GitHubRepositoryArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(COMPONENT_TYPES["GitHubRepository"], name, None, opts)
        repo = github.Repository(
            f"{name}-repository",
            name=args.name,
            description=args.description,
            visibility=args.visibility,
            auto_init=True,  # rulesets and the managed-files branch need main to exist
            has_issues=True,
            delete_branch_on_merge=True,
            allow_merge_commit=False,
            allow_rebase_merge=False,
            allow_squash_merge=True,
            allow_update_branch=True,
            archive_on_destroy=True,
            security_and_analysis=_security_and_analysis() if args.secret_scanning else None,
            # Losing the repository loses history, reviews and releases: refuse to delete it.
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        alerts = github.RepositoryVulnerabilityAlerts(
            f"{name}-vulnerability-alerts", repository=repo.name, enabled=True, opts=pulumi.ResourceOptions(parent=self)
        )
        github.RepositoryDependabotSecurityUpdates(
            f"{name}-dependabot-security-updates",
            repository=repo.name,
            enabled=True,
            # GitHub refuses security updates while vulnerability alerts are off: the alerts come first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[alerts]),
        )

        self.repository = repo
        self.name = repo.name
        self.html_url = repo.html_url
        self.register_outputs({"name": self.name, "htmlUrl": self.html_url})


def _security_and_analysis() -> github.RepositorySecurityAndAnalysisArgs:
    # advanced_security cannot be set on public repositories (always on there), so it is left alone.
    return github.RepositorySecurityAndAnalysisArgs(
        secret_scanning=github.RepositorySecurityAndAnalysisSecretScanningArgs(status="enabled"),
        secret_scanning_push_protection=github.RepositorySecurityAndAnalysisSecretScanningPushProtectionArgs(
            status="enabled"
        ),
    )
