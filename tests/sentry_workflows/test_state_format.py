"""The alert provider's import paths are part of the state format (see ``sentry_workflows``).

Each alert's state holds the provider pickled by reference. State written before the package existed
(the fixture is a blob serialized at commit 1608a4e) must still load, through the compatibility
modules at the old paths; state written now must name only the final paths.
"""

from __future__ import annotations

import base64
import pickletools
import subprocess
import sys
from pathlib import Path

from pulumi.dynamic.dynamic import serialize_provider

from sentry_workflows import SentryAlertProvider

ROOT = Path(__file__).resolve().parents[2]
OLD_BLOB = (Path(__file__).parent / "fixtures" / "provider-1608a4e.b64").read_text(encoding="utf-8").strip()
FINAL_PATHS = {"sentry_workflows.provider", "sentry_workflows.api"}
LOAD = (
    "import base64, sys, dill; p = dill.loads(base64.b64decode(sys.argv[1])); "
    "print(type(p).__module__, type(p).__name__, type(p.retry).__module__, p.timeout, p.retry.max_attempts)"
)


def _modules_named(blob: str) -> set[str]:
    """The modules a pickle refers to (STACK_GLOBAL takes the two strings pushed before it)."""
    strings: list[str] = []
    modules: set[str] = set()
    for opcode, arg, _ in pickletools.genops(base64.b64decode(blob)):
        if isinstance(arg, str):
            strings.append(arg)
        if opcode.name == "STACK_GLOBAL":
            modules.add(strings[-2])
        elif opcode.name == "GLOBAL":
            modules.add(arg.split(" ")[0])
    return modules


def _load_in_fresh_interpreter(blob: str) -> list[str]:
    # As the dynamic provider host does: its own process, started in the program directory.
    done = subprocess.run([sys.executable, "-c", LOAD, blob], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_fixture_is_a_blob_of_the_old_paths():
    assert _modules_named(OLD_BLOB) == {"components.sentry_alerts", "components.sentry_api"}


def test_state_written_before_the_package_still_loads():
    assert _load_in_fresh_interpreter(OLD_BLOB) == [
        "sentry_workflows.provider", "SentryAlertProvider", "sentry_workflows.api", "10.0", "4"
    ]


def test_state_written_now_names_only_the_final_paths():
    blob = serialize_provider(SentryAlertProvider(timeout=7.5))
    assert _modules_named(blob) == FINAL_PATHS
    assert _load_in_fresh_interpreter(blob)[:4] == [
        "sentry_workflows.provider", "SentryAlertProvider", "sentry_workflows.api", "7.5"
    ]
