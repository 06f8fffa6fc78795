"""GitHub guardrails on the production deployment environment: reviewers gate it, nobody approves
their own deployment or bypasses the gate, and it only deploys from main and release tags."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs, StackValidationArgs

from platform_facts import DEPLOY_BRANCH_PATTERNS, PRODUCTION, PRODUCTION_TAG_PATTERNS
from policies.rules._props import (
    GH_DEPLOYMENT_POLICY,
    GH_ENVIRONMENT,
    config,
    depends_on,
    get,
    is_true,
    items,
    of_type,
    peek,
    refers_to,
    resource_policy,
    stack_policy,
)


def validate_production_approval(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Production deployments wait for a reviewer who is not the person deploying, admins included."""
    if args.resource_type != GH_ENVIRONMENT:
        return
    name = config(args, "environmentName", PRODUCTION)
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
    name = config(args, "environmentName", PRODUCTION)
    allowed_branches = set(config(args, "allowedBranchPatterns", list(DEPLOY_BRANCH_PATTERNS)))
    allowed_tags = set(config(args, "allowedTagPatterns", list(PRODUCTION_TAG_PATTERNS)))
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


_APPROVAL_CONFIG = PolicyConfigSchema(
    properties={
        "environmentName": {"type": "string", "default": PRODUCTION},
        "minReviewers": {"type": "integer", "minimum": 1, "maximum": 6, "default": 1},
    }
)
_DEPLOY_REFS_CONFIG = PolicyConfigSchema(
    properties={
        "environmentName": {"type": "string", "default": PRODUCTION},
        "allowedBranchPatterns": {"type": "array", "items": {"type": "string"}, "default": list(DEPLOY_BRANCH_PATTERNS)},
        "allowedTagPatterns": {"type": "array", "items": {"type": "string"}, "default": list(PRODUCTION_TAG_PATTERNS)},
    }
)

POLICIES = [
    resource_policy(
        "production-environment-approval",
        "The production deployment environment requires reviewers, prevents self-review and does not let "
        "administrators bypass the approval.",
        validate_production_approval, config=_APPROVAL_CONFIG),
    stack_policy(
        "production-environment-deploy-refs",
        "The production deployment environment only accepts deployments from main and release tags.",
        validate_production_deploy_refs, config=_DEPLOY_REFS_CONFIG),
]
