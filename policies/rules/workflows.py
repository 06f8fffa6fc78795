"""Workflow guardrails: the GitHub Actions workflows a stack commits (``RepositoryFile`` resources
whose ``file`` is ``.github/workflows/*.yml``) agree with what the same stack declares.

- ``required-checks-have-jobs``: every status check an active branch ruleset requires is the check
  name of a job, in a committed workflow of that repository that runs on pull requests. A required
  check that no job produces leaves every pull request pending forever.
- ``workflow-secrets-declared``: every ``secrets.X`` and ``vars.X`` a committed job reads is
  declared for the place the job reads it from. A job bound to an environment reads that
  environment's secrets and variables plus the repository-level ones; a job without an environment
  reads only the repository-level ones. A name declared nowhere is empty at run time, and deploy
  steps then fail late (or, worse, run with an empty token).

Environments owned by another stack. The stacks split the declarations: the owner stack declares the
repository-level secrets and variables and its own environment (``production``), the other stack its
environment (``staging``) only. A stack therefore cannot see the declarations of an environment it
does not declare (no ``RepositoryEnvironment`` and no environment secret or variable for it here).
A job bound to such an environment is checked against the repository-level declarations plus the
names this stack declares for *any* of its environments: the environments share one contract of
names, so a name found in none of them is a typo or missing everywhere. The stack that declares the
environment is the one that can check it exactly (when it commits the workflows too).

What is not checked, on purpose: the built-in ``secrets.GITHUB_TOKEN``; organization-level secrets
and variables (list them in the ``declaredElsewhere`` config); files whose content is not known yet
during a preview (skipped, and a ruleset whose repository has such a file is not judged); job
check names that GitHub derives (matrix jobs, names with expressions, reusable-workflow calls), which
never match a plain required check. Required checks that another GitHub App reports (an
``integrationId`` other than GitHub Actions') are not expected from a workflow.

The parsing helpers (:func:`parse_workflow`) are also what ``tests/workflows`` uses to check the
shipped templates against the secret contract.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Optional, Union

import yaml
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
    GH_RULESET,
    MANDATORY,
    UNKNOWN,
    config,
    items,
    number,
    of_type,
    peek,
    short,
)

GH_REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile"
"""Type token of a file committed to a repository."""
WORKFLOW_FILE = re.compile(r"\.github/workflows/[^/]+\.ya?ml")
"""Path (inside the repository) of a GitHub Actions workflow."""
GITHUB_ACTIONS_APP_ID = 15368
"""Integration id of the GitHub Actions app: a required check with this id (or none) comes from a job."""
BUILTIN_SECRETS = frozenset({"GITHUB_TOKEN"})
"""Secrets GitHub provides to every run; no stack declares them."""
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
"""Triggers whose runs report status checks on a pull request."""

Context = Literal["secrets", "vars"]
"""Expression context a workflow reads a declared name from."""

_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_REFERENCE = re.compile(
    r"\b(secrets|vars)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([^']+)'\s*\]|\[\s*\"([^\"]+)\"\s*\])"
)


class WorkflowError(ValueError):
    """A committed workflow file that is not a readable workflow; the message names the file."""


# --- parsing -------------------------------------------------------------------------------------


class _WorkflowLoader(yaml.SafeLoader):
    """A safe loader with YAML 1.2 booleans. PyYAML follows YAML 1.1, where the key ``on:`` (and
    ``yes``/``no``/``off``) is a boolean; GitHub reads it as the string ``on``."""


_WorkflowLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_WorkflowLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True, order=True)
class Reference:
    """One declared name a workflow reads: ``secrets.NAME`` or ``vars.NAME``."""

    context: Context
    """``secrets`` or ``vars``."""
    name: str
    """The name, upper-cased (GitHub secret and variable names are case-insensitive)."""

    def __str__(self) -> str:
        return f"{self.context}.{self.name}"


@dataclass(frozen=True)
class Job:
    """What the consistency checks need to know about one job of a workflow."""

    workflow: str
    """Path of the workflow file inside the repository."""
    job_id: str
    """The job's key under ``jobs:``."""
    check_name: Optional[str]
    """The status check name the job reports (its ``name``, else its id); None when GitHub derives
    it (a name with an expression, a matrix, a reusable-workflow call)."""
    environment: Optional[str]
    """The literal environment the job is bound to; None without one (or when dynamic)."""
    environment_is_expression: bool
    """True when the environment name is an expression, which no static check can resolve."""
    references: frozenset[Reference]
    """Every ``secrets.X``/``vars.X`` the job reads, including through workflow-level ``env``."""


@dataclass(frozen=True)
class Workflow:
    """A parsed workflow file."""

    path: str
    """Path of the file inside the repository."""
    triggers: frozenset[str]
    """The events under ``on:``."""
    jobs: tuple[Job, ...]
    """Its jobs, in file order."""

    @property
    def runs_on_pull_requests(self) -> bool:
        """True when its runs report status checks on pull requests."""
        return bool(self.triggers & PULL_REQUEST_EVENTS)


