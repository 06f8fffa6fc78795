"""Checks on the kind of token a secret holds, by its documented prefix (the value is never shown).

Sentry (docs.sentry.io/account/auth-tokens): organization auth tokens start ``sntrys_`` and carry only
``org:ci`` (releases, source maps); user tokens start ``sntryu_``; internal-integration tokens are
64 hex characters. The provider and the alerts create teams, projects, keys and alert workflows, so
``sentryAuthToken`` must be an internal-integration (or user) token; ``sentryReleaseToken`` is the
production deploy's, with less reach (see ``SENTRY_RELEASE_SCOPES``).
GitHub (docs.github.com, "About authentication"): fine-grained tokens start ``github_pat_``,
classic ones ``ghp_`` (scopes cover every repository the user can reach).
"""

from __future__ import annotations

from typing import Optional

SENTRY_ORG_TOKEN_PREFIX = "sntrys_"
GITHUB_CLASSIC_PREFIX = "ghp_"

SENTRY_AUTH_SCOPES = ("project:admin", "team:write", "org:read", "alerts:write")
"""What the Sentry provider and the alert workflows call (team, project, key, workflows endpoints)."""
SENTRY_RELEASE_SCOPES = ("project:releases", "project:read", "event:read")
"""What the production deploy job does with SENTRY_AUTH_TOKEN: source maps and the release record
(``org:ci`` would do) and its error-rate watch, which reads the project and its events (``org:ci``
does not allow that, so an organization token makes the watch fail)."""
GITHUB_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("Administration", "read and write: the repository, its settings, rulesets, vulnerability alerts, "
     "Dependabot security updates, collaborators and teams"),
    ("Contents", "read and write: the managed-files branch and its files"),
    ("Pull requests", "read and write: the managed-files pull request"),
    ("Workflows", "read and write: committing .github/workflows files"),
    ("Environments", "read and write: the deployment environments and their branch policies"),
    ("Actions secrets (repository and environment)", "read and write"),
    ("Variables", "read and write: repository and environment variables"),
    ("Metadata", "read (always granted)"),
    ("Members (organization permission)", "read: team lookups for reviewers and access"),
)
"""Fine-grained permissions of ``githubToken`` on the app repository (resource owner: the organization)."""


def sentry_token_problems(auth_token: Optional[str], release_token: Optional[str]) -> list[str]:
    """Problems with the two Sentry secrets, each starting with its key; values never appear."""
    problems = []
    if auth_token is not None and auth_token.startswith(SENTRY_ORG_TOKEN_PREFIX):
        problems.append(
            "sentryAuthToken: an organization auth token (sntrys_...) carries only org:ci and gets HTTP 403 "
            "creating teams, projects, keys and alerts. Create an internal integration in Sentry (Settings > "
            f"Custom Integrations > Create New Integration > Internal Integration) with {', '.join(SENTRY_AUTH_SCOPES)} "
            "and set its token here; for the production deploy's token see webapp-platform:sentryReleaseToken"
        )
    if auth_token is not None and release_token is not None and auth_token == release_token:
        problems.append(
            "sentryReleaseToken: the same token as sentryAuthToken; the deploy workflow should get a token that "
            f"can do only what it needs ({', '.join(SENTRY_RELEASE_SCOPES)}): create a second internal integration"
        )
    return problems


def github_token_warnings(token: Optional[str]) -> list[str]:
    """Advice on the GitHub secret (a classic token works, with more reach than the program needs)."""
    if token is not None and token.startswith(GITHUB_CLASSIC_PREFIX):
        return [
            "githubToken: a classic token (ghp_...) reaches every repository its user can; a fine-grained token "
            "limited to the app repository with the permissions listed in README.md (\"Tokens\") is enough"
        ]
    return []
