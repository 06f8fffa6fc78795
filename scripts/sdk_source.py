"""Read a generated Pulumi Python SDK's source statically: classes, getters and `_internal_init` facts.

`scripts/schema_from_sdk.py` turns what this finds into a package schema. Everything here reads the
code the SDK generator writes (`pulumi-language-python`, Kubernetes' `pulumigen`) with `ast`, without
running it; a shape it does not know is a DerivationError naming the file and line, never a guess.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class DerivationError(Exception):
    """The SDK does not have the shape this script reads; `str()` names the file and what was expected."""


@functools.cache
def class_spans(path: str) -> dict[str, tuple[int, int]]:
    """Line span (start, end) of each top-level class of a source file, decorators included."""
    lines = _lines(path)
    starts = [i for i, line in enumerate(lines) if line[:1] not in ("", " ", "\t", "#", ")")]
    spans = {}
    for index, start in enumerate(starts):
        match = re.match(r"class (\w+)\b", lines[start])
        if match:
            first = start
            while first > 0 and lines[first - 1].startswith("@"):
                first -= 1
            end = starts[index + 1] if index + 1 < len(starts) else len(lines)
            spans[match.group(1)] = (first, end)
    return spans


@functools.cache
def class_node(cls: type) -> tuple[str, ast.ClassDef]:
    """(source file, class definition) of an SDK class.

    Only the class's own lines are parsed: whole files of the Kubernetes SDK (64 MB, mostly docstrings)
    take four times as long.
    """
    path = inspect.getsourcefile(cls) or ""
    span = class_spans(path).get(cls.__name__)
    if span is None:
        raise DerivationError(f"{path}: no top-level class {cls.__name__}")
    source = "\n" * span[0] + "\n".join(_lines(path)[span[0]:span[1]])  # keeps line numbers for messages
    try:
        node = ast.parse(source, filename=path).body[0]
    except (SyntaxError, IndexError):
        node = None
    if not isinstance(node, ast.ClassDef) or node.name != cls.__name__:
        raise DerivationError(f"{path}:{span[0] + 1}: cannot read class {cls.__name__} on its own")
    return path, node


@functools.cache
def _lines(path: str) -> list[str]:
    return Path(path).read_text(encoding="utf-8").splitlines()


def methods(node: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    """A class's methods by name (a property's setter replaces its getter: use getters() for those)."""
    return {item.name: item for item in node.body if isinstance(item, ast.FunctionDef)}


def last_name(node: ast.AST) -> str:
    """Last segment of a (dotted) name: `_builtins.str` -> `str`, `pulumi.Input` -> `Input`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def getters(node: ast.ClassDef) -> list[tuple[str, str, ast.expr, str | None]]:
    """(python name, schema name, annotation, deprecation) of each `@pulumi.getter` property."""
    found = []
    for fn in node.body:  # not methods(): a setter has its getter's name
        if not isinstance(fn, ast.FunctionDef):
            continue
        name, deprecation = None, None
        for deco in fn.decorator_list:
            call = deco if isinstance(deco, ast.Call) else None
            if last_name(call.func if call else deco) == "getter":
                keywords = {k.arg: k.value for k in call.keywords} if call else {}
                name = keywords["name"].value if "name" in keywords else fn.name
            elif call and last_name(call.func) == "deprecated":
                deprecation = call.args[0].value
        if name is not None and fn.returns is not None:
            found.append((fn.name, name, fn.returns, deprecation))
    return sorted(found, key=lambda item: item[1])


