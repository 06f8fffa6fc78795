"""Mocks that stand in for the engine and the providers during an offline plan.

Two kinds of values (``Values``):

- ``"preview"`` (the default of ``plan show``): what a real ``pulumi preview`` of a first deployment
  knows. A resource being created echoes its inputs back as outputs (the engine's planned state;
  bridged and dynamic providers alike), and everything the provider computes is unknown: ids,
  DSNs, digests, URLs. Explicit providers' ids are unknown too. Offline, a value read from a
  service (an invoke such as the Slack integration lookup, a StackReference's outputs) is unknown
  as well: a real preview would read it, the plan cannot.
- ``"example"``: deterministic, realistic placeholders for docs and diagrams (derived from type, stack
  and name), consistent with each other: the DSN's project id is the project id the alerts receive,
  a promoted image is the one the referenced stack builds, no Vercel team id is invented for a
  personal account. The harness marks which values are placeholders.

The monitor records what the SDK's own MockMonitor drops: parent, dependencies, provider and options
of every registration.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping, Optional

from google.protobuf import json_format
from pulumi.runtime import mocks as sdk_mocks
from pulumi.runtime import rpc
from pulumi.runtime.sync_await import _sync_await
from pulumi.runtime.proto import resource_pb2

SECRET_SIG = rpc._special_sig_key
SECRET_VALUE = rpc._special_secret_sig
OUTPUT_VALUE = rpc._special_output_value_sig
RESOURCE_REF = rpc._special_resource_sig
UNKNOWN = rpc.UNKNOWN
STACK_REFERENCE = "pulumi:pulumi:StackReference"

Values = Literal["preview", "example"]
"""What the plan shows for values only a deployment learns: ``"[unknown]"`` or example placeholders."""


def _digest(*parts: str, length: int = 64) -> str:
    return hashlib.sha256("::".join(parts).encode()).hexdigest()[:length]


def _number(*parts: str, digits: int = 8) -> int:
    return int(_digest(*parts, length=12), 16) % (9 * 10 ** (digits - 1)) + 10 ** (digits - 1)


def _github(kind: str, name: str, inputs: dict) -> tuple[str, dict]:
    if kind == "Repository":
        repo, owner = inputs.get("name", name), inputs["__owner"]
        return repo, {
            "fullName": f"{owner}/{repo}",
            "htmlUrl": f"https://github.com/{owner}/{repo}",
            "nodeId": "R_kgDO" + _digest("node", repo, length=8),
            "repoId": _number("repo", repo, digits=9),
            "defaultBranch": "main",
        }
    if kind == "RepositoryRuleset":
        ruleset_id = _number("ruleset", name, digits=7)
        return str(ruleset_id), {"rulesetId": ruleset_id, "nodeId": "RRS_" + _digest("rrs", name, length=12)}
    if kind == "RepositoryEnvironment":
        return f"{inputs.get('repository')}:{inputs.get('environment')}", {}
    if kind == "Branch":
        return f"{inputs.get('repository')}:{inputs.get('branch')}", {"sha": _digest("sha", name, length=40)}
    if kind == "RepositoryPullRequest":
        return str(_number("pr", name, digits=3)), {"number": _number("pr", name, digits=3)}
    return f"{kind.lower()}-{_digest(kind, name, length=10)}", {}


def _vercel(kind: str, name: str, inputs: dict) -> tuple[str, dict]:
    if kind == "Project":
        # A personal account has no team: the provider then reports no team id, so none is invented.
        return "prj_" + _digest("prj", name, length=28), {}
    return f"{kind.lower()}_{_digest(kind, name, length=20)}", {}


def _sentry_project_id(org: str, slug: Any) -> str:
    """One id per project, whoever asks: the project itself, its key's DSN, the alerts."""
    return str(_number("sentry-project", org, str(slug), digits=16))


