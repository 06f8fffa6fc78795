"""``WebImage``: the nginx web image of one stack, built and pushed, or promoted from another stack.

Build mode declares a ``pulumi_docker_build.Image`` (the maintained successor that
``pulumi_docker.Image``'s own docs recommend): the app checkout is the build context, the
Dockerfile and nginx files come from this repository's ``image/`` folder (named build context
``webimage``), the BuildKit cache lives in the registry next to the image, and the output ``ref`` is
pinned by digest.

Promote mode builds nothing: it reads the ``imageRef`` output of the stack that built the image
(``StackReference``), so production runs byte for byte what staging tested.

``pulumi_docker_build`` is imported here only; the program imports this module only when the
image is enabled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Mapping, Optional

import pulumi

from platform_facts import COMPONENT_TYPES, DIGEST_REF_RE, IMAGE_REF_OUTPUT, Environment

if TYPE_CHECKING:
    import pulumi_docker_build as docker_build

__all__ = ["WebImage", "WebImageArgs", "RegistryLogin", "IMAGE_REF_OUTPUT", "require_digest_ref"]

TYPE = COMPONENT_TYPES["WebImage"]
# The Dockerfile reads its scripts and nginx files from this named build context.
WEBIMAGE_CONTEXT = "webimage"


@dataclass(frozen=True)
class RegistryLogin:
    """Credentials the build uses to push to (and read its cache from) the registry."""

    address: str
    """Registry host, e.g. ghcr.io."""
    username: str
    """Account the token belongs to."""
    password: pulumi.Input[str] = field(repr=False)
    """The token, a secret Output (webapp-platform:registryToken)."""


@dataclass(frozen=True)
class WebImageArgs:
    """Inputs of :class:`WebImage`, already resolved for one stack (``wiring.image_args`` builds them)."""

    environment: Environment
    """Tags the image ``:<environment>``."""
    mode: Literal["build", "promote"]
    """Build and push here, or reuse another stack's pushed image."""
    repository: str
    """Full repository without tag, e.g. ghcr.io/acme/shop-web."""
    version: Optional[str] = None
    """The version tag (build mode)."""
    context_dir: str = "../app"
    """Build context: the app checkout (package.json, src/)."""
    dockerfile: str = "image/Dockerfile"
    """This repository's Dockerfile."""
    webimage_dir: str = "image"
    """Named build context ``webimage``: nginx files, precompress and CSP scripts."""
    platforms: tuple[str, ...] = ("linux/amd64",)
    """Target platforms of the build."""
    build_args: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Dockerfile ARG values (they end up in the image: never secrets)."""
    registry: Optional[RegistryLogin] = None
    """Push credentials (build mode)."""
    cache: bool = True
    """Import/export the BuildKit cache as ``<repository>:buildcache``."""
    build_on_preview: bool = True
    """Build during previews too (never pushes then)."""
    promote_from: Optional[str] = None
    """organization/project/stack whose ``imageRef`` output is promoted (promote mode)."""
    source_url: Optional[str] = None
    """https://github.com/<owner>/<repo>: the label that links the GHCR package to the repository."""

    @property
    def registry_host(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def tags(self) -> list[str]:
        """The tags a build pushes: the version (immutable by convention) and the moving environment tag."""
        tags = [f"{self.repository}:{self.version}"] if self.version else []
        return tags + [f"{self.repository}:{self.environment}"]

    @property
    def cache_ref(self) -> str:
        return f"{self.repository}:buildcache"


def require_digest_ref(ref: str, source: str) -> str:
    """Refuse an image reference that a tag could move under us."""
    if not DIGEST_REF_RE.match(ref or ""):
        raise ValueError(f"{source}: image reference {ref!r} is not pinned by digest (expected name@sha256:<digest>)")
    return ref


class WebImage(pulumi.ComponentResource):
    """The stack's web image. Outputs: ``ref`` (registry/repo:tag@sha256:digest) and ``digest``."""

    ref: pulumi.Output[str]
    digest: pulumi.Output[str]

    def __init__(self, name: str, args: WebImageArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.mode == "build":
            image = _build(name, args, child)
            self.ref = image.ref
            self.digest = image.digest
        else:
            self.ref = _promote(name, args, child)
            self.digest = self.ref.apply(lambda ref: ref.rsplit("@", 1)[-1] if ref else None)
        self.register_outputs({"ref": self.ref, "digest": self.digest})


def _build(name: str, args: WebImageArgs, child: pulumi.ResourceOptions) -> docker_build.Image:
    import pulumi_docker_build as docker_build  # only where an image is built: ~0.2 s to import

    if args.registry is None or not args.version:
        raise ValueError("WebImage build mode needs registry credentials and a version")
    registry = docker_build.RegistryArgs(
        address=args.registry.address,
        username=args.registry.username,
        password=pulumi.Output.secret(args.registry.password),
    )
    return docker_build.Image(
        f"{name}-image",
        push=True,
        tags=args.tags,
        context=docker_build.BuildContextArgs(
            location=args.context_dir,
            named={WEBIMAGE_CONTEXT: docker_build.ContextArgs(location=args.webimage_dir)},
        ),
        dockerfile=docker_build.DockerfileArgs(location=args.dockerfile),
        build_args=dict(args.build_args),
        platforms=[docker_build.Platform(platform) for platform in args.platforms],
        registries=[registry],
        cache_from=_cache_from(args),
        cache_to=_cache_to(args),
        labels=_labels(args),
        build_on_preview=args.build_on_preview,
        opts=child,
    )


def _cache_from(args: WebImageArgs) -> Optional[list[docker_build.CacheFromArgs]]:
    import pulumi_docker_build as docker_build  # only where an image is built: ~0.2 s to import

    if not args.cache:
        return None
    return [docker_build.CacheFromArgs(registry=docker_build.CacheFromRegistryArgs(ref=args.cache_ref))]


def _cache_to(args: WebImageArgs) -> Optional[list[docker_build.CacheToArgs]]:
    import pulumi_docker_build as docker_build  # only where an image is built: ~0.2 s to import

    if not args.cache:
        return None
    # mode=max caches the builder stage too (npm ci is the slow part); GHCR accepts the cache only as an
    # OCI image manifest, not as BuildKit's default manifest list.
    return [
        docker_build.CacheToArgs(
            registry=docker_build.CacheToRegistryArgs(
                ref=args.cache_ref,
                mode=docker_build.CacheMode.MAX,
                image_manifest=True,
                oci_media_types=True,
            )
        )
    ]


def _labels(args: WebImageArgs) -> dict[str, str]:
    labels = {"org.opencontainers.image.version": args.version or "", "org.opencontainers.image.title": "web"}
    if args.source_url:
        # GHCR links the package to this repository (and its permissions) through this label.
        labels["org.opencontainers.image.source"] = args.source_url
    return labels


def _promote(name: str, args: WebImageArgs, child: pulumi.ResourceOptions) -> pulumi.Output[Optional[str]]:
    if not args.promote_from:
        raise ValueError("WebImage promote mode needs promote_from (organization/project/stack)")
    source = pulumi.StackReference(f"{name}-source", stack_name=args.promote_from, opts=child)
    # First run (README "First run"): the building stack exists but has built nothing yet. Promote
    # nothing and say so, rather than failing the run that creates what the build needs.
    return source.get_output(IMAGE_REF_OUTPUT).apply(lambda value: _promoted(value, args.promote_from))


def _promoted(value: Optional[str], promote_from: str) -> Optional[str]:
    if value is None:
        pulumi.log.warn(
            f"image: nothing built yet: {promote_from} has no '{IMAGE_REF_OUTPUT}' output, so this run promotes no "
            "image; run that stack's `pulumi up`, then this one again"
        )
        return None
    return require_digest_ref(value, f"{promote_from} output {IMAGE_REF_OUTPUT}")
