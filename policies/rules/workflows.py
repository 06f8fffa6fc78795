"""Workflow guardrails: the GitHub Actions workflows a stack commits (``RepositoryFile`` resources
whose ``file`` is ``.github/workflows/*.yml``) agree with what the same stack declares.

One module per check, this one collects them for the pack (``policies/registry.py``):

- ``workflow_files``: the parser both policies and ``tests/workflows`` use.
- ``workflow_checks``: ``required-checks-have-jobs`` (a required status check no job reports blocks
  every pull request).
- ``workflow_secrets``: ``workflow-secrets-declared`` (every ``secrets.X``/``vars.X`` a job reads is
  declared where the job reads it).
"""

from __future__ import annotations

from policies.rules import workflow_checks, workflow_secrets
from policies.rules.workflow_checks import GITHUB_ACTIONS_APP_ID, validate_required_checks_have_jobs
from policies.rules.workflow_files import (
    GH_REPOSITORY_FILE,
    WORKFLOW_FILE,
    CommittedWorkflow,
    Job,
    Reference,
    Workflow,
    WorkflowError,
    _WorkflowLoader,  # noqa: F401 - the YAML 1.2 loader; tests imported it from here before the split
    committed_workflows,
    parse_workflow,
    references_in,
)
from policies.rules.workflow_secrets import (
    BUILTIN_SECRETS,
    Declaration,
    Declarations,
    collect_declarations,
    validate_workflow_secrets_declared,
)

__all__ = [
    "BUILTIN_SECRETS",
    "GH_REPOSITORY_FILE",
    "GITHUB_ACTIONS_APP_ID",
    "POLICIES",
    "WORKFLOW_FILE",
    "CommittedWorkflow",
    "Declaration",
    "Declarations",
    "Job",
    "Reference",
    "Workflow",
    "WorkflowError",
    "collect_declarations",
    "committed_workflows",
    "parse_workflow",
    "references_in",
    "validate_required_checks_have_jobs",
    "validate_workflow_secrets_declared",
]

POLICIES = [workflow_checks.POLICY, workflow_secrets.POLICY]
"""The workflow policies of the pack (collected by ``policies/registry.py``)."""
