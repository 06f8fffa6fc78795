"""``required-checks-have-jobs``: every status check an active branch ruleset requires is the check
name of a job, in a committed workflow of that repository that runs on pull requests. A required
check that no job produces leaves every pull request pending forever.

Not judged: a ruleset whose repository has a workflow whose content is not known yet (preview);
job check names that GitHub derives (matrix jobs, names with expressions, reusable-workflow calls),
which never match a plain required check; required checks that another GitHub App reports (an
``integrationId`` other than GitHub Actions').
"""

from __future__ import annotations

from pulumi_policy import PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy

from policies.rules._props import GH_RULESET, MANDATORY, items, number, of_type, peek, short
from policies.rules.workflow_files import Workflow, WorkflowError, committed_workflows, repository_key, same_repository

GITHUB_ACTIONS_APP_ID = 15368
"""Integration id of the GitHub Actions app: a required check with this id (or none) comes from a job."""


def _required_contexts(ruleset: PolicyResource) -> list[str]:
    """The required status checks of a ruleset that a GitHub Actions job must report."""
    contexts: list[str] = []
    for check in items(peek(ruleset.props, "rules", "requiredStatusChecks", "requiredChecks")):
        context = peek(check, "context")
        integration = number(peek(check, "integrationId"))
        if not isinstance(context, str) or not context:
            continue
        if integration is not None and integration != GITHUB_ACTIONS_APP_ID:
            continue  # another GitHub App reports it
        contexts.append(context)
    return contexts


def validate_required_checks_have_jobs(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every required check of an active branch ruleset is produced by a pull-request workflow job."""
    workflows = committed_workflows(args.resources)
    for ruleset in of_type(args.resources, GH_RULESET):
        props = ruleset.props
        if peek(props, "enforcement") != "active" or peek(props, "target") not in ("branch", None):
            continue  # only an active branch ruleset blocks pull requests
        repository = repository_key(ruleset)
        mine = [w for w in workflows if same_repository(w.repository, repository)]
        if not mine or any(w.parsed is None for w in mine):
            continue  # nothing committed here to compare with, or not knowable yet
        produced = {
            job.check_name: w.path
            for w in mine
            if isinstance(w.parsed, Workflow) and w.parsed.runs_on_pull_requests
            for job in w.parsed.jobs
            if job.check_name
        }
        broken = [f"{w.path} ({w.parsed})" for w in mine if isinstance(w.parsed, WorkflowError)]
        for context in _required_contexts(ruleset):
            if context in produced:
                continue
            message = (
                f"{short(ruleset)} requires the status check '{context}', but no job of the committed "
                f"workflows that run on pull requests ({', '.join(sorted(w.path for w in mine))}) is "
                f"named '{context}': every pull request would wait for it forever. "
                f"Checks the workflows do report: {', '.join(sorted(produced)) or 'none'}."
            )
            if broken:
                message += f" Unreadable workflows: {'; '.join(broken)}."
            report_violation(message, ruleset.urn)



POLICY = StackValidationPolicy(
    name="required-checks-have-jobs",
    description="Every status check an active branch ruleset requires is reported by a job of a "
    "committed workflow that runs on pull requests (a check no job produces blocks every pull request).",
    enforcement_level=MANDATORY,
    validate=validate_required_checks_have_jobs,
)
