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
        # (role, resource, the argument that names the entry, entries): secrets and variables alike.
        kinds = (
            ("secret", github.ActionsSecret, "secret_name", args.secrets),
            ("variable", github.ActionsVariable, "variable_name", args.variables),
        )
        for role, resource, name_arg, entries in kinds:
            for entry, value in sorted(entries.items()):
                resource(
                    f"{name}-{role}-{slug(entry)}",
                    repository=args.repository,
                    value=value,
                    opts=child_opts(args.moved_from, f"{role}-{slug(entry)}", self),
                    **{name_arg: entry},
                )
        self.register_outputs({})
