"""The ``webapp-platform:image`` config object: how a stack gets its nginx web image.

A stack either builds and pushes the image (``mode: build``, normally staging), promotes the exact
image another stack built (``mode: promote``, normally production: build once, deploy many), or has
no image at all (``mode: off``). Stack files use camelCase keys::

    webapp-platform:image:
      mode: build
      appSource: ../app
      version: v1.4.2

Defaults cannot depend on the stack here, so checks that need the environment live in
``ImageConfig.problems_for(environment)``, which the main model calls.
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from platform_facts import DIGEST_SUFFIX_RE as DIGEST_RE
from platform_facts import IMAGE_REF_OUTPUT

ImageMode = Literal["build", "promote", "off"]
# The Linux platforms pulumi_docker_build's ``Platform`` enum accepts (it has no arm variants).
LinuxPlatform = Literal[
    "linux/amd64", "linux/arm64", "linux/arm", "linux/386", "linux/ppc64le", "linux/s390x", "linux/riscv64"
]


# A registry host (optionally with a port), lower case, as Docker parses it: it has a dot or a port.
REGISTRY_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::\d{1,5})?$|^localhost:\d{1,5}$")
# Docker repository path: lower-case components separated by '/'.
REPOSITORY_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
# Docker tag grammar.
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
# A fully qualified image reference with an explicit tag, optionally pinned: name:tag[@sha256:...].
PINNED_IMAGE_RE = re.compile(r"^[a-z0-9][a-z0-9./_-]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(?:@sha256:[0-9a-f]{64})?$")
# organization/project/stack, the fully qualified name a StackReference takes.
STACK_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
NPM_SCRIPT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,99}$")


class ImageConfig(BaseModel):
    """The nginx web image of this stack (``webapp-platform:image``)."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)

    mode: ImageMode = Field(
        default="build",
        description="build: build the image from appSource and push it; promote: reuse the image the stack "
        "named by promoteFrom built (no rebuild: production deploys exactly what staging tested); off: no image.",
    )
    app_source: str = Field(
        default="../app",
        description="Path to the app checkout (package.json, src/), relative to this project; the build context.",
    )
    version: Optional[str] = Field(
        default=None,
        description="Version tag of the image (the app release, e.g. v1.4.2, or a commit SHA); required to build. "
        "CI sets it per run with `pulumi config set --path webapp-platform:image.version <tag>`.",
    )
    platforms: list[LinuxPlatform] = Field(
        default_factory=lambda: ["linux/amd64"], description="Target platforms of the build."
    )
    registry: str = Field(default="ghcr.io", description="Registry host the image is pushed to.")
    repository: Optional[str] = Field(
        default=None,
        description="Repository path inside the registry; default <githubOwner>/<githubRepository>-web in lower case.",
    )
    registry_username: Optional[str] = Field(
        default=None,
        description="Registry account that owns registryToken; default githubOwner. The token itself is the "
        "secret key webapp-platform:registryToken.",
    )
    promote_from: Optional[str] = Field(
        default=None,
        description="Fully qualified building stack whose "
        f"'{IMAGE_REF_OUTPUT}' output is promoted; required when mode is promote. Local and S3 backends: "
        "organization/webapp-platform/<stack> (the literal word organization); Pulumi Cloud: <org>/webapp-platform/<stack>.",
    )
    nginx_image: Optional[str] = Field(
        default=None,
        description="Base image of the final stage as name:tag@sha256:digest (build argument NGINX_IMAGE); "
        "default the Dockerfile's pinned tag. Production builds must pin a digest (policy).",
    )
    node_image: Optional[str] = Field(
        default=None,
        description="Base image of the builder stage as name:tag@sha256:digest (build argument NODE_IMAGE); "
        "default the Dockerfile's pinned tag.",
    )
    build_script: Optional[str] = Field(
        default=None,
        description="package.json script that builds this environment (build argument BUILD_SCRIPT); default "
        "build:<environment>.",
    )
    cache: bool = Field(default=True, description="Use the registry build cache (<repository>:buildcache).")
    build_on_preview: bool = Field(
        default=True, description="Build during `pulumi preview` too (never pushes then), so a broken build fails early."
    )

    # --- Field checks (messages complete "expected ...") ------------------------------------
    @field_validator("app_source")
    @classmethod
    def _app_source(cls, value: str) -> str:
        if not value.strip() or "://" in value:
            raise ValueError("a local directory path (the app checkout), not empty and not a URL")
        return value

    @field_validator("version")
    @classmethod
    def _version(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return value
        if not TAG_RE.match(value):
            raise ValueError("a Docker tag: letters, digits, '_', '.', '-', at most 128 characters, e.g. v1.4.2")
        if value.lower() == "latest" or value in ("staging", "production"):
            raise ValueError(
                "a version such as v1.4.2 or a commit SHA; 'latest', 'staging' and 'production' are moving tags"
            )
        return value

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one platform, e.g. [linux/amd64]")
        if len(set(value)) != len(value):
            raise ValueError("each platform once")
        return value

    @field_validator("registry")
    @classmethod
    def _registry(cls, value: str) -> str:
        if not REGISTRY_RE.match(value):
            raise ValueError("a registry host such as ghcr.io (lower case, no scheme, no path)")
        return value

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not REPOSITORY_RE.match(value):
            raise ValueError("a lower-case repository path such as acme/shop-web (no registry, no tag)")
        return value

    @field_validator("promote_from")
    @classmethod
    def _promote_from(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not STACK_NAME_RE.match(value):
            raise ValueError(
                "a fully qualified stack name: organization/webapp-platform/<stack> on the local and S3 backends "
                "(the literal word organization), <your-org>/webapp-platform/<stack> on Pulumi Cloud"
            )
        return value

    @field_validator("nginx_image", "node_image")
    @classmethod
    def _base_image(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not PINNED_IMAGE_RE.match(value):
            raise ValueError("an image as name:tag or name:tag@sha256:<64 hex>, e.g. nginx:1.28-alpine@sha256:...")
        if value is not None and value.split("@")[0].rsplit(":", 1)[1] == "latest":
            raise ValueError("a pinned tag, not latest")
        return value

    @field_validator("build_script")
    @classmethod
    def _build_script(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not NPM_SCRIPT_RE.match(value):
            raise ValueError("an npm script name such as build:production (letters, digits, ':', '-', '_', '.')")
        return value

    # --- Checks that need the environment -------------------------------------------------
    def problems_for(self, environment: str) -> list[str]:
        """Problems that depend on the stack, each starting with its key (``image.version: ...``)."""
        problems = []
        if self.mode == "build" and self.version is None:
            problems.append(
                "image.version: required when image.mode is build (the image's version tag, e.g. v1.4.2); set it "
                "with `pulumi config set --path webapp-platform:image.version <tag>`"
            )
        if self.mode == "promote" and self.promote_from is None:
            problems.append(
                "image.promoteFrom: required when image.mode is promote (the building stack, e.g. "
                "acme/webapp-platform/staging)"
            )
        if self.mode != "promote" and self.promote_from is not None:
            problems.append(f"image.promoteFrom: only used when image.mode is promote (mode is {self.mode})")
        if self.mode == "promote" and environment == "staging":
            problems.append("image.mode: staging builds the image it tests; promote is for later stages (production)")
        if environment == "production" and self.mode == "build":
            for key, value in (("nginxImage", self.nginx_image), ("nodeImage", self.node_image)):
                if value is None or not DIGEST_RE.search(value):
                    problems.append(
                        f"image.{key}: a production build must pin its base image by digest "
                        "(name:tag@sha256:<digest>), or promote staging's image with image.mode: promote"
                    )
        return problems

    # --- Derived values -------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    @property
    def needs_registry_token(self) -> bool:
        """Only a build pushes; promotion reads another stack's output and needs no credentials."""
        return self.mode == "build"

    def repository_for(self, github_owner: str, github_repository: str) -> str:
        """Full repository without tag; registries want lower case (GitHub names need not be)."""
        path = self.repository or f"{github_owner}/{github_repository}-web".lower()
        return f"{self.registry}/{path}"
