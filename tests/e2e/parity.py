"""Resource-by-resource comparison of a real `pulumi preview --json` with `python -m plan show --json`.

Both sides are reduced to the same record per URN: type, parent, provider, protect, dependencies
and inputs. The preview's wire forms are mapped to the plan's (documented in CONTRACTS.md):
- the engine's unknown value `04da6b54-...` is the plan's `"[unknown]"`; secrets are `"[secret]"`
  on both sides;
- a provider reference `URN::ID` is compared by its URN (the ID of a provider being created is not
  known in a preview);
- a resource on a *default* provider (`...::default_<version>`) has no explicit provider: the plan
  says `null`;
- keys starting with `__` (the dynamic provider's pickled `__provider`) are internal on both sides;
- a value the preview read from outside the program (an invoke's answer, another stack's output: the
  ``external`` values the test served) is `"[unknown]"` in the offline plan, which reads neither: that
  pair, and only that, is no difference.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

UNKNOWN_WIRE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN = "[unknown]"
FIELDS = ("type", "parent", "provider", "protect", "dependencies", "inputs")


def _value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _value(v) for k, v in sorted(value.items()) if not k.startswith("__")}
    if isinstance(value, list):
        return [_value(v) for v in value]
    if value == UNKNOWN_WIRE:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _provider(reference: str | None) -> str | None:
    if not reference:
        return None
    urn = reference.rsplit("::", 1)[0] if reference.count("::") > 3 else reference
    return None if urn.rsplit("::", 1)[-1].startswith("default") else urn


def from_preview(digest: dict) -> dict[str, dict]:
    """URN -> record, from the steps of `pulumi preview --json` (new state of each step)."""
    records = {}
    for step in digest.get("steps") or []:
        state = step.get("newState") or {}
        if not state:
            continue
        records[state["urn"]] = {
            "type": state["type"],
            "parent": state.get("parent") or None,
            "provider": _provider(state.get("provider")),
            "protect": bool(state.get("protect")),
            "dependencies": sorted(set(state.get("dependencies") or [])),
            "inputs": _value(state.get("inputs") or {}),
        }
    return records


def from_plan(plan: dict) -> dict[str, dict]:
    """URN -> record, from `plan show --json`."""
    return {
        r["urn"]: {
            "type": r["type"],
            "parent": r.get("parent"),
            "provider": r.get("provider"),
            "protect": bool(r.get("protect")),
            "dependencies": sorted(set(r.get("dependencies") or [])),
            "inputs": _value(r.get("inputs") or {}),
        }
        for r in plan["resources"]
    }


def _walk(path: str, preview: Any, plan: Any, external: frozenset = frozenset()) -> Iterable[str]:
    if isinstance(preview, dict) and isinstance(plan, dict):
        for key in sorted(set(preview) | set(plan)):
            sub = f"{path}.{key}" if path else key
            if key not in plan:
                yield f"{sub}: only in the preview = {json.dumps(preview[key])[:200]}"
            elif key not in preview:
                yield f"{sub}: only in the plan = {json.dumps(plan[key])[:200]}"
            else:
                yield from _walk(sub, preview[key], plan[key], external)
    elif isinstance(preview, list) and isinstance(plan, list) and len(preview) == len(plan):
        for index, (a, b) in enumerate(zip(preview, plan)):
            yield from _walk(f"{path}[{index}]", a, b, external)
    elif plan == UNKNOWN and isinstance(preview, str) and preview in external:
        return
    elif preview != plan:
        yield f"{path}: preview {json.dumps(preview)[:200]} != plan {json.dumps(plan)[:200]}"


def differences(preview: dict[str, dict], plan: dict[str, dict], external: Iterable[str] = ()) -> list[str]:
    """Every difference, one readable line each (empty when the two agree). ``external``: the values
    the preview read from outside the program (see the module docstring)."""
    external = frozenset(external)
    lines = [f"{urn}: declared by the preview only" for urn in sorted(set(preview) - set(plan))]
    lines += [f"{urn}: declared by the plan only" for urn in sorted(set(plan) - set(preview))]
    for urn in sorted(set(preview) & set(plan)):
        for field in FIELDS:
            lines += [f"{urn}: {line}" for line in _walk(field, preview[urn][field], plan[urn][field], external)]
    return lines
