"""Provider-schema check of the offline plan, against the vendored schemas in provider-schemas/.

Hand-built plans use real resource types with realistic inputs; each mutation must produce exactly
one violation at the right JSON path. Features the shipped schemas do not use (oneOf, const, number,
builtin and foreign refs, inline objects) are covered by a small synthetic schema.
"""

from __future__ import annotations

import copy
import gzip
import importlib.metadata
import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from plan.schema_check import POLICY_NAME, SchemaError, SchemaSet, check_plan, classify, load_schemas, main, read_pins

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = REPO_ROOT / "provider-schemas"
REQUIREMENTS = REPO_ROOT / "requirements.txt"

# Schema package -> (PyPI distribution, Python module) of its installed SDK; the vendored schema
# files must describe exactly the versions requirements.txt pins for every one of these.
PROVIDER_PACKAGES: dict[str, tuple[str, str]] = {
    "github": ("pulumi-github", "pulumi_github"),
    "sentry": ("pulumiverse-sentry", "pulumiverse_sentry"),
    "docker-build": ("pulumi-docker-build", "pulumi_docker_build"),
    "vercel": ("pulumiverse-vercel", "pulumiverse_vercel"),
    "kubernetes": ("pulumi-kubernetes", "pulumi_kubernetes"),
}
# The packages the hand-built plan below uses; its tests load only their schemas.
PLAN_PACKAGES = ("github", "sentry", "docker-build")

PROJECT = "webapp-platform"
STACK_URN = f"urn:pulumi:staging::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-staging"


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    """The vendored schemas of PLAN_PACKAGES, loaded and indexed once (read-only afterwards)."""
    pins = read_pins(REQUIREMENTS)
    return load_schemas(SCHEMAS_DIR, {name: pins[name] for name in PLAN_PACKAGES})


@pytest.fixture()
def plan_requirements(tmp_path: Path) -> Path:
    """A requirements file pinning only PLAN_PACKAGES, as requirements.txt pins them."""
    pins = read_pins(REQUIREMENTS)
    names = {"github": "pulumi-github", "sentry": "pulumiverse-sentry", "docker-build": "pulumi-docker-build"}
    path = tmp_path / "plan-requirements.txt"
    path.write_text("".join(f"{names[p]}=={pins[p]}\n" for p in PLAN_PACKAGES), encoding="utf-8")
    return path


def _res(type_: str, name: str, inputs: dict[str, Any], parent: str | None = STACK_URN) -> dict[str, Any]:
    """A plan resource entry as `plan show --json` writes it."""
    return {
        "urn": f"urn:pulumi:staging::{PROJECT}::{type_}::{name}",
        "type": type_,
        "name": name,
        "parent": parent,
        "dependencies": [],
        "protect": False,
        "retainOnDelete": False,
        "provider": None,
        "inputs": inputs,
    }


RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
REPOSITORY = "github:index/repository:Repository"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
SENTRY_PROJECT = "sentry:index/sentryProject:SentryProject"
IMAGE = "docker-build:index:Image"
VERCEL_PROJECT = "vercel:index/project:Project"
K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment"
DYNAMIC_ALERT = "pulumi-python:dynamic/sentry:Alert"


