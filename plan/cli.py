"""What the subcommands of ``python -m plan`` share: the STACK and --stack-file arguments, reading a plan file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Optional

STACK_FILE_HELP = "use this stack file instead of Pulumi.<stack>.yaml"


# What each subcommand that plans one STACK says of itself: (one-line help, description of its page).
STACK_COMMANDS: dict[str, tuple[str, Optional[str]]] = {
    "show": ("print the resources a stack declares (offline)", None),
    "check": (
        "run the policy pack and the provider-schema check against a stack's plan (offline)",
        "Run every policy of the CrossGuard pack and the provider-schema check against the "
        "offline plan of STACK. Exit 1 when a mandatory policy is violated, 2 on bad input.",
    ),
    "diff": (
        "desired-state diff of a stack between a git ref and the working tree, as Markdown (offline)",
        "Markdown diff of what STACK declares at a git ref (or in a plan file) and in the "
        "working tree. No credentials needed.",
    ),
    "graph": (
        "architecture diagram of a stack from its resource graph (offline)",
        "Draw the components of STACK and the wiring between them from the offline plan.",
    ),
}


def add_stack_command(subparsers: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    """The parser of subcommand ``name`` (a key of STACK_COMMANDS), with its positional STACK argument."""
    help, description = STACK_COMMANDS[name]
    parser = subparsers.add_parser(name, help=help, description=description)
    parser.add_argument("stack", help="stack name: staging or production")
    return parser


def add_stack_file(parser: argparse.ArgumentParser, help: str = STACK_FILE_HELP) -> None:
    """``--stack-file``: plan this file instead of the stack's own Pulumi.<stack>.yaml."""
    parser.add_argument("--stack-file", type=Path, help=help)


def read_plan_file(path: Path, error: type[Exception]) -> dict[str, Any]:
    """The plan document (from ``plan show --json``) in ``path``; ``error`` is raised, with a message
    naming the file, when it cannot be read or is not a plan document."""
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise error(f"cannot read plan file {path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise error(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(plan, dict) or not isinstance(plan.get("resources"), list):
        raise error(f"{path}: expected a plan document from `python -m plan show STACK --json`")
    return plan
