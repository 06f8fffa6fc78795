"""Hosting guardrails: every Vercel project gets the Sentry DSN, the production project cannot be
deleted, and staging is not publicly reachable.

Vercel's deployment protection (``vercelAuthentication``, ``passwordProtection``, ``trustedIps``)
takes a ``deploymentType``: ``all_deployments`` protects every URL; ``standard_protection`` and
``standard_protection_new`` protect everything *except the production custom domains*;
``only_preview_deployments`` protects preview deployments only; ``none`` nothing. A staging project's
pushes to ``main`` are its production deployments, so a custom domain without ``gitBranch`` (a
production domain) serves staging to anyone unless the type is ``all_deployments``.
"""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
)

import platform_facts as facts
from policies.rules._props import ENVIRONMENT_CONFIG, config, depends_on, get, items, of_type, peek
from policies.rules._props import resource_policy, stack_policy

PROTECTION_SETTINGS = ("vercelAuthentication", "passwordProtection", "trustedIps")
"""Project inputs that carry a deployment protection ``deploymentType``."""


def _variables_of(project: PolicyResource, resources: list[PolicyResource]) -> list[tuple[PolicyResource, object]]:
    """(resource, variable props) of every environment variable declared for ``project``, from both
    ``ProjectEnvironmentVariable`` and the plural ``ProjectEnvironmentVariables``. Linked by
    dependency: the ``projectId`` value is the project's id, unknown until it exists."""
    found: list[tuple[PolicyResource, object]] = []
    for var in of_type(resources, facts.VERCEL_ENV_VAR):
        if depends_on(var, project):
            found.append((var, var.props))
    for group in of_type(resources, facts.VERCEL_ENV_VARS):
        if depends_on(group, project):
            found.extend((group, v) for v in items(get(group.props, "variables")))
    return found


def validate_sentry_dsn_variable(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every Vercel project receives the Sentry DSN variable, so every build reports its errors."""
    key = str(config(args, "variableKey", facts.DSN_VARIABLE))
    targets = [str(t) for t in config(args, "requiredTargets", ["production"])]
    for project in of_type(args.resources, facts.VERCEL_PROJECT):
        dsn = [(res, var) for res, var in _variables_of(project, args.resources) if peek(var, "key") == key]
        if not dsn:
            report_violation(f"Vercel project '{get(project.props, 'name')}' has no {key} environment variable", project.urn)
            continue
        covered = {t for _, var in dsn for t in items(get(var, "targets")) if isinstance(t, str)}
        missing = [t for t in targets if t not in covered]
        if missing:
            report_violation(
                f"Vercel project '{get(project.props, 'name')}': {key} is not set for target(s) {', '.join(missing)}",
                dsn[0][0].urn,
            )


def validate_production_project_protected(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The production site cannot be deleted by a stray ``pulumi destroy`` or refactor."""
    if args.resource_type != facts.VERCEL_PROJECT or config(args, "environment", None) != facts.PRODUCTION:
        return
    if not args.opts.protect:
        report_violation(f"production Vercel project '{get(args.props, 'name')}' is not protected (protect option)", args.urn)


def _protection_types(project: PolicyResource) -> set[str]:
    """The deployment types of every protection the project sets."""
    types = set()
    for setting in PROTECTION_SETTINGS:
        kind = get(project.props, setting, "deploymentType")
        if isinstance(kind, str):
            types.add(kind)
    return types


def validate_staging_protection(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Staging is not publicly reachable: every URL of the staging project needs deployment protection."""
    if config(args, "environment", None) != "staging":
        return
    domains = of_type(args.resources, facts.VERCEL_DOMAIN)
    for project in of_type(args.resources, facts.VERCEL_PROJECT):
        name = get(project.props, "name")
        types = _protection_types(project)
        if facts.FULL_PROTECTION in types:
            continue
        if not types & set(facts.STANDARD_PROTECTIONS):
            shown = ", ".join(sorted(types)) or "none"
            report_violation(
                f"staging Vercel project '{name}' has deployment protection '{shown}': its deployments are "
                f"public (use '{facts.FULL_PROTECTION}')",
                project.urn,
            )
            continue
        # Standard protection leaves production custom domains public; staging's main deploys are
        # the project's production deployments.
        public = [
            get(d.props, "domain")
            for d in domains
            if depends_on(d, project) and not get(d.props, "gitBranch")
        ]
        if public:
            report_violation(
                f"staging Vercel project '{name}' uses standard protection, which leaves its production "
                f"domain(s) {', '.join(map(str, public))} public (use '{facts.FULL_PROTECTION}')",
                project.urn,
            )


_DSN_CONFIG = PolicyConfigSchema(
    properties={
        "variableKey": {"type": "string", "default": facts.DSN_VARIABLE},
        "requiredTargets": {
            "type": "array",
            "items": {"type": "string", "enum": ["production", "preview", "development"]},
            "default": ["production"],
        },
    }
)

POLICIES = [
    stack_policy(
        "vercel-project-sentry-dsn",
        "Every Vercel project receives the Sentry DSN variable (VITE_SENTRY_DSN) for production builds.",
        validate_sentry_dsn_variable, config=_DSN_CONFIG),
    resource_policy(
        "production-vercel-project-protected",
        "The production Vercel project is protected from deletion (protect resource option).",
        validate_production_project_protected, config=ENVIRONMENT_CONFIG),
    stack_policy(
        "staging-deployment-protection",
        "The staging site is not publicly reachable: its Vercel project protects all deployments, or standard "
        "protection with no production custom domain.",
        validate_staging_protection, config=ENVIRONMENT_CONFIG),
]