def _strings(value: Any) -> Iterator[tuple[Optional[str], str]]:
    """Every string inside a YAML value, keys included, each with the mapping key it sits under."""
    if isinstance(value, str):
        yield None, value
    elif isinstance(value, Mapping):
        for key, child in value.items():
            if isinstance(key, str):
                yield None, key
            for parent, text in _strings(child):
                yield (key if parent is None and isinstance(key, str) else parent), text
    elif isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        for child in value:
            yield from _strings(child)


def references_in(value: Any) -> frozenset[Reference]:
    """The ``secrets``/``vars`` names read by a YAML value: inside every ``${{ }}`` expression, and
    anywhere in an ``if:`` condition (GitHub evaluates those as expressions without the braces).
    Text outside expressions (a shell comment in ``run:``) reads nothing."""
    found: set[Reference] = set()
    for key, text in _strings(value):
        bodies = [text] if key == "if" else _EXPRESSION.findall(text)
        for body in bodies:
            for match in _REFERENCE.finditer(body):
                context = match.group(1)
                name = next(group for group in match.groups()[1:] if group)
                found.add(Reference(context, name.upper()))  # type: ignore[arg-type]
    return frozenset(found)


def _has_expression(text: str) -> bool:
    return "${{" in text


def _triggers(on: Any, path: str) -> frozenset[str]:
    if isinstance(on, str):
        return frozenset({on})
    if isinstance(on, list) and all(isinstance(event, str) for event in on):
        return frozenset(on)
    if isinstance(on, Mapping):
        return frozenset(str(event) for event in on)
    raise WorkflowError(f"{path}: `on:` must name the triggering events (a string, list or mapping)")


def _environment(job: Mapping[str, Any]) -> tuple[Optional[str], bool]:
    """The literal environment name of a job and whether it is an expression instead."""
    environment = job.get("environment")
    name = environment.get("name") if isinstance(environment, Mapping) else environment
    if name is None:
        return None, False
    if not isinstance(name, str):
        return None, True
    if _has_expression(name):
        return None, True
    return name, False


def _check_name(job_id: str, job: Mapping[str, Any]) -> Optional[str]:
    """The status check name of a job, or None where GitHub derives it from more than the name."""
    if "uses" in job:
        return None  # a reusable-workflow call reports "caller / callee" checks
    strategy = job.get("strategy")
    if isinstance(strategy, Mapping) and "matrix" in strategy:
        return None  # matrix jobs report "name (value, ...)"
    name = job.get("name", job_id)
    if not isinstance(name, str) or _has_expression(name):
        return None
    return name


