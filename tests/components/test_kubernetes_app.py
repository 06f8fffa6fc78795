"""``KubernetesApp`` under the plan's mocks: the objects it declares and how they fit together."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.runtime.settings import SETTINGS

from components.kubernetes_app import CONTAINER_PORT, HEALTH_PATH, RUN_AS_USER, TYPE, KubernetesApp
from stackconfig.kubernetes import KubernetesConfig
import wiring

REF = "ghcr.io/example-org/my-app-web:v1.4.2@sha256:" + "c" * 64
KINDS = {
    "web-namespace": "Namespace",
    "web-deployment": "Deployment",
    "web-service": "Service",
    "web-ingress": "Ingress",
    "web-hpa": "HorizontalPodAutoscaler",
    "web-pdb": "PodDisruptionBudget",
    "web-network-policy": "NetworkPolicy",
}


def declare_app(declare, environment: str = "production", **values: Any) -> tuple[dict, dict]:
    """Registrations by name and the component's resolved outputs, for a config of ``values``."""
    SETTINGS.rpc_manager.clear()  # as pulumi.runtime.test does
    SETTINGS.outputs.clear()
    config = KubernetesConfig.model_validate({"enabled": True, "kubeContext": "test-cluster", **values})
    args = wiring.kubernetes_args(
        config,
        environment=environment, domain="example.com" if environment == "production" else "staging.example.com", image_ref=REF
    )
    outputs: dict = {}

    async def program() -> None:
        # As wiring/ does: the provider is explicit, built outside the component.
        provider = wiring.kubernetes_provider(config)
        app = KubernetesApp("web", args, opts=pulumi.ResourceOptions(providers=[provider]))
        for name in ("namespace", "service_name", "url", "urn"):
            outputs[name] = await getattr(app, name).future()

    return declare(program, stack=environment), outputs


def path(value: Any, *keys: Any) -> Any:
    for key in keys:
        value = value[key]
    return value


@pytest.fixture(scope="module")
def production() -> tuple[dict, dict]:
    # Module-scoped: the default production app is read by many table rows, declared once.
    from plan.harness import run_under_mocks

    def declare(fn, stack="staging"):
        monitor, _ = run_under_mocks(fn, project="webapp-platform", stack=stack)
        return {r.name: r for r in monitor.registrations}

    return declare_app(declare)


def test_every_object_is_a_child_of_the_component_through_the_explicit_provider(production):
    registrations, outputs = production
    assert registrations["web"].type == TYPE
    provider = registrations["kubernetes"]
    assert provider.type == "pulumi:providers:kubernetes"
    assert provider.inputs["context"] == "test-cluster"  # never the machine's current context
    assert provider.parent != outputs["urn"]  # built by wiring/, not inside the component
    for name, kind in KINDS.items():
        resource = registrations[name]
        assert resource.inputs["kind"] == kind
        assert resource.parent == outputs["urn"]
        assert resource.provider == provider.urn
    namespace_urn = registrations["web-namespace"].urn
    for name in set(KINDS) - {"web-namespace"}:
        assert namespace_urn in registrations[name].dependencies, name
        assert registrations[name].inputs["metadata"]["namespace"] == "webapp-production"


def test_outputs(production):
    _, outputs = production
    assert (outputs["namespace"], outputs["service_name"], outputs["url"]) == ("webapp-production", "web", "https://example.com")


def test_the_namespace_enforces_the_restricted_pod_security_standard(production):
    labels = production[0]["web-namespace"].inputs["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


POD = ("spec", "template", "spec")
CONTAINER = POD + ("containers", 0)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (CONTAINER + ("image",), REF),
        (CONTAINER + ("ports", 0, "containerPort"), CONTAINER_PORT),
        (CONTAINER + ("readinessProbe", "httpGet", "path"), HEALTH_PATH),
        (CONTAINER + ("livenessProbe", "httpGet", "path"), HEALTH_PATH),
        (CONTAINER + ("startupProbe", "httpGet", "path"), HEALTH_PATH),
        (CONTAINER + ("readinessProbe", "httpGet", "port"), "http"),
        (CONTAINER + ("resources",), {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "128Mi"}}),
        (CONTAINER + ("securityContext", "runAsNonRoot"), True),
        (CONTAINER + ("securityContext", "runAsUser"), RUN_AS_USER),
        (CONTAINER + ("securityContext", "readOnlyRootFilesystem"), True),
        (CONTAINER + ("securityContext", "allowPrivilegeEscalation"), False),
        (CONTAINER + ("securityContext", "capabilities", "drop"), ["ALL"]),
        (CONTAINER + ("securityContext", "seccompProfile", "type"), "RuntimeDefault"),
        (CONTAINER + ("volumeMounts",), [{"name": "tmp", "mountPath": "/tmp"}]),
        (POD + ("volumes",), [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]),
        (POD + ("automountServiceAccountToken",), False),
        (POD + ("securityContext", "runAsUser"), RUN_AS_USER),
        (POD + ("securityContext", "seccompProfile", "type"), "RuntimeDefault"),
        (("spec", "strategy"), {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}),
    ],
)
def test_deployment(production, keys, expected):
    assert path(production[0]["web-deployment"].inputs, *keys) == expected


