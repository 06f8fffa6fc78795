"""The ``webapp-platform:kubernetes`` sub-model: off by default, ``enabled`` plus ``kubeContext`` is
complete, bad values are refused naming the key, production keeps 3 replicas."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from stackconfig.kubernetes import KubernetesConfig, cpu_millicores, memory_bytes



def test_off_by_default():
    config = KubernetesConfig()
    assert config.enabled is False
    assert config.problems_for("production") == []


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_enabled_with_a_context_is_a_complete_configuration(environment):
    config = KubernetesConfig.model_validate({"enabled": True, "kubeContext": "prod-cluster"})
    assert config.problems_for(environment) == []
    assert config.kube_context == "prod-cluster"


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_enabled_without_a_context_is_refused(environment):
    # The program never deploys to whatever kubeconfig context is current on the machine.
    problems = KubernetesConfig.model_validate({"enabled": True}).problems_for(environment)
    assert problems == [
        "kubernetes.kubeContext: required when kubernetes.enabled is true (the kubeconfig context of the "
        "cluster; `kubectl config get-contexts` lists them)"
    ]


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
    problems = KubernetesConfig.model_validate({"enabled": True, "kubeContext": "c", **values}).problems_for(
        environment, image_enabled
    )
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)


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
