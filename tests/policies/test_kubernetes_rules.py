"""Each Kubernetes policy passes the objects ``KubernetesApp`` declares and fails the one change it guards.

The compliant baseline is the component itself, rendered under the plan's mocks (production, defaults);
every failing case changes one detail of one object. Policy args are built by hand the way the engine
hands them over: camelCase props with ``apiVersion``/``kind``, numbers as floats, behind the SDK's
unknown-checking proxy.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Optional

import pytest
from pulumi.runtime.settings import SETTINGS
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from policies.rules import _kubernetes, kubernetes_availability, kubernetes_network, kubernetes_pods
from stackconfig.kubernetes import KubernetesConfig
import wiring

REF = "ghcr.io/example-org/my-app-web:v1.4.2@sha256:" + "d" * 64
POLICIES = {p.name: p for m in (kubernetes_pods, kubernetes_availability, kubernetes_network) for p in m.POLICIES}
Resource = dict  # {"type", "name", "urn", "inputs"}


def engine_value(value: Any) -> Any:
    """Numbers as floats, as they reach policies through the engine's protobuf Struct."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        return {k: engine_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [engine_value(v) for v in value]
    return value


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def violations(policy_name: str, resources: list[Resource], environment: str = "production") -> list[str]:
    """Messages ``policy_name`` reports for ``resources``."""
    policy = POLICIES[policy_name]
    config = {"environment": environment} if policy.config_schema else {}
    found: list[str] = []

    def report(message: str, urn: Optional[str] = None) -> None:
        found.append(message)

    if isinstance(policy, ResourceValidationPolicy):
        for r in resources:
            props = unknown_checking_proxy(engine_value(r["inputs"]))
            policy.validate(ResourceValidationArgs(r["type"], props, r["urn"], r["name"], _options(), None, config), report)
    else:
        linked = [
            PolicyResource(r["type"], unknown_checking_proxy(engine_value(r["inputs"])), r["urn"], r["name"], _options(), None, None, [], {})
            for r in resources
        ]
        policy.validate(StackValidationArgs(linked, config), report)
    return found


@pytest.fixture(scope="module")
def baseline() -> list[Resource]:
    """The Kubernetes objects of a default production KubernetesApp."""
    from components.kubernetes_app import KubernetesApp
    from plan.harness import run_under_mocks

    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    args = wiring.kubernetes_args(KubernetesConfig(enabled=True), environment="production", domain="example.com", image_ref=REF)
    monitor, _ = run_under_mocks(lambda: KubernetesApp("web", args), project="webapp-platform", stack="production")
    return [
        {"type": r.type, "name": r.name, "urn": r.urn, "inputs": r.inputs}
        for r in monitor.registrations
        if r.type.startswith("kubernetes:")
    ]


def changed(baseline: list[Resource], change: Callable[[dict[str, dict]], None]) -> list[Resource]:
    """A deep copy of the baseline with ``change`` applied to the inputs, addressed by resource name."""
    resources = copy.deepcopy(baseline)
    change({r["name"]: r["inputs"] for r in resources})
    return resources


def setting(name: str, *path_and_value: Any) -> Callable[[dict[str, dict]], None]:
    """Set inputs[path] = value on ``name`` (None deletes the key)."""
    *path, value = path_and_value

    def change(objects: dict[str, dict]) -> None:
        target = objects[name]
        for key in path[:-1]:
            target = target.setdefault(key, {}) if isinstance(key, str) else target[key]
        if value is None:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value

    return change


