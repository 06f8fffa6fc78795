"""Preparing the shipped stacks for the real engine: work folders, dummy secrets, the service stub.

Used by tests/e2e/conftest.py (fixtures) and bench/bench_engine.py (figures). Each stack variant gets
a work folder of its own: a copy of the project, its stack file, a file backend, dummy secrets set with
`pulumi config set --secret` in the shapes the providers accept, and the GitHub and Sentry API base
URLs pointing at service_stub.py on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import string
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import yaml

from plan.harness import ROOT, run_stack, stack_config
from stackconfig.load import load_stack_config
from tests.e2e.engine import Engine, Result, Workdir, preview_digest, read_events
from tests.e2e.mutations import MUTATION_ENV, WRAPPER
from tests.e2e.workflow_flags import preview_flags

HERE = Path(__file__).resolve().parent
WORKFLOWS = ROOT / ".github" / "workflows"
STUB_START_SECONDS = 10


@dataclass(frozen=True)
class Variant:
    """A stack as the tier previews it: the stack name and the stack file it is given."""

    stack: str
    source: Path


VARIANTS = {
    "staging": Variant("staging", ROOT / "Pulumi.staging.yaml"),
    "production": Variant("production", ROOT / "Pulumi.production.yaml"),
    "production-kubernetes": Variant("production", ROOT / "stacks" / "examples" / "production-kubernetes.yaml"),
}


def _alnum(n: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


# One dummy per secret key, in the shape the consuming provider or check accepts (never a real one).
DUMMY_SECRETS: dict[str, Callable[[], str]] = {
    "githubToken": lambda: "ghp_" + _alnum(36),
    "registryToken": lambda: "ghp_" + _alnum(36),
    "vercelToken": lambda: _alnum(24),  # the Vercel provider refuses anything but 24 letters/digits
    "sentryAuthToken": lambda: "sntryu_" + secrets.token_hex(32),  # a user token, not an org token
    "sentryReleaseToken": lambda: "sntrys_" + _alnum(40),
    "slackWebhookUrl": lambda: f"https://hooks.slack.com/services/T{_alnum(8)}/B{_alnum(8)}/{_alnum(24)}",
    "codecovToken": lambda: str(uuid.uuid4()),
}


# Environment the program itself reads (pulumi_kubernetes.Provider takes KUBECONFIG as an input):
# the offline plan gets the engine run's value, so both sides see the same program.
PROGRAM_ENV = ("KUBECONFIG",)


def offline_plan(stack: str, stack_file: Path, project: Path = ROOT, env: Optional[dict] = None,
                 values: str = "preview") -> dict:
    """The plan document (`plan show --json`) of ``project``: the real program, or a work folder's
    mutation wrapper (run in this process, so that the mutation named in ``env`` applies)."""
    names = PROGRAM_ENV + (MUTATION_ENV,)
    saved = {name: os.environ.get(name) for name in names}
    try:
        for name in names:
            os.environ.pop(name, None)
            if env and env.get(name):
                os.environ[name] = env[name]
        return run_stack(stack, stack_file=stack_file, project_dir=project, values=values)
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def external_values(plans: dict[str, dict]) -> dict[str, str]:
    """Values a real preview reads from outside the program (a service, another stack), taken from
    the offline plan's example values (``plans`` are example-value plans) so that the stub and the
    imported staging state serve them: the Slack integration id the Sentry invoke returns, the image
    reference staging exported. The preview-semantics plan shows these as "[unknown]" (offline, it
    reads neither a service nor another stack): parity.differences accepts exactly these values there."""
    found: dict[str, str] = {}
    for plan in plans.values():
        for resource in plan["resources"]:
            ident = resource["inputs"].get("slackIntegrationId")
            if resource["type"].endswith(":Alert") and isinstance(ident, str) and ident.isdigit():
                found["slackIntegrationId"] = ident
        ref = plan["outputs"].get("imageRef")
        if plan["stack"] == "production" and isinstance(ref, str) and "@sha256:" in ref:
            found["imageRef"] = ref
    return found


@dataclass
class ServiceStub:
    """The running stub process: its base URL and the requests it answered."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def stop(self) -> None:
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def start_stub(base: Path, plans: dict[str, dict]) -> ServiceStub:
    """Start service_stub.py for the owners and Slack workspaces the variants name."""
    port_file, log = base / "port", base / "requests.jsonl"
    configs = [yaml.safe_load(v.source.read_text(encoding="utf-8"))["config"] for v in VARIANTS.values()]
    owners = sorted({c["webapp-platform:githubOwner"] for c in configs})
    ident = external_values(plans).get("slackIntegrationId", "")
    slack = sorted({f"{c['webapp-platform:slackWorkspace']}={ident}".rstrip("=") for c in configs})
    argv = [sys.executable, str(HERE / "service_stub.py"), "--port-file", str(port_file), "--log", str(log)]
    argv += [f"--owner={o}" for o in owners] + [f"--slack={s}" for s in slack]
    process = subprocess.Popen(argv)
    deadline = time.monotonic() + STUB_START_SECONDS
    while not port_file.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not port_file.exists():
        process.kill()
        raise RuntimeError(f"service stub did not start within {STUB_START_SECONDS} s (exit {process.poll()})")
    return ServiceStub(process, int(port_file.read_text()), log)


@dataclass
class StackEnv:
    """A prepared work folder with one stack ready to preview."""

    variant: Variant
    workdir: Workdir
    mutable: bool
    previews: dict = field(default_factory=dict)

    @property
    def stack(self) -> str:
        return self.variant.stack

    @property
    def stack_file(self) -> Path:
        return self.workdir.stack_file(self.stack)


