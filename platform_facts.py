"""Facts that the Pulumi program and the policy pack must agree on, written once.

The pack runs in its own virtualenv (``policies/requirements.txt``: no provider SDKs, no pydantic), so
this module imports nothing but the standard library. The program (config model, components) and the
pack (``policies/rules/``) both import these very objects; ``tests/test_platform_facts.py`` checks
that they are the same objects, not copies. The pack reaches this file through the repository root
that ``policies/__main__.py`` puts on ``sys.path`` (the engine starts the pack inside ``policies/``).

Change a value here and both sides move together; the policies then still judge what the program
declares.
"""

from __future__ import annotations

import re
from typing import Literal

# --- environments ------------------------------------------------------------------------------
Environment = Literal["staging", "production"]
ENVIRONMENTS: tuple[str, ...] = ("staging", "production")
"""The stacks' environments; also the GitHub environment names and Sentry's ``environment`` tag."""
PRODUCTION = "production"

# --- the web image ---------------------------------------------------------------------------
IMAGE_REF_OUTPUT = "imageRef"
"""The stack output a building stack exports (its image, pinned by digest) and a promoting stack reads."""

DIGEST_SUFFIX_RE = re.compile(r"@sha256:[0-9a-f]{64}$")
"""An image reference (or base image) ends with its digest: a tag cannot move it."""
DIGEST_REF_RE = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")
"""A whole image reference pinned by digest: ``name[:tag]@sha256:<64 hex>``."""

# --- Kubernetes --------------------------------------------------------------------------------
PRODUCTION_MIN_REPLICAS = 3
"""Production keeps serving through a node drain and a zone loss only with 3 or more replicas."""

# --- GitHub ------------------------------------------------------------------------------------
REQUIRED_CHECKS: tuple[str, ...] = ("lint", "test", "build", "security")
"""Status checks every pull request into main must pass; the app's ci.yml has a job of each name."""
DEFAULT_BRANCH = "main"
"""GitHub's default branch for new repositories (the repository is created with ``auto_init``)."""
HOTFIX_BRANCHES = "refs/heads/hotfix/*"
RELEASE_TAGS = "refs/tags/v*"
DEPLOY_BRANCH_PATTERNS: tuple[str, ...] = ("main",)
"""Branches every environment deploys from (deployment branch policy); production's policy allows no other."""
PRODUCTION_TAG_PATTERNS: tuple[str, ...] = ("v*",)
"""Tags production also deploys from (release tags); the other environments deploy from no tag."""
MAX_ENVIRONMENT_REVIEWERS = 6
"""GitHub's limit of required reviewers on one environment."""

# --- Vercel ------------------------------------------------------------------------------------
DeploymentProtection = Literal[
    "standard_protection_new", "standard_protection", "all_deployments", "only_preview_deployments", "none"
]
DEPLOYMENT_PROTECTIONS: tuple[str, ...] = (
    "standard_protection_new", "standard_protection", "all_deployments", "only_preview_deployments", "none"
)
"""Vercel's ``deploymentType`` values. ``all_deployments`` protects every URL; the two standard ones
protect everything except the production custom domains; ``only_preview_deployments`` previews only."""
FULL_PROTECTION = "all_deployments"
STANDARD_PROTECTIONS: tuple[str, ...] = ("standard_protection", "standard_protection_new")
DSN_VARIABLE = "VITE_SENTRY_DSN"
"""The build-time variable the app's ``Sentry.init`` reads its DSN from."""

# --- Sentry and Slack --------------------------------------------------------------------------
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
"""Sentry (and Vercel project) slugs: lower-case letters, digits, '-' or '_', at most 50 characters."""
SLACK_CHANNEL_RE = re.compile(r"^#[a-z0-9][a-z0-9_-]{0,79}$")
"""A Slack channel with its '#': Slack refuses new names with upper case, spaces or periods, and
longer than 80 characters. (The alert provider once also allowed '.'; one rule now serves both.)"""

# --- type tokens -------------------------------------------------------------------------------
# The program's own components (``webapp-platform:<area>:<Name>``) and the dynamic alert resource.
COMPONENT_TYPES: dict[str, str] = {
    "GitHubRepository": "webapp-platform:github:GitHubRepository",
    "RepositoryRulesets": "webapp-platform:github:RepositoryRulesets",
    "RepositoryActionsConfig": "webapp-platform:github:RepositoryActionsConfig",
    "ManagedFiles": "webapp-platform:github:ManagedFiles",
    "RepositoryAccess": "webapp-platform:github:RepositoryAccess",
    "DeploymentEnvironment": "webapp-platform:github:DeploymentEnvironment",
    "VercelSite": "webapp-platform:hosting:VercelSite",
    "SentryMonitoring": "webapp-platform:monitoring:SentryMonitoring",
    "WebImage": "webapp-platform:image:WebImage",
    "KubernetesApp": "webapp-platform:kubernetes:KubernetesApp",
}
SENTRY_ALERT = "pulumi-python:dynamic/sentry:Alert"
"""Type token of ``sentry_workflows.SentryAlert`` (``module="sentry", name="Alert"``)."""

# Provider resource types, as the engine names them (``pulumi_github`` is not importable in the pack).
GH_REPOSITORY = "github:index/repository:Repository"
GH_RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
GH_BRANCH_PROTECTION = "github:index/branchProtection:BranchProtection"
GH_BRANCH_DEFAULT = "github:index/branchDefault:BranchDefault"
GH_VULNERABILITY_ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
GH_DEPENDABOT_UPDATES = "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates"
GH_ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
GH_DEPLOYMENT_POLICY = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
GH_REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile"
GH_COLLABORATORS = "github:index/repositoryCollaborators:RepositoryCollaborators"
GH_COLLABORATOR = "github:index/repositoryCollaborator:RepositoryCollaborator"
GH_TEAM_REPOSITORY = "github:index/teamRepository:TeamRepository"
GH_BRANCH = "github:index/branch:Branch"
GH_PULL_REQUEST = "github:index/repositoryPullRequest:RepositoryPullRequest"
GH_ACTIONS_SECRET = "github:index/actionsSecret:ActionsSecret"  # pragma: allowlist secret (a type token)
GH_ACTIONS_VARIABLE = "github:index/actionsVariable:ActionsVariable"
GH_ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"  # pragma: allowlist secret (a type token)
GH_ENV_VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
VERCEL_PROJECT = "vercel:index/project:Project"
VERCEL_ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VERCEL_ENV_VARS = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables"
VERCEL_DOMAIN = "vercel:index/projectDomain:ProjectDomain"
SENTRY_TEAM = "sentry:index/sentryTeam:SentryTeam"
SENTRY_PROJECT = "sentry:index/sentryProject:SentryProject"
SENTRY_KEY = "sentry:index/sentryKey:SentryKey"
