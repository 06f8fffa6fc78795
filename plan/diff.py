"""``python -m plan diff STACK --base GIT_REF``: how the desired state of a stack changes between a git
ref and the working tree, as Markdown for a pull-request comment.

Both sides are offline plans (``plan show --json``): the base is planned in a fresh export of the ref
(``git archive``) by a separate Python process, so the ref's own program, components and stack file
run, untouched by the working tree's modules. No credentials and no cloud state are involved, which
makes the diff safe to compute for pull requests from forks. It is a *desired-state* diff: what the
program declares, not what a real ``pulumi preview`` would find in the cloud (drift is not visible).

Example placeholders count as unknown (a placeholder-only difference is no change). Resources are
matched by URN: added, removed, updated (with property-level changes) or replaced
(a change to an input the provider cannot update in place, see ``REPLACE_ON_CHANGE``, or to the
resource's provider). Secrets are never shown: the plan carries ``"[secret]"`` in their place, and
inputs whose name says they hold a secret are redacted even if a plan carried a value. The output
stays under ``MAX_CHARS`` (GitHub comments hold 65,536), cut with a note when longer.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from plan.cli import STACK_FILE_HELP, add_stack_command, add_stack_file, read_plan_file

ROOT = Path(__file__).resolve().parents[1]
MAX_CHARS = 60_000
"""Longest Markdown output (a GitHub comment holds 65,536 characters)."""
MAX_VALUE_CHARS = 200
"""Longest rendering of one value in a table cell."""
SECRET = "[secret]"
REDACTED = "[redacted]"
SECRET_INPUT_NAMES = frozenset(
    {"password", "token", "apitoken", "authtoken", "secret", "plaintextvalue", "encryptedvalue", "privatekey", "value_wo", "valuewo"}
)
"""Input names (lower-cased) whose values are secrets whatever the plan says (defense in depth)."""

REPLACE_ON_CHANGE: dict[str, frozenset[str]] = {
    "github:index/repositoryRuleset:RepositoryRuleset": frozenset({"repository"}),
    "github:index/repositoryEnvironment:RepositoryEnvironment": frozenset({"repository", "environment"}),
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": frozenset({"repository", "environment"}),
    "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts": frozenset({"repository"}),
    "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates": frozenset({"repository"}),
    "github:index/actionsSecret:ActionsSecret": frozenset({"repository", "secretName"}),
    "github:index/actionsVariable:ActionsVariable": frozenset({"repository", "variableName"}),
    "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": frozenset({"repository", "environment", "secretName"}),
    "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": frozenset({"repository", "environment", "variableName"}),
    "github:index/repositoryFile:RepositoryFile": frozenset({"repository", "file"}),
    "github:index/branch:Branch": frozenset({"repository", "branch"}),
    "github:index/branchProtection:BranchProtection": frozenset({"repositoryId"}),
    "github:index/repositoryPullRequest:RepositoryPullRequest": frozenset({"baseRepository"}),
    "vercel:index/project:Project": frozenset({"teamId"}),
    "vercel:index/projectDomain:ProjectDomain": frozenset({"projectId", "teamId", "domain"}),
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": frozenset({"projectId", "teamId"}),
    "sentry:index/sentryTeam:SentryTeam": frozenset({"organization"}),
    "sentry:index/sentryProject:SentryProject": frozenset({"organization"}),
    "sentry:index/sentryKey:SentryKey": frozenset({"organization", "project"}),
}
"""Inputs (top-level, camelCase) that the provider cannot change in place: a change replaces the
resource. Kubernetes objects are replaced when ``metadata.name`` or ``metadata.namespace`` changes."""

ChangeKind = Literal["add", "remove", "update", "replace"]
_MARK = {"add": "+ add", "remove": "- remove", "update": "~ update", "replace": "+- replace"}


class DiffInputError(ValueError):
    """Input `plan diff` cannot use (bad ref, failing base plan, unreadable file)."""


@dataclass(frozen=True)
class PropertyChange:
    """One changed input (or resource option) of a resource."""

    path: str
    """Dotted path (``rules.pullRequest.requiredApprovingReviewCount``); options as ``(protect)``."""
    before: Any
    """Value in the base plan (``_ABSENT`` when the input was not set)."""
    after: Any
    """Value in the head plan (``_ABSENT`` when the input is no longer set)."""
    replaces: bool = False
    """The change forces a replacement."""


@dataclass
class ResourceChange:
    """How one resource changes."""

    kind: ChangeKind
    """add, remove, update or replace."""
    urn: str
    """Resource URN (head's, or base's for a removal)."""
    type: str
    """Type token."""
    name: str
    """Logical name."""
    changes: list[PropertyChange] = field(default_factory=list)
    """Property-level changes (for updates and replacements)."""


class _Absent:
    def __repr__(self) -> str:
        return "(not set)"


_ABSENT: Any = _Absent()


# --- diffing -------------------------------------------------------------------------------------------


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    """Leaves of ``value`` by path: objects are walked, lists of objects by index; scalars and lists
    of scalars are leaves (a reordered ``targets`` list is one change, not several)."""
    if isinstance(value, dict) and value:
        for key in sorted(value):
            _flatten(value[key], f"{path}.{key}" if path else key, out)
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        for index, item in enumerate(value):
            _flatten(item, f"{path}[{index}]", out)
    else:
        out[path] = value


def _leaves(inputs: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _flatten(inputs, "", out)
    return out


def _top_key(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def _forces_replace(type_: str, path: str) -> bool:
    if type_.startswith("kubernetes:"):
        return path in ("metadata.name", "metadata.namespace")
    return _top_key(path) in REPLACE_ON_CHANGE.get(type_, frozenset())


def _resource_changes(before: dict, after: dict) -> list[PropertyChange]:
    old, new = _leaves(before.get("inputs") or {}), _leaves(after.get("inputs") or {})
    changes = [
        PropertyChange(path, old.get(path, _ABSENT), new.get(path, _ABSENT), _forces_replace(after["type"], path))
        for path in sorted(set(old) | set(new))
        if old.get(path, _ABSENT) != new.get(path, _ABSENT)
    ]
    for option in ("protect", "retainOnDelete"):
        if bool(before.get(option)) != bool(after.get(option)):
            changes.append(PropertyChange(f"({option})", bool(before.get(option)), bool(after.get(option))))
    if (before.get("provider") or "") != (after.get("provider") or ""):
        changes.append(PropertyChange("(provider)", before.get("provider"), after.get("provider"), replaces=True))
    return changes


def diff_plans(base: dict, head: dict) -> list[ResourceChange]:
    """Resource changes from ``base`` to ``head``, in head order (removals last, in base order).

    Example placeholders (``plan show --example-values``) count as ``"[unknown]"``: a difference
    between placeholders, or between a placeholder and an unknown, is no change."""
    from plan.examples import as_unknown

    base, head = as_unknown(base), as_unknown(head)
    old = {r["urn"]: r for r in base.get("resources", [])}
    new = {r["urn"]: r for r in head.get("resources", [])}
    result: list[ResourceChange] = []
    for urn, resource in new.items():
        if urn not in old:
            result.append(ResourceChange("add", urn, resource["type"], resource["name"]))
            continue
        changes = _resource_changes(old[urn], resource)
        if changes:
            kind: ChangeKind = "replace" if any(c.replaces for c in changes) else "update"
            result.append(ResourceChange(kind, urn, resource["type"], resource["name"], changes))
    result += [ResourceChange("remove", urn, r["type"], r["name"]) for urn, r in old.items() if urn not in new]
    return result


# --- rendering -------------------------------------------------------------------------------------------


def _is_secret_path(path: str) -> bool:
    leaf = path.rsplit(".", 1)[-1].split("[", 1)[0].strip("()").lower()
    return leaf in SECRET_INPUT_NAMES


def _cell(value: Any, path: str) -> str:
    """A value as a Markdown table cell; secrets never shown."""
    if value is _ABSENT:
        return "<i>not set</i>"
    if isinstance(value, str) and value in (SECRET, "[unknown]"):
        return f"<code>{value}</code>"
    if _is_secret_path(path):
        return f"<code>{REDACTED}</code>"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return "<code>" + html.escape(text).replace("|", "&#124;").replace("\n", "↵") + "</code>"


def _short_type(type_: str) -> str:
    package = type_.split(":", 1)[0]
    return f"{package}:{type_.rsplit(':', 1)[-1]}"


def _detail(change: ResourceChange) -> str:
    rows = "\n".join(
        f"| <code>{html.escape(c.path)}</code>{' (forces replace)' if c.replaces else ''} | {_cell(c.before, c.path)} | {_cell(c.after, c.path)} |"
        for c in change.changes
    )
    return (
        f"<details><summary><b>{_MARK[change.kind]}</b> <code>{html.escape(change.name)}</code> "
        f"({_short_type(change.type)}): {len(change.changes)} propert{'y' if len(change.changes) == 1 else 'ies'}</summary>\n\n"
        f"| Property | Before | After |\n|---|---|---|\n{rows}\n\n</details>\n"
    )


def render_markdown(stack: str, base_label: str, head_label: str, changes: list[ResourceChange],
                    counts: tuple[int, int], limit: int = MAX_CHARS) -> str:
    """The diff as Markdown, at most ``limit`` characters; when cut, a note says what is missing."""
    by_kind = {k: sum(1 for c in changes if c.kind == k) for k in _MARK}
    header = (
        f"### Plan diff of `{stack}`: {base_label} → {head_label}\n\n"
        f"**{by_kind['add']} to add, {by_kind['remove']} to remove, {by_kind['update']} to update, "
        f"{by_kind['replace']} to replace** ({counts[0]} → {counts[1]} resources). "
        "Desired state from the offline plans, no cloud state read; secrets show as <code>[secret]</code>, "
        "so a change of a secret value is not visible here.\n\n"
    )
    if not changes:
        return header + "No changes.\n"
    table = ["| | Resource | Type |\n|---|---|---|\n"]
    rows = [f"| {_MARK[c.kind]} | <code>{html.escape(c.name)}</code> | <code>{html.escape(c.type)}</code> |\n" for c in changes]
    details = [_detail(c) for c in changes if c.changes]
    sections = [(header, ""), (table[0], "")] + [(r, "row") for r in rows] + [("\n", "")] + [(d, "detail") for d in details]
    out: list[str] = []
    used, shown = 0, {"row": 0, "detail": 0}
    reserve = 400  # room for the note that says the output was cut
    for text, kind in sections:
        if used + len(text) > limit - reserve:
            break
        out.append(text)
        used += len(text)
        if kind:
            shown[kind] += 1
    else:
        return "".join(out)
    note = (
        f"\n**Output cut at {limit:,} characters**: {shown['row']} of {len(changes)} resource changes listed, "
        f"{shown['detail']} of {len(details)} shown in detail. Run `python -m plan diff {stack} --base <ref>` "
        "locally for the full diff.\n"
    )
    return "".join(out) + note


# --- plans of a git ref ------------------------------------------------------------------------------------


def _git(args: list[str], cwd: Path, *, binary: bool = False) -> Any:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=not binary, timeout=120)
    if proc.returncode != 0:
        err = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode(errors="replace")
        raise DiffInputError(f"git {' '.join(args)} failed: {err.strip().splitlines()[-1] if err.strip() else proc.returncode}")
    return proc.stdout


def export_ref(ref: str, project_dir: Path, dest: Path) -> Path:
    """Extract the tree of ``ref`` into ``dest``; returns the project folder inside it."""
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], project_dir)
    except DiffInputError:
        raise DiffInputError(f"'{ref}' is not a commit in the git repository at {project_dir}") from None
    prefix = _git(["rev-parse", "--show-prefix"], project_dir).strip()
    archive = _git(["archive", "--format=tar", ref], Path(_git(["rev-parse", "--show-toplevel"], project_dir).strip()), binary=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest / prefix


def plan_at_ref(ref: str, stack: str, project_dir: Path = ROOT) -> dict:
    """The plan of ``stack`` as committed at ``ref``, planned by the ref's own code in a subprocess."""
    with tempfile.TemporaryDirectory(prefix="plan-diff-") as tmp:
        tree = export_ref(ref, project_dir, Path(tmp))
        if not (tree / "plan").is_dir():
            raise DiffInputError(f"'{ref}' has no offline plan (no plan/ package): it predates `python -m plan`")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        proc = subprocess.run(
            [sys.executable, "-m", "plan", "show", stack, "--json"],
            cwd=tree, env=env, capture_output=True, text=True, timeout=600,
        )
        if proc.returncode != 0:
            detail = "\n".join(proc.stderr.strip().splitlines()[-8:])
            raise DiffInputError(f"planning '{stack}' at '{ref}' failed (exit {proc.returncode}):\n{detail}")
        try:
            return json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise DiffInputError(f"planning '{stack}' at '{ref}' did not print a plan document") from None


# --- CLI ------------------------------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_stack_command(subparsers, "diff")
    base = parser.add_mutually_exclusive_group(required=True)
    base.add_argument("--base", metavar="GIT_REF", help="git ref to compare against (e.g. origin/main)")
    base.add_argument("--base-file", type=Path, help="plan document (plan show --json) of the base")
    parser.add_argument("--head-file", type=Path, help="plan document of the head instead of planning the working tree")
    add_stack_file(parser, help="head: " + STACK_FILE_HELP)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        base = read_plan_file(args.base_file, DiffInputError) if args.base_file else plan_at_ref(args.base, args.stack)
        if args.head_file:
            head = read_plan_file(args.head_file, DiffInputError)
        else:
            from plan.harness import run_stack

            head = run_stack(args.stack, stack_file=args.stack_file)
    except DiffInputError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    base_label = f"`{args.base}`" if args.base else f"`{args.base_file.name}`"
    head_label = f"`{args.head_file.name}`" if args.head_file else "working tree"
    changes = diff_plans(base, head)
    counts = (len(base["resources"]), len(head["resources"]))
    sys.stdout.write(render_markdown(args.stack, base_label, head_label, changes, counts))
    return 0
