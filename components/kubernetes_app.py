"""``KubernetesApp``: the web image on a Kubernetes cluster the team already runs.

Declares, through the explicit provider the caller passes (``wiring/kubernetes.py`` builds it with the stack's
kubeconfig context), a namespace holding a
hardened Deployment, a Service (80 -> 8080), an Ingress with TLS, a HorizontalPodAutoscaler
(autoscaling/v2), a PodDisruptionBudget and a NetworkPolicy. The container facts (port, health
path, numeric user) are the image's: ``tests/kubernetes`` reads them back from ``image/`` files.

``pulumi_kubernetes`` is imported here only; the program imports this module only when
``webapp-platform:kubernetes.enabled`` is true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional

import pulumi
import pulumi_kubernetes as k8s

from platform_facts import COMPONENT_TYPES, Environment

__all__ = ["KubernetesApp", "KubernetesAppArgs", "CONTAINER_PORT", "HEALTH_PATH", "RUN_AS_USER", "RUN_AS_GROUP"]

TYPE = COMPONENT_TYPES["KubernetesApp"]

# Facts of the image (image/Dockerfile, image/listen.conf, image/site.conf); a test keeps them in step.
CONTAINER_PORT = 8080  # a non-root process cannot bind 80
HEALTH_PATH = "/health"  # answers 200 without logging
RUN_AS_USER = 101  # the image's numeric USER
RUN_AS_GROUP = 101
PORT_NAME = "http"
# nginx writes its pid and temp files under /tmp, the one writable path on a read-only root filesystem.
TMP_MOUNT = "/tmp"
TMP_SIZE_LIMIT = "64Mi"
# Seconds a terminating pod keeps serving while endpoints controllers and ingress remove it: nginx
# treats SIGTERM as a fast shutdown, so without this pause in-flight requests would be cut.
PRE_STOP_SLEEP_SECONDS = 5


@dataclass(frozen=True)
class KubernetesAppArgs:
    """Inputs of :class:`KubernetesApp`, resolved for one stack (``wiring.kubernetes_args`` builds them).

    The cluster is not an argument: the caller passes an explicit ``pulumi_kubernetes.Provider`` in
    ``opts`` (``providers=[...]``), built in ``wiring/`` like every other provider."""

    image_ref: pulumi.Input[str]
    """The WebImage's ref, pinned by digest (registry/repo:tag@sha256:...)."""
    environment: Environment
    """Labels, and production's replica floor."""
    namespace: str
    """Namespace the component creates and runs the app in."""
    host: str
    """Public host name the Ingress serves with TLS."""
    min_replicas: int
    """Autoscaler minimum (the replica count when autoscaling is off)."""
    max_replicas: int
    """Autoscaler maximum."""
    autoscaling: bool = True
    """HorizontalPodAutoscaler on; then the Deployment leaves ``replicas`` unset."""
    cpu_target_percent: int = 70
    """Average CPU utilisation (of requests) the autoscaler aims for."""
    requests_cpu: str = "50m"
    """Container CPU request."""
    requests_memory: str = "64Mi"
    """Container memory request."""
    limits_cpu: str = "500m"
    """Container CPU limit."""
    limits_memory: str = "128Mi"
    """Container memory limit."""
    ingress_class: str = "nginx"
    """IngressClass of the cluster's ingress controller."""
    ingress_controller_namespace: str = "ingress-nginx"
    """Only pods from this namespace may reach the web pods."""
    tls_secret_name: str = "web-tls"
    """TLS secret of the host's certificate."""
    cert_manager_issuer: Optional[str] = None
    """When set, cert-manager fills ``tls_secret_name``."""
    cert_manager_issuer_kind: Literal["ClusterIssuer", "Issuer"] = "ClusterIssuer"
    """Kind of ``cert_manager_issuer``."""
    image_pull_secret: Optional[str] = None
    """docker-registry secret in the namespace, for a private image."""
    app_name: str = "web"
    """Name of the Deployment, Service, Ingress, ... and the app label."""