def parse_workflow(text: str, path: str) -> Workflow:
    """Parse one workflow file. Raises :class:`WorkflowError` naming ``path`` when the text is not
    YAML or not shaped like a workflow (``on:`` and a ``jobs:`` mapping of mappings)."""
    try:
        document = yaml.load(text, Loader=_WorkflowLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        raise WorkflowError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(document, Mapping):
        raise WorkflowError(f"{path}: expected a mapping with `on:` and `jobs:`, got {type(document).__name__}")
    if "on" not in document:
        raise WorkflowError(f"{path}: no `on:` (the events that trigger the workflow)")
    jobs = document.get("jobs")
    if not isinstance(jobs, Mapping) or not jobs:
        raise WorkflowError(f"{path}: `jobs:` must be a non-empty mapping of job ids to jobs")
    # Workflow-level env (and the like) is evaluated in every job's context.
    shared = references_in({key: value for key, value in document.items() if key not in ("on", "jobs")})
    parsed: list[Job] = []
    for job_id, job in jobs.items():
        if not isinstance(job, Mapping):
            raise WorkflowError(f"{path}: job `{job_id}` must be a mapping")
        environment, dynamic = _environment(job)
        parsed.append(
            Job(
                workflow=path,
                job_id=str(job_id),
                check_name=_check_name(str(job_id), job),
                environment=environment,
                environment_is_expression=dynamic,
                references=shared | references_in(job),
            )
        )
    return Workflow(path=path, triggers=_triggers(document["on"], path), jobs=tuple(parsed))


# --- what the stack declares ---------------------------------------------------------------------


def _repository_key(resource: PolicyResource) -> Optional[str]:
    """The repository a resource belongs to, normalized (``owner/name`` and ``name`` compare equal);
    None when it is not known yet, which matches any repository."""
    value = peek(resource.props, "repository")
    if not isinstance(value, str) or not value:
        return None
    return value.rsplit("/", 1)[-1].lower()


def _same_repository(a: Optional[str], b: Optional[str]) -> bool:
    return a is None or b is None or a == b


def _text(resource: PolicyResource, key: str) -> Optional[str]:
    value = peek(resource.props, key)
    return value if isinstance(value, str) and value else None


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

    def repository_level(self, repository: Optional[str]) -> set[Reference]:
        return {d.reference for d in self.items if d.environment is None and _same_repository(d.repository, repository)}

    def for_environment(self, repository: Optional[str], environment: str) -> set[Reference]:
        return {d.reference for d in self.items if d.environment == environment and _same_repository(d.repository, repository)}

    def for_any_environment(self, repository: Optional[str]) -> set[Reference]:
        return {d.reference for d in self.items if d.environment is not None and _same_repository(d.repository, repository)}

    def environments_declaring(self, repository: Optional[str], reference: Reference) -> list[str]:
        return sorted(
            {d.environment for d in self.items if d.environment and d.reference == reference and _same_repository(d.repository, repository)}
        )

    def declares_environment(self, repository: Optional[str], environment: str) -> bool:
        return any(env == environment and _same_repository(repo, repository) for repo, env in self.environments)


_DECLARING_TYPES: dict[str, tuple[Context, str, bool]] = {
    GH_ACTIONS_SECRET: ("secrets", "secretName", False),
    GH_ACTIONS_VARIABLE: ("vars", "variableName", False),
    GH_ENV_SECRET: ("secrets", "secretName", True),
    GH_ENV_VARIABLE: ("vars", "variableName", True),
}
"""type token -> (context, name property, per environment)."""


def collect_declarations(resources: Iterable[PolicyResource], elsewhere: Iterable[str] = ()) -> Declarations:
    """The secrets, variables and environments declared by ``resources`` (one stack)."""
    declared: list[Declaration] = []
    environments: list[tuple[Optional[str], str]] = []
    for resource in resources:
        repository = _repository_key(resource)
        if resource.resource_type == GH_ENVIRONMENT:
            environment = _text(resource, "environment")
            if environment:
                environments.append((repository, environment))
            continue
        shape = _DECLARING_TYPES.get(resource.resource_type)
        if shape is None:
            continue
        context, name_key, per_environment = shape
        name = _text(resource, name_key)
        environment = _text(resource, "environment") if per_environment else None
        if name is None or (per_environment and environment is None):
            continue  # not known yet: it cannot satisfy (or contradict) anything
        declared.append(Declaration(repository, environment, Reference(context, name.upper())))
        if environment:
            environments.append((repository, environment))
    return Declarations(tuple(declared), tuple(environments), frozenset(n.upper() for n in elsewhere))


# --- committed workflow files ------------------------------------------------------------------


@dataclass(frozen=True)
class CommittedWorkflow:
    """A workflow file a stack commits, parsed when its content is known."""

    resource: PolicyResource
    """The ``RepositoryFile`` resource."""
    repository: Optional[str]
    """Normalized repository name (None: not known yet)."""
    path: str
    """Path inside the repository."""
    parsed: Union[Workflow, WorkflowError, None]
    """The workflow, the reason it does not parse, or None while its content is unknown."""


def committed_workflows(resources: Iterable[PolicyResource]) -> list[CommittedWorkflow]:
    """The stack's ``RepositoryFile`` resources under ``.github/workflows/``, parsed."""
    found: list[CommittedWorkflow] = []
    for resource in of_type(resources, GH_REPOSITORY_FILE):
        path = _text(resource, "file")
        if path is None or not WORKFLOW_FILE.fullmatch(path.lstrip("/")):
            continue
        content = peek(resource.props, "content")
        parsed: Union[Workflow, WorkflowError, None]
        if content is UNKNOWN or not isinstance(content, str):
            parsed = None
        else:
            try:
                parsed = parse_workflow(content, path)
            except WorkflowError as err:
                parsed = err
        found.append(CommittedWorkflow(resource, _repository_key(resource), path, parsed))
    return found


# --- required-checks-have-jobs -------------------------------------------------------------------


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
        repository = _repository_key(ruleset)
        mine = [w for w in workflows if _same_repository(w.repository, repository)]
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


# --- workflow-secrets-declared -------------------------------------------------------------------


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
    declared = collect_declarations(args.resources, config(args, "declaredElsewhere", []))
    for workflow in committed_workflows(args.resources):
        if workflow.parsed is None:
            continue
        if isinstance(workflow.parsed, WorkflowError):
            report_violation(f"committed workflow cannot be checked: {workflow.parsed}", workflow.resource.urn)
            continue
        for job in workflow.parsed.jobs:
            for problem in _job_problems(job, workflow.repository, declared):
                report_violation(problem, workflow.resource.urn)


POLICIES = [
    StackValidationPolicy(
        name="required-checks-have-jobs",
        description="Every status check an active branch ruleset requires is reported by a job of a "
        "committed workflow that runs on pull requests (a check no job produces blocks every pull request).",
        enforcement_level=MANDATORY,
        validate=validate_required_checks_have_jobs,
    ),
    StackValidationPolicy(
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
                }
            }
        ),
    ),
]
"""The workflow policies of the pack (collected by ``policies/registry.py``)."""