def clean_plan() -> dict[str, Any]:
    """A fresh staging-like plan that passes the schema check (a new dict on every call)."""
    resources = [
        _res("pulumi:pulumi:Stack", f"{PROJECT}-staging", {}, parent=None),
        _res(f"{PROJECT}:index:GitHubRepository", "web", {}),
        _res("pulumi:providers:github", "github", {"owner": "acme", "token": "[secret]", "maxRetries": "3"}),
        _res(REPOSITORY, "web", {
            "name": "web", "description": "React SPA", "visibility": "public", "hasIssues": True,
            "hasWiki": False, "hasProjects": False, "allowMergeCommit": False, "allowSquashMerge": True,
            "allowRebaseMerge": False, "deleteBranchOnMerge": True, "autoInit": True,
            "archiveOnDestroy": True, "topics": ["react", "spa"],
            "securityAndAnalysis": {"secretScanning": {"status": "enabled"},
                                    "secretScanningPushProtection": {"status": "enabled"}},
        }),
        _res("github:index/branchDefault:BranchDefault", "web-default", {"repository": "web", "branch": "main"}),
        _res(RULESET, "main-ruleset", {
            "repository": "[unknown]", "name": "main", "target": "branch", "enforcement": "active",
            "bypassActors": [],
            "conditions": {"refName": {"includes": ["~DEFAULT_BRANCH"], "excludes": []}},
            "rules": {
                "deletion": True, "nonFastForward": True, "requiredLinearHistory": True,
                "pullRequest": {"requiredApprovingReviewCount": 1, "dismissStaleReviewsOnPush": True,
                                "requireLastPushApproval": True, "requiredReviewThreadResolution": True,
                                "requireCodeOwnerReview": False},
                "requiredStatusChecks": {"strictRequiredStatusChecksPolicy": True,
                                         "requiredChecks": [{"context": "build"},
                                                            {"context": "test", "integrationId": 15368}]},
            },
        }),
        _res(RULESET, "tag-ruleset", {
            "repository": "web", "name": "release tags", "target": "tag", "enforcement": "active",
            "conditions": {"refName": {"includes": ["refs/tags/v*"], "excludes": []}},
            "rules": {"deletion": True, "update": True, "nonFastForward": True},
        }),
        _res(ENVIRONMENT, "production", {
            "repository": "web", "environment": "production", "waitTimer": 0, "preventSelfReview": True,
            "canAdminsBypass": False, "reviewers": [{"users": [1234567], "teams": []}],
            "deploymentBranchPolicy": {"protectedBranches": False, "customBranchPolicies": True},
        }),
        _res("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
             "production-main", {"repository": "web", "environment": "production", "branchPattern": "main"}),
        _res("github:index/actionsSecret:ActionsSecret", "sentry-token",
             {"repository": "web", "secretName": "SENTRY_AUTH_TOKEN", "value": "[secret]"}),
        _res("github:index/actionsVariable:ActionsVariable", "sentry-org",
             {"repository": "web", "variableName": "SENTRY_ORG", "value": "acme"}),
        _res("github:index/repositoryFile:RepositoryFile", "ci-workflow", {
            "repository": "web", "file": ".github/workflows/ci.yml", "content": "name: ci\n",
            "branch": "main", "commitMessage": "ci: add workflow", "overwriteOnCreate": True,
        }),
        _res("pulumi:providers:sentry", "sentry", {"token": "[secret]"}),
        _res("sentry:index/sentryTeam:SentryTeam", "web-team", {"organization": "acme", "name": "Web", "slug": "web"}),
        _res(SENTRY_PROJECT, "web-project", {
            "organization": "acme", "teams": ["web"], "name": "web", "slug": "web",
            "platform": "javascript-react", "resolveAge": 720,
        }),
        _res("sentry:index/sentryKey:SentryKey", "web-key", {"organization": "acme", "project": "[unknown]", "name": "web"}),
        _res(IMAGE, "nginx", {
            "push": True, "buildOnPreview": False, "network": "default",
            "tags": ["ghcr.io/acme/web:staging"], "platforms": ["linux/amd64", "linux/arm64"],
            "context": {"location": "./image"}, "dockerfile": {"location": "./image/Dockerfile"},
            "buildArgs": {"NGINX_VERSION": "1.27", "SITE-DIR": "dist"},
            "cacheFrom": [{"registry": {"ref": "ghcr.io/acme/web:cache"}}],
            "cacheTo": [{"registry": {"ref": "ghcr.io/acme/web:cache", "mode": "max", "imageManifest": True}}],
            "registries": [{"address": "ghcr.io", "username": "acme", "password": "[secret]"}],
        }),
        _res(DYNAMIC_ALERT, "errors-alert", {"name": "errors"}),
        _res("pulumi:pulumi:StackReference", "source", {"name": "acme/web/staging"}),
    ]
    return {"project": PROJECT, "stack": "staging", "resources": resources, "outputs": {}}


def _inputs(plan: dict[str, Any], name: str, type_: str) -> dict[str, Any]:
    """The inputs dict of the resource `name` of `type_` in `plan`, for mutation in place."""
    return next(r["inputs"] for r in plan["resources"] if r["name"] == name and r["type"] == type_)


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:staging::{PROJECT}::{type_}::{name}"


# ---------------------------------------------------------------------------------------------
# The clean plan


def test_clean_plan_has_no_violations_and_counts_what_it_checked(schemas: SchemaSet) -> None:
    report = check_plan(clean_plan(), schemas)
    assert report.violations == []
    # 2 explicit providers + 13 custom resources of github, sentry and docker-build.
    assert report.resources_checked == 15
    assert report.properties_checked > 100


