"""wiring/: the translation from the config model to each component's typed args."""

from __future__ import annotations

import pytest

import wiring
from components.kubernetes_app import KubernetesAppArgs
from components.web_image import WebImageArgs
from stackconfig.image import IMAGE_REF_OUTPUT, ImageConfig
from stackconfig.kubernetes import KubernetesConfig

DIGEST = "sha256:" + "ab" * 32
REF = "ghcr.io/example-org/my-app-web:v1@sha256:" + "0" * 64


def build_config(**overrides) -> ImageConfig:
    return ImageConfig.model_validate({"mode": "build", "version": "v1.4.2", **overrides})


def test_build_args_for_a_build():
    config = build_config(nginxImage=f"nginx:1.30.5-alpine@{DIGEST}", platforms=["linux/amd64", "linux/arm64"])
    args = wiring.image_args(
        config,
        environment="staging",
        github_owner="Example-Org",
        github_repository="My-App",
        api_url="https://api.staging.example.com",
        sentry_dsn="https://key@o1.ingest.sentry.io/2",
        registry_token="token-placeholder",
        csp_report_uri="https://o1.ingest.sentry.io/api/2/security/?sentry_key=key",
    )
    assert isinstance(args, WebImageArgs)
    # Registries want lower case; GitHub names need not be.
    assert args.repository == "ghcr.io/example-org/my-app-web"
    assert args.tags == ["ghcr.io/example-org/my-app-web:v1.4.2", "ghcr.io/example-org/my-app-web:staging"]
    assert args.cache_ref == "ghcr.io/example-org/my-app-web:buildcache"
    assert args.platforms == ("linux/amd64", "linux/arm64")
    assert args.context_dir == "../app"
    assert args.registry is not None and (args.registry.address, args.registry.username) == ("ghcr.io", "Example-Org")
    assert args.source_url == "https://github.com/Example-Org/My-App"
    assert dict(args.build_args) == {
        "BUILD_SCRIPT": "build:staging",
        "VITE_ENVIRONMENT": "staging",
        "VITE_API_URL": "https://api.staging.example.com",
        "VITE_SENTRY_DSN": "https://key@o1.ingest.sentry.io/2",
        "CSP_REPORT_URI": "https://o1.ingest.sentry.io/api/2/security/?sentry_key=key",
        "NGINX_IMAGE": f"nginx:1.30.5-alpine@{DIGEST}",
    }


def test_overrides_of_repository_username_and_build_script():
    config = build_config(repository="acme/site", registryUsername="bot", registry="registry.example.com:5000", buildScript="build")
    args = wiring.image_args(
        config,
        environment="production", github_owner="o", github_repository="r", api_url="https://api.example.com",
        sentry_dsn="dsn", registry_token="t",
    )
    assert args.repository == "registry.example.com:5000/acme/site"
    assert args.registry_host == "registry.example.com:5000"
    assert args.registry is not None and args.registry.username == "bot"
    assert args.build_args["BUILD_SCRIPT"] == "build"
    assert "CSP_REPORT_URI" not in args.build_args


def test_promotion_args_carry_no_build_and_no_credentials():
    config = ImageConfig.model_validate({"mode": "promote", "promoteFrom": "acme/webapp-platform/staging"})
    args = wiring.image_args(
        config,
        environment="production", github_owner="o", github_repository="r", api_url="https://api.example.com",
        sentry_dsn="dsn", registry_token=None,
    )
    assert (args.mode, args.promote_from, args.registry, dict(args.build_args)) == (
        "promote", "acme/webapp-platform/staging", None, {}
    )
    assert not config.needs_registry_token
    assert IMAGE_REF_OUTPUT == "imageRef"


@pytest.mark.parametrize(
    ("values", "token", "message"),
    [
        ({"mode": "off"}, "t", "image.mode is off"),
        ({"mode": "build", "version": "v1"}, None, "needs webapp-platform:registryToken"),
    ],
)
def test_image_args_refuse_what_cannot_be_built(values, token, message):
    with pytest.raises(ValueError, match=message):
        wiring.image_args(
            ImageConfig.model_validate(values),
            environment="staging", github_owner="o", github_repository="r", api_url="https://a.example.com",
            sentry_dsn="d", registry_token=token,
        )


def test_a_partial_resources_object_keeps_the_other_defaults():
    args = wiring.kubernetes_args(
        KubernetesConfig.model_validate({"enabled": True, "resources": {"limits": {"memory": "256Mi"}}}),
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
    args = wiring.kubernetes_args(config, environment="production", domain="example.com", image_ref=REF)
    assert (args.namespace, args.host, args.min_replicas, args.max_replicas) == (
        "shop", "k8s.example.com", 4, 12
    )
    assert (args.cpu_target_percent, args.requests_cpu, args.limits_cpu, args.limits_memory) == (60, "100m", "1", "256Mi")
    assert (args.ingress_class, args.ingress_controller_namespace) == ("traefik", "traefik")
    assert (args.tls_secret_name, args.cert_manager_issuer, args.cert_manager_issuer_kind) == (
        "shop-tls", "letsencrypt-prod", "Issuer"
    )
    assert args.image_pull_secret == "ghcr-pull"


@pytest.mark.parametrize(
    ("environment", "domain", "namespace", "minimum"),
    [("staging", "staging.example.com", "webapp-staging", 2), ("production", "example.com", "webapp-production", 3)],
)
def test_kubernetes_defaults_resolve_from_the_environment(environment, domain, namespace, minimum):
    config = KubernetesConfig.model_validate({"enabled": True, "kubeContext": "c"})
    args = wiring.kubernetes_args(config, environment=environment, domain=domain, image_ref=REF)
    assert isinstance(args, KubernetesAppArgs)
    assert (args.namespace, args.host, args.min_replicas, args.max_replicas) == (namespace, domain, minimum, 10)
    assert (args.autoscaling, args.cpu_target_percent, args.ingress_class, args.ingress_controller_namespace) == (
        True, 70, "nginx", "ingress-nginx"
    )
    assert (args.requests_cpu, args.requests_memory, args.limits_cpu, args.limits_memory) == ("50m", "64Mi", "500m", "128Mi")
    assert (args.tls_secret_name, args.cert_manager_issuer) == ("web-tls", None)
    assert args.image_ref == REF


def test_kubernetes_args_refuse_a_disabled_config():
    with pytest.raises(ValueError, match="kubernetes.enabled is false"):
        wiring.kubernetes_args(KubernetesConfig(), environment="staging", domain="staging.example.com", image_ref=REF)


@pytest.fixture(scope="module")
def plans() -> dict:
    from plan.harness import run_stack

    return {stack: {r["name"]: r for r in run_stack(stack)["resources"]} for stack in ("staging", "production")}


def test_the_vercel_project_comes_after_the_repository_it_links(plans):
    # Vercel looks the linked GitHub repository up when the project is created.
    production = plans["production"]
    assert production["repository-repository"]["urn"] in production["site-project"]["dependencies"]
    # Staging links the repository that production owns: nothing of its own to wait for.
    assert "repository-repository" not in plans["staging"]
    assert plans["staging"]["site-project"]["dependencies"] == []


def test_repository_wide_parts_only_on_the_owner_stack(plans):
    owner_parts = {"repository", "rulesets", "actions", "managed-files"}
    assert owner_parts <= set(plans["production"])
    assert not owner_parts & set(plans["staging"])
