"""Explicit providers: credentials come from this stack's secrets, never from ambient config."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_github as github
import pulumiverse_sentry as sentry
import pulumiverse_vercel as vercel

from stackconfig.load import secret_output
from stackconfig.model import StackConfig


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
            "github", owner=config.github_owner, token=secret_output(config.github_token),
            base_url=config.github_base_url,
        ),
        vercel=vercel.Provider(
            "vercel", api_token=secret_output(config.vercel_token), team=config.vercel_team_id
        ),
        sentry=sentry.Provider(
            "sentry", token=secret_output(config.sentry_auth_token), base_url=f"{config.sentry_url}/api/"
        ),
    )
