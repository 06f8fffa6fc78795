"""What each GitHub, Vercel and Sentry plan allows, and what it costs: plain data, each with its source.

One file so that the config model (``stackconfig/tiers.py``), ``python -m plan cost`` and the tests
read the same facts. Dependency-free (no pydantic, no Pulumi) so the policy pack may import it too.
Every entry names the page it comes from and the day it was read; ``confirmed`` is False where the
page is a third party's copy of the vendor's page rather than the vendor's own documentation.
When a vendor changes a plan, change the entry here (and its ``checked`` date); the tests follow.
"""

from __future__ import annotations

CHECKED = "2026-12-01"
"""Day the sources below were read (through the project's documentation search)."""

GITHUB_PLANS = ("free", "pro", "team", "enterprise")
"""``webapp-platform:githubPlan``. Pro is a personal-account plan; Team and Enterprise are organization
plans; Free exists for both."""
VERCEL_PLANS = ("hobby", "pro", "enterprise")
"""``webapp-platform:vercelPlan``."""
SENTRY_PLANS = ("developer", "team", "business")
"""``webapp-platform:sentryPlan``."""

PAID_GITHUB = ("pro", "team", "enterprise")
ORGANIZATION_PLANS = ("team", "enterprise")

FACTS: dict[str, dict] = {
    "github-rulesets": {
        "fact": "Rulesets are available in public repositories with GitHub Free and GitHub Free for "
        "organizations, and in public and private repositories with GitHub Pro, GitHub Team and GitHub "
        "Enterprise Cloud.",
        "plans": PAID_GITHUB,
        "source": "https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets",
        "checked": CHECKED,
        "confirmed": True,
    },
    "github-code-owners": {
        "fact": "Code owners (CODEOWNERS) on private repositories are a feature of GitHub Pro, Team and "
        "Enterprise; GitHub Free has them on public repositories only.",
        "plans": PAID_GITHUB,
        "source": "https://docs.github.com/en/get-started/learning-about-github/githubs-plans",
        "checked": CHECKED,
        "confirmed": True,
    },
    "github-environments": {
        "fact": "Environments, environment secrets and deployment branches and tags are available in public "
        "repositories on every current plan; in private or internal repositories they need GitHub Pro, "
        "GitHub Team or GitHub Enterprise.",
        "plans": PAID_GITHUB,
        "source": "https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment",
        "checked": CHECKED,
        "confirmed": True,
    },
    "github-required-reviewers": {
        "fact": "On GitHub Free, Pro and Team, other deployment protection rules such as wait timers and "
        "required reviewers are available only for public repositories; private and internal "
        "repositories need GitHub Enterprise. At most 6 reviewers.",
        "plans": ("enterprise",),
        "source": "https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment",
        "checked": CHECKED,
        "confirmed": True,
    },
    "github-secret-protection": {
        "fact": "Secret scanning and push protection run free on public repositories; organization-owned "
        "private and internal repositories need GitHub Secret Protection, which organizations on GitHub "
        "Team or GitHub Enterprise Cloud buy per active committer. User-owned private repositories only "
        "have it on Enterprise Cloud with Enterprise Managed Users.",
        "plans": ORGANIZATION_PLANS,
        "source": "https://docs.github.com/en/code-security/secret-scanning/introduction/about-secret-scanning",
        "checked": CHECKED,
        "confirmed": True,
    },
    "github-internal-visibility": {
        "fact": "Internal visibility exists only for organizations that belong to an enterprise account "
        "(GitHub Enterprise Cloud or Server).",
        "plans": ("enterprise",),
        "source": "https://docs.github.com/en/rest/repos/repos#create-an-organization-repository",
        "checked": CHECKED,
        "confirmed": True,
    },
    "github-teams": {
        "fact": "Teams exist only in organizations; a personal repository's collaborators other than the "
        "owner can be granted write access only.",
        "plans": ("free", "team", "enterprise"),
        "source": "https://docs.github.com/en/account-and-profile/setting-up-and-managing-your-personal-account-on-github/managing-access-to-your-personal-repositories/permission-levels-for-a-personal-account-repository "
        "(quoted in pulumi_github 6.15.0's RepositoryCollaborators docstring: non-owner collaborators of a personal "
        "repository can only be granted write)",
        "checked": CHECKED,
        "confirmed": True,
    },
    "github-dependabot": {
        "fact": "Dependabot alerts and Dependabot security updates are available on every plan, public and "
        "private repositories alike (nothing to refuse).",
        "plans": GITHUB_PLANS,
        "source": "https://docs.github.com/en/code-security/dependabot/dependabot-alerts/about-dependabot-alerts",
        "checked": CHECKED,
        "confirmed": True,
    },
    "vercel-all-deployments": {
        "fact": "On the Hobby plan, Vercel Authentication with Standard Protection is available: previews and "
        "deployment URLs are protected, the production domain stays public. Protecting production "
        "domains (All Deployments) needs a Pro or Enterprise plan.",
        "plans": ("pro", "enterprise"),
        "source": "https://vercel.com/docs/deployment-protection",
        "checked": CHECKED,
        "confirmed": True,
    },
    "vercel-password-protection": {
        "fact": "Password Protection is available on Enterprise, or on Pro with the Advanced Deployment "
        "Protection add-on ($150 per month); Trusted IPs on Enterprise only. The program uses neither.",
        "plans": ("enterprise",),
        "source": "https://vercel.com/docs/deployment-protection/methods-to-protect-deployments/password-protection",
        "checked": CHECKED,
        "confirmed": True,
    },
    "vercel-hobby-collaboration": {
        "fact": "The Hobby plan does not support collaboration for private repositories: a deployment of a "
        "commit whose author is not the Hobby team's owner fails. Hobby is for personal, non-commercial use.",
        "plans": ("pro", "enterprise"),
        "source": "https://vercel.com/docs/deployments/troubleshoot-project-collaboration",
        "checked": CHECKED,
        "confirmed": True,
    },
    "vercel-protection-bypass": {
        "fact": "Protection Bypass for Automation exists on every plan (header x-vercel-protection-bypass).",
        "plans": VERCEL_PLANS,
        "source": "https://vercel.com/docs/deployment-protection/methods-to-bypass-deployment-protection/protection-bypass-automation",
        "checked": CHECKED,
        "confirmed": True,
    },
    "sentry-integrations": {
        "fact": "The Developer plan has one user and no third-party integrations; the Team plan adds "
        "unlimited users and API & third-party integrations (Slack).",
        "plans": ("team", "business"),
        "source": "https://sentry.io/pricing/ (as transcribed 2026-09-20 in api-evangelist/sentry-system "
        "plans/sentry-system-plans-pricing.yml)",
        "checked": CHECKED,
        "confirmed": False,
    },
    "sentry-org-tokens": {
        "fact": "Organization auth tokens (sntrys_...) can only be granted org:ci (releases and source maps); "
        "creating teams, projects, keys and alerts needs an internal-integration token or a user token "
        "(sntryu_...) with project:admin, team:write, org:read and alerts:write.",
        "plans": SENTRY_PLANS,
        "source": "https://docs.sentry.io/api/organizations/create-an-org-auth-token/ and https://docs.sentry.io/account/auth-tokens/",
        "checked": CHECKED,
        "confirmed": True,
    },
}

