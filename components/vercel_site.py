"""The Vercel project of one environment, its domain and the app's build-time variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumiverse_vercel as vercel

from components._names import slug
from platform_facts import COMPONENT_TYPES, DeploymentProtection, Environment

SKIP_GIT_BUILDS = "exit 0"
"""Vercel's "Ignored Build Step": exit 0 skips the build. Git pushes would otherwise deploy main to
production on Vercel directly, around the approval gate; deploys come from the gated workflows
(``vercel deploy --prebuilt``), which this step does not affect."""


@dataclass(frozen=True)
class VercelSiteArgs:
    """Inputs of :class:`VercelSite`."""

    project_name: str
    """Vercel project name."""
    environment: Environment
    """Environment the project serves; picks the build script ``build:<environment>``."""
    domain: str
    """Custom domain attached to the project."""
    repository: str
    """GitHub repository as owner/name, linked for commit statuses and preview comments."""
    team_id: Optional[str] = None
    """Vercel team id; None for a personal account."""
    deployment_protection: DeploymentProtection = "standard_protection_new"
    """Who may open deployments: all_deployments keeps the whole site behind Vercel login."""
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Build-time variables of the app (VITE_*). Public by nature (they end up in the bundle), so not
    marked sensitive: sensitive values cannot be pulled by ``vercel pull`` for the CI build."""
    protect: bool = False
    """Refuse to delete the project (production)."""
    after: Sequence[pulumi.Resource] = ()
    """Resources the project must be created after: the linked GitHub repository when this stack creates
    it, since Vercel looks the repository up when the project is created."""
    protection_bypass: bool = False
    """Declare a Protection Bypass for Automation, so the deploy job's smoke test can open a site
    that Vercel login protects (``x-vercel-protection-bypass``); its value is the ``protection_bypass``
    output (secret). Needed where the protection covers the production target (all_deployments)."""


class VercelSite(pulumi.ComponentResource):
    """Project, domain and environment variables of one environment's site."""

    project_id: pulumi.Output[str]
    team_id: pulumi.Output[str]
    url: pulumi.Output[str]
    protection_bypass: Optional[pulumi.Output[str]]
    """The bypass secret (a secret Output); None without ``protection_bypass``."""

    def __init__(self, name: str, args: VercelSiteArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(COMPONENT_TYPES["VercelSite"], name, None, opts)
        # Deleting the production project would take the site down: protect refuses it.
        project = _project(
            name, args, pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=list(args.after))
        )
        child = pulumi.ResourceOptions(parent=self)
        vercel.ProjectDomain(
            f"{name}-domain", project_id=project.id, team_id=args.team_id, domain=args.domain, opts=child
        )
        # Public by nature (they end up in the bundle), and `vercel pull` cannot read sensitive values.
        for key, value in sorted(args.variables.items()):
            vercel.ProjectEnvironmentVariable(
                f"{name}-env-{slug(key)}", project_id=project.id, team_id=args.team_id, key=key, value=value,
                targets=["production", "preview"], sensitive=False, opts=child,
            )

        self.protection_bypass = None
        if args.protection_bypass:
            bypass = vercel.ProjectProtectionBypass(
                f"{name}-protection-bypass",
                project_id=project.id,
                team_id=args.team_id,
                note="GitHub Actions smoke tests (webapp-platform)",
                is_env_var=True,
                opts=child,
            )
            self.protection_bypass = pulumi.Output.secret(bypass.secret)

        self.project_id = project.id
        self.team_id = project.team_id
        self.url = pulumi.Output.from_input(f"https://{args.domain}")
        self.register_outputs({"projectId": self.project_id, "teamId": self.team_id, "url": self.url})


def _project(name: str, args: VercelSiteArgs, opts: pulumi.ResourceOptions) -> vercel.Project:
    """The project: a Vite build from the linked repository, deployed only by the gated workflows."""
    return vercel.Project(
        f"{name}-project",
        name=args.project_name,
        team_id=args.team_id,
        framework="vite",
        install_command="npm ci",
        build_command=f"npm run build:{args.environment}",
        output_directory="dist",
        git_repository=vercel.ProjectGitRepositoryArgs(
            type="github", repo=args.repository, production_branch="main"
        ),
        ignore_command=SKIP_GIT_BUILDS,
        vercel_authentication=vercel.ProjectVercelAuthenticationArgs(deployment_type=args.deployment_protection),
        opts=opts,
    )
