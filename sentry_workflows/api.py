"""A small HTTP client for Sentry's current alerting API (the "workflow engine").

Sentry retired the project-level issue-alert and metric-alert endpoints
(`/api/0/projects/{org}/{project}/rules/`, `.../alert-rules/`) in 2026; they answer HTTP 410
"This API no longer exists". Alerts are now *workflows* ("Alerts" in the docs) connected to
*detectors* ("Monitors"). This client calls only the current endpoints:

- `GET  /api/0/organizations/{org}/detectors/?project={project_id}&query=type:issue_stream`
  finds a project's default issue monitor (its "issue stream" detector).
- `POST /api/0/organizations/{org}/workflows/` creates an alert (201 with the alert's `id`).
- `GET|PUT|DELETE /api/0/organizations/{org}/workflows/{workflow_id}/` (200 / 200 / 204).

Documentation used (Sentry API reference, section "Monitors", marked beta):
- https://docs.sentry.io/api/monitors/fetch-an-organizations-monitors/ (query params
  `project` (ids), `query`; scopes `alerts:read`...; response is a JSON list of monitors with
  `id`, `projectId`, `type`)
- https://docs.sentry.io/api/monitors/fetch-an-alert/ and
  https://docs.sentry.io/api/monitors/update-an-alert-by-id/ (body: `name` required, `id`,
  `enabled`, `detector_ids`/`detectorIds`, `config`, `environment`, `triggers`, `action_filters`)
- https://docs.sentry.io/api/monitors/mutate-an-organizations-alerts/ (scopes `alerts:write`)
- https://docs.sentry.io/api/auth/ (`Authorization: Bearer <token>`)
- https://docs.sentry.io/api/pagination/ (`Link` header; `rel="next"; results="true";
  cursor="0:100:0"`; results="false" means there is no further page)
- https://docs.sentry.io/api/ratelimits/ (429 responses; `X-Sentry-Rate-Limit-Reset` is the
  UTC epoch second at which the window resets)
Errors are Django REST framework bodies: `{"detail": "..."}` or per-field lists such as
`{"name": ["This field is required."]}`.

The token is held privately, sent only in the Authorization header, and never appears in a
message, `repr` or log line produced here.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:  # requests is imported where a client is made: only the provider process calls Sentry
    import requests

DEFAULT_BASE_URL = "https://sentry.io"

# Status codes worth retrying: rate limiting and transient server/gateway failures.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Methods Sentry handles idempotently for our use. A POST that failed with a 5xx or a dropped
# connection may still have created the alert, so it is retried only on 429 (rate limiting
# rejects the request before it runs); retrying otherwise could create a duplicate alert.
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE"})

# Longest detail text copied from a Sentry error body into our error message.
_MAX_DETAIL_CHARS = 300


class SentryApiError(RuntimeError):
    """A Sentry API call failed. The message names the method, endpoint and status only."""

    def __init__(self, method: str, endpoint: str, status: int | None, detail: str) -> None:
        self.method = method
        self.endpoint = endpoint
        self.status = status
        self.detail = detail
        status_text = f"HTTP {status}" if status is not None else "no response"
        super().__init__(f"Sentry API {method} {endpoint} failed ({status_text}): {detail}")


class SentryNotFoundError(SentryApiError):
    """The endpoint answered 404: the organization, project or alert does not exist."""


@dataclass(frozen=True)
class RetryPolicy:
    """How the client retries rate-limited and transient failures (all times in seconds)."""

    max_attempts: int = 4  # total tries per request, first one included
    backoff_base: float = 0.5  # first backoff; doubles on every retry
    backoff_cap: float = 8.0  # no single wait is longer than this, whatever the server says


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def base_url_problem(base_url: object) -> str | None:
    """Why `base_url` cannot be used as the Sentry API root, or None when it can.

    https is required so the token never travels in clear text; plain http is accepted only for
    a loopback host (local tests and a self-hosted Sentry reached through a local tunnel).
    """
    expected = "expected https://HOST, e.g. https://sentry.io or https://de.sentry.io"
    if not isinstance(base_url, str) or not base_url:
        return expected
    parts = urlsplit(base_url)
    if not parts.hostname or parts.query or parts.fragment or parts.username or parts.password:
        return expected
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return None
    return expected + " (plain http only for 127.0.0.1/localhost)"


def _path(*segments: str) -> str:
    """Build an API path, quoting every segment so a slug can never inject `/`, `?` or `#`."""
    return "/api/0/" + "".join(quote(str(s), safe="") + "/" for s in segments)


def _detail_from(response: requests.Response) -> str:
    """Extract Sentry's human-readable error text from a DRF error body, shortened."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip() or response.reason or "no body"
    else:
        if isinstance(body, Mapping) and "detail" in body:
            text = str(body["detail"])
        else:
            text = json.dumps(body, sort_keys=True)
    return text if len(text) <= _MAX_DETAIL_CHARS else text[: _MAX_DETAIL_CHARS - 3] + "..."


