"""The example app in headless Chromium, served by the hardened container itself.

Chromium runs on the host inside the container's network namespace (`nsenter -n`), so it reaches
the container's 127.0.0.1:8080 and nothing else.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.browser import check_app
from tests.browser.expectations import problems
from tests.support.example_app import API_ORIGIN, SENTRY_ORIGIN
from tests.container.conftest import BUILD_CSP, Running


def test_container_serves_the_app_to_a_browser_with_zero_csp_violations(container: Running, artifacts: Path) -> None:
    assert BUILD_CSP.api_url.startswith(API_ORIGIN) and SENTRY_ORIGIN.removeprefix("https://") in BUILD_CSP.sentry_dsn
    screenshot = artifacts / "browser-container.png"
    report = check_app("http://127.0.0.1:8080", API_ORIGIN, SENTRY_ORIGIN, screenshot, netns_pid=container.pid)
    assert problems(report, API_ORIGIN, SENTRY_ORIGIN) == []
    assert screenshot.stat().st_size > 5_000
