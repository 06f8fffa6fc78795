"""The pack as the engine runs it, and the shipped policy config.

- The pack starts the way Pulumi's Python analyzer host starts it (``python -u -m pulumi.policy
  ADDRESS .`` in ``policies/``), serves every registry policy over gRPC, and reports exactly the
  violations the offline runner reports for the same resources and config.
- The registry's policies are well formed; nothing imports ``policies/__main__.py``.
- ``policies/config/<stack>.json`` fits the pack and agrees with the stacks it describes.
"""

from __future__ import annotations

import re
import select
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel

from plan.policy_runner import _engine_props, read_policy_config, reconcile_config, run_policies
from policies.registry import PACK_ENFORCEMENT_LEVEL, PACK_NAME, POLICIES

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("staging", "production")
_LEVELS = {
    EnforcementLevel.ADVISORY: analyzer_pb2.ADVISORY,
    EnforcementLevel.MANDATORY: analyzer_pb2.MANDATORY,
    EnforcementLevel.DISABLED: analyzer_pb2.DISABLED,
    EnforcementLevel.REMEDIATE: analyzer_pb2.REMEDIATE,
}


# --- the pack over gRPC ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pack():
    """The running pack's analyzer stub; the process is stopped afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."],
        cwd=ROOT / "policies",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        line = proc.stdout.readline().decode().strip() if ready else ""
        assert line.isdigit(), f"pack did not print its port: {line!r} {proc.stderr.read1(4000)!r}"
        channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        grpc.channel_ready_future(channel).result(timeout=10)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def _struct(value: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s


def _configure(stub, stack: str) -> dict:
    settings = reconcile_config(POLICIES, read_policy_config(ROOT / f"policies/config/{stack}.json"), stack, PACK_ENFORCEMENT_LEVEL)
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, setting in settings.items():
        request.policyConfig[name].CopyFrom(
            analyzer_pb2.PolicyConfig(enforcementLevel=_LEVELS[setting.enforcement_level], properties=_struct(dict(setting.properties)))
        )
    stub.Configure(request)
    return settings


def _options(r: dict) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(protect=r["protect"], parent=r["parent"] or "")


def _served_violations(stub, plan: dict) -> set[tuple[str, str, str]]:
    """(policy, urn, message) from Analyze per resource plus one AnalyzeStack, as the engine calls them."""
    found: set[tuple[str, str, str]] = set()
    stack_urn = plan["resources"][0]["urn"]

    def collect(response, default_urn: str) -> None:
        for d in response.diagnostics:
            # The engine prefixes the policy description; the offline runner keeps the message only.
            message = d.message.split("\n", 1)[1] if "\n" in d.message else ""
            found.add((d.policyName, d.urn or default_urn, message))

    for r in plan["resources"]:
        request = analyzer_pb2.AnalyzeRequest(
            type=r["type"], properties=_struct(_engine_props(r["inputs"])), urn=r["urn"], name=r["name"], options=_options(r)
        )
        collect(stub.Analyze(request), r["urn"])
    resources = [
        analyzer_pb2.AnalyzerResource(
            type=r["type"], properties=_struct(_engine_props(r["inputs"])), urn=r["urn"], name=r["name"],
            options=_options(r), parent=r["parent"] or "", dependencies=r["dependencies"],
        )
        for r in plan["resources"]
    ]
    collect(stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources)), stack_urn)
    return found


def test_pack_serves_every_registry_policy(pack) -> None:
    info = pack.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME
    assert [p.name for p in info.policies] == [p.name for p in POLICIES]
    schema = next(p for p in info.policies if p.name == "default-branch-requires-pull-request").configSchema
    assert json_format.MessageToDict(schema.properties)["minApprovals"]["default"] == 1


def _break_guardrails(plan: dict) -> None:
    """Several guardrails at once, resource-level and stack-level."""
    for r in plan["resources"]:
        inputs = r["inputs"]
        if r["type"].endswith(":RepositoryRuleset") and "~DEFAULT_BRANCH" in inputs["conditions"]["refName"]["includes"]:
            inputs["rules"]["pullRequest"]["requiredApprovingReviewCount"] = 0
            inputs["rules"]["nonFastForward"] = False
        if r["type"].endswith(":Repository"):
            inputs["securityAndAnalysis"]["secretScanning"]["status"] = "disabled"
        if r["type"].endswith(":SentryProject") or r["type"].endswith(":Project"):
            r["protect"] = False
        if r["type"].endswith(":RepositoryEnvironment"):
            inputs.pop("reviewers")


@pytest.mark.parametrize("broken", [False, True], ids=["shipped", "broken"])
def test_pack_over_grpc_reports_what_the_offline_check_reports(pack, plan_of, broken: bool) -> None:
    plan = plan_of("production")
    if broken:
        _break_guardrails(plan)
    settings = _configure(pack, "production")
    offline = {(v.policy, v.urn, v.message) for v in run_policies(plan, POLICIES, settings).violations}
    served = _served_violations(pack, plan)
    assert served == offline
    if broken:
        assert {p for p, _, _ in offline} >= {
            "default-branch-requires-pull-request",
            "default-branch-blocks-force-push-and-deletion",
            "repository-secret-scanning",
            "sentry-project-protected",
            "production-vercel-project-protected",
            "production-environment-approval",
        }


# --- the registry --------------------------------------------------------------------------------------


def test_policies_are_well_formed() -> None:
    names = [p.name for p in POLICIES]
    assert len(names) == len(set(names))
    for policy in POLICIES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", policy.name), policy.name
        assert len(policy.description) > 20, policy.name
        assert policy.enforcement_level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY), policy.name


def test_nothing_imports_the_pack_entry_point() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("plan", "policies", "components", "stackconfig", "tests")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "test_pack.py" and re.search(r"policies\.__main__|from policies import __main__", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_pack_project_file_runs_python_in_a_virtualenv() -> None:
    spec = yaml.safe_load((ROOT / "policies/PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert spec["runtime"]["name"] == "python"
    # The project's virtualenv, the one `make plan` creates: nothing creates a policies/venv.
    assert spec["runtime"]["options"]["virtualenv"] == "../.venv"
    assert re.search(r"^VENV := \.venv$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    requirements = (ROOT / "policies/requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"^pulumi-policy==\d+\.\d+\.\d+$", requirements, re.M)


# --- the shipped policy config ------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_shipped_config_fits_the_pack_and_names_its_stack(stack: str) -> None:
    settings = reconcile_config(POLICIES, read_policy_config(ROOT / f"policies/config/{stack}.json"), stack)
    environments = {name: s.properties["environment"] for name, s in settings.items() if "environment" in s.properties}
    needing = {p.name for p in POLICIES if p.config_schema and "environment" in p.config_schema.properties}
    assert set(environments) == needing
    assert set(environments.values()) == {stack}
    owns = settings["owner-stack-declares-repository"].properties["ownsRepository"]
    assert owns is (stack == "production")


def test_production_floor_matches_the_shipped_approvals() -> None:
    """The policy floor is the shipped setting: lowering approvals in the stack file fails the check."""
    floor = read_policy_config(ROOT / "policies/config/production.json")["default-branch-requires-pull-request"]["minApprovals"]
    shipped = yaml.safe_load((ROOT / "Pulumi.production.yaml").read_text(encoding="utf-8"))["config"]
    assert shipped["webapp-platform:requiredApprovals"] == floor


def _identifiers(plan: dict) -> tuple[set[str], set[str]]:
    """(hosts, names) by which the other stack's resources could be pointed at."""
    hosts, names = set(), set()
    for r in plan["resources"]:
        inputs = r["inputs"]
        if r["type"].endswith(":ProjectDomain"):
            hosts.add(inputs["domain"])
        if r["type"].endswith(":ActionsEnvironmentVariable") and str(inputs.get("value", "")).startswith("https://"):
            if inputs["variableName"] in ("APP_URL", "VITE_API_URL"):
                hosts.add(urlsplit(inputs["value"]).hostname)
        if r["type"].endswith(":Project") or r["type"].endswith(":SentryProject"):
            names.add(inputs["name"])
    return hosts, names


@pytest.mark.parametrize(("stack", "other"), [("staging", "production"), ("production", "staging")])
def test_foreign_identifiers_are_the_other_stacks_own(stack: str, other: str, plan_of) -> None:
    isolation = read_policy_config(ROOT / f"policies/config/{stack}.json")["environment-isolation"]
    hosts, names = _identifiers(plan_of(other))
    assert set(isolation["foreignDomains"]) == hosts
    assert set(isolation["foreignNames"]) == names
    assert isolation["foreignEnvironments"] == [other]
