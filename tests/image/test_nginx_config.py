"""The shipped nginx files as files: `nginx -t` on the image's pair, and the structure that keeps
the security headers on every response.

`nginx -t` binds the listen sockets, so the test runs it in a private network namespace
(`unshare --net`, as root): the image's own listen.conf (port 8080) is tested verbatim, whatever
else is running on this machine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.nginx_site import (
    IMAGE_DIR,
    CspInputs,
    HarnessError,
    Layout,
    image_conf_files,
    nginx_command,
    relocate_tmp,
    require_tool,
    temporary_root,
)


@pytest.fixture
def shipped_layout() -> Iterator[Layout]:
    """An instance folder holding the image's files, listen.conf included, as the image has them."""
    root = temporary_root("webimage-conf-")
    try:
        layout = Layout.create(root)
        files = image_conf_files(layout, CspInputs())
        files["listen.conf"] = (IMAGE_DIR / "listen.conf").read_text(encoding="utf-8")
        layout.write_conf(files)
        yield layout
    finally:
        shutil.rmtree(root, ignore_errors=True)


def nginx_t(layout: Layout) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the layout, unprivileged, in a network namespace of its own.

    -t opens the logs too: stdout is a file the nginx user owns, as a container runtime hands
    its stdout to the container's user.
    """
    with layout.stdout_log.open("ab") as stdout:
        return subprocess.run(
            [require_tool("unshare"), "--net", *nginx_command(layout, "-t")],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
            check=False,
        )


def test_nginx_t_accepts_the_shipped_pair(shipped_layout: Layout) -> None:
    result = nginx_t(shipped_layout)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    assert "test is successful" in result.stderr


@pytest.mark.parametrize("missing", ["site.conf", "csp.conf", "listen.conf", "mime.types"])
def test_nginx_t_fails_without_an_included_file(shipped_layout: Layout, missing: str) -> None:
    (shipped_layout.conf_dir / missing).unlink()
    result = nginx_t(shipped_layout)
    assert result.returncode != 0
    assert missing in result.stderr


def without_comments(text: str) -> str:
    """Config text with # comments removed (the shipped files quote no #)."""
    return re.sub(r"(?m)#.*$", "", text)


def location_bodies(text: str) -> list[str]:
    """The text inside every `location ... { }` block (nested braces counted)."""
    bodies = []
    for match in re.finditer(r"\blocation\b[^{]*\{", text):
        depth, start = 1, match.end()
        index = start
        while depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        bodies.append(text[start : index - 1])
    return bodies


def test_no_location_adds_headers() -> None:
    """An add_header inside a location would drop every server-level header for that location."""
    site = without_comments((IMAGE_DIR / "site.conf").read_text(encoding="utf-8"))
    bodies = location_bodies(site)
    assert len(bodies) == 5  # health, dotfiles, static types, /assets/, /
    assert not [body for body in bodies if "add_header" in body or "expires" in body]


def test_every_header_is_sent_always() -> None:
    site = without_comments((IMAGE_DIR / "site.conf").read_text(encoding="utf-8"))
    headers = re.findall(r'add_header\s+(\S+)\s+(?:"[^"]*"|[^\s;"]+)\s*(\w*)\s*;', site)
    assert len(headers) >= 8
    assert [name for name, flag in headers if flag != "always"] == []


def test_image_listens_on_8080_only() -> None:
    listen = without_comments((IMAGE_DIR / "listen.conf").read_text(encoding="utf-8"))
    assert listen.split() == ["listen", "8080;"]


def test_site_conf_takes_its_listen_address_from_listen_conf() -> None:
    site = without_comments((IMAGE_DIR / "site.conf").read_text(encoding="utf-8"))
    assert re.findall(r"^\s*(listen|include)\b.*$", site, re.M) == ["include", "include"]
    assert "include listen.conf;" in site
    assert "listen " not in site


def test_nginx_conf_writes_only_under_tmp(tmp_path: Path) -> None:
    """The harness's one rewrite covers every path the image's nginx writes to."""
    relocated = relocate_tmp((IMAGE_DIR / "nginx.conf").read_text(encoding="utf-8"), tmp_path)
    for directive in ("pid", "client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path",
                      "uwsgi_temp_path", "scgi_temp_path"):
        assert re.search(rf"^\s*{directive}\s+{re.escape(str(tmp_path))}/", relocated, re.M), directive


def test_relocation_refuses_paths_it_cannot_move(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=re.escape("/var/log/nginx/access.log")):
        relocate_tmp("pid /tmp/nginx.pid;\naccess_log /var/log/nginx/access.log;\n", tmp_path)
