"""Check every resource's inputs in an offline plan against its provider's published Pulumi schema.

Mocks accept any input, so a misspelt nested key, a string where the provider wants an integer or a
missing required input would only fail at `pulumi preview`. This module reports them offline as
violations of the mandatory `provider-schema` policy:

- an unknown property at any depth (with its JSON path and the nearest valid names),
- a missing required input (`requiredInputs` of the resource, `required` of nested object types),
- a wrong type (primitive types, arrays, maps, `$ref` object and enum types, `oneOf`, `const`).

Plan values `"[secret]"` and `"[unknown]"` are not type-checked at any depth (their keys still are).
Dynamic-provider resources and StackReferences are listed as not schema-checked, with the reason; a
resource of any other package without a loaded schema is a violation (a pinned package without a
schema is refused when loading, see plan/schema_load.py).

Usage: `load_schemas(dir, read_pins(requirements_txt))` once, then `check_plan(plan, schemas)` per plan.
Standalone: `python -m plan.schema_check PLAN.json [--schemas DIR] [--requirements FILE] [--json]`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from plan.schema_load import (
    DEFAULT_SCHEMAS_DIR,
    EnumType,
    ObjectType,
    PackageSchema,
    SchemaError,
    SchemaSet,
    load_schemas,
    read_pins,
)

__all__ = [
    "DEFAULT_SCHEMAS_DIR",
    "POLICY_NAME",
    "SchemaError",
    "SchemaReport",
    "SchemaSet",
    "check_plan",
    "classify",
    "format_text",
    "load_schemas",
    "read_pins",
]

POLICY_NAME = "provider-schema"
# What the plan puts where a value is secret or not known until deployment.
PLACEHOLDERS: frozenset[str] = frozenset({"[secret]", "[unknown]"})
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
# Inputs the engine itself adds to explicit provider resources; no provider schema lists them.
PROVIDER_ENGINE_INPUTS: frozenset[str] = frozenset({"version", "pluginDownloadURL", "pluginChecksums"})
# Python types that satisfy each primitive schema type (bool is an int in Python: excluded below).
PRIMITIVE_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}
_LOCAL_TYPE_REF = "#/types/"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_LISTED_NAMES = 12  # when nothing is close to a misspelt name, list at most this many valid ones

ResourceKind = Literal["stack", "component", "dynamic", "stack-reference", "provider", "custom"]
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
UNCHECKED_REASONS: Mapping[str, str] = {
    "dynamic": "dynamic provider: the program's own provider class defines its inputs; no package schema describes them",
    "stack-reference": "StackReference: a read of another stack's outputs through the engine's builtin "
    "provider, which publishes no package schema",
}
"""The only resources not schema-checked, and why."""


@dataclass
class SchemaReport:
    """Result of checking one plan."""

    violations: list[dict[str, str]] = field(default_factory=list)  # {"policy","urn","message","enforcementLevel"}
    unchecked: list[dict[str, str]] = field(default_factory=list)  # {"type","reason"}, one per resource type
    resources_checked: int = 0  # resources (including explicit providers) validated against a schema
    properties_checked: int = 0  # object properties and map entries validated, at every depth
    deprecated: list[dict[str, str]] = field(default_factory=list)  # {"urn","path","message"}: fine, but noted

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return asdict(self)


def classify(token: str, project: str, component_packages: frozenset[str] | None = None) -> tuple[ResourceKind, str]:
    """(kind, schema package) of a resource type token.

    `pulumi:providers:github` -> ("provider", "github"); `github:index/repository:Repository` ->
    ("custom", "github"); `pulumi-python:dynamic/sentry:Alert` -> ("dynamic", "pulumi-python");
    the project's own component types (`webapp-platform:...`) -> ("component", project).
    """
    if token == STACK_TYPE:
        return "stack", "pulumi"
    if token == STACK_REFERENCE_TYPE:
        return "stack-reference", "pulumi"
    if token.startswith(PROVIDER_TYPE_PREFIX):
        return "provider", token[len(PROVIDER_TYPE_PREFIX):]
    package, _, rest = token.partition(":")
    if package in (component_packages if component_packages is not None else frozenset({project})):
        return "component", package
    if rest.startswith("dynamic"):  # pulumi-python:dynamic:Resource, pulumi-nodejs:dynamic/x:Y
        return "dynamic", package
    return "custom", package


def check_plan(
    plan: Mapping[str, Any], schemas: SchemaSet, *, component_packages: frozenset[str] | None = None
) -> SchemaReport:
    """Validate every provider resource's inputs in `plan` (the `plan show --json` document).

    `component_packages` are the type-token packages of the program's own components, skipped
    silently (default: the plan's project name).
    """
    report = SchemaReport()
    unchecked: dict[str, str] = {}  # type -> reason, in first-seen order
    project = str(plan.get("project", ""))
    for resource in plan.get("resources", []):
        token = str(resource.get("type", ""))
        kind, package_name = classify(token, project, component_packages)
        if kind in ("stack", "component"):
            continue
        if kind in UNCHECKED_REASONS:
            unchecked.setdefault(token, UNCHECKED_REASONS[kind])
            continue
        package = schemas.packages.get(package_name)
        if package is None:  # load_schemas refuses a pinned package without schema: this one is not pinned
            report.violations.append(_violation(str(resource.get("urn", "")), f"{token}: {schemas.missing_reason(package_name)}; "
                                                "pin its SDK exactly and vendor its schema (provider-schemas/README.md)"))
            continue
        _check_resource(resource, kind, package, report)
    report.unchecked = [{"type": token, "reason": reason} for token, reason in unchecked.items()]
    return report


def _check_resource(resource: Mapping[str, Any], kind: ResourceKind, package: PackageSchema, report: SchemaReport) -> None:
    """Validate one custom or provider resource and add its findings to `report`."""
    token = str(resource.get("type", ""))
    urn = str(resource.get("urn", ""))
    label = f'{token} "{resource.get("name") or urn.rsplit("::", 1)[-1]}"'
    if kind == "provider":
        shape, noun = package.provider, f"an input of the {package.name} provider"
    elif token in package.resources:
        shape, noun = package.resources[token], f"an input of {package.resources[token].name}"
    else:
        report.violations.append(_violation(urn, f"{label}: {token} is not a resource type of "
                                                 f"{package.name}@{package.version}{_hint(token, package.resources)}"))
        return
    checker = _Checker(package=package, provider_inputs=kind == "provider")
    inputs = resource.get("inputs") or {}
    if not isinstance(inputs, dict):
        checker.problems.append(f"inputs: expected object, got {_describe(inputs)}")
    else:
        checker.check_object(inputs, shape, "inputs", noun=noun, top_level=True)
    report.resources_checked += 1
    report.properties_checked += checker.properties
    report.violations.extend(_violation(urn, f"{label}: {problem}") for problem in checker.problems)
    report.deprecated.extend({"urn": urn, "path": path, "message": message} for path, message in checker.deprecated)


def _violation(urn: str, message: str) -> dict[str, str]:
    """A mandatory provider-schema violation in the shared policy-violation shape."""
    return {"policy": POLICY_NAME, "urn": urn, "message": message, "enforcementLevel": "mandatory"}


@dataclass
class _Checker:
    """Walks one resource's inputs against its schema, collecting problems as messages."""

    package: PackageSchema  # resolves `#/types/...` references
    provider_inputs: bool  # explicit provider: the SDK JSON-encodes every non-string input
    problems: list[str] = field(default_factory=list)  # "<path>: <what is wrong>"
    deprecated: list[tuple[str, str]] = field(default_factory=list)  # (path, deprecation message)
    properties: int = 0  # properties and map entries visited

    def check_object(self, value: Mapping[str, Any], shape: ObjectType, path: str, *, noun: str, top_level: bool = False) -> None:
        """Unknown keys, missing required keys and each known key's value."""
        for key, item in value.items():
            if top_level and (key.startswith("__") or (self.provider_inputs and key in PROVIDER_ENGINE_INPUTS)):
                continue  # engine/SDK metadata such as __defaults, not a user input
            self.properties += 1
            item_path = _join(path, key)
            spec = shape.properties.get(key)
            if spec is None:
                self.problems.append(f"{item_path} is not {noun}{_hint(key, shape.properties)}")
                continue
            if item is not None and "deprecationMessage" in spec:
                self.deprecated.append((item_path, str(spec["deprecationMessage"])))
            if top_level and self.provider_inputs:
                item = self._decode_provider_input(item, spec)
            self.check_value(item, spec, item_path)
        for key in sorted(shape.required):
            if value.get(key) is None:
                where = f"a required input of {shape.name}" if top_level else f"required in {shape.name}"
                self.problems.append(f"{_join(path, key)} is {where} but is not set")

    def check_value(self, value: Any, spec: Mapping[str, Any], path: str) -> None:
        """Check one value against a property or item type spec."""
        if value is None or (isinstance(value, str) and value in PLACEHOLDERS):
            return  # absent, secret or unknown: nothing to type-check
        if "$ref" in spec:
            self._check_ref(value, str(spec["$ref"]), path)
        elif "oneOf" in spec:
            self._check_one_of(value, spec["oneOf"], path)
        else:
            self._check_typed(value, spec, path)

    def _check_typed(self, value: Any, spec: Mapping[str, Any], path: str) -> None:
        """A spec with a plain `type` (or none, which accepts anything)."""
        kind = spec.get("type")
        if kind is None:
            return
        if kind == "array":
            if not isinstance(value, list):
                self.problems.append(f"{path}: expected array, got {_describe(value)}")
                return
            items = spec.get("items") or {}
            for index, item in enumerate(value):
                self.check_value(item, items, f"{path}[{index}]")
        elif kind == "object":
            self._check_map(value, spec, path)
        elif not _is_primitive(value, kind):
            self.problems.append(f"{path}: expected {kind}, got {_describe(value)}")
        elif "const" in spec and value != spec["const"]:
            self.problems.append(f"{path}: must be {json.dumps(spec['const'])}, got {_describe(value)}")

    def _check_map(self, value: Any, spec: Mapping[str, Any], path: str) -> None:
        """`type: object`: a map (`additionalProperties`), or an inline object with `properties`."""
        if not isinstance(value, dict):
            self.problems.append(f"{path}: expected object, got {_describe(value)}")
            return
        if isinstance(spec.get("properties"), dict):
            inline = ObjectType(token=path, name=path, properties=spec["properties"],
                                required=frozenset(spec.get("required") or ()))
            self.check_object(value, inline, path, noun="a property of this object")
            return
        entries = spec.get("additionalProperties") or {}
        for key, item in value.items():
            self.properties += 1
            self.check_value(item, entries, _join(path, key))

    def _check_ref(self, value: Any, ref: str, path: str) -> None:
        """A `$ref`: local object or enum types are checked; builtins and other packages accept anything."""
        if not ref.startswith(_LOCAL_TYPE_REF):
            return  # pulumi.json#/Any|Archive|Asset|Json, #/resources/..., another package's schema
        target = self.package.resolve(ref)
        if target is None:
            return  # a dangling reference is the vendor schema's bug, not the plan's
        if isinstance(target, EnumType):
            self._check_enum(value, target, path)
        elif not isinstance(value, dict):
            self.problems.append(f"{path}: expected object ({target.name}), got {_describe(value)}")
        else:
            self.check_object(value, target, path, noun=f"a property of {target.name}")

    def _check_enum(self, value: Any, enum: EnumType, path: str) -> None:
        """The value must have the enum's base type and be one of its values."""
        if not _is_primitive(value, enum.base_type):
            self.problems.append(f"{path}: expected {enum.base_type} ({enum.name}), got {_describe(value)}")
        elif value not in enum.values:
            allowed = [str(v) for v in enum.values]
            close = _suggest(str(value), allowed)
            hint = f"did you mean {_or_list(close)}?" if close else f"allowed: {_shorten(allowed)}"
            self.problems.append(f"{path}: {_describe(value)} is not a {enum.name} value; {hint}")

    def _check_one_of(self, value: Any, branches: Sequence[Mapping[str, Any]], path: str) -> None:
        """Valid when any branch accepts the value; its findings then count."""
        for branch in branches:
            trial = _Checker(package=self.package, provider_inputs=False)
            trial.check_value(value, branch, path)
            if not trial.problems:
                self.properties += trial.properties
                self.deprecated.extend(trial.deprecated)
                return
        expected = " | ".join(_spec_name(branch) for branch in branches)
        self.problems.append(f"{path}: expected one of {expected}, got {_describe(value)}")

    def _decode_provider_input(self, value: Any, spec: Mapping[str, Any]) -> Any:
        """Provider SDKs send non-string inputs as JSON text (`"true"`, `'{"id": 1}'`); decode those."""
        if not isinstance(value, str) or value in PLACEHOLDERS or self._wants_string(spec):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value  # reported as the wrong type by check_value

    def _wants_string(self, spec: Mapping[str, Any]) -> bool:
        """Whether a spec describes a string (plain or a string enum), which is never JSON-encoded."""
        if "$ref" in spec:
            target = self.package.resolve(str(spec["$ref"]))
            return isinstance(target, EnumType) and target.base_type == "string"
        return spec.get("type") == "string"


def _is_primitive(value: Any, kind: str) -> bool:
    """Whether `value` is of primitive schema type `kind` (booleans are not numbers here)."""
    accepted = PRIMITIVE_TYPES.get(kind)
    if accepted is None:
        return True  # a type this checker does not know: do not guess
    if isinstance(value, bool):
        return kind == "boolean"
    return isinstance(value, accepted)


def _spec_name(spec: Mapping[str, Any]) -> str:
    """Short description of a type spec for messages."""
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    return str(spec.get("type", "any"))


# JSON kinds by Python type, in match order: bool before int, since True is an int too.
_JSON_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _describe(value: Any) -> str:
    """`<type> <short value>` for messages, e.g. `string "2"`."""
    if value is None:
        return "null"
    kind = next((name for py, name in _JSON_KINDS if isinstance(value, py)), type(value).__name__)
    text = json.dumps(value, default=str)
    return f"{kind} {text if len(text) <= 40 else text[:37] + '...'}"


def _join(path: str, key: str) -> str:
    """JSON path of a child key: `inputs.rules` or `inputs.buildArgs["NODE-ENV"]`."""
    return f"{path}.{key}" if _IDENTIFIER.match(key) else f"{path}[{json.dumps(key)}]"


def _normalize(name: str) -> str:
    """Compare names ignoring case and underscores, so snake_case typos find their camelCase key."""
    return name.replace("_", "").replace("-", "").lower()


def _suggest(name: str, candidates: Sequence[str] | Mapping[str, Any]) -> list[str]:
    """The valid names nearest to `name`: the best, plus up to two others about as near."""
    by_normal: dict[str, str] = {}
    for candidate in candidates:
        by_normal.setdefault(_normalize(candidate), candidate)
    wanted = _normalize(name)
    close = difflib.get_close_matches(wanted, list(by_normal), n=3, cutoff=0.6)
    if not close:
        return []
    # A near-certain match should not be diluted by distant ones: keep those within 0.1 of the best.
    best = difflib.SequenceMatcher(None, wanted, close[0]).ratio()
    return [by_normal[m] for m in close if difflib.SequenceMatcher(None, wanted, m).ratio() >= best - 0.1]


def _hint(name: str, candidates: Mapping[str, Any]) -> str:
    """`; did you mean X?`, else `; valid names: ...` (or nothing when there are none)."""
    close = _suggest(name, candidates)
    if close:
        return f"; did you mean {_or_list(close)}?"
    return f"; valid names: {_shorten(sorted(candidates))}" if candidates else ""


def _or_list(names: Sequence[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _shorten(names: Sequence[str]) -> str:
    """A comma list of at most _MAX_LISTED_NAMES names."""
    shown = ", ".join(names[:_MAX_LISTED_NAMES])
    return shown if len(names) <= _MAX_LISTED_NAMES else f"{shown}, ... ({len(names)} in all)"


def format_text(report: SchemaReport, schemas: SchemaSet) -> str:
    """Human-readable report: violations, types not schema-checked and a summary line."""
    lines = [f"[{v['enforcementLevel']}] {v['policy']}: {v['message']}" for v in report.violations]
    lines += [f"not schema-checked: {item['type']} ({item['reason']})" for item in report.unchecked]
    against = ", ".join(f"{p.name}@{p.version}" for p in schemas.packages.values()) or "no schemas"
    lines.append(
        f"provider-schema: {report.resources_checked} resources, {report.properties_checked} properties "
        f"checked against {against}; {len(report.violations)} violations"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Check a plan JSON file (or `-` for stdin); exit 1 on violations, 2 on unusable input."""
    parser = argparse.ArgumentParser(prog="python -m plan.schema_check", description=__doc__.split("\n", 1)[0])
    parser.add_argument("plan", help="plan document from `python -m plan show STACK --json`, or - for stdin")
    parser.add_argument("--schemas", type=Path, default=DEFAULT_SCHEMAS_DIR, help="folder of provider schemas")
    parser.add_argument("--requirements", type=Path, default=DEFAULT_SCHEMAS_DIR.parent / "requirements.txt",
                        help="requirements file that pins the provider SDKs")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if args.plan == "-" else Path(args.plan).read_text(encoding="utf-8")
        plan = json.loads(text)
        schemas = load_schemas(args.schemas, read_pins(args.requirements))
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, json.JSONDecodeError) as exc:
        print(f"error: cannot read plan {args.plan}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(plan, dict) or not isinstance(plan.get("resources"), list):
        print(f"error: {args.plan} is not a plan document (expected an object with a `resources` list)", file=sys.stderr)
        return 2
    report = check_plan(plan, schemas)
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_text(report, schemas))
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
