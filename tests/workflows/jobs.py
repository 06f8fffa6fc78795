"""Jobs of a workflow as they run: one variant per matrix combination, with the environment, the
secrets and the Pulumi / plan commands of that variant resolved.

What it resolves: ``${{ matrix.X }}`` in the job's ``environment`` and ``env``, and ``$NAME`` /
``${NAME}`` in ``run:`` scripts from the job's and the step's ``env`` (after the matrix). That is
enough for the shapes the workflows use (``environment: drift-${{ matrix.stack }}``, ``STACK:
${{ matrix.stack }}``, ``pulumi preview --stack "$STACK"``); a value it cannot resolve stays as
written, so a rule comparing it with a literal fails instead of passing by accident.
"""

from __future__ import annotations

import itertools
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from policies.rules.workflow_files import references_in

MATRIX = re.compile(r"\$\{\{\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")
SHELL_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
PULUMI = re.compile(r"^pulumi\s+(preview|up|destroy|refresh|import)\b")
PLAN_CHECK = re.compile(r"^(?:\S*/)?python3?\s+-m\s+plan\s+check\b")


@dataclass(frozen=True)
class Command:
    """One ``pulumi`` or ``python -m plan check`` command of a step."""

    step: str
    """Name of the step it runs in."""
    argv: tuple[str, ...]
    """Its words, variables substituted."""

    @property
    def verb(self) -> str:
        return "plan-check" if PLAN_CHECK.match(" ".join(self.argv)) else self.argv[1]

    def option(self, *names: str) -> Optional[str]:
        for index, word in enumerate(self.argv):
            for name in names:
                if word == name and index + 1 < len(self.argv):
                    return self.argv[index + 1]
                if word.startswith(name + "="):
                    return word.split("=", 1)[1]
        return None

    @property
    def stack(self) -> Optional[str]:
        if self.verb == "plan-check":
            words = [w for w in self.argv[4:] if not w.startswith("-")]
            return words[0] if words else None
        return self.option("--stack", "-s")


@dataclass(frozen=True)
class JobRun:
    """One variant of a job."""

    workflow: str
    job_id: str
    triggers: frozenset[str]
    environment: Optional[str]
    secrets: frozenset[str]
    """Every ``secrets.X`` the job reads (upper case), GITHUB_TOKEN excluded."""
    commands: tuple[Command, ...]
    actions: tuple[Mapping[str, Any], ...] = field(default=())
    """Steps that use an action (``uses:``)."""


def _matrix_variants(job: Mapping[str, Any]) -> list[dict[str, str]]:
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    axes = {k: v for k, v in matrix.items() if k not in ("include", "exclude") and isinstance(v, list)}
    if not axes:
        return [{}]
    keys = sorted(axes)
    return [dict(zip(keys, map(str, values))) for values in itertools.product(*(axes[k] for k in keys))]


def _expand(value: Any, matrix: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return MATRIX.sub(lambda m: matrix.get(m.group(1), m.group(0)), value)
    return value


def _environment(job: Mapping[str, Any], matrix: Mapping[str, str]) -> Optional[str]:
    environment = job.get("environment")
    name = environment.get("name") if isinstance(environment, Mapping) else environment
    return _expand(name, matrix) if name is not None else None


def _commands(script: str, env: Mapping[str, str], step: str) -> Iterator[Command]:
    joined = re.sub(r"\\\n\s*", " ", script)
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = SHELL_VAR.sub(lambda m: env.get(m.group(1), m.group(0)), line)
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        # A command may follow `if !`, `status=0;` or sit in a pipeline: look at each segment.
        segment: list[str] = []
        for word in [*words, "|"]:
            if word in ("|", "||", "&&", ";", "!", "then", "if", "do"):
                text = " ".join(segment)
                if PULUMI.match(text) or PLAN_CHECK.match(text):
                    yield Command(step, tuple(segment))
                segment = []
            else:
                segment.append(word)


def job_runs(workflow: str, doc: Mapping[str, Any]) -> list[JobRun]:
    """Every variant of every job of a parsed workflow."""
    on = doc.get("on", {})
    triggers = frozenset([on] if isinstance(on, str) else list(on))
    shared_env = {k: str(v) for k, v in (doc.get("env") or {}).items()}
    runs: list[JobRun] = []
    for job_id, job in (doc.get("jobs") or {}).items():
        secrets = frozenset(
            r.name for r in references_in({k: v for k, v in {**doc, **job}.items() if k not in ("on", "jobs")})
            | references_in(job)
            if r.context == "secrets" and r.name != "GITHUB_TOKEN"
        )
        for matrix in _matrix_variants(job):
            job_env = {**shared_env, **{k: str(_expand(v, matrix)) for k, v in (job.get("env") or {}).items()}}
            commands: list[Command] = []
            actions: list[Mapping[str, Any]] = []
            for step in job.get("steps") or []:
                if "uses" in step:
                    actions.append(step)
                if isinstance(step.get("run"), str):
                    env = {**job_env, **{k: str(_expand(v, matrix)) for k, v in (step.get("env") or {}).items()}}
                    commands += _commands(step["run"], env, str(step.get("name", "")))
            runs.append(
                JobRun(workflow, str(job_id), triggers, _environment(job, matrix), secrets, tuple(commands), tuple(actions))
            )
    return runs
