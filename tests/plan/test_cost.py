"""plan cost: the tier each service needs, its price from the dated table, the total, the design's table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from plan.cost import Seats, platform, report, text
from stackconfig.plan_facts import PRICES
from stackconfig.tiers import PlanInputs

PRODUCTION = PlanInputs(
    environment="production", owns_shared_resources=True, visibility="private", github_plan="enterprise",
    github_secret_protection=True, vercel_plan="pro", sentry_plan="team", production_reviewers=2, code_owners=True,
)
STAGING = PlanInputs(
    environment="staging", owns_shared_resources=False, visibility="private", github_plan="enterprise",
    github_secret_protection=True, vercel_plan="pro", sentry_plan="team", deployment_protection="all_deployments",
)
FREE = PlanInputs(environment="staging", owns_shared_resources=True, visibility="public", slack_alerts=False)


def monthly(doc: dict) -> dict[str, float]:
    return {line["service"]: line["monthly"] for line in doc["services"]}


def test_private_production_needs_enterprise_and_secret_protection_per_seat():
    doc = report("production", PRODUCTION, Seats(github=5, vercel=2))
    gh, sp = PRICES["github"]["enterprise"]["monthly"], PRICES["github-secret-protection"]["monthly"]
    assert monthly(doc) == {"github": 5 * gh, "github-secret-protection": 5 * sp, "vercel": 0.0,
                            "sentry": PRICES["sentry"]["team"]["monthly"], "domain": 1.0}
    assert doc["total"] == round(5 * gh + 5 * sp + PRICES["sentry"]["team"]["monthly"] + 1.0, 2)
    vercel = next(line for line in doc["services"] if line["service"] == "vercel")
    assert (vercel["needed"], vercel["stated"], vercel["statedMonthly"]) == ("hobby", "pro", 2 * 20.0)
    assert doc["drivers"]["github"] == ["rulesets", "code-owner-review", "secret-scanning", "environments",
                                        "required-reviewers"]


def test_staging_pays_vercel_pro_for_all_deployments():
    doc = report("staging", STAGING, Seats(github=3, vercel=2))
    assert monthly(doc)["vercel"] == 2 * PRICES["vercel"]["pro"]["monthly"]
    assert monthly(doc)["github"] == 3 * PRICES["github"]["team"]["monthly"]  # environments only: Team
    assert monthly(doc)["github-secret-protection"] == 0.0  # staging declares no repository


def test_the_design_table_is_met_only_without_paid_guardrails():
    doc = report("free", FREE, Seats())
    assert doc["total"] == doc["design"]["monthly"] == 1.0
    assert "nothing (free tier)" in text(doc)


def test_accepting_a_guardrail_missing_lowers_the_tier():
    accepted = replace(PRODUCTION, github_plan="team", accept_missing=("required-reviewers",))
    assert monthly(report("p", accepted, Seats(github=5)))["github"] == 5 * PRICES["github"]["team"]["monthly"]


def test_platform_block_takes_the_highest_tier_any_stack_needs():
    doc = platform({"staging": STAGING, "production": PRODUCTION}, Seats(github=5, vercel=2))
    lines = {line["service"]: line for line in doc["services"]}
    assert lines["github"]["needed"] == "enterprise" and lines["vercel"]["needed"] == "pro"
    assert lines["github-secret-protection"]["monthly"] == 5 * PRICES["github-secret-protection"]["monthly"]
    assert doc["drivers"]["vercel"] == ["all-deployments-protection"]


def test_text_names_every_service_the_total_and_the_comparison():
    out = text(report("production", PRODUCTION, Seats(github=5, vercel=2)))
    for fragment in ("GitHub Secret Protection", "5 seats x $21.00", "total", "design's table: 1.00",
                     "what moves it off the free tiers"):
        assert fragment in out, fragment


@pytest.mark.parametrize("service", ["github", "vercel", "sentry", "github-secret-protection", "domain"])
def test_every_price_has_a_source_and_date(service):
    assert PRICES[service]["source"] and PRICES[service]["checked"]
    assert isinstance(PRICES[service]["confirmed"], bool)  # a third party's copy of a price page is not confirmed


def test_readme_shows_the_shipped_stacks_cost(root):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "plan", "cost", "staging", "production"], cwd=root,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- cost:start -->\n", 1)[1].split("<!-- cost:end -->", 1)[0]
    assert block == "```text\n$ python -m plan cost staging production\n" + result.stdout + "```\n", \
        "regenerate: python scripts/update-readme.py"


def test_cli_json_and_a_refused_stack_exits_2_without_traceback(root, stack_file):
    import json
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "plan", "cost", "production", "--json"], cwd=root,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and json.loads(run.stdout)[0]["stack"] == "production"
    hobby = stack_file("staging", set={"webapp-platform:vercelPlan": "hobby"})
    run = subprocess.run([sys.executable, "-m", "plan", "cost", "staging", "--stack-file", str(hobby)], cwd=root,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "webapp-platform:vercelPlan: this stack gets Vercel's all_deployments" in run.stderr
    assert "Traceback" not in run.stderr
