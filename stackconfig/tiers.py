"""Which guardrails the stated GitHub, Vercel and Sentry plans can carry: refusals, warnings, what is left out.

Pure functions from a stack's values (``PlanInputs``) to a ``TierVerdict``; the config model calls
``check`` before any resource exists, ``python -m plan cost`` calls ``needed_tiers``. The facts
(which plan has which feature, with sources) are in ``stackconfig/plan_facts.py``.

Each refusal starts with the key to change and names the feature, the plan that has it and the ways
out (a plan, public visibility, or ``acceptMissingGuardrails`` where the program can do without it).
A guardrail listed in ``acceptMissingGuardrails`` is left out of the plan and reported as a warning;
listing one the plan does have is refused too, so nothing written in the stack file is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stackconfig.plan_facts import ACCEPTABLE_GUARDRAILS, GUARDRAILS, PAID_GITHUB

GITHUB_NAMES = {"free": "GitHub Free", "pro": "GitHub Pro", "team": "GitHub Team", "enterprise": "GitHub Enterprise"}
VERCEL_NAMES = {"hobby": "Vercel Hobby", "pro": "Vercel Pro", "enterprise": "Vercel Enterprise"}
SENTRY_NAMES = {"developer": "Sentry Developer", "team": "Sentry Team", "business": "Sentry Business"}


@dataclass(frozen=True)
class PlanInputs:
    """The values of one stack the plan checks read (built from the config model)."""

    environment: str
    """staging or production."""
    owns_shared_resources: bool
    """This stack declares the repository, its rulesets and security settings."""
    visibility: str
    """private, public or internal."""
    github_plan: str = "free"
    """free, pro, team or enterprise."""
    github_secret_protection: bool = False
    """GitHub Secret Protection is bought for the organization."""
    vercel_plan: str = "hobby"
    """hobby, pro or enterprise."""
    sentry_plan: str = "developer"
    """developer, team or business."""
    deployment_protection: str = "standard_protection_new"
    """The Vercel deployment protection this stack declares."""
    production_reviewers: int = 0
    """Required reviewers (users plus teams) on this stack's environment (production only)."""
    code_owners: bool = False
    """CODEOWNERS and code-owner review are declared."""
    teams: tuple[str, ...] = ()
    """Keys that name GitHub teams (reviewer teams, @org/team code owners, team access)."""
    non_push_users: tuple[str, ...] = ()
    """Users granted a permission other than push (personal repositories allow only push)."""
    slack_alerts: bool = True
    """Alerts go to Slack through Sentry's Slack integration."""
    accept_missing: tuple[str, ...] = ()
    """webapp-platform:acceptMissingGuardrails."""


@dataclass(frozen=True)
class TierVerdict:
    """What the plans allow for one stack."""

    refusals: list[str] = field(default_factory=list)
    """Problems, each starting with the key to change (the loader prefixes the namespace)."""
    warnings: list[str] = field(default_factory=list)
    """What the stack plans without, or what the plan limits; shown by plan show and plan check."""
    missing: frozenset[str] = frozenset()
    """Guardrails left out of the plan (accepted missing)."""


def _private(p: PlanInputs) -> bool:
    return p.visibility != "public"


def demanded_guardrails(p: PlanInputs) -> dict[str, str]:
    """Guardrail -> the GitHub/Vercel plans that have it, for every guardrail this stack declares
    that its repository's visibility puts behind a plan. Public repositories have all GitHub ones free."""
    demanded: dict[str, str] = {}
    if _private(p) and p.owns_shared_resources:
        demanded["rulesets"] = "github"
        if p.code_owners:
            demanded["code-owner-review"] = "github"
        demanded["secret-scanning"] = "github"
    if _private(p):
        demanded["environments"] = "github"
        if p.environment == "production" and p.production_reviewers:
            demanded["required-reviewers"] = "github"
    if p.deployment_protection == "all_deployments":
        demanded["all-deployments-protection"] = "vercel"
    return demanded


def has_guardrail(p: PlanInputs, guardrail: str) -> bool:
    """Whether the stated plans carry ``guardrail`` on this stack's repository."""
    if guardrail in ("rulesets", "code-owner-review", "environments"):
        return p.github_plan in PAID_GITHUB
    if guardrail == "required-reviewers":
        return p.github_plan == "enterprise"
    if guardrail == "secret-scanning":
        return p.github_plan in ("team", "enterprise") and p.github_secret_protection
    if guardrail == "all-deployments-protection":
        return p.vercel_plan in ("pro", "enterprise")
    raise KeyError(guardrail)


def _github_way_out(guardrail: str, p: PlanInputs) -> str:
    if guardrail == "required-reviewers":
        plan = "set webapp-platform:githubPlan to enterprise"
    elif guardrail == "secret-scanning":
        if p.github_plan in ("team", "enterprise"):
            plan = "buy GitHub Secret Protection and set webapp-platform:githubSecretProtection: true"
        else:
            plan = ("move the organization to GitHub Team or Enterprise with GitHub Secret Protection "
                    "(githubPlan: team, githubSecretProtection: true)")
    else:
        plan = "set webapp-platform:githubPlan to pro, team or enterprise"
    return f"{plan}, or make the repository public (repositoryVisibility: public)"


_MISSING_HAS = {
    "rulesets": "GitHub Pro, Team or Enterprise",
    "code-owner-review": "GitHub Pro, Team or Enterprise",
    "environments": "GitHub Pro, Team or Enterprise",
    "required-reviewers": "GitHub Enterprise",
    "secret-scanning": "GitHub Secret Protection (bought with GitHub Team or Enterprise)",
    "all-deployments-protection": "Vercel Pro or Enterprise",
}
_KEY = {"github": "githubPlan", "vercel": "vercelPlan"}


