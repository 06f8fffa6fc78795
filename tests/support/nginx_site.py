"""Run the web image's nginx configuration on Debian's nginx, unprivileged, on 127.0.0.1.

Test infrastructure, kept beside the tests: the real-nginx tests (tests/image/) and the benchmark
(bench/bench_nginx.py) both use it, so both exercise exactly the files the image ships:

- ``image/nginx.conf`` is copied with one rewrite: its ``/tmp/`` paths (pid file, temp files:
  the image's writable place) move into the instance's own folder. Every other absolute path in
  it must be ``/dev/stdout``; anything else stops the run (the rewrite would no longer be honest).
- ``image/site.conf`` is copied verbatim (the benchmark may pass a variant of its text).
- ``listen.conf`` says ``listen 127.0.0.1:<port>;`` instead of the image's ``listen 8080;``.
- ``csp.conf`` is rendered by ``image/render-csp.sh``, as in the Dockerfile.
- ``mime.types`` is Debian's (the image has the official nginx image's own).
- nginx runs with ``-p <instance>/prefix/``, so ``root html`` is the instance's html folder,
  as ``-p /usr/share/nginx/`` makes it ``/usr/share/nginx/html`` in the image.

nginx runs as uid/gid 65534 (via ``setpriv``) when this process is root, as in the image where
it never has root. A missing nginx or setpriv is an error, never a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGE_DIR = REPO_ROOT / "image"
DEBIAN_MIME_TYPES = Path("/etc/nginx/mime.types")
# The unprivileged user nginx runs as when started by root (nobody/nogroup on Debian).
UNPRIVILEGED_ID = 65534
# Absolute paths nginx.conf may hold besides /tmp/...: the access log goes to the container's stdout.
ALLOWED_ABSOLUTE_PATHS = frozenset({"/dev/stdout"})


class HarnessError(RuntimeError):
    """A tool is missing or a step failed; the message says which and what it printed."""


@dataclass(frozen=True)
class CspInputs:
    """The build arguments the Dockerfile hands to render-csp.sh (empty: not set)."""

    api_url: str = ""
    """VITE_API_URL: the API base URL or a same-origin path."""
    sentry_dsn: str = ""
    """VITE_SENTRY_DSN: the browser SDK's DSN (public by design)."""
    report_uri: str = ""
    """CSP_REPORT_URI: where browsers report CSP violations."""

    def environment(self) -> dict[str, str]:
        """The variables as the build stage's RUN sees them."""
        return {
            "VITE_API_URL": self.api_url,
            "VITE_SENTRY_DSN": self.sentry_dsn,
            "CSP_REPORT_URI": self.report_uri,
        }


def require_tool(name: str) -> str:
    """Absolute path of a program on PATH, or a HarnessError saying how to get it."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")
    if found is None:
        raise HarnessError(f"{name} not found on PATH: install it (Debian: see .ci/run)")
    return found


def run_image_script(script: str, args: list[str], env: Mapping[str, str] | None = None) -> str:
    """Run one of image/'s POSIX sh scripts with /bin/sh as the Dockerfile does; return stdout."""
    result = subprocess.run(
        ["/bin/sh", str(IMAGE_DIR / script), *args],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise HarnessError(f"image/{script} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def render_csp(inputs: CspInputs) -> str:
    """csp.conf as the Dockerfile renders it from the same inputs."""
    return run_image_script("render-csp.sh", [], inputs.environment())


def precompress(dist: Path) -> str:
    """Run image/precompress.sh on a built site, as the Dockerfile does; return its summary."""
    return run_image_script("precompress.sh", [str(dist)])


def relocate_tmp(nginx_conf: str, run_dir: Path) -> str:
    """nginx.conf with its /tmp/ paths moved under run_dir, refusing any other absolute path."""
    relocated, count = re.subn(r"(?<=\s)/tmp/", f"{run_dir}/", nginx_conf)
    if count == 0:
        raise HarnessError("image/nginx.conf has no /tmp/ paths: the harness no longer matches it")
    directives = re.sub(r"(?m)(^|\s)#.*$", r"\1", relocated)  # comments name paths in prose
    for token in re.findall(r"(?<=\s)/[^\s;]+", directives):
        if not token.startswith(f"{run_dir}/") and token not in ALLOWED_ABSOLUTE_PATHS:
            raise HarnessError(
                f"image/nginx.conf uses {token}: only /tmp/... and /dev/stdout can be relocated "
                "for a run outside the image"
            )
    return relocated


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unprivileged(argv: list[str]) -> list[str]:
    """argv run as uid/gid 65534 with no supplementary groups when this process is root."""
    if os.geteuid() != 0:
        return argv
    return [
        require_tool("setpriv"),
        f"--reuid={UNPRIVILEGED_ID}",
        f"--regid={UNPRIVILEGED_ID}",
        "--clear-groups",
        *argv,
    ]


def _give_to_nginx_user(path: Path) -> None:
    """Hand a path to the unprivileged user (a no-op when not root: we are that user then)."""
    if os.geteuid() == 0:
        os.chown(path, UNPRIVILEGED_ID, UNPRIVILEGED_ID)


@dataclass(frozen=True)
class Layout:
    """The folders of one nginx instance under a root folder of its own."""

    root: Path
    """Instance folder; readable by the nginx user."""

    @property
    def prefix(self) -> Path:
        """nginx's -p: `root html` in site.conf is relative to it."""
        return self.root / "prefix"

    @property
    def conf_dir(self) -> Path:
        """Where nginx.conf and everything it includes live (includes are relative to it)."""
        return self.prefix / "conf"

    @property
    def html_dir(self) -> Path:
        """The served site (the image's /usr/share/nginx/html)."""
        return self.prefix / "html"

    @property
    def run_dir(self) -> Path:
        """The image's /tmp: pid and temp files, owned by the nginx user."""
        return self.root / "run"

    @property
    def nginx_conf(self) -> Path:
        """The process-level file nginx starts from."""
        return self.conf_dir / "nginx.conf"

    @property
    def stdout_log(self) -> Path:
        """nginx's stdout: the JSON-lines access log."""
        return self.root / "stdout.log"

    @property
    def stderr_log(self) -> Path:
        """nginx's stderr: the error log."""
        return self.root / "stderr.log"

    @classmethod
    def create(cls, root: Path) -> Layout:
        """Make the folders, readable by the nginx user, run/ and the logs writable by it."""
        layout = cls(root)
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o755)
        for folder in (layout.prefix, layout.conf_dir, layout.html_dir, layout.run_dir):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o755)
        _give_to_nginx_user(layout.run_dir)
        for log in (layout.stdout_log, layout.stderr_log):
            log.touch()
            # A container runtime hands its stdio to the container user the same way.
            _give_to_nginx_user(log)
        return layout

    def write_conf(self, files: Mapping[str, str]) -> None:
        """Write configuration files (name -> text) into conf_dir, with Debian's mime.types."""
        if not DEBIAN_MIME_TYPES.is_file():
            raise HarnessError(f"{DEBIAN_MIME_TYPES} not found: install Debian's nginx (see .ci/run)")
        shutil.copyfile(DEBIAN_MIME_TYPES, self.conf_dir / "mime.types")
        for name, text in files.items():
            (self.conf_dir / name).write_text(text, encoding="utf-8")

    def install_html(self, source: Path) -> None:
        """Copy a built site into html_dir (files world-readable, as in the image)."""
        shutil.copytree(source, self.html_dir, dirs_exist_ok=True)


