"""Which provider plugins the engine tier runs: real where a plugin exists (next to the CLI, on PATH,
or installed), the schema-checking stand-in only where none does. Here that is all five: the Go module
proxy refuses the github, vercel, sentry and kubernetes provider modules, and docker-build's build
needs pulumi-java and pulumi-dotnet modules it refuses too (see README, "The real engine")."""

from __future__ import annotations

from tests.e2e import plugins


def test_standins_replace_only_missing_plugins(provider_setup):
    pinned = set(plugins.pinned_plugins())
    assert pinned == {"github", "vercel", "sentry", "docker-build", "kubernetes"}
    assert provider_setup.standins == pinned - provider_setup.real
    for name in provider_setup.standins:
        assert (provider_setup.bin_dir / f"pulumi-resource-{name}").is_file()


def _struct(values: dict):
    from google.protobuf import struct_pb2

    message = struct_pb2.Struct()
    message.update(values)
    return message


def test_standin_check_refuses_what_the_schema_refuses():
    from tests.e2e.standin_provider import StandIn

    provider = StandIn("github", plugins.pinned_plugins()["github"])
    token = "github:index/repositoryRuleset:RepositoryRuleset"
    urn = f"urn:pulumi:s::p::{token}::r"
    good = {"repository": "app", "target": "branch", "enforcement": "active", "name": "main",
            "rules": {"deletion": True}}
    assert provider._failures(token, urn, _struct(good)) == []
    misspelt = provider._failures(token, urn, _struct({**good, "enforcment": "active"}))
    mistyped = provider._failures(token, urn, _struct({**good, "rules": {"deletion": "yes"}}))
    assert misspelt and "enforcment" in misspelt[0].reason
    assert mistyped and "deletion" in mistyped[0].reason


def test_standin_preview_create_leaves_every_computed_output_unknown():
    from pulumi.runtime.proto import provider_pb2

    from tests.e2e.standin_provider import UNKNOWN, StandIn

    provider = StandIn("github", plugins.pinned_plugins()["github"])
    token = "github:index/repository:Repository"
    request = provider_pb2.CreateRequest(urn=f"urn:pulumi:s::p::{token}::repo", type=token, preview=True,
                                         properties=_struct({"name": "my-app"}))
    created = provider.Create(request, context=None)
    assert created.properties["name"] == "my-app"
    for computed in ("fullName", "htmlUrl", "nodeId", "repoId"):  # set by GitHub, never by the program
        assert created.properties[computed] == UNKNOWN
    assert "description" not in created.properties  # an input left unset stays absent
