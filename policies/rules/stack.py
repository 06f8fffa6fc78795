"""Stack-wide guardrails: each stack declares its own environment completely, exactly one stack owns
the repository-wide resources, and no stack points at another environment.

Which environment a stack is, and what the *other* environments' identifiers are, comes from the
policy config (``policies/config/<stack>.json``, passed as ``--policy-pack-config``): a policy sees
one stack's resources only, so the other environment's domain and names must be told. A test keeps
those lists equal to what the other stack's plan actually declares.

"Points at another environment" means, for any resource of the stack:
- an ``environment`` input naming another environment (GitHub environment, its secrets, variables,
  deployment policies, alert filters);
- a string input equal to another environment's domain, or a URL whose host is that domain;
- a string input equal to another environment's resource name (Vercel project, Sentry project slug);
- a Sentry DSN (a variable or secret whose name contains ``SENTRY_DSN``) not wired from a Sentry key of
  a Sentry project declared in this stack, and a Sentry key made for a project this stack does not declare.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from pulumi_policy import PolicyConfigSchema, PolicyResource, ReportViolation, StackValidationArgs

import platform_facts as facts
from policies.rules._props import (
    ENVIRONMENT_CONFIG,
    PROVIDER_PREFIX,
    STACK,
    config,
    depends_on,
    environment_schema,
    get,
    items,
    of_type,
    peek,
    short,
    stack_policy,
    walk_strings,
)

OWNER_ONLY_TYPES = [
    facts.GH_REPOSITORY,
    facts.GH_RULESET,
    facts.GH_BRANCH_PROTECTION,
    facts.GH_BRANCH_DEFAULT,
    facts.GH_VULNERABILITY_ALERTS,
    facts.GH_DEPENDABOT_UPDATES,
    facts.GH_ACTIONS_SECRET,
    facts.GH_ACTIONS_VARIABLE,
    facts.GH_REPOSITORY_FILE,
    facts.GH_BRANCH,
    facts.GH_PULL_REQUEST,
    facts.SENTRY_TEAM,
]
"""Repository-wide objects (and the shared Sentry team): declared by the owner stack only, so two
stacks never manage the same cloud object."""
DSN_MARKER = "SENTRY_DSN"
"""Variables and secrets whose name contains this carry a Sentry DSN."""


def _own_resources(args: StackValidationArgs) -> list[PolicyResource]:
    """The stack's resources without the stack itself and provider configurations."""
    return [r for r in args.resources if r.resource_type != STACK and not r.resource_type.startswith(PROVIDER_PREFIX)]


