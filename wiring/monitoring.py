"""The Sentry project, key and alerts of this environment (and the team, on the owner stack)."""

from __future__ import annotations

from components.sentry_monitoring import SentryMonitoring, SentryMonitoringArgs
from stackconfig.load import secret_output
from stackconfig.model import StackConfig
from wiring.providers import Providers


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
