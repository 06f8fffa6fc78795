"""requirements.lock, the hashed lock CI installs with ``pip install --require-hashes``, matches the
pins of requirements-dev.txt (and the files it includes) exactly, and hashes every package.

Regenerate after changing a pin:
    pip-compile --allow-unsafe --generate-hashes --strip-extras --no-emit-index-url \\
        --output-file requirements.lock requirements-dev.txt
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.workflows.shared import ROOT

LOCK = ROOT / "requirements.lock"
TOP = ROOT / "requirements-dev.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;\\#]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")


def normalize(name: str) -> str:
    """PEP 503 name normalization (``PyYAML`` == ``pyyaml``, ``pulumi_github`` == ``pulumi-github``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    source: str


def requirement_pins(path: Path, seen: frozenset[Path] = frozenset()) -> list[Pin]:
    """Every ``name==version`` of a requirements file, following ``-r`` includes."""
    assert path not in seen, f"include loop at {path}"
    pins: list[Pin] = []
    label = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            pins += requirement_pins((path.parent / line.split(None, 1)[1]).resolve(), seen | {path})
            continue
        match = PIN.match(line)
        assert match, f"{label}: `{line}` is not pinned with =="
        pins.append(Pin(normalize(match["name"]), match["version"], label))
    return pins


def lock_entries(lock: Path = LOCK) -> dict[str, tuple[str, int]]:
    """Locked packages: name -> (version, number of hashes)."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = normalize(match["name"])
            assert current not in entries, f"{current} locked twice"
            entries[current] = (match["version"], 0)
        elif current and HASH.search(line):
            version, hashes = entries[current]
            entries[current] = (version, hashes + len(HASH.findall(line)))
    return entries


def stale_pins(top: Path, lock: Path) -> list[str]:
    """Pins of ``top`` (with its includes) that ``lock`` does not lock at the same version."""
    entries = lock_entries(lock)
    return [
        f"{pin.name}=={pin.version} ({pin.source}) is locked as {entries.get(pin.name, ('missing',))[0]}"
        for pin in requirement_pins(top)
        if entries.get(pin.name, ("",))[0] != pin.version
    ]


def test_lock_pins_match_the_requirements_exactly() -> None:
    stale = stale_pins(TOP, LOCK)
    assert not stale, "requirements.lock is stale: " + "; ".join(stale)


def test_requirement_files_agree_with_each_other() -> None:
    versions: dict[str, set[str]] = {}
    for pin in requirement_pins(TOP):
        versions.setdefault(pin.name, set()).add(pin.version)
    assert {name: v for name, v in versions.items() if len(v) > 1} == {}


def test_every_locked_package_is_hashed() -> None:
    entries = lock_entries()
    assert len(entries) >= len({p.name for p in requirement_pins(TOP)})
    unhashed = sorted(name for name, (_, hashes) in entries.items() if hashes == 0)
    assert not unhashed


def test_lock_records_no_local_index() -> None:
    """The lock must install on a plain machine: no index, find-links or file: URL baked in."""
    text = LOCK.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(?:--index-url|--extra-index-url|--find-links|-f |-i )", text, re.MULTILINE)
    assert "file://" not in text


@pytest.mark.parametrize(
    ("requirements", "lock", "stale"),
    [
        ("pyyaml==6.0.4\n", "pyyaml==6.0.4 \\\n    --hash=sha256:" + "a" * 64 + "\n", False),
        ("pyyaml==6.0.5\n", "pyyaml==6.0.4 \\\n    --hash=sha256:" + "a" * 64 + "\n", True),
        ("PyYAML==6.0.4\n", "pyyaml==6.0.4 \\\n    --hash=sha256:" + "a" * 64 + "\n", False),
    ],
    ids=["in-step", "bumped-pin", "name-normalized"],
)
def test_staleness_check_compares_normalized_pins(tmp_path: Path, requirements: str, lock: str, stale: bool) -> None:
    top, locked = tmp_path / "requirements-dev.txt", tmp_path / "requirements.lock"
    (tmp_path / "requirements.txt").write_text(requirements, encoding="utf-8")
    top.write_text("-r requirements.txt\n", encoding="utf-8")
    locked.write_text(lock, encoding="utf-8")
    assert bool(stale_pins(top, locked)) is stale
