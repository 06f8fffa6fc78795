"""The nginx web image: built here or promoted by digest (only when ``image.mode`` is not off)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import pulumi

from components.sentry_monitoring import SentryMonitoring
from platform_facts import Environment
from stackconfig.image import ImageConfig
from stackconfig.load import secret_output
from stackconfig.model import StackConfig

if TYPE_CHECKING:  # pulumi_docker_build is imported only where the image is on
    from components.web_image import WebImageArgs


def image_args(
    image: ImageConfig,
    *,
    environment: Environment,
    github_owner: str,
    github_repository: str,
    api_url: str,
    sentry_dsn: pulumi.Input[str],
    registry_token: Optional[pulumi.Input[str]],
    csp_report_uri: Optional[pulumi.Input[str]] = None,
) -> WebImageArgs:
    """The WebImage's args for this stack. Call only when the image is on and the config has no problems."""
    from components.web_image import RegistryLogin, WebImageArgs

    if image.mode == "off":
        raise ValueError("image.mode is off: there is no WebImage to build")
    repository = image.repository_for(github_owner, github_repository)
    if image.mode == "promote":
        return WebImageArgs(environment=environment, mode="promote", repository=repository, promote_from=image.promote_from)
    if registry_token is None:
        raise ValueError("image.mode build pushes to the registry and needs webapp-platform:registryToken")
    return WebImageArgs(
        environment=environment,
        mode="build",
        repository=repository,
        version=image.version,
        context_dir=image.app_source,
        platforms=tuple(image.platforms),
        build_args=image_build_args(image, environment, api_url, sentry_dsn, csp_report_uri),
        registry=RegistryLogin(
            address=image.registry, username=image.registry_username or github_owner, password=registry_token
        ),
        cache=image.cache,
        build_on_preview=image.build_on_preview,
        source_url=f"https://github.com/{github_owner}/{github_repository}",
    )


def image_build_args(
    image: ImageConfig,
    environment: str,
    api_url: str,
    sentry_dsn: pulumi.Input[str],
    csp_report_uri: Optional[pulumi.Input[str]] = None,
) -> dict[str, pulumi.Input[str]]:
    """The Dockerfile ARGs for this environment (image/Dockerfile declares them). Build args end up in the
    image: no secrets here. The DSN is public by design (the browser sends it with every event); the image
    renders its Content-Security-Policy from the API URL, the DSN and the report URI."""
    args: dict[str, pulumi.Input[str]] = {
        "BUILD_SCRIPT": image.build_script or f"build:{environment}",
        "VITE_ENVIRONMENT": environment,
        "VITE_API_URL": api_url,
        "VITE_SENTRY_DSN": sentry_dsn,
    }
    if csp_report_uri is not None:
        args["CSP_REPORT_URI"] = csp_report_uri
    if image.nginx_image:
        args["NGINX_IMAGE"] = image.nginx_image
    if image.node_image:
        args["NODE_IMAGE"] = image.node_image
    return args


def web_image(config: StackConfig, monitoring: SentryMonitoring):
    """The nginx image, built here or promoted by digest from the building stack (None when off)."""
    if not config.image.enabled:
        return None
    from components.web_image import WebImage  # pulumi_docker_build only where the image is on

    return WebImage(
        "web",
        image_args(
            config.image,
            environment=config.environment,
            github_owner=config.github_owner,
            github_repository=config.github_repository,
            api_url=config.api_url,
            sentry_dsn=monitoring.dsn,
            registry_token=secret_output(config.registry_token),
            csp_report_uri=monitoring.dsn_csp,
        ),
    )
