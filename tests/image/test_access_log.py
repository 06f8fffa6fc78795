"""The access log the image writes to stdout: JSON lines, no query strings, no health checks.

Each test marks its own requests with a unique User-Agent and reads only its own lines, so the
tests share the session's nginx without depending on each other.
"""

from __future__ import annotations

import json
import time
import uuid

from tests.image.site_fixture import ServedSite

LOG_FIELDS = {
    "time", "remote_addr", "forwarded_for", "method", "path", "protocol",
    "status", "body_bytes_sent", "request_time", "user_agent", "request_id",
}


def lines_for(site: ServedSite, user_agent: str, *, until_path: str, timeout: float = 5.0) -> list[dict]:
    """The parsed log lines of one User-Agent, once the line for until_path has arrived."""
    deadline = time.monotonic() + timeout
    while True:
        text = site.server.layout.stdout_log.read_text(encoding="utf-8")
        mine = [json.loads(line) for line in text.splitlines() if user_agent in line]
        if any(entry["path"] == until_path for entry in mine) or time.monotonic() > deadline:
            return mine
        time.sleep(0.05)


def test_each_request_is_one_json_line_with_the_documented_fields(site: ServedSite) -> None:
    agent = f"log-test-{uuid.uuid4().hex}"
    site.request("GET", "/some/route", {"User-Agent": agent, "X-Forwarded-For": "203.0.113.9"})
    [entry] = lines_for(site, agent, until_path="/some/route")
    assert set(entry) == LOG_FIELDS
    assert (entry["method"], entry["status"], entry["forwarded_for"]) == ("GET", 200, "203.0.113.9")
    assert isinstance(entry["body_bytes_sent"], int) and entry["body_bytes_sent"] > 0


def test_query_strings_are_not_logged(site: ServedSite) -> None:
    agent = f"log-test-{uuid.uuid4().hex}"
    secret = uuid.uuid4().hex
    site.request("GET", f"/callback?code={secret}", {"User-Agent": agent})
    [entry] = lines_for(site, agent, until_path="/callback")
    assert entry["path"] == "/callback"
    assert secret not in site.server.layout.stdout_log.read_text(encoding="utf-8")


def test_health_checks_are_not_logged(site: ServedSite) -> None:
    agent = f"log-test-{uuid.uuid4().hex}"
    site.request("GET", "/health", {"User-Agent": agent})
    site.request("GET", "/after-health", {"User-Agent": agent})  # logged after the health check
    entries = lines_for(site, agent, until_path="/after-health")
    assert [entry["path"] for entry in entries] == ["/after-health"]


def test_errors_are_logged_too(site: ServedSite) -> None:
    agent = f"log-test-{uuid.uuid4().hex}"
    site.request("DELETE", "/x", {"User-Agent": agent})
    [entry] = lines_for(site, agent, until_path="/x")
    assert (entry["method"], entry["status"]) == ("DELETE", 405)
