"""Access guardrails: who may administer the app repository, and who outside the organization may write.

Access is declared by the owner stack (``components/github_access.py``): teams carry organization
members, direct user grants are outside collaborators (or the collaborators of a personal repository).
Admin can change every guardrail of the repository, so it goes only to the platform admins the
policy config names; on production, a direct user grant with write access (push, maintain, admin) is
refused unless the stack's config allows outside collaborators.
"""

from __future__ import annotations

from typing import Any, Iterator

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from platform_facts import GH_COLLABORATOR, GH_COLLABORATORS, GH_TEAM_REPOSITORY
from policies.rules._props import config, environment_schema, get, items, resource_policy

WRITE_PERMISSIONS = ("push", "maintain", "admin")
DEFAULT_PERMISSION = "push"
"""What GitHub grants when a grant names no permission."""


def grants(resource_type: str, props: Any) -> Iterator[tuple[str, str, str]]:
    """(kind, who, permission) of every grant a resource declares; kind is ``team`` or ``user``."""
    if resource_type == GH_COLLABORATORS:
        for team in items(get(props, "teams")):
            yield "team", str(get(team, "teamId")), get(team, "permission") or DEFAULT_PERMISSION
        for user in items(get(props, "users")):
            yield "user", str(get(user, "username")), get(user, "permission") or DEFAULT_PERMISSION
    elif resource_type == GH_COLLABORATOR:
        yield "user", str(get(props, "username")), get(props, "permission") or DEFAULT_PERMISSION
    elif resource_type == GH_TEAM_REPOSITORY:
        yield "team", str(get(props, "teamId")), get(props, "permission") or "pull"


def validate_admins_listed(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Admin only for the teams and users the policy config lists as platform admins."""
    admins = set(config(args, "platformAdmins", []))
    for kind, who, permission in grants(args.resource_type, args.props):
        if permission == "admin" and who not in admins:
            report_violation(
                f"{kind} '{who}' is granted admin on repository '{get(args.props, 'repository')}' but is not a "
                f"platform admin (platformAdmins: {sorted(admins) or 'none'}); grant maintain or less, or list them",
                args.urn,
            )


def validate_no_outside_writers(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """On production, no direct user grant writes to the repository unless outside collaborators are allowed."""
    if config(args, "environment", None) != "production" or config(args, "allowOutsideCollaborators", False):
        return
    for kind, who, permission in grants(args.resource_type, args.props):
        if kind == "user" and permission in WRITE_PERMISSIONS:
            report_violation(
                f"outside collaborator '{who}' has {permission} on the production repository "
                f"'{get(args.props, 'repository')}'; grant organization members through a team, give outside "
                "collaborators pull or triage, or set webapp-platform:allowOutsideCollaborators: true",
                args.urn,
            )


ADMINS_CONFIG = PolicyConfigSchema(
    properties={"platformAdmins": {"type": "array", "items": {"type": "string"}, "default": []}},
)
OUTSIDE_CONFIG = PolicyConfigSchema(
    properties={"environment": environment_schema(), "allowOutsideCollaborators": {"type": "boolean", "default": False}},
    required=["environment"],
)

POLICIES = [
    resource_policy(
        "repository-admin-only-platform-admins",
        "Only the platform admins named in the policy config are granted admin on the repository.",
        validate_admins_listed, config=ADMINS_CONFIG),
    resource_policy(
        "production-no-outside-writers",
        "On production, outside collaborators (direct user grants) have no write access unless the stack allows them.",
        validate_no_outside_writers, config=OUTSIDE_CONFIG),
]
