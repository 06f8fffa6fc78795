"""GitHub guardrails: the default branch, hotfix branches and release tags are protected, the
repository scans for secrets and vulnerable dependencies and cannot be deleted by accident. (The production
environment's guardrails are in ``github_environments.py``.)

Branch and tag rules are judged on their *effective* protection (``github_refs.py``): the union of
every active ruleset and branch protection covering the ref. The six ref policies share one scaffold
(for every repository: find the ref, add up its rules, report what is missing), so they are rows of a
table, :data:`REF_POLICIES`, each naming its ref and its judgement. Repository-wide rules only apply in
the stack that declares the repository (the owner stack); the other stack declares none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
    StackValidationPolicy,
)

from platform_facts import HOTFIX_BRANCHES, RELEASE_TAGS, REQUIRED_CHECKS
from policies.rules._props import (
    ADVISORY,
    GH_REPOSITORY,
    GH_VULNERABILITY_ALERTS,
    MANDATORY,
    config,
    get,
    is_true,
    of_type,
    refers_to,
    resource_policy,
    stack_policy,
)
from policies.rules.github_refs import RefRules, ref_rules, repo_target, uncovered

DEFAULT_REQUIRED_CHECKS = REQUIRED_CHECKS
"""The CI jobs of the app's ci.yml that every pull request into the default branch must pass (the
program's own list: the main ruleset requires exactly these)."""

# --- the ref policies, one row each ------------------------------------------------------------------

Judge = Callable[[RefRules, Any], list[str]]
"""What is wrong with a ref's effective rules (given the policy's args, for its config): one text each."""