def test_only_dynamic_resources_and_stack_references_are_unchecked_each_with_its_reason(schemas: SchemaSet) -> None:
    plan = clean_plan()
    plan["resources"].append(_res(DYNAMIC_ALERT, "errors-alert-2", {"name": "errors-2"}))  # same type: listed once
    report = check_plan(plan, schemas)
    assert [item["type"] for item in report.unchecked] == [DYNAMIC_ALERT, "pulumi:pulumi:StackReference"]
    reasons = [item["reason"] for item in report.unchecked]
    assert reasons[0].startswith("dynamic provider: ") and "no package schema" in reasons[0]
    assert reasons[1].startswith("StackReference: ") and "builtin provider" in reasons[1]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("random:index/randomPet:RandomPet", "no pinned version of random in requirements.txt"),
        (VERCEL_PROJECT, "no pinned version of vercel in requirements.txt"),  # not in this schema set's pins
    ],
)
def test_a_resource_of_a_package_without_schema_is_a_violation(schemas: SchemaSet, token: str, reason: str) -> None:
    plan = {"project": PROJECT, "resources": [_res(token, "thing", {})]}
    report = check_plan(plan, schemas)
    assert report.unchecked == [] and report.resources_checked == 0
    assert [(v["urn"], v["enforcementLevel"]) for v in report.violations] == [(_urn(token, "thing"), "mandatory")]
    assert report.violations[0]["message"].startswith(f"{token}: {reason}; pin its SDK exactly and vendor its schema")


def test_deprecated_inputs_are_noted_not_violations(schemas: SchemaSet) -> None:
    plan = clean_plan()
    _inputs(plan, "web-project", SENTRY_PROJECT)["team"] = "web"
    report = check_plan(plan, schemas)
    assert report.violations == []
    assert report.deprecated == [{"urn": _urn(SENTRY_PROJECT, "web-project"), "path": "inputs.team",
                                  "message": "Use `teams` instead."}]


@pytest.mark.parametrize(
    ("token", "kind", "package"),
    [
        ("pulumi:pulumi:Stack", "stack", "pulumi"),
        ("pulumi:providers:github", "provider", "github"),
        ("webapp-platform:index:Monitoring", "component", "webapp-platform"),
        ("pulumi-python:dynamic/sentry:Alert", "dynamic", "pulumi-python"),
        ("pulumi-python:dynamic:Resource", "dynamic", "pulumi-python"),
        ("docker-build:index:Image", "custom", "docker-build"),
        ("kubernetes:apps/v1:Deployment", "custom", "kubernetes"),
    ],
)
def test_classify(token: str, kind: str, package: str) -> None:
    assert classify(token, PROJECT) == (kind, package)


# ---------------------------------------------------------------------------------------------
# Mutations: each must give exactly one violation on the mutated resource, with the right path.

Mutation = Callable[[dict[str, Any]], None]


def _set(name: str, type_: str, path: str, value: Any) -> Mutation:
    """Set the dotted `path` (list indexes as numbers) in a resource's inputs."""
    def mutate(plan: dict[str, Any]) -> None:
        node: Any = _inputs(plan, name, type_)
        *parents, last = path.split(".")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
    return mutate


def _drop(name: str, type_: str, path: str) -> Mutation:
    def mutate(plan: dict[str, Any]) -> None:
        node: Any = _inputs(plan, name, type_)
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        del node[last]
    return mutate


def _rename(name: str, type_: str, path: str, new_key: str) -> Mutation:
    def mutate(plan: dict[str, Any]) -> None:
        node: Any = _inputs(plan, name, type_)
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        node[new_key] = node.pop(last)
    return mutate


def _retype(old: str, new: str) -> Mutation:
    def mutate(plan: dict[str, Any]) -> None:
        resource = next(r for r in plan["resources"] if r["type"] == old)
        resource["type"], resource["urn"] = new, resource["urn"].replace(old, new)
    return mutate


