"""The policy-pack flags this repository's workflows pass to `pulumi preview` / `pulumi up`.

Read out of `.github/workflows/*.yml`, never copied: a `pulumi/actions` step (`command`, `stack-name`,
`policyPacks`, `policyPackConfigs`: one entry per line or comma, matched by position, as the action
does) or a `run:` script calling `pulumi preview|up` with `--policy-pack`/`--policy-pack-config`.
`${{ matrix.X }}` expands over the job's matrix; `$VAR` in a script from the step's, job's or
workflow's `env`.
"""

from __future__ import annotations

import itertools
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

ACTION = "pulumi/actions@"
COMMANDS = {"preview", "up", "update"}


@dataclass(frozen=True)
class PolicyRun:
    """One workflow step that runs the engine on a stack, with the policy packs it passes."""

    where: str
    """`file: job / step`, for messages."""
    command: str
    stack: str
    packs: tuple[str, ...]
    configs: tuple[str, ...]

    def flags(self) -> list[str]:
        """The CLI flags these inputs become (pulumi/actions passes them to the CLI the same way)."""
        out: list[str] = []
        for pack in self.packs:
            out += ["--policy-pack", pack]
        for config in self.configs:
            out += ["--policy-pack-config", config]
        return out

    def problems(self) -> list[str]:
        """Why the engine would refuse this run's pack (policy config required but not passed)."""
        if len(self.configs) != len(self.packs):
            return [f"{self.where}: {len(self.packs)} policy pack(s) {list(self.packs)} but "
                    f"{len(self.configs)} config file(s) {list(self.configs)}; every pack needs its "
                    f"policies/config/<stack>.json (policyPackConfigs / --policy-pack-config)"]
        return []


def _items(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    text = "\n".join(value) if isinstance(value, list) else str(value)
    return tuple(part.strip() for line in text.splitlines() for part in line.split(",") if part.strip())


def _matrix_rows(job: dict) -> list[dict[str, str]]:
    matrix = ((job.get("strategy") or {}).get("matrix") or {})
    axes = {k: v for k, v in matrix.items() if isinstance(v, list)}
    if not axes:
        return [{}]
    keys = sorted(axes)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(axes[k] for k in keys))]


def _expand(text: str, matrix: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*matrix\.(\w+)\s*\}\}", lambda m: str(matrix.get(m.group(1), m.group(0))), text)


def _shell_vars(text: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), text)


def _script_runs(script: str, env: dict[str, str]) -> Iterator[tuple[str, str, list[str], list[str]]]:
    joined = re.sub(r"\\\n\s*", " ", script)
    for line in joined.splitlines():
        match = re.search(r"\bpulumi\s+(preview|up|update)\b(.*)", line)
        if not match or "--policy-pack" not in line:  # only runs with a pack matter here
            continue
        lexer = shlex.shlex(_shell_vars(match.group(2), env), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(itertools.takewhile(lambda w: w not in (">", ">>", "|", "||", "&&", ";", "2>&1"), lexer))
        stack, packs, configs = "", [], []
        for i, word in enumerate(words):
            name, _, inline = word.partition("=")
            value = inline or (words[i + 1] if i + 1 < len(words) else "")
            if name in ("--stack", "-s"):
                stack = value
            elif name == "--policy-pack":
                packs.append(value)
            elif name == "--policy-pack-config":
                configs.append(value)
        yield match.group(1), stack, packs, configs


def policy_runs(workflows: Path) -> list[PolicyRun]:
    """Every engine run of every workflow, one per matrix row."""
    runs: list[PolicyRun] = []
    for path in sorted(workflows.glob("*.y*ml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        top_env = document.get("env") or {}
        for job_id, job in (document.get("jobs") or {}).items():
            for row in _matrix_rows(job):
                env = {k: _expand(str(v), row) for k, v in {**top_env, **(job.get("env") or {})}.items()}
                for index, step in enumerate(job.get("steps") or []):
                    where = f"{path.name}: {job_id} / {step.get('name') or f'step {index + 1}'}"
                    runs += _step_runs(step, where, row, env)
    return runs


def _step_runs(step: dict, where: str, row: dict, env: dict[str, str]) -> list[PolicyRun]:
    inputs = step.get("with") or {}
    if str(step.get("uses", "")).startswith(ACTION) and inputs.get("command") in COMMANDS:
        return [PolicyRun(
            where, str(inputs["command"]), _expand(str(inputs.get("stack-name", "")), row),
            tuple(_expand(p, row) for p in _items(inputs.get("policyPacks"))),
            tuple(_expand(c, row) for c in _items(inputs.get("policyPackConfigs"))),
        )]
    if "run" in step:
        step_env = {**env, **{k: _expand(str(v), row) for k, v in (step.get("env") or {}).items()}}
        return [PolicyRun(where, command, stack, tuple(packs), tuple(configs))
                for command, stack, packs, configs in _script_runs(_expand(step["run"], row), step_env)
                if packs]
    return []


def preview_flags(workflows: Path, stack: str) -> tuple[list[str], list[str]]:
    """(flags, problems): the policy flags the workflows pass when they preview ``stack``.

    Problems: no workflow previews the stack with the pack; a pack without its config; two runs of
    the same stack passing different flags (the preview would then prove nothing about the up)."""
    runs = [r for r in policy_runs(workflows) if r.stack == stack and r.packs]
    problems = [p for r in runs for p in r.problems()]
    previews = [r for r in runs if r.command == "preview"]
    if not previews:
        return [], problems + [f"no workflow runs `pulumi preview` of stack {stack!r} with a policy pack"]
    flags = previews[0].flags()
    problems += [f"{r.where} passes {r.flags()}, but {previews[0].where} passes {flags}"
                 for r in runs[1:] if r.flags() != flags]
    return flags, problems
