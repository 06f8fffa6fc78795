"""What the stacks declare for delivery (README "Delivery"), read from the plan documents:

- staging, behind Vercel login, declares a Protection Bypass for Automation and stores its secret
  (marked secret) as VERCEL_AUTOMATION_BYPASS_SECRET of the `staging` environment, for the deploy
  job's smoke test; production (public production target) declares none;
- staging declares the `preview` environment of preview.yml: main only, the Vercel token and the
  staging project id, nothing else;
- the owner stack commits preview.yml, rollback.yml and the Lighthouse budgets with the others.
"""

from __future__ import annotations

import json

from tests.workflows.shared import APP_REPO_FILES, APP_WORKFLOWS

BYPASS = "vercel:index/projectProtectionBypass:ProjectProtectionBypass"


def test_staging_declares_the_protection_bypass_for_its_smoke_test(plan_of, by_type):
    plan = plan_of("staging")
    (bypass,) = by_type(plan, ":ProjectProtectionBypass")
    (project,) = by_type(plan, ":Project")
    assert bypass["inputs"]["isEnvVar"] is True and "secret" not in bypass["inputs"], "Vercel generates the value"
    assert bypass["parent"] == project["parent"], "a child of the VercelSite"
    name = "VERCEL_AUTOMATION_BYPASS_SECRET"
    stored = [s for s in by_type(plan, ":ActionsEnvironmentSecret") if s["inputs"]["secretName"] == name]
    assert [s["inputs"]["environment"] for s in stored] == ["staging"]
    assert stored[0]["inputs"]["value"] == "[secret]"
    assert bypass["urn"] in stored[0]["dependencies"], "the value comes from the bypass resource"


def test_production_has_no_bypass(plan_of, by_type):
    plan = plan_of("production")
    assert by_type(plan, ":ProjectProtectionBypass") == []
    stored = {s["inputs"]["secretName"] for s in by_type(plan, ":ActionsEnvironmentSecret")}
    assert "VERCEL_AUTOMATION_BYPASS_SECRET" not in stored


def test_staging_declares_the_preview_environment(plan_of, by_type):
    plan = plan_of("staging")
    (environment,) = [e for e in by_type(plan, ":RepositoryEnvironment") if e["inputs"]["environment"] == "preview"]
    assert environment["inputs"]["deploymentBranchPolicy"] == {"customBranchPolicies": True, "protectedBranches": False}
    policies = [p for p in by_type(plan, ":RepositoryEnvironmentDeploymentPolicy") if environment["urn"] in p["dependencies"]]
    assert [(p["inputs"].get("branchPattern"), p["inputs"].get("tagPattern")) for p in policies] == [("main", None)]
    secrets = {s["inputs"]["secretName"] for s in by_type(plan, ":ActionsEnvironmentSecret") if s["inputs"]["environment"] == "preview"}
    variables = {v["inputs"]["variableName"] for v in by_type(plan, ":ActionsEnvironmentVariable") if v["inputs"]["environment"] == "preview"}
    assert (secrets, variables) == ({"VERCEL_TOKEN"}, {"VERCEL_PROJECT_ID"})
    assert not [e for e in by_type(plan_of("production"), ":RepositoryEnvironment") if e["inputs"]["environment"] == "preview"]


def test_the_owner_stack_commits_the_delivery_files(plan_of, by_type):
    files = {f["inputs"]["file"]: f["inputs"]["content"] for f in by_type(plan_of("production"), ":RepositoryFile")}
    for name in ("preview.yml", "rollback.yml", "deploy.yml", "ci.yml"):
        assert files[f".github/workflows/{name}"] == (APP_WORKFLOWS / name).read_text(encoding="utf-8")
    budgets = json.loads(files["lighthouserc.json"])
    assert budgets == json.loads((APP_REPO_FILES / "lighthouserc.json").read_text(encoding="utf-8"))
    assert budgets["ci"]["collect"]["staticDistDir"] == "./dist"
    assert budgets["ci"]["assert"]["assertions"]["resource-summary:script:size"] == ["error", {"maxNumericValue": 524288}]
