"""``workflow-secrets-declared``: every ``secrets.X`` and ``vars.X`` a committed job reads is declared
for the place the job reads it from. A job bound to an environment reads that environment's secrets
and variables plus the repository-level ones; a job without an environment reads only the
repository-level ones. A name declared nowhere is empty at run time, and deploy steps then fail late
(or, worse, run with an empty token).

Environments owned by another stack. The stacks split the declarations: the owner stack declares the
repository-level secrets and variables and its own environment (``production``), the other stack its
environment (``staging``) only. A stack therefore cannot see the declarations of an environment it
does not declare (no ``RepositoryEnvironment`` and no environment secret or variable for it here).
A job bound to such an environment is checked against the repository-level declarations plus the
names this stack declares for *any* of its environments: the environments share one contract of
names, so a name found in none of them is a typo or missing everywhere. A name only one environment
has (staging's Vercel protection bypass) is listed for it in the ``otherStacksDeclare`` config
(environment -> names), and then accepted only in a job bound to that environment. The stack that
declares the environment is the one that can check it exactly (when it commits the workflows too).

Not checked, on purpose: the built-in ``secrets.GITHUB_TOKEN``; organization-level secrets and
variables (list them in the ``declaredElsewhere`` config); files whose content is not known yet
during a preview.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Optional

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.rules._props import (
    GH_ACTIONS_SECRET,
    GH_ACTIONS_VARIABLE,
    GH_ENV_SECRET,
    GH_ENV_VARIABLE,
    GH_ENVIRONMENT,
    MANDATORY,
    config,
)
from policies.rules.workflow_files import (
    Context,
    Job,
    Reference,
    WorkflowError,
    committed_workflows,
    repository_key,
    same_repository,
    text_prop,
)

BUILTIN_SECRETS = frozenset({"GITHUB_TOKEN"})
"""Secrets GitHub provides to every run; no stack declares them."""


@dataclass(frozen=True)
class Declaration:
    """One secret or variable a stack declares."""

    repository: Optional[str]
    """Normalized repository name (None: not known yet)."""
    environment: Optional[str]
    """The environment it is declared for; None at repository level."""
    reference: Reference
    """The name, as a workflow reads it."""


@dataclass(frozen=True)
class Declarations:
    """Everything a stack declares that workflows read."""

    items: tuple[Declaration, ...]
    """Secrets and variables, repository-level and per environment."""
    environments: tuple[tuple[Optional[str], str], ...]
    """(repository, environment) pairs this stack declares."""
    elsewhere: frozenset[str]
    """Names declared outside any stack (organization level), from the policy config."""
    other_stacks: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Names another stack declares for an environment it owns, from the policy config."""

    def repository_level(self, repository: Optional[str]) -> set[Reference]:
        return {d.reference for d in self.items if d.environment is None and same_repository(d.repository, repository)}

    def for_environment(self, repository: Optional[str], environment: str) -> set[Reference]:
        return {d.reference for d in self.items if d.environment == environment and same_repository(d.repository, repository)}

    def for_any_environment(self, repository: Optional[str]) -> set[Reference]:
        return {d.reference for d in self.items if d.environment is not None and same_repository(d.repository, repository)}

    def environments_declaring(self, repository: Optional[str], reference: Reference) -> list[str]:
        return sorted(
            {d.environment for d in self.items if d.environment and d.reference == reference and same_repository(d.repository, repository)}
        )

    def declares_environment(self, repository: Optional[str], environment: str) -> bool:
        return any(env == environment and same_repository(repo, repository) for repo, env in self.environments)


_DECLARING_TYPES: dict[str, tuple[Context, str, bool]] = {
    GH_ACTIONS_SECRET: ("secrets", "secretName", False),
    GH_ACTIONS_VARIABLE: ("vars", "variableName", False),
    GH_ENV_SECRET: ("secrets", "secretName", True),
    GH_ENV_VARIABLE: ("vars", "variableName", True),
}
"""type token -> (context, name property, per environment)."""