# --- Guardrails a plan can lack ---------------------------------------------------------------
# ``acceptable``: the program can plan without it (webapp-platform:acceptMissingGuardrails), saying so
# as a warning. Environments are not: without them the deploy secrets would have nowhere to live
# apart from every other workflow, so a plan without environments is refused outright. Rulesets and
# code-owner review need exactly the plans environments need, so a plan that lacks them is refused
# for the environments anyway: accepting them missing could never apply, and is not offered.
# ``policies``: the pack's policies that enforce the guardrail; a stack that accepts the guardrail
# missing runs them at "advisory" in its policy config, so the policy report says so as a warning.
GUARDRAILS: dict[str, dict] = {
    "rulesets": {
        "what": "the rulesets of main, hotfix/* and v* tags (pull requests, reviews, required checks, "
        "no force push or deletion)",
        "fact": "github-rulesets",
        "acceptable": False,
        "policies": (
            "default-branch-requires-pull-request",
            "default-branch-requires-status-checks",
            "default-branch-blocks-force-push-and-deletion",
            "default-branch-no-bypass-actors",
            "hotfix-branches-require-pull-request",
            "release-tags-protected",
        ),
    },
    "code-owner-review": {
        "what": "code-owner review (CODEOWNERS)",
        "fact": "github-code-owners",
        "acceptable": False,
        "policies": (),
    },
    "environments": {
        "what": "the GitHub environment of this stack with its secrets and deployment branch policies",
        "fact": "github-environments",
        "acceptable": False,
        "policies": ("production-environment-deploy-refs",),
    },
    "required-reviewers": {
        "what": "required reviewers on the production environment",
        "fact": "github-required-reviewers",
        "acceptable": True,
        "policies": ("production-environment-approval",),
    },
    "secret-scanning": {
        "what": "secret scanning and push protection",
        "fact": "github-secret-protection",
        "acceptable": True,
        "policies": ("repository-secret-scanning",),
    },
    "all-deployments-protection": {
        "what": "Vercel's all_deployments protection (the production domain behind Vercel Authentication too)",
        "fact": "vercel-all-deployments",
        "acceptable": True,
        "policies": ("staging-deployment-protection",),
    },
}

