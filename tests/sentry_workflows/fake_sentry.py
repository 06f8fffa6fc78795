"""A local fake of the parts of Sentry's API the alert provider uses, for tests.

It listens on 127.0.0.1 (port 0: the OS picks a free port), answers like sentry.io and CHECKS
the documented request shapes, so a test fails when the client drifts from the docs:

- every request must carry `Authorization: Bearer <token>` (else 401 `{"detail": ...}`);
- `GET /api/0/organizations/{org}/detectors/` needs `project=<digits>` and
  `query=type:issue_stream`; results are paginated with Sentry's `Link` header format
  (`<url>; rel="next"; results="true"; cursor="0:1:0"`);
- `POST /api/0/organizations/{org}/workflows/` and `PUT .../workflows/{id}/` bodies are checked
  against the workflow payload shape of the API reference (see `workflow_shape_errors`);
  a bad body gets 400 with DRF-style field errors and is recorded in `shape_errors`;
- `GET/PUT/DELETE .../workflows/{id}/` answer 200/200/204, or 404 when unknown;
- the retired `/api/0/projects/{org}/{project}/rules/` and `.../alert-rules/` answer 410
  `{"detail": "This API no longer exists"}` (and are recorded, so tests prove we never call
  them);
- `fail_next(...)` injects one-off answers (429 with Retry-After, 503, a delay) to test retries.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

# Values the server side accepts (getsentry/sentry STANDARD_INTERVALS; the API reference's
# throttle list; trigger and filter types the alert provider may send).
INTERVALS = frozenset({"1m", "5m", "15m", "1h", "1d", "1w", "30d"})
FREQUENCIES = frozenset({0, 5, 10, 30, 60, 180, 720, 1440})
TRIGGER_TYPES = frozenset(
    {"first_seen_event", "regression_event", "reappeared_event", "issue_resolved_trigger"}
)
LOGIC_TYPES = frozenset({"any", "any-short", "all", "none"})
WORKFLOW_KEYS = frozenset(
    {"id", "name", "enabled", "environment", "config", "detectorIds", "triggers", "actionFilters"}
)

RETIRED = "This API no longer exists"
NOT_FOUND = "The requested resource does not exist"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _condition_errors(where: str, cond: Any, allowed_types: frozenset[str] | None) -> list[str]:
    if not isinstance(cond, dict):
        return [f"{where}: expected an object"]
    errors = []
    ctype = cond.get("type")
    extra = set(cond) - {"id", "type", "comparison", "conditionResult"}
    if extra:
        errors.append(f"{where}: unknown keys {sorted(extra)}")
    if not isinstance(cond.get("conditionResult"), bool):
        errors.append(f"{where}.conditionResult: expected a boolean")
    if allowed_types is not None:  # a trigger
        if ctype not in allowed_types:
            errors.append(f"{where}.type: {ctype!r} is not a trigger type")
        elif cond.get("comparison") is not True:
            errors.append(f"{where}.comparison: expected true for a trigger")
        return errors
    if ctype == "event_frequency_count":
        comp = cond.get("comparison")
        if not isinstance(comp, dict):
            return errors + [f"{where}.comparison: expected an object"]
        extra = set(comp) - {"value", "interval", "filters"}
        if extra:  # the server's JSON schema has additionalProperties: false
            errors.append(f"{where}.comparison: additional properties {sorted(extra)}")
        if not _is_int(comp.get("value")) or comp["value"] < 0:
            errors.append(f"{where}.comparison.value: expected an integer >= 0")
        if comp.get("interval") not in INTERVALS:
            errors.append(f"{where}.comparison.interval: {comp.get('interval')!r} "
                          f"is not one of {sorted(INTERVALS)}")
    else:
        errors.append(f"{where}.type: {ctype!r} is not a filter this fake knows")
    return errors


def _slack_action_errors(where: str, action: Any) -> list[str]:
    if not isinstance(action, dict):
        return [f"{where}: expected an object"]
    errors = []
    if action.get("type") != "slack":
        return [f"{where}.type: {action.get('type')!r}; this fake knows only 'slack'"]
    integration = action.get("integrationId")
    if not isinstance(integration, str) or not integration.isdigit():
        errors.append(f"{where}.integrationId: expected the stringified integration id")
    config = action.get("config")
    if not isinstance(config, dict):
        return errors + [f"{where}.config: expected an object"]
    if config.get("targetType") != "specific":
        errors.append(f"{where}.config.targetType: expected 'specific'")
    if not isinstance(config.get("targetIdentifier"), str):
        errors.append(f"{where}.config.targetIdentifier: expected a string "
                      "('' lets Sentry look the channel up)")
    display = config.get("targetDisplay")
    if not isinstance(display, str) or not display.strip("#"):
        errors.append(f"{where}.config.targetDisplay: expected the channel name")
    if not isinstance(action.get("data", {}), dict):
        errors.append(f"{where}.data: expected an object")
    return errors


def workflow_shape_errors(body: Any, known_detector_ids: set[str]) -> list[str]:
    """Differences between `body` and the documented workflow payload; empty when valid."""
    if not isinstance(body, dict):
        return ["body: expected a JSON object"]
    errors = [f"{k}: unknown field" for k in sorted(set(body) - WORKFLOW_KEYS)]
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 256:
        errors.append("name: required, 1..256 characters")
    if "enabled" in body and not isinstance(body["enabled"], bool):
        errors.append("enabled: expected a boolean")
    if body.get("environment") is not None and not isinstance(body["environment"], str):
        errors.append("environment: expected an environment name")
    config = body.get("config")
    frequency = config.get("frequency") if isinstance(config, dict) else None
    if not _is_int(frequency) or frequency not in FREQUENCIES:
        errors.append(f"config.frequency: expected minutes, one of {sorted(FREQUENCIES)}")
    detector_ids = body.get("detectorIds")
    if not isinstance(detector_ids, list) or not all(_is_int(d) for d in detector_ids):
        errors.append("detectorIds: expected a list of integers")
    else:
        errors += [f"detectorIds: unknown monitor {d}" for d in detector_ids
                   if str(d) not in known_detector_ids]
    triggers = body.get("triggers")
    if not isinstance(triggers, dict):
        errors.append("triggers: expected an object")
    else:
        if triggers.get("logicType") != "any-short":
            errors.append("triggers.logicType: expected 'any-short'")
        if triggers.get("actions", []) != []:
            errors.append("triggers.actions: expected [] (actions live in actionFilters)")
        conds = triggers.get("conditions")
        if not isinstance(conds, list):
            errors.append("triggers.conditions: expected a list")
        else:
            for i, cond in enumerate(conds):
                errors += _condition_errors(f"triggers.conditions[{i}]", cond, TRIGGER_TYPES)
    filters = body.get("actionFilters")
    if not isinstance(filters, list) or not filters:
        errors.append("actionFilters: expected a non-empty list")
        return errors
    for i, flt in enumerate(filters):
        where = f"actionFilters[{i}]"
        if not isinstance(flt, dict):
            errors.append(f"{where}: expected an object")
            continue
        if flt.get("logicType") not in LOGIC_TYPES:
            errors.append(f"{where}.logicType: expected one of {sorted(LOGIC_TYPES)}")
        conds = flt.get("conditions")
        if not isinstance(conds, list):
            errors.append(f"{where}.conditions: expected a list")
        else:
            for j, cond in enumerate(conds):
                errors += _condition_errors(f"{where}.conditions[{j}]", cond, None)
        actions = flt.get("actions")
        if not isinstance(actions, list) or not actions:
            errors.append(f"{where}.actions: expected a non-empty list")
        else:
            for j, action in enumerate(actions):
                errors += _slack_action_errors(f"{where}.actions[{j}]", action)
    return errors


@dataclass
class RecordedRequest:
    """One request the fake received (the Authorization header is kept only as a verdict)."""

    method: str
    path: str
    query: dict[str, list[str]]
    auth_ok: bool
    content_type: Optional[str]
    body: Any


@dataclass
class Fault:
    """A canned answer for the next `times` requests matching `method` and `path_re`."""

    method: str
    path_re: re.Pattern[str]
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    times: int = 1
    delay: float = 0.0  # seconds to wait before answering (to provoke client timeouts)


class FakeSentry:
    """The fake server. Use as a context manager; `base_url` is `http://127.0.0.1:PORT`."""

    def __init__(self, token: str = "fake-token-123", organization: str = "acme",
                 page_size: int = 100) -> None:
        self.token = token
        self.organization = organization
        self.page_size = page_size
        self.detectors: list[dict[str, Any]] = []
        self.workflows: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self.shape_errors: list[str] = []
        self._faults: list[Fault] = []
        self._next_id = 5000
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # -- setup ------------------------------------------------------------------------------

    def _new_id(self) -> str:
        with self._lock:
            self._next_id += 1
            return str(self._next_id)

    def add_project(self, project_id: str) -> str:
        """Give a project its default monitors; returns the issue_stream detector id."""
        # An error monitor first, so a client that does not filter by type picks the wrong one.
        self.detectors.append({"id": self._new_id(), "projectId": project_id,
                               "type": "error", "name": "Error Monitor"})
        issue_stream = self._new_id()
        self.detectors.append({"id": issue_stream, "projectId": project_id,
                               "type": "issue_stream", "name": "Issue Stream"})
        return issue_stream

    def fail_next(self, method: str, path_pattern: str, status: int, *, times: int = 1,
                  headers: Optional[dict[str, str]] = None, body: Any = None,
                  delay: float = 0.0) -> None:
        """Answer the next `times` matching requests with `status` (before any other check)."""
        self._faults.append(Fault(method, re.compile(path_pattern), status, headers or {},
                                  body if body is not None else {"detail": f"injected {status}"},
                                  times, delay))

    def start(self) -> "FakeSentry":
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> "FakeSentry":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeSentry is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self, method: Optional[str] = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    # -- request handling -------------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Optional[Fault]:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.method == method and fault.path_re.search(path):
                    fault.times -= 1
                    return fault
        return None

    def handle(self, method: str, raw_path: str, headers: Any, raw_body: bytes
               ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        auth_ok = headers.get("Authorization") == f"Bearer {self.token}"
        body: Any = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                body = "<not json>"
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, auth_ok,
                                                 headers.get("Content-Type"), body))
        fault = self._take_fault(method, path)
        if fault is not None:
            time.sleep(fault.delay)
            return fault.status, fault.headers, fault.body
        if not auth_ok:
            return 401, {}, {"detail": "Invalid token"}
        if re.match(r"^/api/0/projects/[^/]+/[^/]+/(rules|alert-rules)/", path):
            return 410, {}, {"detail": RETIRED}
        org_match = re.match(r"^/api/0/organizations/([^/]+)/(.*)$", path)
        if not org_match or org_match.group(1) != self.organization:
            return 404, {}, {"detail": NOT_FOUND}
        rest = org_match.group(2)
        if rest == "detectors/" and method == "GET":
            return self._detectors(path, query)
        if rest == "workflows/" and method == "POST":
            return self._create(headers, body)
        wf = re.match(r"^workflows/([^/]+)/$", rest)
        if wf:
            return self._workflow(method, wf.group(1), headers, body)
        return 404, {}, {"detail": NOT_FOUND}

    def _reject(self, errors: list[str]) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.shape_errors.extend(errors)
        fields: dict[str, list[str]] = {}
        for error in errors:
            key, _, message = error.partition(": ")
            fields.setdefault(key, []).append(message)
        return 400, {}, fields

    def _detectors(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        errors = []
        projects = query.get("project", [])
        if not projects or not all(p.isdigit() for p in projects):
            errors.append("project: expected numeric project ids")
        if query.get("query") != ["type:issue_stream"]:
            errors.append(f"query: expected 'type:issue_stream', got {query.get('query')}")
        if errors:
            return self._reject(errors)
        # Answer every monitor of the project, in creation order (the error monitor first): the
        # client must not trust the search query alone and has to filter by type itself.
        matching = [d for d in self.detectors if d["projectId"] in projects]
        cursor = query.get("cursor", ["0:0:0"])[0]
        try:
            offset = int(cursor.split(":")[1])
        except (IndexError, ValueError):
            return self._reject([f"cursor: malformed {cursor!r}"])
        page = matching[offset: offset + self.page_size]
        nxt = offset + self.page_size
        more = "true" if nxt < len(matching) else "false"
        base = f"{self.base_url}{path}?&project={projects[0]}&query=type%3Aissue_stream"
        link = (f'<{base}&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
                f'<{base}&cursor=0:{nxt}:0>; rel="next"; results="{more}"; cursor="0:{nxt}:0"')
        return 200, {"Link": link}, page

    def _stored(self, workflow_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """What Sentry answers: the payload with string ids and server fields added."""
        stored = json.loads(json.dumps(body))
        stored.update({"id": workflow_id, "organizationId": "1",
                       "detectorIds": [str(d) for d in body.get("detectorIds", [])],
                       "dateCreated": "2026-01-01T00:00:00Z"})
        return stored

    def _create(self, headers: Any, body: Any) -> tuple[int, dict[str, str], Any]:
        errors = self._json_errors(headers) + workflow_shape_errors(
            body, {d["id"] for d in self.detectors})
        if errors:
            return self._reject(errors)
        workflow_id = self._new_id()
        self.workflows[workflow_id] = self._stored(workflow_id, body)
        return 201, {}, self.workflows[workflow_id]

    def _workflow(self, method: str, workflow_id: str, headers: Any, body: Any
                  ) -> tuple[int, dict[str, str], Any]:
        if workflow_id not in self.workflows:
            return 404, {}, {"detail": NOT_FOUND}
        if method == "GET":
            return 200, {}, self.workflows[workflow_id]
        if method == "DELETE":
            del self.workflows[workflow_id]
            return 204, {}, None
        if method == "PUT":
            errors = self._json_errors(headers) + workflow_shape_errors(
                body, {d["id"] for d in self.detectors})
            if isinstance(body, dict) and body.get("id") not in (None, workflow_id):
                errors.append(f"id: {body.get('id')!r} does not match the URL id {workflow_id}")
            if errors:
                return self._reject(errors)
            self.workflows[workflow_id] = self._stored(workflow_id, body)
            return 200, {}, self.workflows[workflow_id]
        return 405, {}, {"detail": f'Method "{method}" not allowed.'}

    @staticmethod
    def _json_errors(headers: Any) -> list[str]:
        if headers.get("Content-Type") != "application/json":
            return ["Content-Type: expected application/json"]
        return []


def _make_handler(fake: FakeSentry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            status, headers, body = fake.handle(self.command, self.path, self.headers, raw)
            payload = b"" if body is None or status == 204 else json.dumps(body).encode()
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if payload:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload:
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

    return Handler