class KubernetesApp(pulumi.ComponentResource):
    """The web app in its own namespace. Outputs: ``namespace``, ``service_name``, ``url``."""

    namespace: pulumi.Output[str]
    service_name: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: KubernetesAppArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(TYPE, name, None, opts)
        labels = app_labels(args)
        selector = selector_labels(args)

        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace", metadata=namespace_metadata(args), opts=pulumi.ResourceOptions(parent=self)
        )
        # Names are literal (known during previews, so policies can link the objects); the dependency on
        # the namespace is explicit instead.
        child = pulumi.ResourceOptions(parent=self, depends_on=[namespace])

        def meta(**extra: Any) -> dict:
            return {"name": args.app_name, "namespace": args.namespace, "labels": labels, **{k: v for k, v in extra.items() if v}}

        k8s.apps.v1.Deployment(
            f"{name}-deployment", metadata=meta(), spec=deployment_spec(args, labels, selector), opts=child
        )
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=meta(),
            spec={
                "type": "ClusterIP",
                "selector": selector,
                "ports": [{"name": PORT_NAME, "port": 80, "target_port": PORT_NAME, "protocol": "TCP"}],
            },
            opts=child,
        )
        k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata=meta(annotations=ingress_annotations(args)),
            spec=ingress_spec(args),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[service])),
        )
        if args.autoscaling:
            k8s.autoscaling.v2.HorizontalPodAutoscaler(f"{name}-hpa", metadata=meta(), spec=hpa_spec(args), opts=child)
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=meta(),
            spec={"min_available": pdb_min_available(args), "selector": {"match_labels": selector}},
            opts=child,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy", metadata=meta(), spec=network_policy_spec(args, selector), opts=child
        )

        self.namespace = namespace.metadata.apply(lambda m: m.name)
        self.service_name = service.metadata.apply(lambda m: m.name)
        self.url = pulumi.Output.from_input(f"https://{args.host}")
        self.register_outputs({"namespace": self.namespace, "serviceName": self.service_name, "url": self.url})


# --- Pieces (plain data, so tests and docs can read them without a Pulumi run) ----------------

def selector_labels(args: KubernetesAppArgs) -> dict[str, str]:
    """The labels that select this app's pods: stable for the Deployment's lifetime (selectors are immutable)."""
    return {"app.kubernetes.io/name": args.app_name, "app.kubernetes.io/instance": f"{args.app_name}-{args.environment}"}


def app_labels(args: KubernetesAppArgs) -> dict[str, str]:
    return {
        **selector_labels(args),
        "app.kubernetes.io/part-of": "webapp-platform",
        "app.kubernetes.io/managed-by": "pulumi",
        "webapp-platform/environment": args.environment,
    }


def namespace_metadata(args: KubernetesAppArgs) -> dict:
    # The namespace enforces the "restricted" Pod Security Standard, so the API server itself refuses a
    # pod that loses any of the hardening below.
    return {
        "name": args.namespace,
        "labels": {
            "app.kubernetes.io/part-of": "webapp-platform",
            "app.kubernetes.io/managed-by": "pulumi",
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
        },
    }


def _http_probe(period: int, failures: int, timeout: int = 2) -> dict:
    return {
        "http_get": {"path": HEALTH_PATH, "port": PORT_NAME, "scheme": "HTTP"},
        "period_seconds": period,
        "timeout_seconds": timeout,
        "failure_threshold": failures,
    }


def container_spec(args: KubernetesAppArgs) -> dict:
    return {
        "name": args.app_name,
        "image": args.image_ref,
        # The reference is pinned by digest, so the cached copy is always the right image; `Always` would
        # only make every pod start depend on the registry being reachable.
        "image_pull_policy": "IfNotPresent",
        "ports": [{"name": PORT_NAME, "container_port": CONTAINER_PORT, "protocol": "TCP"}],
        # startup: up to 60 s to come up; readiness: out of the Service after 3 misses; liveness: restart
        # only after 30 s of silence (a busy nginx must not be killed for one slow answer).
        "startup_probe": _http_probe(period=2, failures=30),
        "readiness_probe": _http_probe(period=5, failures=3),
        "liveness_probe": _http_probe(period=10, failures=3),
        "resources": {
            "requests": {"cpu": args.requests_cpu, "memory": args.requests_memory},
            "limits": {"cpu": args.limits_cpu, "memory": args.limits_memory},
        },
        "security_context": {
            "run_as_non_root": True,
            "run_as_user": RUN_AS_USER,
            "run_as_group": RUN_AS_GROUP,
            "read_only_root_filesystem": True,
            "allow_privilege_escalation": False,
            "privileged": False,
            "capabilities": {"drop": ["ALL"]},
            "seccomp_profile": {"type": "RuntimeDefault"},
        },
        "volume_mounts": [{"name": "tmp", "mount_path": TMP_MOUNT}],
        "lifecycle": {"pre_stop": {"sleep": {"seconds": PRE_STOP_SLEEP_SECONDS}}},
    }