class InitFacts:
    """What a resource's `_internal_init` says: token, required, secret inputs, secret outputs, defaults."""

    def __init__(self, init: ast.FunctionDef, path: str) -> None:
        self.token = ""
        self.required: set[str] = set()
        self.secrets: set[str] = set()
        self.secret_outputs: set[str] = set()
        for node in ast.walk(init):
            if isinstance(node, ast.Raise) and "Missing required property" in ast.unparse(node):
                self.required.add(ast.unparse(node).split("'")[1])
            elif isinstance(node, ast.Assign) and _is_props_slot(node.targets[0]):
                if "pulumi.Output.secret(" in ast.unparse(node.value):
                    self.secrets.add(node.targets[0].slice.value)
            elif isinstance(node, ast.keyword) and node.arg == "additional_secret_outputs":
                self.secret_outputs.update(item.value for item in node.value.elts)
            elif isinstance(node, ast.Call) and last_name(node.func) == "__init__" and node.args:
                if isinstance(node.args[0], ast.Constant):
                    self.token = node.args[0].value
        if not self.token:
            raise DerivationError(f"{path}:{init.lineno}: no super().__init__('<token>', ...) call")
        self.defaults = defaults(init)


def defaults(function: ast.FunctionDef) -> dict[str, dict[str, Any]]:
    """`if x is None: x = <literal>` gives a default, `x = _utilities.get_env*('A')` a defaultInfo."""
    found: dict[str, dict[str, Any]] = {}
    for node in ast.walk(function):
        if not (isinstance(node, ast.If) and _is_none_test(node.test) and len(node.body) == 1
                and isinstance(node.body[0], ast.Assign)):
            continue
        value, default = node.body[0].value, {}
        if isinstance(value, ast.BoolOp) and isinstance(value.values[-1], ast.Constant):  # get_env(...) or ''
            value, default = value.values[0], {"default": value.values[-1].value}
        if isinstance(value, ast.Constant):
            default = {"default": value.value}
        elif _env_names(value):
            default["defaultInfo"] = {"environment": _env_names(value)}
        if default:
            found[node.test.left.id] = default
    return found


def _env_names(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Call) and last_name(node.func).startswith("get_env"):
        return [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
    return []


def _is_props_slot(target: ast.expr) -> bool:
    """`__props__.__dict__["name"] = ...`."""
    return (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
            and ast.unparse(target.value) == "__props__.__dict__")


def _is_none_test(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Is) and ast.unparse(test.comparators[0]) == "None")


def args_class_name(init: ast.FunctionDef, where: str) -> str:
    """The `*Args` class a resource's `__init__` hands to `get_resource_args_opts`."""
    for node in ast.walk(init):
        if isinstance(node, ast.Call) and last_name(node.func) == "get_resource_args_opts":
            return node.args[0].id
    raise DerivationError(f"{where}:{init.lineno}: __init__ calls no _utilities.get_resource_args_opts(<Args>, ...)")


def register_tables(init_py: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The `resource_modules` and `resource_packages` JSON of the SDK's `_utilities.register(...)` call."""
    tree = ast.parse(init_py.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and last_name(node.func) == "register":
            keywords = {k.arg: json.loads(k.value.value) for k in node.keywords}
            return keywords["resource_modules"], keywords["resource_packages"]
    raise DerivationError(f"{init_py}: no _utilities.register(...) call")


def type_modules(entries: Iterable[dict[str, Any]], root: str) -> dict[str, tuple[str, bool]]:
    """Python package -> (schema module of its types, Terraform-bridged token form).

    Bridged packages name each resource's module after the resource (`index/projectDomain`, the
    `moduleFormat` `(.*)(?:/[^/]*)`) and their types `index/<Name>:<Name>`; native ones (Kubernetes,
    docker-build) share one module (`apps/v1`) for resources and types. The SDK's root package is
    module `index` (Kubernetes registers no resource there, only the provider and its types).
    """
    by_fqn: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_fqn.setdefault(entry["fqn"], []).append(entry)
    result = {}
    for fqn, group in by_fqn.items():
        bridged = all(e["mod"].rsplit("/", 1)[-1] == name[:1].lower() + name[1:]
                      for e in group for name in e["classes"].values())
        modules = {e["mod"].rsplit("/", 1)[0] if bridged else e["mod"] for e in group}
        if len(modules) != 1:
            raise DerivationError(f"{fqn}: resources in several schema modules {sorted(modules)}")
        result[fqn] = (modules.pop(), bridged)
    result.setdefault(root, ("index", bool(result) and all(bridged for _, bridged in result.values())))
    return result
