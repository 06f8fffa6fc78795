"""Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1, for push tests.

Started on a free loopback port with its storage in a folder of its own and no authentication
(loopback only; Docker treats 127.0.0.0/8 registries as insecure-allowed), stopped by PID.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import IO

from tests.support.nginx_site import HarnessError, free_port, require_tool

CONFIG = """version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


class LocalRegistry:
    """One registry process; use as a context manager."""

    def __init__(self, folder: Path) -> None:
        """Prepare (without starting) a registry storing under folder."""
        self.folder = folder
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def address(self) -> str:
        """host:port, as an image reference's registry part."""
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        """Start it and wait (bounded) until /v2/ answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "config.yml"
        config.write_text(CONFIG.format(root=self.folder / "storage", port=self.port))
        self._log = (self.folder / "registry.log").open("ab")
        self._process = subprocess.Popen(  # fixed argv, no shell
            [require_tool("docker-registry"), "serve", str(config)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise HarnessError(f"docker-registry exited {self._process.returncode}: see {self.folder}/registry.log")
            try:
                with urllib.request.urlopen(f"http://{self.address}/v2/", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise HarnessError(f"docker-registry did not answer on {self.address} within {timeout} s")

    def stop(self) -> None:
        """SIGTERM by PID, SIGKILL after 10 s."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def manifest_digest(self, repository: str, tag: str) -> str:
        """The digest the registry serves for repository:tag (Docker-Content-Digest)."""
        request = urllib.request.Request(
            f"http://{self.address}/v2/{repository}/manifests/{tag}", method="HEAD", headers={"Accept": MANIFEST_TYPES}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.headers["Docker-Content-Digest"]

    def tags(self, repository: str) -> list[str]:
        """The repository's tags."""
        with urllib.request.urlopen(f"http://{self.address}/v2/{repository}/tags/list", timeout=5) as response:
            return json.load(response)["tags"]

    def __enter__(self) -> LocalRegistry:
        """Start on entry."""
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Always stop on exit."""
        self.stop()