def validate_declares_environment(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Each stack declares its environment's GitHub environment, Vercel project and Sentry project."""
    environment = config(args, "environment", None)
    if environment is None:
        report_violation("policy config 'environment' is not set: say which environment this stack deploys", None)
        return
    github_envs = [e for e in of_type(args.resources, facts.GH_ENVIRONMENT) if peek(e.props, "environment") == environment]
    if not github_envs:
        report_violation(f"the stack declares no GitHub deployment environment named '{environment}'", None)
    if not of_type(args.resources, facts.VERCEL_PROJECT):
        report_violation(f"the stack declares no Vercel project for '{environment}'", None)
    if not of_type(args.resources, facts.SENTRY_PROJECT):
        report_violation(f"the stack declares no Sentry project for '{environment}'", None)


def validate_repository_ownership(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """The owner stack declares the repository exactly once; the other stacks declare no repository-wide object."""
    owns = bool(config(args, "ownsRepository", False))
    owner_only = set(config(args, "ownerOnlyTypes", OWNER_ONLY_TYPES))
    repositories = of_type(args.resources, facts.GH_REPOSITORY)
    if owns and len(repositories) != 1:
        report_violation(f"the owner stack must declare exactly one repository, it declares {len(repositories)}", None)
    if not owns:
        for resource in args.resources:
            if resource.resource_type in owner_only:
                report_violation(
                    f"{short(resource)} is shared by all environments and belongs to the owner stack only "
                    "(other stacks refer to such objects by name)",
                    resource.urn,
                )


def _host(value: str) -> str:
    """The lower-cased host of a URL or bare domain string ("" when it is neither, e.g. a file's
    content, which may legitimately mention every environment)."""
    if not value or any(c.isspace() for c in value):
        return ""
    if "://" in value:
        try:
            return (urlsplit(value).hostname or "").lower()
        except ValueError:
            return ""
    return value.strip().lower().rstrip(".")


def _dsn_carriers(resources: list[PolicyResource]) -> Iterator[tuple[PolicyResource, str]]:
    """(resource, variable name) of every variable or secret that carries a Sentry DSN."""
    name_keys = {
        facts.VERCEL_ENV_VAR: "key",
        facts.GH_ACTIONS_SECRET: "secretName",
        facts.GH_ACTIONS_VARIABLE: "variableName",
        facts.GH_ENV_SECRET: "secretName",
        facts.GH_ENV_VARIABLE: "variableName",
    }
    for resource in resources:
        key = name_keys.get(resource.resource_type)
        if key is not None:
            name = peek(resource.props, key)
            if isinstance(name, str) and DSN_MARKER in name.upper():
                yield resource, name
        elif resource.resource_type == facts.VERCEL_ENV_VARS:
            for var in items(get(resource.props, "variables")):
                name = peek(var, "key")
                if isinstance(name, str) and DSN_MARKER in name.upper():
                    yield resource, name


def _key_of_own_project(key: PolicyResource, projects: list[PolicyResource]) -> bool:
    """Whether Sentry key ``key`` belongs to one of ``projects`` (by dependency or by slug)."""
    wanted = peek(key.props, "project")
    for project in projects:
        if depends_on(key, project):
            return True
        slugs = {peek(project.props, "slug"), peek(project.props, "name")}
        if isinstance(wanted, str) and wanted in slugs:
            return True
    return False


def validate_environment_isolation(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """No resource of this environment points at another environment's domain, project or DSN."""
    environment = config(args, "environment", None)
    foreign_envs = {str(e) for e in config(args, "foreignEnvironments", [])} - {environment}
    foreign_domains = {str(d).lower() for d in config(args, "foreignDomains", [])}
    foreign_names = {str(n) for n in config(args, "foreignNames", [])}
    resources = _own_resources(args)

    for resource in resources:
        env = peek(resource.props, "environment")
        if isinstance(env, str) and env in foreign_envs:
            report_violation(f"{short(resource)} targets the '{env}' environment from the '{environment}' stack", resource.urn)
        for path, value in walk_strings(resource.props):
            if _host(value) in foreign_domains:
                report_violation(f"{short(resource)}: {path} points at '{_host(value)}', another environment's domain", resource.urn)
            elif value in foreign_names:
                report_violation(f"{short(resource)}: {path} names '{value}', another environment's resource", resource.urn)

    projects = of_type(resources, facts.SENTRY_PROJECT)
    own_keys = [k for k in of_type(resources, facts.SENTRY_KEY) if _key_of_own_project(k, projects)]
    for key in of_type(resources, facts.SENTRY_KEY):
        if key not in own_keys:
            report_violation(
                f"{short(key)} is a key of Sentry project '{peek(key.props, 'project')}', which this stack does not declare",
                key.urn,
            )
    for carrier, name in _dsn_carriers(resources):
        if not any(depends_on(carrier, key) for key in own_keys):
            report_violation(
                f"{short(carrier)}: {name} is not wired from a Sentry key of this stack's own Sentry project",
                carrier.urn,
            )



_OWNERSHIP_CONFIG = PolicyConfigSchema(
    properties={
        "ownsRepository": {"type": "boolean"},
        "ownerOnlyTypes": {"type": "array", "items": {"type": "string"}, "default": OWNER_ONLY_TYPES},
    },
    required=["ownsRepository"],
)
_ISOLATION_CONFIG = PolicyConfigSchema(
    properties={
        "environment": environment_schema(),
        "foreignEnvironments": {"type": "array", "items": {"type": "string"}, "default": []},
        "foreignDomains": {"type": "array", "items": {"type": "string"}, "default": []},
        "foreignNames": {"type": "array", "items": {"type": "string"}, "default": []},
    },
    required=["environment"],
)

POLICIES = [
    stack_policy(
        "stack-declares-environment",
        "Each stack declares its environment's GitHub deployment environment, Vercel project and Sentry project.",
        validate_declares_environment, config=ENVIRONMENT_CONFIG),
    stack_policy(
        "owner-stack-declares-repository",
        "Exactly one stack (the owner) declares the repository and the repository-wide resources; any other "
        "stack refers to them by name and declares none.",
        validate_repository_ownership, config=_OWNERSHIP_CONFIG),
    stack_policy(
        "environment-isolation",
        "No resource of one environment points at another environment's GitHub environment, domain, "
        "Vercel/Sentry project or Sentry DSN.",
        validate_environment_isolation, config=_ISOLATION_CONFIG),
]
