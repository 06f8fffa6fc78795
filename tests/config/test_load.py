"""Decoding config values (stackconfig/load.py): only where the model expects a non-string.

The engine hands every value to the program as a string (objects, lists, numbers and booleans as
JSON text); a text field or a secret keeps what the user wrote, character for character.
"""

from __future__ import annotations

import pytest

from plan.harness import ROOT, stack_config
from stackconfig.errors import ConfigError
from stackconfig.load import decode, load_stack_config, wants_text

# (key, value as the engine passes it, what the model receives)
DECODE = [
    # Text fields: never decoded.
    ("repositoryDescription", "1e3", "1e3"),
    ("repositoryDescription", "Infinity", "Infinity"),
    ("repositoryDescription", "NaN", "NaN"),
    ("repositoryDescription", "true", "true"),
    ("repositoryDescription", "null", "null"),
    ("repositoryDescription", '{"a": 1}', '{"a": 1}'),
    ("vercelTeamId", "123", "123"),  # Optional[str]
    ("environment", '"staging"', '"staging"'),  # a Literal of strings: the quotes are the user's
    ("vercelDeploymentProtection", "none", "none"),
    # Secrets: never decoded.
    ("githubToken", "true", "true"),
    ("codecovToken", "0123", "0123"),  # Optional[SecretStr]
    # Non-text fields: JSON-decoded.
    ("requiredApprovals", "2", 2),
    ("ownsSharedResources", "true", True),
    ("codeOwners", '["@example-org/web"]', ["@example-org/web"]),
    ("productionReviewerUsers", "[1000001]", [1000001]),
    ("image", '{"mode": "build", "version": "1e3"}', {"mode": "build", "version": "1e3"}),
    # Not JSON (or not a JSON number) for a non-text field: left as written, for the model to refuse.
    ("requiredApprovals", "two", "two"),
    ("requiredApprovals", "Infinity", "Infinity"),
    ("alertEventThreshold", "NaN", "NaN"),
    # Unknown keys stay as written (the model names them as unknown).
    ("repositoryDescripton", "1e3", "1e3"),
    # Values that are not strings (programs, tests) pass through.
    ("requiredApprovals", 2, 2),
]


@pytest.mark.parametrize(("key", "raw", "expected"), DECODE)
def test_decode_only_where_the_model_expects_a_non_string(key, raw, expected):
    assert decode(key, raw) == expected and type(decode(key, raw)) is type(expected)


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [(str, True), (int, False), (bool, False), (list[str], False), (dict, False),
     ("Optional[str]", True), ("Literal['a', 'b']", True), ("Literal[1, 2]", False), ("str | None", True),
     ("Annotated[str, 1]", True), ("Optional[int]", False), ("SecretStr", True)],
)
def test_wants_text(annotation, expected):
    import typing  # noqa: F401 (names for eval)
    from typing import Annotated, Literal, Optional  # noqa: F401

    from pydantic import SecretStr  # noqa: F401

    assert wants_text(eval(annotation) if isinstance(annotation, str) else annotation) is expected


def _staging(**changes: str) -> tuple[dict, set]:
    _, values, secrets, _ = stack_config(ROOT, "staging", None)
    values.update({f"webapp-platform:{k}": v for k, v in changes.items()})
    return values, secrets


@pytest.mark.parametrize("description", ["1e3", "Infinity", "true", "0x10", " spaced "])
def test_text_reaches_the_model_as_written(description):
    values, secrets = _staging(repositoryDescription=description)
    assert load_stack_config(values, secrets).repository_description == description


def test_a_secret_whose_value_is_true_is_accepted_as_text():
    values, secrets = _staging(githubToken="true")
    assert load_stack_config(values, secrets).github_token.get_secret_value() == "true"


@pytest.mark.parametrize(("key", "raw"), [("requiredApprovals", "Infinity"), ("alertEventThreshold", "NaN"), ("requiredApprovals", "1.5")])
def test_a_number_field_refuses_what_is_not_a_whole_number_by_name(key, raw):
    values, secrets = _staging(**{key: raw})
    with pytest.raises(ConfigError) as caught:
        load_stack_config(values, secrets)
    assert f"webapp-platform:{key}: got " in str(caught.value)


def test_the_plan_shows_the_description_as_written(stack_file):
    from plan.harness import run_stack

    plan = run_stack("production", stack_file=stack_file("production", set={"webapp-platform:repositoryDescription": "1e3"}))
    repository = next(r for r in plan["resources"] if r["type"] == "github:index/repository:Repository")
    assert repository["inputs"]["description"] == "1e3"
