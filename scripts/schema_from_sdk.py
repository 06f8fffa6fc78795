"""Derive a provider's Pulumi package schema from its generated Python SDK.

The Go module proxy here serves neither the Vercel nor the Kubernetes provider plugin, so
`pulumi package get-schema` cannot print their schemas. Their Python SDKs are generated from those
schemas and keep what `plan check` needs; this script reads it back, per resource class:

- the type token from `super().__init__('<token>', ...)` in `_internal_init` (checked against the
  SDK's own `_utilities.register` table),
- `inputProperties` from the `*Args` input type (`pulumi.getter(name=...)` gives the camelCase names),
  `properties` (outputs) from the resource's own getters,
- `requiredInputs` from the `*Args` getters not declared Optional, checked against what
  `_internal_init` refuses ("Missing required property"; an input with a default is required but never
  refused), `required` of nested types and outputs likewise from their getters,
- types from the annotations (`$ref` to `#/types/<token>` for nested types, enums from `Enum` classes),
  `secret` from `pulumi.Output.secret(...)` and `additional_secret_outputs`, `deprecationMessage` from
  `_utilities.deprecated(...)`, `default`/`defaultInfo` from `if x is None: x = ...`.

Not derived: descriptions, functions and provider config (nothing here reads them); provider outputs
(the SDK keeps only the string-typed ones) and `secret` inside nested types (the SDK marks secrets per
resource only). The output is deterministic (sorted keys, gzip mtime 0);
`tests/plan/test_schema_from_sdk.py` regenerates the committed files and checks the derivation against
the published github, sentry and docker-build schemas.

Usage: `python -m scripts.schema_from_sdk [PACKAGE ...] [--out DIR] [--check]` (default: vercel kubernetes).
"""

from __future__ import annotations

import argparse
import ast
import enum
import gzip
import importlib
import importlib.metadata
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pulumi

from scripts.sdk_source import (
    DerivationError,
    InitFacts,
    args_class_name,
    class_node,
    defaults,
    getters,
    last_name,
    methods,
    register_tables,
    type_modules,
)

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "provider-schemas"


# Schema package name -> import name of its Python SDK. The whole SDK is derived: Kubernetes in full is
# 58 KB gzipped (1.5 MB of JSON), and a partial schema would call valid resource types unknown.
TARGETS: dict[str, str] = {
    "vercel": "pulumiverse_vercel",
    "kubernetes": "pulumi_kubernetes",
    # Published schemas exist for these: derived only to prove the derivation (the tests compare).
    "github": "pulumi_github",
    "sentry": "pulumiverse_sentry",
    "docker-build": "pulumi_docker_build",
}
COMMITTED = ("vercel", "kubernetes")

_PRIMITIVES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
_BUILTIN_REFS = {"Any": "pulumi.json#/Any", "Archive": "pulumi.json#/Archive", "Asset": "pulumi.json#/Asset",
                 "AssetOrArchive": "pulumi.json#/Asset"}
_WRAPPERS = {"Input", "Output", "InputType", "Optional"}  # unwrapped: optionality is not a type
_ARRAYS = {"Sequence", "List", "list"}
_MAPS = {"Mapping", "Dict", "dict"}
_ENUM_BASES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))


