"""Documentation of the config keys, generated from the model (Pulumi.yaml block, README table).

``python -m stackconfig.docs pulumi-yaml`` prints the ``config:`` block of Pulumi.yaml;
``python -m stackconfig.docs readme`` prints the README's table. Tests fail when either is stale.
"""

from __future__ import annotations

import sys
import typing
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from stackconfig.model import NAMESPACE, StackConfig

_SIMPLE = {str: "string", int: "integer", bool: "boolean"}


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType", None)) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return annotation, False


def _type_name(annotation: Any) -> Optional[str]:
    """The Pulumi.yaml type of an annotation, or None where the project file cannot express it."""
    annotation, _ = _unwrap_optional(annotation)
    name = getattr(annotation, "__name__", "")
    if name == "SecretStr" or annotation in _SIMPLE:
        return _SIMPLE.get(annotation, "string")
    if typing.get_origin(annotation) is Literal:
        return "string"
    if typing.get_origin(annotation) is list:
        return "array"
    return None  # objects: the project file schema has no object type


def _items_type(annotation: Any) -> str:
    (item,) = typing.get_args(_unwrap_optional(annotation)[0])
    return _SIMPLE[item]


def _default(field: FieldInfo) -> Any:
    if field.is_required():
        return ...
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return ...
    return value


def _describe(field: FieldInfo) -> str:
    text = field.description or ""
    annotation, _ = _unwrap_optional(field.annotation)
    if typing.get_origin(annotation) is Literal:
        text += " One of: " + ", ".join(map(str, typing.get_args(annotation))) + "."
    return text


def _is_secret(field: FieldInfo) -> bool:
    return bool((field.json_schema_extra or {}).get("secret"))


def pulumi_yaml_config() -> dict[str, dict]:
    """Declarations for every key the project file can express: required ones (no default) and
    ones with a default. Optional keys without a default are documented in the README only, since
    the CLI treats a declared key without default as required."""
    block: dict[str, dict] = {}
    for name, field in StackConfig.model_fields.items():
        key = field.alias or name
        kind = _type_name(field.annotation)
        default = _default(field)
        if kind is None or default is None:
            continue
        entry: dict[str, Any] = {"type": kind, "description": _describe(field)}
        if kind == "array":
            entry["items"] = {"type": _items_type(field.annotation)}
        if _is_secret(field):
            entry["secret"] = True
        if default is not ...:
            entry["default"] = default
        block[key] = entry
    return block


def readme_rows() -> list[tuple[str, str, str, str]]:
    """(key, type, default, description) for every key, objects' fields included."""
    rows = []
    for name, field in StackConfig.model_fields.items():
        rows.extend(_rows_for(f"{NAMESPACE}:{field.alias or name}", field))
    return rows


def _rows_for(key: str, field: FieldInfo) -> list[tuple[str, str, str, str]]:
    annotation, _ = _unwrap_optional(field.annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        rows = [(key, "object", "see fields", field.description or "")]
        for sub_name, sub in annotation.model_fields.items():
            rows.extend(_rows_for(f"{key}.{sub.alias or sub_name}", sub))
        return rows
    kind = _type_name(field.annotation) or "object"
    if _is_secret(field):
        kind = "secret string"
    default = _default(field)
    shown = "required" if default is ... else ("unset" if default is None else f"`{yaml.safe_dump(default, default_flow_style=True).strip().removesuffix('...').strip()}`")
    return [(f"`{key}`", kind, shown, _describe(field).replace("|", "\\|"))]


def readme_table() -> str:
    lines = ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    lines += [f"| {k} | {t} | {d} | {desc} |" for k, t, d, desc in readme_rows()]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if argv == ["pulumi-yaml"]:
        sys.stdout.write(yaml.safe_dump({"config": pulumi_yaml_config()}, sort_keys=False, width=100))
        return 0
    if argv == ["readme"]:
        sys.stdout.write(readme_table())
        return 0
    sys.stderr.write("usage: python -m stackconfig.docs pulumi-yaml|readme\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
