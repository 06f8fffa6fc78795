"""GitHub guardrails: the default branch, hotfix branches and release tags are protected, the
repository scans for secrets and vulnerable dependencies and cannot be deleted by accident, and the
``production`` deployment environment is gated by reviewers and only deploys from main or release tags.

Branch and tag rules are judged on their *effective* protection: GitHub enforces the union of every
active ruleset (and classic branch protection) that covers a ref, so a guardrail may come from any of
them. Repository-wide rules only apply in the stack that declares the repository (the owner stack);
the other stack refers to it by name and declares none of them (see ``stack.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.rules._props import (
    ADVISORY,
    GH_BRANCH_DEFAULT,
    GH_BRANCH_PROTECTION,
    GH_DEPLOYMENT_POLICY,
    GH_ENVIRONMENT,
    GH_REPOSITORY,
    GH_RULESET,
    GH_VULNERABILITY_ALERTS,
    MANDATORY,
    RefTarget,
    branch_protection_covers,
    config,
    depends_on,
    get,
    is_true,
    items,
    number,
    of_type,
    peek,
    refers_to,
    ruleset_covers,
)

DEFAULT_BRANCH_FALLBACK = "main"
"""GitHub's default branch for new repositories, used when the stack does not set one."""
DEFAULT_REQUIRED_CHECKS = ["lint", "test", "build", "security"]
"""The CI jobs of the app's ci.yml that every pull request into the default branch must pass."""


# --- effective protection of a ref -------------------------------------------------------------


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
    return "refs/heads/" + (branch if isinstance(branch, str) and branch else DEFAULT_BRANCH_FALLBACK)


def _repo_target(repo: PolicyResource, resources: list[PolicyResource], ref: str | None, kind: str) -> RefTarget:
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


def _uncovered(repo: PolicyResource, target: RefTarget, what: str) -> str:
    return (
        f"{what} '{target.ref}' of repository '{peek(repo.props, 'name')}' is not covered by any active "
        + ("branch ruleset or branch protection" if target.kind == "branch" else "tag ruleset")
    )


# --- default branch ----------------------------------------------------------------------------


