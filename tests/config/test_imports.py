"""The config model is plain data: importing it loads no Pulumi SDK, and components never import it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL_MODULES = ["stackconfig.model", "stackconfig.image", "stackconfig.kubernetes", "stackconfig.docs"]


@pytest.mark.parametrize("module", MODEL_MODULES)
def test_the_config_model_imports_no_pulumi(module):
    probe = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "components").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_components_never_import_the_config_model(path):
    assert not [name for name in _imported(path) if name.split(".")[0] == "stackconfig"]
