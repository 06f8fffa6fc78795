"""The GitHub parts: the repository and its guardrails (owner stack only) and this environment."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pulumi

from components._names import MovedFrom
from components.github_access import RepositoryAccess, RepositoryAccessArgs
from components.github_actions_config import RepositoryActionsConfig, RepositoryActionsConfigArgs
from components.github_environment import DeploymentEnvironment, DeploymentEnvironmentArgs
from components.github_managed_files import ManagedFiles, ManagedFilesArgs
from components.github_repository import GitHubRepository, GitHubRepositoryArgs
from components.github_rulesets import BypassActorArgs, RepositoryRulesets, RepositoryRulesetsArgs
from components.sentry_monitoring import SentryMonitoring
from components.vercel_site import VercelSite
from platform_facts import DEPLOY_BRANCH_PATTERNS, PRODUCTION, PRODUCTION_TAG_PATTERNS
from stackconfig.load import secret_output
from stackconfig.model import StackConfig
from wiring.hosting import app_variables
from wiring.providers import Providers

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
APP_WORKFLOWS = TEMPLATES / "app-workflows"
APP_REPO_FILES = {".github/dependabot.yml": TEMPLATES / "app-repo" / "dependabot.yml",
                  "SECURITY.md": TEMPLATES / "app-repo" / "SECURITY.md",
                  "lighthouserc.json": TEMPLATES / "app-repo" / "lighthouserc.json"}


def app_workflow_files() -> dict[str, str]:
    """The app repository's workflows, Dependabot config and security policy, from the templates."""
    files = {
        f".github/workflows/{path.name}": path.read_text(encoding="utf-8")
        for path in sorted(APP_WORKFLOWS.glob("*.yml"))
    }
    files.update({target: path.read_text(encoding="utf-8") for target, path in APP_REPO_FILES.items()})
    return files


def repository(config: StackConfig, p: Providers) -> Optional[GitHubRepository]:
    """The repository and its security settings; only the owner stack declares them (None elsewhere)."""
    if not config.owns_shared_resources:
        return None
    scanning = "secret-scanning" not in config.missing_guardrails  # off only where accepted missing
    return GitHubRepository(
        "repository",
        GitHubRepositoryArgs(
            name=config.github_repository,
            owner=config.github_owner,
            description=config.repository_description,
            visibility=config.repository_visibility,
            secret_scanning=scanning,
        ),
        opts=p.opts("github"),
    )


def _moved_from(repository: GitHubRepository) -> MovedFrom:
    # Until 2026-12 these resources were children of the repository component (see MovedFrom).
    return MovedFrom(parent=repository.urn, name="repository")


def rulesets(config: StackConfig, p: Providers, repository: Optional[GitHubRepository]):
    """The rulesets of main, hotfix/* and v* tags, on the owner stack's repository (None elsewhere)."""
    if repository is None:
        return None
    return RepositoryRulesets(
        "rulesets",
        RepositoryRulesetsArgs(
            repository=repository.name,
            required_approvals=config.required_approvals,
            require_code_owner_review=bool(config.code_owners),
            bypass_actors=tuple(
                BypassActorArgs(a.actor_type, a.actor_id, a.bypass_mode) for a in config.bypass_actors
            ),
            moved_from=_moved_from(repository),
        ),
        opts=p.opts("github"),
    )


def actions_config(
    config: StackConfig, p: Providers, repository: Optional[GitHubRepository], site: VercelSite, monitoring: SentryMonitoring
):
    """Repository-level Actions secrets and variables, on the owner stack's repository (None elsewhere)."""
    if repository is None:
        return None
    return RepositoryActionsConfig(
        "actions",
        RepositoryActionsConfigArgs(
            repository=repository.name,
            secrets={"CODECOV_TOKEN": secret_output(config.codecov_token)},
            variables={"VERCEL_ORG_ID": site.team_id, "SENTRY_ORG": monitoring.organization},
            moved_from=_moved_from(repository),
        ),
        opts=p.opts("github"),
    )