class Deriver:
    """Builds one package's schema document; types are collected as properties reference them."""

    def __init__(self, package: str, module: str) -> None:
        self.module = module
        self.sdk = importlib.import_module(module)
        plugin = json.loads((Path(self.sdk.__file__).parent / "pulumi-plugin.json").read_text(encoding="utf-8"))
        if plugin["name"] != package:
            raise DerivationError(f"{module} is the SDK of {plugin['name']}, not {package}")
        self.name, self.version = plugin["name"], plugin["version"].removeprefix("v")
        modules, providers = register_tables(Path(self.sdk.__file__))
        self.entries = modules
        self.type_modules = type_modules(modules, module)
        self.provider_entry = providers[0]
        self.resource_tokens: dict[type, str] = {}
        for entry in modules:
            python_module = importlib.import_module(entry["fqn"])
            for token, class_name in entry["classes"].items():
                self.resource_tokens[getattr(python_module, class_name)] = token
        self.types: dict[str, dict[str, Any]] = {}
        self.pending: list[tuple[str, type]] = []

    def document(self) -> dict[str, Any]:
        """The schema document: `name`, `version`, `resources`, `provider`, `types`, `x-derivedFrom`."""
        dist = importlib.metadata.distribution(self.module)
        doc: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "x-derivedFrom": f"{dist.metadata['Name'].replace('-', '_')}=={dist.version} Python SDK",
            "resources": {},
        }
        for entry in self.entries:
            python_module = importlib.import_module(entry["fqn"])
            for token, class_name in sorted(entry["classes"].items()):
                doc["resources"][token] = self.resource(getattr(python_module, class_name), token)
        provider_module = importlib.import_module(self.provider_entry["fqn"])
        doc["provider"] = self.resource(getattr(provider_module, self.provider_entry["class"]),
                                        self.provider_entry["token"])
        while self.pending:
            token, cls = self.pending.pop()
            self.types[token] = self.object_type(cls)
        doc["types"] = self.types
        return doc

    def resource(self, cls: type, token: str) -> dict[str, Any]:
        """inputProperties, requiredInputs, properties and required of one resource (or the provider)."""
        path, node = class_node(cls)
        members = methods(node)
        init = members.get("_internal_init")
        if init is None:
            raise DerivationError(f"{path}: {cls.__name__} has no _internal_init")
        facts = InitFacts(init, path)
        expected = token.removeprefix("pulumi:providers:")
        if facts.token != expected:
            raise DerivationError(f"{path}: {cls.__name__} registers {facts.token!r}, the SDK table says {expected!r}")
        args_cls = getattr(sys.modules[cls.__module__], args_class_name(members["__init__"], path))
        inputs, names = self.properties(args_cls)
        for python_name, pulumi_name in names.items():
            if python_name in facts.secrets:
                inputs[pulumi_name]["secret"] = True
            inputs[pulumi_name].update(facts.defaults.get(python_name, {}))
        required = {p for p, n in names.items() if not inputs[n].get("x-optional")}
        # The SDK states required inputs twice; they must agree (a defaulted one is never refused).
        if facts.required != required - set(facts.defaults) or not facts.required <= required:
            raise DerivationError(f"{path}: {cls.__name__}: _internal_init refuses {sorted(facts.required)} "
                                  f"but {args_cls.__name__} requires {sorted(required)}")
        if issubclass(cls, pulumi.ProviderResource):
            # A provider SDK exposes only its string-typed outputs: the schema's are not derivable.
            return _finish(inputs, {}, required, names)
        outputs, _ = self.properties(cls)
        for python_name, pulumi_name in names.items():
            if pulumi_name in outputs:
                outputs[pulumi_name].update(facts.defaults.get(python_name, {}))
        for pulumi_name in facts.secret_outputs | {names[p] for p in facts.secrets}:
            if pulumi_name in outputs:
                outputs[pulumi_name]["secret"] = True
        return _finish(inputs, outputs, required, names)

    def properties(self, cls: type) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """Schema specs of a class's getters (each marked `x-optional` when Optional) and python->schema names."""
        path, node = class_node(cls)
        namespace = vars(sys.modules[cls.__module__])
        specs, names = {}, {}
        for python_name, pulumi_name, annotation, deprecation in getters(node):
            spec, optional = self.spec(annotation, namespace, f"{path}:{annotation.lineno}")
            if optional:
                spec["x-optional"] = True
            if deprecation:
                spec["deprecationMessage"] = deprecation
            specs[pulumi_name], names[python_name] = spec, pulumi_name
        return specs, names

    def object_type(self, cls: type) -> dict[str, Any]:
        """An object type: its properties; `required` = those its getters do not declare Optional."""
        properties, names = self.properties(cls)
        required = sorted(n for n, spec in properties.items() if not spec.pop("x-optional", False))
        path, node = class_node(cls)
        for python_name, default in defaults(methods(node)["__init__"]).items():
            properties[names[python_name]].update(default)
        shape: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            shape["required"] = required
        return shape

    def spec(self, node: ast.expr, namespace: dict[str, Any], where: str) -> tuple[dict[str, Any], bool]:
        """(schema type spec, whether Optional) of an annotation."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self.named(node.value, namespace, where), False
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = last_name(node)
            if name in _PRIMITIVES:
                return {"type": _PRIMITIVES[name]}, False
            if name in _BUILTIN_REFS:
                return {"$ref": _BUILTIN_REFS[name]}, False
        if isinstance(node, ast.Subscript):
            outer = last_name(node.value)
            args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
            if outer in _WRAPPERS:
                inner, optional = self.spec(args[0], namespace, where)
                return inner, optional or outer == "Optional"
            if outer in _ARRAYS:
                return {"type": "array", "items": self.spec(args[0], namespace, where)[0]}, False
            if outer in _MAPS:
                return {"type": "object", "additionalProperties": self.spec(args[1], namespace, where)[0]}, False
            if outer == "Literal" and len(args) == 1 and isinstance(args[0], ast.Constant):
                return {"type": _PRIMITIVES[type(args[0].value).__name__], "const": args[0].value}, False
            if outer == "Union":
                return self.union(args, namespace, where)
        raise DerivationError(f"{where}: cannot translate the annotation `{ast.unparse(node)}`")

    def union(self, members: list[ast.expr], namespace: dict[str, Any], where: str) -> tuple[dict[str, Any], bool]:
        """`Union[XArgs, XArgsDict]` is X; `Union[int, str]` is a oneOf; None makes it optional."""
        optional = any(isinstance(m, ast.Constant) and m.value is None for m in members)
        kept = [m for m in members if not (isinstance(m, ast.Constant) and (m.value is None or str(m.value).endswith("ArgsDict")))]
        specs = [self.spec(m, namespace, where)[0] for m in kept]
        return (specs[0] if len(specs) == 1 else {"oneOf": specs}), optional

    def named(self, dotted: str, namespace: dict[str, Any], where: str) -> dict[str, Any]:
        """A `$ref` for a class named in an annotation string, resolved in the annotating module."""
        head, *rest = dotted.split(".")
        obj = namespace.get(head)
        for part in rest:
            obj = getattr(obj, part, None)
        if isinstance(obj, type) and issubclass(obj, enum.Enum):
            token = getattr(obj, "_pulumi_type", None) or self.type_token(obj, obj.__name__)
            base = next(kind for py, kind in _ENUM_BASES if issubclass(obj, py))
            self.types[token] = {"type": base, "enum": [{"value": m.value} for m in obj]}
            return {"$ref": f"#/types/{token}"}
        if isinstance(obj, type) and obj in self.resource_tokens:
            return {"$ref": f"#/resources/{self.resource_tokens[obj]}"}
        if isinstance(obj, type) and pulumi._types.is_input_type(obj):
            token = self.type_token(obj, obj.__name__.removesuffix("Args"))
        elif isinstance(obj, type) and pulumi._types.is_output_type(obj):
            token = self.type_token(obj, obj.__name__)
            # One schema type serves inputs and outputs; its input class holds `required` as the schema does.
            inputs_module = sys.modules.get(obj.__module__.rsplit(".", 1)[0] + "._inputs")
            obj = getattr(inputs_module, f"{obj.__name__}Args", obj)
        else:
            raise DerivationError(f"{where}: `{dotted}` is no SDK type, enum or resource")
        if token not in self.types:
            self.types[token] = {}  # reserved now, filled by document(): recursive types terminate
            self.pending.append((token, obj))
        return {"$ref": f"#/types/{token}"}

    def type_token(self, cls: type, name: str) -> str:
        """`pkg:<module>/<Name>:<Name>` (Terraform-bridged packages) or `pkg:<module>:<Name>` (native)."""
        fqn = cls.__module__.rsplit(".", 1)[0]
        if fqn not in self.type_modules:
            raise DerivationError(f"{cls.__module__}: no resource module of {self.name} is registered for {fqn}")
        module, bridged = self.type_modules[fqn]
        return f"{self.name}:{module}/{name}:{name}" if bridged else f"{self.name}:{module}:{name}"


def _finish(inputs: dict[str, Any], outputs: dict[str, Any], required: set[str], names: dict[str, str]) -> dict[str, Any]:
    """A resource's schema entry; outputs not declared Optional are `required`."""
    for value in inputs.values():
        value.pop("x-optional", None)
    spec: dict[str, Any] = {"inputProperties": inputs}
    if outputs:
        spec["properties"] = outputs
    if required:
        spec["requiredInputs"] = sorted(names[p] for p in required)
    required_outputs = sorted(n for n, s in outputs.items() if not s.pop("x-optional", False))
    if required_outputs:
        spec["required"] = required_outputs
    return spec


