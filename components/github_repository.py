"""The app repository and its repository-wide guardrails (declared by the owner stack only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Optional, Sequence

import pulumi
import pulumi_github as github

from components._names import slug

REQUIRED_CHECKS: tuple[str, ...] = ("lint", "test", "build", "security")
"""Status checks every pull request into main must pass; ci.yml has a job of each name."""

MANAGED_BRANCH = "webapp-platform/managed-files"
"""Branch the platform commits the app's managed files to; a pull request proposes them to main,
so that platform changes pass the same review and checks as everybody else's."""


@dataclass(frozen=True)
class BypassActorArgs:
    """A ruleset bypass actor."""

    actor_type: Literal["Integration", "OrganizationAdmin", "RepositoryRole", "Team", "DeployKey"]
    """Kind of actor, as GitHub names it."""
    actor_id: Optional[int] = None
    """Numeric id; omitted for OrganizationAdmin and DeployKey."""
    bypass_mode: Literal["always", "pull_request", "exempt"] = "always"
    """When the actor may bypass."""


@dataclass(frozen=True)
class GitHubRepositoryArgs:
    """Inputs of :class:`GitHubRepository`."""

    name: str
    """Repository name (without owner)."""
    owner: str
    """Organization or user that owns the repository."""
    description: str = ""
    """Repository description."""
    visibility: Literal["private", "public", "internal"] = "private"
    """Repository visibility."""
    required_approvals: int = 1
    """Approving reviews a pull request into main needs."""
    code_owners: Sequence[str] = ()
    """CODEOWNERS entries for every path; non-empty also requires code-owner review on main."""
    bypass_actors: Sequence[BypassActorArgs] = ()
    """Who may bypass the rulesets; empty means nobody, admins included."""
    required_checks: Sequence[str] = REQUIRED_CHECKS
    """Status checks required on main (strict: branches must be up to date)."""
    managed_files: Mapping[str, str] = field(default_factory=dict)
    """Path -> content of files proposed to main through the managed-files pull request
    (the app's workflows); CODEOWNERS is added from ``code_owners``. Empty: no branch, no PR."""
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Repository-level Actions secrets (name -> secret Output)."""
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Repository-level Actions variables (name -> value)."""


