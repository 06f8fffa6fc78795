"""The Pulumi CLI: a suitable `pulumi` on PATH, or a build from source through the Go module proxy.

The SDK pin (`pulumi==3.272.0` in requirements.txt) is what the program imports. The CLI is built
at BUILD_VERSION, the nearest release the Go module proxy serves: `pkg/v3` 3.272.0 and 3.273.0 (and
pseudo-versions at their commits) answer 403 "not available", while 3.274.0 and 3.274.1 are served.
A CLI runs programs written against older SDKs (the engine protocol is backward compatible), so a
`pulumi` already on PATH is accepted when its version is at least the SDK pin: a real user's install.

`go install ...pkg/v3/cmd/pulumi@VERSION` is refused because pkg/go.mod has replace directives, so
the build goes through a wrapper module that requires pkg/v3 and sdk/v3 at the same version and
copies the one replace that matters (github.com/atotto/clipboard).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from _steps import Run, StepFailed, go_env, version_tuple

BUILD_VERSION = "3.274.1"
PKG = "github.com/pulumi/pulumi/pkg/v3"
SDK = "github.com/pulumi/pulumi/sdk/v3"
CLIPBOARD = "github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e"
TOOLS_GO = '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n'


def cli_version(binary: str) -> str | None:
    """What `BINARY version` prints ("v3.274.1"), or None when it does not run."""
    try:
        proc = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=60, check=False,
                              env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"})
    except OSError:
        return None
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def pulumi_on_path(sdk_pin: str, own_bin: Path) -> tuple[str, str] | None:
    """A `pulumi` on PATH (outside our own bin folder) at or above the SDK pin: (path, version)."""
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and Path(p).resolve() != own_bin.resolve())
    found = shutil.which("pulumi", path=path)
    version = cli_version(found) if found else None
    if found and version and version_tuple(version) >= version_tuple(sdk_pin):
        return found, version
    return None


def build_cli(run: Run, version: str = BUILD_VERSION) -> Path:
    """Build (or reuse) cli/v<version>/pulumi; the wrapper module lives in src/cli."""
    module = f"{PKG}@v{version}"
    output = run.cache / "cli" / f"v{version}" / "pulumi"
    with run.step("cli", module, output) as todo:
        if todo:
            src = run.cache / "src" / "cli"
            _wrapper_module(run, src, version, module)
            output.parent.mkdir(parents=True, exist_ok=True)
            tmp = output.with_name("pulumi.tmp")
            run.sh("cli", module, [
                "go", "build", "-trimpath", "-tags", "osusergo,grpcnotrace",
                "-ldflags", f"-X {SDK}/go/common/version.Version=v{version}", "-o", str(tmp), PKG + "/cmd/pulumi",
            ], cwd=src, env=go_env())
            if cli_version(str(tmp)) != f"v{version}":
                raise StepFailed("cli", module, f"the built binary reports {cli_version(str(tmp))!r}")
            os.replace(tmp, output)
    return output


def _wrapper_module(run: Run, src: Path, version: str, module: str) -> None:
    """go.mod + tools.go requiring pkg/v3 and sdk/v3 at `version`; tidied once per version."""
    go_mod = src / "go.mod"
    if go_mod.is_file() and all(f"{mod} v{version}" in go_mod.read_text() for mod in (PKG, SDK)):
        return
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    (src / "tools.go").write_text(TOOLS_GO)
    env = go_env()
    run.sh("cli", module, ["go", "mod", "init", "webapp-platform/engine/cli"], cwd=src, env=env)
    run.sh("cli", module, ["go", "mod", "edit", f"-require={PKG}@v{version}", f"-require={SDK}@v{version}",
                           f"-replace={CLIPBOARD}"], cwd=src, env=env)
    run.sh("cli", module, ["go", "mod", "tidy"], cwd=src, env=env)
    if f"{PKG} v{version}" not in go_mod.read_text():
        raise StepFailed("cli", module, f"go mod tidy moved {PKG} off v{version}")
