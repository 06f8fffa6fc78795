"""Naming helpers shared by the components."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi


def slug(text: str) -> str:
    """A resource-name-safe form of ``text`` (``VERCEL_TOKEN`` -> ``vercel-token``, ``v*`` -> ``v``)."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "all"


@dataclass(frozen=True)
class MovedFrom:
    """Where a component's children were declared before they got a component of their own.

    Until 2026-12 the GitHubRepository component ``repository`` held the rulesets, the Actions config
    and the managed files, as ``repository-<old role>``. Aliases to those URNs make an existing stack
    adopt its resources in place instead of deleting and re-creating them (a ruleset gap, a re-committed
    file, a new pull request)."""

    parent: pulumi.Input[str]
    """URN of the component that held the children."""
    name: str
    """That component's name, the prefix of the children's old names."""

    def opts(self, old_role: str, parent: pulumi.Resource, **options) -> pulumi.ResourceOptions:
        """Options of a child under ``parent`` that was ``<name>-<old_role>`` under the old parent."""
        return pulumi.ResourceOptions(
            parent=parent, aliases=[pulumi.Alias(name=f"{self.name}-{old_role}", parent=self.parent)], **options
        )


def child_opts(moved_from: Optional[MovedFrom], old_role: str, parent: pulumi.Resource, **options) -> pulumi.ResourceOptions:
    """A child's options, with the alias to its old place when the component has moved children."""
    if moved_from is None:
        return pulumi.ResourceOptions(parent=parent, **options)
    return moved_from.opts(old_role, parent, **options)
