"""The repository's rulesets: main, hotfix/* and release tags v* (declared by the owner stack only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Sequence

import pulumi
import pulumi_github as github

from components._names import MovedFrom, child_opts
from platform_facts import COMPONENT_TYPES, HOTFIX_BRANCHES, RELEASE_TAGS, REQUIRED_CHECKS


@dataclass(frozen=True)
class BypassActorArgs:
    """A ruleset bypass actor."""

    actor_type: Literal["Integration", "OrganizationAdmin", "RepositoryRole", "Team", "DeployKey"]
    """Kind of actor, as GitHub names it."""
    actor_id: Optional[int] = None
    """Numeric id; omitted for OrganizationAdmin and DeployKey."""
    bypass_mode: Literal["always", "pull_request", "exempt"] = "always"
    """When the actor may bypass."""


@dataclass(frozen=True)
class RepositoryRulesetsArgs:
    """Inputs of :class:`RepositoryRulesets`."""

    repository: pulumi.Input[str]
    """Name of the repository the rulesets protect."""
    required_approvals: int = 1
    """Approving reviews a pull request into main (and into hotfix/*) needs."""
    require_code_owner_review: bool = False
    """Main also needs a code owner's review (set when CODEOWNERS is managed)."""
    bypass_actors: Sequence[BypassActorArgs] = ()
    """Who may bypass the rulesets; empty means nobody, admins included."""
    required_checks: Sequence[str] = REQUIRED_CHECKS
    """Status checks required on main (strict: branches must be up to date)."""
    moved_from: Optional[MovedFrom] = None
    """Where the rulesets were declared before this component existed (aliases keep their state)."""


class RepositoryRulesets(pulumi.ComponentResource):
    """Rulesets of the default branch, hotfix branches and release tags, enforced for everybody."""

    def __init__(self, name: str, args: RepositoryRulesetsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(COMPONENT_TYPES["RepositoryRulesets"], name, None, opts)
        bypass = [
            github.RepositoryRulesetBypassActorArgs(actor_type=a.actor_type, actor_id=a.actor_id, bypass_mode=a.bypass_mode)
            for a in args.bypass_actors
        ]

        def ruleset(role: str, target: str, ref_pattern: str, rules: github.RepositoryRulesetRulesArgs) -> None:
            github.RepositoryRuleset(
                f"{name}-{role}",
                name=role,
                repository=args.repository,
                target=target,
                enforcement="active",
                conditions=_ref_condition(ref_pattern),
                bypass_actors=bypass,
                rules=rules,
                opts=child_opts(args.moved_from, f"{role}-ruleset", self),
            )

        ruleset("main", "branch", "~DEFAULT_BRANCH", _main_rules(args))
        ruleset("hotfix", "branch", HOTFIX_BRANCHES, github.RepositoryRulesetRulesArgs(
            deletion=True,
            non_fast_forward=True,
            pull_request=github.RepositoryRulesetRulesPullRequestArgs(
                required_approving_review_count=args.required_approvals,
                dismiss_stale_reviews_on_push=True,
            ),
        ))
        # A published release tag never moves and never disappears.
        ruleset("release-tags", "tag", RELEASE_TAGS, github.RepositoryRulesetRulesArgs(
            update=True, deletion=True, non_fast_forward=True,
        ))
        self.register_outputs({})


def _main_rules(args: RepositoryRulesetsArgs) -> github.RepositoryRulesetRulesArgs:
    return github.RepositoryRulesetRulesArgs(
        deletion=True,
        non_fast_forward=True,
        pull_request=github.RepositoryRulesetRulesPullRequestArgs(
            required_approving_review_count=args.required_approvals,
            dismiss_stale_reviews_on_push=True,
            require_last_push_approval=True,
            require_code_owner_review=args.require_code_owner_review,
            required_review_thread_resolution=True,
        ),
        required_status_checks=github.RepositoryRulesetRulesRequiredStatusChecksArgs(
            required_checks=[
                github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs(context=check)
                for check in args.required_checks
            ],
            strict_required_status_checks_policy=True,
        ),
    )


def _ref_condition(include: str) -> github.RepositoryRulesetConditionsArgs:
    return github.RepositoryRulesetConditionsArgs(
        ref_name=github.RepositoryRulesetConditionsRefNameArgs(includes=[include], excludes=[])
    )
