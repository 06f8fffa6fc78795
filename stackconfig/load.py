"""Build the validated ``StackConfig`` from raw Pulumi configuration, or refuse with every problem."""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Iterable, Mapping, Optional

import pulumi
from pydantic import SecretStr, ValidationError

from stackconfig.errors import ConfigError
from stackconfig.model import NAMESPACE, StackConfig, secret_keys
from stackconfig.plans import promote_from_problems

# Explicit providers are built from webapp-platform keys, so these namespaces would be ignored.
_PROVIDER_NAMESPACES = {
    "github": "githubOwner / githubToken",
    "vercel": "vercelTeamId / vercelToken",
    "sentry": "sentryUrl / sentryAuthToken",
}


def runtime_config() -> tuple[dict[str, Any], set[str]]:
    """Every config key the engine handed this program, and which of them are secrets.

    ``pulumi.Config`` can only look keys up; to refuse unknown keys the loader needs them all, so it
    reads the same two sources ``pulumi.Config`` reads.
    """
    from pulumi.runtime import config as runtime

    values = dict(runtime.get_config_env())
    values.update(runtime.CONFIG.get())
    secrets = set(runtime.get_config_secret_keys_env()) | set(runtime._SECRET_KEYS.get())
    return values, secrets


def load_stack_config(raw: Mapping[str, Any], secret: Iterable[str], organization: Optional[str] = None) -> StackConfig:
    """Validate raw config (full keys, values as the engine passes them: strings or JSON strings).
    ``organization`` is the backend's (a real run knows it); image.promoteFrom must name it."""
    secret = set(secret)
    problems: list[str] = []
    values: dict[str, Any] = {}
    for full_key, value in sorted(raw.items()):
        namespace, _, key = full_key.partition(":")
        if namespace in _PROVIDER_NAMESPACES:
            problems.append(
                f"{full_key}: provider configuration is not read (the program builds explicit providers); "
                f"use {NAMESPACE}:{_PROVIDER_NAMESPACES[namespace]} instead"
            )
        elif namespace == NAMESPACE:
            values[key] = decode(key, value)
    for key in secret_keys():
        if key in values and f"{NAMESPACE}:{key}" not in secret:
            problems.append(
                f"{NAMESPACE}:{key}: a secret given in plain text in the stack file; remove it and set it with "
                f"`pulumi config set --secret {NAMESPACE}:{key} <value>`"
            )
    try:
        model = StackConfig.model_validate(values)
    except ValidationError as err:
        problems.extend(_describe(error) for error in err.errors())
        model = None
    if model is not None:
        problems.extend(f"{NAMESPACE}:{problem}" for problem in model.problems())
        if model.image.mode == "promote":
            promote = promote_from_problems(model.image.promote_from, NAMESPACE, organization)
            problems.extend(f"{NAMESPACE}:{problem}" for problem in promote)
    if problems:
        raise ConfigError(problems)
    assert model is not None
    return model


def load_from_pulumi() -> StackConfig:
    """The edge: read this run's configuration once, validated."""
    values, secrets = runtime_config()
    return load_stack_config(values, secrets, organization=pulumi.get_organization())


def secret_output(value) -> pulumi.Output[str]:
    """A config secret as a Pulumi secret Output (``None`` stays ``None``)."""
    if value is None:
        return None
    return pulumi.Output.secret(value.get_secret_value())


def decode(key: str, value: Any) -> Any:
    """A config value as the model field ``key`` expects it.

    The engine hands every value over as a string, objects, lists, numbers and booleans as JSON
    text. Only a field that expects something other than text is JSON-decoded; text fields and
    secrets keep the string as written (``"1e3"`` stays ``"1e3"``, a secret ``true`` stays ``"true"``).
    JSON's ``NaN``/``Infinity`` are not numbers here: such a value stays a string and the model
    refuses it by name.
    """
    field = _FIELDS.get(key)
    if not isinstance(value, str) or field is None or wants_text(field.annotation):
        return value
    try:
        return json.loads(value, parse_constant=_not_a_number)
    except ValueError:
        return value  # the model reports it: "got 'two'; expected a valid integer"


def wants_text(annotation: Any) -> bool:
    """Whether a field takes text as written: str (and subclasses, str enums), SecretStr, a Literal
    of strings, or an Optional/Union/Annotated of one of those."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return wants_text(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(wants_text(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    if origin is typing.Literal:
        return all(isinstance(arg, str) for arg in typing.get_args(annotation))
    return isinstance(annotation, type) and issubclass(annotation, (str, SecretStr))


def _not_a_number(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


_FIELDS = {field.alias or name: field for name, field in StackConfig.model_fields.items()}
"""Model fields by the camelCase key a stack file uses."""


def _key_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return f"{NAMESPACE}:{path}" if path else NAMESPACE


def _describe(error: dict) -> str:
    loc = tuple(error.get("loc", ()))
    key = _key_path(loc)
    kind = error.get("type", "")
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    top = loc[0] if loc else None
    is_secret = top in secret_keys()
    if kind == "missing":
        flag = " --secret" if is_secret else ""
        return f"{key}: missing required key; set it with `pulumi config set{flag} {key} <value>`"
    if not loc:  # a cross-field check: its message starts with the key names
        return f"{NAMESPACE}:{message}"
    shown = "(secret value not shown)" if is_secret else repr(error.get("input"))
    return f"{key}: got {shown}; expected {message}"


def _unknown_key(loc: tuple) -> str:
    key = _key_path(loc)
    name = str(loc[-1])
    if len(loc) == 1:
        known = sorted(field.alias or field_name for field_name, field in StackConfig.model_fields.items())
    else:
        known = _nested_fields(loc[:-1])
    import difflib  # only a config with an unknown key pays for it

    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{key}: unknown key{hint}; known keys here: {', '.join(known)}"


def _nested_fields(parent: tuple) -> list[str]:
    model = StackConfig
    for part in parent:
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and hasattr(annotation, "model_fields")):
            return []
        model = annotation
    return sorted(f.alias or n for n, f in model.model_fields.items())
