"""Point 6 of the engine tier: a stack file with an error fails `pulumi preview` before any resource,
with the message `python -m plan show` gives and no Python traceback.

The config model raises before the first resource, so no provider (real or stand-in) is involved.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from plan.harness import ROOT
from tests.e2e.engine import read_events
from tests.e2e.stacks import policy_flags

# (case, line appended to the staging stack file's config block)
BAD_LINES = [
    ("misspelt key", "  webapp-platform:requiredAprovals: 2\n"),
    ("bad domain", "  webapp-platform:domain: Staging.Example.com/app\n"),
    ("secret in plain text", "  webapp-platform:codecovToken: 6f1c1d9e-plain-text\n"),
    ("provider namespace", "  github:owner: someone-else\n"),
    ("approvals out of range", "  webapp-platform:requiredApprovals: 9\n"),
]


def _plan_problems(stack_file) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "plan", "show", "staging", "--stack-file", str(stack_file)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    return [line.strip() for line in done.stderr.splitlines() if line.strip().startswith("- ")]


@pytest.mark.parametrize("case,line", BAD_LINES, ids=[c for c, _ in BAD_LINES])
def test_bad_stack_file_fails_before_any_resource_with_the_plans_message(stack_env, case, line, tmp_path):
    env = stack_env("staging", mutable=True)
    original = env.stack_file.read_text(encoding="utf-8")
    key = line.split(":", 2)[0] + ":" + line.split(":", 2)[1] + ":"  # "  namespace:key:"
    kept = "".join(l for l in original.splitlines(keepends=True) if not l.startswith(key))  # no duplicate key
    text = re.sub(r"(?m)^config:\n", lambda m: m.group(0) + line, kept, count=1)
    assert text != kept, "no config block in the stack file"
    env.stack_file.write_text(text, encoding="utf-8")
    try:
        expected = _plan_problems(env.stack_file)
        events = tmp_path / "events.jsonl"
        flags, _ = policy_flags(env.stack)
        result = env.workdir.preview(env.stack, *flags, event_log=events, check=False)  # what a user sees
    finally:
        env.stack_file.write_text(original, encoding="utf-8")
    assert expected, "plan show gave no problem line"
    assert result.returncode != 0
    missing = [p for p in expected if p not in result.output]
    assert not missing, f"the engine's output lacks {missing}:\n{result.describe()}"
    assert "Traceback" not in result.output and "unhandled exception" not in result.output, result.describe()
    registered = [e["resourcePreEvent"]["metadata"]["urn"] for e in read_events(events) if e.get("resourcePreEvent")]
    assert [u for u in registered if "pulumi:pulumi:Stack" not in u] == [], registered
