"""``python -m plan``: the offline plan of a stack, its policy check, diff and diagram.

No credentials, no Pulumi CLI: the real program runs under the SDK's mocks (see plan/harness.py).
Exit codes: 0 success, 1 a mandatory policy is violated (check), 2 bad config or usage.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys

from stackconfig.errors import ConfigError

SUBCOMMANDS = ("show", "check", "diff", "graph", "cost")


def parser(argv: list[str]) -> argparse.ArgumentParser:
    """Only the named subcommand's module is imported (each pulls its own dependencies), so
    ``plan show`` does not pay for the policy pack; ``--help`` and errors import them all."""
    root = argparse.ArgumentParser(prog="python -m plan", description=__doc__.splitlines()[0])
    subparsers = root.add_subparsers(dest="command", required=True)
    chosen = [name for name in SUBCOMMANDS if argv[:1] == [name]] or list(SUBCOMMANDS)
    for module in (f"plan.{name}" for name in chosen):
        try:
            importlib.import_module(module).register(subparsers)
        except ModuleNotFoundError as err:
            if err.name != module:  # a missing dependency is a real error; a missing subcommand is not yet built
                raise
    return root


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv).parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2


if __name__ == "__main__":
    # One short run: nearly all it allocates (the SDKs' million objects first) lives until exit, so
    # the collector's passes over them buy nothing (about 0.1 s of CPU). Only the command line does
    # this; tests that plan many stacks in one process keep the collector.
    gc.disable()
    sys.exit(main())
