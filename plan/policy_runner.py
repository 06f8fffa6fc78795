"""Run the CrossGuard policies offline against a plan document, the way the engine runs them.

What the engine does during ``pulumi preview --policy-pack policies --policy-pack-config F`` and this
module reproduces:
- policy config: schema defaults, then ``"all"`` (an enforcement level for every policy), then each
  policy's entry (a level string, or an object with ``enforcementLevel`` and properties); the result
  is validated against each policy's ``config_schema``. Numbers reach policies as floats.
  Stricter than the engine (which ignores them), an unknown policy name or property is an error, so
  a typo in a config file cannot switch a threshold off silently.
- resource policies get ``ResourceValidationArgs`` per resource; stack policies get one
  ``StackValidationArgs`` with ``PolicyResource`` objects linked to their parents and dependencies.
- props are camelCase, numbers are floats, secrets are plain values (here the plan's placeholder
  ``"[secret]"``), and unknown values are the engine's unknown sentinel behind the same proxy, so
  reading one raises ``UnknownValueError``; that becomes an advisory "can't run during preview"
  diagnostic, as in the engine.
- a policy marked ``disabled`` does not run; ``remediate`` is reported as mandatory.

One difference remains: in a real run, stack policies see each resource's *outputs* (its inputs plus
computed values such as ids), while the plan has inputs only; the policies therefore rely on inputs.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional

import jsonschema
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

SECRET_PLACEHOLDER = "[secret]"
UNKNOWN_PLACEHOLDER = "[unknown]"
STACK_TYPE = "pulumi:pulumi:Stack"
ALL_POLICIES = "all"
"""Config key that sets the enforcement level of every policy (as in the engine)."""

ReportedLevel = Literal["mandatory", "advisory"]


class PolicyConfigError(ValueError):
    """The policy config file is unreadable or does not fit the policies' config schemas."""


class PlanDocumentError(ValueError):
    """The plan document does not have the shape of ``python -m plan show --json``."""


class PolicyCrashError(RuntimeError):
    """A policy raised an exception: the pack is broken (the engine would fail the preview)."""


@dataclass(frozen=True)
class Violation:
    """One policy violation, as ``plan check --json`` prints it."""

    policy: str
    """Kebab-case policy name (``provider-schema`` for the schema check)."""
    urn: str
    """URN of the offending resource; the stack's URN for a stack-wide violation."""
    message: str
    """What is wrong, naming the values involved."""
    enforcement_level: ReportedLevel
    """``mandatory`` blocks the deployment, ``advisory`` only warns."""

    def to_json(self) -> dict[str, str]:
        return {"policy": self.policy, "urn": self.urn, "message": self.message, "enforcementLevel": self.enforcement_level}


@dataclass(frozen=True)
class PolicySetting:
    """The reconciled configuration of one policy."""

    enforcement_level: EnforcementLevel
    """Level the policy runs at (``disabled`` skips it)."""
    properties: Mapping[str, Any]
    """Config properties handed to the policy through ``args.get_config()``."""


@dataclass
class RunResult:
    """Outcome of running every policy against one plan."""

    violations: list[Violation] = field(default_factory=list)
    """Violations, in policy order then resource order."""
    not_applicable: list[tuple[str, str]] = field(default_factory=list)
    """(policy, reason) for policies that declared themselves not applicable."""
    policies_run: int = 0
    """Policies that ran (not disabled)."""
    resources: int = 0
    """Resources in the plan, the stack included."""


# --- policy config ---------------------------------------------------------------------------------


