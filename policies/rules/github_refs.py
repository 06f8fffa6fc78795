"""Effective protection of a ref in a GitHub repository, from every ruleset and branch protection.

GitHub enforces the union of every active ruleset (and classic branch protection) that covers a ref,
so a guardrail may come from any of them: :func:`ref_rules` adds them up into one :class:`RefRules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource

from platform_facts import DEFAULT_BRANCH
from policies.rules._props import (
    GH_BRANCH_DEFAULT,
    GH_BRANCH_PROTECTION,
    GH_RULESET,
    RefTarget,
    branch_protection_covers,
    get,
    is_true,
    items,
    number,
    of_type,
    peek,
    refers_to,
    ruleset_covers,
)


@dataclass
class RefRules:
    """What GitHub enforces on one ref: the union of all active rulesets and branch protections
    covering it (GitHub layers them; the strictest setting of each rule wins)."""

    sources: list[PolicyResource] = field(default_factory=list)
    """Rulesets / branch protections that cover the ref."""
    pull_request: bool = False
    """Changes must go through a pull request."""
    approvals: float = 0.0
    """Approving reviews required (highest of all sources)."""
    dismiss_stale: bool = False
    """New pushes dismiss earlier approvals."""
    last_push_approval: bool = False
    """The last push must be approved by someone other than its author."""
    required_checks: set[str] = field(default_factory=set)
    """Status check contexts that must pass."""
    strict_checks: bool = False
    """The branch must be up to date with the base before merging."""
    blocks_force_push: bool = False
    """Force pushes (non-fast-forward updates) are refused."""
    blocks_deletion: bool = False
    """Deleting the ref is refused."""
    blocks_update: bool = False
    """Moving the ref at all is refused (release tags)."""
    bypass_actors: int = 0
    """Bypass actors on covering rulesets (anyone who may skip the rules)."""

    @property
    def anchor(self) -> PolicyResource | None:
        """The resource a violation about these rules is reported on."""
        return self.sources[0] if self.sources else None


def _default_ref(repo: PolicyResource, resources: list[PolicyResource]) -> str:
    """The repository's default branch as a full ref: a ``BranchDefault`` for it, else the
    (deprecated) ``defaultBranch`` input, else GitHub's default ``main``."""
    for branch_default in of_type(resources, GH_BRANCH_DEFAULT):
        branch = peek(branch_default.props, "branch")
        if refers_to(branch_default, "repository", repo, "name") and isinstance(branch, str):
            return "refs/heads/" + branch
    branch = peek(repo.props, "defaultBranch")
    return "refs/heads/" + (branch if isinstance(branch, str) and branch else DEFAULT_BRANCH)


def repo_target(repo: PolicyResource, resources: list[PolicyResource], ref: str | None, kind: str) -> RefTarget:
    default_ref = _default_ref(repo, resources)
    return RefTarget(ref=ref or default_ref, default_ref=default_ref, kind=kind)  # type: ignore[arg-type]


def _add_ruleset(rules: RefRules, props: Any) -> None:
    pull_request = get(props, "rules", "pullRequest")
    if pull_request is not None:
        rules.pull_request = True
        rules.approvals = max(rules.approvals, number(get(pull_request, "requiredApprovingReviewCount")) or 0.0)
        rules.dismiss_stale |= is_true(get(pull_request, "dismissStaleReviewsOnPush"))
        rules.last_push_approval |= is_true(get(pull_request, "requireLastPushApproval"))
    checks = get(props, "rules", "requiredStatusChecks")
    if checks is not None:
        contexts = {get(c, "context") for c in items(get(checks, "requiredChecks"))}
        rules.required_checks |= {c for c in contexts if isinstance(c, str)}
        rules.strict_checks |= is_true(get(checks, "strictRequiredStatusChecksPolicy"))
    rules.blocks_force_push |= is_true(get(props, "rules", "nonFastForward"))
    rules.blocks_deletion |= is_true(get(props, "rules", "deletion"))
    rules.blocks_update |= is_true(get(props, "rules", "update"))
    rules.bypass_actors += len(items(get(props, "bypassActors")))


def _add_branch_protection(rules: RefRules, props: Any) -> None:
    # Classic branch protection: reviews and checks are one-element lists; force pushes and
    # deletions are refused unless allowed (the provider's defaults are false).
    reviews = items(get(props, "requiredPullRequestReviews"))
    if reviews:
        review = reviews[0]
        rules.pull_request = True
        # Declaring the block without a count gives GitHub's (and the provider's) default of 1.
        rules.approvals = max(rules.approvals, number(get(review, "requiredApprovingReviewCount", default=1)) or 0.0)
        rules.dismiss_stale |= is_true(get(review, "dismissStaleReviews"))
        rules.last_push_approval |= is_true(get(review, "requireLastPushApproval"))
    checks = items(get(props, "requiredStatusChecks"))
    if checks:
        rules.required_checks |= {c for c in items(get(checks[0], "contexts")) if isinstance(c, str)}
        rules.strict_checks |= is_true(get(checks[0], "strict"))
    rules.blocks_force_push |= not is_true(get(props, "allowsForcePushes"))
    rules.blocks_deletion |= not is_true(get(props, "allowsDeletions"))
    if not is_true(get(props, "enforceAdmins")):
        rules.bypass_actors += 1  # administrators may push past it


def ref_rules(repo: PolicyResource, resources: list[PolicyResource], target: RefTarget) -> RefRules:
    """The effective rules on ``target`` in ``repo`` from every ruleset / branch protection of it."""
    rules = RefRules()
    for ruleset in of_type(resources, GH_RULESET):
        if refers_to(ruleset, "repository", repo, "name") and ruleset_covers(ruleset.props, target):
            rules.sources.append(ruleset)
            _add_ruleset(rules, ruleset.props)
    for protection in of_type(resources, GH_BRANCH_PROTECTION):
        if refers_to(protection, "repositoryId", repo, "name") and branch_protection_covers(protection.props, target):
            rules.sources.append(protection)
            _add_branch_protection(rules, protection.props)
    return rules


def uncovered(repo: PolicyResource, target: RefTarget, what: str) -> str:
    return (
        f"{what} '{target.ref}' of repository '{peek(repo.props, 'name')}' is not covered by any active "
        + ("branch ruleset or branch protection" if target.kind == "branch" else "tag ruleset")
    )
