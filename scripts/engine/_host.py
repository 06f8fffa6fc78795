"""The Python side of the engine: Pulumi's two helper scripts and the stand-in language host.

`pulumi-language-python-exec` (runs a program) and `pulumi-resource-pulumi-python` (runs dynamic
providers) come from the `sdk/v3` module zip at exactly the SDK pin; zip extraction drops their
exec bits, so they are installed with mode 755. The stand-in host runs in a small virtual
environment of its own (`pulumi` and what it needs, hash-pinned from requirements.lock), because it
must start before any program's virtual environment is known.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from _steps import Run, StepFailed, go_download, install_file

HERE = Path(__file__).resolve().parent
SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
SDK_SCRIPTS = {
    "pulumi-language-python-exec": "python/cmd/pulumi-language-python-exec",
    "pulumi-resource-pulumi-python": "python/dist/pulumi-resource-pulumi-python",
}

LAUNCHER = """#!{python}
# Stand-in for Pulumi's pulumi-language-python, installed by `make engine` (webapp-platform):
# the Go module proxy here does not serve Pulumi's own host. See {standin}/__init__.py.
import sys
sys.path.insert(0, {path!r})
from standin.host import main
sys.exit(main())
"""


def lock_closure(lock: Path, root: str = "pulumi") -> str:
    """The blocks of a pip-compile lock that `root` needs, itself included (read from "# via")."""
    blocks = re.split(r"\n(?=[A-Za-z0-9][A-Za-z0-9._-]*==)", lock.read_text(encoding="utf-8"))
    parents: dict[str, tuple[list[str], str]] = {}
    for block in blocks:
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==", block)
        if not match:
            continue
        via = re.search(r"# via(.*)", block, re.S)
        lines = via.group(1).splitlines() if via else []
        names = ([lines[0].strip()] if lines and lines[0].strip() else []) + [
            line.strip().lstrip("#").strip() for line in lines[1:] if line.strip().startswith("#")]
        requirement = block.split("# via")[0].rstrip() + "\n"
        parents[match.group(1).lower()] = ([n.split()[0].lower() for n in names if n], requirement)
    if root not in parents:
        raise ValueError(f"{lock} does not pin {root}")
    needed, grew = {root}, True
    while grew:
        grew = False
        for name, (via_names, _) in parents.items():
            if name not in needed and needed.intersection(via_names):
                needed.add(name)
                grew = True
    return "".join(parents[name][1] for name in sorted(needed))


def digest(*parts: bytes) -> str:
    """A short content key for a cache folder."""
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:12]


def standin_digest() -> str:
    """The stand-in's code: a change installs a fresh copy (the venv stays)."""
    return digest(*(p.name.encode() + p.read_bytes() for p in sorted((HERE / "standin").glob("*.py"))))


def install_sdk_scripts(run: Run, sdk_version: str, target: Path) -> Path:
    """Pulumi's helper scripts from the sdk/v3 module at the SDK pin, executable, into `target`."""
    module = f"{SDK_MODULE}@v{sdk_version}"
    with run.step("sdk-scripts", module, target / "pulumi-resource-pulumi-python") as todo:
        if todo:
            folder = Path(str(go_download(run, "sdk-scripts", module)["Dir"]))
            for name, relative in SDK_SCRIPTS.items():
                if not (folder / relative).is_file():
                    raise StepFailed("sdk-scripts", module, f"{relative} is missing from the module")
                target.mkdir(parents=True, exist_ok=True)
                part = target / (name + ".part")
                shutil.copyfile(folder / relative, part)
                part.chmod(0o755)  # the module zip has no exec bits
                part.replace(target / name)
    return target


def install_host(run: Run, sdk_version: str, lock: Path, python3: str) -> Path:
    """The host's venv and the stand-in's code under host/<key>/; returns the launcher's path."""
    requirements = lock_closure(lock)
    venv = run.cache / "host" / f"venv-{sdk_version}-{digest(requirements.encode())}"
    folder = run.cache / "host" / f"standin-{standin_digest()}"
    module = f"pulumi=={sdk_version} (+{requirements.count('==') - 1} pinned dependencies, {lock.name})"
    with run.step("host-venv", module, venv / ".installed") as todo:
        if todo:
            shutil.rmtree(venv, ignore_errors=True)
            run.sh("host-venv", module, [python3, "-m", "venv", str(venv)])
            (venv / "requirements.txt").write_text(requirements, encoding="utf-8")
            run.sh("host-venv", module, [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                         "--require-hashes", "-r", str(venv / "requirements.txt")])
            (venv / ".installed").touch()
    launcher = folder / "pulumi-language-python"
    with run.step("standin-host", "scripts/engine/standin (this repository)", launcher) as todo:
        if todo:
            for old in (run.cache / "host").glob("standin-*"):
                shutil.rmtree(old, ignore_errors=True)  # earlier versions of the code: a few KB each
            folder.mkdir(parents=True)
            shutil.copytree(HERE / "standin", folder / "standin", ignore=shutil.ignore_patterns("__pycache__"))
            text = LAUNCHER.format(python=venv / "bin" / "python", path=str(folder), standin=folder / "standin")
            (folder / "launcher.tmp").write_text(text, encoding="utf-8")
            install_file(folder / "launcher.tmp", launcher)
            (folder / "launcher.tmp").unlink()
    return launcher