ACCEPTABLE_GUARDRAILS = tuple(name for name, g in GUARDRAILS.items() if g["acceptable"])
"""Values ``webapp-platform:acceptMissingGuardrails`` takes."""

# --- Prices (USD per month) -------------------------------------------------------------------
PRICES: dict[str, dict] = {
    "github": {
        "free": {"monthly": 0.0, "per": "account"},
        "pro": {"monthly": 4.0, "per": "account"},
        "team": {"monthly": 4.0, "per": "seat"},
        "enterprise": {"monthly": 21.0, "per": "seat"},
        "source": "https://github.com/pricing (Team $4 and Enterprise $21 per user/month, 'for the first 12 "
        "months', as transcribed 2026-09-20 in api-evangelist/github plans/github-plans-pricing.yml); Pro about "
        "$4/month per a third-party guide (simpleappshipper.com, 'GitHub free vs paid')",
        "checked": CHECKED,
        "confirmed": False,
    },
    "github-secret-protection": {
        "monthly": 19.0,
        "per": "active committer",
        "source": "https://github.com/resources/insights/evolving-github-advanced-security ($19/month per active committer, from 2025-04-01)",
        "checked": CHECKED,
        "confirmed": True,
    },
    "vercel": {
        "hobby": {"monthly": 0.0, "per": "account"},
        "pro": {"monthly": 20.0, "per": "seat"},
        "enterprise": {"monthly": None, "per": "contract"},
        "source": "https://vercel.com/pricing: Pro $20 per seat a month with $20 of usage credit (as quoted by "
        "fencode.dev 'Vercel free vs pro 2026' and the Vercel discussion github.com/vercel/vercel/discussions/5924); "
        "Enterprise by contract",
        "checked": CHECKED,
        "confirmed": False,
    },
    "sentry": {
        "developer": {"monthly": 0.0, "per": "organization"},
        "team": {"monthly": 26.0, "per": "organization"},
        "business": {"monthly": 80.0, "per": "organization"},
        "source": "https://sentry.io/pricing/ (annual billing with the default prepaid volume; as transcribed "
        "2026-09-20 in api-evangelist/sentry-system); Business $80 from memory of the same page, not re-read",
        "checked": CHECKED,
        "confirmed": False,
    },
    "domain": {
        "monthly": 1.0,
        "per": "domain",
        "source": "the design's table: a domain at $12/year",
        "checked": CHECKED,
        "confirmed": True,
    },
}

DESIGN_TABLE = {"github": "free", "vercel": "hobby", "sentry": "developer", "monthly": 1.0}
"""The design's cost table: GitHub Free, Vercel Hobby, Sentry Developer and a domain, about $1/month."""