def collect_declarations(
    resources: Iterable[PolicyResource],
    elsewhere: Iterable[str] = (),
    other_stacks: Mapping[str, Iterable[str]] | None = None,
) -> Declarations:
    """The secrets, variables and environments declared by ``resources`` (one stack)."""
    declared: list[Declaration] = []
    environments: list[tuple[Optional[str], str]] = []
    for resource in resources:
        repository = repository_key(resource)
        if resource.resource_type == GH_ENVIRONMENT:
            environment = text_prop(resource, "environment")
            if environment:
                environments.append((repository, environment))
            continue
        shape = _DECLARING_TYPES.get(resource.resource_type)
        if shape is None:
            continue
        context, name_key, per_environment = shape
        name = text_prop(resource, name_key)
        environment = text_prop(resource, "environment") if per_environment else None
        if name is None or (per_environment and environment is None):
            continue  # not known yet: it cannot satisfy (or contradict) anything
        declared.append(Declaration(repository, environment, Reference(context, name.upper())))
        if environment:
            environments.append((repository, environment))
    return Declarations(
        tuple(declared),
        tuple(environments),
        frozenset(n.upper() for n in elsewhere),
        {str(env): frozenset(str(n).upper() for n in names) for env, names in (other_stacks or {}).items()},
    )



def _job_problems(job: Job, repository: Optional[str], declared: Declarations) -> list[str]:
    """What one job reads that is not declared where it reads it, as messages."""
    label = f"job '{job.job_id}' of {job.workflow}"
    if job.environment_is_expression:
        return [
            f"{label} names its environment with an expression; bind it to a literal environment "
            "so the secrets and variables it reads can be checked"
        ]
    repo_level = declared.repository_level(repository)
    if job.environment is None:
        allowed, where = repo_level, "at repository level (the job has no environment)"
    elif declared.declares_environment(repository, job.environment):
        allowed = repo_level | declared.for_environment(repository, job.environment)
        where = f"for environment '{job.environment}' or at repository level"
    else:
        allowed = repo_level | declared.for_any_environment(repository)
        allowed |= {Reference(c, n) for n in declared.other_stacks.get(job.environment, ()) for c in ("secrets", "vars")}
        where = (
            f"at repository level or for any environment of this stack (environment '{job.environment}' "
            "is declared by another stack, and all environments share one set of names)"
        )
    problems: list[str] = []
    for reference in sorted(job.references):
        if reference.context == "secrets" and reference.name in BUILTIN_SECRETS:
            continue
        if reference in allowed or reference.name in declared.elsewhere:
            continue
        message = f"{label} reads {reference}, which this stack does not declare {where}"
        elsewhere = declared.environments_declaring(repository, reference)
        if elsewhere and job.environment not in elsewhere:
            message += f"; it is declared for environment(s) {', '.join(elsewhere)} only"
        problems.append(message)
    return problems


def validate_workflow_secrets_declared(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every secret and variable a committed workflow job reads is declared for that job."""
    declared = collect_declarations(
        args.resources, config(args, "declaredElsewhere", []), config(args, "otherStacksDeclare", {})
    )
    for workflow in committed_workflows(args.resources):
        if workflow.parsed is None:
            continue
        if isinstance(workflow.parsed, WorkflowError):
            report_violation(f"committed workflow cannot be checked: {workflow.parsed}", workflow.resource.urn)
            continue
        for job in workflow.parsed.jobs:
            for problem in _job_problems(job, workflow.repository, declared):
                report_violation(problem, workflow.resource.urn)



POLICY = StackValidationPolicy(
    name="workflow-secrets-declared",
    description="Every secrets.X and vars.X a committed workflow job reads is declared at repository "
    "level or for the environment the job runs in.",
    enforcement_level=MANDATORY,
    validate=validate_workflow_secrets_declared,
    config_schema=PolicyConfigSchema(
        properties={
            "declaredElsewhere": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Secret and variable names provided outside the stacks (organization level).",
            },
            "otherStacksDeclare": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "default": {},
                "description": "Environment -> secret and variable names that the stack owning that environment "
                "declares and no environment of this stack has (accepted only in jobs bound to it).",
            },
        }
    ),
)