MUTATIONS = [
    pytest.param(
        _rename("main-ruleset", RULESET, "rules.pullRequest.requiredApprovingReviewCount", "requiredApprovingReviewCont"),
        RULESET, "main-ruleset",
        f'{RULESET} "main-ruleset": inputs.rules.pullRequest.requiredApprovingReviewCont is not a property of '
        "RepositoryRulesetRulesPullRequest; did you mean requiredApprovingReviewCount?",
        id="misspelt-nested-key",
    ),
    pytest.param(
        _rename("main-ruleset", RULESET, "rules.requiredStatusChecks", "required_status_checks"),
        RULESET, "main-ruleset",
        "inputs.rules.required_status_checks is not a property of RepositoryRulesetRules; did you mean requiredStatusChecks?",
        id="snake-case-nested-key",
    ),
    pytest.param(
        _set("main-ruleset", RULESET, "rules.pullRequest.requiredApprovingReviewCount", "1"),
        RULESET, "main-ruleset",
        'inputs.rules.pullRequest.requiredApprovingReviewCount: expected integer, got string "1"',
        id="string-for-integer",
    ),
    pytest.param(
        _set("production", ENVIRONMENT, "waitTimer", True),
        ENVIRONMENT, "production", "inputs.waitTimer: expected integer, got boolean true", id="boolean-for-integer",
    ),
    pytest.param(
        _set("web", REPOSITORY, "hasWiki", "false"),
        REPOSITORY, "web", 'inputs.hasWiki: expected boolean, got string "false"', id="string-for-boolean",
    ),
    pytest.param(
        _drop("main-ruleset", RULESET, "enforcement"),
        RULESET, "main-ruleset", "inputs.enforcement is a required input of RepositoryRuleset but is not set",
        id="dropped-required-input",
    ),
    pytest.param(
        _drop("main-ruleset", RULESET, "conditions.refName.excludes"),
        RULESET, "main-ruleset",
        "inputs.conditions.refName.excludes is required in RepositoryRulesetConditionsRefName but is not set",
        id="dropped-required-nested",
    ),
    pytest.param(
        _drop("main-ruleset", RULESET, "rules.requiredStatusChecks.requiredChecks"),
        RULESET, "main-ruleset",
        "inputs.rules.requiredStatusChecks.requiredChecks is required in RepositoryRulesetRulesRequiredStatusChecks",
        id="dropped-required-array",
    ),
    pytest.param(
        _set("web", REPOSITORY, "hasDiscusions", True),
        REPOSITORY, "web", "inputs.hasDiscusions is not an input of Repository; did you mean hasDiscussions?",
        id="unknown-top-level-input",
    ),
    pytest.param(
        _set("web-project", SENTRY_PROJECT, "platfrom", "javascript"),
        SENTRY_PROJECT, "web-project", "inputs.platfrom is not an input of SentryProject; did you mean platform?",
        id="unknown-sentry-input",
    ),
    pytest.param(
        _set("nginx", IMAGE, "platforms", ["linux/amd64", "linux/amd65"]),
        IMAGE, "nginx", 'inputs.platforms[1]: string "linux/amd65" is not a Platform value; did you mean linux/amd64',
        id="bad-enum-in-array",
    ),
    pytest.param(
        _set("nginx", IMAGE, "cacheTo.0.registry.mode", "everything"),
        IMAGE, "nginx", 'inputs.cacheTo[0].registry.mode: string "everything" is not a CacheMode value; allowed: min, max',
        id="bad-enum-nested",
    ),
    pytest.param(
        _set("production", ENVIRONMENT, "reviewers.0.users", ["octocat"]),
        ENVIRONMENT, "production", 'inputs.reviewers[0].users[0]: expected integer, got string "octocat"',
        id="array-item-wrong-type",
    ),
    pytest.param(
        _set("nginx", IMAGE, "buildArgs", {"NGINX_VERSION": 1.27}),
        IMAGE, "nginx", "inputs.buildArgs.NGINX_VERSION: expected string, got number 1.27", id="map-value-wrong-type",
    ),
    pytest.param(
        _set("web-project", SENTRY_PROJECT, "teams", "web"),
        SENTRY_PROJECT, "web-project", 'inputs.teams: expected array, got string "web"', id="string-for-array",
    ),
    pytest.param(
        _set("main-ruleset", RULESET, "rules", ["deletion"]),
        RULESET, "main-ruleset", "inputs.rules: expected object (RepositoryRulesetRules), got array", id="array-for-object",
    ),
    pytest.param(
        _set("github", "pulumi:providers:github", "maxRetries", "three"),
        "pulumi:providers:github", "github", 'inputs.maxRetries: expected integer, got string "three"',
        id="provider-input-wrong-type",
    ),
    pytest.param(
        _set("github", "pulumi:providers:github", "ownr", "acme"),
        "pulumi:providers:github", "github",
        "inputs.ownr is not an input of the github provider; did you mean owner?", id="provider-unknown-input",
    ),
    pytest.param(
        _set("main-ruleset", RULESET, "rules.pullRequest.requiredApprovingReviewCont", "[unknown]"),
        RULESET, "main-ruleset", "inputs.rules.pullRequest.requiredApprovingReviewCont is not a property",
        id="misspelt-key-with-placeholder-value",
    ),
    pytest.param(
        _retype(RULESET, "github:index/repositoryRulesets:RepositoryRulesets"),
        "github:index/repositoryRulesets:RepositoryRulesets", "main-ruleset",
        "is not a resource type of github@6.15.0; did you mean github:index/repositoryRuleset:RepositoryRuleset?",
        id="unknown-resource-type",
    ),
]


