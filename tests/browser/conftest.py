"""The browser tier: the example app, built as the image builds it, served by Debian's nginx with
image/site.conf verbatim (tests/support/nginx_site.py), loaded in headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.example_app import API_ORIGIN, SENTRY_ORIGIN, TEST_CSP, artifacts_dir, built_app
from tests.support.nginx_site import Layout, NginxServer, image_conf_files, precompress, start_on_free_port, temporary_root

__all__ = ["API_ORIGIN", "SENTRY_ORIGIN", "APP_CSP"]
APP_CSP = TEST_CSP


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (kept after the run, outside the repository)."""
    return artifacts_dir()


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
