"""The plan-tier matrix: every combination the services refuse is refused with its exact message.

Each case starts from a stack shape (the shipped production or staging stack, whose stated plans
carry every guardrail) and changes the plans, visibility or acceptances; the expected refusals and
warnings are written out in full, so a changed message or a lost refusal fails here.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from stackconfig import plan_facts
from stackconfig.tiers import PlanInputs, check, drivers, needed_tiers

PRODUCTION = PlanInputs(
    environment="production", owns_shared_resources=True, visibility="private", github_plan="enterprise",
    github_secret_protection=True, vercel_plan="pro", sentry_plan="team",
    deployment_protection="standard_protection_new", production_reviewers=2, code_owners=True,
    teams=("codeOwners", "productionReviewerTeams"),
)
STAGING = PlanInputs(
    environment="staging", owns_shared_resources=False, visibility="private", github_plan="enterprise",
    github_secret_protection=True, vercel_plan="pro", sentry_plan="team", deployment_protection="all_deployments",
)

RULESETS_FREE = (
    "githubPlan: a private repository gets the rulesets of main, hotfix/* and v* tags (pull requests, reviews, "
    "required checks, no force push or deletion) only with GitHub Pro, Team or Enterprise; the stack states GitHub Free. "
    "To fix: set webapp-platform:githubPlan to pro, team or enterprise, or make the repository public "
    "(repositoryVisibility: public)"
)
CODE_OWNERS_FREE = (
    "githubPlan: a private repository gets code-owner review (CODEOWNERS) only with GitHub Pro, Team or Enterprise; the "
    "stack states GitHub Free. To fix: set webapp-platform:githubPlan to pro, team or enterprise, or make the "
    "repository public (repositoryVisibility: public)"
)
SECRET_SCANNING_FREE = (
    "githubPlan: a private repository gets secret scanning and push protection only with GitHub Secret Protection "
    "(bought with GitHub Team or Enterprise); the stack states GitHub Free. To fix: move the organization to "
    "GitHub Team or Enterprise with GitHub Secret Protection (githubPlan: team, githubSecretProtection: true), or "
    "make the repository public (repositoryVisibility: public), or plan without it: "
    "acceptMissingGuardrails: [secret-scanning]"
)
ENVIRONMENTS_FREE = (
    "githubPlan: a private repository gets the GitHub environment of this stack with its secrets and deployment "
    "branch policies only with GitHub Pro, Team or Enterprise; the stack states GitHub Free. To fix: set "
    "webapp-platform:githubPlan to pro, team or enterprise, or make the repository public (repositoryVisibility: public)"
)
REVIEWERS = (
    "githubPlan: a private repository gets required reviewers on the production environment only with GitHub "
    "Enterprise; the stack states {plan}. To fix: set webapp-platform:githubPlan to enterprise, or make the "
    "repository public (repositoryVisibility: public), or plan without it: acceptMissingGuardrails: [required-reviewers]"
)
SECRET_PROTECTION_NOT_BOUGHT = (
    "githubSecretProtection: a private repository gets secret scanning and push protection only with GitHub Secret "
    "Protection (bought with GitHub Team or Enterprise); the stack states GitHub Team. To fix: buy GitHub Secret "
    "Protection and set webapp-platform:githubSecretProtection: true, or make the repository public "
    "(repositoryVisibility: public), or plan without it: acceptMissingGuardrails: [secret-scanning]"
)
ALL_DEPLOYMENTS_HOBBY = (
    "vercelPlan: this stack gets Vercel's all_deployments protection (the production domain behind Vercel "
    "Authentication too) only with Vercel Pro or Enterprise; the stack states Vercel Hobby. To fix: set webapp-platform:vercelPlan "
    "to pro, or choose vercelDeploymentProtection standard_protection_new, or plan without it: "
    "acceptMissingGuardrails: [all-deployments-protection]"
)
HOBBY_WARNING = (
    "vercelPlan: Vercel Hobby deploys a private repository's commits only when their author owns the Hobby team, "
    "and is for non-commercial use; a team needs Vercel Pro"
)
SENTRY_DEVELOPER = (
    "sentryPlan: the alerts go to Slack through Sentry's Slack integration, which needs Sentry Team or Business "
    "(the Developer plan has no third-party integrations); the stack states Sentry Developer. To fix: set "
    "webapp-platform:sentryPlan to team"
)
INTERNAL_TEAM = (
    "repositoryVisibility: internal repositories exist only in organizations of a GitHub Enterprise account; the "
    "stack states GitHub Team. To fix: choose private or public, or set webapp-platform:githubPlan to enterprise"
)
SP_ON_FREE = (
    "githubSecretProtection: GitHub Secret Protection can be bought only by organizations on GitHub Team or "
    "Enterprise; the stack states GitHub Free. To fix: set githubPlan to team or enterprise, or "
    "githubSecretProtection: false"
)
TEAMS_ON_PRO = (
    "codeOwners, productionReviewerTeams: teams exist only in organizations; GitHub Pro is a personal-account "
    "plan. To fix: grant users instead, or move the repository to an organization (githubPlan free, team or enterprise)"
)


def warn_accepted(what: str, has: str) -> str:
    return f"acceptMissingGuardrails: planning WITHOUT {what}: it needs {has}, which this stack does not state"


# (case, base, changes, refusals, warnings, missing)
CASES = [
    ("shipped production passes", PRODUCTION, {}, [], [], set()),
    ("shipped staging passes", STAGING, {}, [], [], set()),
    ("production on GitHub Free, private", PRODUCTION, {"github_plan": "free", "github_secret_protection": False},
     [RULESETS_FREE, CODE_OWNERS_FREE, SECRET_SCANNING_FREE, ENVIRONMENTS_FREE, REVIEWERS.format(plan="GitHub Free")],
     [], set()),
    ("production on GitHub Team with Secret Protection: reviewers need Enterprise", PRODUCTION, {"github_plan": "team"},
     [REVIEWERS.format(plan="GitHub Team")], [], set()),
    ("production on GitHub Team, reviewers accepted missing", PRODUCTION,
     {"github_plan": "team", "accept_missing": ("required-reviewers",)},
     [], [warn_accepted("required reviewers on the production environment", "GitHub Enterprise")],
     {"required-reviewers"}),
    ("GitHub Team without Secret Protection", PRODUCTION,
     {"github_plan": "team", "github_secret_protection": False, "accept_missing": ("required-reviewers",)},
     [SECRET_PROTECTION_NOT_BOUGHT],
     [warn_accepted("required reviewers on the production environment", "GitHub Enterprise")], {"required-reviewers"}),
    ("public repository on GitHub Free needs nothing", PRODUCTION,
     {"visibility": "public", "github_plan": "free", "github_secret_protection": False}, [], [], set()),
    ("staging on Vercel Hobby with all_deployments", STAGING, {"vercel_plan": "hobby"},
     [ALL_DEPLOYMENTS_HOBBY], [HOBBY_WARNING], set()),
    ("staging on Vercel Hobby, all_deployments accepted missing", STAGING,
     {"vercel_plan": "hobby", "accept_missing": ("all-deployments-protection",)},
     [], [warn_accepted("Vercel's all_deployments protection (the production domain behind Vercel Authentication "
                        "too)", "Vercel Pro or Enterprise"), HOBBY_WARNING], {"all-deployments-protection"}),
    ("staging on Vercel Hobby with standard protection: only the Hobby warning", STAGING,
     {"vercel_plan": "hobby", "deployment_protection": "standard_protection_new"}, [], [HOBBY_WARNING], set()),
    ("Sentry Developer with Slack alerts", STAGING, {"sentry_plan": "developer"}, [SENTRY_DEVELOPER], [], set()),
    ("internal visibility on GitHub Team", PRODUCTION,
     {"visibility": "internal", "github_plan": "team", "accept_missing": ("required-reviewers",)},
     [INTERNAL_TEAM], [warn_accepted("required reviewers on the production environment", "GitHub Enterprise")],
     {"required-reviewers"}),
    ("Secret Protection claimed on GitHub Free, public", PRODUCTION,
     {"visibility": "public", "github_plan": "free"}, [SP_ON_FREE], [], set()),
    ("teams on GitHub Pro (a personal account)", PRODUCTION,
     {"github_plan": "pro", "github_secret_protection": False, "accept_missing": ("required-reviewers", "secret-scanning")},
     [TEAMS_ON_PRO],
     [warn_accepted("secret scanning and push protection",
                    "GitHub Secret Protection (bought with GitHub Team or Enterprise)"),
      warn_accepted("required reviewers on the production environment", "GitHub Enterprise")],
     {"required-reviewers", "secret-scanning"}),
    ("admin collaborator on a personal repository", PRODUCTION,
     {"github_plan": "pro", "github_secret_protection": False, "teams": (), "non_push_users": ("alice=admin",),
      "accept_missing": ("required-reviewers", "secret-scanning")},
     ["repositoryCollaborators: a personal repository's collaborators can be granted push only; not alice=admin"],
     [warn_accepted("secret scanning and push protection",
                    "GitHub Secret Protection (bought with GitHub Team or Enterprise)"),
      warn_accepted("required reviewers on the production environment", "GitHub Enterprise")],
     {"required-reviewers", "secret-scanning"}),
    ("accepting a guardrail the plan has", PRODUCTION, {"accept_missing": ("required-reviewers",)},
     ["acceptMissingGuardrails: required-reviewers is listed but the stated plans have it; remove it"], [], set()),
    ("accepting a guardrail a public repository has free", PRODUCTION,
     {"visibility": "public", "github_plan": "free", "github_secret_protection": False,
      "accept_missing": ("secret-scanning",)},
     ["acceptMissingGuardrails: secret-scanning is listed but this stack does not need a plan for it; remove it"],
     [], set()),
    ("environments cannot be accepted missing", STAGING,
     {"github_plan": "free", "github_secret_protection": False, "accept_missing": ("environments",)},
     ["acceptMissingGuardrails: environments cannot be left out; the guardrails a plan may lack are "
      "required-reviewers, secret-scanning, all-deployments-protection", ENVIRONMENTS_FREE],
     [], set()),
    ("GitHub Free, private, every acceptable guardrail accepted: the floor is still refused", PRODUCTION,
     {"github_plan": "free", "github_secret_protection": False,
      "accept_missing": ("secret-scanning", "required-reviewers")},
     [RULESETS_FREE, CODE_OWNERS_FREE, ENVIRONMENTS_FREE],
     [warn_accepted("secret scanning and push protection",
                    "GitHub Secret Protection (bought with GitHub Team or Enterprise)"),
      warn_accepted("required reviewers on the production environment", "GitHub Enterprise")],
     {"secret-scanning", "required-reviewers"}),
    ("rulesets cannot be accepted missing: they need what environments need", PRODUCTION,
     {"github_plan": "free", "github_secret_protection": False, "visibility": "public",
      "accept_missing": ("rulesets",)},
     ["acceptMissingGuardrails: rulesets cannot be left out; the guardrails a plan may lack are "
      "required-reviewers, secret-scanning, all-deployments-protection"], [], set()),
    ("staging does not declare the repository-wide guardrails", STAGING,
     {"github_plan": "pro", "github_secret_protection": False}, [], [], set()),
]


@pytest.mark.parametrize("case, base, changes, refusals, warnings, missing", CASES, ids=[c[0] for c in CASES])
def test_tier_matrix(case, base, changes, refusals, warnings, missing):
    verdict = check(replace(base, **changes))
    assert verdict.refusals == refusals
    assert verdict.warnings == warnings
    assert verdict.missing == missing


def test_the_matrix_covers_at_least_15_combinations_and_every_guardrail():
    assert len(CASES) >= 15
    mentioned = " ".join(" ".join(c[3] + c[4]) for c in CASES)
    for guardrail in plan_facts.GUARDRAILS.values():
        assert guardrail["what"] in mentioned


@pytest.mark.parametrize("changes, expected", [
    ({}, {"github": "enterprise", "vercel": "hobby", "sentry": "team"}),
    ({"github_plan": "team", "accept_missing": ("required-reviewers",)}, {"github": "team", "vercel": "hobby", "sentry": "team"}),
    ({"visibility": "public", "github_plan": "free", "github_secret_protection": False, "slack_alerts": False},
     {"github": "free", "vercel": "hobby", "sentry": "developer"}),
])
def test_needed_tiers_follow_the_kept_guardrails(changes, expected):
    assert needed_tiers(replace(PRODUCTION, **changes)) == expected


def test_drivers_name_what_moves_a_stack_off_the_free_tiers():
    assert drivers(STAGING) == {"github": ["environments"], "vercel": ["all-deployments-protection"],
                                "sentry": ["slack-alerts"]}


def test_every_fact_has_a_source_and_date_and_every_guardrail_a_fact():
    for name, fact in plan_facts.FACTS.items():
        assert fact["source"].startswith("https://"), name
        assert fact["checked"] == plan_facts.CHECKED and fact["fact"], name
    for guardrail in plan_facts.GUARDRAILS.values():
        assert guardrail["fact"] in plan_facts.FACTS
