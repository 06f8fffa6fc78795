"""scripts/schema_from_sdk.py: provider schemas derived from the pinned Python SDKs.

The Vercel and Kubernetes schemas under provider-schemas/ are derived from their SDKs (no plugin can be
built here). Two things make them trustworthy: regenerating them gives the committed files exactly, and
the same derivation applied to the github, sentry and docker-build SDKs agrees with those providers'
published schemas on every resource, input, required input, output and property type.
"""

from __future__ import annotations

import ast
import copy
import gzip
import importlib.metadata
import json
import os
import re
from pathlib import Path
from typing import Any, Callable

import pytest

from plan.schema_check import check_plan
from plan.schema_load import SchemaSet, _index_package, read_pins
from scripts import schema_from_sdk as gen
from scripts.sdk_source import DerivationError, type_modules

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = ROOT / "provider-schemas"
PINS = read_pins(ROOT / "requirements.txt")
KUBERNETES_FILE = ROOT / "stacks" / "examples" / "production-kubernetes.yaml"
STACKS = [("staging", None), ("production", None), ("production", KUBERNETES_FILE)]
PUBLISHED = ("github", "sentry", "docker-build")

# Keys of a property spec the derivation claims; anything else (descriptions, language hints) is not read.
COMPARED_KEYS = ("type", "items", "additionalProperties", "$ref", "oneOf", "const", "default", "defaultInfo",
                 "deprecationMessage", "secret")
# The SDKs mark secrets per resource, never inside nested types, so `secret` there cannot be derived
# (`plan check` does not read it; the plan marks secrets from the engine's own wrappers).
NOT_COMPARED_IN_TYPES = ("secret",)
_PYTHON_SPAN = re.compile(r'<span [^>]*pulumi-lang-python="([^"]*)"[^>]*>.*?</span>', re.S)


@pytest.fixture(scope="module")
def derived() -> Callable[[str], dict[str, Any]]:
    """The derived schema of a package, computed once per module (Kubernetes takes tens of seconds)."""
    cache: dict[str, dict[str, Any]] = {}

    def get(package: str) -> dict[str, Any]:
        if package not in cache:
            cache[package] = gen.derive(package)
        return copy.deepcopy(cache[package])

    return get


def published(package: str) -> dict[str, Any]:
    """The vendored published schema of a package (vendored by the plan check's own change)."""
    path = SCHEMAS_DIR / f"{package}-{PINS[package]}.json.gz"
    if not path.is_file():
        message = f"{path} is missing: the published {package} schema is vendored under provider-schemas/"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return json.loads(gzip.decompress(path.read_bytes()))


