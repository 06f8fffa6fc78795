"""Regenerate the generated parts of README.md (config table, architecture diagram, cost) in place."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stackconfig.docs import readme_table  # noqa: E402


def replace(text: str, marker: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)", re.S)
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def main() -> int:
    readme = ROOT / "README.md"
    text = replace(readme.read_text(encoding="utf-8"), "config", readme_table())
    graph = subprocess.run(
        [sys.executable, "-m", "plan", "graph", "production", "--format", "mermaid"],
        cwd=ROOT, capture_output=True, text=True,
    )
    if graph.returncode == 0:
        text = replace(text, "architecture", "```mermaid\n" + graph.stdout.rstrip("\n") + "\n```\n")
    cost = subprocess.run(
        [sys.executable, "-m", "plan", "cost", "staging", "production"], cwd=ROOT, capture_output=True, text=True,
    )
    if cost.returncode == 0:
        text = replace(text, "cost", "```text\n$ python -m plan cost staging production\n" + cost.stdout + "```\n")
    readme.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
