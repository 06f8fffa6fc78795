"""Provider plugins at the pins in requirements.txt, built from source through the Go module proxy.

Each recipe says which module holds the provider's `main`, at which version, and what its release
build does beyond `go build` (module replaces, generated `*-embed.json` files, the version variable).
The `provider/` modules of the bridged providers are not tagged: their commit is the one the root
tag `vX.Y.Z` points at, which `go mod download -json ROOT@vX.Y.Z+incompatible` reports as
Origin.Hash. The build runs in a writable copy of the module so its own replace directives apply.

Checked on 2026-12-01 against this workplace's proxy: only docker-build 0.0.22 is served. sentry,
vercel, github and kubernetes at their pins answer 403 "not available" (kubernetes' provider/v4 is
served only at one pseudo-version from January 2026, the commit after v4.25.0), so their recipes
below could not be run here; a failure names the module and quotes the proxy.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from _steps import Run, StepFailed, go_download, go_env


@dataclass(frozen=True)
class Recipe:
    """How to build one provider plugin at one version."""

    module: str
    """Module path holding the provider's main package."""
    version: str
    """Module version, or "" to take the commit of `origin` (untagged provider/ modules)."""
    package: str
    """Main package, relative to the module root."""
    version_var: str
    """Linker variable that holds the plugin's version."""
    origin: str = ""
    """ROOT@vX.Y.Z+incompatible whose Origin.Hash is the provider module's commit."""
    replaces: tuple[str, ...] = ()
    """`go mod edit -replace` arguments (OLD=NEW@VERSION) the release build needs."""
    embeds: tuple[tuple[str, str], ...] = ()
    """(committed JSON, generated embed file) pairs: the embed is the compact JSON, version set."""


# Keyed by plugin name, then by the version requirements.txt pins (see PYPI_PACKAGES).
RECIPES: dict[str, dict[str, Recipe]] = {
    "sentry": {"0.0.9": Recipe(
        "github.com/pulumiverse/pulumi-sentry/provider", "v0.0.0-20241115114034-7cc6887b084a",
        "cmd/pulumi-resource-sentry", "github.com/pulumiverse/pulumi-sentry/provider/pkg/version.Version",
        embeds=(("cmd/pulumi-resource-sentry/schema.json", "cmd/pulumi-resource-sentry/schema-embed.json"),),
    )},
    "vercel": {"5.21.1": Recipe(
        "github.com/pulumiverse/pulumi-vercel/provider/v5", "", "cmd/pulumi-resource-vercel",
        "github.com/pulumiverse/pulumi-vercel/provider/v5/pkg/version.Version",
        origin="github.com/pulumiverse/pulumi-vercel@v5.21.1+incompatible",
    )},
    "github": {"6.15.0": Recipe(
        "github.com/pulumi/pulumi-github/provider/v6", "", "cmd/pulumi-resource-github",
        "github.com/pulumi/pulumi-github/provider/v6/pkg/version.Version",
        origin="github.com/pulumi/pulumi-github@v6.15.0+incompatible",
        replaces=("github.com/integrations/terraform-provider-github/v6="
                  "github.com/integrations/terraform-provider-github/v6@v6.13.0",),
        embeds=(("cmd/pulumi-resource-github/schema.json", "cmd/pulumi-resource-github/schema-embed.json"),),
    )},
    "docker-build": {"0.0.22": Recipe(
        "github.com/pulumi/pulumi-docker-build", "v0.0.22", "provider/cmd/pulumi-resource-docker-build",
        "github.com/pulumi/pulumi-docker-build/provider.Version",
    )},
    "kubernetes": {"4.34.2": Recipe(
        "github.com/pulumi/pulumi-kubernetes/provider/v4", "", "cmd/pulumi-resource-kubernetes",
        "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version",
        origin="github.com/pulumi/pulumi-kubernetes@v4.34.2+incompatible",
        replaces=("github.com/pulumi/pulumi-kubernetes/sdk/v4=github.com/pulumi/pulumi-kubernetes/sdk/v4@v4.34.2",),
        embeds=(("cmd/pulumi-resource-kubernetes/schema.json", "cmd/pulumi-resource-kubernetes/schema-embed.json"),
                ("cmd/pulumi-resource-kubernetes/terraform-mapping.json",
                 "cmd/pulumi-resource-kubernetes/terraform-mapping-embed.json")),
    )},
}

# Build order: smallest first, kubernetes (the largest link) last.
ORDER = ("sentry", "vercel", "github", "docker-build", "kubernetes")
PYPI_PACKAGES = {"sentry": "pulumiverse-sentry", "vercel": "pulumiverse-vercel", "github": "pulumi-github",
                 "docker-build": "pulumi-docker-build", "kubernetes": "pulumi-kubernetes"}


def binary_path(cache: Path, name: str, version: str) -> Path:
    return cache / "providers" / name / f"v{version}" / f"pulumi-resource-{name}"


def build_provider(run: Run, name: str, version: str) -> Path:
    """Build (or reuse) the plugin binary of provider `name` at `version`."""
    step = f"provider-{name}"
    recipe = RECIPES.get(name, {}).get(version)
    if recipe is None:
        raise StepFailed(step, f"pulumi-resource-{name}@{version}",
                         f"no build recipe for {name} {version}: add one to scripts/engine/_providers.py")
    output = binary_path(run.cache, name, version)
    with run.step(step, f"{recipe.module}@{recipe.version or recipe.origin}", output) as todo:
        if todo:
            module_version = recipe.version or _origin_commit(run, step, recipe.origin)
            folder = Path(str(go_download(run, step, f"{recipe.module}@{module_version}")["Dir"]))
            src = _writable_copy(folder, run.cache / "src" / "providers" / f"{name}-v{version}")
            module = f"{recipe.module}@{module_version}"
            env = {**go_env(), "GOFLAGS": "-buildvcs=false -mod=mod"}
            for replace in recipe.replaces:
                run.sh(step, module, ["go", "mod", "edit", f"-replace={replace}"], cwd=src, env=env)
            for committed, embed in recipe.embeds:
                _write_embed(src / committed, src / embed, version, step, module)
            tmp = output.with_name(output.name + ".tmp")
            output.parent.mkdir(parents=True, exist_ok=True)
            run.sh(step, module, ["go", "build", "-trimpath", "-ldflags", f"-X {recipe.version_var}={version}",
                                  "-o", str(tmp), "./" + recipe.package], cwd=src, env=env)
            os.replace(tmp, output)
            shutil.rmtree(src, ignore_errors=True)  # the Go build cache keeps what a rebuild needs
    return output


def _origin_commit(run: Run, step: str, root: str) -> str:
    """The commit the root tag points at (untagged provider/ modules are built at that commit)."""
    origin = go_download(run, step, root).get("Origin") or {}
    commit = origin.get("Hash") if isinstance(origin, dict) else None
    if not commit:
        raise StepFailed(step, root, "the proxy reports no Origin.Hash for the release tag")
    return str(commit)


def _writable_copy(folder: Path, target: Path) -> Path:
    """The module cache is read-only: copy the module and give the copy write bits."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder, target)
    for root, dirs, files in os.walk(target):
        for entry in (*dirs, *files):
            path = os.path.join(root, entry)
            os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR)
    os.chmod(target, os.stat(target).st_mode | stat.S_IWUSR)
    return target


def _write_embed(committed: Path, embed: Path, version: str, step: str, module: str) -> None:
    if not committed.is_file():
        raise StepFailed(step, module, f"{committed.name} is missing from the module")
    data = json.loads(committed.read_text(encoding="utf-8"))
    if "schema" in committed.name:
        data["version"] = version
    embed.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
