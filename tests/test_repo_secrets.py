"""detect-secrets finds no secret in the files this repository tracks beyond the audited baseline.

`.secrets.baseline` lists the reviewed false positives (comparisons with the "[secret]" placeholder,
commit SHAs, fake test credentials); a new finding anywhere fails. Regenerate after review with
`detect-secrets scan $(git ls-files) > .secrets.baseline`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

# Files whose findings may be audited false positives: tests and policy code, never config or the image.
MAY_HOLD_FALSE_POSITIVES = ("tests/", "policies/rules/")


def tracked_files(root: Path) -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line and (root / line).is_file() and line != ".secrets.baseline"]


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is missing: make tools installs it (requirements-dev.txt)"
    return found


def findings_of(report: dict) -> set[tuple[str, str, str]]:
    """(file, type, hashed secret): line numbers move with every edit, the secrets do not."""
    return {(path, f["type"], f["hashed_secret"]) for path, items in report["results"].items() for f in items}


def test_no_new_secret_in_tracked_files(root):
    files = tracked_files(root)
    assert len(files) > 50
    result = subprocess.run([tool("detect-secrets"), "scan", *files], cwd=root, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    baseline = json.loads((root / ".secrets.baseline").read_text(encoding="utf-8"))
    new = findings_of(json.loads(result.stdout)) - findings_of(baseline)
    assert not new, f"possible secrets not in the audited baseline: {sorted(new)}"


def test_baseline_only_excuses_tests_and_policy_code(root):
    findings = json.loads((root / ".secrets.baseline").read_text(encoding="utf-8"))["results"]
    assert all(path.startswith(MAY_HOLD_FALSE_POSITIVES) for path in findings), sorted(findings)


def test_the_scanner_does_find_a_planted_secret(tmp_path):
    planted = tmp_path / "leak.py"
    planted.write_text('aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY1"\n', encoding="utf-8")
    result = subprocess.run([tool("detect-secrets"), "scan", str(planted)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert json.loads(result.stdout)["results"], "detect-secrets should flag a planted key"
