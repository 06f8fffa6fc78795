"""Fixtures of the engine's own tests: the bin folder `make engine` fills, run fully offline.

The folder is `$WEBAPP_PLATFORM_ENGINE_BIN` when set, else `make engine`'s default cache folder. A
test that needs a binary that is not there fails in CI (`CI=true`) and is skipped elsewhere, saying
what is missing and how to get it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

from tests.e2e.engine import BIN_ENV, CACHE_BIN, Engine, offline_env as engine_env, write_kubeconfig


def missing(what: str) -> None:
    """Fail in CI, skip elsewhere: `what` is not available."""
    message = f"{what} (run `make engine`; its last output line is the bin folder)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    """The bin folder with the CLI and the language host."""
    folder = Path(os.environ.get(BIN_ENV) or CACHE_BIN)
    for name in ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-pulumi-python"):
        if not os.access(folder / name, os.X_OK):
            missing(f"{folder / name} is missing or not executable")
    return folder


@pytest.fixture
def offline_env(engine_bin: Path, tmp_path: Path) -> Callable[[], dict[str, str]]:
    """The environment of a CLI call (tests/e2e/engine.py's offline_env): a file backend in tmp_path, no
    update check, no plugin download, nothing but 127.0.0.1 reachable, PULUMI_HOME in tmp_path."""

    def make() -> dict[str, str]:
        (tmp_path / "backend").mkdir(exist_ok=True)
        env = engine_env(Engine(engine_bin / "pulumi", ""), tmp_path / "backend", "engine-tests-only",
                         write_kubeconfig(tmp_path / "kubeconfig"))
        env["PULUMI_HOME"] = str(tmp_path / "pulumi-home")  # plugins these tests install stay in tmp_path
        # No project venv on PATH: the stand-in host must find its Python through the project's settings.
        env["PATH"] = os.pathsep.join([str(engine_bin), os.environ.get("PATH", "/usr/bin:/bin")])
        return env

    return make
