"""The CLI, the stand-in language host and a dynamic provider, run for real on a file backend.

A throw-away project whose dynamic provider records every create/update/delete in a JSON file, so
the test sees that `up`, a config change and `destroy` reached the provider, not only the CLI's
summary. A small policy pack checks the analyzer path (config required, mandatory violation).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROGRAM = textwrap.dedent('''
    import json
    import pulumi
    from pulumi.dynamic import CreateResult, ResourceProvider, Resource, UpdateResult


    def record(log, event):
        events = json.load(open(log)) if __import__("os").path.exists(log) else []
        json.dump(events + [event], open(log, "w"))


    class Recorder(ResourceProvider):
        def create(self, props):
            record(props["log"], ["create", props["size"]])
            return CreateResult(id_="thing-1", outs={**props, "label": f"size-{int(props['size'])}"})

        def update(self, id, olds, news):
            record(news["log"], ["update", olds["size"], news["size"]])
            return UpdateResult(outs={**news, "label": f"size-{int(news['size'])}"})

        def delete(self, id, props):
            record(props["log"], ["delete", props["size"]])


    class Thing(Resource, module="smoke", name="Thing"):
        def __init__(self, name, size, log):
            super().__init__(Recorder(), name, {"size": size, "log": log, "label": None})


    config = pulumi.Config()
    thing = Thing("thing", config.require_int("size"), config.require("log"))
    pulumi.export("label", thing.label)
    pulumi.export("token", config.require_secret("token"))
''')

PACK = textwrap.dedent('''
    import os
    from pulumi_policy import EnforcementLevel, PolicyConfigSchema, PolicyPack, ResourceValidationPolicy


    def too_big(args, report_violation):
        limit = int(args.get_config()["maxSize"])
        if args.props.get("size", 0) > limit:
            report_violation(f"size {int(args.props['size'])} > {limit} in stack {os.environ.get('PULUMI_STACK')}")


    PolicyPack("smoke-pack", enforcement_level=EnforcementLevel.MANDATORY, policies=[
        ResourceValidationPolicy(
            name="thing-not-too-big", description="Things stay small.", validate=too_big,
            config_schema=PolicyConfigSchema(properties={"maxSize": {"type": "integer"}}, required=["maxSize"]),
        ),
    ])
''')

RUNTIME = "runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: {venv}\n"


@pytest.fixture
def project(tmp_path: Path, offline_env):
    """A project folder using this test run's virtualenv, with stack `dev` initialised."""
    folder = tmp_path / "project"
    folder.mkdir()
    venv = Path(sys.prefix)
    (folder / "Pulumi.yaml").write_text("name: smoke\n" + RUNTIME.format(venv=venv), encoding="utf-8")
    (folder / "__main__.py").write_text(PROGRAM, encoding="utf-8")
    env = offline_env()

    def pulumi(*args: str, check: bool = True, cwd: Path = folder, stdin: str | None = None):
        done = subprocess.run(["pulumi", "--non-interactive", "--color", "never", *args], cwd=cwd, env=env,
                              input=stdin, capture_output=True, text=True, timeout=300, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    pulumi("stack", "init", "dev")
    pulumi("config", "set", "size", "3")
    pulumi("config", "set", "log", str(tmp_path / "events.json"))
    pulumi("config", "set", "--secret", "token", stdin="not-a-real-token")
    return folder, pulumi, tmp_path / "events.json"


def events(log: Path) -> list:
    return json.loads(log.read_text()) if log.exists() else []


def leftover_processes(marker: str) -> list[str]:
    """Command lines of live processes that mention `marker` (a plugin or host left running)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and int(pid) != os.getpid():
            found.append(f"{pid}: {cmdline}")
    return found


def test_up_update_destroy_reach_the_dynamic_provider(project) -> None:
    folder, pulumi, log = project
    pulumi("up", "--yes")
    assert events(log) == [["create", 3]]
    outputs = json.loads(pulumi("stack", "output", "--json", "--show-secrets").stdout)
    assert outputs == {"label": "size-3", "token": "not-a-real-token"}
    pulumi("preview", "--expect-no-changes")

    pulumi("config", "set", "size", "5")
    assert pulumi("preview", "--expect-no-changes", check=False).returncode != 0
    pulumi("up", "--yes")
    assert events(log)[-1] == ["update", 3, 5]

    pulumi("destroy", "--yes")
    assert events(log)[-1] == ["delete", 5]
    state = json.loads(pulumi("stack", "export").stdout)
    assert [r["type"] for r in state["deployment"].get("resources") or []] == []
    assert leftover_processes(str(folder.parent)) == []


def test_secret_stays_out_of_the_state_file(project) -> None:
    folder, pulumi, _ = project
    pulumi("up", "--yes")
    backend = Path(folder.parent / "backend")
    state_text = "".join(p.read_text(errors="replace") for p in backend.rglob("*.json"))
    assert "not-a-real-token" not in state_text
    assert "ciphertext" in state_text


def test_policy_pack_runs_with_its_config_and_knows_the_stack(project, tmp_path: Path) -> None:
    folder, pulumi, _ = project
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(RUNTIME.format(venv=Path(sys.prefix)), encoding="utf-8")
    (pack / "__main__.py").write_text(PACK, encoding="utf-8")
    config = tmp_path / "pack-config.json"
    config.write_text(json.dumps({"thing-not-too-big": {"maxSize": 2}}), encoding="utf-8")

    refused = pulumi("preview", "--policy-pack", str(pack), check=False)
    assert refused.returncode != 0
    assert "validating policy config" in refused.stdout + refused.stderr
    assert "maxSize is required" in refused.stdout + refused.stderr

    violated = pulumi("preview", "--policy-pack", str(pack), "--policy-pack-config", str(config), check=False)
    assert violated.returncode != 0
    assert "[mandatory]  thing-not-too-big" in violated.stdout
    assert "size 3 > 2 in stack dev" in violated.stdout

    config.write_text(json.dumps({"thing-not-too-big": {"maxSize": 10}}), encoding="utf-8")
    pulumi("preview", "--policy-pack", str(pack), "--policy-pack-config", str(config))
    assert leftover_processes(str(pack)) == []
