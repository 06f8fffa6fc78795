"""A stand-in resource provider plugin for the engine tier: previews only, no service but 127.0.0.1.

Why it exists: the Go module proxy here refuses (403) the provider modules of pulumi-github 6.15.0,
pulumiverse-vercel 5.21.1, pulumiverse-sentry 0.0.9 and pulumi-kubernetes 4.34.2, and two modules the
pulumi-docker-build 0.0.22 build imports (pulumi-java, pulumi-dotnet), so `make engine` cannot build
those plugins. The tier then installs this script as `pulumi-resource-<name>` for each
plugin that is missing (never in place of a real one; see tests/e2e/plugins.py), so the real CLI, the
real language SDK and the real policy pack still run end to end.

What it does, and what a Terraform-bridged provider does in a preview of new resources:
- `CheckConfig` and `Check` validate the inputs against the provider's real schema, vendored in
  `provider-schemas/<name>-<version>.json.gz` (with the plan's own schema checker): an unknown or
  mistyped property, or a missing required one, fails the preview as the real provider's Check does;
  the inputs are returned unchanged (a real provider also adds defaults: not modelled);
- `Create` with `preview=true` returns the inputs plus an unknown for every output property of the
  schema that the program cannot set (not among the resource's input properties), as the bridge does;
  an optional input the program leaves unset stays absent. (The schema does not say which optional
  inputs the service computes when unset; those are absent here, unknown in a real preview) (docker-build, a native provider, does the same for an
  image with `buildOnPreview: false`);
- GitHub's `Configure` calls `GET <baseUrl>api/v3/orgs/<owner>` (or `/user`) as the real provider
  does when a base URL other than api.github.com is set, and fails on a network error;
- Vercel's `CheckConfig` refuses an API token that is not 24 letters or digits, as the real one does;
- the Sentry invoke `getSentryOrganizationIntegration` lists the organization's integrations at
  `<baseUrl>0/organizations/<org>/integrations/?provider_key=...` and picks the one by name.
Anything else (a real create, update, delete, another invoke) fails loudly: this is not a fake cloud.

Usage (the engine starts it): `python standin_provider.py NAME VERSION [engine args...]`; it prints
its port on stdout, as every plugin does.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import urllib.error
import urllib.request
from concurrent import futures
from typing import Any

from pathlib import Path

import grpc
from google.protobuf import empty_pb2, struct_pb2
from google.protobuf.json_format import MessageToDict
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from plan.mocks import plan_value  # noqa: E402  (engine values as the plan shows them)
from plan.schema_check import check_plan  # noqa: E402
from plan.schema_load import DEFAULT_SCHEMAS_DIR, SCHEMA_SUFFIX, load_schemas  # noqa: E402

SECRET_SIG = "4dabf18193072939515e22adb298388d"  # pragma: allowlist secret (Pulumi's public wire signature of a secret value)
INTEGRATION_INVOKE = "sentry:index/getSentryOrganizationIntegration:getSentryOrganizationIntegration"
TIMEOUT = 10  # seconds; the stub answers in milliseconds
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown value on the wire


def plain(value: Any) -> Any:
    """A property value without secret wrappers (the stand-in reads config, never logs it)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == "1b47061264138c4ac30d75fd1eb44270":  # pragma: allowlist secret (the same public signature)
            return plain(value.get("value"))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (loopback stub)
        return json.loads(response.read())


