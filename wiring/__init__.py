"""From the validated config to each component's typed args: the translation __main__.py wires.

One module per area (``providers``, ``monitoring``, ``hosting``, ``github``, ``image``, ``kubernetes``);
this package re-exports the functions ``__main__.py`` calls.

Kept out of ``__main__.py`` so the program reads as a list of parts, and so tests can build one
part's args without running the whole program. Nothing here reads ``pulumi.Config``.
"""

from wiring.github import (
    access,
    actions_config,
    app_workflow_files,
    environment,
    managed_files,
    preview_environment,
    repository,
    repository_url,
    rulesets,
)
from wiring.hosting import app_variables, site
from wiring.image import image_args, image_build_args, web_image
from wiring.kubernetes import kubernetes_app, kubernetes_args, kubernetes_provider
from wiring.monitoring import monitoring
from wiring.plans import plan_warnings
from wiring.providers import Providers, providers

__all__ = [
    "Providers", "access", "actions_config", "app_variables", "app_workflow_files", "environment", "image_args",
    "image_build_args", "kubernetes_app", "kubernetes_args", "kubernetes_provider", "managed_files", "monitoring",
    "plan_warnings", "preview_environment", "providers", "repository", "repository_url", "rulesets", "site", "web_image",
]
