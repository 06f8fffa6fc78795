"""Tests of the Sentry alert dynamic resource: payload, validation, provider CRUD, mocks."""

from __future__ import annotations

import base64
import copy
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dill
import pulumi
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc

from sentry_workflows import SentryAlert, SentryAlertArgs, SentryAlertProvider
from sentry_workflows.api import RetryPolicy, SentryApiError
from sentry_workflows.inputs import input_problems
from sentry_workflows.payload import build_workflow_payload
from tests.sentry_workflows.fake_sentry import FakeSentry, workflow_shape_errors

TOKEN = "sntrys_alert_test_token_9f"
ORG = "acme"
PROJECT_ID = "4501"


# -- build_workflow_payload ---------------------------------------------------------------

SLACK_ACTION = {
    "type": "slack",
    "integrationId": "77",
    "config": {"targetType": "specific", "targetIdentifier": "", "targetDisplay": "#alerts"},
    "data": {},
}


def test_new_issue_payload_is_exactly_the_documented_shape() -> None:
    payload = build_workflow_payload(
        name="[production] new issue in web", environment="production", kind="new_issue",
        slack_integration_id="77", slack_channel="#alerts", detector_id="123",
    )

    assert payload == {
        "name": "[production] new issue in web",
        "enabled": True,
        "environment": "production",
        "config": {"frequency": 30},
        "detectorIds": [123],
        "triggers": {
            "logicType": "any-short",
            "conditions": [
                {"type": "first_seen_event", "comparison": True, "conditionResult": True}
            ],
            "actions": [],
        },
        "actionFilters": [{"logicType": "all", "conditions": [], "actions": [SLACK_ACTION]}],
    }


@pytest.mark.parametrize(
    ("kind", "threshold", "trigger_types", "filter_conditions"),
    [
        ("new_issue", None, ["first_seen_event"], []),
        ("event_frequency", 100, [], [{"type": "event_frequency_count", "conditionResult": True,
                                       "comparison": {"value": 100, "interval": "1h"}}]),
        ("event_frequency", 1, [], [{"type": "event_frequency_count", "conditionResult": True,
                                     "comparison": {"value": 1, "interval": "1h"}}]),
    ],
)
def test_payload_per_kind(kind: str, threshold: int | None, trigger_types: list[str],
                          filter_conditions: list[dict]) -> None:
    payload = build_workflow_payload(
        name="n", environment="staging", kind=kind, slack_integration_id="77",
        slack_channel="#alerts", detector_id="5", threshold=threshold, frequency_minutes=60,
    )

    assert [c["type"] for c in payload["triggers"]["conditions"]] == trigger_types
    assert payload["actionFilters"][0]["conditions"] == filter_conditions
    assert payload["actionFilters"][0]["actions"] == [SLACK_ACTION]
    assert payload["environment"] == "staging"
    assert payload["config"] == {"frequency": 60}
    # The fake server's check of the documented shape accepts what we build.
    assert workflow_shape_errors(payload, {"5"}) == []


