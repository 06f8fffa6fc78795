"""zizmor (PyPI, ``--offline``, default persona) reports nothing on every workflow of both
repositories and on both Dependabot configs. A finding may only be silenced inline, with
``# zizmor: ignore[<audit>] reason: <why>`` beside it; the silenced ones are listed here (and in the
README's "Delivery" section), so a new one is a deliberate change. A broken sample proves zizmor
really audits the files it is given.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.workflows.shared import APP_REPO_FILES, ROOT, rel, workflow_files

ZIZMOR = Path(sys.executable).with_name("zizmor")
AUDITED = [*workflow_files(), ROOT / ".github" / "dependabot.yml", APP_REPO_FILES / "dependabot.yml"]
IGNORE = re.compile(r"#\s*zizmor:\s*ignore\[(?P<audits>[^\]]+)\](?P<rest>.*)$")
SILENCED = {
    (".github/workflows/pr-comment.yml", "dangerous-triggers"),
    ("templates/app-workflows/preview.yml", "dangerous-triggers"),
}
"""Every inline ignore: (file, audit). Both are workflow_run workflows that run no pull-request code."""


def zizmor(paths: list[Path]) -> list[dict]:
    assert ZIZMOR.is_file(), f"{ZIZMOR} is missing: install requirements.lock"
    result = subprocess.run(
        [str(ZIZMOR), "--offline", "--format", "json", "--no-progress", *map(str, paths)],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )
    assert result.stdout.strip().startswith("["), f"zizmor did not run: {result.stderr[-2000:]}"
    return json.loads(result.stdout)


def describe(finding: dict) -> str:
    places = []
    for location in finding.get("locations", []):
        path = next(iter(location["symbolic"]["key"].values()), {}).get("verbatim_path", "?")
        places.append(f"{path}:{location['concrete']['location']['start_point']['row'] + 1}")
    return f"{', '.join(places) or '?'}: {finding['ident']} ({finding['desc']})"


def test_zizmor_reports_nothing() -> None:
    findings = zizmor(AUDITED)
    assert findings == [], "\n".join(map(describe, findings))


def test_zizmor_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request_target\npermissions: write-all\njobs:\n  b:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )
    idents = {finding["ident"] for finding in zizmor([broken])}
    assert {"template-injection", "dangerous-triggers", "unpinned-uses"} <= idents


def test_every_silenced_finding_is_listed_with_a_reason() -> None:
    silenced = set()
    for path in AUDITED:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = IGNORE.search(line)
            if not match:
                continue
            reason = re.match(r"\s*reason:\s*(\S.{19,})", match["rest"])
            assert reason, f"{rel(path)}:{number}: an inline zizmor ignore needs `reason: <why>` (20+ characters)"
            silenced |= {(rel(path), audit.strip()) for audit in match["audits"].split(",")}
    assert silenced == SILENCED
