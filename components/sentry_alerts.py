"""Sentry alerts to Slack, declared with a Pulumi dynamic provider on Sentry's workflows API.

Why a dynamic provider: pulumiverse_sentry's `SentryIssueAlert` / `SentryMetricAlert` call
`/api/0/projects/{org}/{project}/rules/` and `.../alert-rules/`, which Sentry retired in 2026
(HTTP 410 "This API no longer exists"). Current alerts are *workflows* attached to a project's
default issue monitor (detector of type `issue_stream`); see `components/sentry_api.py`.

One `SentryAlert` is one workflow. Two kinds are supported:

- `new_issue`: trigger `first_seen_event` ("A new issue is created"), no filter.
- `event_frequency`: "more than N events in one hour". The trigger list is empty, which Sentry
  evaluates as true for every event ("An event is captured"; an empty condition group always
  passes), and an action filter `event_frequency_count` with `{"value": N, "interval": "1h"}`
  keeps only issues seen more than N times in the last hour. Sentry's product docs say
  frequency filters apply to the "new issue" and "event is captured" triggers only. Evidence
  for the empty trigger list: getsentry/sentry `workflow_engine/processors/
  data_condition_group.py` ("if we don't have any conditions, always return True") and its
  issue-alert migration, which drops the legacy `every_event` condition (SKIPPED_CONDITIONS),
  leaving exactly such an empty trigger group.

The provider object is pickled (dill) into the state by reference to this module, so the
dynamic provider process must be able to import `components.sentry_alerts` (it runs from the
program directory); keep this module free of import-time side effects.

Both send a Slack action to one channel of one Slack integration, in one environment.

Documentation used (besides the pages listed in `components/sentry_api.py`):
- https://docs.sentry.io/api/monitors/update-an-alert-by-id/ (body fields; POST .../workflows/
  takes the same body) and the help text those API pages are generated from, getsentry/sentry
  `src/sentry/workflow_engine/endpoints/validators/api_docs_help_text.py`: triggers
  `logicType` "any-short" with `actions: []`; action filter conditions; "Notify on Slack":
  `type` "slack", `integrationId` (the stringified integration id), `config.targetType`
  "specific", `config.targetIdentifier` "" (Sentry's Slack validator looks the channel id up
  from the name), `config.targetDisplay` the channel name, `data` {}.
- https://docs.sentry.io/product/monitors-and-alerts/alerts/create-alerts/ (triggers, filters,
  throttling).
- Interval format of `event_frequency_count` (the docs are inconsistent): the API reference's
  bullet list says `1min, 5min, 15min, 1hr, 1d, 1w, 30d`, but its JSON example for the same
  condition uses `"interval": "1h"`, and Sentry's server validates `comparison` with a JSON
  schema whose `interval` enum is `STANDARD_INTERVALS` = `1m, 5m, 15m, 1h, 1d, 1w, 30d`
  (getsentry/sentry `workflow_engine/handlers/condition/event_frequency_handlers.py`,
  `rules/conditions/event_frequency.py`). So "1h" is the accepted value and "1hr" would be
  refused. jianyuan/terraform-provider-sentry's `sentry_alert` examples use "1m"/"1h" too.
- `config.frequency` (throttling) is in minutes, one of 0, 5, 10, 30, 60, 180, 720, 1440 (the
  docs' own example `{"frequency": 3600}` contradicts that list; we follow the list).

Secrets: the auth token is an input marked secret (`additional_secret_outputs=["token"]` and
wrapped in `Output.secret`), it is needed in the state because delete and refresh call Sentry
with it; no message raised here ever contains it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Optional, get_args

import pulumi
import pulumi.dynamic
from pulumi.runtime import rpc

from components.sentry_api import (
    DEFAULT_BASE_URL,
    RetryPolicy,
    SentryClient,
    base_url_problem,
)

AlertKind = Literal["new_issue", "event_frequency"]
"""`new_issue`: a new issue is created. `event_frequency`: an issue has more than N events in 1h."""

SentryEnvironment = Literal["staging", "production"]
"""Sentry environment names this platform uses (the `environment` tag of events)."""

ALERT_KINDS: tuple[str, ...] = get_args(AlertKind)
ENVIRONMENTS: tuple[str, ...] = get_args(SentryEnvironment)

# Throttle values the API reference lists for `config.frequency`, in minutes.
ALLOWED_FREQUENCY_MINUTES: tuple[int, ...] = (0, 5, 10, 30, 60, 180, 720, 1440)
DEFAULT_FREQUENCY_MINUTES = 30  # the legacy issue-alert default; at most one message per 30 min
EVENT_FREQUENCY_INTERVAL = "1h"  # see the module docstring: the server's enum, not "1hr"
MAX_NAME_LENGTH = 256  # Sentry's WorkflowValidator: name max_length=256

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
_DIGITS_RE = re.compile(r"^[0-9]{1,20}$")
# Slack channel names: lowercase letters, digits, hyphens, underscores, periods; at most 80.
_SLACK_CHANNEL_RE = re.compile(r"^#[a-z0-9][a-z0-9._-]{0,79}$")


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
_WIRE_NAMES: dict[str, str] = {
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
_PY_NAMES: dict[str, str] = {wire: py for py, wire in _WIRE_NAMES.items()}

INPUT_KEYS: tuple[str, ...] = (
    "organization", "projectSlug", "projectId", "environment", "kind", "slackIntegrationId",
    "slackChannel", "token", "threshold", "frequencyMinutes", "apiBaseUrl", "name",
)
# A different Sentry instance, organization or project means a different workflow: replace.
REPLACE_KEYS: frozenset[str] = frozenset({"apiBaseUrl", "organization", "projectId"})
# Inputs Sentry does not store: a change to them alone needs no API call.
LOCAL_ONLY_KEYS: frozenset[str] = frozenset({"token"})


# -- pure functions -------------------------------------------------------------------------


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


def _is_unknown(value: Any) -> bool:
    """True for a value not known yet (a preview of an output that is still to be computed)."""
    from pulumi.output import Unknown

    return isinstance(value, Unknown) or value == rpc.UNKNOWN


def _as_int(value: Any) -> Optional[int]:
    """The engine sends numbers as floats; accept whole floats, refuse bools and fractions."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _is_slug(value: Any) -> bool:
    return isinstance(value, str) and bool(_SLUG_RE.match(value))


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
    ("slackChannel", lambda v: isinstance(v, str) and bool(_SLACK_CHANNEL_RE.match(v)),
     "a Slack channel name starting with '#', e.g. '#alerts' (lowercase, max 80)"),
    ("frequencyMinutes", lambda v: _as_int(v) in ALLOWED_FREQUENCY_MINUTES,
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
        return key in inputs and key not in pending and not _is_unknown(inputs[key])

    def failed(key: str, expected: str) -> tuple[str, str]:
        return key, f"got {inputs.get(key)!r}; expected {expected}"

    problems = [failed(key, expected) for key, test, expected in _RULES
                if known(key) and not test(inputs[key])]
    kind = inputs.get("kind")
    if known("threshold") and kind == "event_frequency":
        as_int = _as_int(inputs["threshold"])
        if as_int is None or as_int < 1:
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


def _plain(props: Mapping[str, Any]) -> dict[str, Any]:
    """Wire inputs without the serialized provider and without secret wrappers."""
    return {k: rpc.unwrap_rpc_secret(v) for k, v in props.items() if not k.startswith("__")}


def _normalized(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Whole-number floats from the engine back to ints, so state and payload stay stable."""
    out = dict(inputs)
    for key in ("threshold", "frequencyMinutes"):
        as_int = _as_int(out.get(key))
        if as_int is not None:
            out[key] = as_int
    return out


def alert_name_for(inputs: Mapping[str, Any]) -> str:
    """The name the alert should have in Sentry for these (known) wire inputs."""
    if inputs.get("name"):
        return str(inputs["name"])
    return default_alert_name(
        str(inputs["environment"]), str(inputs["kind"]), str(inputs["projectSlug"]),
        _as_int(inputs.get("threshold")),
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
        threshold=_as_int(inputs.get("threshold")),
        frequency_minutes=_frequency(inputs),
    )


def _frequency(inputs: Mapping[str, Any]) -> int:
    freq = _as_int(inputs.get("frequencyMinutes"))
    return DEFAULT_FREQUENCY_MINUTES if freq is None else freq


def _differs(old: Any, new: Any) -> bool:
    return _is_unknown(new) or rpc.unwrap_rpc_secret(old) != rpc.unwrap_rpc_secret(new)


# -- the provider ---------------------------------------------------------------------------


class SentryAlertProvider(pulumi.dynamic.ResourceProvider):
    """CRUD for one Sentry workflow. Stateless apart from HTTP settings (it is pickled)."""

    def __init__(self, retry: RetryPolicy = RetryPolicy(), timeout: float = 10.0) -> None:
        super().__init__()
        self.retry = retry
        self.timeout = timeout

    def _client(self, inputs: Mapping[str, Any]) -> SentryClient:
        return SentryClient(
            str(inputs["token"]), str(inputs.get("apiBaseUrl") or DEFAULT_BASE_URL),
            timeout=self.timeout, retry=self.retry,
        )

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        inputs = _normalized(news)
        failures = [pulumi.dynamic.CheckFailure(k, r) for k, r in input_problems(_plain(inputs))]
        return pulumi.dynamic.CheckResult(inputs, failures)

    def diff(
        self, _id: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.DiffResult:
        changed = [k for k in INPUT_KEYS if _differs(olds.get(k), news.get(k))]
        replaces = [k for k in changed if k in REPLACE_KEYS]
        drifted = self._drifted(olds, news)
        return pulumi.dynamic.DiffResult(
            changes=bool(changed) or drifted, replaces=replaces, delete_before_replace=False
        )

    @staticmethod
    def _drifted(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """True when a refresh saw the alert renamed in Sentry (outputs differ from intent)."""
        plain = _plain(news)
        if any(_is_unknown(v) for v in plain.values()) or "alertName" not in olds:
            return False
        try:
            return olds["alertName"] != alert_name_for(plain)
        except KeyError:
            return False

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        inputs = _normalized(_plain(props))
        client = self._client(inputs)
        organization = str(inputs["organization"])
        detector_id = client.find_issue_stream_detector(organization, str(inputs["projectId"]))
        payload = payload_for(inputs, detector_id)
        created = client.create_workflow(organization, payload)
        workflow_id = str(created["id"])
        outs = {**inputs, "workflowId": workflow_id, "detectorId": detector_id,
                "alertName": payload["name"]}
        return pulumi.dynamic.CreateResult(workflow_id, outs)

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        state = _normalized(_plain(props))
        if "organization" not in state or "token" not in state:
            # `pulumi import` hands over only the id; this provider needs its inputs.
            raise ValueError(
                f"cannot read Sentry alert {id_!r}: the state has no organization or token "
                "(importing existing alerts is not supported; declare them instead)"
            )
        found = self._client(state).get_workflow(str(state["organization"]), id_)
        if found is None:
            # Deleted outside Pulumi: an empty id tells the engine the resource is gone.
            return pulumi.dynamic.ReadResult("", {})
        outs = {**state, "workflowId": str(id_)}
        if isinstance(found.get("name"), str):
            outs["alertName"] = found["name"]
        if isinstance(found.get("environment"), str):
            outs["environment"] = found["environment"]
        detector_ids = found.get("detectorIds")
        if isinstance(detector_ids, list) and len(detector_ids) == 1:
            outs["detectorId"] = str(detector_ids[0])
        return pulumi.dynamic.ReadResult(str(id_), outs)

    def update(
        self, id_: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.UpdateResult:
        inputs = _normalized(_plain(news))
        old = _plain(olds)
        changed = {k for k in INPUT_KEYS if _differs(old.get(k), inputs.get(k))}
        if changed <= LOCAL_ONLY_KEYS and not self._drifted(old, inputs):
            # Only the token changed: Sentry stores nothing of it, just record the new one.
            return pulumi.dynamic.UpdateResult({**old, **inputs})
        client = self._client(inputs)
        organization = str(inputs["organization"])
        detector_id = old.get("detectorId") or client.find_issue_stream_detector(
            organization, str(inputs["projectId"])
        )
        payload = payload_for(inputs, str(detector_id))
        client.update_workflow(organization, id_, payload)
        return pulumi.dynamic.UpdateResult(
            {**inputs, "workflowId": str(id_), "detectorId": str(detector_id),
             "alertName": payload["name"]}
        )

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        state = _plain(props)
        # A 404 means it is already gone, which is what delete wants.
        self._client(state).delete_workflow(str(state["organization"]), id_)


# -- the resource ---------------------------------------------------------------------------


class SentryAlert(pulumi.dynamic.Resource, module="sentry", name="Alert"):
    """One Sentry alert (workflow) to Slack. Type token `pulumi-python:dynamic/sentry:Alert`."""

    workflow_id: pulumi.Output[str]
    """Sentry's id of the workflow (also the resource id)."""
    detector_id: pulumi.Output[str]
    """Id of the project's issue-stream monitor the alert is connected to."""
    alert_name: pulumi.Output[str]
    """The alert's name in Sentry."""

    def __init__(
        self,
        resource_name: str,
        args: SentryAlertArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        provider: Optional[SentryAlertProvider] = None,
    ) -> None:
        """Declare one alert.

        :param resource_name: Pulumi name, e.g. `staging-new-issue`.
        :param args: what to alert on and where (see SentryAlertArgs).
        :param opts: resource options (the SentryMonitoring component passes `parent=self`);
            `additional_secret_outputs=["token"]` is always added.
        :param provider: HTTP settings (timeout, retries) for the API calls; default values
            suit sentry.io.
        :raises ValueError: plain arguments that are invalid, all listed in one message.
        """
        props: dict[str, Any] = {
            "organization": args.organization,
            "project_slug": args.project_slug,
            "project_id": args.project_id,
            "environment": args.environment,
            "kind": args.kind,
            "slack_integration_id": args.slack_integration_id,
            "slack_channel": args.slack_channel,
            "threshold": args.threshold,
            "frequency_minutes": args.frequency_minutes,
            "api_base_url": args.api_base_url,
            "name": args.name,
            # Secret even when the caller passed a plain string.
            "token": pulumi.Output.secret(args.token),
            "workflow_id": None,
            "detector_id": None,
            "alert_name": None,
        }
        _raise_on_static_problems(props)
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["token"])
        super().__init__(
            provider or SentryAlertProvider(),
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secret_opts),
        )

    def translate_input_property(self, prop: str) -> str:
        return _WIRE_NAMES.get(prop, prop)

    def translate_output_property(self, prop: str) -> str:
        return _PY_NAMES.get(prop, prop)


def _raise_on_static_problems(props: Mapping[str, Any]) -> None:
    """Refuse plain-value mistakes at declaration time, all at once, naming each arg field.

    Values that are Outputs are checked by the provider's `check` once they are known.
    """
    given = {_WIRE_NAMES[k]: v for k, v in props.items()
             if v is not None and k not in ("workflow_id", "detector_id", "alert_name")}
    pending = frozenset(k for k, v in given.items()
                        if isinstance(v, pulumi.Output) or hasattr(v, "__await__"))
    plain = {k: v for k, v in given.items() if k not in pending}
    problems = input_problems(plain, pending)
    if problems:
        lines = "\n".join(f"  - SentryAlertArgs.{_PY_NAMES[k]}: {r}" for k, r in problems)
        raise ValueError(f"invalid Sentry alert arguments:\n{lines}")
