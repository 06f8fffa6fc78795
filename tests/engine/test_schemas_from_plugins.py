"""The committed provider schemas are what the real plugins emit.

`provider-schemas/<name>-<version>.json.gz` (gzip, mtime 0, the schema JSON) feeds the offline
schema check of `python -m plan check`. For every provider pinned in requirements.txt, the plugin
`make engine` built is asked for its schema with `pulumi package get-schema <binary>`, and the parsed
JSON must equal the committed file. A plugin that is not in the bin folder fails in CI and is
skipped elsewhere (see conftest.missing).
"""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import pytest

from _providers import ORDER, PYPI_PACKAGES
from build import pins
from plan.harness import ROOT
from tests.engine.conftest import missing

SCHEMAS = ROOT / "provider-schemas"
PINNED = pins(ROOT / "requirements.txt")
CASES = [(name, PINNED[PYPI_PACKAGES[name]]) for name in ORDER]


def committed(name: str, version: str) -> dict:
    path = SCHEMAS / f"{name}-{version}.json.gz"
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is not committed")
    return json.loads(gzip.decompress(path.read_bytes()))


@pytest.mark.parametrize("name, version", CASES, ids=[name for name, _ in CASES])
def test_committed_schema_is_what_the_plugin_emits(name: str, version: str, engine_bin: Path, offline_env) -> None:
    plugin = engine_bin / f"pulumi-resource-{name}"
    if not plugin.is_file():
        status = engine_bin.parent / "status.json"
        failed = json.loads(status.read_text()).get("failed", {}) if status.is_file() else {}
        missing(f"{plugin} ({name} {version}) was not built: {failed.get(f'provider-{name}', 'not requested by the last make engine')}")
    done = subprocess.run(["pulumi", "package", "get-schema", str(plugin)], env=offline_env(), capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    emitted = json.loads(done.stdout)
    schema = committed(name, version)
    assert emitted.get("version", version) == version
    assert emitted == schema, f"provider-schemas/{name}-{version}.json.gz differs from the plugin's schema"
