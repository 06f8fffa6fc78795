"""``plan show --example-values``: the plan with example placeholders where a preview knows nothing.

The program runs twice: as a preview (the default plan) and as an update under example mocks
(plan/mocks.py). Every value the preview shows as ``"[unknown]"`` and the example run fills in is a
placeholder; the document lists them under ``placeholders`` (``{"urn": URN or None for the stack's
outputs, "path": [key or index, ...]}`` below the resource's ``inputs``), ``plan show`` marks them, and
``plan diff`` treats them as unknown. A StackReference to another stack of this project gets that
stack's own example outputs, so a promoted image is the one the referenced stack builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from plan.mocks import SECRET_SIG, SECRET_VALUE
from stackconfig.errors import ConfigError

UNKNOWN = "[unknown]"
SECRET = "[secret]"


def example_plan(
    stack: str, stack_file: Optional[Path], project_dir: Path, preview: dict, references: list[str],
    *, plan: Callable[..., tuple[dict, list[str]]], _seen: frozenset[str] = frozenset(),
) -> dict:
    """The example-values document of ``stack``, given its preview document and references."""
    outputs = {
        name: _as_stack_outputs(_referenced_outputs(name, project_dir, preview["project"], plan, _seen | {stack}))
        for name in references
    }
    example, _ = plan(stack, stack_file, project_dir, "example", stack_outputs=outputs)
    example["placeholders"] = placeholders(preview, example)
    return example


def _referenced_outputs(
    name: str, project_dir: Path, project: str, plan: Callable[..., tuple[dict, list[str]]], seen: frozenset[str]
) -> dict:
    """Example outputs of the stack a StackReference names: another stack of this project."""
    parts = name.split("/")
    source = parts[-1]
    if len(parts) != 3 or parts[1] != project or source in seen or not (project_dir / f"Pulumi.{source}.yaml").is_file():
        raise ConfigError([
            f"--example-values: the StackReference to '{name}' names no other stack of project '{project}' "
            f"with a stack file here (Pulumi.<stack>.yaml), so its outputs have no example; "
            "plan without --example-values to see them as [unknown]"
        ])
    preview, references = plan(source, None, project_dir, "preview")
    return example_plan(source, None, project_dir, preview, references, plan=plan, _seen=seen)["outputs"]


def _as_stack_outputs(outputs: dict) -> dict:
    """A plan's outputs as a StackReference returns them: secret outputs stay secret."""
    return {key: {SECRET_SIG: SECRET_VALUE, "value": SECRET} if value == SECRET else value for key, value in outputs.items()}


def placeholders(preview: dict, example: dict) -> list[dict]:
    """Where the example run filled in a value the preview does not know."""
    found: list[dict] = []
    before = {r["urn"]: r for r in preview["resources"]}
    for resource in example["resources"]:
        known = before.get(resource["urn"])
        if known is not None:
            found += [{"urn": resource["urn"], "path": p} for p in _filled(known["inputs"], resource["inputs"], [])]
    found += [{"urn": None, "path": p} for p in _filled(preview["outputs"], example["outputs"], [])]
    return found


def _filled(unknown: Any, example: Any, path: list) -> Iterator[list]:
    if unknown == UNKNOWN and example not in (UNKNOWN, SECRET):
        yield path
    elif isinstance(unknown, dict) and isinstance(example, dict):
        for key in sorted(unknown):
            if key in example:
                yield from _filled(unknown[key], example[key], [*path, key])
            elif unknown[key] == UNKNOWN:  # the example resolved it to nothing (e.g. no Vercel team)
                yield [*path, key]
    elif isinstance(unknown, list) and isinstance(example, list) and len(unknown) == len(example):
        for index, (a, b) in enumerate(zip(unknown, example)):
            yield from _filled(a, b, [*path, index])


def is_placeholder(plan: dict, urn: Optional[str], path: list) -> bool:
    """Whether ``path`` (below a resource's inputs, or the outputs when ``urn`` is None) is a placeholder."""
    return any(p["urn"] == urn and path[: len(p["path"])] == p["path"] for p in plan.get("placeholders") or [])


def as_unknown(plan: dict) -> dict:
    """A copy of ``plan`` with every placeholder replaced by ``"[unknown]"`` (what a preview shows)."""
    marks = plan.get("placeholders") or []
    if not marks:
        return plan
    by_urn: dict[Optional[str], list[list]] = {}
    for mark in marks:
        by_urn.setdefault(mark["urn"], []).append(mark["path"])
    resources = [
        {**r, "inputs": _replace(r["inputs"], by_urn[r["urn"]])} if r["urn"] in by_urn else r for r in plan["resources"]
    ]
    return {**plan, "resources": resources, "outputs": _replace(plan.get("outputs") or {}, by_urn.get(None, []))}


def _replace(value: Any, paths: list[list]) -> Any:
    if [] in paths:
        return UNKNOWN
    if isinstance(value, dict):
        absent = {p[0]: UNKNOWN for p in paths if len(p) == 1 and p[0] not in value}
        return {**{k: _replace(v, [p[1:] for p in paths if p[0] == k]) if any(p[0] == k for p in paths) else v
                   for k, v in value.items()}, **absent}
    if isinstance(value, list):
        return [_replace(v, [p[1:] for p in paths if p[0] == i]) if any(p[0] == i for p in paths) else v for i, v in enumerate(value)]
    return value