def _sentry(kind: str, name: str, inputs: dict) -> tuple[str, dict]:
    org = inputs.get("organization", "org")
    if kind == "SentryProject":
        project_id = _sentry_project_id(org, inputs.get("slug"))
        return f"{org}/{inputs.get('slug')}", {"projectId": project_id, "internalId": project_id}
    if kind == "SentryTeam":
        team_id = str(_number("sentry-team", name, digits=7))
        return f"{org}/{inputs.get('slug')}", {"teamId": team_id, "internalId": team_id}
    if kind == "SentryKey":
        public = _digest("dsn", name, length=32)
        project_id = _sentry_project_id(org, inputs.get("project"))
        host = f"o{_number('org', org, digits=6)}.ingest.us.sentry.io"
        return public, {
            "dsnPublic": f"https://{public}@{host}/{project_id}",
            "dsnCsp": f"https://{host}/api/{project_id}/security/?sentry_key={public}",
            "public": public,
            "projectId": project_id,
        }
    return f"{kind.lower()}-{_digest(kind, name, length=10)}", {}


def _docker_build(kind: str, name: str, inputs: dict) -> tuple[str, dict]:
    digest = "sha256:" + _digest("image", name)
    tags = inputs.get("tags") or ["registry.invalid/image:latest"]
    repository = str(tags[0]).rsplit(":", 1)[0]
    return digest, {"digest": digest, "ref": f"{repository}@{digest}"}


_BY_PACKAGE: dict[str, Callable[[str, str, dict], tuple[str, dict]]] = {
    "github": _github,
    "vercel": _vercel,
    "sentry": _sentry,
    "docker-build": _docker_build,
}


class PlanMocks(sdk_mocks.Mocks):
    """Outputs per resource type: the inputs echoed back (preview) or example placeholders."""

    def __init__(self, stack: str, values: Values = "example", stack_outputs: Optional[Mapping[str, dict]] = None) -> None:
        self.stack = stack
        self.values: Values = values
        self.stack_outputs = dict(stack_outputs or {})
        """Example outputs of each referenced stack, by its fully qualified name (example values only)."""
        self.provider_inputs: dict[str, dict] = {}
        """Inputs of each explicit provider by URN: the GitHub owner shapes repository URLs."""

    def new_resource(self, args: sdk_mocks.MockResourceArgs) -> tuple[Optional[str], dict]:
        inputs = dict(args.inputs)
        if args.typ == STACK_REFERENCE:  # a read: the SDK passes custom=False
            target = str(inputs.get("name") or args.resource_id)
            if self.values == "preview":
                return target, {"name": target}  # no `outputs`: unknown during a preview
            return target, {"name": target, "outputs": self.stack_outputs.get(target) or _stack_reference_outputs(target)}
        if not args.custom:
            return None, inputs
        if self.values == "preview":
            return "", inputs  # an empty id is an unknown id; computed outputs are absent, so unknown
        return self._example(args, inputs)

    def _example(self, args: sdk_mocks.MockResourceArgs, inputs: dict) -> tuple[str, dict]:
        package, _, rest = args.typ.partition(":")
        kind = rest.rsplit(":", 1)[-1]
        if package == "pulumi" and rest.startswith("providers:"):
            return f"{args.name}-provider-id", inputs
        if package == "kubernetes":
            return _kubernetes_id(inputs, args.name), {**inputs, "status": {}}
        if package.startswith("pulumi-python") and "dynamic" in rest:
            return f"{kind.lower()}-{_digest(args.typ, args.name, length=12)}", inputs
        make = _BY_PACKAGE.get(package)
        if package == "github":
            provider = self.provider_inputs.get((args.provider or "").rsplit("::", 1)[0], {})
            inputs.setdefault("__owner", provider.get("owner") or "example-owner")
        # The stack is part of every id, as real ids differ between the two stacks.
        seed = f"{self.stack}:{args.name}"
        resource_id, outputs = make(kind, seed, inputs) if make else (f"{args.name}-id", {})
        inputs.pop("__owner", None)
        return resource_id, {**inputs, **outputs}

    def call(self, args: sdk_mocks.MockCallArgs) -> tuple[dict, list]:
        if args.token.endswith("getSentryOrganizationIntegration"):
            integration_id = str(_number("slack", str(args.args.get("name")), digits=6))
            return {
                "id": integration_id, "internalId": integration_id, "name": args.args.get("name"),
                "organization": args.args.get("organization"), "providerKey": args.args.get("providerKey"),
            }, []
        return {}, []


