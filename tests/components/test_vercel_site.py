"""VercelSite: project per environment, domain, build-time variables, protection."""

from __future__ import annotations

import pytest

from components.vercel_site import SKIP_GIT_BUILDS, VercelSite, VercelSiteArgs


def declare_site(declare, **overrides) -> dict:
    args = VercelSiteArgs(**{
        "project_name": "my-app-staging", "environment": "staging", "domain": "staging.example.com",
        "repository": "acme/my-app", "variables": {"VITE_ENVIRONMENT": "staging"}, **overrides,
    })
    return declare(lambda: VercelSite("site", args))


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_project_builds_the_environment_with_vite(declare, environment):
    project = declare_site(declare, environment=environment)["site-project"].inputs
    assert project["framework"] == "vite" and project["installCommand"] == "npm ci"
    assert project["buildCommand"] == f"npm run build:{environment}" and project["outputDirectory"] == "dist"
    assert project["gitRepository"] == {"productionBranch": "main", "repo": "acme/my-app", "type": "github"}
    # Git pushes must not deploy around the approval gate.
    assert project["ignoreCommand"] == SKIP_GIT_BUILDS


@pytest.mark.parametrize("protection", ["all_deployments", "standard_protection_new"])
def test_deployment_protection(declare, protection):
    project = declare_site(declare, deployment_protection=protection)["site-project"].inputs
    assert project["vercelAuthentication"] == {"deploymentType": protection}


@pytest.mark.parametrize("protect", [True, False])
def test_protect_flag(declare, protect):
    assert declare_site(declare, protect=protect)["site-project"].protect is protect


def test_domain_and_variables_point_at_the_project(declare):
    resources = declare_site(declare, team_id="team_abc")
    project_id = resources["site-project"].urn
    domain = resources["site-domain"]
    assert domain.inputs["domain"] == "staging.example.com" and domain.inputs["teamId"] == "team_abc"
    assert project_id in domain.dependencies
    variable = resources["site-env-vite-environment"]
    assert variable.inputs["key"] == "VITE_ENVIRONMENT" and variable.inputs["targets"] == ["production", "preview"]
    assert variable.inputs["sensitive"] is False and project_id in variable.dependencies