@pytest.mark.parametrize(("mutate", "type_", "name", "expected"), MUTATIONS)
def test_mutation_gives_one_violation_at_the_right_path(
    schemas: SchemaSet, mutate: Mutation, type_: str, name: str, expected: str
) -> None:
    plan = clean_plan()
    mutate(plan)
    report = check_plan(plan, schemas)
    assert len(report.violations) == 1, report.violations
    violation = report.violations[0]
    assert violation["policy"] == POLICY_NAME == "provider-schema"
    assert violation["enforcementLevel"] == "mandatory"
    assert violation["urn"] == _urn(type_, name)
    assert violation["message"].startswith(f'{type_} "{name}": ')
    assert expected in violation["message"]


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(_set("main-ruleset", RULESET, "rules.pullRequest", "[unknown]"), id="object-unknown"),
        pytest.param(_set("main-ruleset", RULESET, "rules.pullRequest.requiredApprovingReviewCount", "[secret]"),
                     id="integer-secret"),
        pytest.param(_set("main-ruleset", RULESET, "conditions.refName.includes", "[unknown]"), id="array-unknown"),
        pytest.param(_set("production", ENVIRONMENT, "reviewers.0.users", ["[secret]", 42]), id="array-item-secret"),
        pytest.param(_set("nginx", IMAGE, "buildArgs", {"TOKEN": "[secret]"}), id="map-value-secret"),
        pytest.param(_set("nginx", IMAGE, "platforms", ["[unknown]"]), id="enum-unknown"),
        pytest.param(_set("github", "pulumi:providers:github", "insecure", "[secret]"), id="provider-secret"),
        pytest.param(_set("web", REPOSITORY, "securityAndAnalysis", "[secret]"), id="top-level-object-secret"),
    ],
)
def test_placeholders_are_not_type_checked(schemas: SchemaSet, mutate: Mutation) -> None:
    plan = clean_plan()
    mutate(plan)
    assert check_plan(plan, schemas).violations == []


def test_violations_come_in_plan_order_and_each_resource_is_checked_independently(schemas: SchemaSet) -> None:
    plan = clean_plan()
    _set("web", REPOSITORY, "hasWiki", "no")(plan)
    _set("nginx", IMAGE, "push", "yes")(plan)
    report = check_plan(plan, schemas)
    assert [v["urn"] for v in report.violations] == [_urn(REPOSITORY, "web"), _urn(IMAGE, "nginx")]


def test_check_plan_does_not_modify_the_plan(schemas: SchemaSet) -> None:
    plan = clean_plan()
    _set("github", "pulumi:providers:github", "maxRetries", "5")(plan)
    before = copy.deepcopy(plan)
    check_plan(plan, schemas)
    assert plan == before


# ---------------------------------------------------------------------------------------------
# Schema features the shipped schemas do not exercise, on a synthetic package.

