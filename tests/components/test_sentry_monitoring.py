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


def test_two_slack_alerts_per_environment_through_the_workflows_api(declare):
    resources = declare_monitoring(declare, environment="production", project="my-app-production", event_threshold=75)
    alerts = {r.inputs["kind"]: r for r in resources.values() if r.type == "pulumi-python:dynamic/sentry:Alert"}
    assert set(alerts) == {"new_issue", "event_frequency"}
    assert alerts["event_frequency"].inputs["threshold"] == 75 and "threshold" not in alerts["new_issue"].inputs
    project = resources["monitoring-project"]
    for alert in alerts.values():
        assert alert.inputs["slackChannel"] == "#alerts" and alert.inputs["environment"] == "production"
        assert alert.inputs["token"] == "[secret]" and "token" in alert.additional_secret_outputs
        assert alert.inputs["projectSlug"] == "my-app-production" and project.urn in alert.dependencies
    # The retired alert resources of the package are never used.
    assert not [r for r in resources.values() if r.type.endswith((":SentryIssueAlert", ":SentryMetricAlert"))]
