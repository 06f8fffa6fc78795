"""Repository-level GitHub Actions secrets and variables (declared by the owner stack only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_github as github

from components._names import MovedFrom, child_opts, slug
from platform_facts import COMPONENT_TYPES


@dataclass(frozen=True)
class RepositoryActionsConfigArgs:
    """Inputs of :class:`RepositoryActionsConfig`."""

    repository: pulumi.Input[str]
    """Name of the repository whose workflows read these."""
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Actions secrets (name -> secret Output); the SDK stores each value as a secret."""
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Actions variables (name -> value), wired from the resources that produce them."""
    moved_from: Optional[MovedFrom] = None
    """Where these were declared before this component existed (aliases keep their state)."""


class RepositoryActionsConfig(pulumi.ComponentResource):
    """The secrets and variables every workflow of the repository sees."""

    def __init__(self, name: str, args: RepositoryActionsConfigArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(COMPONENT_TYPES["RepositoryActionsConfig"], name, None, opts)
        for secret_name, value in sorted(args.secrets.items()):
            github.ActionsSecret(
                f"{name}-secret-{slug(secret_name)}",
                repository=args.repository,
                secret_name=secret_name,
                value=value,
                opts=child_opts(args.moved_from, f"secret-{slug(secret_name)}", self),
            )
        for variable_name, value in sorted(args.variables.items()):
            github.ActionsVariable(
                f"{name}-variable-{slug(variable_name)}",
                repository=args.repository,
                variable_name=variable_name,
                value=value,
                opts=child_opts(args.moved_from, f"variable-{slug(variable_name)}", self),
            )
        self.register_outputs({})