def _refusal(guardrail: str, service: str, p: PlanInputs) -> str:
    what = GUARDRAILS[guardrail]["what"]
    where = "this stack" if service == "vercel" else f"a {p.visibility} repository"
    stated = GITHUB_NAMES[p.github_plan] if service == "github" else VERCEL_NAMES[p.vercel_plan]
    key = "githubSecretProtection" if guardrail == "secret-scanning" and p.github_plan in ("team", "enterprise") else _KEY[service]
    if service == "vercel":
        way = "set webapp-platform:vercelPlan to pro, or choose vercelDeploymentProtection standard_protection_new"
    else:
        way = _github_way_out(guardrail, p)
    if GUARDRAILS[guardrail]["acceptable"]:
        way += f", or plan without it: acceptMissingGuardrails: [{guardrail}]"
    return f"{key}: {where} gets {what} only with {_MISSING_HAS[guardrail]}; the stack states {stated}. To fix: {way}"


def _accepted_warning(guardrail: str, p: PlanInputs) -> str:
    return (f"acceptMissingGuardrails: planning WITHOUT {GUARDRAILS[guardrail]['what']}: it needs "
            f"{_MISSING_HAS[guardrail]}, which this stack does not state")


def _account_problems(p: PlanInputs) -> list[str]:
    """Combinations the services refuse whatever the guardrails."""
    problems = []
    if p.visibility == "internal" and p.github_plan != "enterprise":
        problems.append(
            f"repositoryVisibility: internal repositories exist only in organizations of a GitHub Enterprise "
            f"account; the stack states {GITHUB_NAMES[p.github_plan]}. To fix: choose private or public, or set "
            "webapp-platform:githubPlan to enterprise"
        )
    if p.github_secret_protection and p.github_plan not in ("team", "enterprise"):
        problems.append(
            f"githubSecretProtection: GitHub Secret Protection can be bought only by organizations on GitHub Team "
            f"or Enterprise; the stack states {GITHUB_NAMES[p.github_plan]}. To fix: set githubPlan to team or "
            "enterprise, or githubSecretProtection: false"
        )
    if p.github_plan == "pro":
        if p.teams:
            problems.append(
                f"{', '.join(p.teams)}: teams exist only in organizations; GitHub Pro is a personal-account plan. "
                "To fix: grant users instead, or move the repository to an organization (githubPlan free, team "
                "or enterprise)"
            )
        if p.non_push_users:
            problems.append(
                f"repositoryCollaborators: a personal repository's collaborators can be granted push only; "
                f"not {', '.join(p.non_push_users)}"
            )
    if p.slack_alerts and p.sentry_plan == "developer":
        problems.append(
            "sentryPlan: the alerts go to Slack through Sentry's Slack integration, which needs Sentry Team or "
            "Business (the Developer plan has no third-party integrations); the stack states Sentry Developer. "
            "To fix: set webapp-platform:sentryPlan to team"
        )
    return problems


def check(p: PlanInputs) -> TierVerdict:
    """Refusals, warnings and accepted-missing guardrails of one stack."""
    refusals = _account_problems(p)
    warnings: list[str] = []
    missing: set[str] = set()
    unknown = [name for name in p.accept_missing if name not in ACCEPTABLE_GUARDRAILS]
    if unknown:
        refusals.append(
            f"acceptMissingGuardrails: {', '.join(unknown)} cannot be left out; the guardrails a plan may lack "
            f"are {', '.join(ACCEPTABLE_GUARDRAILS)}"
        )
    demanded = demanded_guardrails(p)
    for guardrail, service in demanded.items():
        if has_guardrail(p, guardrail):
            continue
        if guardrail in p.accept_missing and GUARDRAILS[guardrail]["acceptable"]:
            missing.add(guardrail)
            warnings.append(_accepted_warning(guardrail, p))
        else:
            refusals.append(_refusal(guardrail, service, p))
    for guardrail in p.accept_missing:
        if guardrail in ACCEPTABLE_GUARDRAILS and guardrail not in missing:
            reason = "the stated plans have it" if guardrail in demanded else "this stack does not need a plan for it"
            refusals.append(f"acceptMissingGuardrails: {guardrail} is listed but {reason}; remove it")
    if p.vercel_plan == "hobby" and _private(p):
        warnings.append(
            "vercelPlan: Vercel Hobby deploys a private repository's commits only when their author owns the "
            "Hobby team, and is for non-commercial use; a team needs Vercel Pro"
        )
    return TierVerdict(refusals=refusals, warnings=warnings, missing=frozenset(missing))


def needed_tiers(p: PlanInputs) -> dict[str, str]:
    """The lowest plan of each service that carries every guardrail this stack keeps."""
    kept = {g: s for g, s in demanded_guardrails(p).items() if g not in p.accept_missing}
    github = "free"
    if {"rulesets", "code-owner-review", "environments", "secret-scanning"} & set(kept):
        github = "pro" if p.github_plan == "pro" else "team"
    if "required-reviewers" in kept or p.visibility == "internal":
        github = "enterprise"
    vercel = "pro" if "all-deployments-protection" in kept else "hobby"
    sentry = "team" if p.slack_alerts else "developer"
    return {"github": github, "vercel": vercel, "sentry": sentry}


def drivers(p: PlanInputs) -> dict[str, list[str]]:
    """Service -> the guardrails this stack keeps that move it off the free tier."""
    out: dict[str, list[str]] = {"github": [], "vercel": [], "sentry": []}
    for guardrail, service in demanded_guardrails(p).items():
        if guardrail not in p.accept_missing:
            out[service].append(guardrail)
    if p.slack_alerts:
        out["sentry"].append("slack-alerts")
    return out
