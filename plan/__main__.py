"""``python -m plan``: the offline plan of a stack, its policy check, diff and diagram.

No credentials, no Pulumi CLI: the real program runs under the SDK's mocks (see plan/harness.py).
Exit codes: 0 success, 1 a mandatory policy is violated (check), 2 bad config or usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from stackconfig.errors import ConfigError

SUBCOMMANDS = ("plan.show", "plan.check", "plan.diff", "plan.graph")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m plan", description=__doc__.splitlines()[0])
    subparsers = root.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        try:
            importlib.import_module(module).register(subparsers)
        except ModuleNotFoundError as err:
            if err.name != module:  # a missing dependency is a real error; a missing subcommand is not yet built
                raise
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
