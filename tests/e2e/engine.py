"""The real Pulumi CLI, run offline against a throw-away file backend (support for tests/e2e/).

`make e2e` runs `make engine` first and hands its bin folder over as `WEBAPP_PLATFORM_ENGINE_BIN`;
without it the CLI is looked up on PATH, then in `make engine`'s cache folder. Every command runs
with the environment of `offline_env`: the file backend, a passphrase, no update check, no plugin
download, and proxies that send anything not addressed to 127.0.0.1 nowhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from plan.harness import ROOT

ENGINE_SCRIPTS = ROOT / "scripts" / "engine"
if str(ENGINE_SCRIPTS) not in sys.path:
    sys.path.insert(0, str(ENGINE_SCRIPTS))  # make engine's modules: build.pins reads requirements.txt
from build import pins  # noqa: E402

SDK_PIN = tuple(int(part) for part in pins(ROOT / "requirements.txt")["pulumi"].split("."))
"""The `pulumi` SDK pin of requirements.txt: the CLI must be at least this version."""
CACHE_BIN = Path.home() / ".cache" / "webapp-platform" / "engine" / "bin"
BIN_ENV = "WEBAPP_PLATFORM_ENGINE_BIN"
# Copied into each work folder: the program, its config and the policy pack, nothing generated.
_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "venv", "node_modules", "__pycache__", ".pytest_cache", ".pulumi", "bench", "tests", "docs"
)
# Go sends nothing to loopback through a proxy, Python obeys NO_PROXY: so every request for any
# other address goes to this closed port and fails at once instead of leaving the machine.
_NOWHERE = "http://127.0.0.1:9"


class EngineMissing(RuntimeError):
    """No usable Pulumi CLI; ``str()`` says what is missing and how to get it."""


@dataclass(frozen=True)
class Engine:
    """A Pulumi CLI that is recent enough."""

    pulumi: Path
    version: str

    @property
    def bin_dir(self) -> Path:
        return self.pulumi.parent


def _version(pulumi: Path) -> tuple[str, tuple[int, ...]]:
    out = subprocess.run([str(pulumi), "version"], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"})
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", out.stdout.strip())
    if out.returncode != 0 or not match:
        raise EngineMissing(f"{pulumi} version failed: {out.stderr.strip() or out.stdout.strip()}")
    return out.stdout.strip(), tuple(int(g) for g in match.groups())


def locate() -> Engine:
    """The CLI the tier runs, or EngineMissing naming what to do."""
    candidates = []
    if os.environ.get(BIN_ENV):
        candidates.append(Path(os.environ[BIN_ENV]) / "pulumi")
    on_path = shutil.which("pulumi")
    if on_path:
        candidates.append(Path(on_path))
    candidates.append(CACHE_BIN / "pulumi")
    for pulumi in candidates:
        if pulumi.is_file() and os.access(pulumi, os.X_OK):
            text, version = _version(pulumi)
            if version < SDK_PIN:
                raise EngineMissing(
                    f"{pulumi} is {text}; the SDK pin needs >= {'.'.join(map(str, SDK_PIN))} (run `make engine`)"
                )
            return Engine(pulumi.resolve(), text)
    raise EngineMissing(
        f"no Pulumi CLI: not in ${BIN_ENV}, not on PATH, not in {CACHE_BIN} (run `make engine`, "
        "about an hour cold, then `make e2e`)"
    )


def offline_env(engine: Engine, backend: Path, passphrase: str, kubeconfig: Path) -> dict[str, str]:
    """The environment of every CLI call: nothing inherited that could reach a real account."""
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "PULUMI_HOME", "USER")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    venv_bin = Path(sys.prefix) / "bin"
    env.update(
        PATH=os.pathsep.join([str(engine.bin_dir), str(venv_bin), os.environ.get("PATH", "/usr/bin:/bin")]),
        PULUMI_BACKEND_URL=backend.resolve().as_uri(),
        PULUMI_CONFIG_PASSPHRASE=passphrase,
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        PULUMI_SKIP_CONFIRMATIONS="true",
        PULUMI_DEBUG_COMMANDS="true",  # enables `--event-log`, as the Automation API does
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING="true",
        KUBECONFIG=str(kubeconfig),
        HTTP_PROXY=_NOWHERE, HTTPS_PROXY=_NOWHERE, http_proxy=_NOWHERE, https_proxy=_NOWHERE,
        NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
        DOCKER_HOST="unix:///nonexistent/docker.sock",
    )
    return env


def write_kubeconfig(path: Path) -> Path:
    """A kubeconfig whose only cluster is a closed port on 127.0.0.1: the provider finds no cluster
    (and previews new objects anyway) without ever trying a real one."""
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: e2e\n"
        "clusters: [{name: e2e, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "contexts: [{name: e2e, context: {cluster: e2e, user: e2e}}]\n"
        "users: [{name: e2e, user: {token: e2e-not-a-real-token}}]\n",
        encoding="utf-8",
    )
    return path


@dataclass
class Result:
    """One CLI call: what ran, its exit code and output (never printed with secrets: there are none)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        """The command, its exit code and what it said (a JSON preview: its diagnostics only)."""
        said = self.output
        if "--json" in self.args and self.stdout.lstrip().startswith("{"):
            try:
                diagnostics = json.loads(self.stdout).get("diagnostics") or []
                said = "".join(f"{d.get('urn', '')} {d.get('message', '')}" for d in diagnostics
                               if "from $PATH" not in d.get("message", "")) + self.stderr
            except ValueError:
                pass
        tail = "\n".join(said.splitlines()[-60:])
        return f"`pulumi {' '.join(self.args)}` exited {self.returncode}:\n{tail}"