DEMO_SCHEMA: dict[str, Any] = {
    "name": "demo",
    "version": "1.2.3",
    "provider": {"inputProperties": {"region": {"type": "string"}}, "requiredInputs": ["region"]},
    "resources": {
        "demo:index:Thing": {
            "inputProperties": {
                "ratio": {"type": "number"},
                "kind": {"type": "string", "const": "Thing"},
                "anything": {"$ref": "pulumi.json#/Any"},
                "payload": {"$ref": "pulumi.json#/Json"},
                "foreign": {"$ref": "/aws/v6.0.0/schema.json#/types/aws:s3/BucketWebsite:BucketWebsite"},
                "size": {"oneOf": [{"type": "integer"}, {"$ref": "#/types/demo:index:Size"}]},
                "inline": {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                "labels": {"type": "object"},
                "level": {"$ref": "#/types/demo:index:Level"},
            },
            "requiredInputs": [],
        },
    },
    "types": {
        "demo:index:Size": {"type": "string", "enum": [{"value": "small"}, {"value": "large"}]},
        "demo:index:Level": {"type": "integer", "enum": [{"name": "Low", "value": 1}, {"name": "High", "value": 2}]},
    },
}


@pytest.fixture()
def demo_schemas(tmp_path: Path) -> SchemaSet:
    _write(tmp_path / "demo.json.gz", DEMO_SCHEMA)
    return load_schemas(tmp_path, {"demo": "1.2.3"})


def _demo_plan(inputs: dict[str, Any], type_: str = "demo:index:Thing") -> dict[str, Any]:
    return {"project": PROJECT, "resources": [_res(type_, "thing", inputs)]}


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"ratio": 2}, None),
        ({"ratio": 0.5}, None),
        ({"ratio": "0.5"}, 'inputs.ratio: expected number, got string "0.5"'),
        ({"ratio": False}, "inputs.ratio: expected number, got boolean false"),
        ({"kind": "Thing"}, None),
        ({"kind": "Other"}, 'inputs.kind: must be "Thing", got string "Other"'),
        ({"anything": {"x": [1, "y"]}, "payload": [{"a": None}], "foreign": {"indexDocument": 3}}, None),
        ({"size": 3}, None),
        ({"size": "large"}, None),
        ({"size": "huge"}, 'inputs.size: expected one of integer | Size, got string "huge"'),
        ({"inline": {"a": 1}}, None),
        ({"inline": {"a": 1, "b": 2}}, "inputs.inline.b is not a property of this object; valid names: a"),
        ({"inline": {}}, "inputs.inline.a is required in inputs.inline but is not set"),
        ({"labels": {"any": ["thing"]}}, None),
        ({"level": 2}, None),
        ({"level": 3}, "inputs.level: integer 3 is not a Level value; allowed: 1, 2"),
        ({"level": "High"}, 'inputs.level: expected integer (Level), got string "High"'),
        ({"__defaults": []}, None),
    ],
)
def test_synthetic_schema_features(demo_schemas: SchemaSet, inputs: dict[str, Any], expected: str | None) -> None:
    messages = [v["message"] for v in check_plan(_demo_plan(inputs), demo_schemas).violations]
    assert messages == ([] if expected is None else [f'demo:index:Thing "thing": {expected}'])


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"region": "eu", "version": "1.2.3"}, []),  # `version` is added by the engine, not a schema input
        ({}, ['pulumi:providers:demo "thing": inputs.region is a required input of the demo provider but is not set']),
    ],
)
def test_provider_required_inputs_and_engine_inputs(demo_schemas: SchemaSet, inputs: dict[str, Any], expected: list[str]) -> None:
    report = check_plan(_demo_plan(inputs, "pulumi:providers:demo"), demo_schemas)
    assert [v["message"] for v in report.violations] == expected


# ---------------------------------------------------------------------------------------------
# Loading schemas and pins


@pytest.mark.parametrize("name", sorted(PROVIDER_PACKAGES))
def test_vendored_schema_matches_its_pin_and_the_installed_sdk(name: str) -> None:
    """Keeps requirements.txt, the vendored schema files and the installed SDKs in step, per package."""
    pins = read_pins(REQUIREMENTS)
    assert set(pins) == set(PROVIDER_PACKAGES)  # a new provider SDK needs a row above and a vendored schema
    distribution, module = PROVIDER_PACKAGES[name]
    package = load_schemas(SCHEMAS_DIR, {name: pins[name]}).packages[name]
    assert package.path.name == f"{name}-{pins[name]}.json.gz"
    assert package.version == pins[name] == importlib.metadata.version(distribution)
    # The SDK generated from this schema registers exactly its resource types.
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.submodule_search_locations, module
    sdk_tokens: set[str] = set()
    for source in Path(next(iter(spec.submodule_search_locations))).rglob("*.py"):
        sdk_tokens.update(re.findall(r"__init__\(\s*'([^':]+:[^']+)'", source.read_text(encoding="utf-8")))
    assert sdk_tokens == set(package.resources)