@pytest.mark.parametrize(
    ("kind", "threshold", "message"),
    [
        ("event_frequency", None, "threshold: required"),
        ("every_event", None, "kind: got 'every_event'"),
    ],
)
def test_payload_refuses_incomplete_arguments(kind: str, threshold: int | None,
                                             message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_workflow_payload(name="n", environment="staging", kind=kind,
                               slack_integration_id="1", slack_channel="#a", detector_id="1",
                               threshold=threshold)


# -- input validation ---------------------------------------------------------------------

GOOD_INPUTS: dict[str, Any] = {
    "organization": ORG,
    "projectSlug": "web-app",
    "projectId": PROJECT_ID,
    "environment": "production",
    "kind": "event_frequency",
    "threshold": 50.0,  # the engine sends numbers as floats
    "slackIntegrationId": "77",
    "slackChannel": "#alerts",
    "frequencyMinutes": 30.0,
    "apiBaseUrl": "https://sentry.io",
    "token": TOKEN,
}


def test_good_inputs_have_no_problems() -> None:
    assert input_problems(GOOD_INPUTS) == []


@pytest.mark.parametrize(
    ("key", "value", "reason_part"),
    [
        ("organization", "Acme Inc", "organization slug"),
        ("projectSlug", "", "project slug"),
        ("projectId", "web-app", "numeric Sentry project id"),
        ("environment", "prod", "one of staging, production"),
        ("kind", "metric", "one of new_issue, event_frequency"),
        ("threshold", 0, "whole number >= 1"),
        ("threshold", 2.5, "whole number >= 1"),
        ("slackIntegrationId", "slack", "numeric Sentry integration id"),
        ("slackChannel", "alerts", "starting with '#'"),
        ("slackChannel", "#Alerts", "starting with '#'"),
        ("frequencyMinutes", 3600, "one of 0, 5, 10, 30, 60, 180, 720, 1440"),
        ("apiBaseUrl", "http://sentry.io", "plain http only for 127.0.0.1"),
        ("name", "x" * 257, "at most 256 characters"),
        ("token", "", "non-empty Sentry auth token"),
    ],
)
def test_bad_input_is_named_with_value_and_expectation(key: str, value: Any,
                                                       reason_part: str) -> None:
    problems = input_problems({**GOOD_INPUTS, key: value})

    assert [k for k, _ in problems] == [key]
    assert reason_part in problems[0][1]
    if key != "token":
        assert repr(value) in problems[0][1]


def test_token_value_is_never_repeated_in_a_problem() -> None:
    bad_token = " " * 3
    [(key, reason)] = input_problems({**GOOD_INPUTS, "token": bad_token})

    assert key == "token"
    assert "value not shown" in reason
    assert repr(bad_token) not in reason


@pytest.mark.parametrize(
    ("drop", "kind", "expected_keys"),
    [
        ("threshold", "event_frequency", ["threshold"]),
        ("token", "event_frequency", ["token"]),
        ("slackChannel", "new_issue", ["slackChannel"]),
    ],
)
def test_missing_inputs_are_reported(drop: str, kind: str, expected_keys: list[str]) -> None:
    inputs = {k: v for k, v in GOOD_INPUTS.items() if k != drop}
    inputs["kind"] = kind
    if kind == "new_issue":
        inputs.pop("threshold", None)

    assert [k for k, _ in input_problems(inputs)] == expected_keys


def test_threshold_is_refused_for_new_issue() -> None:
    problems = input_problems({**GOOD_INPUTS, "kind": "new_issue", "threshold": 5})

    assert [k for k, _ in problems] == ["threshold"]


def test_unknown_values_are_not_judged_before_they_are_known() -> None:
    inputs = {**GOOD_INPUTS, "projectId": Unknown(), "slackIntegrationId": rpc.UNKNOWN}

    assert input_problems(inputs) == []


# -- the provider against the fake Sentry -------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeSentry]:
    with FakeSentry(token=TOKEN, organization=ORG) as server:
        yield server


@pytest.fixture
def provider() -> SentryAlertProvider:
    return SentryAlertProvider(retry=RetryPolicy(max_attempts=2, backoff_base=0.0), timeout=5.0)


def props_for(fake: FakeSentry, **overrides: Any) -> dict[str, Any]:
    """Inputs as the dynamic provider host hands them over (plus the serialized provider)."""
    return {**GOOD_INPUTS, "apiBaseUrl": fake.base_url, "__provider": "opaque", **overrides}


def test_check_normalizes_numbers_and_accepts_good_inputs(provider: SentryAlertProvider,
                                                         fake: FakeSentry) -> None:
    result = provider.check({}, props_for(fake))

    assert result.failures == []
    assert result.inputs["threshold"] == 50 and isinstance(result.inputs["threshold"], int)
    assert result.inputs["__provider"] == "opaque"


def test_check_reports_every_bad_input(provider: SentryAlertProvider, fake: FakeSentry) -> None:
    result = provider.check({}, props_for(fake, slackChannel="alerts", environment="dev"))

    assert sorted(f.property for f in result.failures) == ["environment", "slackChannel"]


def test_create_posts_a_valid_workflow_on_the_issue_stream_monitor(
    provider: SentryAlertProvider, fake: FakeSentry
) -> None:
    detector = fake.add_project(PROJECT_ID)

    result = provider.create(props_for(fake))

    assert result.id in fake.workflows
    assert result.outs["workflowId"] == result.id
    assert result.outs["detectorId"] == detector
    assert result.outs["alertName"] == "[production] more than 50 events in 1h in web-app"
    assert "__provider" not in result.outs
    [post] = [r for r in fake.requests if r.method == "POST"]
    assert post.body["detectorIds"] == [int(detector)]
    assert post.body["actionFilters"][0]["conditions"][0]["comparison"] == {
        "value": 50, "interval": "1h"}
    assert fake.shape_errors == []


def test_read_returns_live_state(provider: SentryAlertProvider, fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)
    created = provider.create(props_for(fake))
    fake.workflows[created.id]["name"] = "renamed in the UI"

    result = provider.read(created.id, {**created.outs, "__provider": "opaque"})

    assert result.id == created.id
    assert result.outs["alertName"] == "renamed in the UI"
    assert result.outs["environment"] == "production"


def test_read_of_deleted_alert_returns_empty_id(provider: SentryAlertProvider,
                                                fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)
    created = provider.create(props_for(fake))
    del fake.workflows[created.id]  # deleted outside Pulumi

    result = provider.read(created.id, {**created.outs, "__provider": "opaque"})

    assert result.id == ""
    assert result.outs == {}


def test_read_without_state_is_a_clear_error(provider: SentryAlertProvider) -> None:
    with pytest.raises(ValueError, match="cannot read Sentry alert '12'.*not supported"):
        provider.read("12", {"__provider": "opaque"})


def test_update_puts_the_new_definition(provider: SentryAlertProvider, fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)
    created = provider.create(props_for(fake))
    news = props_for(fake, slackChannel="#oncall", threshold=200.0)

    result = provider.update(created.id, created.outs, news)

    [put] = [r for r in fake.requests if r.method == "PUT"]
    assert put.path == f"/api/0/organizations/{ORG}/workflows/{created.id}/"
    assert put.body["actionFilters"][0]["actions"][0]["config"]["targetDisplay"] == "#oncall"
    expected_name = "[production] more than 200 events in 1h in web-app"
    assert fake.workflows[created.id]["name"] == expected_name
    assert result.outs["alertName"] == expected_name
    assert fake.shape_errors == []


def test_update_of_token_only_makes_no_api_call(provider: SentryAlertProvider,
                                                fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)
    created = provider.create(props_for(fake))
    calls_before = len(fake.requests)
    fake.token = "rotated-token"

    result = provider.update(created.id, created.outs, props_for(fake, token="rotated-token"))

    assert len(fake.requests) == calls_before
    assert result.outs["token"] == "rotated-token"
    assert result.outs["workflowId"] == created.id


def test_delete_removes_and_tolerates_already_gone(provider: SentryAlertProvider,
                                                   fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)
    created = provider.create(props_for(fake))

    provider.delete(created.id, created.outs)
    provider.delete(created.id, created.outs)  # 404 now: still fine

    assert fake.workflows == {}
    assert [r.method for r in fake.requests if "/workflows/" in r.path] == [
        "POST", "DELETE", "DELETE"]


def test_full_lifecycle_never_touches_retired_endpoints(provider: SentryAlertProvider,
                                                        fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)
    created = provider.create(props_for(fake, kind="new_issue", threshold=None))
    provider.read(created.id, created.outs)
    provider.update(created.id, created.outs, props_for(fake, kind="new_issue",
                                                        threshold=None, environment="staging"))
    provider.delete(created.id, created.outs)

    assert fake.requests, "the lifecycle made no request at all"
    assert all(r.auth_ok for r in fake.requests)
    assert not [p for p in fake.paths() if "/rules/" in p or "/alert-rules/" in p]
    assert all(p.startswith(f"/api/0/organizations/{ORG}/") for p in fake.paths())
    assert fake.shape_errors == []


def test_provider_errors_name_the_endpoint_but_never_the_token(
    provider: SentryAlertProvider, fake: FakeSentry
) -> None:
    fake.add_project(PROJECT_ID)
    fake.fail_next("POST", r"/workflows/$", 400,
                   body={"actionFilters": ["Slack channel not found"]})

    with pytest.raises(SentryApiError) as caught:
        provider.create(props_for(fake))

    message = str(caught.value)
    assert "POST /api/0/organizations/acme/workflows/" in message
    assert "Slack channel not found" in message
    assert TOKEN not in message


def test_provider_retries_a_rate_limited_create(provider: SentryAlertProvider,
                                                fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)
    fake.fail_next("POST", r"/workflows/$", 429, headers={"Retry-After": "0"})

    result = provider.create(props_for(fake))

    assert result.id in fake.workflows
    assert len(fake.paths("POST")) == 2


def test_secret_wrapped_token_is_unwrapped_for_the_api(provider: SentryAlertProvider,
                                                       fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)

    result = provider.create(props_for(fake, token=rpc.wrap_rpc_secret(TOKEN)))

    assert all(r.auth_ok for r in fake.requests)
    assert result.outs["token"] == TOKEN


# -- diff ---------------------------------------------------------------------------------

OLD_OUTS = {**GOOD_INPUTS, "threshold": 50, "frequencyMinutes": 30, "workflowId": "9",
            "detectorId": "3", "alertName": "[production] more than 50 events in 1h in web-app"}


@pytest.mark.parametrize(
    ("change", "changes", "replaces"),
    [
        ({}, False, []),
        ({"organization": "other"}, True, ["organization"]),
        ({"projectId": "4502"}, True, ["projectId"]),
        ({"apiBaseUrl": "https://de.sentry.io"}, True, ["apiBaseUrl"]),
        ({"projectId": Unknown()}, True, ["projectId"]),
        ({"slackChannel": "#oncall"}, True, []),
        ({"environment": "staging"}, True, []),
        ({"kind": "new_issue", "threshold": None}, True, []),
        ({"token": "rotated"}, True, []),
        ({"threshold": 50.0}, False, []),  # the engine's float for the same number
    ],
)
def test_diff_replaces_only_on_instance_org_or_project_change(
    provider: SentryAlertProvider, change: dict, changes: bool, replaces: list[str]
) -> None:
    news = {**GOOD_INPUTS, **change, "__provider": "opaque"}
    news = {k: v for k, v in news.items() if v is not None}

    result = provider.diff("9", OLD_OUTS, news)

    assert result.changes is changes
    assert result.replaces == replaces
    assert result.delete_before_replace is False


def test_diff_sees_a_rename_done_outside_pulumi(provider: SentryAlertProvider) -> None:
    refreshed = {**OLD_OUTS, "alertName": "renamed in the UI"}

    result = provider.diff("9", refreshed, {**GOOD_INPUTS, "__provider": "opaque"})

    assert result.changes is True
    assert result.replaces == []


# -- serialization of the provider --------------------------------------------------------


ROOT = Path(__file__).resolve().parents[2]


def test_provider_blob_loads_in_a_fresh_interpreter_from_the_project_root() -> None:
    """The dynamic provider host unpickles the blob in its own process, in the program dir."""
    blob = serialize_provider(SentryAlertProvider(timeout=7.5))
    code = ("import base64, sys, dill; p = dill.loads(base64.b64decode(sys.argv[1])); "
            "print(type(p).__module__, type(p).__name__, p.timeout)")

    done = subprocess.run([sys.executable, "-c", code, blob], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"PATH": os.environ.get("PATH", "")})

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["sentry_workflows.provider", "SentryAlertProvider", "7.5"]


