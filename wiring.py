"""From the validated config to each component's typed args: the translation __main__.py wires.

Kept out of ``__main__.py`` so the program reads as a list of parts, and so tests can build one
part's args without running the whole program. Nothing here reads ``pulumi.Config``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import pulumi
import pulumi_github as github
import pulumiverse_sentry as sentry
import pulumiverse_vercel as vercel

from components._names import MovedFrom
from components.github_actions_config import RepositoryActionsConfig, RepositoryActionsConfigArgs
from components.github_environment import DeploymentEnvironment, DeploymentEnvironmentArgs
from components.github_managed_files import ManagedFiles, ManagedFilesArgs
from components.github_repository import GitHubRepository, GitHubRepositoryArgs
from components.github_rulesets import BypassActorArgs, RepositoryRulesets, RepositoryRulesetsArgs
from components.sentry_monitoring import SentryMonitoring, SentryMonitoringArgs
from components.vercel_site import VercelSite, VercelSiteArgs
from platform_facts import (
    COMPONENT_TYPES,
    DSN_VARIABLE,
    PRODUCTION,
    DEPLOY_BRANCH_PATTERNS,
    PRODUCTION_TAG_PATTERNS,
    Environment,
)
from stackconfig.image import ImageConfig
from stackconfig.kubernetes import KubernetesConfig
from stackconfig.load import secret_output
from stackconfig.model import StackConfig

if TYPE_CHECKING:  # imported where used: pulumi_docker_build and pulumi_kubernetes only when switched on
    from components.kubernetes_app import KubernetesAppArgs
    from components.web_image import WebImageArgs

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
        DSN_VARIABLE: dsn,
        "VITE_ENVIRONMENT": config.environment,
        "VITE_API_URL": config.api_url,
    }


def site(config: StackConfig, p: Providers, dsn: pulumi.Input[str], repository: Optional[GitHubRepository]) -> VercelSite:
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
            protect=config.environment == PRODUCTION,
            # Vercel looks the linked repository up when the project is created.
            after=(repository.repository,) if repository else (),
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


def repository(config: StackConfig, p: Providers) -> Optional[GitHubRepository]:
    """The repository and its security settings; only the owner stack declares them (None elsewhere)."""
    if not config.owns_shared_resources:
        return None
    return GitHubRepository(
        "repository",
        GitHubRepositoryArgs(
            name=config.github_repository,
            owner=config.github_owner,
            description=config.repository_description,
            visibility=config.repository_visibility,
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
            branch_patterns=DEPLOY_BRANCH_PATTERNS,
            tag_patterns=PRODUCTION_TAG_PATTERNS if production else (),
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


def image_args(
    image: ImageConfig,
    *,
    environment: Environment,
    github_owner: str,
    github_repository: str,
    api_url: str,
    sentry_dsn: pulumi.Input[str],
    registry_token: Optional[pulumi.Input[str]],
    csp_report_uri: Optional[pulumi.Input[str]] = None,
) -> WebImageArgs:
    """The WebImage's args for this stack. Call only when the image is on and the config has no problems."""
    from components.web_image import RegistryLogin, WebImageArgs

    if image.mode == "off":
        raise ValueError("image.mode is off: there is no WebImage to build")
    repository = image.repository_for(github_owner, github_repository)
    if image.mode == "promote":
        return WebImageArgs(environment=environment, mode="promote", repository=repository, promote_from=image.promote_from)
    if registry_token is None:
        raise ValueError("image.mode build pushes to the registry and needs webapp-platform:registryToken")
    return WebImageArgs(
        environment=environment,
        mode="build",
        repository=repository,
        version=image.version,
        context_dir=image.app_source,
        platforms=tuple(image.platforms),
        build_args=image_build_args(image, environment, api_url, sentry_dsn, csp_report_uri),
        registry=RegistryLogin(
            address=image.registry, username=image.registry_username or github_owner, password=registry_token
        ),
        cache=image.cache,
        build_on_preview=image.build_on_preview,
        source_url=f"https://github.com/{github_owner}/{github_repository}",
    )