class GitHubRepository(pulumi.ComponentResource):
    """Repository, security settings, rulesets of main, hotfix/* and v* tags, repository-level
    Actions secrets and variables, and the managed-files pull request."""

    name: pulumi.Output[str]
    html_url: pulumi.Output[str]

    def __init__(self, name: str, args: GitHubRepositoryArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("webapp-platform:github:GitHubRepository", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

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
            security_and_analysis=_security_and_analysis(args.visibility),
            # Losing the repository loses history, reviews and releases: refuse to delete it.
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        repo_name = repo.name
        github.RepositoryVulnerabilityAlerts(
            f"{name}-vulnerability-alerts", repository=repo_name, enabled=True, opts=child
        )
        github.RepositoryDependabotSecurityUpdates(
            f"{name}-dependabot-security-updates",
            repository=repo_name,
            enabled=True,
            # Dependabot security updates need vulnerability alerts on first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[repo]),
        )
        self._rulesets(name, args, repo_name, child)
        self._actions_config(name, args, repo_name, child)
        self._managed_files(name, args, repo, child)

        self.name = repo_name
        self.html_url = repo.html_url
        self.register_outputs({"name": self.name, "htmlUrl": self.html_url})

    # --- rulesets ---------------------------------------------------------------------------
    @staticmethod
    def _rulesets(name: str, args: GitHubRepositoryArgs, repo_name, child) -> None:
        bypass = [
            github.RepositoryRulesetBypassActorArgs(
                actor_type=a.actor_type, actor_id=a.actor_id, bypass_mode=a.bypass_mode
            )
            for a in args.bypass_actors
        ]
        def ruleset(role: str, target: str, ref_pattern: str, rules: github.RepositoryRulesetRulesArgs) -> None:
            github.RepositoryRuleset(
                f"{name}-{role}-ruleset",
                name=role,
                repository=repo_name,
                target=target,
                enforcement="active",
                conditions=_ref_condition(ref_pattern),
                bypass_actors=bypass,
                rules=rules,
                opts=child,
            )

        ruleset("main", "branch", "~DEFAULT_BRANCH", github.RepositoryRulesetRulesArgs(
            deletion=True,
            non_fast_forward=True,
            pull_request=github.RepositoryRulesetRulesPullRequestArgs(
                required_approving_review_count=args.required_approvals,
                dismiss_stale_reviews_on_push=True,
                require_last_push_approval=True,
                require_code_owner_review=bool(args.code_owners),
                required_review_thread_resolution=True,
            ),
            required_status_checks=github.RepositoryRulesetRulesRequiredStatusChecksArgs(
                required_checks=[
                    github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs(context=check)
                    for check in args.required_checks
                ],
                strict_required_status_checks_policy=True,
            ),
        ))
        ruleset("hotfix", "branch", "refs/heads/hotfix/*", github.RepositoryRulesetRulesArgs(
            deletion=True,
            non_fast_forward=True,
            pull_request=github.RepositoryRulesetRulesPullRequestArgs(
                required_approving_review_count=args.required_approvals,
                dismiss_stale_reviews_on_push=True,
            ),
        ))
        # A published release tag never moves and never disappears.
        ruleset("release-tags", "tag", "refs/tags/v*", github.RepositoryRulesetRulesArgs(
            update=True, deletion=True, non_fast_forward=True,
        ))

    # --- Actions secrets and variables --------------------------------------------------------
    @staticmethod
    def _actions_config(name: str, args: GitHubRepositoryArgs, repo_name, child) -> None:
        for secret_name, value in sorted(args.secrets.items()):
            github.ActionsSecret(
                f"{name}-secret-{slug(secret_name)}",
                repository=repo_name, secret_name=secret_name, value=value, opts=child,
            )
        for variable_name, value in sorted(args.variables.items()):
            github.ActionsVariable(
                f"{name}-variable-{slug(variable_name)}",
                repository=repo_name, variable_name=variable_name, value=value, opts=child,
            )

    # --- managed files --------------------------------------------------------------------
    @staticmethod
    def _managed_files(name: str, args: GitHubRepositoryArgs, repo: github.Repository, child) -> None:
        files = dict(args.managed_files)
        if args.code_owners:
            files[".github/CODEOWNERS"] = codeowners_content(args.code_owners)
        if not files:
            return
        branch = github.Branch(
            f"{name}-managed-branch", repository=repo.name, branch=MANAGED_BRANCH, source_branch="main", opts=child
        )
        committed = [
            github.RepositoryFile(
                f"{name}-file-{slug(path)}",
                repository=repo.name,
                branch=branch.branch,
                file=path,
                content=content,
                commit_message=f"chore(platform): update {path}",
                overwrite_on_create=True,
                opts=child,
            )
            for path, content in sorted(files.items())
        ]
        github.RepositoryPullRequest(
            f"{name}-managed-pull-request",
            base_repository=repo.name,
            base_ref="main",
            head_ref=branch.branch,
            title="chore(platform): managed workflows and CODEOWNERS",
            body="Proposed by webapp-platform. These files are managed as code: change them in the platform "
            "repository, not here. Merging runs the same review and checks as any other change.",
            maintainer_can_modify=True,
            opts=pulumi.ResourceOptions(parent=child.parent, depends_on=committed),
        )


def codeowners_content(owners: Sequence[str]) -> str:
    """A CODEOWNERS file that makes ``owners`` review every path."""
    return "# Managed by webapp-platform.\n* " + " ".join(owners) + "\n"


def _security_and_analysis(visibility: str) -> github.RepositorySecurityAndAnalysisArgs:
    # advanced_security cannot be set on public repositories (always on there), so it is left alone.
    del visibility
    return github.RepositorySecurityAndAnalysisArgs(
        secret_scanning=github.RepositorySecurityAndAnalysisSecretScanningArgs(status="enabled"),
        secret_scanning_push_protection=github.RepositorySecurityAndAnalysisSecretScanningPushProtectionArgs(
            status="enabled"
        ),
    )


def _ref_condition(include: str) -> github.RepositoryRulesetConditionsArgs:
    return github.RepositoryRulesetConditionsArgs(
        ref_name=github.RepositoryRulesetConditionsRefNameArgs(includes=[include], excludes=[])
    )
