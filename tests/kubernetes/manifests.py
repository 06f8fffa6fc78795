"""Kubernetes manifests from a plan, and the two offline validators the tests run on them.

A plan resource of a ``kubernetes:`` type carries the object exactly as the provider would send it
(camelCase, ``apiVersion`` and ``kind``), so its inputs are the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

ROOT = Path(__file__).resolve().parents[2]

# The cluster versions this deployment claims to support: the five newest minor versions
# kubernetes-validate 1.37.0 ships schemas for.
KUBERNETES_VERSIONS = ("1.33.0", "1.34.0", "1.35.0", "1.36.0", "1.37.0")

# checkov Kubernetes checks skipped, each with its reason (docs/README repeat these).
CHECKOV_SKIPS: dict[str, str] = {
    "CKV_K8S_40": (
        "Containers should run as a high UID. The pod runs as the image's own user, uid 101 (the "
        "official nginx image's nginx user, image/Dockerfile `USER 101:101`), which owns no files in the "
        "image. The check guards against a container uid that matches a host account after a breakout; "
        "here a breakout is already contained by runAsNonRoot, no capabilities, no privilege escalation, "
        "RuntimeDefault seccomp, a read-only root filesystem and the namespace's restricted Pod Security "
        "Standard. Moving to a uid >= 10000 is an image change (USER), not a Kubernetes one."
    ),
}


def manifests(resources: Iterable[dict]) -> list[dict]:
    """The Kubernetes objects among plan resources (providers and components left out)."""
    return [dict(r["inputs"]) for r in resources if r["type"].startswith("kubernetes:")]


def placeholders(value, path: str = "") -> list[str]:
    """Paths of plan placeholders ("[unknown]", "[secret]") left in a manifest: a rendered manifest
    must be complete to be validated."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in placeholders(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in placeholders(v, f"{path}[{i}]")]
    return [path] if value in ("[unknown]", "[secret]") else []


def write_manifests(objects: Iterable[dict], directory: Path) -> list[Path]:
    """One YAML file per object, named after kind, namespace and name."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for obj in objects:
        meta = obj.get("metadata", {})
        name = "-".join(filter(None, [obj["kind"].lower(), meta.get("namespace"), meta.get("name")]))
        path = directory / f"{name}.yaml"
        path.write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def kubernetes_validate(paths: list[Path]) -> subprocess.CompletedProcess:
    """``kubernetes-validate --strict`` for every claimed version, in one process."""
    tool = Path(sys.executable).with_name("kubernetes-validate")
    command = [str(tool), "--strict", "--quiet"]
    for version in KUBERNETES_VERSIONS:
        command += ["-k", version]
    return subprocess.run(command + [str(p) for p in paths], capture_output=True, text=True, timeout=120)


def checkov_binary() -> Path | None:
    """checkov needs packaging<24 and pulumi packaging>=26, so it lives in its own virtualenv:
    ``$CHECKOV`` if set, else ``.venv/checkov/bin/checkov``, else one on PATH."""
    candidates = [os.environ.get("CHECKOV"), str(ROOT / ".venv" / "checkov" / "bin" / "checkov"), shutil.which("checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


@dataclass
class CheckovResult:
    passed: list[str]  # check ids that passed (one per object and check)
    failed: list[dict]  # {"check_id", "check_name", "resource", "file_path"}
    parsing_errors: list[str]  # files checkov could not read
    resource_count: int  # objects checkov checked


def checkov(directory: Path) -> CheckovResult:
    """checkov's Kubernetes checks on ``directory``, offline (``--skip-download``); the checks in
    CHECKOV_SKIPS are not run (checkov then does not list them at all)."""
    binary = checkov_binary()
    assert binary is not None, (
        "checkov is not installed: python3 -m venv .venv/checkov && .venv/checkov/bin/pip install checkov==3.3.30 "
        "(its own virtualenv: checkov pins packaging<24, pulumi needs packaging>=26)"
    )
    command = [
        str(binary), "--skip-download", "--framework", "kubernetes", "-d", str(directory), "-o", "json",
        "--skip-check", ",".join(CHECKOV_SKIPS),
    ]
    # No telemetry or update checks: the run must not depend on the network.
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false", "LOG_LEVEL": "ERROR"}
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"checkov printed no JSON (exit {run.returncode}): {run.stderr[-2000:]}") from None
    reports = report if isinstance(report, list) else [report]
    kubernetes = [r for r in reports if r.get("check_type") == "kubernetes"]
    assert kubernetes, f"checkov ran no Kubernetes checks: {run.stdout[:500]}"
    results = [r["results"] for r in kubernetes]
    return CheckovResult(
        passed=[c["check_id"] for r in results for c in r["passed_checks"]],
        failed=[
            {k: c.get(k) for k in ("check_id", "check_name", "resource", "file_path")}
            for r in results
            for c in r["failed_checks"]
        ],
        parsing_errors=[e for r in results for e in r.get("parsing_errors", [])],
        resource_count=sum(r["summary"]["resource_count"] for r in kubernetes),
    )
