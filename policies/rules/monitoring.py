"""Monitoring guardrails: Sentry projects keep their issue history and DSNs.

Deleting a Sentry project deletes its events and invalidates the DSN every deployed build reports
to, silently blinding monitoring; so every Sentry project is protected from deletion.
"""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from policies.rules._props import SENTRY_PROJECT, get, resource_policy


def validate_sentry_project_protected(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Every Sentry project has the protect resource option."""
    if args.resource_type != SENTRY_PROJECT:
        return
    if not args.opts.protect:
        label = get(args.props, "slug") or get(args.props, "name")
        report_violation(f"Sentry project '{label}' is not protected from deletion (protect option)", args.urn)


POLICIES = [
    resource_policy(
        "sentry-project-protected",
        "Every Sentry project is protected from deletion (protect resource option).",
        validate_sentry_project_protected),
]
