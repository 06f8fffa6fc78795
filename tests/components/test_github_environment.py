"""DeploymentEnvironment: deploy rules, reviewers, secrets and variables of one environment."""

from __future__ import annotations

import pulumi

from components.github_environment import DeploymentEnvironment, DeploymentEnvironmentArgs


def declare_env(declare, **overrides) -> dict:
    args = DeploymentEnvironmentArgs(**{"repository": "my-app", "environment": "staging", **overrides})
    return declare(lambda: DeploymentEnvironment("env", args))


def test_staging_deploys_from_main_only_without_reviewers(declare):
    resources = declare_env(declare)
    env = resources["env-environment"].inputs
    assert env["environment"] == "staging"
    assert env["deploymentBranchPolicy"] == {"customBranchPolicies": True, "protectedBranches": False}
    assert "reviewers" not in env and env["preventSelfReview"] is False
    policies = [r.inputs for n, r in resources.items() if "-deploy-" in n]
    assert policies == [{"branchPattern": "main", "environment": "staging", "repository": "my-app"}]


def test_production_is_gated_and_deploys_main_and_release_tags(declare):
    resources = declare_env(
        declare, environment="production", tag_patterns=("v*",), reviewer_users=(11,), reviewer_teams=(22,),
        prevent_self_review=True,
    )
    env = resources["env-environment"].inputs
    assert env["reviewers"] == [{"teams": [22], "users": [11]}]
    assert env["preventSelfReview"] is True and env["canAdminsBypass"] is False
    assert resources["env-deploy-tag-v"].inputs["tagPattern"] == "v*"
    assert resources["env-deploy-branch-main"].inputs["branchPattern"] == "main"


def test_environment_secrets_are_secret_and_variables_plain(declare):
    resources = declare_env(
        declare, secrets={"VERCEL_TOKEN": pulumi.Output.secret("vt-value")}, variables={"APP_URL": "https://x.example.com"}
    )
    secret = resources["env-secret-vercel-token"].inputs
    assert secret == {"environment": "staging", "repository": "my-app", "secretName": "VERCEL_TOKEN", "value": "[secret]"}
    assert resources["env-variable-app-url"].inputs["value"] == "https://x.example.com"
