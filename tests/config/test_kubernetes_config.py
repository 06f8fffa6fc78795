"""The ``webapp-platform:kubernetes`` sub-model: off by default, ``enabled: true`` alone is complete,
bad values are refused naming the key, production keeps 3 replicas, and the args it resolves."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from stackconfig.kubernetes import KubernetesAppArgs, KubernetesConfig, cpu_millicores, memory_bytes

REF = "ghcr.io/example-org/my-app-web:v1@sha256:" + "0" * 64


def test_off_by_default():
    config = KubernetesConfig()
    assert config.enabled is False
    assert config.problems_for("production") == []


@pytest.mark.parametrize(
    ("environment", "domain", "namespace", "minimum"),
    [("staging", "staging.example.com", "webapp-staging", 2), ("production", "example.com", "webapp-production", 3)],
)
def test_enabled_alone_is_a_complete_configuration(environment, domain, namespace, minimum):
    config = KubernetesConfig.model_validate({"enabled": True})
    assert config.problems_for(environment) == []
    args = config.to_args(environment=environment, domain=domain, image_ref=REF)
    assert isinstance(args, KubernetesAppArgs)
    assert (args.namespace, args.host, args.min_replicas, args.max_replicas) == (namespace, domain, minimum, 10)
    assert (args.autoscaling, args.cpu_target_percent, args.ingress_class, args.ingress_controller_namespace) == (
        True, 70, "nginx", "ingress-nginx"
    )
    assert (args.requests_cpu, args.requests_memory, args.limits_cpu, args.limits_memory) == ("50m", "64Mi", "500m", "128Mi")
    assert (args.tls_secret_name, args.cert_manager_issuer, args.kube_context) == ("web-tls", None, None)
    assert args.image_ref == REF


def test_a_partial_resources_object_keeps_the_other_defaults():
    args = KubernetesConfig.model_validate({"enabled": True, "resources": {"limits": {"memory": "256Mi"}}}).to_args(
        environment="staging", domain="staging.example.com", image_ref=REF
    )
    assert (args.requests_cpu, args.requests_memory, args.limits_cpu, args.limits_memory) == ("50m", "64Mi", "500m", "256Mi")


def test_every_setting_from_a_stack_file():
    config = KubernetesConfig.model_validate(
        {
            "enabled": True,
            "kubeContext": "prod-cluster",
            "namespace": "shop",
            "host": "k8s.example.com",
            "minReplicas": 4,
            "maxReplicas": 12,
            "autoscaling": True,
            "cpuTargetPercent": 60,
            "resources": {"requests": {"cpu": "100m", "memory": "96Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}},
            "ingressClass": "traefik",
            "ingressControllerNamespace": "traefik",
            "tls": {"secretName": "shop-tls", "certManagerIssuer": "letsencrypt-prod", "issuerKind": "Issuer"},
            "imagePullSecret": "ghcr-pull",
        }
    )
    args = config.to_args(environment="production", domain="example.com", image_ref=REF)
    assert (args.kube_context, args.namespace, args.host, args.min_replicas, args.max_replicas) == (
        "prod-cluster", "shop", "k8s.example.com", 4, 12
    )
    assert (args.cpu_target_percent, args.requests_cpu, args.limits_cpu, args.limits_memory) == (60, "100m", "1", "256Mi")
    assert (args.ingress_class, args.ingress_controller_namespace) == ("traefik", "traefik")
    assert (args.tls_secret_name, args.cert_manager_issuer, args.cert_manager_issuer_kind) == (
        "shop-tls", "letsencrypt-prod", "Issuer"
    )
    assert args.image_pull_secret == "ghcr-pull"


@pytest.mark.parametrize(
    ("values", "loc", "expected"),
    [
        ({"namespace": "Web_App"}, ("namespace",), "a namespace name"),
        ({"host": "https://example.com"}, ("host",), "a lower-case DNS name"),
        ({"host": "*.example.com"}, ("host",), "a lower-case DNS name"),
        ({"minReplicas": 1}, ("minReplicas",), "greater than or equal to 2"),
        ({"maxReplicas": 1000}, ("maxReplicas",), "less than or equal to 100"),
        ({"cpuTargetPercent": 100}, ("cpuTargetPercent",), "less than or equal to 95"),
        ({"resources": {"requests": {"cpu": "fast", "memory": "64Mi"}}}, ("resources", "requests", "cpu"), "CPU quantity"),
        ({"resources": {"limits": {"cpu": "1", "memory": "1Mi"}}}, ("resources", "limits", "memory"), "at least 16Mi"),
        (
            {"resources": {"requests": {"cpu": "1", "memory": "64Mi"}}},
            ("resources",),
            "limits.cpu at least requests.cpu (limits.cpu is 500m, requests.cpu is 1)",
        ),
        (
            {"resources": {"requests": {"cpu": "50m", "memory": "1Gi"}}},
            ("resources",),
            "limits.memory at least requests.memory",
        ),
        ({"tls": {"secretName": "Bad Name"}}, ("tls", "secretName"), "a Kubernetes object name"),
        ({"tls": {"issuerKind": "Certificate"}}, ("tls", "issuerKind"), "'ClusterIssuer' or 'Issuer'"),
        ({"kubeContext": " "}, ("kubeContext",), "a kubeconfig context name"),
        ({"replicas": 3}, ("replicas",), "Extra inputs are not permitted"),
    ],
)
def test_bad_values_are_refused_naming_the_key(values, loc, expected):
    with pytest.raises(ValidationError) as caught:
        KubernetesConfig.model_validate({"enabled": True, **values})
    error = caught.value.errors()[0]
    assert error["loc"] == loc
    assert expected in error["msg"]


@pytest.mark.parametrize(
    ("environment", "values", "image_enabled", "expected"),
    [
        ("production", {"minReplicas": 2}, True, ["kubernetes.minReplicas: production runs at least 3 replicas (got 2)"]),
        ("staging", {"minReplicas": 2}, True, []),
        ("staging", {"minReplicas": 5, "maxReplicas": 4}, True, ["kubernetes.maxReplicas: at least minReplicas (5); got 4"]),
        ("staging", {"minReplicas": 5, "maxReplicas": 4, "autoscaling": False}, True, []),
        ("production", {}, False, ["kubernetes.enabled: needs the web image"]),
    ],
)
def test_environment_checks(environment, values, image_enabled, expected):
    problems = KubernetesConfig.model_validate({"enabled": True, **values}).problems_for(environment, image_enabled)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)


def test_to_args_refuses_a_disabled_config():
    with pytest.raises(ValueError, match="kubernetes.enabled is false"):
        KubernetesConfig().to_args(environment="staging", domain="staging.example.com", image_ref=REF)


@pytest.mark.parametrize(("quantity", "millicores"), [("250m", 250), ("0.5", 500), ("2", 2000)])
def test_cpu_quantities(quantity, millicores):
    assert cpu_millicores(quantity) == millicores


@pytest.mark.parametrize(("quantity", "size"), [("64Mi", 64 * 2**20), ("1Gi", 2**30), ("100M", 10**8), ("512", 512)])
def test_memory_quantities(quantity, size):
    assert memory_bytes(quantity) == size


@pytest.mark.parametrize("bad", ["1.5Mi", "64MB", "", "-1"])
def test_bad_memory_quantities_raise(bad):
    with pytest.raises(ValueError, match="not a memory quantity"):
        memory_bytes(bad)
