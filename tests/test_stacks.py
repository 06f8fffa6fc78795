"""The two shipped stacks: they differ where they should and never declare the same cloud object."""

from __future__ import annotations

OWNED = (":Repository", ":RepositoryRuleset", ":ActionsSecret", ":ActionsVariable", ":SentryTeam",
         ":RepositoryVulnerabilityAlerts", ":RepositoryDependabotSecurityUpdates", ":RepositoryFile")


def cloud_identity(resource: dict) -> tuple:
    """What names the object in the cloud, beyond the Pulumi resource name."""
    i = resource["inputs"]
    keys = ("repository", "name", "slug", "environment", "secretName", "variableName", "file", "key", "domain",
            "branchPattern", "tagPattern", "branch", "organization", "projectId", "project")
    return (resource["type"],) + tuple(str(i.get(k)) for k in keys)


def test_production_owns_the_shared_resources(plan_of, by_type):
    production, staging = plan_of("production"), plan_of("staging")
    for suffix in OWNED:
        assert by_type(production, suffix), suffix
        assert not by_type(staging, suffix), suffix


def test_no_cloud_object_is_declared_by_both_stacks(plan_of):
    # Example values: ids a preview does not know (a Vercel project id) tell the objects apart.
    custom = lambda plan: {cloud_identity(r) for r in plan["resources"]
                           if not r["type"].startswith(("pulumi:", "webapp-platform:"))}
    assert custom(plan_of("staging", values="example")) & custom(plan_of("production", values="example")) == set()


def test_domains_protection_and_approvals_differ(plan_of, by_type):
    staging, production = plan_of("staging"), plan_of("production")
    assert by_type(staging, ":ProjectDomain")[0]["inputs"]["domain"] == "staging.example.com"
    assert by_type(production, ":ProjectDomain")[0]["inputs"]["domain"] == "example.com"
    staging_project, production_project = by_type(staging, ":Project")[0], by_type(production, ":Project")[0]
    assert staging_project["inputs"]["vercelAuthentication"]["deploymentType"] == "all_deployments"
    assert staging_project["protect"] is False and production_project["protect"] is True
    prod_env = by_type(production, ":RepositoryEnvironment")[0]["inputs"]
    staging_env = by_type(staging, ":RepositoryEnvironment")[0]["inputs"]
    assert prod_env["environment"] == "production" and prod_env["reviewers"] and prod_env["preventSelfReview"]
    assert staging_env["environment"] == "staging" and "reviewers" not in staging_env
    tags = [r["inputs"].get("tagPattern") for r in by_type(production, ":RepositoryEnvironmentDeploymentPolicy")]
    assert "v*" in tags
    assert not [r for r in by_type(staging, ":RepositoryEnvironmentDeploymentPolicy") if "tagPattern" in r["inputs"]]


def test_only_production_gets_the_sentry_release_token(plan_of, by_type):
    names = lambda plan: {r["inputs"]["secretName"] for r in by_type(plan, ":ActionsEnvironmentSecret")}
    assert names(plan_of("production")) == {"VERCEL_TOKEN", "SLACK_WEBHOOK_URL", "SENTRY_AUTH_TOKEN"}
    assert names(plan_of("staging")) == {"VERCEL_TOKEN", "SLACK_WEBHOOK_URL", "VERCEL_AUTOMATION_BYPASS_SECRET"}


def test_stack_outputs(plan_of):
    for stack, url in (("staging", "https://staging.example.com"), ("production", "https://example.com")):
        outputs = plan_of(stack)["outputs"]
        assert outputs["siteUrl"] == url
        # The owner stack creates the repository, whose html_url GitHub computes; staging only names it.
        assert outputs["repositoryUrl"] == ("[unknown]" if stack == "production" else "https://github.com/example-org/my-app")
        assert outputs["sentryProjectSlug"] == f"my-app-{stack}"
        assert plan_of(stack, values="example")["outputs"]["repositoryUrl"] == "https://github.com/example-org/my-app"
