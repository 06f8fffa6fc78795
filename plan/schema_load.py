"""Load providers' published Pulumi package schemas and the provider pins they must match.

A schema is the JSON that `pulumi package get-schema NAME@VERSION` prints, stored gzipped as
`<name>-<version>.json.gz`. This module reads every such file in a folder, identifies each by the
schema's own `name` (and `version`, or the file name when the schema carries no `version`: the
published github, sentry and docker-build schemas do not), checks the version against the pin in
`requirements.txt`, refuses a pinned provider without a schema, and indexes the parts the plan check
needs, once, so that checking many plans costs no further parsing.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# The vendored schemas, committed with the repository (see provider-schemas/README.md).
DEFAULT_SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "provider-schemas"
SCHEMA_SUFFIX = ".json.gz"
"""Schemas are stored gzipped (written with mtime 0, so the bytes depend on the content only)."""

# PyPI distributions of Pulumi providers are named `<prefix><package>`; these prefixes are stripped.
PROVIDER_DIST_PREFIXES: tuple[str, ...] = ("pulumi-", "pulumiverse-")
# Distributions that carry a provider-like prefix but are no provider package.
NON_PROVIDER_DISTS: frozenset[str] = frozenset({"pulumi-policy"})

_TYPES_REF_PREFIX = "#/types/"
_REQUIREMENT_LINE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<spec>[<>=!~].*)?$")


class SchemaError(Exception):
    """A schema folder, schema file or pin that cannot be used; `str()` is the user-facing message."""


@dataclass(frozen=True)
class ObjectType:
    """An object shape: a resource's inputs, a provider's inputs or an object type from `types`."""

    token: str  # schema token, e.g. "github:index/RepositoryRulesetRules:RepositoryRulesetRules"
    name: str  # short name used in messages, e.g. "RepositoryRulesetRules"
    properties: Mapping[str, dict[str, Any]]  # property name (camelCase, as on the wire) -> type spec
    required: frozenset[str]  # names that must be set (`requiredInputs` / `required`)


@dataclass(frozen=True)
class EnumType:
    """An enum type from `types`: a value must be one of `values`."""

    token: str  # schema token, e.g. "docker-build:index:Platform"
    name: str  # short name used in messages, e.g. "Platform"
    base_type: str  # the enum's underlying primitive: "string", "integer", "number" or "boolean"
    values: tuple[Any, ...]  # allowed values, in schema order


NamedType = ObjectType | EnumType


@dataclass(frozen=True)
class PackageSchema:
    """One provider package's schema, indexed for input validation."""

    name: str  # the schema's `name`, the first segment of its type tokens, e.g. "docker-build"
    version: str  # the version it describes; equals the pin in requirements.txt
    path: Path  # the file it was read from
    resources: Mapping[str, ObjectType]  # resource type token -> shape of its inputs
    provider: ObjectType  # inputs of the explicit provider resource `pulumi:providers:<name>`
    types: Mapping[str, NamedType]  # type token -> object or enum type

    def resolve(self, ref: str) -> NamedType | None:
        """The type a local `#/types/<token>` reference names, or None if this schema has none."""
        return self.types.get(ref[len(_TYPES_REF_PREFIX):]) if ref.startswith(_TYPES_REF_PREFIX) else None


@dataclass(frozen=True)
class SchemaSet:
    """Every schema found in a folder, with the pins they were matched against."""

    directory: Path  # the folder the schemas were read from (as given, for messages)
    pins: Mapping[str, str]  # schema package name -> pinned version
    packages: Mapping[str, PackageSchema] = field(default_factory=dict)  # package name -> schema

    def missing_reason(self, package: str) -> str:
        """Why resources of `package` cannot be schema-checked (it has no loaded schema)."""
        if package in self.pins:
            return f"no schema for {package}@{self.pins[package]} in {self.directory}"
        return f"no pinned version of {package} in requirements.txt"


def read_pins(requirements_txt: Path) -> dict[str, str]:
    """Map schema package names to the exact versions `requirements_txt` pins for their SDKs.

    `pulumi-github==6.15.0` gives `{"github": "6.15.0"}`, `pulumiverse-sentry==0.0.9` gives
    `{"sentry": "0.0.9"}`. A provider SDK that is not pinned with `==` is an error: no schema
    version could be matched to it.
    """
    try:
        text = requirements_txt.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(f"cannot read {requirements_txt}: {exc.strerror}") from None
    pins: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()  # drop comments and environment markers
        if not line or line.startswith("-"):  # blank, or an option such as `-r other.txt`
            continue
        match = _REQUIREMENT_LINE.match(re.sub(r"\[[^\]]*\]", "", line))  # extras do not matter
        if match is None:
            continue
        package = _provider_package(match.group("name"))
        if package is None:
            continue
        spec = (match.group("spec") or "").strip()
        if not spec.startswith("==") or "," in spec or "*" in spec:
            raise SchemaError(
                f"{requirements_txt}:{number}: {match.group('name')} must be pinned exactly "
                f"(`{match.group('name')}==X.Y.Z`) so its provider schema version can be checked; got `{line}`"
            )
        pins[package] = spec[2:].strip()
    return pins


def _provider_package(distribution: str) -> str | None:
    """The schema package name of a PyPI provider SDK (`pulumi-docker-build` -> `docker-build`)."""
    normalized = re.sub(r"[-_.]+", "-", distribution).lower()
    if normalized in NON_PROVIDER_DISTS:
        return None
    for prefix in PROVIDER_DIST_PREFIXES:
        if normalized.startswith(prefix) and len(normalized) > len(prefix):
            return normalized[len(prefix):]
    return None