@dataclass(frozen=True)
class RefPolicy:
    """One guardrail on one ref of every repository."""

    name: str
    """The policy's kebab-case name."""
    description: str
    """What the policy guarantees, as ``pulumi preview`` shows it."""
    judge: Judge
    """The problems of the ref's effective rules."""
    what: str
    """How a message names the ref: ``default branch``, ``branches``, ``release tags``."""
    uncovered_as: str = "default branch"
    """How the message about a ref no rule covers names it."""
    kind: Literal["branch", "tag"] = "branch"
    """Whether the ref is a branch or a tag (which rulesets and protections can cover it)."""
    pattern_key: Optional[str] = None
    """Config key of the ref pattern (hotfix, tags); None: the repository's default branch."""
    default_pattern: Optional[str] = None
    """The ref pattern when the config does not set ``pattern_key``."""
    joiner: str = "; "
    """How several problems of one ref are joined in the one message."""
    require_coverage: bool = True
    """An uncovered ref is itself a violation (False: only judge the rules that exist)."""
    enforcement_level: EnforcementLevel = MANDATORY
    """Mandatory, or advisory for a recommendation."""
    config_properties: Optional[dict] = None
    """JSON schema of the policy's config properties (None: no config)."""

    def validate(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        pattern = str(config(args, self.pattern_key, self.default_pattern)) if self.pattern_key else None
        for repo in of_type(args.resources, GH_REPOSITORY):
            target = repo_target(repo, args.resources, pattern, self.kind)
            rules = ref_rules(repo, args.resources, target)
            if not rules.sources and self.require_coverage:
                report_violation(uncovered(repo, target, self.uncovered_as), repo.urn)
                continue
            problems = self.judge(rules, args)
            if problems:
                shown = target.ref if pattern is None else pattern
                separator = ": " if pattern is None else " "
                message = f"{self.what} '{shown}'{separator}" + self.joiner.join(problems)
                report_violation(message, (rules.anchor or repo).urn)

    def policy(self) -> StackValidationPolicy:
        schema = PolicyConfigSchema(properties=self.config_properties) if self.config_properties else None
        return stack_policy(self.name, self.description, self.validate, level=self.enforcement_level, config=schema)


def _pull_request(rules: RefRules, args: Any) -> list[str]:
    min_approvals = float(config(args, "minApprovals", 1))
    problems = []
    if not rules.pull_request:
        problems.append("no pull request is required")
    elif rules.approvals < min_approvals:
        problems.append(f"{rules.approvals:g} approving review(s) required, policy needs at least {min_approvals:g}")
    if rules.pull_request and not rules.dismiss_stale:
        problems.append("stale reviews are not dismissed on new pushes")
    if rules.pull_request and bool(config(args, "requireLastPushApproval", True)) and not rules.last_push_approval:
        problems.append("the last push does not need approval from someone else")
    return problems


def _status_checks(rules: RefRules, args: Any) -> list[str]:
    wanted = [c for c in config(args, "requiredChecks", list(DEFAULT_REQUIRED_CHECKS)) if isinstance(c, str)]
    missing = [c for c in wanted if c not in rules.required_checks]
    problems = ["required status checks missing: " + ", ".join(missing)] if missing else []
    if not rules.strict_checks:
        problems.append("branches need not be up to date before merging (strict status checks off)")
    return problems


def _history(rules: RefRules, _args: Any) -> list[str]:
    return [text for blocked, text in ((rules.blocks_force_push, "force pushes are allowed"),
                                       (rules.blocks_deletion, "deletion is allowed")) if not blocked]


def _no_bypass(rules: RefRules, _args: Any) -> list[str]:
    if not rules.bypass_actors:
        return []
    return [f"{rules.bypass_actors} bypass actor(s) may skip its rules "
            "(administrators count when a branch protection does not enforce them)"]


def _hotfix(rules: RefRules, _args: Any) -> list[str]:
    return [] if rules.pull_request else ["can be pushed to without a pull request"]


def _release_tags(rules: RefRules, _args: Any) -> list[str]:
    return [text for blocked, text in ((rules.blocks_update, "can be moved (no 'update' rule)"),
                                       (rules.blocks_deletion, "can be deleted (no 'deletion' rule)")) if not blocked]


REF_POLICIES: tuple[RefPolicy, ...] = (
    RefPolicy(
        name="default-branch-requires-pull-request",
        description="The default branch of every repository is covered by an active ruleset or branch "
        "protection that requires a pull request with the configured number of approvals, dismisses "
        "stale reviews and requires approval of the last push.",
        judge=_pull_request,
        what="default branch",
        config_properties={
            "minApprovals": {"type": "integer", "minimum": 0, "maximum": 6, "default": 1},
            "requireLastPushApproval": {"type": "boolean", "default": True},
        },
    ),
    RefPolicy(
        name="default-branch-requires-status-checks",
        description="Pull requests into the default branch must pass the lint, test, build and "
        "security checks on a branch that is up to date (strict).",
        judge=_status_checks,
        what="default branch",
        config_properties={
            "requiredChecks": {"type": "array", "items": {"type": "string"}, "minItems": 1, "default": list(DEFAULT_REQUIRED_CHECKS)}
        },
    ),
    RefPolicy(
        name="default-branch-blocks-force-push-and-deletion",
        description="Force pushes to the default branch and its deletion are refused.",
        judge=_history,
        what="default branch",
    ),
    RefPolicy(
        name="default-branch-no-bypass-actors",
        description="Recommendation: nobody (administrators included) may bypass the default branch's rules.",
        judge=_no_bypass,
        what="default branch",
        require_coverage=False,
        enforcement_level=ADVISORY,
    ),
    RefPolicy(
        name="hotfix-branches-require-pull-request",
        description="Hotfix branches (refs/heads/hotfix/*) only change through pull requests.",
        judge=_hotfix,
        what="branches",
        uncovered_as="branch pattern",
        pattern_key="branchPattern",
        default_pattern=HOTFIX_BRANCHES,
        config_properties={"branchPattern": {"type": "string", "default": HOTFIX_BRANCHES}},
    ),
    RefPolicy(
        name="release-tags-protected",
        description="Release tags (refs/tags/v*) are covered by an active tag ruleset that forbids "
        "updating and deleting them.",
        judge=_release_tags,
        what="release tags",
        uncovered_as="release tags",
        kind="tag",
        pattern_key="tagPattern",
        default_pattern=RELEASE_TAGS,
        joiner=" and ",
        config_properties={"tagPattern": {"type": "string", "default": RELEASE_TAGS}},
    ),
)


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


# --- the policies ------------------------------------------------------------------------------------

POLICIES = [
    *(row.policy() for row in REF_POLICIES),
    resource_policy(
        "repository-secret-scanning",
        "Secret scanning and secret-scanning push protection are enabled on the repository.",
        validate_secret_scanning),
    stack_policy(
        "repository-vulnerability-alerts",
        "Vulnerability alerts are enabled for every repository (RepositoryVulnerabilityAlerts).",
        validate_vulnerability_alerts),
    resource_policy(
        "repository-deletion-guarded",
        "The repository is archived instead of deleted on destroy (archiveOnDestroy) or protected.",
        validate_repository_deletion_guard),
]
