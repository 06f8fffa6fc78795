"""Config keys of the accounts' plans and of repository access, with their cross-field checks.

A base class of ``StackConfig`` (``stackconfig/model.py``), kept apart because it is one concern:
what the GitHub, Vercel and Sentry plans allow (``stackconfig/tiers.py`` decides, from the facts in
``stackconfig/plan_facts.py``) and who may do what on the repository. The checks read a few keys of
the main model (environment, visibility, reviewers, code owners), so they run from ``StackConfig``.
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.alias_generators import to_camel

from stackconfig.plan_facts import ACCEPTABLE_GUARDRAILS
from stackconfig.tiers import PlanInputs, TierVerdict, check
from stackconfig.tokens import github_token_warnings, sentry_token_problems

GitHubPlan = Literal["free", "pro", "team", "enterprise"]
VercelPlan = Literal["hobby", "pro", "enterprise"]
SentryPlan = Literal["developer", "team", "business"]
Permission = Literal["pull", "triage", "push", "maintain", "admin"]
WRITE_PERMISSIONS = ("push", "maintain", "admin")
GITHUB_LOGIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
TEAM_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$|^\d+$")


class PlansAndAccess(BaseModel):
    """``webapp-platform:githubPlan`` ... ``allowOutsideCollaborators`` and ``sentryReleaseToken``.

    The checks also read keys of ``StackConfig`` (environment, repository_visibility, reviewers, code_owners,
    the tokens, declared_deployment_protection): this class is only ever used as its base.
    """

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True, coerce_numbers_to_str=True,
    )

    # --- Plans ------------------------------------------------------------------------------
    github_plan: GitHubPlan = Field(
        default="free",
        description="GitHub plan of githubOwner (pro is a personal-account plan; team and enterprise are "
        "organization plans). Decides which guardrails a private repository can have; see README \"Plans\".",
    )
    github_secret_protection: bool = Field(
        default=False,
        description="GitHub Secret Protection is bought for the organization (secret scanning and push "
        "protection on private repositories; Team or Enterprise only).",
    )
    vercel_plan: VercelPlan = Field(default="hobby", description="Vercel plan of the team (or personal account).")
    sentry_plan: SentryPlan = Field(
        default="developer", description="Sentry plan of the organization (Slack alerts need team or business)."
    )
    github_seats: int = Field(
        default=1, ge=1, description="Paid GitHub seats (and Secret Protection committers) for python -m plan cost."
    )
    vercel_seats: int = Field(default=1, ge=1, description="Paid Vercel seats (deploying members) for python -m plan cost.")
    accept_missing_guardrails: list[str] = Field(
        default_factory=list,
        description="Guardrails the stated plans lack that the stack plans WITHOUT (with a warning) instead of "
        f"refusing: any of {', '.join(ACCEPTABLE_GUARDRAILS)}. The stack's policy config must run their "
        "policies at advisory.",
    )

    # --- Access -----------------------------------------------------------------------------
    repository_teams: dict[str, Permission] = Field(
        default_factory=dict,
        description="Teams (slug or numeric id) and their permission on the repository (pull, triage, push, "
        "maintain, admin): organization members get access this way. Declared by the owner stack, "
        "authoritatively: nobody else has direct access.",
    )
    repository_collaborators: dict[str, Permission] = Field(
        default_factory=dict,
        description="GitHub logins granted directly (outside collaborators, or a personal repository's "
        "collaborators) and their permission.",
    )
    platform_admins: list[str] = Field(
        default_factory=list,
        description="Teams and logins that may hold admin on the repository (besides organization owners); "
        "admin for anyone else is refused.",
    )
    allow_outside_collaborators: bool = Field(
        default=False,
        description="Allow write access (push, maintain, admin) for repositoryCollaborators on production.",
    )

    # --- Secret -----------------------------------------------------------------------------
    sentry_release_token: Optional[SecretStr] = Field(
        default=None,
        description="Sentry token the production deploy gets as SENTRY_AUTH_TOKEN (source maps, release, error-rate "
        "watch: project:releases, project:read, event:read); needed on production, different from sentryAuthToken.",
        json_schema_extra={"secret": True},
    )

    @field_validator("repository_teams")
    @classmethod
    def _teams(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [team for team in value if not TEAM_SLUG_RE.match(team)]
        if bad:
            raise ValueError(f"team slugs (lower-case letters, digits, '.', '_', '-') or numeric ids; not {bad}")
        return value

    @field_validator("repository_collaborators")
    @classmethod
    def _logins(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [login for login in value if not GITHUB_LOGIN_RE.match(login)]
        if bad:
            raise ValueError(f"GitHub logins (letters, digits, '-', at most 39 characters); not {bad}")
        return value

    # --- Checks (run from StackConfig.problems) ------------------------------------------------
    def access_problems(self) -> list[str]:
        """Admin only for platform admins; no outside writers on production unless allowed."""
        problems = []
        admins = set(self.platform_admins)
        for key, grants in (("repositoryTeams", self.repository_teams),
                            ("repositoryCollaborators", self.repository_collaborators)):
            for who, permission in sorted(grants.items()):
                if permission == "admin" and who not in admins:
                    problems.append(f"{key}.{who}: admin is only for platformAdmins; grant maintain or less, or list "
                                    f"{who} in webapp-platform:platformAdmins")
        if self.environment == "production" and not self.allow_outside_collaborators:
            for who, permission in sorted(self.repository_collaborators.items()):
                if permission in WRITE_PERMISSIONS:
                    problems.append(
                        f"repositoryCollaborators.{who}: {permission} on the production repository; grant members "
                        "through repositoryTeams, give outside collaborators pull or triage, or set "
                        "webapp-platform:allowOutsideCollaborators: true")
        if (self.repository_teams or self.repository_collaborators) and not self.owns_shared_resources:
            problems.append("repositoryTeams/repositoryCollaborators: declared by the stack that owns the shared "
                            "resources only (ownsSharedResources: true)")
        return problems

    def token_problems(self) -> list[str]:
        def value(secret: Optional[SecretStr]) -> Optional[str]:
            return None if secret is None else secret.get_secret_value()

        return sentry_token_problems(value(self.sentry_auth_token), value(self.sentry_release_token))

    def token_warnings(self) -> list[str]:
        token = self.github_token
        return github_token_warnings(None if token is None else token.get_secret_value())

    def tier_verdict(self) -> TierVerdict:
        return check(self.plan_inputs())

    def plan_inputs(self) -> PlanInputs:
        """The values the plan checks and ``plan cost`` read."""
        production = self.environment == "production"
        reviewers = len(self.production_reviewer_users) + len(self.production_reviewer_teams)
        teams = []
        if any("/" in owner for owner in self.code_owners):
            teams.append("codeOwners")
        if production and self.production_reviewer_teams:
            teams.append("productionReviewerTeams")
        if self.repository_teams:
            teams.append("repositoryTeams")
        return PlanInputs(
            environment=self.environment,
            owns_shared_resources=self.owns_shared_resources,
            visibility=self.repository_visibility,
            github_plan=self.github_plan,
            github_secret_protection=self.github_secret_protection,
            vercel_plan=self.vercel_plan,
            sentry_plan=self.sentry_plan,
            deployment_protection=self.declared_deployment_protection,
            production_reviewers=reviewers if production else 0,
            code_owners=bool(self.code_owners),
            teams=tuple(teams),
            non_push_users=tuple(f"{u}={p}" for u, p in sorted(self.repository_collaborators.items()) if p != "push"),
            accept_missing=tuple(self.accept_missing_guardrails),
        )


DIY_ORGANIZATION = "organization"
"""The organization every stack has on the local (file://) and S3/Azure/GCS backends (pulumi's
pkg/backend/diy: "org-name must always be 'organization'")."""
PROMOTE_FROM_FORMS = (
    "organization/webapp-platform/<stack> on the local (file://) and S3, Azure Blob or Google Cloud Storage "
    "backends (the literal word organization), <your-org>/webapp-platform/<stack> on Pulumi Cloud"
)


def promote_from_problems(promote_from: Optional[str], project: str, organization: Optional[str]) -> list[str]:
    """``image.promoteFrom`` against this run's project and backend organization (known only in a real
    run: ``pulumi.get_organization()``; ``None`` offline, where only the form is checked)."""
    if promote_from is None:
        return []
    parts = promote_from.split("/")
    if len(parts) != 3 or not all(parts):  # the image model refuses these first; kept for direct callers
        return [f"image.promoteFrom: got {promote_from!r}; expected {PROMOTE_FROM_FORMS}"]
    org, stack_project, _ = parts
    problems = []
    if stack_project != project:
        problems.append(f"image.promoteFrom: names project {stack_project!r}; the building stack belongs to this "
                        f"project, {project!r}: {PROMOTE_FROM_FORMS}")
    if organization and org != organization:  # empty or None: the engine did not say (older CLIs, mocks)
        backend = ("a local or S3-style backend, where every stack is organization/<project>/<stack>"
                   if organization == DIY_ORGANIZATION else f"Pulumi Cloud organization {organization!r}")
        problems.append(f"image.promoteFrom: names organization {org!r} but this run's backend is {backend}; set "
                        f"it to {organization}/{project}/{parts[2]}")
    return problems
