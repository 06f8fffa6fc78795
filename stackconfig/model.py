"""The typed, validated configuration of one stack.

Every key of the ``webapp-platform`` namespace is a field here, with its type, description and
default; ``Pulumi.yaml`` documents the same keys and a test keeps the two in step. Stack files use
the camelCase aliases (``webapp-platform:requiredApprovals``).
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.alias_generators import to_camel

from platform_facts import (
    FULL_PROTECTION,
    MAX_ENVIRONMENT_REVIEWERS,
    PRODUCTION,
    SLACK_CHANNEL_RE,
    SLUG_RE,
    DeploymentProtection,
    Environment,
)
from stackconfig.image import ImageConfig
from stackconfig.kubernetes import KubernetesConfig
from stackconfig.plans import PlansAndAccess

NAMESPACE = "webapp-platform"
Visibility = Literal["private", "public", "internal"]

# RFC 1123 host name with at least one dot and an alphabetic top-level label, lower case.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = re.compile(rf"^(?:{_LABEL}\.)+[a-z]{{2,63}}$")
GITHUB_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})$")
CODE_OWNER_RE = re.compile(r"^(@[A-Za-z0-9-]+(/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[a-z]{2,})$")
BYPASS_RE = re.compile(
    r"^(?P<type>Integration|OrganizationAdmin|RepositoryRole|Team|DeployKey)"
    r"(?::(?P<id>\d+))?(?::(?P<mode>always|pull_request|exempt))?$"
)
# Plain http only to a server on this machine (a local test double, e.g. tests/e2e/service_stub.py).
LOOPBACK_HTTP_RE = re.compile(r"^http://(127\.0\.0\.1|localhost)(:\d+)?/?$")


def secret_field(description: str, default: Optional[SecretStr] = None, required: bool = False):
    """A field that must be set with ``pulumi config set --secret``; its value is never shown."""
    extra = {"secret": True}
    if required:
        return Field(description=description, json_schema_extra=extra)
    return Field(default=default, description=description, json_schema_extra=extra)


class BypassActor(BaseModel):
    """One ruleset bypass actor, parsed from ``Type[:id][:mode]`` (``Team:42:pull_request``)."""

    model_config = ConfigDict(frozen=True)
    actor_type: Literal["Integration", "OrganizationAdmin", "RepositoryRole", "Team", "DeployKey"]
    actor_id: Optional[int] = None
    bypass_mode: Literal["always", "pull_request", "exempt"] = "always"


class StackConfig(PlansAndAccess):
    """All configuration of one stack (``webapp-platform:*`` keys; the plan and access keys are in
    ``stackconfig/plans.py``)."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True,
        coerce_numbers_to_str=True,
    )

    # --- Stack identity -------------------------------------------------------------------
    environment: Environment = Field(description="Which environment this stack runs: staging or production.")
    owns_shared_resources: bool = Field(
        default=False,
        description="This stack declares the repository-wide resources (repository, rulesets, repository "
        "secrets, Sentry team). Exactly one stack sets it; the shipped files give it to production so that "
        "guardrail changes pass the production approval gate.",
    )
    domain: str = Field(description="Custom domain of this environment's site, e.g. staging.example.com.")
    api_url: str = Field(description="Origin of the API the app calls (https URL); VITE_API_URL and the CSP use it.")

    # --- GitHub ---------------------------------------------------------------------------
    github_owner: str = Field(description="GitHub organization or user that owns the app repository.")
    github_repository: str = Field(description="Name of the app repository.")
    github_base_url: str = Field(
        default="https://api.github.com/",
        description="GitHub API base URL of the GitHub provider: https://api.github.com/ for github.com, "
        "https://HOST/ for GitHub Enterprise Server (the provider adds api/v3/).",
    )
    repository_visibility: Visibility = Field(default="private", description="Visibility of the app repository.")
    repository_description: str = Field(default="React single-page app", description="Repository description.")
    required_approvals: int = Field(
        default=1, ge=0, le=6, description="Approving reviews a pull request into main needs (0 to 6)."
    )
    code_owners: list[str] = Field(
        default_factory=list,
        description="Owners written to CODEOWNERS for every path (@org/team, @user or e-mail). When set, "
        "the main ruleset also requires code-owner review.",
    )
    ruleset_bypass_actors: list[str] = Field(
        default_factory=list,
        description="Who may bypass the rulesets, as Type[:id][:mode] (Team:42, Integration:123:pull_request, "
        "OrganizationAdmin, RepositoryRole:5). Empty means nobody, admins included.",
    )
    production_reviewer_users: list[int] = Field(
        default_factory=list, description="Numeric GitHub user ids whose approval a production deploy needs."
    )
    production_reviewer_teams: list[int] = Field(
        default_factory=list, description="Numeric GitHub team ids whose approval a production deploy needs."
    )
    commit_app_files: bool = Field(
        default=True,
        description="The owner stack proposes the app's workflows (ci.yml, deploy.yml) and CODEOWNERS to the "
        "app repository as a pull request from the branch webapp-platform/managed-files.",
    )

    # --- Vercel ---------------------------------------------------------------------------
    vercel_team_id: Optional[str] = Field(default=None, description="Vercel team id (team_...); unset for a personal account.")
    vercel_project_name: Optional[str] = Field(
        default=None, description="Vercel project name; default <githubRepository>-<environment>."
    )
    vercel_deployment_protection: Optional[DeploymentProtection] = Field(
        default=None,
        description="Vercel deployment protection; default all_deployments on staging (not public) and "
        "standard_protection_new on production (previews protected, the site public).",
    )

    # --- Sentry ---------------------------------------------------------------------------
    sentry_organization: str = Field(description="Sentry organization slug.")
    sentry_team: str = Field(default="web", description="Slug of the Sentry team that owns the projects.")
    sentry_project_name: Optional[str] = Field(
        default=None, description="Sentry project slug; default <githubRepository>-<environment>."
    )
    sentry_url: str = Field(default="https://sentry.io", description="Sentry API base URL (https://de.sentry.io for the EU region).")
    slack_workspace: str = Field(description="Name of the Slack integration installed in the Sentry organization.")
    slack_channel: str = Field(description="Slack channel the alerts go to, with its #.")
    alert_event_threshold: int = Field(
        default=100, ge=1, description="An alert fires when an environment sees more events than this in one hour."
    )

    # --- Optional parts -------------------------------------------------------------------
    image: ImageConfig = Field(default_factory=ImageConfig, description="The nginx web image (object).")
    kubernetes: KubernetesConfig = Field(
        default_factory=KubernetesConfig, description="Optional Kubernetes deployment (object)."
    )

    # --- Secrets (pulumi config set --secret) ---------------------------------------------
    github_token: SecretStr = secret_field(
        "GitHub token with admin rights on the repository (and the workflow scope) for the GitHub provider.",
        required=True,
    )
    vercel_token: SecretStr = secret_field(
        "Vercel API token: the Vercel provider uses it and deploy workflows get it as VERCEL_TOKEN.", required=True
    )
    sentry_auth_token: SecretStr = secret_field(
        "Sentry internal-integration (or user) token with project:admin, team:write, org:read, alerts:write: the "
        "Sentry provider and the alerts use it. Not an organization token (sntrys_...: org:ci only, refused).",
        required=True,
    )
    slack_webhook_url: SecretStr = secret_field(
        "Slack incoming-webhook URL the deploy workflows notify (SLACK_WEBHOOK_URL).", required=True
    )
    codecov_token: Optional[SecretStr] = secret_field(
        "Codecov upload token (CODECOV_TOKEN); needed by the stack that owns the shared resources."
    )
    registry_token: Optional[SecretStr] = secret_field(
        "Token that may push to the image registry; needed where the image is built."
    )

    # --- Field checks ---------------------------------------------------------------------
    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        if not DOMAIN_RE.match(value):
            raise ValueError("a lower-case DNS name such as staging.example.com (no scheme, no path)")
        return value

    @field_validator("api_url")
    @classmethod
    def _https_origin(cls, value: str) -> str:
        if not _is_https_origin(value):
            raise ValueError("an https origin such as https://api.example.com (no path)")
        return value.rstrip("/")

    @field_validator("sentry_url")
    @classmethod
    def _sentry_url(cls, value: str) -> str:
        if not (_is_https_origin(value) or LOOPBACK_HTTP_RE.match(value)):
            raise ValueError("an https origin such as https://sentry.io (no path)")
        return value.rstrip("/")

    @field_validator("github_base_url")
    @classmethod
    def _github_base_url(cls, value: str) -> str:
        if not (_is_https_origin(value) or LOOPBACK_HTTP_RE.match(value)):
            raise ValueError("an https URL such as https://api.github.com/ or https://github.example.com/ (no path)")
        return value.rstrip("/") + "/"

    @field_validator("github_owner", "github_repository")
    @classmethod
    def _github_name(cls, value: str) -> str:
        if not GITHUB_NAME_RE.match(value):
            raise ValueError("a GitHub name: letters, digits, '.', '_' or '-'")
        return value

    @field_validator("sentry_organization", "sentry_team", "sentry_project_name", "vercel_project_name")
    @classmethod
    def _slug(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not SLUG_RE.match(value):
            raise ValueError("a slug: lower-case letters, digits, '-' or '_', at most 50 characters")
        return value

    @field_validator("slack_channel")
    @classmethod
    def _slack_channel(cls, value: str) -> str:
        if not SLACK_CHANNEL_RE.match(value):
            raise ValueError("a Slack channel name starting with '#', such as #alerts-production")
        return value

    @field_validator("code_owners")
    @classmethod
    def _code_owners(cls, value: list[str]) -> list[str]:
        bad = [owner for owner in value if not CODE_OWNER_RE.match(owner)]
        if bad:
            raise ValueError(f"code owners as @org/team, @user or an e-mail address; not {bad}")
        return value

    @field_validator("ruleset_bypass_actors")
    @classmethod
    def _bypass(cls, value: list[str]) -> list[str]:
        bad = [actor for actor in value if not BYPASS_RE.match(actor)]
        if bad:
            raise ValueError(
                "entries as Type[:id][:mode] with Type one of Integration, OrganizationAdmin, RepositoryRole, "
                f"Team, DeployKey and mode always|pull_request|exempt; not {bad}"
            )
        return value

    # --- Cross-field checks ---------------------------------------------------------------
    def problems(self) -> list[str]:
        """Problems that span keys, each starting with the key it concerns (the loader lists them all)."""
        problems = []
        reviewers = len(self.production_reviewer_users) + len(self.production_reviewer_teams)
        if reviewers > MAX_ENVIRONMENT_REVIEWERS:
            problems.append(
                f"productionReviewerUsers and productionReviewerTeams: {reviewers} reviewers given; "
                f"GitHub allows 0 to {MAX_ENVIRONMENT_REVIEWERS} on an environment"
            )
        if self.environment == PRODUCTION and reviewers == 0:
            problems.append(
                "productionReviewerUsers/productionReviewerTeams: production needs at least one required "
                "reviewer (numeric GitHub user or team id)"
            )
        for key in self.required_secrets():
            name = key.split(":", 1)[1]
            if getattr(self, _snake(name)) is None:
                problems.append(
                    f"{name}: missing secret this stack needs; set it with "
                    f"`pulumi config set --secret {key} <value>`"
                )
        problems += self.tier_verdict().refusals
        problems += self.access_problems()
        problems += self.token_problems()
        problems += self.image.problems_for(self.environment)
        problems += self.kubernetes.problems_for(self.environment, self.image.enabled)
        return problems

    # --- Derived values -------------------------------------------------------------------
    @property
    def repository_full_name(self) -> str:
        return f"{self.github_owner}/{self.github_repository}"

    @property
    def vercel_project(self) -> str:
        return self.vercel_project_name or f"{self.github_repository}-{self.environment}".lower()

    @property
    def sentry_project(self) -> str:
        return self.sentry_project_name or f"{self.github_repository}-{self.environment}".lower()

    @property
    def declared_deployment_protection(self) -> DeploymentProtection:
        if self.vercel_deployment_protection:
            return self.vercel_deployment_protection
        return FULL_PROTECTION if self.environment == "staging" else "standard_protection_new"

    @property
    def deployment_protection(self) -> DeploymentProtection:
        """What the stack declares: all_deployments falls back to standard protection when the Vercel plan
        lacks it and acceptMissingGuardrails says so."""
        if "all-deployments-protection" in self.missing_guardrails:
            return "standard_protection_new"
        return self.declared_deployment_protection

    @property
    def missing_guardrails(self) -> frozenset[str]:
        """Guardrails the stated plans lack that this stack plans without (acceptMissingGuardrails)."""
        return self.tier_verdict().missing

    def warnings(self) -> list[str]:
        """What the stack plans without or what a plan limits: logged as warnings by every run."""
        return self.tier_verdict().warnings + self.token_warnings()

    @property
    def site_url(self) -> str:
        return f"https://{self.domain}"

    @property
    def bypass_actors(self) -> list[BypassActor]:
        actors = []
        for text in self.ruleset_bypass_actors:
            match = BYPASS_RE.match(text)
            assert match  # validated above
            actors.append(
                BypassActor(
                    actor_type=match["type"],
                    actor_id=int(match["id"]) if match["id"] else None,
                    bypass_mode=match["mode"] or "always",
                )
            )
        return actors

    def required_secrets(self) -> list[str]:
        """The secret keys a real run of this stack needs (full keys)."""
        keys = ["githubToken", "vercelToken", "sentryAuthToken", "slackWebhookUrl"]
        if self.owns_shared_resources:
            keys.append("codecovToken")
        if self.environment == "production":  # only the production deploy uploads source maps
            keys.append("sentryReleaseToken")
        if self.image.needs_registry_token:
            keys.append("registryToken")
        return [f"{NAMESPACE}:{key}" for key in keys]


def _is_https_origin(value: str) -> bool:
    match = re.match(r"^https://([^/:]+)(:\d+)?/?$", value)
    return bool(match and DOMAIN_RE.match(match.group(1)))


def _snake(camel: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel)


def secret_keys() -> list[str]:
    """camelCase names of every secret-typed key."""
    return [
        field.alias or name
        for name, field in StackConfig.model_fields.items()
        if (field.json_schema_extra or {}).get("secret")
    ]
