"""The Vercel site of this environment and the app's build-time variables."""

from __future__ import annotations

from typing import Optional

import pulumi

from components.github_repository import GitHubRepository
from components.vercel_site import VercelSite, VercelSiteArgs
from platform_facts import DSN_VARIABLE, FULL_PROTECTION, PRODUCTION
from stackconfig.model import StackConfig
from wiring.providers import Providers


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
            # A site behind Vercel login needs the bypass for its deploy job's smoke test.
            protection_bypass=config.deployment_protection == FULL_PROTECTION,
        ),
        opts=p.opts("vercel"),
    )
