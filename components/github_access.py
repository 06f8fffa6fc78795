"""Who may do what on the app repository: teams and users with their permission (owner stack only).

``github.RepositoryCollaborators`` is authoritative: the repository's direct collaborators and teams
are exactly the ones declared, so access granted by hand in the UI is removed on the next ``up``
(and shows up as drift). Organization owners keep their implicit admin; nobody else gets admin unless
the stack lists them, and the policy pack refuses admin for anyone not named as a platform admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Optional

import pulumi
import pulumi_github as github

from platform_facts import COMPONENT_TYPES

Permission = Literal["pull", "triage", "push", "maintain", "admin"]
PERMISSIONS: tuple[Permission, ...] = ("pull", "triage", "push", "maintain", "admin")
"""GitHub's repository roles, weakest first."""


@dataclass(frozen=True)
class RepositoryAccessArgs:
    """Inputs of :class:`RepositoryAccess`."""

    repository: pulumi.Input[str]
    """Repository name (the owner stack's repository output, so access waits for the repository)."""
    teams: Mapping[str, Permission] = field(default_factory=dict)
    """Team slug (or numeric id) -> permission. Organization members get access through teams."""
    users: Mapping[str, Permission] = field(default_factory=dict)
    """GitHub login -> permission, granted directly (outside collaborators, or personal repositories)."""


class RepositoryAccess(pulumi.ComponentResource):
    """The repository's complete set of direct collaborators and teams."""

    def __init__(self, name: str, args: RepositoryAccessArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(COMPONENT_TYPES["RepositoryAccess"], name, None, opts)
        # Sorted, so the plan and the provider's diff do not depend on the order of the stack file.
        github.RepositoryCollaborators(
            f"{name}-collaborators",
            repository=args.repository,
            teams=[
                github.RepositoryCollaboratorsTeamArgs(team_id=team, permission=permission)
                for team, permission in sorted(args.teams.items())
            ],
            users=[
                github.RepositoryCollaboratorsUserArgs(username=user, permission=permission)
                for user, permission in sorted(args.users.items())
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})
