"""Point 1 of the engine tier: `pulumi preview` of each shipped stack with the policy pack.

The policy-pack flags are read out of `.github/workflows/*.yml` (workflow_flags.py), not copied.
Providers: the real plugin where `make engine` built one, else the schema-checking stand-in of
standin_provider.py (github, vercel, sentry, kubernetes here: the Go module proxy refuses them).
"""

from __future__ import annotations

import pytest

from tests.e2e.stacks import VARIANTS, WORKFLOWS, run_preview
from tests.e2e.engine import policy_violations
from tests.e2e.workflow_flags import preview_flags


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_workflows_pass_the_policy_pack_with_its_config(stack):
    flags, problems = preview_flags(WORKFLOWS, stack)
    assert not problems, "the engine refuses a pack whose required config is not passed:\n" + "\n".join(problems)
    assert flags == ["--policy-pack", "policies", "--policy-pack-config", f"policies/config/{stack}.json"]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_real_preview_succeeds_with_no_mandatory_violation(stack_env, variant):
    run = run_preview(stack_env(variant))
    assert run.result.returncode == 0, run.result.describe()
    mandatory = [v for v in policy_violations(run.events) if v["level"] == "mandatory"]
    assert mandatory == [], mandatory
    errors = [d for d in run.digest.get("diagnostics") or [] if d.get("severity") == "error"]
    assert errors == [], errors
    assert any(e.get("policyLoadEvent") is not None or e.get("policyAnalyzeSummaryEvent") for e in run.events), (
        "the policy pack never ran"
    )


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_preview_asks_the_services_only_what_configure_and_invokes_need(stack_env, service_stub, variant):
    run_preview(stack_env(variant))
    asked = {(r["method"], r["path"], r["status"]) for r in service_stub.requests()}
    assert ("GET", "/api/v3/orgs/example-org", 200) in asked, asked
    assert ("GET", "/api/0/organizations/example-org/integrations/", 200) in asked, asked
    assert all(status == 200 for _, _, status in asked), asked
