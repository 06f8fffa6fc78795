"""Reading GitHub Actions workflows: the parser the workflow policies and ``tests/workflows`` share.

A workflow is parsed the way GitHub reads it (YAML 1.2 booleans, so ``on:`` stays a key) into the
few facts the checks need: triggers, and per job its status-check name, its environment and every
``secrets.X``/``vars.X`` it reads. :func:`committed_workflows` finds the workflow files a stack
commits (``RepositoryFile`` resources under ``.github/workflows/``) and parses them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Optional, Union

import yaml
from pulumi_policy import PolicyResource

from platform_facts import GH_REPOSITORY_FILE
from policies.rules._props import UNKNOWN, of_type, peek

WORKFLOW_FILE = re.compile(r"\.github/workflows/[^/]+\.ya?ml")
"""Path (inside the repository) of a GitHub Actions workflow."""
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


# --- committed workflow files ------------------------------------------------------------------


def repository_key(resource: PolicyResource) -> Optional[str]:
    """The repository a resource belongs to, normalized (``owner/name`` and ``name`` compare equal);
    None when it is not known yet, which matches any repository."""
    value = peek(resource.props, "repository")
    if not isinstance(value, str) or not value:
        return None
    return value.rsplit("/", 1)[-1].lower()


def same_repository(a: Optional[str], b: Optional[str]) -> bool:
    """True when two normalized repository names may be the same repository."""
    return a is None or b is None or a == b


def text_prop(resource: PolicyResource, key: str) -> Optional[str]:
    """A non-empty string property, else None."""
    value = peek(resource.props, key)
    return value if isinstance(value, str) and value else None


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
        path = text_prop(resource, "file")
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
        found.append(CommittedWorkflow(resource, repository_key(resource), path, parsed))
    return found
