"""Shared helpers for the policy rules: type tokens (from ``platform_facts``), safe property access, resource linking,
policy config access and GitHub ref-pattern matching.

Policies see properties exactly as the engine hands them over: camelCase keys, numbers as floats,
secrets already unwrapped, and (during a preview) unknown values that raise
``pulumi_policy.proxy.UnknownValueError`` when read. Props are ``Mapping``/``Sequence`` proxies,
never plain ``dict``/``list``, so everything here checks the abstract types.

Two ways to read a value:
- :func:`get` lets an unknown value raise: the engine then reports "can't run policy during
  preview" as an advisory diagnostic instead of a wrong verdict. Use it for values a policy judges.
- :func:`peek` turns an unknown into :data:`UNKNOWN`: use it for linking resources, where "not known
  yet" must simply not match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Literal, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

# --- type tokens and environments: the program's own values (platform_facts), re-exported ------------
from platform_facts import (  # noqa: F401  (re-exported for the rule modules)
    ENVIRONMENTS, Environment,
    GH_ACTIONS_SECRET, GH_ACTIONS_VARIABLE, GH_BRANCH_DEFAULT, GH_BRANCH_PROTECTION, GH_DEPENDABOT_UPDATES,
    GH_DEPLOYMENT_POLICY, GH_ENV_SECRET, GH_ENV_VARIABLE, GH_ENVIRONMENT, GH_REPOSITORY, GH_RULESET,
    GH_VULNERABILITY_ALERTS,
    SENTRY_KEY, SENTRY_PROJECT, SENTRY_TEAM,
    VERCEL_DOMAIN, VERCEL_ENV_VAR, VERCEL_ENV_VARS, VERCEL_PROJECT,
)

STACK = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY


def _policy(kind: type, name: str, description: str, validate: Any, *, level: EnforcementLevel = MANDATORY,
            config: Optional[PolicyConfigSchema] = None) -> Any:
    return kind(name=name, description=description, enforcement_level=level, validate=validate, config_schema=config)


resource_policy: Callable[..., ResourceValidationPolicy] = partial(_policy, ResourceValidationPolicy)
"""``resource_policy(name, description, validate, level=MANDATORY, config=None)``: judges one resource."""
stack_policy: Callable[..., StackValidationPolicy] = partial(_policy, StackValidationPolicy)
"""``stack_policy(name, description, validate, level=MANDATORY, config=None)``: judges the whole stack."""

# --- values ----------------------------------------------------------------------------------------


class _Unknown:
    """Marker for a value the engine does not know yet (preview of a not-yet-created resource)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
_MISSING = object()


def get(props: Any, *path: str | int, default: Any = None) -> Any:
    """The value at ``path`` inside ``props``, or ``default`` where a key is missing, an index is out
    of range or a level is not a container. An unknown value raises ``UnknownValueError``."""
    value = props
    for key in path:
        if isinstance(key, int):
            if not is_list(value) or not -len(value) <= key < len(value):
                return default
        elif not isinstance(value, Mapping) or key not in value:
            return default
        value = value[key]
    return default if value is None else value


def peek(props: Any, *path: str | int, default: Any = None) -> Any:
    """Like :func:`get`, but an unknown value comes back as :data:`UNKNOWN` instead of raising."""
    try:
        return get(props, *path, default=default)
    except UnknownValueError:
        return UNKNOWN


def is_list(value: Any) -> bool:
    """True for a list-like value (lists and the engine's list proxies), false for strings."""
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def items(value: Any) -> list[Any]:
    """The elements of a list-like value (an unknown element comes back as :data:`UNKNOWN`);
    ``[]`` for None or anything else."""
    return [peek(value, i) for i in range(len(value))] if is_list(value) else []


def is_true(value: Any) -> bool:
    """True only for the boolean ``True`` (a missing or unknown value is not "on")."""
    return value is True


