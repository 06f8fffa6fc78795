"""One GitHub deployment environment with its deployment rules, secrets and variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_github as github

from components._names import slug
from platform_facts import COMPONENT_TYPES


@dataclass(frozen=True)
class DeploymentEnvironmentArgs:
    """Inputs of :class:`DeploymentEnvironment`."""

    repository: pulumi.Input[str]
    """Repository name (the owner stack's repository, referenced by name from the other stack)."""
    environment: str
    """Environment name as workflows use it (``environment: production``)."""
    branch_patterns: Sequence[str] = ("main",)
    """Branches that may deploy to this environment."""
    tag_patterns: Sequence[str] = ()
    """Tags that may deploy to this environment (``v*``)."""
    reviewer_users: Sequence[int] = ()
    """Numeric ids of users whose approval a deployment needs."""
    reviewer_teams: Sequence[int] = ()
    """Numeric ids of teams whose approval a deployment needs."""
    prevent_self_review: bool = False
    """Whoever triggered a deployment may not approve it."""
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Environment secrets (name -> secret Output)."""
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Environment variables (name -> value)."""

    @property
    def gated(self) -> bool:
        return bool(self.reviewer_users or self.reviewer_teams)


class DeploymentEnvironment(pulumi.ComponentResource):
    """A GitHub environment that only the given branches and tags may deploy to."""

    environment: pulumi.Output[str]

    def __init__(self, name: str, args: DeploymentEnvironmentArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(COMPONENT_TYPES["DeploymentEnvironment"], name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        reviewers = (
            [github.RepositoryEnvironmentReviewerArgs(users=list(args.reviewer_users), teams=list(args.reviewer_teams))]
            if args.gated
            else None
        )
        env = github.RepositoryEnvironment(
            f"{name}-environment",
            repository=args.repository,
            environment=args.environment,
            reviewers=reviewers,
            prevent_self_review=args.prevent_self_review,
            # An admin who can skip the approval makes the gate advisory.
            can_admins_bypass=not args.gated,
            deployment_branch_policy=github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                protected_branches=False, custom_branch_policies=True
            ),
            opts=child,
        )
        env_name = env.environment
        for pattern in args.branch_patterns:
            github.RepositoryEnvironmentDeploymentPolicy(
                f"{name}-deploy-branch-{slug(pattern)}",
                repository=args.repository, environment=env_name, branch_pattern=pattern, opts=child,
            )
        for pattern in args.tag_patterns:
            github.RepositoryEnvironmentDeploymentPolicy(
                f"{name}-deploy-tag-{slug(pattern)}",
                repository=args.repository, environment=env_name, tag_pattern=pattern, opts=child,
            )
        for secret_name, value in sorted(args.secrets.items()):
            github.ActionsEnvironmentSecret(
                f"{name}-secret-{slug(secret_name)}",
                repository=args.repository, environment=env_name, secret_name=secret_name, value=value, opts=child,
            )
        for variable_name, value in sorted(args.variables.items()):
            github.ActionsEnvironmentVariable(
                f"{name}-variable-{slug(variable_name)}",
                repository=args.repository, environment=env_name, variable_name=variable_name, value=value,
                opts=child,
            )

        self.environment = env_name
        self.register_outputs({"environment": env_name})
