"""Run the real ``__main__.py`` of a stack under the SDK's mocks and return the plan document.

Config comes from ``Pulumi.yaml`` (declared defaults) and the stack file, exactly as the CLI would
hand it to the program: values as strings (JSON for the rest), ``secure:`` values as secrets. A
secret the stack file does not set becomes a secret placeholder, and the plan lists it under
``secretsNeeded``: a real run would refuse to start without it.
"""

from __future__ import annotations

import json
import logging
import runpy
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import pulumi
import yaml
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from plan.lean import lean_sdk
from plan.mocks import STACK_REFERENCE, PlanMocks, RecordingMonitor, Registration, Values, plan_value
from stackconfig.errors import ConfigError
from stackconfig.load import load_stack_config
from stackconfig.model import NAMESPACE, secret_keys

ROOT = Path(__file__).resolve().parents[1]
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (ten times faster), else the pure-Python one."""
PLACEHOLDER = "plan-placeholder-secret:{key}"
"""Value of an unset secret during an offline plan: distinctive, so leak tests can look for it."""


def read_yaml(path: Path) -> dict:
    """A YAML mapping from ``path``, or a ConfigError naming the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError([f"{path}: cannot read the file ({err.strerror})"], source=str(path.name)) from None
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as err:
        raise ConfigError([f"{path}: not valid YAML ({err})"], source=str(path.name)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping at the top level"], source=str(path.name))
    return data


def _engine_value(value: Any) -> str:
    """The CLI hands every config value to the program as a string; objects as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def stack_config(project_dir: Path, stack: str, stack_file: Optional[Path]) -> tuple[str, dict, set, list]:
    """(project name, config values, secret keys, secrets the stack file does not set)."""
    project = read_yaml(project_dir / "Pulumi.yaml")
    name = project.get("name") or "webapp-platform"
    path = stack_file or project_dir / f"Pulumi.{stack}.yaml"
    document = read_yaml(path)
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError([f"{path}: `config` must be a mapping of keys to values"], source=path.name)

    values: dict[str, str] = {}
    for key, declaration in (project.get("config") or {}).items():
        if isinstance(declaration, dict) and "default" in declaration:
            values[key if ":" in key else f"{name}:{key}"] = _engine_value(declaration["default"])
    secrets: set[str] = set()
    for key, value in config.items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            secrets.add(full)
            values[full] = PLACEHOLDER.format(key=full)  # the ciphertext is never decrypted offline
        else:
            values[full] = _engine_value(value)
    needed = []
    for key in secret_keys():
        full = f"{NAMESPACE}:{key}"
        if full not in values:
            values[full] = PLACEHOLDER.format(key=full)
            secrets.add(full)
            needed.append(full)
    return name, values, secrets, needed


def run_under_mocks(
    func: Callable[[], Any], *, project: str, stack: str, config: Optional[dict] = None, secrets: Iterable[str] = (),
    values: Values = "example", stack_outputs: Optional[dict] = None,
) -> tuple[RecordingMonitor, list[str]]:
    """Run ``func`` (which declares resources) under the plan's mocks; every registration awaited.

    ``values="preview"`` runs it as ``pulumi preview`` would (computed values unknown); the default
    ``"example"`` runs it as an update with example placeholders (component tests read those).
    Returns the monitor (its ``registrations``) and the warnings the program logged.
    """
    monitor = RecordingMonitor(PlanMocks(stack, values, stack_outputs))
    logs = _LogRecorder()
    # As pulumi.runtime.test does: an earlier run's pending RPCs or errors must not leak into this one.
    runtime_settings.SETTINGS.rpc_manager.clear()
    runtime_settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_all_config(dict(config or {}), sorted(secrets))
    runtime_settings.set_root_resource(None)
    pulumi.runtime.set_mocks(
        monitor.mocks, project=project, stack=stack, preview=values == "preview", monitor=monitor, logger=logs.logger
    )
    with lean_sdk():
        _sync_await(run_pulumi_func(func))
    return monitor, logs.warnings


def run_stack(stack: str, stack_file: Optional[Path] = None, project_dir: Path = ROOT, values: Values = "preview") -> dict:
    """The plan document of ``stack`` (see docs/CONTRACTS.md). Raises ConfigError on bad config.

    ``values="preview"``: what a real ``pulumi preview`` knows, ``"[unknown]"`` elsewhere.
    ``values="example"``: example placeholders there instead, listed under ``placeholders``.
    """
    project_dir = Path(project_dir).resolve()
    stack_path = Path(stack_file) if stack_file else None
    preview, references = _plan(stack, stack_path, project_dir, "preview")
    if values == "preview":
        return preview
    from plan.examples import example_plan  # only --example-values pays for it

    return example_plan(stack, stack_path, project_dir, preview, references, plan=_plan)


def _plan(
    stack: str, stack_file: Optional[Path], project_dir: Path, values: Values, stack_outputs: Optional[dict] = None
) -> tuple[dict, list[str]]:
    """One run of the program: (plan document, fully qualified names of the stacks it references)."""
    project, config_values, secrets, unset = stack_config(project_dir, stack, stack_file)
    config = load_stack_config(config_values, secrets)  # refuse bad config before anything runs
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    outputs: dict[str, Any] = {}

    async def program_and_outputs() -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")
        root = runtime_settings.get_root_resource()
        for key, value in sorted(root.outputs.items()):
            outputs[key] = await _resolve(value)

    monitor, warnings = run_under_mocks(
        program_and_outputs, project=project, stack=stack, config=config_values, secrets=secrets,
        values=values, stack_outputs=stack_outputs,
    )
    document = {
        "project": project,
        "stack": stack,
        "values": values,
        "resources": [_resource(r) for r in sorted(monitor.registrations, key=_order)],
        "outputs": outputs,
        "placeholders": [],
        "secretsNeeded": [key for key in config.required_secrets() if key in unset],
        "warnings": warnings,
    }
    references = sorted({str(r.inputs.get("name")) for r in monitor.registrations if r.type == STACK_REFERENCE})
    return document, references


class _LogRecorder(logging.Handler):
    """Keeps the program's warnings for the plan instead of letting them go to stderr."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.warnings: list[str] = []
        self.logger = logging.getLogger(f"webapp-platform.plan.{id(self)}")
        self.logger.propagate = False
        self.logger.setLevel(logging.INFO)
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append(record.getMessage())


async def _resolve(value: Any) -> Any:
    output = pulumi.Output.from_input(value)
    if await output.is_secret():
        return "[secret]"
    if not await output.is_known():
        return "[unknown]"
    return plan_value(json.loads(json.dumps(await output.future(), default=str)))


def _order(registration: Registration) -> tuple:
    # The stack first, then by URN: registration order depends on when outputs resolve.
    return (registration.type != "pulumi:pulumi:Stack", registration.urn)


def _resource(r: Registration) -> dict:
    return {
        "urn": r.urn,
        "type": r.type,
        "name": r.name,
        "parent": r.parent,
        "dependencies": r.dependencies,
        "protect": r.protect,
        "retainOnDelete": r.retain_on_delete,
        "provider": r.provider,
        "inputs": r.inputs,
    }
