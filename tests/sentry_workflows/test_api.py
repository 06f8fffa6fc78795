"""Tests of the Sentry HTTP client against the local fake Sentry (127.0.0.1 only)."""

from __future__ import annotations

import email.utils
import socket
from collections.abc import Iterator

import pytest
import requests

from sentry_workflows.api import (
    RetryPolicy,
    SentryApiError,
    SentryClient,
    SentryNotFoundError,
    _path,
    _retry_after_seconds,
    base_url_problem,
)
from tests.sentry_workflows.fake_sentry import FakeSentry, workflow_shape_errors

TOKEN = "sntrys_test_token_value_42"
ORG = "acme"
PROJECT_ID = "4501"


@pytest.fixture
def fake() -> Iterator[FakeSentry]:
    with FakeSentry(token=TOKEN, organization=ORG) as server:
        yield server


class SleepRecorder:
    """Stands in for time.sleep: records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(fake: FakeSentry, sleep: SleepRecorder | None = None, **kwargs) -> SentryClient:
    return SentryClient(TOKEN, fake.base_url, sleep=sleep or SleepRecorder(), timeout=5.0,
                        **kwargs)


def valid_payload(detector_id: str) -> dict:
    return {
        "name": "[staging] new issue in web",
        "enabled": True,
        "environment": "staging",
        "config": {"frequency": 30},
        "detectorIds": [int(detector_id)],
        "triggers": {"logicType": "any-short", "actions": [], "conditions": [
            {"type": "first_seen_event", "comparison": True, "conditionResult": True}]},
        "actionFilters": [{"logicType": "all", "conditions": [], "actions": [{
            "type": "slack", "integrationId": "77", "data": {},
            "config": {"targetType": "specific", "targetIdentifier": "",
                       "targetDisplay": "#alerts"}}]}],
    }


# -- requests carry the documented shapes --------------------------------------------------


def test_every_request_sends_bearer_token_and_json_accept(fake: FakeSentry) -> None:
    detector = fake.add_project(PROJECT_ID)
    client = make_client(fake)
    client.find_issue_stream_detector(ORG, PROJECT_ID)
    created = client.create_workflow(ORG, valid_payload(detector))
    client.get_workflow(ORG, created["id"])

    assert len(fake.requests) == 3
    assert all(r.auth_ok for r in fake.requests)
    assert fake.requests[1].content_type == "application/json"
    assert fake.shape_errors == []


def test_repr_hides_token(fake: FakeSentry) -> None:
    client = make_client(fake)

    assert TOKEN not in repr(client)
    assert "<hidden>" in repr(client)


def test_detector_lookup_sends_project_and_issue_stream_query(fake: FakeSentry) -> None:
    detector = fake.add_project(PROJECT_ID)
    fake.add_project("9999")  # another project's monitors must not be picked

    found = make_client(fake).find_issue_stream_detector(ORG, PROJECT_ID)

    assert found == detector
    [request] = fake.requests
    assert request.path == f"/api/0/organizations/{ORG}/detectors/"
    assert request.query == {"project": [PROJECT_ID], "query": ["type:issue_stream"]}


def test_detector_pages_are_followed_by_link_cursor(fake: FakeSentry) -> None:
    fake.page_size = 1  # the project has 2 monitors: the error one first, issue_stream second
    detector = fake.add_project(PROJECT_ID)

    found = make_client(fake).find_issue_stream_detector(ORG, PROJECT_ID)

    assert found == detector
    assert [r.query.get("cursor") for r in fake.requests] == [None, ["0:1:0"]]


def test_detector_pagination_is_bounded(fake: FakeSentry) -> None:
    fake.page_size = 1
    for _ in range(3):
        fake.add_project(PROJECT_ID)  # 6 monitors, 6 pages

    with pytest.raises(SentryApiError, match="more than 2 pages"):
        make_client(fake, max_pages=2).list_detectors(ORG, PROJECT_ID, "type:issue_stream")
    assert len(fake.requests) == 2


def test_missing_issue_stream_monitor_is_a_clear_error(fake: FakeSentry) -> None:
    with pytest.raises(SentryApiError) as caught:
        make_client(fake).find_issue_stream_detector(ORG, PROJECT_ID)

    message = str(caught.value)
    assert f"project id {PROJECT_ID}" in message
    assert "/api/0/organizations/acme/detectors/" in message
    assert TOKEN not in message


def test_retired_rules_endpoint_answers_410(fake: FakeSentry) -> None:
    with pytest.raises(SentryApiError) as caught:
        make_client(fake).request("GET", "/api/0/projects/acme/web/rules/")

    assert caught.value.status == 410
    assert "This API no longer exists" in str(caught.value)


# -- CRUD answers -------------------------------------------------------------------------


def test_create_get_update_delete_round_trip(fake: FakeSentry) -> None:
    detector = fake.add_project(PROJECT_ID)
    client = make_client(fake)

    created = client.create_workflow(ORG, valid_payload(detector))
    workflow_id = created["id"]
    changed = {**valid_payload(detector), "name": "renamed"}
    client.update_workflow(ORG, workflow_id, changed)
    fetched = client.get_workflow(ORG, workflow_id)
    deleted = client.delete_workflow(ORG, workflow_id)

    assert fetched is not None and fetched["name"] == "renamed"
    assert fetched["detectorIds"] == [detector]
    assert deleted is True
    assert fake.workflows == {}
    put = next(r for r in fake.requests if r.method == "PUT")
    assert put.body["id"] == workflow_id  # the documented optional `id` matches the URL
    assert fake.shape_errors == []


def test_get_of_missing_workflow_is_none(fake: FakeSentry) -> None:
    assert make_client(fake).get_workflow(ORG, "123") is None


def test_delete_of_missing_workflow_is_false(fake: FakeSentry) -> None:
    assert make_client(fake).delete_workflow(ORG, "123") is False


def test_invalid_payload_error_names_endpoint_status_and_detail_not_token(
    fake: FakeSentry,
) -> None:
    fake.add_project(PROJECT_ID)
    bad = {**valid_payload("1"), "config": {"frequency": 3600}}

    with pytest.raises(SentryApiError) as caught:
        make_client(fake).create_workflow(ORG, bad)

    message = str(caught.value)
    assert "POST /api/0/organizations/acme/workflows/" in message
    assert "HTTP 400" in message
    assert "config.frequency" in message
    assert TOKEN not in message


def test_wrong_token_is_401(fake: FakeSentry) -> None:
    client = SentryClient("wrong-token", fake.base_url, sleep=SleepRecorder())

    with pytest.raises(SentryApiError) as caught:
        client.get_workflow(ORG, "1")

    assert caught.value.status == 401
    assert "wrong-token" not in str(caught.value)


def test_unknown_organization_is_not_found(fake: FakeSentry) -> None:
    with pytest.raises(SentryNotFoundError):
        make_client(fake).list_detectors("other-org", PROJECT_ID, "type:issue_stream")


# -- retries ------------------------------------------------------------------------------


def test_429_is_retried_after_retry_after_seconds(fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)
    fake.fail_next("GET", r"/detectors/$", 429, headers={"Retry-After": "2"})
    sleep = SleepRecorder()

    make_client(fake, sleep).find_issue_stream_detector(ORG, PROJECT_ID)

    assert sleep.waits == [2.0]
    assert len(fake.paths("GET")) == 2


def test_retry_after_is_capped(fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)
    fake.fail_next("GET", r"/detectors/$", 429, headers={"Retry-After": "120"})
    sleep = SleepRecorder()

    make_client(fake, sleep, retry=RetryPolicy(backoff_cap=3.0)).find_issue_stream_detector(
        ORG, PROJECT_ID)

    assert sleep.waits == [3.0]


def test_5xx_on_get_is_retried_with_exponential_backoff(fake: FakeSentry) -> None:
    fake.add_project(PROJECT_ID)
    fake.fail_next("GET", r"/detectors/$", 503, times=2)
    sleep = SleepRecorder()

    make_client(fake, sleep).find_issue_stream_detector(ORG, PROJECT_ID)

    assert sleep.waits == [0.5, 1.0]
    assert len(fake.requests) == 3


def test_persistent_5xx_gives_up_after_max_attempts(fake: FakeSentry) -> None:
    fake.fail_next("GET", r"/workflows/123/$", 500, times=10)
    sleep = SleepRecorder()

    with pytest.raises(SentryApiError) as caught:
        make_client(fake, sleep, retry=RetryPolicy(max_attempts=3)).get_workflow(ORG, "123")

    assert len(fake.requests) == 3
    assert len(sleep.waits) == 2
    assert "GET /api/0/organizations/acme/workflows/123/ failed (HTTP 500)" in str(caught.value)


def test_5xx_on_post_is_not_retried_to_avoid_duplicate_alerts(fake: FakeSentry) -> None:
    detector = fake.add_project(PROJECT_ID)
    fake.fail_next("POST", r"/workflows/$", 503)

    with pytest.raises(SentryApiError) as caught:
        make_client(fake).create_workflow(ORG, valid_payload(detector))

    assert caught.value.status == 503
    assert len(fake.paths("POST")) == 1


def test_429_on_post_is_retried(fake: FakeSentry) -> None:
    detector = fake.add_project(PROJECT_ID)
    fake.fail_next("POST", r"/workflows/$", 429, headers={"Retry-After": "0"})

    created = make_client(fake).create_workflow(ORG, valid_payload(detector))

    assert created["id"] in fake.workflows
    assert len(fake.paths("POST")) == 2


def test_timeout_on_get_is_retried_then_reported(fake: FakeSentry) -> None:
    fake.fail_next("GET", r"/workflows/7/$", 200, times=2, delay=0.5, body={"id": "7"})
    client = SentryClient(TOKEN, fake.base_url, timeout=0.1, sleep=SleepRecorder(),
                          retry=RetryPolicy(max_attempts=2))

    with pytest.raises(SentryApiError) as caught:
        client.get_workflow(ORG, "7")

    assert caught.value.status is None
    assert "ReadTimeout" in str(caught.value)
    assert len(fake.requests) == 2


def test_connection_refused_is_reported_without_traceback_of_headers() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = SentryClient(TOKEN, f"http://127.0.0.1:{port}", sleep=SleepRecorder(),
                          retry=RetryPolicy(max_attempts=2), timeout=1.0)

    with pytest.raises(SentryApiError) as caught:
        client.delete_workflow(ORG, "1")

    assert "ConnectionError" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert TOKEN not in str(caught.value)


# -- pure helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://sentry.io", True),
        ("https://de.sentry.io", True),
        ("https://sentry.example.com/", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:9000", True),
        ("http://sentry.io", False),  # the token would travel in clear text
        ("ftp://sentry.io", False),
        ("sentry.io", False),
        ("", False),
        ("https://sentry.io/?x=1", False),
        ("https://user:pw@sentry.io", False),  # pragma: allowlist secret (a test URL)
    ],
)
def test_base_url_problem(url: str, ok: bool) -> None:
    assert (base_url_problem(url) is None) is ok


def test_client_refuses_empty_token_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="token is empty"):
        SentryClient("  ", "https://sentry.io")


def _response(headers: dict[str, str]) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    response.headers.update(headers)
    return response


NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": email.utils.formatdate(NOW + 10, usegmt=True)}, 10.0),
        ({"X-Sentry-Rate-Limit-Reset": str(int(NOW + 4))}, 4.0),
        ({"X-Sentry-Rate-Limit-Reset": str(int(NOW - 4))}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_parsing(headers: dict[str, str], expected: float | None) -> None:
    assert _retry_after_seconds(_response(headers), NOW) == expected


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        (("organizations", "acme", "workflows"), "/api/0/organizations/acme/workflows/"),
        (("organizations", "a/b", "workflows", "1"), "/api/0/organizations/a%2Fb/workflows/1/"),
        (("organizations", "x?y#z"), "/api/0/organizations/x%3Fy%23z/"),
    ],
)
def test_path_segments_are_quoted(segments: tuple[str, ...], expected: str) -> None:
    assert _path(*segments) == expected


def test_fake_rejects_the_doc_example_interval_spelling() -> None:
    """The API reference's bullet list says "1hr"; the server's enum says "1h" (see docs)."""
    payload = valid_payload("1")
    payload["actionFilters"][0]["conditions"] = [{
        "type": "event_frequency_count", "conditionResult": True,
        "comparison": {"value": 10, "interval": "1hr"}}]

    errors = workflow_shape_errors(payload, {"1"})

    assert errors == [
        "actionFilters[0].conditions[0].comparison.interval: '1hr' is not one of "
        "['15m', '1d', '1h', '1m', '1w', '30d', '5m']"
    ]
