"""The browser tier: the example app, built as the image builds it, served by Debian's nginx with
image/site.conf verbatim (harness/nginx_site.py), loaded in headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.example_app import built_app
from harness.nginx_site import CspInputs, Layout, NginxServer, image_conf_files, precompress, start_on_free_port, temporary_root

API_ORIGIN = "https://api.example.test"
SENTRY_ORIGIN = "https://o42.ingest.us.sentry.io"
APP_CSP = CspInputs(
    api_url=f"{API_ORIGIN}/v1",
    sentry_dsn=f"https://0123abcd@{SENTRY_ORIGIN.removeprefix('https://')}/4242",
    report_uri=f"{SENTRY_ORIGIN}/api/4242/security/?sentry_key=0123abcd",
)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (kept after the run, outside the repository)."""
    folder = Path(os.environ.get("WEBIMAGE_ARTIFACTS", Path.home() / ".cache" / "webapp-platform" / "artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def served_app() -> Iterator[tuple[NginxServer, Path]]:
    """Debian nginx serving the precompressed build; the server and the served folder."""
    root = temporary_root("webimage-browser-")
    try:
        layout = Layout.create(root / "instance")
        layout.write_conf(image_conf_files(layout, APP_CSP))
        layout.install_html(built_app(APP_CSP))
        precompress(layout.html_dir)
        server = start_on_free_port(layout)
        try:
            yield server, layout.html_dir
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