def test_the_vendored_folder_holds_every_pinned_schema_and_nothing_else() -> None:
    pins = read_pins(REQUIREMENTS)
    loaded = load_schemas(SCHEMAS_DIR, pins)  # raises when a pinned provider has no schema
    assert sorted(loaded.packages) == sorted(pins)
    assert sorted(p.name for p in SCHEMAS_DIR.iterdir()) == sorted(
        ["README.md"] + [f"{name}-{version}.json.gz" for name, version in pins.items()]
    )


@pytest.mark.parametrize("path", sorted(SCHEMAS_DIR.glob("*.json.gz")), ids=lambda p: p.name)
def test_vendored_files_are_reproducible_gzip(path: Path) -> None:
    """gzip header without a timestamp or file name: the bytes depend on the schema alone."""
    header = path.read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"  # gzip, deflate
    assert header[3] & 0x08 == 0, "the header stores a file name (use gzip -n)"
    assert header[4:8] == b"\0\0\0\0", "the header stores a modification time (use gzip -n)"
    json.loads(gzip.decompress(path.read_bytes()))


def test_a_pinned_provider_without_schema_is_an_error_naming_package_version_and_folder(tmp_path: Path) -> None:
    _write(tmp_path / "github-6.15.0.json.gz", {"name": "github", "resources": {}})
    with pytest.raises(SchemaError) as caught:
        load_schemas(tmp_path, {"github": "6.15.0", "vercel": "5.21.1", "kubernetes": "4.34.2"})
    message = str(caught.value)
    assert message.startswith("no provider schema for kubernetes@4.34.2 ")
    assert f"(expected {tmp_path}/vercel-5.21.1.json.gz)" in message
    assert f"(expected {tmp_path}/kubernetes-4.34.2.json.gz)" in message
    assert "github" not in message


def test_read_pins_maps_pypi_names_to_schema_packages(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# comment\npulumi==3.272.0\npulumi-github==6.15.0  # pinned\npulumiverse-vercel==5.21.1\n"
        "pulumiverse_Sentry==0.0.9\npulumi-docker-build[extra]==0.0.22 ; python_version >= '3.9'\n"
        "pulumi-kubernetes==4.34.2\npulumi-policy==1.21.0\npydantic==2.14.4\n-r other.txt\n",
        encoding="utf-8",
    )
    assert read_pins(requirements) == {
        "github": "6.15.0", "vercel": "5.21.1", "sentry": "0.0.9", "docker-build": "0.0.22", "kubernetes": "4.34.2",
    }


def test_read_pins_of_the_repository() -> None:
    assert read_pins(REQUIREMENTS) == {
        "github": "6.15.0", "vercel": "5.21.1", "sentry": "0.0.9", "docker-build": "0.0.22", "kubernetes": "4.34.2",
    }


@pytest.mark.parametrize("line", ["pulumi-github>=6.15.0", "pulumi-github", "pulumi-github==6.*"])
def test_read_pins_rejects_a_provider_that_is_not_pinned_exactly(tmp_path: Path, line: str) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"pulumi==3.272.0\n{line}\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"requirements.txt:2: pulumi-github must be pinned exactly"):
        read_pins(requirements)