def image_build_args(
    image: ImageConfig,
    environment: str,
    api_url: str,
    sentry_dsn: pulumi.Input[str],
    csp_report_uri: Optional[pulumi.Input[str]] = None,
) -> dict[str, pulumi.Input[str]]:
    """The Dockerfile ARGs for this environment (image/Dockerfile declares them). Build args end up in the
    image: no secrets here. The DSN is public by design (the browser sends it with every event); the image
    renders its Content-Security-Policy from the API URL, the DSN and the report URI."""
    args: dict[str, pulumi.Input[str]] = {
        "BUILD_SCRIPT": image.build_script or f"build:{environment}",
        "VITE_ENVIRONMENT": environment,
        "VITE_API_URL": api_url,
        "VITE_SENTRY_DSN": sentry_dsn,
    }
    if csp_report_uri is not None:
        args["CSP_REPORT_URI"] = csp_report_uri
    if image.nginx_image:
        args["NGINX_IMAGE"] = image.nginx_image
    if image.node_image:
        args["NODE_IMAGE"] = image.node_image
    return args


def web_image(config: StackConfig, monitoring: SentryMonitoring):
    """The nginx image, built here or promoted by digest from the building stack (None when off)."""
    if not config.image.enabled:
        return None
    from components.web_image import WebImage  # pulumi_docker_build only where the image is on

    return WebImage(
        "web",
        image_args(
            config.image,
            environment=config.environment,
            github_owner=config.github_owner,
            github_repository=config.github_repository,
            api_url=config.api_url,
            sentry_dsn=monitoring.dsn,
            registry_token=secret_output(config.registry_token),
            csp_report_uri=monitoring.dsn_csp,
        ),
    )


def kubernetes_args(
    kubernetes: KubernetesConfig, *, environment: Environment, domain: str, image_ref: pulumi.Input[str]
) -> KubernetesAppArgs:
    """The KubernetesApp's args for this stack. Call only when enabled and the config has no problems."""
    from components.kubernetes_app import KubernetesAppArgs

    if not kubernetes.enabled:
        raise ValueError("kubernetes.enabled is false: there is no KubernetesApp to declare")
    minimum = kubernetes.min_replicas_for(environment)
    return KubernetesAppArgs(
        image_ref=image_ref,
        environment=environment,
        namespace=kubernetes.namespace_for(environment),
        host=kubernetes.host_for(domain),
        min_replicas=minimum,
        max_replicas=max(kubernetes.max_replicas, minimum),
        autoscaling=kubernetes.autoscaling,
        cpu_target_percent=kubernetes.cpu_target_percent,
        requests_cpu=kubernetes.resources.requests.cpu,
        requests_memory=kubernetes.resources.requests.memory,
        limits_cpu=kubernetes.resources.limits.cpu,
        limits_memory=kubernetes.resources.limits.memory,
        ingress_class=kubernetes.ingress_class,
        ingress_controller_namespace=kubernetes.ingress_controller_namespace,
        tls_secret_name=kubernetes.tls.secret_name,
        cert_manager_issuer=kubernetes.tls.cert_manager_issuer,
        cert_manager_issuer_kind=kubernetes.tls.issuer_kind,
        image_pull_secret=kubernetes.image_pull_secret,
    )


# Until 2026-12 the component built this provider itself, as its child "kubernetes-provider"; the alias
# keeps a stack created then on the same provider (a new provider URN would replace every object).
_OLD_KUBERNETES_PROVIDER = "kubernetes-provider"


def kubernetes_provider(kubernetes: KubernetesConfig):
    """The Kubernetes provider, on the cluster the stack names (never the machine's current context)."""
    import pulumi_kubernetes as k8s  # ~0.6 s to import: only where Kubernetes is on

    old_parent = (
        f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::"
        f"{COMPONENT_TYPES['KubernetesApp']}::kubernetes"
    )
    return k8s.Provider(
        "kubernetes",
        context=kubernetes.kube_context,
        opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name=_OLD_KUBERNETES_PROVIDER, parent=old_parent)]),
    )


def kubernetes_app(config: StackConfig, image):
    """The optional Kubernetes deployment of the same image (None unless enabled)."""
    if not config.kubernetes.enabled:
        return None
    from components.kubernetes_app import KubernetesApp  # pulumi_kubernetes costs ~0.6 s to import

    return KubernetesApp(
        "kubernetes",
        kubernetes_args(config.kubernetes, environment=config.environment, domain=config.domain, image_ref=image.ref),
        opts=pulumi.ResourceOptions(providers=[kubernetes_provider(config.kubernetes)]),
    )


def repository_url(config: StackConfig, repository) -> pulumi.Input[str]:
    if repository is not None:
        return repository.html_url
    return f"https://github.com/{config.repository_full_name}"