def image_conf_files(layout: Layout, csp: CspInputs, *, site_conf: str | None = None) -> dict[str, str]:
    """The image's configuration files for this instance (listen.conf is written on start).

    site_conf: a variant of image/site.conf's text (the benchmark's); default the file itself.
    """
    return {
        "nginx.conf": relocate_tmp((IMAGE_DIR / "nginx.conf").read_text(encoding="utf-8"), layout.run_dir),
        "site.conf": site_conf
        if site_conf is not None
        else (IMAGE_DIR / "site.conf").read_text(encoding="utf-8"),
        "csp.conf": render_csp(csp),
    }


def listen_line(port: int) -> str:
    """listen.conf for a run on the loopback interface."""
    return f"listen 127.0.0.1:{port};\n"


def nginx_command(layout: Layout, *extra: str) -> list[str]:
    """The nginx command line the image's ENTRYPOINT uses, pointed at this instance."""
    return unprivileged(
        [
            require_tool("nginx"),
            "-p",
            f"{layout.prefix}/",
            "-e",
            "stderr",
            "-c",
            str(layout.nginx_conf),
            *extra,
        ]
    )


class NginxServer:
    """One nginx master (and its workers) serving a Layout on 127.0.0.1; stop() always ends it."""

    def __init__(self, layout: Layout, port: int) -> None:
        """Prepare, without starting, an instance listening on 127.0.0.1:port."""
        self.layout = layout
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None
        self._stdout: IO[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        """Start nginx and wait (bounded) until it accepts connections."""
        (self.layout.conf_dir / "listen.conf").write_text(listen_line(self.port), encoding="utf-8")
        self._stdout = self.layout.stdout_log.open("ab")
        self._stderr = self.layout.stderr_log.open("ab")
        self._process = subprocess.Popen(  # fixed argv, no shell
            nginx_command(self.layout),
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self.stop()
                raise HarnessError(f"nginx exited {self._process.returncode}: {self.error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise HarnessError(f"nginx did not accept connections within {timeout} s: {self.error_log()}")

    def stop(self, timeout: float = 5.0) -> None:
        """Fast shutdown (SIGTERM), then SIGKILL to the whole process group after timeout."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=timeout)
        for handle in (self._stdout, self._stderr):
            if handle is not None:
                handle.close()
        self._stdout = self._stderr = None

    def error_log(self) -> str:
        """What nginx wrote to stderr so far."""
        return self.layout.stderr_log.read_text(encoding="utf-8", errors="replace").strip()

    def __enter__(self) -> NginxServer:
        """Start on entry."""
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Always stop on exit."""
        self.stop()


def start_on_free_port(layout: Layout, attempts: int = 3) -> NginxServer:
    """Start an instance on a free loopback port, retrying if another process takes it first."""
    last_error: HarnessError | None = None
    for _ in range(attempts):
        server = NginxServer(layout, free_port())
        try:
            server.start()
            return server
        except HarnessError as error:
            if "Address already in use" not in str(error):
                raise
            last_error = error
    raise HarnessError(f"no free port after {attempts} attempts: {last_error}")


def temporary_root(prefix: str) -> Path:
    """A fresh folder that the unprivileged nginx user can read (pytest's tmp_path cannot: 0700)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)
    return root