def _write(path: Path, doc: dict[str, Any] | str) -> None:
    """A schema (or plan) file; gzipped when its name ends in .gz, as the vendored schemas are."""
    data = (doc if isinstance(doc, str) else json.dumps(doc)).encode()
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"sentry-0.0.8.json.gz": {"name": "sentry", "resources": {}}},
            ["sentry-0.0.8.json.gz is the schema of sentry 0.0.8, but requirements.txt pins sentry 0.0.9",
             "the schema of sentry@0.0.9 as ", "/sentry-0.0.9.json.gz"],
            id="file-name-version-mismatch",
        ),
        pytest.param(
            {"sentry.json.gz": {"name": "sentry", "version": "v0.1.0", "resources": {}}},
            ["sentry.json.gz is the schema of sentry 0.1.0, but requirements.txt pins sentry 0.0.9"],
            id="version-field-mismatch",
        ),
        pytest.param(
            {"a.json.gz": {"name": "sentry", "version": "0.0.9"}, "b.json.gz": {"name": "sentry", "version": "0.0.9"}},
            ["a.json.gz and b.json.gz both hold the schema of sentry", "keep only sentry-0.0.9.json.gz"],
            id="two-files-one-package",
        ),
        pytest.param(
            {"sentry.json.gz": {"name": "sentry", "resources": {}}},
            ["cannot tell which version of sentry", "rename it to sentry-<version>.json.gz"],
            id="no-version-anywhere",
        ),
        pytest.param({"broken.json.gz": "{not json"}, ["broken.json.gz does not hold valid JSON"], id="invalid-json"),
        pytest.param({"plain.json.gz": "PK\x03\x04"}, ["plain.json.gz does not hold valid JSON"], id="not-json-inside"),
        pytest.param({"other.json.gz": {"openapi": "3.0.0"}}, ["other.json.gz is not a Pulumi package schema"], id="not-a-schema"),
        pytest.param(
            {"sentry-0.0.9.json": {"name": "sentry", "resources": {}}},
            ["sentry-0.0.9.json is not read (schemas are kept gzipped)", "gzip -n9 "],
            id="uncompressed-file",
        ),
        pytest.param({"sentry-0.0.9.json.gz": b"not gzip"}, ["cannot read ", "as a gzip file"], id="not-gzip"),
    ],
)
def test_unusable_schema_folders_raise_a_clear_error(tmp_path: Path, files: dict[str, Any], expected: list[str]) -> None:
    for file_name, doc in files.items():
        if isinstance(doc, bytes):
            (tmp_path / file_name).write_bytes(doc)
        else:
            _write(tmp_path / file_name, doc)
    with pytest.raises(SchemaError) as caught:
        load_schemas(tmp_path, {"sentry": "0.0.9"})
    for part in expected:
        assert part in str(caught.value)


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"schema folder .*nope does not exist"):
        load_schemas(tmp_path / "nope", {"github": "6.15.0"})


def test_schema_of_an_unpinned_package_is_not_loaded(tmp_path: Path) -> None:
    _write(tmp_path / "random-4.0.0.json.gz", {"name": "random", "resources": {}})
    _write(tmp_path / "github-6.15.0.json.gz", {"name": "github", "resources": {}})
    assert list(load_schemas(tmp_path, {"github": "6.15.0"}).packages) == ["github"]


def test_empty_folder_is_an_error_listing_every_pinned_provider(tmp_path: Path) -> None:
    pins = read_pins(REQUIREMENTS)
    with pytest.raises(SchemaError) as caught:
        load_schemas(tmp_path, pins)
    for name, version in pins.items():
        assert f"{name}@{version} (expected {tmp_path}/{name}-{version}.json.gz)" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Standalone CLI


def test_cli_reports_violations_and_exits_1(tmp_path: Path, plan_requirements: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = clean_plan()
    _set("web", REPOSITORY, "hasDiscusions", True)(plan)
    plan_file = tmp_path / "plan.json"
    _write(plan_file, plan)
    code = main([str(plan_file), "--schemas", str(SCHEMAS_DIR), "--requirements", str(plan_requirements)])
    out = capsys.readouterr().out
    assert code == 1
    assert "[mandatory] provider-schema: " in out and "did you mean hasDiscussions?" in out
    assert f"not schema-checked: {DYNAMIC_ALERT} (dynamic provider: " in out
    assert "provider-schema: 15 resources," in out


def test_cli_json_output_of_a_clean_plan_exits_0(tmp_path: Path, plan_requirements: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan_file = tmp_path / "plan.json"
    _write(plan_file, clean_plan())
    code = main([str(plan_file), "--schemas", str(SCHEMAS_DIR), "--requirements", str(plan_requirements), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["violations"] == [] and report["resources_checked"] == 15


def test_cli_schema_error_exits_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan_file = tmp_path / "plan.json"
    _write(plan_file, clean_plan())
    _write(tmp_path / "github-6.14.0.json.gz", {"name": "github", "resources": {}})
    code = main([str(plan_file), "--schemas", str(tmp_path), "--requirements", str(REQUIREMENTS)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("error: github-6.14.0.json.gz is the schema of github 6.14.0")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("content", ["[]", '{"project": "x"}', "not json"])
def test_cli_rejects_what_is_not_a_plan(tmp_path: Path, plan_requirements: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    plan_file = tmp_path / "plan.json"
    _write(plan_file, content)
    code = main([str(plan_file), "--schemas", str(SCHEMAS_DIR), "--requirements", str(plan_requirements)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("error: ") and str(plan_file) in captured.err
    assert "Traceback" not in captured.err
