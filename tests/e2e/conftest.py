"""Fixtures of the engine tier: the real Pulumi CLI on a throw-away file backend, fully offline.

How a stack is prepared is in stacks.py (shared with bench/bench_engine.py). In CI (`CI=true`) a
missing CLI fails every test; elsewhere the tests skip, naming what is missing.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from tests.e2e import plugins
from tests.e2e.engine import Engine, EngineMissing, Workdir, locate
from tests.e2e.stacks import VARIANTS, ServiceStub, StackEnv, offline_plan, prepare, start_stub

CI = os.environ.get("CI") == "true"


def require(reason: str) -> None:
    """A missing prerequisite: a failure in CI, a skip that says what is missing elsewhere."""
    if CI:
        pytest.fail(f"engine tier (CI): {reason}")
    pytest.skip(reason)


def pytest_report_header(config) -> list[str]:
    try:
        engine = locate()
    except EngineMissing as err:
        return [f"engine tier: {err}"]
    return [f"engine tier: {engine.pulumi} ({engine.version})"]


@pytest.fixture(scope="session")
def engine() -> Engine:
    try:
        return locate()
    except EngineMissing as err:
        require(str(err))
        raise


@pytest.fixture(scope="session")
def passphrase() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture(scope="session")
def shipped_plans() -> dict[str, dict]:
    """The offline plan (example values) of every variant's shipped stack file."""
    return {name: offline_plan(v.stack, v.source, values="example") for name, v in VARIANTS.items()}


@pytest.fixture(scope="session")
def service_stub(tmp_path_factory, shipped_plans) -> ServiceStub:
    stub = start_stub(tmp_path_factory.mktemp("stub"), shipped_plans)
    yield stub
    stub.stop()


@dataclass(frozen=True)
class ProviderSetup:
    """Which provider plugins are real and where the stand-ins live."""

    bin_dir: Path
    real: frozenset[str]
    standins: frozenset[str]


@pytest.fixture(scope="session")
def provider_setup(engine, tmp_path_factory) -> ProviderSetup:
    probe = Workdir.create(engine, tmp_path_factory.mktemp("probe"), "probe")
    real = frozenset(plugins.real_plugins(engine.pulumi, probe.env))
    standins = frozenset(set(plugins.pinned_plugins()) - real)
    bin_dir = tmp_path_factory.mktemp("standin-bin")
    plugins.install_standins(bin_dir, set(standins))
    return ProviderSetup(bin_dir, real, standins)


@pytest.fixture(scope="session")
def stack_env(engine, passphrase, provider_setup, service_stub, shipped_plans, tmp_path_factory) -> Callable[..., StackEnv]:
    """``stack_env("staging", mutable=False)``: a ready work folder, one per variant and kind, cached."""
    cache: dict[tuple[str, bool], StackEnv] = {}

    def make(name: str, mutable: bool = False) -> StackEnv:
        if (name, mutable) not in cache:
            base = tmp_path_factory.mktemp(f"{name}-{'mutable' if mutable else 'real'}")
            cache[(name, mutable)] = prepare(engine, base, passphrase, VARIANTS[name], service_stub,
                                             shipped_plans, provider_setup.bin_dir, mutable)
        return cache[(name, mutable)]

    return make