def read_policy_config(path: Path) -> dict[str, Any]:
    """The raw JSON of a policy config file (``{}`` for an empty file, as the engine allows)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyConfigError(f"cannot read policy config {path}: {err.strerror}") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise PolicyConfigError(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, dict):
        raise PolicyConfigError(f"{path}: expected a JSON object of policy name -> level or settings")
    return data


def _level(value: Any, where: str) -> EnforcementLevel:
    try:
        return EnforcementLevel(value)
    except ValueError:
        allowed = ", ".join(level.value for level in EnforcementLevel)
        raise PolicyConfigError(f"{where}: {value!r} is not an enforcement level (expected one of {allowed})") from None


def _schema_of(policy: Policy) -> dict[str, Any]:
    schema = policy.config_schema
    doc: dict[str, Any] = {"type": "object", "properties": dict(schema.properties) if schema else {}}
    if schema and schema.required:
        doc["required"] = list(schema.required)
    return doc


def reconcile_config(
    policies: Sequence[Policy],
    raw: Mapping[str, Any],
    source: str,
    pack_level: EnforcementLevel = EnforcementLevel.MANDATORY,
) -> dict[str, PolicySetting]:
    """The effective setting of every policy: defaults, then ``all``, then per-policy config,
    validated against each policy's config schema. ``source`` names the file in messages;
    ``pack_level`` is the level of a policy that sets none (the pack's ``enforcement_level``)."""
    known = {p.name: p for p in policies}
    problems: list[str] = []
    all_level: Optional[EnforcementLevel] = None
    given: dict[str, tuple[Optional[EnforcementLevel], dict[str, Any]]] = {}
    for name, value in raw.items():
        where = f"{source}: '{name}'"
        if name == ALL_POLICIES:
            all_level = _level(value if isinstance(value, str) else (value or {}).get("enforcementLevel"), where)
            continue
        if name not in known:
            problems.append(f"{where} is not a policy of the pack (known: {', '.join(sorted(known))})")
            continue
        if isinstance(value, str):
            given[name] = (_level(value, where), {})
        elif isinstance(value, dict):
            props = {k: v for k, v in value.items() if k != "enforcementLevel"}
            level = _level(value["enforcementLevel"], where) if "enforcementLevel" in value else None
            given[name] = (level, props)
        else:
            problems.append(f"{where}: expected an enforcement level string or an object")

    settings: dict[str, PolicySetting] = {}
    for policy in policies:
        schema = _schema_of(policy)
        props = {k: v["default"] for k, v in schema["properties"].items() if "default" in v}
        level = policy.enforcement_level or pack_level
        if all_level is not None:
            level = all_level
        if policy.name in given:
            own_level, own_props = given[policy.name]
            level = own_level or level
            unknown = sorted(set(own_props) - set(schema["properties"]))
            if unknown:
                allowed = ", ".join(sorted(schema["properties"])) or "none"
                problems.append(f"{source}: policy '{policy.name}' has no setting {', '.join(unknown)} (settings: {allowed})")
            props.update(own_props)
        for error in sorted(jsonschema.Draft7Validator(schema).iter_errors(props), key=lambda e: list(e.path)):
            path = ".".join(str(p) for p in error.path)
            problems.append(f"{source}: policy '{policy.name}'{' setting ' + path if path else ''}: {error.message}")
        settings[policy.name] = PolicySetting(level, _as_engine_values(props))
    if problems:
        raise PolicyConfigError("\n".join(problems))
    return settings


def _as_engine_values(value: Any) -> Any:
    """Numbers as floats, as they reach policies through the engine's protobuf Struct."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        return {k: _as_engine_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_engine_values(v) for v in value]
    return value


# --- plan -> policy arguments ----------------------------------------------------------------------


def _engine_props(inputs: Any) -> Any:
    """Plan inputs shaped as the engine hands them to policies (floats, unknown sentinels)."""
    if inputs == UNKNOWN_PLACEHOLDER:
        return UNKNOWN_STRING_VALUE
    if isinstance(inputs, Mapping):
        return {k: _engine_props(v) for k, v in inputs.items()}
    if isinstance(inputs, list):
        return [_engine_props(v) for v in inputs]
    return _as_engine_values(inputs)


def _type_and_name(urn: str) -> tuple[str, str]:
    """Type token and name from ``urn:pulumi:STACK::PROJECT::PARENT$TYPE::NAME``."""
    parts = urn.split("::")
    qualified = parts[2] if len(parts) > 3 else ""
    return qualified.rsplit("$", 1)[-1], parts[-1] if len(parts) > 3 else urn


@dataclass(frozen=True)
class PlanResources:
    """A plan's resources as policy arguments."""

    stack_urn: str
    """URN of the ``pulumi:pulumi:Stack`` resource (where stack-wide violations are reported)."""
    resources: list[PolicyResource]
    """Every resource in plan order, parents and dependencies linked."""
    providers: dict[str, Optional[PolicyProviderResource]]
    """Resource URN -> its provider, as resource policies see it."""


def _check_resource_shape(index: int, resource: Any) -> None:
    if not isinstance(resource, Mapping):
        raise PlanDocumentError(f"resources[{index}] is not an object")
    for key, kind in (("urn", str), ("type", str), ("name", str), ("inputs", Mapping)):
        if not isinstance(resource.get(key), kind):
            raise PlanDocumentError(f"resources[{index}].{key} is missing or not {'a string' if kind is str else 'an object'}")


def _provider_for(ref: Any, by_urn: Mapping[str, Mapping[str, Any]]) -> Optional[PolicyProviderResource]:
    """The provider a plan resource names: a provider reference is ``URN::ID`` or just the URN."""
    if not isinstance(ref, str) or not ref:
        return None
    urn = next((u for u in by_urn if ref == u or ref.startswith(u + "::")), ref)
    provider = by_urn.get(urn)
    type_, name = _type_and_name(urn)
    props = provider.get("inputs", {}) if provider else {}
    return PolicyProviderResource(type_, unknown_checking_proxy(_engine_props(props)), urn, name)


def plan_resources(plan: Mapping[str, Any]) -> PlanResources:
    """Build ``PolicyResource`` objects for every resource of a plan document."""
    raw = plan.get("resources") if isinstance(plan, Mapping) else None
    if not isinstance(raw, list):
        raise PlanDocumentError("the plan has no 'resources' list (expected the output of `plan show --json`)")
    for index, resource in enumerate(raw):
        _check_resource_shape(index, resource)
    by_urn = {r["urn"]: r for r in raw}
    built: dict[str, PolicyResource] = {}
    providers: dict[str, Optional[PolicyProviderResource]] = {}
    for r in raw:
        opts = PolicyResourceOptions(
            protect=bool(r.get("protect", False)),
            ignore_changes=list(r.get("ignoreChanges", []) or []),
            delete_before_replace=r.get("deleteBeforeReplace"),
            aliases=list(r.get("aliases", []) or []),
            custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
            additional_secret_outputs=list(r.get("additionalSecretOutputs", []) or []),
            parent=r.get("parent") or None,
        )
        provider = _provider_for(r.get("provider"), by_urn)
        providers[r["urn"]] = provider
        props = unknown_checking_proxy(_engine_props(r["inputs"]))
        built[r["urn"]] = PolicyResource(r["type"], props, r["urn"], r["name"], opts, provider, None, [], {})
    for r in raw:
        resource = built[r["urn"]]
        parent = r.get("parent")
        resource.parent = built.get(parent) if isinstance(parent, str) else None
        resource.dependencies = [built[d] for d in r.get("dependencies", []) or [] if d in built]
        resource.property_dependencies = {
            k: [built[d] for d in v if d in built] for k, v in (r.get("propertyDependencies") or {}).items()
        }
    stack_urn = next((r["urn"] for r in raw if r["type"] == STACK_TYPE), "")
    return PlanResources(stack_urn, list(built.values()), providers)


# --- running ---------------------------------------------------------------------------------------


def _reported(level: EnforcementLevel) -> ReportedLevel:
    return "advisory" if level == EnforcementLevel.ADVISORY else "mandatory"


def _call(policy: Policy, args: Any, report: Any, where: str, result: RunResult, stack_urn: str) -> None:
    """Run one validation like the engine: unknown values -> advisory diagnostic, not-applicable noted."""
    try:
        outcome = policy.validate(args, report)  # type: ignore[attr-defined]
        if inspect.isawaitable(outcome):
            asyncio.run(_await(outcome))
    except UnknownValueError as err:
        result.violations.append(
            Violation(policy.name, where or stack_urn, f"can't run policy during preview: {err.message}", "advisory")
        )
    except _NotApplicableError as err:
        result.not_applicable.append((policy.name, err.reason or ""))
    except Exception as err:  # noqa: BLE001 - any other exception means the pack itself is broken
        raise PolicyCrashError(f"policy '{policy.name}' raised {type(err).__name__}: {err} (on {where or 'the stack'})") from err


async def _await(awaitable: Any) -> None:
    await awaitable


def run_policies(
    plan: Mapping[str, Any], policies: Iterable[Policy], settings: Mapping[str, PolicySetting]
) -> RunResult:
    """Run every enabled policy against ``plan`` and collect the violations."""
    built = plan_resources(plan)
    result = RunResult(resources=len(built.resources))
    for policy in policies:
        setting = settings.get(policy.name) or PolicySetting(policy.enforcement_level or EnforcementLevel.MANDATORY, {})
        if setting.enforcement_level == EnforcementLevel.DISABLED:
            continue
        result.policies_run += 1
        level = _reported(setting.enforcement_level)

        def report(message: str, urn: Optional[str] = None, *, _policy: str = policy.name, _default: str = "") -> None:
            result.violations.append(Violation(_policy, urn or _default or built.stack_urn, message or "", level))

        if isinstance(policy, ResourceValidationPolicy):
            for resource in built.resources:
                args = ResourceValidationArgs(
                    resource.resource_type,
                    resource.props,
                    resource.urn,
                    resource.name,
                    resource.opts,
                    built.providers.get(resource.urn),
                    dict(setting.properties),
                )

                def report_on(message: str, urn: Optional[str] = None, *, _urn: str = resource.urn) -> None:
                    report(message, urn or _urn)

                _call(policy, args, report_on, resource.urn, result, built.stack_urn)
        elif isinstance(policy, StackValidationPolicy):
            args = StackValidationArgs(built.resources, dict(setting.properties))
            _call(policy, args, report, "", result, built.stack_urn)
    return result
