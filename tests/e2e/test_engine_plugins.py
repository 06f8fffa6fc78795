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
