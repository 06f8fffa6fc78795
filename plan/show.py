"""``python -m plan show STACK``: the resource tree, or the plan document with ``--json``.

By default values are what a real ``pulumi preview`` knows (``"[unknown]"`` elsewhere);
``--example-values`` fills those in with example placeholders, marked as such in the tree.
"""

from __future__ import annotations

import argparse
import json
import sys

from plan.cli import add_stack_command, add_stack_file
from plan.harness import run_stack

PLACEHOLDER_MARK = "  (example placeholder)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_stack_command(subparsers, "show")
    add_stack_file(parser)
    parser.add_argument("--json", action="store_true", help="print the plan document as JSON")
    parser.add_argument(
        "--example-values", action="store_true",
        help="show deterministic example placeholders instead of [unknown] (for docs and diagrams)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    plan = run_stack(args.stack, stack_file=args.stack_file, values="example" if args.example_values else "preview")
    sys.stdout.write(to_json(plan) if args.json else tree(plan))
    return 0


def to_json(plan: dict) -> str:
    """Stable JSON: sorted keys, so two runs of one stack are byte-identical."""
    return json.dumps(plan, indent=2, sort_keys=True) + "\n"


def tree(plan: dict) -> str:
    children: dict[str | None, list[dict]] = {}
    for resource in plan["resources"]:
        children.setdefault(resource["parent"], []).append(resource)
    lines = [f"{plan['project']} / {plan['stack']}: {len(plan['resources'])} resources"]

    def walk(parent: str | None, depth: int) -> None:
        for resource in children.get(parent, []):
            marks = " [protect]" if resource["protect"] else ""
            lines.append(f"{'  ' * depth}{resource['type']}  {resource['name']}{marks}")
            walk(resource["urn"], depth + 1)

    walk(None, 1)
    lines.append("outputs:")
    placeholders = {tuple(p["path"]) for p in plan.get("placeholders") or [] if p["urn"] is None}
    lines += [
        f"  {key}: {value}{PLACEHOLDER_MARK if any(path[:1] == (key,) for path in placeholders) else ''}"
        for key, value in sorted(plan["outputs"].items())
    ]
    if placeholders:
        lines.append(f"{PLACEHOLDER_MARK.strip()}: an example value; a real preview shows it as [unknown]")
    if plan.get("secretsNeeded"):
        lines.append("secrets a real run needs (pulumi config set --secret KEY VALUE -s STACK):")
        lines += [f"  {key}" for key in plan["secretsNeeded"]]
    if plan.get("warnings"):
        lines.append("warnings:")
        lines += [f"  {warning}" for warning in plan["warnings"]]
    return "\n".join(lines) + "\n"
