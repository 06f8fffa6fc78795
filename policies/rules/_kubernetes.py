"""Reading Kubernetes objects for the policies: type tokens, where each workload keeps its pod spec,
container settings with their pod-level defaults, and how selectors and namespaces link objects.

Props arrive as the engine passes them: camelCase Kubernetes objects with ``apiVersion`` and ``kind``.
The pod spec is found wherever the workload kind keeps it (Pod, Deployment, StatefulSet, DaemonSet,
ReplicaSet, Job, CronJob). A container setting may come from the pod's ``securityContext`` where
Kubernetes inherits it (runAsNonRoot, runAsUser, seccompProfile).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Optional

from pulumi_policy import PolicyResource

from policies.rules._props import get, items

K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment"
K8S_STATEFULSET = "kubernetes:apps/v1:StatefulSet"
K8S_DAEMONSET = "kubernetes:apps/v1:DaemonSet"
K8S_REPLICASET = "kubernetes:apps/v1:ReplicaSet"
K8S_JOB = "kubernetes:batch/v1:Job"
K8S_CRONJOB = "kubernetes:batch/v1:CronJob"
K8S_POD = "kubernetes:core/v1:Pod"
K8S_HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
K8S_PDB = "kubernetes:policy/v1:PodDisruptionBudget"
K8S_NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
K8S_INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"

# Where each workload kind keeps its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    K8S_POD: ("spec",),
    K8S_DEPLOYMENT: ("spec", "template", "spec"),
    K8S_STATEFULSET: ("spec", "template", "spec"),
    K8S_DAEMONSET: ("spec", "template", "spec"),
    K8S_REPLICASET: ("spec", "template", "spec"),
    K8S_JOB: ("spec", "template", "spec"),
    K8S_CRONJOB: ("spec", "jobTemplate", "spec", "template", "spec"),
}
REPLICATED = (K8S_DEPLOYMENT, K8S_STATEFULSET)  # workloads with `replicas` an autoscaler can own
SPREAD_KEYS = ("kubernetes.io/hostname", "topology.kubernetes.io/zone")




def pod_spec(resource_type: str, props: Any) -> Optional[Mapping]:
    """The pod spec of a workload, or None for anything that is not one."""
    path = POD_SPEC_PATHS.get(resource_type)
    if path is None:
        return None
    spec = get(props, *path)
    return spec if isinstance(spec, Mapping) else None


def containers(spec: Mapping) -> Iterator[tuple[str, Mapping]]:
    """(label, container) for every container and init container of a pod spec."""
    for field, label in (("initContainers", "init container"), ("containers", "container")):
        for container in items(get(spec, field)):
            if isinstance(container, Mapping):
                yield f"{label} '{get(container, 'name', default='?')}'", container


def effective(spec: Mapping, container: Mapping, key: str) -> Any:
    """A security setting as Kubernetes applies it: the container's, else the pod's."""
    value = get(container, "securityContext", key)
    return value if value is not None else get(spec, "securityContext", key)


def name_of(props: Any) -> str:
    return f"{get(props, 'kind', default='object')} '{get(props, 'metadata', 'name', default='?')}'"


def namespace_of(props: Any) -> str:
    return str(get(props, "metadata", "namespace", default="default"))


def pod_labels(resource: PolicyResource) -> Mapping:
    """The labels of a workload's pods (a Pod's own labels; a controller's pod template labels)."""
    path = POD_SPEC_PATHS[resource.resource_type][:-1] + ("metadata", "labels")
    labels = get(resource.props, *path)
    return labels if isinstance(labels, Mapping) else {}


def selects(selector: Any, labels: Mapping) -> bool:
    """Whether a label selector's matchLabels select ``labels`` (an empty selector selects all)."""
    match = get(selector, "matchLabels", default={})
    return all(labels.get(key) == value for key, value in dict(match).items())


def same_namespace(a: PolicyResource, b: PolicyResource) -> bool:
    return namespace_of(a.props) == namespace_of(b.props)
