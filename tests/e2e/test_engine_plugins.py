"""Which provider plugins the engine tier runs: real where `make engine` built them, stand-ins only
where it could not (the Go module proxy refuses their modules), never for docker-build."""

from __future__ import annotations

from tests.e2e import plugins


def test_standins_replace_only_missing_plugins(provider_setup):
    pinned = set(plugins.pinned_plugins())
    assert pinned == {"github", "vercel", "sentry", "docker-build", "kubernetes"}
    assert provider_setup.standins == pinned - provider_setup.real - {"docker-build"}
    assert "docker-build" in provider_setup.real, "make engine builds docker-build: its plugin must be real"
    for name in provider_setup.standins:
        assert (provider_setup.bin_dir / f"pulumi-resource-{name}").is_file()