def number(value: Any) -> Optional[float]:
    """A number as float (the engine sends every number as a float), None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def walk_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every known string inside ``value`` with its dotted path; unknown values are skipped."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key in value:
            child = peek(value, key)
            if child is not UNKNOWN:
                yield from walk_strings(child, f"{path}.{key}" if path else str(key))
    elif is_list(value):
        for index in range(len(value)):
            child = peek(value, index)
            if child is not UNKNOWN:
                yield from walk_strings(child, f"{path}[{index}]")


# --- resources -------------------------------------------------------------------------------------


def of_type(resources: Iterable[PolicyResource], *types: str) -> list[PolicyResource]:
    """The resources whose type is one of ``types``, in stack order."""
    return [r for r in resources if r.resource_type in types]


def depends_on(resource: PolicyResource, target: PolicyResource) -> bool:
    """True when ``resource`` depends on ``target`` (directly or through one of its properties)."""
    if any(dep.urn == target.urn for dep in resource.dependencies or []):
        return True
    return any(dep.urn == target.urn for deps in (resource.property_dependencies or {}).values() for dep in deps)


def refers_to(resource: PolicyResource, key: str, target: PolicyResource, target_key: str) -> bool:
    """True when ``resource`` points at ``target``: it depends on it, or its input ``key`` equals the
    target's input ``target_key`` (a reference by name, e.g. the non-owner stack naming the repo)."""
    if depends_on(resource, target):
        return True
    mine, theirs = peek(resource.props, key), peek(target.props, target_key)
    return isinstance(mine, str) and mine == theirs and mine != ""


def short(resource: PolicyResource) -> str:
    """A short human label: ``Type 'name'``."""
    return f"{resource.resource_type.rsplit(':', 1)[-1]} '{resource.name}'"


# --- policy config ---------------------------------------------------------------------------------


def config(args: Any, key: str, default: Any) -> Any:
    """Policy config value ``key`` (from ``--policy-pack-config`` / ``policies/config/<stack>.json``),
    or ``default`` when not set. The engine fills schema defaults itself; this default only matters
    when a policy is called directly (tests)."""
    value = (args.get_config() or {}).get(key)
    return default if value is None else value


def environment_schema() -> dict[str, Any]:
    """JSON schema of the ``environment`` config property shared by environment-aware policies."""
    return {"type": "string", "enum": list(ENVIRONMENTS), "description": "The environment this stack deploys."}


ENVIRONMENT_CONFIG = PolicyConfigSchema(properties={"environment": environment_schema()}, required=["environment"])
"""The config of a policy that only needs to know which environment the stack is."""


# --- GitHub ref patterns -------------------------------------------------------------------------

DEFAULT_BRANCH_TOKEN = "~DEFAULT_BRANCH"
ALL_TOKEN = "~ALL"


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """GitHub ruleset/branch-protection patterns are fnmatch globs: ``*`` stays within one path
    segment, ``**`` crosses segments, ``?`` is one character, ``[...]`` a character class."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                out.append("[" + pattern[i + 1 : end].replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def pattern_matches(pattern: str, ref: str, default_ref: str) -> bool:
    """Whether the ruleset ref pattern ``pattern`` matches ``ref`` (a full ref such as
    ``refs/heads/main``, or itself a pattern such as ``refs/heads/hotfix/*``, taken literally)."""
    if pattern == ALL_TOKEN:
        return True
    if pattern == DEFAULT_BRANCH_TOKEN:
        return ref == default_ref
    return bool(_glob_regex(pattern).match(ref))


@dataclass(frozen=True)
class RefTarget:
    """What a coverage question is about."""

    ref: str
    """Full ref or ref pattern to be covered (``refs/heads/main``, ``refs/tags/v*``)."""
    default_ref: str
    """The repository's default branch as a full ref (for ``~DEFAULT_BRANCH``)."""
    kind: Literal["branch", "tag"]
    """Ruleset target the ref belongs to."""


def ruleset_covers(props: Any, target: RefTarget) -> bool:
    """True when an *active* ruleset of the right target includes ``target.ref`` and excludes none
    of it. Rulesets in ``evaluate`` or ``disabled`` enforcement enforce nothing."""
    if peek(props, "enforcement") != "active" or peek(props, "target") != target.kind:
        return False
    includes = [p for p in items(peek(props, "conditions", "refName", "includes")) if isinstance(p, str)]
    excludes = [p for p in items(peek(props, "conditions", "refName", "excludes")) if isinstance(p, str)]
    if not any(pattern_matches(p, target.ref, target.default_ref) for p in includes):
        return False
    # An exclude that matches the ref, or that the target pattern would match (it carves out part of
    # a pattern target, e.g. excluding refs/heads/hotfix/legacy from hotfix/*), breaks coverage.
    for exclude in excludes:
        if pattern_matches(exclude, target.ref, target.default_ref):
            return False
        if exclude.startswith("refs/") and _glob_regex(target.ref).match(exclude):
            return False
    return True


def branch_protection_covers(props: Any, target: RefTarget) -> bool:
    """True when a classic branch protection's ``pattern`` (a branch name glob) covers the ref."""
    pattern = peek(props, "pattern")
    if target.kind != "branch" or not isinstance(pattern, str):
        return False
    return pattern_matches("refs/heads/" + pattern, target.ref, target.default_ref)