class StandIn(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self, name: str, version: str) -> None:
        self.name = name
        self.version = version
        self.config: dict[str, Any] = {}
        self.schemas = load_schemas(DEFAULT_SCHEMAS_DIR, {name: version})  # refuses a missing schema
        with gzip.open(DEFAULT_SCHEMAS_DIR / f"{name}-{version}{SCHEMA_SUFFIX}", "rt", encoding="utf-8") as handle:
            resources = json.load(handle).get("resources") or {}
        # Computed outputs: properties the program cannot set. An input left unset stays absent (null),
        # as the bridge leaves an optional attribute the configuration does not mention.
        self.outputs = {token: set(spec.get("properties") or {}) - set(spec.get("inputProperties") or {})
                        for token, spec in resources.items()}

    def _failures(self, token: str, urn: str, inputs: struct_pb2.Struct) -> list:
        """Schema violations of one resource's inputs, as the CheckFailures a provider returns."""
        resource = {"type": token, "urn": urn, "inputs": plan_value(MessageToDict(inputs))}
        report = check_plan({"project": "", "resources": [resource]}, self.schemas)
        return [provider_pb2.CheckFailure(property="", reason=v["message"]) for v in report.violations]

    # -- plugin life cycle -----------------------------------------------------------------
    def Handshake(self, request, context):  # noqa: N802 (gRPC names)
        return provider_pb2.ProviderHandshakeResponse(accept_secrets=True, accept_resources=True)

    def GetPluginInfo(self, request, context):  # noqa: N802
        return plugin_pb2.PluginInfo(version=self.version)

    def Cancel(self, request, context):  # noqa: N802
        return empty_pb2.Empty()

    # -- provider configuration ------------------------------------------------------------
    def CheckConfig(self, request, context):  # noqa: N802
        news = plain(MessageToDict(request.news))
        failures = self._failures(f"pulumi:providers:{self.name}", request.urn, request.news)
        if self.name == "vercel":
            token = news.get("apiToken")
            if not (isinstance(token, str) and re.fullmatch(r"[A-Za-z0-9]{24}", token)):
                failures.append(provider_pb2.CheckFailure(
                    property="apiToken", reason="the Vercel API token must be 24 letters or digits"))
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    def DiffConfig(self, request, context):  # noqa: N802
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_UNKNOWN)

    def Configure(self, request, context):  # noqa: N802
        self.config = plain(MessageToDict(request.args))
        if self.name == "github":
            self._github_owner(context)
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True, acceptResources=True)

    def _github_owner(self, context) -> None:
        base = str(self.config.get("baseUrl") or "https://api.github.com/")
        if base.rstrip("/") == "https://api.github.com":
            api = "https://api.github.com/"
        else:  # GitHub Enterprise Server mode, as go-github's WithEnterpriseURLs
            api = base.rstrip("/") + "/api/v3/"
        owner = self.config.get("owner")
        url = f"{api}orgs/{owner}" if owner else f"{api}user"
        try:
            _get_json(url)
        except urllib.error.HTTPError as err:
            if err.code != 404:  # 404: the owner is a user, not an organization
                context.abort(grpc.StatusCode.UNKNOWN, f"GET {url}: HTTP {err.code}")
        except OSError as err:
            context.abort(grpc.StatusCode.UNAVAILABLE, f"GET {url}: {err}")

    # -- resources: previews only ----------------------------------------------------------
    def Check(self, request, context):  # noqa: N802
        failures = self._failures(request.type or request.urn.split("::")[2].split("$")[-1], request.urn, request.news)
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    def Diff(self, request, context):  # noqa: N802
        same = MessageToDict(request.olds) == MessageToDict(request.news)
        changes = provider_pb2.DiffResponse.DIFF_NONE if same else provider_pb2.DiffResponse.DIFF_SOME
        return provider_pb2.DiffResponse(changes=changes)

    def Create(self, request, context):  # noqa: N802
        if not request.preview:
            context.abort(grpc.StatusCode.UNIMPLEMENTED,
                          f"stand-in {self.name} provider: previews only (no real {self.name} plugin here)")
        token = request.type or request.urn.split("::")[2].split("$")[-1]
        properties = struct_pb2.Struct()
        properties.CopyFrom(request.properties)
        for name in sorted(self.outputs.get(token, set()) - set(properties.keys())):
            properties[name] = UNKNOWN  # computed by the service: not known before it exists
        return provider_pb2.CreateResponse(id="", properties=properties)

    def Invoke(self, request, context):  # noqa: N802
        if self.name == "sentry" and request.tok == INTEGRATION_INVOKE:
            return self._integration(plain(MessageToDict(request.args)), context)
        context.abort(grpc.StatusCode.UNIMPLEMENTED, f"stand-in {self.name} provider: no invoke {request.tok}")

    def _integration(self, args: dict, context):
        base = str(self.config.get("baseUrl") or "https://sentry.io/api/").rstrip("/")
        url = f"{base}/0/organizations/{args['organization']}/integrations/?provider_key={args['providerKey']}"
        try:
            found = [i for i in _get_json(url) if i.get("name") == args.get("name")]
        except OSError as err:
            context.abort(grpc.StatusCode.UNAVAILABLE, f"GET {url}: {err}")
        if len(found) != 1:
            context.abort(grpc.StatusCode.NOT_FOUND, f"{len(found)} organization integrations named {args.get('name')}")
        result = struct_pb2.Struct()
        ident = str(found[0]["id"])
        result.update({"id": ident, "internalId": ident, "name": found[0]["name"],
                       "organization": args["organization"], "providerKey": args["providerKey"]})
        return provider_pb2.InvokeResponse(**{"return": result})


def main(argv: list[str]) -> int:
    name, version = argv[0], argv[1]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(StandIn(name, version), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
