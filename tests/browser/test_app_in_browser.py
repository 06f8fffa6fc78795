"""The example app in headless Chromium through the site's real headers and CSP."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.browser import check_app
from tests.support.example_app import built_app
from tests.support.nginx_site import (
    CspInputs, Layout, NginxServer, image_conf_files, precompress, start_on_free_port, temporary_root,
)
from tests.browser.conftest import API_ORIGIN, APP_CSP, SENTRY_ORIGIN
from tests.browser.expectations import header_problems, problems


@pytest.fixture(scope="module")
def report(served_app: tuple[NginxServer, Path], artifacts: Path) -> dict:
    server, _ = served_app
    return check_app(server.base_url, API_ORIGIN, SENTRY_ORIGIN, artifacts / "browser-debian-nginx.png")


def test_app_renders_routes_and_reports_with_zero_csp_violations(report: dict) -> None:
    assert problems(report, API_ORIGIN, SENTRY_ORIGIN) == []


def test_assets_come_from_the_gz_files(report: dict, served_app: tuple[NginxServer, Path]) -> None:
    _, html = served_app
    assets = {path: r for path, r in report["responses"].items() if path.startswith("/assets/") and path.endswith((".js", ".css"))}
    assert assets
    for path, response in assets.items():
        assert int(response["headers"]["content-length"]) == (html / (path.lstrip("/") + ".gz")).stat().st_size, path


def test_screenshot_is_written(report: dict, artifacts: Path) -> None:
    shot = artifacts / "browser-debian-nginx.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5_000


def test_header_expectations_catch_a_cached_shell() -> None:
    # The checker itself must fail on a wrong header (it is what the tests above rely on).
    gz = {"content-encoding": "gzip", "cache-control": "public, max-age=31536000, immutable", "content-length": "9"}
    responses = {"/": {"headers": {"cache-control": "max-age=600"}}, "/assets/a.js": {"headers": gz}, "/assets/a.css": {"headers": {**gz, "content-encoding": None}}}
    found = header_problems(responses)
    assert any(item.startswith("/ has cache-control max-age=600") for item in found)
    assert any(item.startswith("/assets/a.css: encoding None") for item in found)


def test_a_policy_without_the_api_origin_is_caught(artifacts: Path) -> None:
    # The same build under a CSP rendered without VITE_API_URL: the browser must block the API
    # call and the checker must say so (zero violations above is not an artifact of the harness).
    root = temporary_root("webimage-browser-bad-")
    try:
        layout = Layout.create(root / "instance")
        layout.write_conf(image_conf_files(layout, CspInputs(sentry_dsn=APP_CSP.sentry_dsn)))
        layout.install_html(built_app(APP_CSP))
        precompress(layout.html_dir)
        server = start_on_free_port(layout)
        try:
            report = check_app(server.base_url, API_ORIGIN, SENTRY_ORIGIN, artifacts / "browser-bad-csp.png")
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert [v["directive"] for v in report["violations"]] == ["connect-src"]
    assert report["violations"][0]["blocked"].startswith(API_ORIGIN)
    assert any(item.startswith("CSP violations") for item in problems(report, API_ORIGIN, SENTRY_ORIGIN))
