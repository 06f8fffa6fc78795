"""Files the platform manages in the app repository, proposed to main as a pull request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_github as github

from components._names import MovedFrom, child_opts, slug
from platform_facts import COMPONENT_TYPES, DEFAULT_BRANCH

MANAGED_BRANCH = "webapp-platform/managed-files"
"""Branch the platform commits the app's managed files to; a pull request proposes them to main,
so that platform changes pass the same review and checks as everybody else's."""


@dataclass(frozen=True)
class ManagedFilesArgs:
    """Inputs of :class:`ManagedFiles`."""

    repository: pulumi.Input[str]
    """Name of the repository the files go to (its default branch must exist)."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Path -> content (the app's workflows, Dependabot config, security policy)."""
    code_owners: Sequence[str] = ()
    """When set, ``.github/CODEOWNERS`` making these owners review every path is added."""
    moved_from: Optional[MovedFrom] = None
    """Where these were declared before this component existed (aliases keep their state)."""


class ManagedFiles(pulumi.ComponentResource):
    """A branch holding the managed files and the pull request that proposes them to main."""

    def __init__(self, name: str, args: ManagedFilesArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(COMPONENT_TYPES["ManagedFiles"], name, None, opts)
        files = dict(args.files)
        if args.code_owners:
            files[".github/CODEOWNERS"] = codeowners_content(args.code_owners)
        branch = github.Branch(
            f"{name}-branch",
            repository=args.repository,
            branch=MANAGED_BRANCH,
            source_branch=DEFAULT_BRANCH,
            opts=child_opts(args.moved_from, "managed-branch", self),
        )
        committed = [
            github.RepositoryFile(
                f"{name}-file-{slug(path)}",
                repository=args.repository,
                branch=branch.branch,
                file=path,
                content=content,
                commit_message=f"chore(platform): update {path}",
                overwrite_on_create=True,
                opts=child_opts(args.moved_from, f"file-{slug(path)}", self),
            )
            for path, content in sorted(files.items())
        ]
        github.RepositoryPullRequest(
            f"{name}-pull-request",
            base_repository=args.repository,
            base_ref=DEFAULT_BRANCH,
            head_ref=branch.branch,
            title="chore(platform): managed workflows and CODEOWNERS",
            body="Proposed by webapp-platform. These files are managed as code: change them in the platform "
            "repository, not here. Merging runs the same review and checks as any other change.",
            maintainer_can_modify=True,
            opts=child_opts(args.moved_from, "managed-pull-request", self, depends_on=committed),
        )
        self.register_outputs({})


def codeowners_content(owners: Sequence[str]) -> str:
    """A CODEOWNERS file that makes ``owners`` review every path."""
    return "# Managed by webapp-platform.\n* " + " ".join(owners) + "\n"
