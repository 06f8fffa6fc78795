"""Which Python runs a program or plugin, and with which environment (the pip toolchain only).

Mirrors the rules of Pulumi's pip toolchain: the `virtualenv` runtime option (relative to the
project root) selects `<venv>/bin/python` and "activates" it (PATH first, VIRTUAL_ENV set,
PYTHONHOME dropped); without it `PULUMI_PYTHON_CMD`, else `python3`, else `python` from PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Mapping

# Packages the real host knows to have no plugin even though their names start with "pulumi-".
_PACKAGES_WITHOUT_PLUGINS = frozenset({"pulumi-policy", "pulumi-esc-sdk"})

# Run inside the program's interpreter: every installed distribution with its pulumi-plugin.json.
_LIST_PLUGIN_PACKAGES = r"""
import importlib.metadata as md, json, os
out = []
for dist in md.distributions():
    name = (dist.metadata["Name"] or "").lower().replace("_", "-")
    plugin = None
    for f in dist.files or []:
        if f.name == "pulumi-plugin.json" and len(f.parts) == 2:
            try:
                plugin = json.loads(f.read_text())
            except (OSError, ValueError):
                plugin = None
            break
    out.append({"name": name, "version": dist.version, "plugin": plugin})
print(json.dumps(out))
"""


def options_of(info: Any) -> dict[str, Any]:
    """The runtime options of a `pulumirpc.ProgramInfo` (a protobuf Struct) as a plain dict."""
    from google.protobuf import json_format

    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


class ToolchainError(Exception):
    """A runtime option or interpreter problem, worded for the user."""


@dataclass(frozen=True)
class Python:
    """The interpreter chosen for one program or plugin."""

    executable: str
    """Absolute path of the python binary to run."""
    virtualenv: str | None
    """Absolute path of the virtual environment, or None for the ambient Python."""

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment a child gets: `base` (default os.environ) with the venv activated."""
        env = dict(os.environ if base is None else base)
        if self.virtualenv is None:
            return env
        env.pop("PYTHONHOME", None)
        env["VIRTUAL_ENV"] = self.virtualenv
        bin_dir = os.path.join(self.virtualenv, "bin")
        env["PATH"] = bin_dir + (os.pathsep + env["PATH"] if env.get("PATH") else "")
        return env


def resolve(root: str, options: Mapping[str, Any], *, is_plugin: bool = False) -> Python:
    """The Python for a project rooted at `root` with the runtime `options` of its Pulumi.yaml.

    Raises ToolchainError for an option the stand-in cannot honour or a missing interpreter.
    """
    toolchain = options.get("toolchain", "pip")
    if toolchain != "pip":
        raise ToolchainError(
            f"runtime option toolchain: {toolchain!r} is not supported by the stand-in language host "
            "(only 'pip'); Pulumi's own pulumi-language-python supports uv and poetry"
        )
    venv = options.get("virtualenv")
    if venv is not None and not isinstance(venv, str):
        raise ToolchainError("runtime option virtualenv must be a string")
    if not venv and is_plugin:
        venv = "venv"  # the real host's default for plugins: never the ambient Python
    if venv:
        path = venv if os.path.isabs(venv) else os.path.join(root, venv)
        return Python(os.path.join(path, "bin", "python"), os.path.abspath(path))
    for cmd in [os.environ["PULUMI_PYTHON_CMD"]] if os.environ.get("PULUMI_PYTHON_CMD") else ["python3", "python"]:
        found = shutil.which(cmd)
        if found:
            return Python(found, None)
    raise ToolchainError("failed to locate python3 or python on PATH (or PULUMI_PYTHON_CMD)")


def validate_venv(python: Python, option: str | None) -> None:
    """Fail like the real host when the configured virtual environment has no python in it."""
    if python.virtualenv is None or os.path.isfile(python.executable):
        return
    state = "doesn't exist" if not os.path.exists(python.virtualenv) else "doesn't appear to be a virtual environment"
    raise ToolchainError(
        f"The 'virtualenv' option in Pulumi.yaml is set to {option!r}, but {python.virtualenv!r} {state}; "
        f"create it with: python3 -m venv {python.virtualenv} && "
        f"{python.executable} -m pip install -r requirements.txt"
    )


def run_json(python: Python, code: str, cwd: str | None = None) -> Any:
    """Run `code` in the chosen interpreter and parse what it prints as JSON."""
    try:
        proc = subprocess.run(
            [python.executable, "-c", code], env=python.env(), cwd=cwd,
            capture_output=True, text=True, timeout=120, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ToolchainError(f"could not run {python.executable}: {err}") from err
    if proc.returncode != 0:
        raise ToolchainError(f"{python.executable} failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def installed_packages(python: Python) -> list[dict[str, Any]]:
    """Every distribution in the interpreter: name (normalised), version, parsed pulumi-plugin.json."""
    return run_json(python, _LIST_PLUGIN_PACKAGES)


def plugin_version(package_version: str) -> str | None:
    """A PEP 440 release `N(.N)*` as a plugin version `vX.Y.Z`; None for anything else."""
    parts = package_version.split(".")
    if not all(p.isdigit() for p in parts):
        return None  # pre-releases map to versions with build metadata the package does not carry
    return "v" + ".".join((parts + ["0", "0"])[: max(3, len(parts))])


def required_packages(python: Python) -> list[dict[str, str]]:
    """The resource plugins a program needs, from the pulumi-plugin.json of its installed packages."""
    result = []
    for pkg in installed_packages(python):
        plugin = pkg["plugin"]
        if pkg["name"] in _PACKAGES_WITHOUT_PLUGINS:
            continue
        if plugin is None and not pkg["name"].startswith("pulumi-"):
            continue
        if plugin is not None and not plugin.get("resource"):
            continue
        plugin = plugin or {}
        version = plugin.get("version") or plugin_version(pkg["version"])
        if version is None:
            continue
        result.append({
            "name": plugin.get("name") or pkg["name"].removeprefix("pulumi-"),
            "version": version if version.startswith("v") else "v" + version,
            "server": plugin.get("server", ""),
        })
    return result