def load_schemas(schemas_dir: Path, pins: Mapping[str, str]) -> SchemaSet:
    """Read and index the `<name>-<version>.json.gz` schema of every package `pins` names.

    Raises SchemaError when the folder is missing, a file is not a gzipped package schema, two files
    describe one package, a schema's version differs from its pin, or a pinned package has no schema
    (its resources could not be checked). Schemas of packages that are not pinned are not loaded.
    """
    if not schemas_dir.is_dir():
        raise SchemaError(
            f"schema folder {schemas_dir} does not exist; the repository ships it (provider-schemas/): "
            f"restore it from git, or see provider-schemas/README.md to fill another folder"
        )
    # A schema left uncompressed would be ignored silently: refuse it, naming the fix.
    stray = sorted(p.name for p in schemas_dir.glob("*.json") if any(p.stem.startswith(f"{name}-") for name in pins))
    if stray:
        raise SchemaError(
            f"{schemas_dir}: {', '.join(stray)} is not read (schemas are kept gzipped); compress it with "
            f"`gzip -n9 {schemas_dir}/{stray[0]}` (see provider-schemas/README.md)"
        )
    packages: dict[str, PackageSchema] = {}
    for path in sorted(schemas_dir.glob(f"*{SCHEMA_SUFFIX}")):
        doc = _read_json(path)
        name, version = _identify(doc, path)
        if name not in pins:
            continue
        if name in packages:
            raise SchemaError(
                f"{packages[name].path.name} and {path.name} both hold the schema of {name} in {schemas_dir}; "
                f"keep only {name}-{pins[name]}{SCHEMA_SUFFIX}"
            )
        if version != pins[name]:
            raise SchemaError(
                f"{path.name} is the schema of {name} {version}, but requirements.txt pins {name} {pins[name]}; "
                f"replace it with the schema of {name}@{pins[name]} as {schemas_dir}/{name}-{pins[name]}{SCHEMA_SUFFIX} "
                f"(provider-schemas/README.md) and delete {path.name}"
            )
        packages[name] = _index_package(doc, name, version, path)
    missing = sorted(set(pins) - set(packages))
    if missing:
        raise SchemaError(
            "no provider schema for "
            + ", ".join(f"{name}@{pins[name]} (expected {schemas_dir}/{name}-{pins[name]}{SCHEMA_SUFFIX})" for name in missing)
            + "; every pinned provider needs its schema so that all its resources are checked (provider-schemas/README.md)"
        )
    return SchemaSet(directory=schemas_dir, pins=dict(pins), packages=packages)


def _read_json(path: Path) -> dict[str, Any]:
    """Parse one gzipped schema file, with errors that name it."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            doc = json.load(handle)
    except OSError as exc:  # also gzip.BadGzipFile
        raise SchemaError(f"cannot read {path} as a gzip file: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, EOFError) as exc:
        raise SchemaError(f"{path} does not hold valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not isinstance(doc.get("resources", {}), dict):
        raise SchemaError(
            f"{path} is not a Pulumi package schema (expected an object with a `name` and `resources`, "
            f"as `pulumi package get-schema` prints)"
        )
    return doc


def _identify(doc: dict[str, Any], path: Path) -> tuple[str, str]:
    """(name, version) of a schema: its own fields, else the version from `<name>-<version>.json.gz`."""
    name: str = doc["name"]
    version = doc.get("version")
    if isinstance(version, str) and version:
        return name, version.removeprefix("v")
    # Published schemas often carry no version (the engine learns it from the plugin); the file
    # name `<name>-<version>.json.gz` is the record of it.
    stem = path.name[: -len(SCHEMA_SUFFIX)]
    if stem.startswith(f"{name}-") and len(stem) > len(name) + 1:
        return name, stem[len(name) + 1:].removeprefix("v")
    raise SchemaError(
        f"cannot tell which version of {name} {path} describes: it has no `version` field and its file "
        f"name is not {name}-<version>{SCHEMA_SUFFIX}; rename it to {name}-<version>{SCHEMA_SUFFIX}"
    )


def _index_package(doc: dict[str, Any], name: str, version: str, path: Path) -> PackageSchema:
    """Turn a schema document into the lookup tables the checker uses."""
    resources = {
        token: _object_type(token, spec.get("inputProperties"), spec.get("requiredInputs"))
        for token, spec in doc.get("resources", {}).items()
        if isinstance(spec, dict)
    }
    provider_spec = doc.get("provider") or {}
    provider = replace(
        _object_type(f"pulumi:providers:{name}", provider_spec.get("inputProperties"), provider_spec.get("requiredInputs")),
        name=f"the {name} provider",
    )
    types: dict[str, NamedType] = {}
    for token, spec in doc.get("types", {}).items():
        if not isinstance(spec, dict):
            continue
        if "enum" in spec:
            types[token] = EnumType(
                token=token,
                name=_short_name(token),
                base_type=spec.get("type", "string"),
                values=tuple(item.get("value") for item in spec["enum"] if isinstance(item, dict)),
            )
        else:
            types[token] = _object_type(token, spec.get("properties"), spec.get("required"))
    return PackageSchema(name=name, version=version, path=path, resources=resources, provider=provider, types=types)


def _object_type(token: str, properties: Any, required: Any) -> ObjectType:
    """An ObjectType from a schema's (possibly absent) property map and required list."""
    return ObjectType(
        token=token,
        name=_short_name(token),
        properties=properties if isinstance(properties, dict) else {},
        required=frozenset(required) if isinstance(required, list) else frozenset(),
    )


def _short_name(token: str) -> str:
    """The last segment of a type token: `github:index/repository:Repository` -> `Repository`."""
    return token.rsplit(":", 1)[-1]