def managed_files(config: StackConfig, p: Providers, repository: Optional[GitHubRepository]):
    """The app's workflows and CODEOWNERS proposed as a pull request (None when off or not the owner)."""
    files = app_workflow_files() if config.commit_app_files else {}
    if repository is None or not (files or config.code_owners):
        return None
    return ManagedFiles(
        "managed-files",
        ManagedFilesArgs(
            repository=repository.name,
            files=files,
            code_owners=tuple(config.code_owners),
            moved_from=_moved_from(repository),
        ),
        opts=p.opts("github"),
    )


def environment(
    config: StackConfig, p: Providers, site: VercelSite, monitoring: SentryMonitoring, repository
) -> DeploymentEnvironment:
    production = config.environment == PRODUCTION
    # The plan checks (stackconfig/tiers.py) refuse reviewers the GitHub plan would ignore, unless the
    # stack accepts them missing: then there are none to declare.
    gated = production and "required-reviewers" not in config.missing_guardrails
    secrets = {
        "VERCEL_TOKEN": secret_output(config.vercel_token),
        "SLACK_WEBHOOK_URL": secret_output(config.slack_webhook_url),
    }
    if production:  # only the production deploy uploads source maps, with its own narrower token
        secrets["SENTRY_AUTH_TOKEN"] = secret_output(config.sentry_release_token)
    if site.protection_bypass is not None:  # the smoke test sends it as x-vercel-protection-bypass
        secrets["VERCEL_AUTOMATION_BYPASS_SECRET"] = site.protection_bypass
    return DeploymentEnvironment(
        "environment",
        DeploymentEnvironmentArgs(
            # The owner stack's repository output orders creation; the other stack names it.
            repository=repository.name if repository else config.github_repository,
            environment=config.environment,
            branch_patterns=DEPLOY_BRANCH_PATTERNS,
            tag_patterns=PRODUCTION_TAG_PATTERNS if production else (),
            reviewer_users=tuple(config.production_reviewer_users) if gated else (),
            reviewer_teams=tuple(config.production_reviewer_teams) if gated else (),
            prevent_self_review=production,
            secrets=secrets,
            variables={
                "VERCEL_PROJECT_ID": site.project_id,
                "SENTRY_PROJECT": monitoring.project_slug,
                "APP_URL": site.url,
                **app_variables(config, monitoring.dsn),
            },
        ),
        opts=p.opts("github"),
    )


def preview_environment(config: StackConfig, p: Providers, site: VercelSite, repository) -> Optional[DeploymentEnvironment]:
    """Staging only: the GitHub environment `preview` of the app's preview.yml, which deploys pull-request
    builds (static files only) to the staging project's preview target. Deploys from main only: the
    workflow that uses it runs on workflow_run, in main's context, and never runs pull-request code."""
    if config.environment == PRODUCTION:
        return None
    return DeploymentEnvironment(
        "preview",
        DeploymentEnvironmentArgs(
            repository=repository.name if repository else config.github_repository,
            environment="preview",
            branch_patterns=DEPLOY_BRANCH_PATTERNS,
            secrets={"VERCEL_TOKEN": secret_output(config.vercel_token)},
            variables={"VERCEL_PROJECT_ID": site.project_id},
        ),
        opts=p.opts("github"),
    )


def access(config: StackConfig, p: Providers, repository: Optional[GitHubRepository]) -> Optional[RepositoryAccess]:
    """Who may do what on the repository: declared by the owner stack only (None elsewhere)."""
    if repository is None:
        return None
    return RepositoryAccess(
        "access",
        RepositoryAccessArgs(
            repository=repository.name, teams=dict(config.repository_teams), users=dict(config.repository_collaborators)
        ),
        opts=p.opts("github"),
    )


def repository_url(config: StackConfig, repository) -> pulumi.Input[str]:
    if repository is not None:
        return repository.html_url
    return f"https://github.com/{config.repository_full_name}"
