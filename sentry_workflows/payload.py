"""The JSON body of Sentry's workflows API for one alert: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from sentry_workflows.inputs import (
    ALERT_KINDS,
    DEFAULT_FREQUENCY_MINUTES,
    EVENT_FREQUENCY_INTERVAL,
    as_int,
)


def default_alert_name(
    environment: str, kind: str, project_slug: str, threshold: Optional[int] = None
) -> str:
    """The alert's name when none is given, e.g. `[production] new issue in web-app`."""
    if kind == "event_frequency":
        what = f"more than {threshold} events in 1h"
    else:
        what = "new issue"
    return f"[{environment}] {what} in {project_slug}"


def build_workflow_payload(
    *,
    name: str,
    environment: str,
    kind: str,
    slack_integration_id: str,
    slack_channel: str,
    detector_id: str,
    threshold: Optional[int] = None,
    frequency_minutes: int = DEFAULT_FREQUENCY_MINUTES,
) -> dict[str, Any]:
    """The JSON body of `POST/PUT /api/0/organizations/{org}/workflows/` for one alert.

    Pure (no I/O) so the shape is unit-tested; the caller validates inputs first. Raises
    ValueError for an unknown kind or a missing threshold, naming the field.
    """
    if kind == "new_issue":
        trigger_conditions = [
            {"type": "first_seen_event", "comparison": True, "conditionResult": True}
        ]
        filter_conditions: list[dict[str, Any]] = []
    elif kind == "event_frequency":
        if threshold is None:
            raise ValueError("threshold: required for kind 'event_frequency'")
        trigger_conditions = []  # empty = every event; the filter below does the counting
        filter_conditions = [
            {
                "type": "event_frequency_count",
                "comparison": {"value": int(threshold), "interval": EVENT_FREQUENCY_INTERVAL},
                "conditionResult": True,
            }
        ]
    else:
        raise ValueError(f"kind: got {kind!r}; expected one of {', '.join(ALERT_KINDS)}")

    slack_action = {
        "type": "slack",
        "integrationId": str(slack_integration_id),
        "config": {
            "targetType": "specific",
            "targetIdentifier": "",  # Sentry resolves the channel id from targetDisplay
            "targetDisplay": slack_channel,
        },
        "data": {},
    }
    return {
        "name": name,
        "enabled": True,
        "environment": environment,
        "config": {"frequency": int(frequency_minutes)},
        "detectorIds": [int(detector_id)],
        "triggers": {"logicType": "any-short", "conditions": trigger_conditions, "actions": []},
        "actionFilters": [
            {"logicType": "all", "conditions": filter_conditions, "actions": [slack_action]}
        ],
    }


def alert_name_for(inputs: Mapping[str, Any]) -> str:
    """The name the alert should have in Sentry for these (known) wire inputs."""
    if inputs.get("name"):
        return str(inputs["name"])
    return default_alert_name(
        str(inputs["environment"]), str(inputs["kind"]), str(inputs["projectSlug"]),
        as_int(inputs.get("threshold")),
    )


def payload_for(inputs: Mapping[str, Any], detector_id: str) -> dict[str, Any]:
    """`build_workflow_payload` from wire inputs."""
    return build_workflow_payload(
        name=alert_name_for(inputs),
        environment=str(inputs["environment"]),
        kind=str(inputs["kind"]),
        slack_integration_id=str(inputs["slackIntegrationId"]),
        slack_channel=str(inputs["slackChannel"]),
        detector_id=detector_id,
        threshold=as_int(inputs.get("threshold")),
        frequency_minutes=_frequency(inputs),
    )


def _frequency(inputs: Mapping[str, Any]) -> int:
    freq = as_int(inputs.get("frequencyMinutes"))
    return DEFAULT_FREQUENCY_MINUTES if freq is None else freq
