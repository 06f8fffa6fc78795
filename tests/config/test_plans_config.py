"""The plan, access and token keys in the config model: refused before any resource, with the key."""

from __future__ import annotations

import pytest

from plan.harness import ROOT, stack_config
from stackconfig.errors import ConfigError
from stackconfig.load import load_stack_config

NS = "webapp-platform"


def raw(stack: str, **changes) -> tuple[dict, set]:
    """The shipped stack's raw config with changes (camelCase keys, values as the engine passes them)."""
    _, values, secrets, _ = stack_config(ROOT, stack, None)
    for key, value in changes.items():
        values[f"{NS}:{key}"] = value
    return values, secrets


def problems(stack: str, organization=None, **changes) -> list[str]:
    values, secrets = raw(stack, **changes)
    with pytest.raises(ConfigError) as raised:
        load_stack_config(values, secrets, organization=organization)
    return raised.value.problems


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_shipped_stacks_state_their_plans_and_pass(stack):
    values, secrets = raw(stack)
    config = load_stack_config(values, secrets, organization="organization")
    assert (config.github_plan, config.vercel_plan, config.sentry_plan) == ("enterprise", "pro", "team")
    assert config.warnings() == []


def test_both_stacks_state_the_same_accounts():
    keys = ("githubPlan", "githubSecretProtection", "vercelPlan", "sentryPlan", "githubSeats", "vercelSeats")
    staging, production = raw("staging")[0], raw("production")[0]
    assert {k: staging[f"{NS}:{k}"] for k in keys} == {k: production[f"{NS}:{k}"] for k in keys}


def test_a_sntrys_token_is_refused_for_the_provider_without_echoing_it():
    token = "sntrys_" + "z" * 40
    found = problems("production", sentryAuthToken=token)
    assert len(found) == 1 and found[0].startswith(f"{NS}:sentryAuthToken: an organization auth token (sntrys_...)")
    assert token not in found[0]


def test_production_needs_the_release_token_staging_does_not():
    values, secrets = raw("production")
    config = load_stack_config(values, secrets)
    assert f"{NS}:sentryReleaseToken" in config.required_secrets()
    values, secrets = raw("staging")
    assert f"{NS}:sentryReleaseToken" not in load_stack_config(values, secrets).required_secrets()


@pytest.mark.parametrize("organization, promote_from, expected", [
    ("organization", "organization/webapp-platform/staging", None),
    ("acme", "acme/webapp-platform/staging", None),
    ("organization", "example-org/webapp-platform/staging",
     f"{NS}:image.promoteFrom: names organization 'example-org' but this run's backend is a local or S3-style "
     "backend, where every stack is organization/<project>/<stack>; set it to organization/webapp-platform/staging"),
    ("acme", "organization/webapp-platform/staging",
     f"{NS}:image.promoteFrom: names organization 'organization' but this run's backend is Pulumi Cloud "
     "organization 'acme'; set it to acme/webapp-platform/staging"),
    (None, "organization/other-project/staging",
     f"{NS}:image.promoteFrom: names project 'other-project'; the building stack belongs to this project, "
     "'webapp-platform': organization/webapp-platform/<stack> on the local (file://) and S3, Azure Blob or Google "
     "Cloud Storage backends (the literal word organization), <your-org>/webapp-platform/<stack> on Pulumi Cloud"),
])
def test_promote_from_names_the_stack_the_way_the_backend_does(organization, promote_from, expected):
    values, secrets = raw("production")
    values[f"{NS}:image"] = '{"mode": "promote", "promoteFrom": "%s"}' % promote_from
    if expected is None:
        load_stack_config(values, secrets, organization=organization)
        return
    with pytest.raises(ConfigError) as raised:
        load_stack_config(values, secrets, organization=organization)
    assert raised.value.problems == [expected]


def test_promote_from_short_form_says_which_backend_wants_which():
    found = problems("production", image='{"mode": "promote", "promoteFrom": "staging"}')
    assert found == [f"{NS}:image.promoteFrom: got 'staging'; expected a fully qualified stack name: "
                     "organization/webapp-platform/<stack> on the local and S3 backends (the literal word "
                     "organization), <your-org>/webapp-platform/<stack> on Pulumi Cloud"]


@pytest.mark.parametrize("changes, expected", [
    ({"repositoryTeams": '{"web": "admin"}'},
     [f"{NS}:repositoryTeams.web: admin is only for platformAdmins; grant maintain or less, or list web in "
      f"{NS}:platformAdmins"]),
    ({"repositoryCollaborators": '{"contractor": "push"}'},
     [f"{NS}:repositoryCollaborators.contractor: push on the production repository; grant members through "
      f"repositoryTeams, give outside collaborators pull or triage, or set {NS}:allowOutsideCollaborators: true"]),
    ({"repositoryTeams": '{"Web Team": "push"}'},
     [f"{NS}:repositoryTeams: got {{'Web Team': 'push'}}; expected team slugs (lower-case letters, digits, '.', '_', "
      "'-') or numeric ids; not ['Web Team']"]),
    ({"repositoryTeams": '{"web": "write"}'}, None),
])
def test_access_config_is_checked(changes, expected):
    found = problems("production", **changes)
    if expected is None:  # a permission GitHub does not have: pydantic names the choices
        assert found[0].startswith(f"{NS}:repositoryTeams.web: got 'write'; expected ")
        assert "'pull', 'triage', 'push', 'maintain' or 'admin'" in found[0]
    else:
        assert found == expected


def test_outside_writers_allowed_by_config_pass():
    values, secrets = raw("production", repositoryCollaborators='{"contractor": "push"}',
                          allowOutsideCollaborators="true")
    assert load_stack_config(values, secrets).repository_collaborators == {"contractor": "push"}


def test_accepted_missing_guardrail_plans_without_it_and_warns():
    values, secrets = raw("staging", vercelPlan="hobby", acceptMissingGuardrails='["all-deployments-protection"]')
    config = load_stack_config(values, secrets)
    assert config.deployment_protection == "standard_protection_new"
    assert config.declared_deployment_protection == "all_deployments"
    assert config.warnings()[0].startswith("acceptMissingGuardrails: planning WITHOUT Vercel's all_deployments")


@pytest.mark.parametrize("organization", [None, ""])
def test_an_engine_that_names_no_organization_checks_only_the_form(organization):
    values, secrets = raw("production")
    values[f"{NS}:image"] = '{"mode": "promote", "promoteFrom": "anything/webapp-platform/staging"}'
    assert load_stack_config(values, secrets, organization=organization).image.promote_from.startswith("anything/")
