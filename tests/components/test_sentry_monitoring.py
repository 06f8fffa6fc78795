"""SentryMonitoring: team on the owner stack, protected project, client key feeding the DSN."""

from __future__ import annotations

import pulumi
import pytest

from components.sentry_monitoring import PLATFORM, SentryMonitoring, SentryMonitoringArgs


def declare_monitoring(declare, **overrides) -> dict:
    args = SentryMonitoringArgs(**{
        "organization": "acme", "team": "web", "create_team": False, "project": "my-app-staging",
        "environment": "staging", "slack_workspace": "acme", "slack_channel": "#alerts", "event_threshold": 50,
        "api_url": "https://sentry.io", "token": pulumi.Output.secret("sntrys_token"), **overrides,
    })
    return declare(lambda: SentryMonitoring("monitoring", args))


@pytest.mark.parametrize("create_team", [True, False])
def test_team_only_where_owned(declare, create_team):
    resources = declare_monitoring(declare, create_team=create_team)
    assert ("monitoring-team" in resources) is create_team
    assert resources["monitoring-project"].inputs["teams"] == ["web"]


def test_project_is_protected_react_and_keyed(declare):
    resources = declare_monitoring(declare)
    project = resources["monitoring-project"]
    assert project.protect is True
    assert project.inputs["platform"] == PLATFORM == "javascript-react"
    assert project.inputs["slug"] == "my-app-staging"
    key = resources["monitoring-key"]
    assert key.inputs["project"] == "my-app-staging" and project.urn in key.dependencies
