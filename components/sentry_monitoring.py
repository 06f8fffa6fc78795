"""Sentry project, client key and Slack alerts of one environment (and the team, on the owner stack)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumiverse_sentry as sentry

from platform_facts import COMPONENT_TYPES, Environment
from sentry_workflows import SentryAlert, SentryAlertArgs

PLATFORM = "javascript-react"


@dataclass(frozen=True)
class SentryMonitoringArgs:
    """Inputs of :class:`SentryMonitoring`."""

    organization: str
    """Sentry organization slug."""
    team: str
    """Slug of the team that owns the project."""
    create_team: bool
    """Declare the team here (owner stack) or only refer to it by slug."""
    project: str
    """Project slug (and name)."""
    environment: Environment
    """Environment whose errors this project receives."""
    slack_workspace: str
    """Name of the Slack integration installed in the organization."""
    slack_channel: str
    """Channel the alerts post to (with #)."""
    event_threshold: int
    """Alert when the environment sees more events than this in one hour."""
    api_url: str
    """Sentry base URL (https://sentry.io or a regional/self-hosted one)."""
    token: pulumi.Input[str]
    """Auth token (secret) the alert provider calls the API with."""


class SentryMonitoring(pulumi.ComponentResource):
    """Team (owner stack), project, browser client key and two Slack alerts."""

    project_slug: pulumi.Output[str]
    dsn: pulumi.Output[str]
    dsn_csp: pulumi.Output[str]
    organization: pulumi.Output[str]

    def __init__(self, name: str, args: SentryMonitoringArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(COMPONENT_TYPES["SentryMonitoring"], name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        team_slug: pulumi.Input[str] = args.team
        if args.create_team:
            team = sentry.SentryTeam(
                f"{name}-team", organization=args.organization, name=args.team, slug=args.team, opts=child
            )
            team_slug = team.slug
        project = sentry.SentryProject(
            f"{name}-project",
            organization=args.organization,
            teams=[team_slug],
            name=args.project,
            slug=args.project,
            platform=PLATFORM,
            # Deleting a project deletes its issue history and invalidates the DSN the app ships.
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        key = sentry.SentryKey(
            f"{name}-key", organization=args.organization, project=project.slug, name=f"{args.environment}-browser",
            opts=child,
        )
        slack = sentry.get_sentry_organization_integration_output(
            organization=args.organization, provider_key="slack", name=args.slack_workspace,
            opts=pulumi.InvokeOptions(parent=self),
        )
        self._alerts(name, args, project, slack.id)

        self.project_slug = project.slug
        self.dsn = key.dsn_public
        self.dsn_csp = key.dsn_csp  # the CSP report endpoint of the image
        self.organization = project.organization
        self.register_outputs({"projectSlug": self.project_slug, "dsn": self.dsn, "dsnCsp": self.dsn_csp})

    def _alerts(self, name: str, args: SentryMonitoringArgs, project, integration_id) -> None:
        """"New issue" and "more than N events in an hour", posted to Slack.

        A dynamic provider against Sentry's workflows API: the package's SentryIssueAlert and
        SentryMetricAlert call endpoints Sentry retired in 2026 (HTTP 410)."""
        common = dict(
            organization=args.organization,
            project_slug=project.slug,
            project_id=project.internal_id,
            environment=args.environment,
            slack_integration_id=integration_id,
            slack_channel=args.slack_channel,
            token=args.token,
            api_base_url=args.api_url,
        )
        child = pulumi.ResourceOptions(parent=self)
        SentryAlert(f"{name}-alert-new-issue", SentryAlertArgs(kind="new_issue", **common), opts=child)
        SentryAlert(
            f"{name}-alert-event-frequency",
            SentryAlertArgs(kind="event_frequency", threshold=args.event_threshold, **common),
            opts=child,
        )
