"""The optional Kubernetes deployment and its provider (only when ``kubernetes.enabled``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from platform_facts import COMPONENT_TYPES, Environment
from stackconfig.kubernetes import KubernetesConfig
from stackconfig.model import StackConfig

if TYPE_CHECKING:  # pulumi_kubernetes (~0.6 s to import) only where Kubernetes is on
    from components.kubernetes_app import KubernetesAppArgs


def kubernetes_args(
    kubernetes: KubernetesConfig, *, environment: Environment, domain: str, image_ref: pulumi.Input[str]
) -> KubernetesAppArgs:
    """The KubernetesApp's args for this stack. Call only when enabled and the config has no problems."""
    from components.kubernetes_app import KubernetesAppArgs

    if not kubernetes.enabled:
        raise ValueError("kubernetes.enabled is false: there is no KubernetesApp to declare")
    minimum = kubernetes.min_replicas_for(environment)
    return KubernetesAppArgs(
        image_ref=image_ref,
        environment=environment,
        namespace=kubernetes.namespace_for(environment),
        host=kubernetes.host_for(domain),
        min_replicas=minimum,
        max_replicas=max(kubernetes.max_replicas, minimum),
        autoscaling=kubernetes.autoscaling,
        cpu_target_percent=kubernetes.cpu_target_percent,
        requests_cpu=kubernetes.resources.requests.cpu,
        requests_memory=kubernetes.resources.requests.memory,
        limits_cpu=kubernetes.resources.limits.cpu,
        limits_memory=kubernetes.resources.limits.memory,
        ingress_class=kubernetes.ingress_class,
        ingress_controller_namespace=kubernetes.ingress_controller_namespace,
        tls_secret_name=kubernetes.tls.secret_name,
        cert_manager_issuer=kubernetes.tls.cert_manager_issuer,
        cert_manager_issuer_kind=kubernetes.tls.issuer_kind,
        image_pull_secret=kubernetes.image_pull_secret,
    )


# Until 2026-12 the component built this provider itself, as its child "kubernetes-provider"; the alias
# keeps a stack created then on the same provider (a new provider URN would replace every object).
_OLD_KUBERNETES_PROVIDER = "kubernetes-provider"


def kubernetes_provider(kubernetes: KubernetesConfig):
    """The Kubernetes provider, on the cluster the stack names (never the machine's current context)."""
    import pulumi_kubernetes as k8s  # ~0.6 s to import: only where Kubernetes is on

    old_parent = (
        f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::"
        f"{COMPONENT_TYPES['KubernetesApp']}::kubernetes"
    )
    return k8s.Provider(
        "kubernetes",
        context=kubernetes.kube_context,
        opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name=_OLD_KUBERNETES_PROVIDER, parent=old_parent)]),
    )


def _image_to_run(ref):
    # A promoting stack whose building stack has built nothing yet has no image (README "First run"):
    # a Deployment without one would fail in the cluster, so the run stops here and says why.
    if ref is None:
        raise pulumi.RunError(
            "webapp-platform:kubernetes.enabled: there is no image to run yet (image.promoteFrom has built nothing); "
            "turn Kubernetes on after the building stack's first `pulumi up` and this stack's promotion"
        )
    return ref


def kubernetes_app(config: StackConfig, image):
    """The optional Kubernetes deployment of the same image (None unless enabled)."""
    if not config.kubernetes.enabled:
        return None
    from components.kubernetes_app import KubernetesApp  # pulumi_kubernetes costs ~0.6 s to import

    return KubernetesApp(
        "kubernetes",
        kubernetes_args(config.kubernetes, environment=config.environment, domain=config.domain,
                        image_ref=image.ref.apply(_image_to_run)),
        opts=pulumi.ResourceOptions(providers=[kubernetes_provider(config.kubernetes)]),
    )
