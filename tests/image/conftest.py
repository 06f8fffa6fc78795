"""Fixtures for the web image tests: one real nginx serving a Vite-like fixture build.

The nginx instance runs the image's own files (see tests/support/nginx_site.py for the exact list and the
one rewrite): nginx.conf with its /tmp paths relocated, site.conf verbatim, csp.conf rendered by
image/render-csp.sh, the fixture precompressed by image/precompress.sh. It is started once per
session (per xdist worker), unprivileged, on a free 127.0.0.1 port, and stopped at teardown.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.support.nginx_site import Layout, image_conf_files, precompress, start_on_free_port, temporary_root
from tests.image.site_fixture import LATE_JSON, SESSION_CSP, ServedSite, write_fixture_dist


@pytest.fixture(scope="session")
def site() -> Iterator[ServedSite]:
    """One nginx for the session, serving the precompressed fixture with the image's config."""
    root = temporary_root("webimage-test-")
    try:
        dist = write_fixture_dist(root / "dist")
        precompress(dist)
        (dist / LATE_JSON.lstrip("/")).write_text(
            "[" + ",".join(f'{{"id":{i},"name":"item-{i}"}}' for i in range(120)) + "]"
        )
        layout = Layout.create(root / "instance")
        files = image_conf_files(layout, SESSION_CSP)
        layout.write_conf(files)
        layout.install_html(dist)
        server = start_on_free_port(layout)
        try:
            yield ServedSite(server=server, dist=dist, csp_conf=files["csp.conf"])
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
