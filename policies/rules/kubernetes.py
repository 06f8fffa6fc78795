"""Kubernetes guardrails: every workload runs hardened, bounded, probed and digest-pinned; Deployments
roll out without losing capacity and spread over nodes and zones; Ingresses serve TLS; production keeps
at least 3 replicas and a PodDisruptionBudget that lets a drain proceed one pod at a time.

Props arrive as the engine passes them: camelCase Kubernetes objects with ``apiVersion`` and ``kind``.
The pod spec is found wherever the workload kind keeps it (Pod, Deployment, StatefulSet, DaemonSet,
ReplicaSet, Job, CronJob). A container setting may come from the pod's ``securityContext`` where
Kubernetes inherits it (runAsNonRoot, runAsUser, seccompProfile).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Optional

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.rules._props import MANDATORY, config, environment_schema, get, items, number, of_type

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
PRODUCTION_MIN_REPLICAS = 3
DIGEST_IMAGE_RE = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")
SPREAD_KEYS = ("kubernetes.io/hostname", "topology.kubernetes.io/zone")

ENVIRONMENT_CONFIG = PolicyConfigSchema(properties={"environment": environment_schema()}, required=["environment"])


# --- reading workloads -----------------------------------------------------------------------------

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


def _name(props: Any) -> str:
    return f"{get(props, 'kind', default='object')} '{get(props, 'metadata', 'name', default='?')}'"


def _namespace(props: Any) -> str:
    return str(get(props, "metadata", "namespace", default="default"))


def container_policy(check: Callable[[Mapping, Mapping], list[str]]) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """A resource validation that runs ``check(pod_spec, container)`` on every container of a workload."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        spec = pod_spec(args.resource_type, args.props)
        if spec is None:
            return
        for label, container in containers(spec):
            for problem in check(spec, container):
                report_violation(f"{_name(args.props)}, {label}: {problem}", args.urn)

    validate.__doc__ = check.__doc__
    return validate


# --- per-container checks ------------------------------------------------------------------------

def check_non_root(spec: Mapping, container: Mapping) -> list[str]:
    """Runs as a non-root numeric user: runAsNonRoot true and runAsUser set and not 0."""
    problems = []
    if effective(spec, container, "runAsNonRoot") is not True:
        problems.append("runAsNonRoot is not true")
    user = number(effective(spec, container, "runAsUser"))
    if user is None:
        problems.append("runAsUser is not set (the image's numeric uid lets the kubelet verify non-root)")
    elif user == 0:
        problems.append("runAsUser is 0 (root)")
    return problems


def check_read_only_root(spec: Mapping, container: Mapping) -> list[str]:
    """The root filesystem is read-only (writable paths are emptyDir volumes)."""
    if get(container, "securityContext", "readOnlyRootFilesystem") is not True:
        return ["readOnlyRootFilesystem is not true"]
    return []


