"""A real Docker engine for the container tests: Debian 13's dockerd, started here, stopped by PID.

scripts/install-docker-engine.sh unpacks docker.io, docker-cli, docker-buildx and docker-compose
(Debian 13) under ~/.cache/webapp-platform/docker/<version>/root/. This module starts that dockerd
with the host's containerd and runc on a socket, exec-root and pid file of its own, with no
bridge network and no iptables rules (this machine has no firewall to share), and a data-root kept
under the same versioned cache folder so a warm run reuses the stand-in bases and the build cache.
Builds use the host network (`--network host`); containers run with `--network none` and are
probed from inside their own network namespace (`nsenter -t <pid> -n`), so nothing listens on any
address of the host.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tests.support.nginx_site import REPO_ROOT, HarnessError, require_tool

INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install-docker-engine.sh"


def unpacked_root() -> Path:
    """The unpacked Debian packages (running the install script, which is a no-op when warm)."""
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
    )
    if result.returncode != 0:
        raise HarnessError(f"{INSTALL_SCRIPT.name} exited {result.returncode}: {result.stderr.strip()}")
    root = Path(result.stdout.strip().splitlines()[-1])
    if not (root / "usr/sbin/dockerd").is_file():
        raise HarnessError(f"{root}: no usr/sbin/dockerd after {INSTALL_SCRIPT.name}")
    return root


@dataclass
class Completed:
    """A finished docker CLI call."""

    argv: list[str]
    """What ran (the client path and its arguments)."""
    returncode: int
    """Exit status."""
    stdout: str
    """Standard output."""
    stderr: str
    """Standard error."""


@dataclass
class DockerEngine:
    """One dockerd of our own; use as a context manager (start on entry, stop by PID on exit)."""

    root: Path
    """Unpacked packages (usr/sbin/dockerd, usr/bin/docker, usr/libexec/docker/cli-plugins)."""
    data_root: Path
    """Images, containers and the build cache (kept between runs: the warm path)."""
    run_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="wpd-", dir="/tmp")))
    """Socket, exec-root, pid file and client config (short: a unix socket path is <108 bytes)."""
    _process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None
    _lock: IO[bytes] | None = None

    @classmethod
    def from_cache(cls) -> DockerEngine:
        """The engine of the installed version, with its data-root beside the unpacked packages."""
        root = unpacked_root()
        return cls(root=root, data_root=root.parent / "data")

    @property
    def socket(self) -> Path:
        """The API socket."""
        return self.run_dir / "docker.sock"

    @property
    def log_path(self) -> Path:
        """dockerd's stdout and stderr."""
        return self.run_dir / "dockerd.log"

    @property
    def pid(self) -> int:
        """dockerd's PID (the engine must be running)."""
        if self._process is None:
            raise HarnessError("dockerd is not running")
        return self._process.pid

    def environment(self) -> dict[str, str]:
        """PATH with the unpacked binaries first (dockerd finds containerd, runc, docker-init on it)."""
        path = f"{self.root}/usr/sbin:{self.root}/usr/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
        return {
            "PATH": path,
            "HOME": os.environ.get("HOME", "/root"),
            "DOCKER_HOST": f"unix://{self.socket}",
            "DOCKER_CONFIG": str(self.run_dir / "client"),
            "DOCKER_BUILDKIT": "1",
            "BUILDX_NO_DEFAULT_ATTESTATIONS": "1",
        }

    def start(self, timeout: float = 60.0) -> None:
        """Start dockerd and wait (bounded) until its API answers."""
        for tool in ("containerd", "runc", "nsenter"):
            require_tool(tool)
        self.data_root.mkdir(parents=True, exist_ok=True)
        # Two engines on one data-root corrupt it: a second test session fails here, clearly.
        self._lock = (self.data_root.parent / "data.lock").open("wb")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise HarnessError(f"{self.data_root} is in use by another test engine") from error
        client = self.run_dir / "client"
        client.mkdir(parents=True, exist_ok=True)
        plugins = self.root / "usr/libexec/docker/cli-plugins"
        (client / "config.json").write_text(json.dumps({"cliPluginsExtraDirs": [str(plugins)]}))
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(  # fixed argv, no shell
            [
                str(self.root / "usr/sbin/dockerd"),
                f"--host=unix://{self.socket}",
                f"--data-root={self.data_root}",
                f"--exec-root={self.run_dir / 'exec'}",
                f"--pidfile={self.run_dir / 'dockerd.pid'}",
                "--bridge=none",
                "--iptables=false",
                "--ip6tables=false",
                "--ip-forward=false",
                "--ip-masq=false",
                "--userland-proxy=false",
                "--log-level=warn",
            ],
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self.stop()
                raise HarnessError(f"dockerd exited {code}: {self.log_tail()}")
            if self.socket.exists() and self.docker("version", "--format", "{{.Server.Version}}").returncode == 0:
                return
            time.sleep(0.25)
        self.stop()
        raise HarnessError(f"dockerd did not answer within {timeout} s: {self.log_tail()}")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to dockerd (it stops its containers and containerd), SIGKILL to its group after timeout."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for handle in (self._log, self._lock):
            if handle is not None:
                handle.close()
        self._log = self._lock = None
        shutil.rmtree(self.run_dir / "exec", ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        """The end of dockerd's log."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def docker(
        self, *args: str, timeout: float = 120.0, extra_env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> Completed:
        """Run the unpacked docker client against this engine (never the one first on PATH)."""
        argv = [str(self.root / "usr/bin/docker"), *args]
        result = subprocess.run(
            argv, env={**self.environment(), **(extra_env or {})}, capture_output=True, text=True,
            timeout=timeout, cwd=cwd, check=False,
        )
        return Completed(argv, result.returncode, result.stdout, result.stderr)

    def check(
        self, *args: str, timeout: float = 120.0, extra_env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> str:
        """docker ARGS, which must succeed; returns stdout."""
        result = self.docker(*args, timeout=timeout, extra_env=extra_env, cwd=cwd)
        if result.returncode != 0:
            raise HarnessError(f"docker {' '.join(args[:3])} ... exited {result.returncode}: {result.stderr.strip()[-2000:]}")
        return result.stdout

    def has_image(self, reference: str) -> bool:
        """True when the engine holds an image of that name."""
        return self.docker("image", "inspect", reference).returncode == 0

    def __enter__(self) -> DockerEngine:
        """Start on entry."""
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Always stop on exit, and drop the run folder."""
        self.stop()
        shutil.rmtree(self.run_dir, ignore_errors=True)


def in_netns(pid: int, *argv: str, timeout: float = 30.0) -> subprocess.CompletedProcess[bytes]:
    """Run a host program inside the network namespace of a process (a container's)."""
    return subprocess.run(
        [require_tool("nsenter"), "-t", str(pid), "-n", "--", *argv],
        capture_output=True, timeout=timeout, check=False,
    )
