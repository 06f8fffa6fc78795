"""What the plan, access and token keys change in the declared resources (the plan document)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import wiring
import wiring.github
from plan.harness import ROOT, run_stack, stack_config
from stackconfig.load import load_stack_config

COLLABORATORS = ":RepositoryCollaborators"
ENVIRONMENT = ":RepositoryEnvironment"


def test_owner_stack_declares_access_with_the_configured_permissions(plan_of, by_type):
    (collaborators,) = by_type(plan_of("production"), COLLABORATORS)
    assert collaborators["inputs"]["teams"] == [{"permission": "admin", "teamId": "platform"},
                                                {"permission": "push", "teamId": "web"}]
    assert collaborators["inputs"]["users"] == []
    assert collaborators["parent"].endswith("webapp-platform:github:RepositoryAccess::access")
    repository = next(r for r in plan_of("production")["resources"] if r["type"].endswith(":Repository"))
    assert repository["urn"] in collaborators["dependencies"]  # access waits for the repository it names
    assert by_type(plan_of("staging"), COLLABORATORS) == []


def test_accepted_missing_reviewers_leave_production_ungated_and_say_so(plan_of, by_type, stack_file):
    path = stack_file("production", set={"webapp-platform:githubPlan": "team",
                                         "webapp-platform:acceptMissingGuardrails": ["required-reviewers"]})
    plan = plan_of("production", path)
    (environment,) = by_type(plan, ENVIRONMENT)
    assert "reviewers" not in environment["inputs"]
    assert plan["warnings"] == [
        "webapp-platform:acceptMissingGuardrails: planning WITHOUT required reviewers on the production environment: "
        "it needs GitHub Enterprise, which this stack does not state"
    ]
    (gated,) = by_type(plan_of("production"), ENVIRONMENT)
    assert gated["inputs"]["reviewers"] == [{"teams": [2000001.0], "users": [1000001.0]}]


def test_accepted_missing_all_deployments_falls_back_to_standard_protection(plan_of, by_type, stack_file):
    path = stack_file("staging", set={"webapp-platform:vercelPlan": "hobby",
                                      "webapp-platform:acceptMissingGuardrails": ["all-deployments-protection"]})
    (project,) = by_type(plan_of("staging", path), "vercel:index/project:Project")
    assert project["inputs"]["vercelAuthentication"] == {"deploymentType": "standard_protection_new"}
    (shipped,) = by_type(plan_of("staging"), "vercel:index/project:Project")
    assert shipped["inputs"]["vercelAuthentication"] == {"deploymentType": "all_deployments"}


def test_the_production_deploy_gets_the_release_token_not_the_provider_token(monkeypatch):
    _, values, secrets, _ = stack_config(ROOT, "production", None)
    values["webapp-platform:sentryAuthToken"] = "provider-token"
    values["webapp-platform:sentryReleaseToken"] = "release-token"
    config = load_stack_config(values, secrets)
    captured = {}
    monkeypatch.setattr(wiring.github, "secret_output", lambda secret: secret and secret.get_secret_value())
    monkeypatch.setattr(wiring.github, "DeploymentEnvironment", lambda name, args, opts=None: captured.setdefault("args", args))
    stub = SimpleNamespace(project_id="prj", url="https://example.com", team_id=None, protection_bypass=None)
    monitoring = SimpleNamespace(project_slug="p", dsn="https://dsn", organization="o")
    wiring.environment(config, SimpleNamespace(opts=lambda *n: None), site=stub, monitoring=monitoring, repository=None)
    assert captured["args"].secrets["SENTRY_AUTH_TOKEN"] == "release-token"
    assert "provider-token" not in str(captured["args"].secrets)


def test_accepted_missing_secret_scanning_leaves_security_settings_alone(plan_of, by_type, stack_file):
    path = stack_file("production", set={"webapp-platform:githubSecretProtection": False,
                                         "webapp-platform:acceptMissingGuardrails": ["secret-scanning"]})
    plan = plan_of("production", path)
    (repository,) = by_type(plan, "github:index/repository:Repository")
    assert "securityAndAnalysis" not in repository["inputs"]
    assert plan["warnings"][0].startswith("webapp-platform:acceptMissingGuardrails: planning WITHOUT secret scanning")
    (shipped,) = by_type(plan_of("production"), "github:index/repository:Repository")
    assert shipped["inputs"]["securityAndAnalysis"]["secretScanning"] == {"status": "enabled"}


def test_kubernetes_without_a_promoted_image_stops_with_the_reason():
    # The harness plans the referenced stack itself, so "staging built nothing yet" is the function's input.
    from wiring.kubernetes import _image_to_run

    with pytest.raises(Exception, match="kubernetes.enabled: there is no image to run yet"):
        _image_to_run(None)
    assert _image_to_run("ghcr.io/o/web@sha256:" + "0" * 64).endswith("0" * 64)