@dataclass
class Workdir:
    """A copy of the project plus a file backend, in a temporary folder of its own."""

    engine: Engine
    project: Path
    env: dict[str, str]
    log: list[Result] = field(default_factory=list)

    @classmethod
    def create(cls, engine: Engine, base: Path, passphrase: str, source: Path = ROOT) -> "Workdir":
        project = base / "project"
        shutil.copytree(source, project, ignore=_IGNORED, symlinks=False)
        # The project's virtualenv, where `make plan` puts it (Pulumi.yaml and PulumiPolicy.yaml name it);
        # nothing else: the pack must start from what a clone plus `make plan` gives.
        venv = Path(sys.prefix)  # this virtualenv (sys.executable resolves to the base interpreter)
        (project / ".venv").symlink_to(venv, target_is_directory=True)
        backend = base / "backend"
        backend.mkdir()
        kubeconfig = write_kubeconfig(base / "kubeconfig")
        return cls(engine, project, offline_env(engine, backend, passphrase, kubeconfig))

    @property
    def backend(self) -> Path:
        return Path(self.env["PULUMI_BACKEND_URL"].removeprefix("file://"))

    def run(self, *args: str, cwd: Optional[Path] = None, check: bool = True, timeout: float = 900,
            stdin: Optional[str] = None) -> Result:
        argv = [str(self.engine.pulumi), "--non-interactive", "--color", "never", *args]
        done = subprocess.run(argv, cwd=cwd or self.project, env=self.env, capture_output=True, text=True,
                              timeout=timeout, input=stdin)
        result = Result(list(args), done.returncode, done.stdout, done.stderr)
        self.log.append(result)
        if check and done.returncode != 0:
            raise AssertionError(result.describe())
        return result

    def popen(self, *args: str, cwd: Optional[Path] = None) -> subprocess.Popen:
        argv = [str(self.engine.pulumi), "--non-interactive", "--color", "never", *args]
        return subprocess.Popen(argv, cwd=cwd or self.project, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def init_stack(self, stack: str) -> None:
        self.run("stack", "init", stack, "--secrets-provider", "passphrase")

    def set_config(self, stack: str, values: dict[str, str], secret: bool = False) -> None:
        for key, value in values.items():
            flag = ["--secret"] if secret else []
            # The value goes through stdin, never the command line (no secret in `ps`).
            self.run("config", "set", key, *flag, "-s", stack, stdin=value)

    def stack_file(self, stack: str) -> Path:
        return self.project / f"Pulumi.{stack}.yaml"

    def preview(self, stack: str, *flags: str, event_log: Optional[Path] = None, check: bool = True) -> Result:
        extra = ["--event-log", str(event_log)] if event_log else []
        return self.run("preview", "-s", stack, *flags, *extra, check=check)


def read_events(path: Path) -> list[dict]:
    """The engine's event log (one JSON object per line)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def policy_violations(events: Sequence[dict]) -> list[dict]:
    """Every policy violation the engine reported: policy name, resource URN, level, message."""
    found = []
    for event in events:
        policy = event.get("policyEvent")
        if policy:
            found.append({
                "policy": policy.get("policyName"),
                "urn": policy.get("resourceUrn") or None,
                "level": policy.get("enforcementLevel"),
                "message": policy.get("message", ""),
            })
    return found


def preview_digest(result: Result) -> dict:
    """The JSON document `pulumi preview --json` prints."""
    start = result.stdout.find("{")
    if start < 0:
        raise AssertionError(f"no JSON in the preview's output:\n{result.describe()}")
    return json.loads(result.stdout[start:])