def disagreements(expected: dict[str, Any], actual: dict[str, Any], tokens: list[str]) -> list[str]:
    """Every difference between two schemas on the given resource tokens, types followed through `$ref`."""
    found: list[str] = []
    seen: set[str] = set()

    def spec(path: str, want: dict[str, Any], got: dict[str, Any], skip: tuple[str, ...]) -> None:
        for key in COMPARED_KEYS:
            if key in skip or (key not in want and key not in got):
                continue
            a, b = want.get(key), got.get(key)
            if key in ("items", "additionalProperties") and a is not None and b is not None:
                spec(f"{path}.{key}", a, b, skip)
            elif key == "oneOf" and a is not None and b is not None and len(a) == len(b):
                for index, (x, y) in enumerate(zip(a, b)):
                    spec(f"{path}.oneOf[{index}]", x, y, skip)
            elif key == "deprecationMessage" and a is not None:
                # Published text carries per-language spans; the Python SDK keeps the Python rendering.
                if _PYTHON_SPAN.sub(r"\1", a) != b:
                    found.append(f"{path}: deprecationMessage {a!r} != {b!r}")
            elif a != b:
                found.append(f"{path}: {key} {json.dumps(a)} != {json.dumps(b)}")
            elif key == "$ref" and a.startswith("#/types/"):
                named_type(a.removeprefix("#/types/"))

    def properties(path: str, want: dict[str, Any], got: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
        for name in sorted(set(want) | set(got)):
            if name not in got or name not in want:
                found.append(f"{path}.{name}: only in the {'published' if name in want else 'derived'} schema")
            else:
                spec(f"{path}.{name}", want[name], got[name], skip)

    def required(path: str, want: list[str] | None, got: list[str] | None) -> None:
        if sorted(want or []) != sorted(got or []):
            found.append(f"{path}: {sorted(want or [])} != {sorted(got or [])}")

    def named_type(token: str) -> None:
        if token in seen:
            return
        seen.add(token)
        want, got = expected["types"].get(token), actual["types"].get(token)
        if want is None or got is None:
            found.append(f"type {token}: only in the {'published' if got is None else 'derived'} schema")
            return
        if "enum" in want or "enum" in got:
            values = [[item.get("value") for item in t.get("enum", [])] for t in (want, got)]
            if values[0] != values[1] or want.get("type") != got.get("type"):
                found.append(f"type {token}: enum {want.get('type')} {values[0]} != {got.get('type')} {values[1]}")
            return
        properties(f"type {token}", want.get("properties", {}), got.get("properties", {}), NOT_COMPARED_IN_TYPES)
        required(f"type {token} required", want.get("required"), got.get("required"))

    for token in tokens:
        is_provider = token.startswith("pulumi:providers:")
        want = expected["provider"] if is_provider else expected["resources"].get(token)
        got = actual["provider"] if is_provider else actual["resources"].get(token)
        if want is None or got is None:
            found.append(f"{token}: only in the {'published' if got is None else 'derived'} schema")
            continue
        properties(f"{token} inputs", want.get("inputProperties", {}), got.get("inputProperties", {}))
        required(f"{token} requiredInputs", want.get("requiredInputs"), got.get("requiredInputs"))
        if not is_provider:  # the SDK keeps only a provider's string-typed outputs
            properties(f"{token} outputs", want.get("properties", {}), got.get("properties", {}))
            required(f"{token} required", want.get("required"), got.get("required"))
    return found


@pytest.mark.parametrize("package", gen.COMMITTED)
def test_committed_file_is_exactly_what_the_generator_derives_from_the_pinned_sdk(derived, package):
    doc = derived(package)
    path = SCHEMAS_DIR / f"{package}-{PINS[package]}.json.gz"
    assert gen.output_path(doc, SCHEMAS_DIR) == path
    assert doc["version"] == PINS[package] == importlib.metadata.version(gen.TARGETS[package])
    assert doc["x-derivedFrom"] == f"{gen.TARGETS[package]}=={PINS[package]} Python SDK"
    committed = path.read_bytes()
    assert committed[3] & 0x08 == 0 and committed[4:8] == b"\0\0\0\0"  # no file name, mtime 0
    assert gzip.decompress(committed) == gzip.decompress(gen.encode(doc)), (
        f"{path.name} is stale: regenerate it with `python -m scripts.schema_from_sdk {package}`")


def test_two_derivations_give_the_same_bytes(derived):
    assert gen.encode(gen.derive("vercel")) == gen.encode(derived("vercel"))


@pytest.mark.parametrize("package", PUBLISHED)
def test_derivation_agrees_with_the_published_schema(derived, plan_of, package):
    """Every resource of the package (those the shipped plans use included) and the provider."""
    expected, actual = published(package), derived(package)
    used = {r["type"] for stack, stack_file in STACKS for r in plan_of(stack, stack_file)["resources"]
            if r["type"].startswith(f"{package}:")}
    assert used and used <= set(actual["resources"])
    assert set(actual["resources"]) == set(expected["resources"])
    tokens = sorted(actual["resources"]) + [f"pulumi:providers:{package}"]
    assert disagreements(expected, actual, tokens) == []


def test_every_derived_type_reference_resolves(derived):
    for package in gen.COMMITTED:
        doc = derived(package)
        text = json.dumps(doc)
        refs = set(re.findall(r'"#/types/([^"]+)"', text))
        assert refs and refs <= set(doc["types"]), sorted(refs - set(doc["types"]))[:5]
        assert all(spec for spec in doc["types"].values())  # no reserved-but-unfilled type


def _first(plan: dict[str, Any], token: str) -> dict[str, Any]:
    return next(r["inputs"] for r in plan["resources"] if r["type"] == token)


def _misspelt_vercel_input(plan):
    inputs = _first(plan, "vercel:index/project:Project")
    inputs["framwork"] = inputs.pop("framework")
    return "inputs.framwork is not an input of Project; did you mean framework?"


def _vercel_required_input(plan):
    del _first(plan, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")["sensitive"]
    return "sensitive is a required input of ProjectEnvironmentVariable but is not set"


def _vercel_nested_type(plan):
    _first(plan, "vercel:index/project:Project")["gitRepository"]["type"] = 1
    return "inputs.gitRepository.type: expected string, got integer 1"


def _kubernetes_nested_name(plan):
    container = _first(plan, "kubernetes:apps/v1:Deployment")["spec"]["template"]["spec"]["containers"][0]
    container["imagePullPolicey"] = "Always"
    return "inputs.spec.template.spec.containers[0].imagePullPolicey is not a property of Container"


def _kubernetes_type(plan):
    _first(plan, "kubernetes:apps/v1:Deployment")["spec"]["minReadySeconds"] = "5"
    return "inputs.spec.minReadySeconds: expected integer, got string"


def _kubernetes_const(plan):
    _first(plan, "kubernetes:apps/v1:Deployment")["apiVersion"] = "apps/v1beta1"
    return 'inputs.apiVersion: must be "apps/v1"'


@pytest.fixture(scope="module")
def derived_schemas() -> SchemaSet:
    """The committed derived schemas as the plan check indexes them (whatever folder loader is current)."""
    packages = {}
    for name in gen.COMMITTED:
        path = SCHEMAS_DIR / f"{name}-{PINS[name]}.json.gz"
        packages[name] = _index_package(json.loads(gzip.decompress(path.read_bytes())), name, PINS[name], path)
    return SchemaSet(directory=SCHEMAS_DIR, pins=PINS, packages=packages)


@pytest.mark.parametrize("mutate", [_misspelt_vercel_input, _vercel_required_input, _vercel_nested_type,
                                    _kubernetes_nested_name, _kubernetes_type, _kubernetes_const])
def test_the_derived_schemas_catch_a_mistake_in_the_real_plan(plan_of, derived_schemas, mutate):
    plan = plan_of("production", KUBERNETES_FILE)
    # Only the derived packages' resources (their explicit providers included): the others are not the point.
    plan["resources"] = [r for r in plan["resources"]
                         if r["type"].removeprefix("pulumi:providers:").split(":")[0] in gen.COMMITTED]
    assert {r["type"] for r in plan["resources"]} >= {"pulumi:providers:vercel", "pulumi:providers:kubernetes",
                                                      "vercel:index/project:Project", "kubernetes:apps/v1:Deployment"}
    schemas = derived_schemas
    assert check_plan(plan, schemas).violations == []
    assert check_plan(plan, schemas).resources_checked == len(plan["resources"])
    expected = mutate(plan)
    violations = check_plan(plan, schemas).violations
    assert len(violations) == 1 and expected in violations[0]["message"], violations


def _rename_input(doc):
    inputs = doc["resources"]["github:index/repositoryRuleset:RepositoryRuleset"]["inputProperties"]
    inputs["enforcment"] = inputs.pop("enforcement")
    return "RepositoryRuleset inputs.enforc"  # enforcement only published, enforcment only derived


def _drop_required(doc):
    doc["resources"]["github:index/repositoryRuleset:RepositoryRuleset"]["requiredInputs"].remove("rules")
    return "RepositoryRuleset requiredInputs"


def _nested_type(doc):
    pull_request = doc["types"]["github:index/RepositoryRulesetRulesPullRequest:RepositoryRulesetRulesPullRequest"]
    pull_request["properties"]["requiredApprovingReviewCount"] = {"type": "string"}
    return "RepositoryRulesetRulesPullRequest.requiredApprovingReviewCount: type"


def _nested_required(doc):
    doc["types"]["github:index/RepositoryRulesetConditionsRefName:RepositoryRulesetConditionsRefName"]["required"] = []
    return "RepositoryRulesetConditionsRefName required"


def _token(doc):
    spec = doc["resources"]["github:index/repositoryRuleset:RepositoryRuleset"]["inputProperties"]["rules"]
    spec["$ref"] = "#/types/github:index/RepositoryRulesetRules:Rules"
    return "inputs.rules: $ref"


def _output(doc):
    del doc["resources"]["github:index/repository:Repository"]["properties"]["fullName"]
    return "Repository outputs.fullName: only in the published schema"


@pytest.mark.parametrize("mutate", [_rename_input, _drop_required, _nested_type, _nested_required, _token, _output])
def test_the_comparison_reports_each_kind_of_disagreement(derived, mutate):
    expected = published("github")
    actual = derived("github")
    assert disagreements(expected, actual, sorted(actual["resources"])) == []
    where = mutate(actual)
    found = disagreements(expected, actual, sorted(actual["resources"]))
    assert found and all(where in line for line in found), found


@pytest.fixture(scope="module")
def docker_build() -> gen.Deriver:
    return gen.Deriver("docker-build", gen.TARGETS["docker-build"])


ANNOTATIONS = [
    ("pulumi.Input[Optional[_builtins.str]]", {"type": "string"}, True),
    ("Optional[pulumi.Input[Sequence[pulumi.Input[_builtins.int]]]]", {"type": "array", "items": {"type": "integer"}}, True),
    ("pulumi.Input[Mapping[str, pulumi.Input[_builtins.float]]]", {"type": "object", "additionalProperties": {"type": "number"}}, False),
    ("pulumi.Output[Union[_builtins.int, _builtins.str]]", {"oneOf": [{"type": "integer"}, {"type": "string"}]}, False),
    ("pulumi.Input[Optional[Literal['apps/v1']]]", {"type": "string", "const": "apps/v1"}, True),
    ("Optional[Any]", {"$ref": "pulumi.json#/Any"}, True),
    ("pulumi.Input[Optional[Union['BuildContextArgs', 'BuildContextArgsDict']]]", {"$ref": "#/types/docker-build:index:BuildContext"}, True),
    ("pulumi.Output['outputs.BuildContext']", {"$ref": "#/types/docker-build:index:BuildContext"}, False),
    ("pulumi.Input[Sequence[pulumi.Input['Platform']]]", {"type": "array", "items": {"$ref": "#/types/docker-build:index:Platform"}}, False),
]


@pytest.mark.parametrize("annotation, spec, optional", ANNOTATIONS)
def test_annotations_translate_to_schema_types(docker_build, annotation, spec, optional):
    import pulumi_docker_build.image as image

    node = ast.parse(annotation, mode="eval").body
    assert docker_build.spec(node, vars(image), "here") == (spec, optional)
    if "Platform" in annotation:
        platform = docker_build.types["docker-build:index:Platform"]
        assert platform["type"] == "string" and {"value": "linux/amd64"} in platform["enum"]


@pytest.mark.parametrize("annotation, message", [
    ("Callable[[int], str]", "image.py:7: cannot translate the annotation `Callable[[int], str]`"),
    ("pulumi.Input['NoSuchArgs']", "image.py:7: `NoSuchArgs` is no SDK type, enum or resource"),
])
def test_an_annotation_it_cannot_read_is_an_error_naming_the_place(docker_build, annotation, message):
    import pulumi_docker_build.image as image

    with pytest.raises(DerivationError, match=re.escape(message)):
        docker_build.spec(ast.parse(annotation, mode="eval").body, vars(image), "image.py:7")


def _entry(fqn: str, mod: str, *names: str) -> dict[str, Any]:
    return {"fqn": fqn, "mod": mod, "classes": {f"p:{mod}:{n}": n for n in names}}


@pytest.mark.parametrize("entries, expected", [
    ([_entry("sdk", "index/projectDomain", "ProjectDomain"), _entry("sdk", "index/project", "Project")],
     {"sdk": ("index", True)}),
    ([_entry("sdk.apps.v1", "apps/v1", "Deployment", "DeploymentList")],
     {"sdk.apps.v1": ("apps/v1", False), "sdk": ("index", False)}),
    ([_entry("sdk", "index", "Image")], {"sdk": ("index", False)}),
])
def test_type_token_form_follows_the_resource_tokens(entries, expected):
    assert type_modules(entries, "sdk") == expected


def test_resources_of_one_python_package_in_two_schema_modules_are_refused():
    with pytest.raises(DerivationError, match=r"sdk: resources in several schema modules \['a/v1', 'b/v1'\]"):
        type_modules([_entry("sdk", "a/v1", "X"), _entry("sdk", "b/v1", "Y")], "sdk")


def test_cli_writes_checks_and_reports_stale_files(tmp_path, capsys):
    assert gen.main(["sentry", "--out", str(tmp_path)]) == 0
    written = tmp_path / f"sentry-{PINS['sentry']}.json.gz"
    assert "wrote" in capsys.readouterr().out and written.is_file()
    assert gen.main(["sentry", "--out", str(tmp_path), "--check"]) == 0
    assert "up to date" in capsys.readouterr().out
    written.write_bytes(gzip.compress(b'{"name": "sentry"}', mtime=0))
    assert gen.main(["sentry", "--out", str(tmp_path), "--check"]) == 1
    assert "STALE: regenerate with python -m scripts.schema_from_sdk" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        gen.main(["verce1"])
    assert exit_info.value.code == 2
    assert "unknown package verce1; expected any of vercel, kubernetes" in capsys.readouterr().err
