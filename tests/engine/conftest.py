"""Fixtures of the engine's own tests: the bin folder `make engine` fills, run fully offline.

The folder is `$WEBAPP_PLATFORM_ENGINE_BIN` when set, else `make engine`'s default cache folder. A
test that needs a binary that is not there fails in CI (`CI=true`) and is skipped elsewhere, saying
what is missing and how to get it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import pytest

from plan.harness import ROOT

ENGINE_SCRIPTS = ROOT / "scripts" / "engine"
if str(ENGINE_SCRIPTS) not in sys.path:
    sys.path.insert(0, str(ENGINE_SCRIPTS))  # _steps, _host, _cli, _providers and the standin package

CACHE_BIN = Path.home() / ".cache" / "webapp-platform" / "engine" / "bin"


def missing(what: str) -> None:
    """Fail in CI, skip elsewhere: `what` is not available."""
    message = f"{what} (run `make engine`; its last output line is the bin folder)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    """The bin folder with the CLI and the language host."""
    folder = Path(os.environ.get("WEBAPP_PLATFORM_ENGINE_BIN") or CACHE_BIN)
    for name in ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python"):
        if not os.access(folder / name, os.X_OK):
            missing(f"{folder / name} is missing or not executable")
    return folder


@pytest.fixture
def offline_env(engine_bin: Path, tmp_path: Path) -> Callable[[], dict[str, str]]:
    """The environment of a CLI call: a file backend in tmp_path, no update check, no plugin download."""

    def make() -> dict[str, str]:
        (tmp_path / "backend").mkdir(exist_ok=True)
        env = {key: os.environ[key] for key in ("HOME", "LANG", "TMPDIR", "USER") if key in os.environ}
        env.update(
            PATH=os.pathsep.join([str(engine_bin), os.environ.get("PATH", "/usr/bin:/bin")]),
            PULUMI_HOME=str(tmp_path / "pulumi-home"),
            PULUMI_BACKEND_URL=(tmp_path / "backend").as_uri(),
            PULUMI_CONFIG_PASSPHRASE="engine-tests-only",
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PULUMI_DIY_BACKEND_NO_LEGACY_WARNING="true",
        )
        return env

    return make
