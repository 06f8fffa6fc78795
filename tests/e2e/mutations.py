"""Deliberately broken variants of the real program, for policy parity (test_policy_parity.py).

Each mutation is a stack transformation applied to the real `__main__.py`: it changes one guardrail
of one resource (an input, or the `protect` option), the way a careless edit of a component would.
The same mutated program runs under the plan's mocks (`plan check --plan-file`) and under the real
engine with the pack; both must report the same violations.

The work folder's `__main__.py` is `WRAPPER` (below): it applies the mutation named by the
environment variable `MUTATION_ENV`, then runs the program saved as `program.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

MUTATION_ENV = "WEBAPP_PLATFORM_E2E_MUTATION"

WRAPPER = '''"""Test-only entry point (tests/e2e/mutations.py): one mutation, then the real program."""
import os, runpy, sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
name = os.environ.get("{env}")
if name:
    sys.path.insert(0, {tests!r})
    from mutations import apply
    apply(name)
runpy.run_path(str(HERE / "program.py"), run_name="__main__")
'''


@dataclass(frozen=True)
class Edit:
    """One change to the resource of this type (token suffix) and logical name."""

    type_suffix: str
    name: str
    path: str = ""
    """Dotted input path (Python names) to set; empty for an option-only edit."""
    value: Any = None
    protect: Optional[bool] = None


@dataclass(frozen=True)
class Mutation:
    """A broken variant: the stack it applies to, the policy group it breaks, its edits."""

    stack: str
    group: str
    edits: tuple[Edit, ...]
    why: str


DEPLOY_YML = "managed-files-file-github-workflows-deploy-yml"
MUTATIONS: dict[str, Mutation] = {
    "main-approvals-zero": Mutation("production", "github", (
        Edit(":RepositoryRuleset", "rulesets-main", "rules.pull_request.required_approving_review_count", 0),
    ), "main ruleset weakened: no approval needed"),
    "main-no-status-checks": Mutation("production", "github", (
        Edit(":RepositoryRuleset", "rulesets-main", "rules.required_status_checks", None),
    ), "main ruleset without required checks"),
    "main-force-push": Mutation("production", "github", (
        Edit(":RepositoryRuleset", "rulesets-main", "rules.non_fast_forward", False),
    ), "force pushes to main allowed"),
    "hotfix-no-pull-request": Mutation("production", "github", (
        Edit(":RepositoryRuleset", "rulesets-hotfix", "rules.pull_request", None),
    ), "hotfix branches without pull requests"),
    "release-tags-movable": Mutation("production", "github", (
        Edit(":RepositoryRuleset", "rulesets-release-tags", "rules.update", False),
    ), "release tags may be moved"),
    "secret-scanning-off": Mutation("production", "github", (
        Edit(":Repository", "repository-repository", "security_and_analysis.secret_scanning.status", "disabled"),
    ), "secret scanning disabled"),
    "reviewers-removed": Mutation("production", "github", (
        Edit(":RepositoryEnvironment", "environment-environment", "reviewers", None),
    ), "production deploys without reviewers"),
    "dsn-not-wired": Mutation("staging", "hosting", (
        Edit(":ProjectEnvironmentVariable", "site-env-vite-sentry-dsn", "key", "VITE_SENTRY_DSN_UNUSED"),
    ), "the app's DSN variable renamed: the build gets none"),
    "staging-unprotected": Mutation("staging", "hosting", (
        Edit(":Project", "site-project", "vercel_authentication.deployment_type", "none"),
    ), "staging previews public"),
    "production-project-unprotected": Mutation("production", "hosting", (
        Edit(":Project", "site-project", protect=False),
    ), "production Vercel project deletable"),
    "sentry-project-unprotected": Mutation("staging", "monitoring", (
        Edit(":SentryProject", "monitoring-project", protect=False),
    ), "Sentry project deletable"),
    "isolation-broken": Mutation("staging", "stack", (
        Edit(":ProjectEnvironmentVariable", "site-env-vite-api-url", "value", "https://api.example.com"),
    ), "staging calls production's API"),
    "workflow-secret-undeclared": Mutation("production", "workflows", (
        Edit(":RepositoryFile", DEPLOY_YML, "content",
             "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-24.04\n    steps:\n"
             "      - run: echo ${{ secrets.NEVER_DECLARED }}\n"),
    ), "a workflow reads a secret nobody declares"),
    "image-latest-tag": Mutation("staging", "image", (
        Edit(":Image", "web-image", "tags", ["ghcr.io/example-org/my-app-web:latest"]),
    ), "image pushed as :latest"),
    "k8s-privileged": Mutation("production-kubernetes", "kubernetes", (
        Edit(":Deployment", "kubernetes-deployment",
             "spec.template.spec.containers.0.security_context.allow_privilege_escalation", True),
    ), "Kubernetes container may escalate privileges"),
}


def _child(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, obj.get(_camel(key)))
    if isinstance(obj, list):
        return obj[int(key)]
    return getattr(obj, key)


def _assign(obj: Any, key: str, value: Any) -> None:
    if isinstance(obj, dict):
        obj[_camel(key) if _camel(key) in obj else key] = value
    elif isinstance(obj, list):
        obj[int(key)] = value
    else:
        setattr(obj, key, value)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _set_path(props: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target: Any = props
    for key in parents:
        target = _child(target, key)
        if target is None:
            raise KeyError(f"mutation path {path}: {key} is not set")
    _assign(target, last, value)


def transformation(mutation: Mutation) -> Callable:
    import pulumi

    def transform(args: "pulumi.ResourceTransformationArgs"):
        edits = [e for e in mutation.edits if args.type_.endswith(e.type_suffix) and args.name == e.name]
        if not edits:
            return None
        props, opts = dict(args.props), args.opts
        for edit in edits:
            if edit.path:
                _set_path(props, edit.path, edit.value)
            if edit.protect is not None:
                opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=edit.protect))
        return pulumi.ResourceTransformationResult(props, opts)

    return transform


def apply(name: str) -> None:
    """Register the named mutation for the program about to run (unknown names fail loudly)."""
    import pulumi

    pulumi.runtime.register_stack_transformation(transformation(MUTATIONS[name]))