def _stack_reference_outputs(name: str) -> dict:
    """Outputs of a referenced stack nobody planned: only for components declared on their own in
    tests (``run_stack`` plans the referenced stack instead). Owner from the reference's org."""
    digest = "sha256:" + _digest("promoted", name)
    return {"imageRef": f"ghcr.io/{name.split('/')[0].lower()}/web@{digest}", "imageDigest": digest}


def _kubernetes_id(inputs: dict, name: str) -> str:
    metadata = inputs.get("metadata") or {}
    namespace = metadata.get("namespace")
    resource = metadata.get("name", name)
    return f"{namespace}/{resource}" if namespace else str(resource)


@dataclass
class Registration:
    """What the plan records of one resource."""

    urn: str
    type: str
    name: str
    parent: Optional[str]
    dependencies: list[str]
    protect: bool
    retain_on_delete: bool
    provider: Optional[str]
    inputs: dict
    custom: bool
    read: bool = False
    additional_secret_outputs: list[str] = field(default_factory=list)


def _provider_version(request, inputs: dict) -> dict:
    """The engine records an explicit provider's plugin version (the SDK's pin) as its `version` input."""
    if request.type.startswith("pulumi:providers:") and request.version and "version" not in inputs:
        return {**inputs, "version": request.version}
    return inputs


class RecordingMonitor(sdk_mocks.MockMonitor):
    """The SDK's MockMonitor, plus a record of every registration as the engine would see it."""

    def __init__(self, mocks: "PlanMocks") -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine leaves the root stack's type out of its children's URNs.
        if parent and parent.split("::")[2].split("$")[-1] == "pulumi:pulumi:Stack":
            parent = ""
        return super().make_urn(parent, type_, name)

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        urn = self.make_urn(request.parent, request.type, request.name)
        self.registrations.append(
            Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                dependencies=sorted(set(request.dependencies)),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                provider=request.provider.rsplit("::", 1)[0] if request.provider else None,
                inputs=_provider_version(request, plan_value(json_format.MessageToDict(request.object))),
                custom=bool(request.custom),
                additional_secret_outputs=list(request.additionalSecretOutputs),
            )
        )
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        sdk_mocks._ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object)
        resource_args = sdk_mocks.MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.importId, custom=request.custom or False,
        )
        if request.type.startswith("pulumi:providers:"):
            self.mocks.provider_inputs[urn] = inputs
        resource_id, state = self.mocks.new_resource(resource_args)
        # The engine keeps these outputs secret whatever the provider returns; so must the plan.
        for key in request.additionalSecretOutputs:
            if key in state and not _is_secret(state[key]):
                state[key] = {SECRET_SIG: SECRET_VALUE, "value": state[key]}
        obj = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = sdk_mocks.MockMonitor.ResourceRegistration(urn, resource_id, state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=obj)

    def Invoke(self, request):  # noqa: N802
        # Offline, what an invoke reads from a service is not known: say so, as the engine does for
        # an invoke it cannot serve yet, instead of inventing it (example values excepted).
        if self.mocks.values == "preview" and request.tok != "pulumi:pulumi:getResource":
            return resource_pb2.ResourceInvokeResponse(unknown=True)
        return super().Invoke(request)

    def ReadResource(self, request):  # noqa: N802
        response = super().ReadResource(request)
        self.registrations.append(
            Registration(
                urn=response.urn, type=request.type, name=request.name, parent=request.parent or None,
                dependencies=sorted(set(request.dependencies)), protect=False, retain_on_delete=False,
                provider=None, inputs=plan_value(json_format.MessageToDict(request.properties)),
                custom=True, read=True,
            )
        )
        return response


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE


def plan_value(value: Any) -> Any:
    """An engine-side property value as the plan shows it: secrets "[secret]", unknowns
    "[unknown]", resource references as their URN, whole numbers as integers, internal keys dropped."""
    if isinstance(value, dict):
        sig = value.get(SECRET_SIG)
        if sig == SECRET_VALUE:
            return "[secret]"
        if sig == OUTPUT_VALUE:
            if value.get("secret"):
                return "[secret]"
            return plan_value(value["value"]) if "value" in value else "[unknown]"
        if sig == RESOURCE_REF:
            return value.get("urn")
        return {k: plan_value(v) for k, v in sorted(value.items()) if not k.startswith("__")}
    if isinstance(value, list):
        return [plan_value(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == UNKNOWN:
        return "[unknown]"
    return value