def policy_flags(stack: str) -> tuple[list[str], list[str]]:
    """The workflows' flags for ``stack`` when they are complete, else the documented command's
    (README: `--policy-pack policies --policy-pack-config policies/config/<stack>.json`), and the
    workflows' problems (test_previews.py fails on those)."""
    flags, problems = preview_flags(WORKFLOWS, stack)
    if problems:
        flags = ["--policy-pack", "policies", "--policy-pack-config", f"policies/config/{stack}.json"]
    return flags, problems


def _required_secrets(project: Path, stack: str, stack_file: Path) -> list[str]:
    _, values, secret, _ = stack_config(project, stack, stack_file)
    return [key.split(":", 1)[1] for key in load_stack_config(values, secret).required_secrets()]


def _promoted_stack_outputs(workdir: Workdir, stack_file: Path, image_ref: Optional[str]) -> None:
    """A promoting stack reads the building stack's `imageRef`: give that stack in the same backend
    the outputs a finished `up` of it leaves (a state holding only its stack resource)."""
    config = yaml.safe_load(stack_file.read_text(encoding="utf-8"))["config"]
    image = config.get("webapp-platform:image") or {}
    if image.get("mode") != "promote" or not image.get("promoteFrom"):
        return
    source = str(image["promoteFrom"]).split("/")[-1]
    workdir.init_stack(source)
    import_stack_outputs(workdir, source, {"imageRef": image_ref or built_image_ref()})


def built_image_ref() -> str:
    """An image reference as staging's `up` exports it (digest-pinned)."""
    return "ghcr.io/example-org/my-app-web@sha256:" + secrets.token_hex(32)


def prepare(engine: Engine, base: Path, passphrase: str, variant: Variant, stub: ServiceStub,
            plans: dict[str, dict], standin_bin: Path, mutable: bool = False) -> StackEnv:
    """A work folder under ``base`` with ``variant``'s stack initialised and configured."""
    workdir = Workdir.create(engine, base, passphrase)
    workdir.env["PATH"] = os.pathsep.join([str(standin_bin), workdir.env["PATH"]])
    project = workdir.project
    if mutable:  # the real program behind a wrapper that applies one mutation (mutations.py)
        (project / "program.py").write_text((project / "__main__.py").read_text(encoding="utf-8"), encoding="utf-8")
        (project / "__main__.py").write_text(WRAPPER.format(env=MUTATION_ENV, tests=str(HERE)), encoding="utf-8")
    stack_file = workdir.stack_file(variant.stack)
    stack_file.write_text(variant.source.read_text(encoding="utf-8"), encoding="utf-8")
    _promoted_stack_outputs(workdir, stack_file, external_values(plans).get("imageRef"))
    workdir.init_stack(variant.stack)
    configure_stack(workdir, variant.stack, stub)
    return StackEnv(variant, workdir, mutable)


def configure_stack(workdir: Workdir, stack: str, stub: ServiceStub) -> None:
    """Point the stack's GitHub and Sentry API at the stub; set a dummy for every secret it needs."""
    workdir.set_config(stack, {
        "webapp-platform:githubBaseUrl": stub.url + "/",
        "webapp-platform:sentryUrl": stub.url,
    })
    needed = _required_secrets(workdir.project, stack, workdir.stack_file(stack))
    unknown = [key for key in needed if key not in DUMMY_SECRETS]
    if unknown:
        raise KeyError(f"no dummy shape for secret(s) {unknown}: add one to tests/e2e/stacks.py DUMMY_SECRETS")
    workdir.set_config(stack, {f"webapp-platform:{k}": DUMMY_SECRETS[k]() for k in needed}, secret=True)


def import_stack_outputs(workdir: Workdir, stack: str, outputs: dict) -> None:
    """Give ``stack`` the state a finished `up` leaves for its readers: its stack resource's outputs."""
    urn = f"urn:pulumi:{stack}::webapp-platform::pulumi:pulumi:Stack::webapp-platform-{stack}"
    state = {"version": 3, "deployment": {"manifest": {"time": "2026-12-01T00:00:00Z", "magic": "", "version": ""},
             "resources": [{"urn": urn, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": outputs}]}}
    path = workdir.project.parent / f"{stack}-state.json"
    path.write_text(json.dumps(state), encoding="utf-8")
    workdir.run("stack", "import", "-s", stack, "--file", str(path))


@dataclass
class PreviewRun:
    """One `pulumi preview --json` with the policy pack: result, engine events, wall time."""

    result: Result
    flags: list[str]
    events: list[dict]
    seconds: float

    @property
    def digest(self) -> dict:
        return preview_digest(self.result)


def run_preview(env: StackEnv, mutation: Optional[str] = None, extra: tuple[str, ...] = (),
                cache: bool = True) -> PreviewRun:
    """Preview ``env``'s stack with the policy pack as the workflows pass it (cached per mutation)."""
    key = (mutation, extra)
    if cache and key in env.previews:
        return env.previews[key]
    flags, _ = policy_flags(env.stack)
    log = env.workdir.project.parent / f"events-{mutation or 'none'}-{len(env.previews)}-{time.monotonic_ns()}.jsonl"
    if mutation:
        env.workdir.env[MUTATION_ENV] = mutation
    start = time.monotonic()
    try:
        result = env.workdir.preview(env.stack, "--json", "--show-reads", *flags, *extra, event_log=log, check=False)
    finally:
        env.workdir.env.pop(MUTATION_ENV, None)
    env.previews[key] = PreviewRun(result, flags, read_events(log), time.monotonic() - start)
    return env.previews[key]
