"""``python -m plan show STACK``: the resource tree, or the plan document with ``--json``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from plan.harness import run_stack


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("show", help="print the resources a stack declares (offline)")
    parser.add_argument("stack", help="stack name: staging or production")
    parser.add_argument("--stack-file", type=Path, help="use this stack file instead of Pulumi.<stack>.yaml")
    parser.add_argument("--json", action="store_true", help="print the plan document as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    plan = run_stack(args.stack, stack_file=args.stack_file)
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
    lines += [f"  {key}: {value}" for key, value in sorted(plan["outputs"].items())]
    if plan.get("secretsNeeded"):
        lines.append("secrets a real run needs (pulumi config set --secret KEY VALUE -s STACK):")
        lines += [f"  {key}" for key in plan["secretsNeeded"]]
    if plan.get("warnings"):
        lines.append("warnings:")
        lines += [f"  {warning}" for warning in plan["warnings"]]
    return "\n".join(lines) + "\n"