def validate_default_branch_pull_request(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """The default branch only changes through reviewed pull requests."""
    min_approvals = float(config(args, "minApprovals", 1))
    want_last_push = bool(config(args, "requireLastPushApproval", True))
    for repo in of_type(args.resources, GH_REPOSITORY):
        target = _repo_target(repo, args.resources, None, "branch")
        rules = ref_rules(repo, args.resources, target)
        anchor = rules.anchor or repo
        if not rules.sources:
            report_violation(_uncovered(repo, target, "default branch"), repo.urn)
            continue
        problems = []
        if not rules.pull_request:
            problems.append("no pull request is required")
        elif rules.approvals < min_approvals:
            problems.append(f"{rules.approvals:g} approving review(s) required, policy needs at least {min_approvals:g}")
        if rules.pull_request and not rules.dismiss_stale:
            problems.append("stale reviews are not dismissed on new pushes")
        if rules.pull_request and want_last_push and not rules.last_push_approval:
            problems.append("the last push does not need approval from someone else")
        if problems:
            report_violation(f"default branch '{target.ref}': " + "; ".join(problems), anchor.urn)


def validate_default_branch_status_checks(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every pull request into the default branch passes the CI jobs, on an up-to-date branch."""
    wanted = [c for c in config(args, "requiredChecks", DEFAULT_REQUIRED_CHECKS) if isinstance(c, str)]
    for repo in of_type(args.resources, GH_REPOSITORY):
        target = _repo_target(repo, args.resources, None, "branch")
        rules = ref_rules(repo, args.resources, target)
        if not rules.sources:
            report_violation(_uncovered(repo, target, "default branch"), repo.urn)
            continue
        missing = [c for c in wanted if c not in rules.required_checks]
        problems = []
        if missing:
            problems.append("required status checks missing: " + ", ".join(missing))
        if not rules.strict_checks:
            problems.append("branches need not be up to date before merging (strict status checks off)")
        if problems:
            report_violation(f"default branch '{target.ref}': " + "; ".join(problems), rules.anchor.urn)  # type: ignore[union-attr]


def validate_default_branch_history(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Nobody rewrites or deletes the default branch."""
    for repo in of_type(args.resources, GH_REPOSITORY):
        target = _repo_target(repo, args.resources, None, "branch")
        rules = ref_rules(repo, args.resources, target)
        if not rules.sources:
            report_violation(_uncovered(repo, target, "default branch"), repo.urn)
            continue
        problems = []
        if not rules.blocks_force_push:
            problems.append("force pushes are allowed")
        if not rules.blocks_deletion:
            problems.append("deletion is allowed")
        if problems:
            report_violation(f"default branch '{target.ref}': " + "; ".join(problems), rules.anchor.urn)  # type: ignore[union-attr]


def validate_default_branch_no_bypass(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Recommendation (OpenSSF Scorecard's top Branch-Protection tier): nobody bypasses the rules."""
    for repo in of_type(args.resources, GH_REPOSITORY):
        target = _repo_target(repo, args.resources, None, "branch")
        rules = ref_rules(repo, args.resources, target)
        if rules.bypass_actors:
            report_violation(
                f"default branch '{target.ref}': {rules.bypass_actors} bypass actor(s) may skip its rules "
                "(administrators count when a branch protection does not enforce them)",
                rules.anchor.urn if rules.anchor else repo.urn,
            )


# --- hotfix branches and release tags ------------------------------------------------------------


def validate_hotfix_pull_request(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Emergency fixes are reviewed too: hotfix branches only change through pull requests."""
    pattern = str(config(args, "branchPattern", "refs/heads/hotfix/*"))
    for repo in of_type(args.resources, GH_REPOSITORY):
        target = _repo_target(repo, args.resources, pattern, "branch")
        rules = ref_rules(repo, args.resources, target)
        if not rules.sources:
            report_violation(_uncovered(repo, target, "branch pattern"), repo.urn)
        elif not rules.pull_request:
            report_violation(f"branches '{pattern}' can be pushed to without a pull request", rules.anchor.urn)  # type: ignore[union-attr]


def validate_release_tags(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """A published release tag never moves and never disappears."""
    pattern = str(config(args, "tagPattern", "refs/tags/v*"))
    for repo in of_type(args.resources, GH_REPOSITORY):
        target = _repo_target(repo, args.resources, pattern, "tag")
        rules = ref_rules(repo, args.resources, target)
        if not rules.sources:
            report_violation(_uncovered(repo, target, "release tags"), repo.urn)
            continue
        problems = []
        if not rules.blocks_update:
            problems.append("can be moved (no 'update' rule)")
        if not rules.blocks_deletion:
            problems.append("can be deleted (no 'deletion' rule)")
        if problems:
            report_violation(f"release tags '{pattern}' " + " and ".join(problems), rules.anchor.urn)  # type: ignore[union-attr]


# --- repository settings -------------------------------------------------------------------------


def validate_secret_scanning(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Secret scanning and push protection are on, so a leaked credential is caught and refused."""
    if args.resource_type != GH_REPOSITORY:
        return
    for key, label in (("secretScanning", "secret scanning"), ("secretScanningPushProtection", "push protection")):
        status = get(args.props, "securityAndAnalysis", key, "status")
        if status != "enabled":
            report_violation(
                f"repository '{get(args.props, 'name')}': {label} is {status or 'not set'} "
                f"(set securityAndAnalysis.{key}.status to 'enabled')",
                args.urn,
            )


def validate_vulnerability_alerts(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Dependabot vulnerability alerts are on for every repository."""
    alerts = of_type(args.resources, GH_VULNERABILITY_ALERTS)
    for repo in of_type(args.resources, GH_REPOSITORY):
        mine = [a for a in alerts if refers_to(a, "repository", repo, "name")]
        # The provider enables alerts when `enabled` is not given.
        enabled = [a for a in mine if get(a.props, "enabled", default=True) is True]
        legacy = is_true(get(repo.props, "vulnerabilityAlerts"))
        if not enabled and not legacy:
            detail = "is declared with enabled=false" if mine else "is not declared"
            report_violation(
                f"repository '{get(repo.props, 'name')}': RepositoryVulnerabilityAlerts {detail}",
                (mine[0] if mine else repo).urn,
            )


def validate_repository_deletion_guard(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Destroying the stack must not delete the repository with its history and reviews."""
    if args.resource_type != GH_REPOSITORY:
        return
    if not is_true(get(args.props, "archiveOnDestroy")) and not args.opts.protect:
        report_violation(
            f"repository '{get(args.props, 'name')}' would be deleted on destroy: set archiveOnDestroy "
            "or the protect resource option",
            args.urn,
        )


# --- the production deployment environment ---------------------------------------------------------


def validate_production_approval(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Production deployments wait for a reviewer who is not the person deploying, admins included."""
    if args.resource_type != GH_ENVIRONMENT:
        return
    name = config(args, "environmentName", "production")
    if get(args.props, "environment") != name:
        return
    min_reviewers = float(config(args, "minReviewers", 1))
    reviewers = sum(
        len(items(get(r, "users"))) + len(items(get(r, "teams"))) for r in items(get(args.props, "reviewers"))
    )
    problems = []
    if reviewers < min_reviewers:
        problems.append(f"{reviewers} required reviewer(s), policy needs at least {min_reviewers:g}")
    if not is_true(get(args.props, "preventSelfReview")):
        problems.append("self-review is not prevented")
    # GitHub lets administrators bypass environment protection unless told otherwise.
    if get(args.props, "canAdminsBypass", default=True) is not False:
        problems.append("administrators can bypass the approval (canAdminsBypass is not false)")
    if problems:
        report_violation(f"environment '{name}': " + "; ".join(problems), args.urn)


def validate_production_deploy_refs(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Production only deploys from the allowed branches (main) and release tags (v*)."""
    name = config(args, "environmentName", "production")
    allowed_branches = set(config(args, "allowedBranchPatterns", ["main"]))
    allowed_tags = set(config(args, "allowedTagPatterns", ["v*"]))
    policies = of_type(args.resources, GH_DEPLOYMENT_POLICY)
    for env in of_type(args.resources, GH_ENVIRONMENT):
        if get(env.props, "environment") != name:
            continue
        branch_policy = get(env.props, "deploymentBranchPolicy")
        if not is_true(get(branch_policy, "customBranchPolicies")) or is_true(get(branch_policy, "protectedBranches")):
            what = "any protected branch" if is_true(get(branch_policy, "protectedBranches")) else "any branch"
            report_violation(
                f"environment '{name}' accepts deployments from {what}: set deploymentBranchPolicy "
                "customBranchPolicies=true, protectedBranches=false and list the allowed refs",
                env.urn,
            )
            continue
        mine = [
            p
            for p in policies
            if depends_on(p, env)
            or (peek(p.props, "environment") == name and refers_to(p, "repository", env, "repository"))
        ]
        if not mine:
            report_violation(f"environment '{name}' lists no deployment branch or tag policy", env.urn)
        for policy in mine:
            branch, tag = get(policy.props, "branchPattern"), get(policy.props, "tagPattern")
            if branch is not None and branch not in allowed_branches:
                report_violation(
                    f"environment '{name}' deploys from branches '{branch}' (allowed: {', '.join(sorted(allowed_branches))})",
                    policy.urn,
                )
            if tag is not None and tag not in allowed_tags:
                report_violation(
                    f"environment '{name}' deploys from tags '{tag}' (allowed: {', '.join(sorted(allowed_tags))})",
                    policy.urn,
                )


# --- the policies ------------------------------------------------------------------------------------

POLICIES = [
    StackValidationPolicy(
        name="default-branch-requires-pull-request",
        description="The default branch of every repository is covered by an active ruleset or branch "
        "protection that requires a pull request with the configured number of approvals, dismisses "
        "stale reviews and requires approval of the last push.",
        enforcement_level=MANDATORY,
        validate=validate_default_branch_pull_request,
        config_schema=PolicyConfigSchema(
            properties={
                "minApprovals": {"type": "integer", "minimum": 0, "maximum": 6, "default": 1},
                "requireLastPushApproval": {"type": "boolean", "default": True},
            }
        ),
    ),
    StackValidationPolicy(
        name="default-branch-requires-status-checks",
        description="Pull requests into the default branch must pass the lint, test, build and "
        "security checks on a branch that is up to date (strict).",
        enforcement_level=MANDATORY,
        validate=validate_default_branch_status_checks,
        config_schema=PolicyConfigSchema(
            properties={
                "requiredChecks": {
                    "type": "array",
                    "items": {"type": "string"},
                    "minItems": 1,
                    "default": DEFAULT_REQUIRED_CHECKS,
                }
            }
        ),
    ),
    StackValidationPolicy(
        name="default-branch-blocks-force-push-and-deletion",
        description="Force pushes to the default branch and its deletion are refused.",
        enforcement_level=MANDATORY,
        validate=validate_default_branch_history,
    ),
    StackValidationPolicy(
        name="default-branch-no-bypass-actors",
        description="Recommendation: nobody (administrators included) may bypass the default branch's rules.",
        enforcement_level=ADVISORY,
        validate=validate_default_branch_no_bypass,
    ),
    StackValidationPolicy(
        name="hotfix-branches-require-pull-request",
        description="Hotfix branches (refs/heads/hotfix/*) only change through pull requests.",
        enforcement_level=MANDATORY,
        validate=validate_hotfix_pull_request,
        config_schema=PolicyConfigSchema(
            properties={"branchPattern": {"type": "string", "default": "refs/heads/hotfix/*"}}
        ),
    ),
    StackValidationPolicy(
        name="release-tags-protected",
        description="Release tags (refs/tags/v*) are covered by an active tag ruleset that forbids "
        "updating and deleting them.",
        enforcement_level=MANDATORY,
        validate=validate_release_tags,
        config_schema=PolicyConfigSchema(properties={"tagPattern": {"type": "string", "default": "refs/tags/v*"}}),
    ),
    ResourceValidationPolicy(
        name="repository-secret-scanning",
        description="Secret scanning and secret-scanning push protection are enabled on the repository.",
        enforcement_level=MANDATORY,
        validate=validate_secret_scanning,
    ),
    StackValidationPolicy(
        name="repository-vulnerability-alerts",
        description="Vulnerability alerts are enabled for every repository (RepositoryVulnerabilityAlerts).",
        enforcement_level=MANDATORY,
        validate=validate_vulnerability_alerts,
    ),
    ResourceValidationPolicy(
        name="repository-deletion-guarded",
        description="The repository is archived instead of deleted on destroy (archiveOnDestroy) or protected.",
        enforcement_level=MANDATORY,
        validate=validate_repository_deletion_guard,
    ),
    ResourceValidationPolicy(
        name="production-environment-approval",
        description="The production deployment environment requires reviewers, prevents self-review "
        "and does not let administrators bypass the approval.",
        enforcement_level=MANDATORY,
        validate=validate_production_approval,
        config_schema=PolicyConfigSchema(
            properties={
                "environmentName": {"type": "string", "default": "production"},
                "minReviewers": {"type": "integer", "minimum": 1, "maximum": 6, "default": 1},
            }
        ),
    ),
    StackValidationPolicy(
        name="production-environment-deploy-refs",
        description="The production deployment environment only accepts deployments from main and release tags.",
        enforcement_level=MANDATORY,
        validate=validate_production_deploy_refs,
        config_schema=PolicyConfigSchema(
            properties={
                "environmentName": {"type": "string", "default": "production"},
                "allowedBranchPatterns": {"type": "array", "items": {"type": "string"}, "default": ["main"]},
                "allowedTagPatterns": {"type": "array", "items": {"type": "string"}, "default": ["v*"]},
            }
        ),
    ),
]
