"""Monitoring guardrails: Sentry projects keep their issue history and DSNs.

Deleting a Sentry project deletes its events and invalidates the DSN every deployed build reports
to, silently blinding monitoring; so every Sentry project is protected from deletion.
"""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from policies.rules._props import MANDATORY, SENTRY_PROJECT, get


def validate_sentry_project_protected(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Every Sentry project has the protect resource option."""
    if args.resource_type != SENTRY_PROJECT:
        return
    if not args.opts.protect:
        label = get(args.props, "slug") or get(args.props, "name")
        report_violation(f"Sentry project '{label}' is not protected from deletion (protect option)", args.urn)


POLICIES = [
    ResourceValidationPolicy(
        name="sentry-project-protected",
        description="Every Sentry project is protected from deletion (protect resource option).",
        enforcement_level=MANDATORY,
        validate=validate_sentry_project_protected,
    ),
]