def dropping(name: str) -> Callable[[dict[str, dict]], None]:
    def change(objects: dict[str, dict]) -> None:
        objects[name].clear()
        objects[name].update({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dropped"}})

    return change


def both(*changes: Callable[[dict[str, dict]], None]) -> Callable[[dict[str, dict]], None]:
    def change(objects: dict[str, dict]) -> None:
        for c in changes:
            c(objects)

    return change


POD = ("spec", "template", "spec")
CONTAINER = POD + ("containers", 0)
CONTAINER_SC = CONTAINER + ("securityContext",)
POD_SC = POD + ("securityContext",)
DEPLOYMENT = "web-deployment"


@pytest.mark.parametrize("policy_name", sorted(POLICIES))
def test_the_component_passes_every_policy(baseline, policy_name):
    assert violations(policy_name, baseline) == []


# (policy, change, environment, fragment of the expected message)
FAILING = [
    ("k8s-run-as-non-root", both(setting(DEPLOYMENT, *CONTAINER_SC, "runAsNonRoot", None), setting(DEPLOYMENT, *POD_SC, "runAsNonRoot", None)), "production", "runAsNonRoot is not true"),
    ("k8s-run-as-non-root", setting(DEPLOYMENT, *CONTAINER_SC, "runAsUser", 0), "production", "runAsUser is 0 (root)"),
    ("k8s-run-as-non-root", both(setting(DEPLOYMENT, *CONTAINER_SC, "runAsUser", None), setting(DEPLOYMENT, *POD_SC, "runAsUser", None)), "production", "runAsUser is not set"),
    ("k8s-read-only-root-filesystem", setting(DEPLOYMENT, *CONTAINER_SC, "readOnlyRootFilesystem", False), "production", "readOnlyRootFilesystem is not true"),
    ("k8s-no-privilege-escalation", setting(DEPLOYMENT, *CONTAINER_SC, "allowPrivilegeEscalation", None), "production", "allowPrivilegeEscalation is not false"),
    ("k8s-no-privilege-escalation", setting(DEPLOYMENT, *CONTAINER_SC, "capabilities", {"drop": ["NET_RAW"]}), "production", "does not contain ALL"),
    ("k8s-no-privilege-escalation", setting(DEPLOYMENT, *CONTAINER_SC, "capabilities", {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}), "production", "grants NET_BIND_SERVICE"),
    ("k8s-no-privilege-escalation", setting(DEPLOYMENT, *CONTAINER_SC, "privileged", True), "production", "privileged is true"),
    ("k8s-seccomp-runtime-default", both(setting(DEPLOYMENT, *CONTAINER_SC, "seccompProfile", None), setting(DEPLOYMENT, *POD_SC, "seccompProfile", None)), "production", "seccompProfile.type is unset"),
    ("k8s-seccomp-runtime-default", setting(DEPLOYMENT, *CONTAINER_SC, "seccompProfile", {"type": "Unconfined"}), "production", "is Unconfined"),
    ("k8s-resource-limits", setting(DEPLOYMENT, *CONTAINER, "resources", "limits", None), "production", "resources limits.cpu, limits.memory not set"),
    ("k8s-resource-limits", setting(DEPLOYMENT, *CONTAINER, "resources", "requests", "memory", None), "production", "requests.memory not set"),
    ("k8s-health-probes", setting(DEPLOYMENT, *CONTAINER, "readinessProbe", None), "production", "readinessProbe not set"),
    ("k8s-health-probes", setting(DEPLOYMENT, *CONTAINER, "livenessProbe", None), "production", "livenessProbe not set"),
    ("k8s-image-pinned-by-digest", setting(DEPLOYMENT, *CONTAINER, "image", "ghcr.io/example-org/my-app-web:v1.4.2"), "production", "is not pinned by digest"),
    ("k8s-image-pinned-by-digest", setting(DEPLOYMENT, *POD, "initContainers", [{"name": "init", "image": "busybox"}]), "production", "init container 'init': image 'busybox'"),
    ("k8s-no-service-account-token", setting(DEPLOYMENT, *POD, "automountServiceAccountToken", None), "production", "automountServiceAccountToken is not false"),
    ("k8s-zero-unavailable-rollout", setting(DEPLOYMENT, "spec", "strategy", "rollingUpdate", "maxUnavailable", "25%"), "production", "maxUnavailable is 25% (expected 0)"),
    ("k8s-zero-unavailable-rollout", setting(DEPLOYMENT, "spec", "strategy", {"type": "Recreate"}), "production", "strategy Recreate"),
    ("k8s-zero-unavailable-rollout", setting(DEPLOYMENT, "spec", "strategy", None), "production", "maxUnavailable is unset (25%)"),
    ("k8s-topology-spread", setting(DEPLOYMENT, *POD, "topologySpreadConstraints", None), "production", "kubernetes.io/hostname, topology.kubernetes.io/zone"),
    ("k8s-ingress-tls", setting("web-ingress", "spec", "tls", None), "production", "no TLS for example.com"),
    ("k8s-ingress-tls", setting("web-ingress", "spec", "tls", [{"hosts": ["other.example.com"], "secretName": "x"}]), "production", "no TLS for example.com"),
    ("k8s-replicas-left-to-autoscaler", setting(DEPLOYMENT, "spec", "replicas", 3), "production", "sets replicas although a HorizontalPodAutoscaler scales it"),
    ("k8s-network-policy", dropping("web-network-policy"), "production", "no NetworkPolicy restricts ingress"),
    ("k8s-network-policy", setting("web-network-policy", "spec", "ingress", [{"ports": [{"port": 8080}]}]), "production", "admits traffic from anywhere"),
    ("k8s-network-policy", setting("web-network-policy", "spec", "podSelector", {"matchLabels": {"app": "other"}}), "production", "no NetworkPolicy restricts ingress"),
    ("k8s-production-replicas", setting("web-hpa", "spec", "minReplicas", 2), "production", "HorizontalPodAutoscaler minReplicas is 2; production runs at least 3"),
    ("k8s-production-replicas", both(dropping("web-hpa"), setting(DEPLOYMENT, "spec", "replicas", 1)), "production", "replicas is 1"),
    ("k8s-production-pdb", dropping("web-pdb"), "production", "has no PodDisruptionBudget"),
    ("k8s-production-pdb", setting("web-pdb", "spec", "minAvailable", 3), "production", "minAvailable 3 is not below the minimum of 3 replicas"),
    ("k8s-production-pdb", setting("web-pdb", "spec", "minAvailable", 0), "production", "minAvailable below 1 protects nothing"),
    ("k8s-production-pdb", both(setting("web-pdb", "spec", "minAvailable", None), setting("web-pdb", "spec", "maxUnavailable", 0)), "production", "maxUnavailable 0 blocks every node drain"),
    ("k8s-production-pdb", setting("web-pdb", "spec", "selector", {"matchLabels": {"app": "other"}}), "production", "has no PodDisruptionBudget"),
]


@pytest.mark.parametrize(("policy_name", "change", "environment", "fragment"), FAILING)
def test_the_guarded_change_fails_its_policy(baseline, policy_name, change, environment, fragment):
    found = violations(policy_name, changed(baseline, change), environment)
    assert found, f"{policy_name} did not fire"
    assert any(fragment in message for message in found), found


def test_every_policy_has_a_failing_case():
    assert {case[0] for case in FAILING} == set(POLICIES)


# Changes that stay compliant: inherited settings, alternatives the policies accept, other environments.
PASSING = [
    ("k8s-run-as-non-root", setting(DEPLOYMENT, *CONTAINER_SC, "runAsUser", None)),  # inherited from the pod
    ("k8s-seccomp-runtime-default", setting(DEPLOYMENT, *CONTAINER_SC, "seccompProfile", None)),  # inherited
    ("k8s-seccomp-runtime-default", setting(DEPLOYMENT, *CONTAINER_SC, "seccompProfile", {"type": "Localhost", "localhostProfile": "p.json"})),
    ("k8s-zero-unavailable-rollout", setting(DEPLOYMENT, "spec", "strategy", "rollingUpdate", "maxUnavailable", "0%")),
    ("k8s-production-pdb", both(setting("web-pdb", "spec", "minAvailable", None), setting("web-pdb", "spec", "maxUnavailable", 1))),
    ("k8s-production-pdb", setting("web-pdb", "spec", "minAvailable", "50%")),
    ("k8s-production-replicas", both(dropping("web-hpa"), setting(DEPLOYMENT, "spec", "replicas", 3))),
]


@pytest.mark.parametrize(("policy_name", "change"), PASSING)
def test_accepted_alternatives_pass(baseline, policy_name, change):
    assert violations(policy_name, changed(baseline, change)) == []


@pytest.mark.parametrize(
    ("policy_name", "change"),
    [
        ("k8s-production-replicas", setting("web-hpa", "spec", "minReplicas", 2)),
        ("k8s-production-pdb", dropping("web-pdb")),
    ],
)
def test_production_rules_do_not_apply_to_staging(baseline, policy_name, change):
    resources = changed(baseline, change)
    assert violations(policy_name, resources, environment="production")
    assert violations(policy_name, resources, environment="staging") == []


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        (_kubernetes.K8S_POD, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}),
        (
            _kubernetes.K8S_CRONJOB,
            {
                "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}}}},
            },
        ),
    ],
)
def test_other_workload_kinds_are_checked_too(resource_type, props):
    resources = [{"type": resource_type, "name": "x", "urn": f"urn:pulumi:production::p::{resource_type}::x", "inputs": props}]
    assert violations("k8s-image-pinned-by-digest", resources) == [
        f"{props['kind']} '{props['metadata']['name']}', container 'c': image 'nginx:1' is not pinned by digest "
        "(expected name@sha256:<digest>)"
    ]
    assert violations("k8s-read-only-root-filesystem", resources)
