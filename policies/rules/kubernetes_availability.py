"""Kubernetes guardrails on availability: Deployments roll out without losing capacity and spread
over nodes and zones, an autoscaler owns the replica count it scales, and production keeps at least
3 replicas and a PodDisruptionBudget that lets a drain proceed one pod at a time."""

from __future__ import annotations

from typing import Any, Optional

from pulumi_policy import PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs

from platform_facts import PRODUCTION_MIN_REPLICAS
from policies.rules._kubernetes import (
    K8S_DEPLOYMENT,
    K8S_HPA,
    K8S_PDB,
    REPLICATED,
    SPREAD_KEYS,
    name_of,
    same_namespace,
    pod_labels,
    pod_spec,
    selects,
)
from policies.rules._props import ENVIRONMENT_CONFIG, config, get, items, number, of_type, resource_policy, stack_policy


def _zero(value: Any) -> bool:
    return number(value) == 0 or value in ("0", "0%")


def validate_zero_unavailable_rollout(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """A Deployment rolls out with zero unavailable pods: new pods become ready before old ones go."""
    if args.resource_type != K8S_DEPLOYMENT:
        return
    strategy = get(args.props, "spec", "strategy", default={})
    if get(strategy, "type", default="RollingUpdate") != "RollingUpdate":
        report_violation(f"{name_of(args.props)}: strategy {get(strategy, 'type')} stops every pod before starting new ones", args.urn)
    elif not _zero(get(strategy, "rollingUpdate", "maxUnavailable")):
        report_violation(
            f"{name_of(args.props)}: rollingUpdate.maxUnavailable is "
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
        report_violation(f"{name_of(args.props)}: no topologySpreadConstraints on {', '.join(missing)}", args.urn)


def _autoscalers_of(workload: PolicyResource, resources: list[PolicyResource]) -> list[PolicyResource]:
    kind, name = get(workload.props, "kind"), get(workload.props, "metadata", "name")
    return [
        hpa
        for hpa in of_type(resources, K8S_HPA)
        if same_namespace(hpa, workload)
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
                f"{name_of(workload.props)} sets replicas although a HorizontalPodAutoscaler scales it", workload.urn
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
                f"{name_of(workload.props)}: {source} is {int(minimum or 0)}; production runs at least "
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
        labels = pod_labels(workload)
        mine = [b for b in budgets if same_namespace(b, workload) and selects(get(b.props, "spec", "selector"), labels)]
        if not mine:
            report_violation(f"{name_of(workload.props)} has no PodDisruptionBudget", workload.urn)
            continue
        minimum = _minimum_replicas(workload, args.resources) or 1
        for budget in mine:
            problem = _budget_problem(budget, minimum)
            if problem:
                report_violation(f"{name_of(budget.props)} for {name_of(workload.props)}: {problem}", budget.urn)


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


POLICIES = [
    resource_policy(
        "k8s-zero-unavailable-rollout",
        "Deployments roll out with maxUnavailable 0.",
        validate_zero_unavailable_rollout),
    resource_policy(
        "k8s-topology-spread",
        "Deployments spread their pods across nodes and zones.",
        validate_topology_spread),
    stack_policy(
        "k8s-replicas-left-to-autoscaler",
        "A workload scaled by a HorizontalPodAutoscaler does not set replicas.",
        validate_replicas_left_to_autoscaler),
    stack_policy(
        "k8s-production-replicas",
        f"Production workloads run at least {PRODUCTION_MIN_REPLICAS} replicas.",
        validate_production_replicas, config=ENVIRONMENT_CONFIG),
    stack_policy(
        "k8s-production-pdb",
        "Production workloads have a PodDisruptionBudget consistent with their minimum replicas.",
        validate_production_pdb, config=ENVIRONMENT_CONFIG),
]
