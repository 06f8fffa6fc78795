"""Kubernetes guardrails on the network: Ingresses serve every host over TLS, and every workload's pods
sit behind a NetworkPolicy that admits ingress only from named sources."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, StackValidationArgs

from policies.rules._kubernetes import (
    K8S_INGRESS,
    K8S_NETWORK_POLICY,
    POD_SPEC_PATHS,
    name_of,
    pod_labels,
    same_namespace,
    selects,
)
from policies.rules._props import get, items, of_type, resource_policy, stack_policy


def validate_ingress_tls(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """An Ingress serves every host it routes over TLS."""
    if args.resource_type != K8S_INGRESS:
        return
    tls_hosts = {h for entry in items(get(args.props, "spec", "tls")) for h in items(get(entry, "hosts"))}
    hosts = [get(rule, "host") for rule in items(get(args.props, "spec", "rules"))]
    uncovered = [str(h) for h in hosts if h not in tls_hosts]
    if not hosts or uncovered:
        shown = ", ".join(uncovered) or "(rules without a host)"
        report_violation(f"{name_of(args.props)}: no TLS for {shown}", args.urn)


def validate_network_policy(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every workload's pods are selected by a NetworkPolicy that restricts ingress to named sources."""
    policies = of_type(args.resources, K8S_NETWORK_POLICY)
    for workload in of_type(args.resources, *POD_SPEC_PATHS):
        labels = pod_labels(workload)
        restricting = [
            p
            for p in policies
            if same_namespace(p, workload)
            and selects(get(p.props, "spec", "podSelector"), labels)
            and "Ingress" in items(get(p.props, "spec", "policyTypes", default=["Ingress"]))
        ]
        if not restricting:
            report_violation(f"{name_of(workload.props)}: no NetworkPolicy restricts ingress to its pods", workload.urn)
            continue
        for policy in restricting:
            for rule in items(get(policy.props, "spec", "ingress")):
                if not items(get(rule, "from")):
                    report_violation(
                        f"{name_of(policy.props)}: an ingress rule without `from` admits traffic from anywhere",
                        policy.urn,
                    )


POLICIES = [
    resource_policy("k8s-ingress-tls", "Ingresses serve every host over TLS.", validate_ingress_tls),
    stack_policy(
        "k8s-network-policy",
        "Every workload's pods are behind a NetworkPolicy that admits ingress only from named sources.",
        validate_network_policy),
]