def topology_spread(selector: dict[str, str]) -> list[dict]:
    """Spread pods over nodes (hard) and zones (soft: single-zone clusters and nodes without zone labels
    must still schedule). ``pod-template-hash`` keeps a rollout's new pods spread among themselves."""
    def constraint(key: str, when: str) -> dict:
        return {
            "max_skew": 1,
            "topology_key": key,
            "when_unsatisfiable": when,
            "label_selector": {"match_labels": selector},
            "match_label_keys": ["pod-template-hash"],
        }

    return [constraint("kubernetes.io/hostname", "DoNotSchedule"), constraint("topology.kubernetes.io/zone", "ScheduleAnyway")]


def pod_spec(args: KubernetesAppArgs, selector: dict[str, str]) -> dict:
    spec: dict[str, Any] = {
        # nginx never talks to the API server: no token in the pod, and no service env vars either.
        "automount_service_account_token": False,
        "enable_service_links": False,
        "security_context": {
            "run_as_non_root": True,
            "run_as_user": RUN_AS_USER,
            "run_as_group": RUN_AS_GROUP,
            "fs_group": RUN_AS_GROUP,
            "seccomp_profile": {"type": "RuntimeDefault"},
        },
        "termination_grace_period_seconds": 30,
        "topology_spread_constraints": topology_spread(selector),
        "containers": [container_spec(args)],
        "volumes": [{"name": "tmp", "empty_dir": {"size_limit": TMP_SIZE_LIMIT}}],
    }
    if args.image_pull_secret:
        spec["image_pull_secrets"] = [{"name": args.image_pull_secret}]
    return spec


def deployment_spec(args: KubernetesAppArgs, labels: dict[str, str], selector: dict[str, str]) -> dict:
    spec: dict[str, Any] = {
        "selector": {"match_labels": selector},
        "revision_history_limit": 5,
        "min_ready_seconds": 5,
        # Zero unavailable: a rollout first adds a ready pod, then removes an old one.
        "strategy": {"type": "RollingUpdate", "rolling_update": {"max_unavailable": 0, "max_surge": 1}},
        "template": {"metadata": {"labels": labels}, "spec": pod_spec(args, selector)},
    }
    if not args.autoscaling:
        # With an autoscaler, a `replicas` here would reset the scale on every `pulumi up`.
        spec["replicas"] = args.min_replicas
    return spec


def ingress_annotations(args: KubernetesAppArgs) -> dict[str, str]:
    if not args.cert_manager_issuer:
        return {}
    key = "cert-manager.io/cluster-issuer" if args.cert_manager_issuer_kind == "ClusterIssuer" else "cert-manager.io/issuer"
    return {key: args.cert_manager_issuer}


def ingress_spec(args: KubernetesAppArgs) -> dict:
    return {
        "ingress_class_name": args.ingress_class,
        "tls": [{"hosts": [args.host], "secret_name": args.tls_secret_name}],
        "rules": [
            {
                "host": args.host,
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "path_type": "Prefix",
                            "backend": {"service": {"name": args.app_name, "port": {"name": PORT_NAME}}},
                        }
                    ]
                },
            }
        ],
    }


def hpa_spec(args: KubernetesAppArgs) -> dict:
    return {
        "scale_target_ref": {"api_version": "apps/v1", "kind": "Deployment", "name": args.app_name},
        "min_replicas": args.min_replicas,
        "max_replicas": args.max_replicas,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "average_utilization": args.cpu_target_percent},
                },
            }
        ],
    }


def pdb_min_available(args: KubernetesAppArgs) -> int:
    """One pod below the autoscaler's minimum: a drain may always evict one pod, never more at the minimum."""
    return args.min_replicas - 1


def network_policy_spec(args: KubernetesAppArgs, selector: dict[str, str]) -> dict:
    # Only the ingress controller's pods may connect, and only to the web port. Egress is denied: nginx
    # serving files needs no outbound connection (kubelet probes are not subject to NetworkPolicy).
    return {
        "pod_selector": {"match_labels": selector},
        "policy_types": ["Ingress", "Egress"],
        "ingress": [
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=[
                    {
                        "namespace_selector": {
                            "match_labels": {"kubernetes.io/metadata.name": args.ingress_controller_namespace}
                        }
                    }
                ],
                ports=[{"port": CONTAINER_PORT, "protocol": "TCP"}],
            )
        ],
        "egress": [],
    }
