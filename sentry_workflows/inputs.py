"""The inputs of one Sentry alert: the argument type, the names on the wire, and the rules a value
must follow (checked at declaration for plain values and by the provider's `check` once known)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Optional, get_args

import pulumi
from pulumi.runtime import rpc

from platform_facts import ENVIRONMENTS, SLACK_CHANNEL_RE, SLUG_RE, Environment
from sentry_workflows.api import DEFAULT_BASE_URL, base_url_problem

AlertKind = Literal["new_issue", "event_frequency"]
"""`new_issue`: a new issue is created. `event_frequency`: an issue has more than N events in 1h."""

SentryEnvironment = Environment
"""Sentry environment names this platform uses (the `environment` tag of events)."""

ALERT_KINDS: tuple[str, ...] = get_args(AlertKind)

# Throttle values the API reference lists for `config.frequency`, in minutes.
ALLOWED_FREQUENCY_MINUTES: tuple[int, ...] = (0, 5, 10, 30, 60, 180, 720, 1440)
DEFAULT_FREQUENCY_MINUTES = 30  # the legacy issue-alert default; at most one message per 30 min
EVENT_FREQUENCY_INTERVAL = "1h"  # see the module docstring: the server's enum, not "1hr"
MAX_NAME_LENGTH = 256  # Sentry's WorkflowValidator: name max_length=256

_DIGITS_RE = re.compile(r"^[0-9]{1,20}$")


@dataclass(frozen=True)
class SentryAlertArgs:
    """Inputs of one Sentry alert (one workflow), wired by the SentryMonitoring component."""

    organization: pulumi.Input[str]
    """Sentry organization slug, e.g. `acme`."""
    project_slug: pulumi.Input[str]
    """Slug of the Sentry project the alert watches (used in the alert's name)."""
    project_id: pulumi.Input[str]
    """Numeric Sentry project id as a string: `SentryProject.internal_id`."""
    environment: SentryEnvironment
    """Sentry environment the alert evaluates in (`staging` or `production`)."""
    kind: AlertKind
    """Which alert: `new_issue` or `event_frequency`."""
    slack_integration_id: pulumi.Input[str]
    """Sentry's id of the Slack integration: `get_sentry_organization_integration(...).id`."""
    slack_channel: str
    """Slack channel to notify, with its `#`, e.g. `#alerts`."""
    token: pulumi.Input[str]
    """Sentry auth token with the `alerts:write` scope; always stored as a secret."""
    threshold: Optional[int] = None
    """For `event_frequency` only (required there): alert when an issue has more than this
    many events in one hour. Must be unset for `new_issue`."""
    frequency_minutes: int = DEFAULT_FREQUENCY_MINUTES
    """Throttle: at most one notification per issue per this many minutes (0 = every time)."""
    api_base_url: str = DEFAULT_BASE_URL
    """Sentry API root: https://sentry.io, https://de.sentry.io (EU), a self-hosted URL, or a
    local test server (plain http only on 127.0.0.1/localhost)."""
    name: Optional[str] = None
    """Alert name in Sentry; default derived from environment, kind and project slug."""


# Python attribute names <-> property names on the wire (camelCase, as the engine sees them).
WIRE_NAMES: dict[str, str] = {
    "organization": "organization",
    "project_slug": "projectSlug",
    "project_id": "projectId",
    "environment": "environment",
    "kind": "kind",
    "slack_integration_id": "slackIntegrationId",
    "slack_channel": "slackChannel",
    "token": "token",
    "threshold": "threshold",
    "frequency_minutes": "frequencyMinutes",
    "api_base_url": "apiBaseUrl",
    "name": "name",
    # outputs computed by the provider
    "workflow_id": "workflowId",
    "detector_id": "detectorId",
    "alert_name": "alertName",
}
PY_NAMES: dict[str, str] = {wire: py for py, wire in WIRE_NAMES.items()}

INPUT_KEYS: tuple[str, ...] = (
    "organization", "projectSlug", "projectId", "environment", "kind", "slackIntegrationId",
    "slackChannel", "token", "threshold", "frequencyMinutes", "apiBaseUrl", "name",
)
# A different Sentry instance, organization or project means a different workflow: replace.
REPLACE_KEYS: frozenset[str] = frozenset({"apiBaseUrl", "organization", "projectId"})
# Inputs Sentry does not store: a change to them alone needs no API call.
LOCAL_ONLY_KEYS: frozenset[str] = frozenset({"token"})


def is_unknown(value: Any) -> bool:
    """True for a value not known yet (a preview of an output that is still to be computed)."""
    from pulumi.output import Unknown

    return isinstance(value, Unknown) or value == rpc.UNKNOWN


def as_int(value: Any) -> Optional[int]:
    """The engine sends numbers as floats; accept whole floats, refuse bools and fractions."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _is_slug(value: Any) -> bool:
    return isinstance(value, str) and bool(SLUG_RE.match(value))


def _is_digits(value: Any) -> bool:
    return isinstance(value, str) and bool(_DIGITS_RE.match(value))


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= MAX_NAME_LENGTH


# (wire key, test of a known value, what was expected) for inputs judged on their own.
_RULES: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("organization", _is_slug, "a Sentry organization slug (lowercase letters, digits, - or _)"),
    ("projectSlug", _is_slug, "a Sentry project slug (lowercase letters, digits, - or _)"),
    ("projectId", _is_digits, "the numeric Sentry project id as a string of digits"),
    ("slackIntegrationId", _is_digits, "the numeric Sentry integration id as a string of digits"),
    ("environment", lambda v: v in ENVIRONMENTS, f"one of {', '.join(ENVIRONMENTS)}"),
    ("kind", lambda v: v in ALERT_KINDS, f"one of {', '.join(ALERT_KINDS)}"),
    ("slackChannel", lambda v: isinstance(v, str) and bool(SLACK_CHANNEL_RE.match(v)),
     "a Slack channel name starting with '#', e.g. '#alerts' (lowercase letters, digits, '-' or '_', max 80)"),
    ("frequencyMinutes", lambda v: as_int(v) in ALLOWED_FREQUENCY_MINUTES,
     f"one of {', '.join(map(str, ALLOWED_FREQUENCY_MINUTES))} (minutes)"),
    ("name", _is_name, f"a non-empty alert name of at most {MAX_NAME_LENGTH} characters"),
)
REQUIRED_KEYS: tuple[str, ...] = (
    "organization", "projectSlug", "projectId", "environment", "kind", "slackIntegrationId",
    "slackChannel", "token",
)


def input_problems(
    inputs: Mapping[str, Any], pending: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """Validate wire-named inputs; returns `(key, reason)` pairs, empty when all is well.

    Values not known yet (preview unknowns, or keys in `pending`: given as Outputs at
    declaration time) are skipped; the provider's `check` sees them once known. Reasons quote
    the value given, except for the token, which is never repeated.
    """

    def known(key: str) -> bool:
        return key in inputs and key not in pending and not is_unknown(inputs[key])

    def failed(key: str, expected: str) -> tuple[str, str]:
        return key, f"got {inputs.get(key)!r}; expected {expected}"

    problems = [failed(key, expected) for key, test, expected in _RULES
                if known(key) and not test(inputs[key])]
    kind = inputs.get("kind")
    if known("threshold") and kind == "event_frequency":
        threshold = as_int(inputs["threshold"])
        if threshold is None or threshold < 1:
            problems.append(failed(
                "threshold", "a whole number >= 1 (alert on more events than this in 1h)"))
    if known("threshold") and kind == "new_issue":
        problems.append(failed("threshold", "no threshold for kind 'new_issue'"))
    if known("apiBaseUrl"):
        reason = base_url_problem(inputs["apiBaseUrl"])
        if reason:
            problems.append(failed("apiBaseUrl", reason))
    if known("token"):
        token = rpc.unwrap_rpc_secret(inputs["token"])
        if not isinstance(token, str) or not token.strip():
            problems.append(("token", "(value not shown); expected a non-empty Sentry auth "
                             "token with the alerts:write scope"))
    present = set(inputs) | pending
    if kind == "event_frequency" and "threshold" not in present:
        problems.append(("threshold", "missing; required for kind 'event_frequency'"))
    problems += [(key, "missing; this input is required")
                 for key in REQUIRED_KEYS if key not in present]
    return problems


def plain(props: Mapping[str, Any]) -> dict[str, Any]:
    """Wire inputs without the serialized provider and without secret wrappers."""
    return {k: rpc.unwrap_rpc_secret(v) for k, v in props.items() if not k.startswith("__")}


def normalized(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Whole-number floats from the engine back to ints, so state and payload stay stable."""
    out = dict(inputs)
    for key in ("threshold", "frequencyMinutes"):
        whole = as_int(out.get(key))
        if whole is not None:
            out[key] = whole
    return out