def test_pods_spread_over_nodes_hard_and_zones_soft(production):
    constraints = path(production[0]["web-deployment"].inputs, *POD, "topologySpreadConstraints")
    assert {(c["topologyKey"], c["whenUnsatisfiable"]) for c in constraints} == {
        ("kubernetes.io/hostname", "DoNotSchedule"),
        ("topology.kubernetes.io/zone", "ScheduleAnyway"),
    }


def test_replicas_are_left_to_the_autoscaler(production):
    registrations, _ = production
    assert "replicas" not in registrations["web-deployment"].inputs["spec"]
    hpa = registrations["web-hpa"].inputs
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 10)
    assert hpa["spec"]["metrics"][0]["resource"] == {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}


def test_without_autoscaling_the_deployment_runs_the_minimum(declare):
    registrations, _ = declare_app(declare, autoscaling=False, minReplicas=4)
    assert "web-hpa" not in registrations
    assert registrations["web-deployment"].inputs["spec"]["replicas"] == 4
    assert registrations["web-pdb"].inputs["spec"]["minAvailable"] == 3


@pytest.mark.parametrize(("environment", "values", "min_available"), [("production", {}, 2), ("staging", {}, 1), ("production", {"minReplicas": 5}, 4)])
def test_the_disruption_budget_leaves_one_pod_to_evict_at_the_minimum(declare, environment, values, min_available):
    registrations, _ = declare_app(declare, environment=environment, **values)
    pdb = registrations["web-pdb"].inputs["spec"]
    assert pdb["minAvailable"] == min_available
    assert pdb["selector"] == registrations["web-deployment"].inputs["spec"]["selector"]


def test_service_maps_80_to_the_container_port(production):
    registrations, _ = production
    service = registrations["web-service"].inputs["spec"]
    assert service["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    assert service["selector"] == registrations["web-deployment"].inputs["spec"]["selector"]["matchLabels"]


def test_ingress_serves_the_host_with_tls(production):
    ingress = production[0]["web-ingress"].inputs
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["example.com"], "secretName": "web-tls"}]
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "example.com"
    assert rule["http"]["paths"][0]["backend"] == {"service": {"name": "web", "port": {"name": "http"}}}
    assert not ingress["metadata"].get("annotations")


@pytest.mark.parametrize(
    ("kind", "annotation"), [("ClusterIssuer", "cert-manager.io/cluster-issuer"), ("Issuer", "cert-manager.io/issuer")]
)
def test_cert_manager_issuer_annotation(declare, kind, annotation):
    registrations, _ = declare_app(declare, tls={"certManagerIssuer": "letsencrypt-prod", "issuerKind": kind})
    assert registrations["web-ingress"].inputs["metadata"]["annotations"] == {annotation: "letsencrypt-prod"}


def test_network_policy_admits_only_the_ingress_controller_namespace(production):
    spec = production[0]["web-network-policy"].inputs["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert spec["ingress"] == [
        {
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
            "ports": [{"port": CONTAINER_PORT, "protocol": "TCP"}],
        }
    ]
    assert spec.get("egress", []) == []


def test_context_namespace_host_and_pull_secret_from_config(declare):
    registrations, outputs = declare_app(
        declare, kubeContext="prod", namespace="shop", host="k8s.example.com", imagePullSecret="ghcr-pull",
        ingressControllerNamespace="traefik",
    )
    assert registrations["kubernetes"].inputs["context"] == "prod"
    assert (outputs["namespace"], outputs["url"]) == ("shop", "https://k8s.example.com")
    assert path(registrations["web-deployment"].inputs, *POD, "imagePullSecrets") == [{"name": "ghcr-pull"}]
    assert path(registrations["web-network-policy"].inputs, "spec", "ingress", 0, "from", 0, "namespaceSelector") == {
        "matchLabels": {"kubernetes.io/metadata.name": "traefik"}
    }