def derive(package: str) -> dict[str, Any]:
    """The schema document of `package` (a key of TARGETS) derived from its installed SDK."""
    return Deriver(package, TARGETS[package]).document()


def encode(doc: dict[str, Any]) -> bytes:
    """Deterministic `.json.gz` bytes: sorted keys, no gzip file name, mtime 0."""
    text = json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as out:
        out.write(text)
    return buffer.getvalue()


def output_path(doc: dict[str, Any], out_dir: Path = OUT_DIR) -> Path:
    return out_dir / f"{doc['name']}-{doc['version']}.json.gz"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.schema_from_sdk", description=__doc__.split("\n", 1)[0])
    parser.add_argument("packages", nargs="*", metavar="PACKAGE",
                        help=f"any of {', '.join(TARGETS)} (default: {' '.join(COMMITTED)})")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write <name>-<version>.json.gz into")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file differs")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.packages) - set(TARGETS))
    if unknown:
        parser.error(f"unknown package {', '.join(unknown)}; expected any of {', '.join(TARGETS)}")
    stale = 0
    for package in args.packages or COMMITTED:
        try:
            doc = derive(package)
        except ModuleNotFoundError as exc:
            print(f"error: {package}: its SDK is not installed ({exc}); run it with the project's .venv/bin/python",
                  file=sys.stderr)
            return 2
        except DerivationError as exc:
            print(f"error: {package}: {exc}", file=sys.stderr)
            return 2
        path, data = output_path(doc, args.out), encode(doc)
        summary = f"{len(doc['resources'])} resources, {len(doc['types'])} types, {len(data)} bytes"
        if args.check:
            same = path.is_file() and gzip.decompress(path.read_bytes()) == gzip.decompress(data)
            stale += not same
            print(f"{path}: {'up to date' if same else 'STALE: regenerate with python -m scripts.schema_from_sdk'} ({summary})")
        else:
            path.write_bytes(data)
            print(f"wrote {path} ({summary})")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