def _retry_after_seconds(response: requests.Response, now: float) -> float | None:
    """Server-suggested wait: `Retry-After` (seconds or HTTP date), else Sentry's reset epoch."""
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        value = retry_after.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - now)
    reset = response.headers.get("X-Sentry-Rate-Limit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            return None
    return None


class SentryClient:
    """Calls the Sentry endpoints the alert provider needs, with timeouts and bounded retries."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy = RetryPolicy(),
        max_pages: int = 10,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(token, str) or not token.strip():
            raise ValueError("Sentry API token is empty: expected a non-empty auth token string")
        problem = base_url_problem(base_url)
        if problem:
            raise ValueError(f"Sentry API base URL {base_url!r} is not valid: {problem}")
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry
        self.max_pages = max_pages
        import requests

        self._session = session or requests.Session()
        self._sleep = sleep
        self._clock = clock

    def __repr__(self) -> str:  # never show the token
        return f"SentryClient(base_url={self.base_url!r}, token=<hidden>)"

    # -- transport ------------------------------------------------------------------------

    def _backoff(self, attempt: int, response: requests.Response | None) -> float:
        """Wait before retry number `attempt` (1-based): server hint if any, else exponential."""
        hinted = _retry_after_seconds(response, self._clock()) if response is not None else None
        wait = hinted if hinted is not None else self.retry.backoff_base * (2 ** (attempt - 1))
        return min(wait, self.retry.backoff_cap)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> requests.Response:
        """Send one API call, retrying 429/5xx (see RETRYABLE_STATUSES) a bounded number of times.

        Returns the response when its status is in `ok`; raises SentryNotFoundError on 404 and
        SentryApiError on anything else, naming `method path` and the status (never the token).
        """
        url = self.base_url + path
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        data = json.dumps(body) if body is not None else None
        retry_on_status = RETRYABLE_STATUSES if method in IDEMPOTENT_METHODS else {429}

        for attempt in range(1, self.retry.max_attempts + 1):
            last_try = attempt == self.retry.max_attempts
            try:
                response = self._session.request(
                    method, url, params=params, data=data, headers=headers, timeout=self.timeout
                )
            except (_requests().ConnectionError, _requests().Timeout) as exc:
                if method not in IDEMPOTENT_METHODS or last_try:
                    # The exception text names only the URL, which holds no secret; chain
                    # nothing (`from None`) so request objects with headers are not dumped.
                    raise SentryApiError(method, path, None, type(exc).__name__) from None
                self._sleep(self._backoff(attempt, None))
                continue
            if response.status_code in ok:
                return response
            if response.status_code in retry_on_status and not last_try:
                self._sleep(self._backoff(attempt, response))
                continue
            error = SentryNotFoundError if response.status_code == 404 else SentryApiError
            raise error(method, path, response.status_code, _detail_from(response))
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    @staticmethod
    def _json(method: str, path: str, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise SentryApiError(
                method, path, response.status_code, "response body is not JSON"
            ) from None

    # -- detectors (monitors) -------------------------------------------------------------

    def list_detectors(self, organization: str, project_id: str, query: str) -> list[dict]:
        """List an organization's monitors for one project, following `Link` cursors.

        Pagination is bounded by `max_pages`; only the cursor is taken from the `Link` header and
        re-sent to our own base URL, so a next-page link can never redirect the token elsewhere.
        """
        path = _path("organizations", organization, "detectors")
        params: dict[str, Any] = {"project": project_id, "query": query}
        found: list[dict] = []
        for _ in range(self.max_pages):
            response = self.request("GET", path, params=params)
            page = self._json("GET", path, response)
            if not isinstance(page, list):
                raise SentryApiError("GET", path, response.status_code, "expected a JSON list")
            found.extend(item for item in page if isinstance(item, dict))
            nxt = response.links.get("next")
            if not nxt or nxt.get("results") != "true" or not nxt.get("cursor"):
                return found
            params = {**params, "cursor": nxt["cursor"]}
        raise SentryApiError(
            "GET", path, None, f"more than {self.max_pages} pages of monitors; refusing to continue"
        )

    def find_issue_stream_detector(self, organization: str, project_id: str) -> str:
        """Return the id of the project's default issue monitor (detector type `issue_stream`)."""
        detectors = self.list_detectors(organization, project_id, "type:issue_stream")
        # Filter again client-side: the query is a search string, not a guarantee.
        ids = sorted(
            (str(d["id"]) for d in detectors
             if d.get("type") == "issue_stream" and str(d.get("projectId")) == str(project_id)
             and d.get("id") is not None),
            key=lambda i: (len(i), i),
        )
        if not ids:
            raise SentryApiError(
                "GET", _path("organizations", organization, "detectors"), 200,
                f"no issue_stream monitor found for project id {project_id} in organization "
                f"{organization!r} (check the project id and the token's organization)",
            )
        return ids[0]  # one per project in practice; lowest id keeps the choice stable

    # -- workflows (alerts) ---------------------------------------------------------------

    def create_workflow(self, organization: str, payload: Mapping[str, Any]) -> dict:
        """POST a new alert; returns Sentry's JSON (with the new `id`)."""
        path = _path("organizations", organization, "workflows")
        response = self.request("POST", path, body=payload, ok=(200, 201))
        created = self._json("POST", path, response)
        if not isinstance(created, dict) or created.get("id") in (None, ""):
            raise SentryApiError("POST", path, response.status_code, "response has no alert id")
        return created

    def get_workflow(self, organization: str, workflow_id: str) -> dict | None:
        """GET one alert; None when Sentry answers 404 (the alert is gone)."""
        path = _path("organizations", organization, "workflows", workflow_id)
        try:
            response = self.request("GET", path)
        except SentryNotFoundError:
            return None
        found = self._json("GET", path, response)
        if not isinstance(found, dict):
            raise SentryApiError("GET", path, response.status_code, "expected a JSON object")
        return found

    def update_workflow(
        self, organization: str, workflow_id: str, payload: Mapping[str, Any]
    ) -> dict:
        """PUT the full alert definition (Sentry replaces triggers and action filters)."""
        path = _path("organizations", organization, "workflows", workflow_id)
        response = self.request("PUT", path, body={**payload, "id": str(workflow_id)})
        updated = self._json("PUT", path, response)
        return updated if isinstance(updated, dict) else {}

    def delete_workflow(self, organization: str, workflow_id: str) -> bool:
        """DELETE one alert; False when it was already gone (404), True when deleted."""
        path = _path("organizations", organization, "workflows", workflow_id)
        try:
            self.request("DELETE", path, ok=(200, 202, 204))
        except SentryNotFoundError:
            return False
        return True


def _requests():
    import requests

    return requests