def test_provider_serializes_without_any_secret() -> None:
    blob = serialize_provider(SentryAlertProvider())

    restored = dill.loads(base64.b64decode(blob))

    assert isinstance(restored, SentryAlertProvider)
    assert restored.retry == RetryPolicy()
    assert TOKEN.encode() not in base64.b64decode(blob)


# -- the resource under Pulumi mocks ------------------------------------------------------


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.resources.append(args)
        outs = copy.deepcopy(args.inputs)
        outs.update({"workflowId": "wf-1", "detectorId": "det-1", "alertName": "mocked"})
        return "wf-1", outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        return {}, []


class RecordingMonitor(pulumi.runtime.mocks.MockMonitor):
    """Sees the raw RegisterResource requests (options the mock args do not carry)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.requests: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:
        self.requests.append(request)
        return super().RegisterResource(request)


@pytest.fixture
def mocked() -> tuple[RecordingMocks, RecordingMonitor]:
    mocks = RecordingMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="webapp-platform", stack="staging", preview=False,
                             monitor=monitor)
    return mocks, monitor


def alert_args(**overrides: Any) -> SentryAlertArgs:
    values: dict[str, Any] = {
        "organization": ORG,
        "project_slug": "web-app",
        "project_id": pulumi.Output.from_input(PROJECT_ID),
        "environment": "staging",
        "kind": "event_frequency",
        "threshold": 100,
        "slack_integration_id": pulumi.Output.from_input("77"),
        "slack_channel": "#alerts",
        "token": TOKEN,
    }
    values.update(overrides)
    return SentryAlertArgs(**values)


SECRET_SIG = rpc._special_secret_sig  # the marker the engine uses for a secret value


@pulumi.runtime.test
def test_resource_registers_type_token_inputs_and_secret_token(mocked) -> Any:
    mocks, monitor = mocked
    alert = SentryAlert("staging-event-frequency", alert_args())

    def check(outputs: list[Any]) -> None:
        workflow_id, detector_id = outputs
        [args] = [r for r in mocks.resources if r.typ.startswith("pulumi-python:dynamic")]
        assert args.typ == "pulumi-python:dynamic/sentry:Alert"
        inputs = args.inputs
        assert inputs["token"] == {rpc._special_sig_key: SECRET_SIG, "value": TOKEN}
        assert {k: inputs[k] for k in (
            "organization", "projectSlug", "projectId", "environment", "kind", "threshold",
            "slackIntegrationId", "slackChannel", "frequencyMinutes", "apiBaseUrl")} == {
            "organization": ORG, "projectSlug": "web-app", "projectId": PROJECT_ID,
            "environment": "staging", "kind": "event_frequency", "threshold": 100.0,
            "slackIntegrationId": "77", "slackChannel": "#alerts", "frequencyMinutes": 30.0,
            "apiBaseUrl": "https://sentry.io"}
        assert "__provider" in inputs
        # Outputs are computed by the provider; not inputs.
        assert not {"workflowId", "detectorId", "alertName", "name"} & set(inputs)
        [request] = [r for r in monitor.requests if r.type == args.typ]
        assert list(request.additionalSecretOutputs) == ["token"]
        assert (workflow_id, detector_id) == ("wf-1", "det-1")

    return pulumi.Output.all(alert.workflow_id, alert.detector_id).apply(check)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"slack_channel": "alerts"}, "SentryAlertArgs.slack_channel: got 'alerts'"),
        ({"threshold": None}, "SentryAlertArgs.threshold: missing"),
        ({"environment": "qa"}, "SentryAlertArgs.environment: got 'qa'"),
        ({"kind": "new_issue"}, "SentryAlertArgs.threshold: got 100"),
        ({"frequency_minutes": 45}, "SentryAlertArgs.frequency_minutes: got 45"),
        ({"api_base_url": "http://sentry.io"}, "SentryAlertArgs.api_base_url"),
    ],
)
def test_bad_static_args_are_refused_at_declaration(mocked, overrides: dict,
                                                    expected: str) -> None:
    mocks, _ = mocked
    with pytest.raises(ValueError) as caught:
        SentryAlert("bad", alert_args(**overrides))

    assert expected in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert mocks.resources == []


def test_all_static_problems_are_listed_at_once(mocked) -> None:
    with pytest.raises(ValueError) as caught:
        SentryAlert("bad", alert_args(slack_channel="alerts", environment="qa"))

    message = str(caught.value)
    assert "SentryAlertArgs.slack_channel" in message
    assert "SentryAlertArgs.environment" in message
