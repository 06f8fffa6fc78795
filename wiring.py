"""From the validated config to each component's typed args: the translation __main__.py wires.

Kept out of ``__main__.py`` so the program reads as a list of parts, and so tests can build one
part's args without running the whole program. Nothing here reads ``pulumi.Config``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_github as github
import pulumiverse_sentry as sentry
import pulumiverse_vercel as vercel

from components.github_environment import DeploymentEnvironment, DeploymentEnvironmentArgs
from components.github_repository import BypassActorArgs, GitHubRepository, GitHubRepositoryArgs
from components.sentry_monitoring import SentryMonitoring, SentryMonitoringArgs
from components.vercel_site import VercelSite, VercelSiteArgs
from stackconfig.load import secret_output
from stackconfig.model import StackConfig

TEMPLATES = Path(__file__).resolve().parent / "templates"
APP_WORKFLOWS = TEMPLATES / "app-workflows"
APP_REPO_FILES = {".github/dependabot.yml": TEMPLATES / "app-repo" / "dependabot.yml",
                  "SECURITY.md": TEMPLATES / "app-repo" / "SECURITY.md"}


@dataclass(frozen=True)
class Providers:
    """Explicit providers: credentials come from this stack's secrets, never from ambient config."""

    github: github.Provider
    vercel: vercel.Provider
    sentry: sentry.Provider

    def opts(self, *names: str) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(providers=[getattr(self, n) for n in names])


def providers(config: StackConfig) -> Providers:
    return Providers(
        github=github.Provider(
            "github", owner=config.github_owner, token=secret_output(config.github_token)
        ),
        vercel=vercel.Provider(
            "vercel", api_token=secret_output(config.vercel_token), team=config.vercel_team_id
        ),
        sentry=sentry.Provider(
            "sentry", token=secret_output(config.sentry_auth_token), base_url=f"{config.sentry_url}/api/"
        ),
    )


def monitoring(config: StackConfig, p: Providers) -> SentryMonitoring:
    return SentryMonitoring(
        "monitoring",
        SentryMonitoringArgs(
            organization=config.sentry_organization,
            team=config.sentry_team,
            create_team=config.owns_shared_resources,
            project=config.sentry_project,
            environment=config.environment,
            slack_workspace=config.slack_workspace,
            slack_channel=config.slack_channel,
            event_threshold=config.alert_event_threshold,
            api_url=config.sentry_url,
            token=secret_output(config.sentry_auth_token),
        ),
        opts=p.opts("sentry"),
    )


def app_variables(config: StackConfig, dsn: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """The app's build-time variables, the same for Vercel and for the GitHub environment."""
    return {
        "VITE_SENTRY_DSN": dsn,
        "VITE_ENVIRONMENT": config.environment,
        "VITE_API_URL": config.api_url,
    }


def site(config: StackConfig, p: Providers, dsn: pulumi.Input[str]) -> VercelSite:
    return VercelSite(
        "site",
        VercelSiteArgs(
            project_name=config.vercel_project,
            environment=config.environment,
            domain=config.domain,
            repository=config.repository_full_name,
            team_id=config.vercel_team_id,
            deployment_protection=config.deployment_protection,
            variables=app_variables(config, dsn),
            protect=config.environment == "production",
        ),
        opts=p.opts("vercel"),
    )


def app_workflow_files() -> dict[str, str]:
    """The app repository's workflows, Dependabot config and security policy, from the templates."""
    files = {
        f".github/workflows/{path.name}": path.read_text(encoding="utf-8")
        for path in sorted(APP_WORKFLOWS.glob("*.yml"))
    }
    files.update({target: path.read_text(encoding="utf-8") for target, path in APP_REPO_FILES.items()})
    return files


def repository(config: StackConfig, p: Providers, site: VercelSite, monitoring: SentryMonitoring):
    """The repository-wide resources; only the owner stack declares them (None elsewhere)."""
    if not config.owns_shared_resources:
        return None
    return GitHubRepository(
        "repository",
        GitHubRepositoryArgs(
            name=config.github_repository,
            owner=config.github_owner,
            description=config.repository_description,
            visibility=config.repository_visibility,
            required_approvals=config.required_approvals,
            code_owners=tuple(config.code_owners),
            bypass_actors=tuple(
                BypassActorArgs(a.actor_type, a.actor_id, a.bypass_mode) for a in config.bypass_actors
            ),
            managed_files=app_workflow_files() if config.commit_app_files else {},
            secrets={"CODECOV_TOKEN": secret_output(config.codecov_token)},
            variables={"VERCEL_ORG_ID": site.team_id, "SENTRY_ORG": monitoring.organization},
        ),
        opts=p.opts("github"),
    )


def environment(
    config: StackConfig, p: Providers, site: VercelSite, monitoring: SentryMonitoring, repository
) -> DeploymentEnvironment:
    production = config.environment == "production"
    if production and config.repository_visibility != "public":
        pulumi.log.warn(
            "required reviewers on the production environment of a private or internal repository need a paid "
            "GitHub plan (Enterprise for organization repositories); on a free plan GitHub ignores them and "
            "production deploys without approval."
        )
    secrets = {
        "VERCEL_TOKEN": secret_output(config.vercel_token),
        "SLACK_WEBHOOK_URL": secret_output(config.slack_webhook_url),
    }
    if production:  # only the production deploy uploads source maps
        secrets["SENTRY_AUTH_TOKEN"] = secret_output(config.sentry_auth_token)
    return DeploymentEnvironment(
        "environment",
        DeploymentEnvironmentArgs(
            # The owner stack's repository output orders creation; the other stack names it.
            repository=repository.name if repository else config.github_repository,
            environment=config.environment,
            branch_patterns=("main",),
            tag_patterns=("v*",) if production else (),
            reviewer_users=tuple(config.production_reviewer_users) if production else (),
            reviewer_teams=tuple(config.production_reviewer_teams) if production else (),
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


def web_image(config: StackConfig, monitoring: SentryMonitoring):
    """The nginx image, built here or promoted by digest from the building stack (None when off)."""
    if not config.image.enabled:
        return None
    from components.web_image import WebImage  # pulumi_docker_build only where the image is on

    return WebImage(
        "web",
        config.image.to_args(
            environment=config.environment,
            github_owner=config.github_owner,
            github_repository=config.github_repository,
            api_url=config.api_url,
            sentry_dsn=monitoring.dsn,
            registry_token=secret_output(config.registry_token),
            csp_report_uri=monitoring.dsn_csp,
        ),
    )


def kubernetes_app(config: StackConfig, image):
    """The optional Kubernetes deployment of the same image (None unless enabled)."""
    if not config.kubernetes.enabled:
        return None
    from components.kubernetes_app import KubernetesApp  # pulumi_kubernetes costs ~0.6 s to import

    return KubernetesApp(
        "kubernetes",
        config.kubernetes.to_args(environment=config.environment, domain=config.domain, image_ref=image.ref),
    )


def repository_url(config: StackConfig, repository) -> pulumi.Input[str]:
    if repository is not None:
        return repository.html_url
    return f"https://github.com/{config.repository_full_name}"
