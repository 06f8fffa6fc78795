"""The README's "First run", step by step, on a fresh file backend (issue "First real run").

The commands are read out of the README's first `sh` block under "## First run", not copied. Every
`pulumi stack init` and non-secret `pulumi config set` runs as written, then the tier points the stack's
APIs at the stub and sets dummy secrets (the README's `...` placeholders are the user's). Every
`pulumi preview` runs as written and must pass with no mandatory violation. `pulumi up` leaves the
machine (real GitHub, Vercel, Sentry, GHCR: the stand-in providers serve previews only), so it is not
run; the one thing a later step reads from it, staging's exported `imageRef`, is given to the staging
stack as the state its `up` leaves.
"""

from __future__ import annotations

import os
import shlex

from plan.harness import ROOT
from tests.e2e.engine import Workdir, policy_violations, read_events
from tests.e2e.stacks import built_image_ref, configure_stack, import_stack_outputs


def first_run_commands(readme=ROOT / "README.md") -> list[list[str]]:
    text = readme.read_text(encoding="utf-8")
    assert "\n## First run\n" in text, "README.md has no section \"First run\""
    block = text.split("\n## First run\n", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["pulumi"]:
            commands.append(words[1:])
    return commands


def _stack(args: list[str]) -> str:
    for flag in ("-s", "--stack"):
        if flag in args:
            return args[args.index(flag) + 1]
    raise AssertionError(f"no -s STACK in `pulumi {' '.join(args)}`")


def test_first_run_previews_in_the_readmes_order(engine, passphrase, provider_setup, service_stub, tmp_path):
    workdir = Workdir.create(engine, tmp_path, passphrase)
    workdir.env["PATH"] = os.pathsep.join([str(provider_setup.bin_dir), workdir.env["PATH"]])
    previewed = []
    for number, args in enumerate(first_run_commands()):
        if args[:1] == ["login"] or (args[:2] == ["config", "set"] and "--secret" in args):
            continue  # the backend is the tier's; secrets are the tier's dummies
        if args[:2] == ["stack", "init"]:
            workdir.run(*args)
            configure_stack(workdir, args[2], service_stub)
        elif args[:1] == ["config"]:
            workdir.run(*args)
        elif args[:1] == ["preview"]:
            log = tmp_path / f"events-{number}.jsonl"
            result = workdir.run(*args, "--event-log", str(log), check=False)
            assert result.returncode == 0, result.describe()
            mandatory = [v for v in policy_violations(read_events(log)) if v["level"] == "mandatory"]
            assert mandatory == [], mandatory
            previewed.append(_stack(args))
        elif args[:1] == ["up"] and _stack(args) == "staging":
            import_stack_outputs(workdir, "staging", {"imageRef": built_image_ref()})
    assert previewed == ["production", "staging", "production"], previewed
