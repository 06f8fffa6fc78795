"""Render every Kubernetes object of a stack with Kubernetes enabled and validate it offline:
``kubernetes-validate --strict`` for each supported cluster version, and checkov's Kubernetes checks
with zero failures (the only skips are in ``CHECKOV_SKIPS``, each with its reason).

Two sources of objects: the plan of ``stacks/examples/production-kubernetes.yaml`` (the real program,
as a user would enable it), and ``KubernetesApp`` variants the shipped example does not reach
(staging defaults, cert-manager, no autoscaler, a pull secret).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pulumi.runtime.settings import SETTINGS

from components.kubernetes_app import RUN_AS_USER, KubernetesApp
from plan.harness import run_under_mocks
from stackconfig.kubernetes import KubernetesConfig
import wiring
from tests.kubernetes.manifests import (
    CHECKOV_SKIPS,
    KUBERNETES_VERSIONS,
    ROOT,
    checkov,
    kubernetes_validate,
    manifests,
    placeholders,
    write_manifests,
)

EXAMPLE = ROOT / "stacks" / "examples" / "production-kubernetes.yaml"
KINDS = {"Namespace", "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"}
REF = "ghcr.io/example-org/my-app-web:v1.4.2@sha256:" + "b" * 64

# (environment, domain, config) of the component variants.
VARIANTS = [
    ("staging", "staging.example.com", {"enabled": True}),
    (
        "production",
        "example.com",
        {
            "enabled": True, "namespace": "shop", "autoscaling": False, "minReplicas": 4, "imagePullSecret": "ghcr-pull",
            "tls": {"certManagerIssuer": "letsencrypt-prod"}, "ingressClass": "traefik", "ingressControllerNamespace": "traefik",
        },
    ),
]


@pytest.fixture(scope="module")
def example_plan() -> dict:
    from plan.harness import run_stack

    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    return run_stack("production", stack_file=EXAMPLE, values="example")  # concrete manifests to validate


@pytest.fixture(scope="module")
def variant_objects() -> list[dict]:
    objects: list[dict] = []
    for index, (environment, domain, values) in enumerate(VARIANTS):
        SETTINGS.rpc_manager.clear()
        SETTINGS.outputs.clear()
        args = wiring.kubernetes_args(KubernetesConfig.model_validate(values), environment=environment, domain=domain, image_ref=REF)
        monitor, _ = run_under_mocks(lambda: KubernetesApp(f"web{index}", args), project="webapp-platform", stack=environment)
        objects += manifests({"type": r.type, "inputs": r.inputs} for r in monitor.registrations)
    return objects


@pytest.fixture(scope="module")
def example_files(example_plan, tmp_path_factory) -> list[Path]:
    return write_manifests(manifests(example_plan["resources"]), tmp_path_factory.mktemp("example-stack"))


@pytest.fixture(scope="module")
def variant_files(variant_objects, tmp_path_factory) -> list[Path]:
    return write_manifests(variant_objects, tmp_path_factory.mktemp("variants"))


# Each source in its own folder and fixture, so one source failing to render does not hide the other.
SOURCES = ["example_files", "variant_files"]


def test_the_example_is_the_production_stack_plus_kubernetes():
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["config"]
    production = yaml.safe_load((ROOT / "Pulumi.production.yaml").read_text(encoding="utf-8"))["config"]
    assert example.pop("webapp-platform:kubernetes") == {"enabled": True, "kubeContext": "example-cluster"}
    assert example == production


def test_the_example_plan_declares_each_object_once_running_the_stacks_image(example_plan):
    objects = manifests(example_plan["resources"])
    assert sorted(o["kind"] for o in objects) == sorted(KINDS)
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == example_plan["outputs"]["imageRef"]
    assert "@sha256:" in image
    providers = [r for r in example_plan["resources"] if r["type"] == "pulumi:providers:kubernetes"]
    assert len(providers) == 1
    assert all(r["provider"] == providers[0]["urn"] for r in example_plan["resources"] if r["type"].startswith("kubernetes:"))


@pytest.mark.parametrize("source", SOURCES)
def test_rendered_manifests_are_complete(request, source):
    for path in request.getfixturevalue(source):
        assert placeholders(yaml.safe_load(path.read_text(encoding="utf-8"))) == [], path.name


@pytest.mark.parametrize("source", SOURCES)
def test_kubernetes_validate_strict_for_every_supported_version(request, source):
    run = kubernetes_validate(request.getfixturevalue(source))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ERROR" not in run.stdout + run.stderr


def test_the_validator_would_catch_an_unknown_field(tmp_path):
    # Guards the check above: strict mode really refuses a field the API does not have.
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"ports": [{"port": 80}], "replicas": 2}}
    run = kubernetes_validate(write_manifests([bad], tmp_path))
    assert run.returncode != 0
    assert "replicas" in run.stdout + run.stderr


@pytest.mark.parametrize("source", SOURCES)
def test_checkov_kubernetes_checks_pass(request, source):
    files = request.getfixturevalue(source)
    result = checkov(files[0].parent)
    assert result.parsing_errors == []
    # checkov counts each object, and each Deployment's container once more.
    deployments = sum(1 for p in files if p.name.startswith("deployment-"))
    assert result.resource_count == len(files) + deployments
    assert result.failed == []
    assert len(result.passed) >= 60  # the Deployment alone has ~60 applicable checks


def test_the_checkov_skips_are_still_needed():
    # CKV_K8S_40 wants a uid >= 10000; the skip goes when the image moves to one.
    assert set(CHECKOV_SKIPS) == {"CKV_K8S_40"}
    assert RUN_AS_USER < 10000


def test_the_supported_versions_are_shipped_by_the_validator():
    import kubernetes_validate.utils as utils

    shipped = set(utils.all_versions())
    assert {v.rsplit(".", 1)[0] for v in KUBERNETES_VERSIONS} <= {v.rsplit(".", 1)[0] for v in shipped}


@pytest.fixture(scope="module")
def shipped_stacks() -> dict:
    """Per shipped stack: its Kubernetes resource types, and whether planning it imported pulumi_kubernetes.
    Both planned in one fresh interpreter (this test process has imported pulumi_kubernetes already)."""
    code = (
        "import sys, json\n"
        "from plan.harness import run_stack\n"
        "result = {}\n"
        "for stack in ('staging', 'production'):\n"
        "    plan = run_stack(stack)\n"
        "    kinds = [r['type'] for r in plan['resources'] if 'kubernetes' in r['type']]\n"
        "    result[stack] = {'kinds': kinds, 'imported': 'pulumi_kubernetes' in sys.modules}\n"
        "print(json.dumps(result))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_shipped_stacks_neither_declare_nor_import_kubernetes(shipped_stacks, stack):
    assert shipped_stacks[stack] == {"kinds": [], "imported": False}