def check_no_escalation(spec: Mapping, container: Mapping) -> list[str]:
    """Not privileged, no privilege escalation, every capability dropped and none added."""
    problems = []
    context = get(container, "securityContext", default={})
    if get(context, "privileged") is True:
        problems.append("privileged is true")
    if get(context, "allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    dropped = [c for c in items(get(context, "capabilities", "drop")) if isinstance(c, str)]
    if "ALL" not in dropped:
        problems.append("capabilities.drop does not contain ALL")
    added = [c for c in items(get(context, "capabilities", "add")) if isinstance(c, str)]
    if added:
        problems.append(f"capabilities.add grants {', '.join(added)}")
    return problems


def check_seccomp(spec: Mapping, container: Mapping) -> list[str]:
    """A seccomp profile filters system calls: RuntimeDefault (or a Localhost profile)."""
    kind = get(effective(spec, container, "seccompProfile") or {}, "type")
    if kind not in ("RuntimeDefault", "Localhost"):
        return [f"seccompProfile.type is {kind or 'unset'} (expected RuntimeDefault)"]
    return []


def check_resources(spec: Mapping, container: Mapping) -> list[str]:
    """CPU and memory requests (for scheduling) and limits (a ceiling) are set."""
    missing = [
        f"{group}.{resource}"
        for group in ("requests", "limits")
        for resource in ("cpu", "memory")
        if get(container, "resources", group, resource) in (None, "")
    ]
    return [f"resources {', '.join(missing)} not set"] if missing else []


def check_probes(spec: Mapping, container: Mapping) -> list[str]:
    """Readiness (traffic only to ready pods) and liveness (restart a hung server) probes are set."""
    missing = [probe for probe in ("readinessProbe", "livenessProbe") if not get(container, probe)]
    return [f"{' and '.join(missing)} not set"] if missing else []


def check_digest(spec: Mapping, container: Mapping) -> list[str]:
    """The image is pinned by digest (name@sha256:...), so every pod runs the same bytes."""
    image = get(container, "image")
    if not isinstance(image, str) or not DIGEST_IMAGE_RE.match(image):
        return [f"image {image!r} is not pinned by digest (expected name@sha256:<digest>)"]
    return []


# --- per-workload checks ---------------------------------------------------------------------------

def validate_no_service_account_token(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The pod does not mount a service-account token (the web server never calls the API server)."""
    spec = pod_spec(args.resource_type, args.props)
    if spec is not None and get(spec, "automountServiceAccountToken") is not False:
        report_violation(f"{_name(args.props)}: automountServiceAccountToken is not false", args.urn)


def _zero(value: Any) -> bool:
    return number(value) == 0 or value in ("0", "0%")


def validate_zero_unavailable_rollout(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A Deployment rolls out with zero unavailable pods: new pods become ready before old ones go."""
    if args.resource_type != K8S_DEPLOYMENT:
        return
    strategy = get(args.props, "spec", "strategy", default={})
    if get(strategy, "type", default="RollingUpdate") != "RollingUpdate":
        report_violation(f"{_name(args.props)}: strategy {get(strategy, 'type')} stops every pod before starting new ones", args.urn)
    elif not _zero(get(strategy, "rollingUpdate", "maxUnavailable")):
        report_violation(
            f"{_name(args.props)}: rollingUpdate.maxUnavailable is "
            f"{get(strategy, 'rollingUpdate', 'maxUnavailable', default='unset (25%)')} (expected 0)",
            args.urn,
        )


def validate_topology_spread(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A Deployment's pods spread across nodes and zones (topologySpreadConstraints on both keys)."""
    if args.resource_type != K8S_DEPLOYMENT:
        return
    spec = pod_spec(args.resource_type, args.props) or {}
    keys = {get(c, "topologyKey") for c in items(get(spec, "topologySpreadConstraints"))}
    missing = [key for key in SPREAD_KEYS if key not in keys]
    if missing:
        report_violation(f"{_name(args.props)}: no topologySpreadConstraints on {', '.join(missing)}", args.urn)


def validate_ingress_tls(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """An Ingress serves every host it routes over TLS."""
    if args.resource_type != K8S_INGRESS:
        return
    tls_hosts = {h for entry in items(get(args.props, "spec", "tls")) for h in items(get(entry, "hosts"))}
    hosts = [get(rule, "host") for rule in items(get(args.props, "spec", "rules"))]
    uncovered = [str(h) for h in hosts if h not in tls_hosts]
    if not hosts or uncovered:
        shown = ", ".join(uncovered) or "(rules without a host)"
        report_violation(f"{_name(args.props)}: no TLS for {shown}", args.urn)


# --- stack checks: autoscalers, budgets, network policies ----------------------------------------

def _pod_labels(resource: PolicyResource) -> Mapping:
    """The labels of a workload's pods (a Pod's own labels; a controller's pod template labels)."""
    path = POD_SPEC_PATHS[resource.resource_type][:-1] + ("metadata", "labels")
    labels = get(resource.props, *path)
    return labels if isinstance(labels, Mapping) else {}


def _selects(selector: Any, labels: Mapping) -> bool:
    """Whether a label selector's matchLabels select ``labels`` (an empty selector selects all)."""
    match = get(selector, "matchLabels", default={})
    return all(labels.get(key) == value for key, value in dict(match).items())


def _same_namespace(a: PolicyResource, b: PolicyResource) -> bool:
    return _namespace(a.props) == _namespace(b.props)


def _autoscalers_of(workload: PolicyResource, resources: list[PolicyResource]) -> list[PolicyResource]:
    kind, name = get(workload.props, "kind"), get(workload.props, "metadata", "name")
    return [
        hpa
        for hpa in of_type(resources, K8S_HPA)
        if _same_namespace(hpa, workload)
        and get(hpa.props, "spec", "scaleTargetRef", "kind") == kind
        and get(hpa.props, "spec", "scaleTargetRef", "name") == name
    ]


def _minimum_replicas(workload: PolicyResource, resources: list[PolicyResource]) -> Optional[float]:
    hpas = _autoscalers_of(workload, resources)
    if hpas:
        return number(get(hpas[0].props, "spec", "minReplicas", default=1))
    return number(get(workload.props, "spec", "replicas", default=1))


def validate_replicas_left_to_autoscaler(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """A workload scaled by an autoscaler does not set ``replicas`` (each deploy would reset the scale)."""
    for workload in of_type(args.resources, *REPLICATED):
        if _autoscalers_of(workload, args.resources) and get(workload.props, "spec", "replicas") is not None:
            report_violation(
                f"{_name(workload.props)} sets replicas although a HorizontalPodAutoscaler scales it", workload.urn
            )


def validate_production_replicas(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """In production every Deployment/StatefulSet runs at least 3 replicas (the autoscaler's minimum, or
    ``replicas`` without one)."""
    if config(args, "environment", None) != "production":
        return
    for workload in of_type(args.resources, *REPLICATED):
        minimum = _minimum_replicas(workload, args.resources)
        if minimum is None or minimum < PRODUCTION_MIN_REPLICAS:
            source = "HorizontalPodAutoscaler minReplicas" if _autoscalers_of(workload, args.resources) else "replicas"
            report_violation(
                f"{_name(workload.props)}: {source} is {int(minimum or 0)}; production runs at least "
                f"{PRODUCTION_MIN_REPLICAS}",
                workload.urn,
            )


def validate_production_pdb(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """In production every Deployment/StatefulSet has a PodDisruptionBudget that keeps pods up during a
    drain and still lets the drain proceed: at least 1 available, fewer than the minimum replicas."""
    if config(args, "environment", None) != "production":
        return
    budgets = of_type(args.resources, K8S_PDB)
    for workload in of_type(args.resources, *REPLICATED):
        labels = _pod_labels(workload)
        mine = [b for b in budgets if _same_namespace(b, workload) and _selects(get(b.props, "spec", "selector"), labels)]
        if not mine:
            report_violation(f"{_name(workload.props)} has no PodDisruptionBudget", workload.urn)
            continue
        minimum = _minimum_replicas(workload, args.resources) or 1
        for budget in mine:
            problem = _budget_problem(budget, minimum)
            if problem:
                report_violation(f"{_name(budget.props)} for {_name(workload.props)}: {problem}", budget.urn)


def _budget_problem(budget: PolicyResource, minimum: float) -> Optional[str]:
    min_available = get(budget.props, "spec", "minAvailable")
    max_unavailable = get(budget.props, "spec", "maxUnavailable")
    if isinstance(min_available, str) or isinstance(max_unavailable, str):
        return None  # percentages scale with the replicas; Kubernetes rounds them sensibly
    if number(min_available) is not None:
        if number(min_available) < 1:
            return "minAvailable below 1 protects nothing"
        if number(min_available) >= minimum:
            return (
                f"minAvailable {int(number(min_available))} is not below the minimum of {int(minimum)} replicas: "
                "a node drain could never evict a pod"
            )
        return None
    if number(max_unavailable) is not None:
        return None if number(max_unavailable) >= 1 else "maxUnavailable 0 blocks every node drain"
    return "sets neither minAvailable nor maxUnavailable"


def validate_network_policy(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every workload's pods are selected by a NetworkPolicy that restricts ingress to named sources."""
    policies = of_type(args.resources, K8S_NETWORK_POLICY)
    for workload in of_type(args.resources, *POD_SPEC_PATHS):
        labels = _pod_labels(workload)
        restricting = [
            p
            for p in policies
            if _same_namespace(p, workload)
            and _selects(get(p.props, "spec", "podSelector"), labels)
            and "Ingress" in items(get(p.props, "spec", "policyTypes", default=["Ingress"]))
        ]
        if not restricting:
            report_violation(f"{_name(workload.props)}: no NetworkPolicy restricts ingress to its pods", workload.urn)
            continue
        for policy in restricting:
            for rule in items(get(policy.props, "spec", "ingress")):
                if not items(get(rule, "from")):
                    report_violation(
                        f"{_name(policy.props)}: an ingress rule without `from` admits traffic from anywhere",
                        policy.urn,
                    )


# --- the policies ----------------------------------------------------------------------------------

def _container(name: str, description: str, check: Callable[[Mapping, Mapping], list[str]]) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name, description=description, enforcement_level=MANDATORY, validate=container_policy(check)
    )


POLICIES = [
    _container("k8s-run-as-non-root", "Containers run as a non-root numeric user (runAsNonRoot, runAsUser > 0).", check_non_root),
    _container("k8s-read-only-root-filesystem", "Containers have a read-only root filesystem.", check_read_only_root),
    _container(
        "k8s-no-privilege-escalation",
        "Containers are not privileged, cannot escalate privileges and drop every capability.",
        check_no_escalation,
    ),
    _container("k8s-seccomp-runtime-default", "Containers run under the RuntimeDefault seccomp profile.", check_seccomp),
    _container("k8s-resource-limits", "Containers set CPU and memory requests and limits.", check_resources),
    _container("k8s-health-probes", "Containers have readiness and liveness probes.", check_probes),
    _container("k8s-image-pinned-by-digest", "Container images are pinned by digest (name@sha256:...).", check_digest),
    ResourceValidationPolicy(
        name="k8s-no-service-account-token",
        description="Pods do not mount a service-account token (automountServiceAccountToken: false).",
        enforcement_level=MANDATORY,
        validate=validate_no_service_account_token,
    ),
    ResourceValidationPolicy(
        name="k8s-zero-unavailable-rollout",
        description="Deployments roll out with maxUnavailable 0.",
        enforcement_level=MANDATORY,
        validate=validate_zero_unavailable_rollout,
    ),
    ResourceValidationPolicy(
        name="k8s-topology-spread",
        description="Deployments spread their pods across nodes and zones.",
        enforcement_level=MANDATORY,
        validate=validate_topology_spread,
    ),
    ResourceValidationPolicy(
        name="k8s-ingress-tls",
        description="Ingresses serve every host over TLS.",
        enforcement_level=MANDATORY,
        validate=validate_ingress_tls,
    ),
    StackValidationPolicy(
        name="k8s-replicas-left-to-autoscaler",
        description="A workload scaled by a HorizontalPodAutoscaler does not set replicas.",
        enforcement_level=MANDATORY,
        validate=validate_replicas_left_to_autoscaler,
    ),
    StackValidationPolicy(
        name="k8s-network-policy",
        description="Every workload's pods are behind a NetworkPolicy that admits ingress only from named sources.",
        enforcement_level=MANDATORY,
        validate=validate_network_policy,
    ),
    StackValidationPolicy(
        name="k8s-production-replicas",
        description=f"Production workloads run at least {PRODUCTION_MIN_REPLICAS} replicas.",
        enforcement_level=MANDATORY,
        validate=validate_production_replicas,
        config_schema=ENVIRONMENT_CONFIG,
    ),
    StackValidationPolicy(
        name="k8s-production-pdb",
        description="Production workloads have a PodDisruptionBudget consistent with their minimum replicas.",
        enforcement_level=MANDATORY,
        validate=validate_production_pdb,
        config_schema=ENVIRONMENT_CONFIG,
    ),
]
