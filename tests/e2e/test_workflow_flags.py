"""The reader of the workflows' policy-pack flags (workflow_flags.py), on small synthetic workflows."""

from __future__ import annotations

import textwrap

import pytest

from tests.e2e.workflow_flags import policy_runs, preview_flags

ACTION = "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d"


def _write(tmp_path, text: str):
    (tmp_path / "w.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


MATRIX_ACTION = f"""
jobs:
  preview:
    strategy: {{matrix: {{stack: [staging, production]}}}}
    steps:
      - name: preview
        uses: {ACTION}
        with:
          command: preview
          stack-name: ${{{{ matrix.stack }}}}
          policyPacks: policies
          policyPackConfigs: policies/config/${{{{ matrix.stack }}}}.json
"""
SCRIPT = """
jobs:
  up:
    env: {STACK: production}
    steps:
      - name: up
        run: |
          pulumi up --yes --stack "$STACK" \\
            --policy-pack policies --policy-pack-config=policies/config/${STACK}.json > out.txt 2>&1
"""
NO_CONFIG = f"""
jobs:
  up:
    steps:
      - name: up
        uses: {ACTION}
        with: {{command: up, stack-name: staging, policyPacks: policies}}
"""


@pytest.mark.parametrize("text,stack,flags,problems", [
    (MATRIX_ACTION, "staging", ["--policy-pack", "policies", "--policy-pack-config", "policies/config/staging.json"], 0),
    (MATRIX_ACTION, "production", ["--policy-pack", "policies", "--policy-pack-config", "policies/config/production.json"], 0),
    (SCRIPT, "production", [], 1),  # an `up` only: no preview of the stack with the pack
    (NO_CONFIG, "staging", [], 2),  # a pack without its config, and no preview
])
def test_flags_and_problems(tmp_path, text, stack, flags, problems):
    found, issues = preview_flags(_write(tmp_path, text), stack)
    assert found == flags
    assert len(issues) == problems, issues


def test_script_flags_are_read_with_env_and_inline_values(tmp_path):
    (run,) = policy_runs(_write(tmp_path, SCRIPT))
    assert (run.command, run.stack, run.packs, run.configs) == (
        "up", "production", ("policies",), ("policies/config/production.json",))


def test_a_pack_without_config_is_named_with_its_step(tmp_path):
    (run,) = policy_runs(_write(tmp_path, NO_CONFIG))
    assert run.problems() and run.problems()[0].startswith("w.yml: up / up: 1 policy pack(s)")
