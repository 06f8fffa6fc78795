"""``python -m plan check STACK``: run every policy of the pack, and the provider-schema check,
against the offline plan of a stack.

The policies are the same objects ``pulumi preview --policy-pack policies`` runs, with the stack's
policy config (``policies/config/<STACK>.json``, the file a real run passes as
``--policy-pack-config``), fed props shaped as the engine feeds them (see plan/policy_runner.py).

Exit codes: 0 no mandatory violation, 1 a mandatory policy (or the provider schema) is violated,
2 bad input (stack config, plan file, policy config, schema folder) or a policy that crashed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from plan.cli import add_stack_command, add_stack_file, read_plan_file
from plan.policy_runner import (
    PlanDocumentError,
    PolicyConfigError,
    PolicyCrashError,
    RunResult,
    Violation,
    read_policy_config,
    reconcile_config,
    run_policies,
)

ROOT = Path(__file__).resolve().parents[1]
POLICY_CONFIG_DIR = ROOT / "policies" / "config"
SCHEMA_POLICY = "provider-schema"


class CheckInputError(ValueError):
    """Input `plan check` cannot use; ``str()`` is the user-facing message."""


@dataclass
class SchemaSummary:
    """What the provider-schema check covered."""

    directory: str
    """Schema folder used."""
    resources_checked: int = 0
    """Resources validated against a provider schema."""
    properties_checked: int = 0
    """Properties validated, at every depth."""
    unchecked: list[dict[str, str]] = field(default_factory=list)
    """``{"type", "reason"}`` per resource type that no schema covers."""
    packages: list[str] = field(default_factory=list)
    """``name@version`` of every schema used."""


@dataclass
class CheckReport:
    """Everything `plan check` reports for one stack."""

    stack: str
    """Stack checked."""
    policy_config: str
    """Policy config file used."""
    result: RunResult
    """Policy run outcome (policy violations only)."""
    schema: SchemaSummary
    """Provider-schema check coverage."""
    schema_violations: list[Violation] = field(default_factory=list)
    """Violations of the ``provider-schema`` policy."""

    @property
    def violations(self) -> list[Violation]:
        return self.result.violations + self.schema_violations

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement_level == "mandatory"]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "policyConfig": self.policy_config,
            "violations": [v.to_json() for v in self.violations],
            "policiesRun": self.result.policies_run,
            "resources": self.result.resources,
            "notApplicable": [{"policy": p, "reason": r} for p, r in self.result.not_applicable],
            "schema": {
                "directory": self.schema.directory,
                "packages": self.schema.packages,
                "resourcesChecked": self.schema.resources_checked,
                "propertiesChecked": self.schema.properties_checked,
                "unchecked": self.schema.unchecked,
            },
        }


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_stack_command(subparsers, "check")
    add_stack_file(parser)
    parser.add_argument("--plan-file", type=Path, help="check this plan document (from `plan show --json`) instead of planning")
    parser.add_argument("--policy-config", type=Path, help="policy config file (default policies/config/<stack>.json)")
    parser.add_argument("--schemas", type=Path, help="folder of gzipped provider schemas (default: the vendored provider-schemas/)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        report = check(
            args.stack,
            stack_file=args.stack_file,
            plan_file=args.plan_file,
            policy_config=args.policy_config,
            schemas=args.schemas,
        )
    except (CheckInputError, PolicyConfigError, PlanDocumentError, PolicyCrashError) as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n" if args.json else format_text(report))
    return 1 if report.mandatory else 0


def check(
    stack: str,
    *,
    stack_file: Optional[Path] = None,
    plan_file: Optional[Path] = None,
    policy_config: Optional[Path] = None,
    schemas: Optional[Path] = None,
) -> CheckReport:
    """Plan (or read) the stack, run the pack with the stack's policy config, and the schema check."""
    from policies.registry import PACK_ENFORCEMENT_LEVEL, POLICIES  # the policies, without starting the pack

    config_path = policy_config or POLICY_CONFIG_DIR / f"{stack}.json"
    if policy_config is None and not config_path.is_file():
        known = ", ".join(sorted(p.stem for p in POLICY_CONFIG_DIR.glob("*.json"))) or "none"
        raise CheckInputError(
            f"no policy config for stack '{stack}': expected {_rel(config_path)} (stacks with one: {known}); "
            "or pass --policy-config FILE"
        )
    settings = reconcile_config(POLICIES, read_policy_config(config_path), _rel(config_path), PACK_ENFORCEMENT_LEVEL)
    plan = load_plan(stack, stack_file=stack_file, plan_file=plan_file)
    result = run_policies(plan, POLICIES, settings)
    summary, schema_violations = schema_check(plan, schemas)
    return CheckReport(stack, _rel(config_path), result, summary, schema_violations)


def load_plan(stack: str, *, stack_file: Optional[Path] = None, plan_file: Optional[Path] = None) -> dict[str, Any]:
    """The plan document: read from ``plan_file`` or produced by the harness (ConfigError propagates)."""
    if plan_file is None:
        from plan.harness import run_stack

        return run_stack(stack, stack_file=stack_file)
    plan = read_plan_file(plan_file, CheckInputError)
    if plan.get("stack") not in (None, stack):
        raise CheckInputError(f"{plan_file} is the plan of stack '{plan.get('stack')}', not '{stack}'")
    return plan


def schema_check(plan: dict[str, Any], schemas: Optional[Path]) -> tuple[SchemaSummary, list[Violation]]:
    """Run the provider-schema check (plan/schema_check.py) against ``schemas`` or the vendored
    ``provider-schemas/``. A pinned provider without a schema there is bad input (exit 2)."""
    from plan.schema_check import DEFAULT_SCHEMAS_DIR, SchemaError, check_plan, load_schemas, read_pins

    directory = schemas or DEFAULT_SCHEMAS_DIR
    try:
        schema_set = load_schemas(directory, read_pins(ROOT / "requirements.txt"))
    except SchemaError as err:
        raise CheckInputError(str(err)) from None
    report = check_plan(plan, schema_set)
    summary = SchemaSummary(
        directory=_rel(directory),
        resources_checked=report.resources_checked,
        properties_checked=report.properties_checked,
        unchecked=list(report.unchecked),
        packages=[f"{p.name}@{p.version}" for p in schema_set.packages.values()],
    )
    violations = [
        Violation(SCHEMA_POLICY, v["urn"], v["message"], "advisory" if v.get("enforcementLevel") == "advisory" else "mandatory")
        for v in report.violations
    ]
    return summary, violations


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def format_text(report: CheckReport) -> str:
    """The report for people: one block per violation, then coverage and the verdict."""
    lines = [
        f"plan check {report.stack}: {report.result.policies_run} policies on {report.result.resources} resources "
        f"(config {report.policy_config})"
    ]
    for v in report.violations:
        lines.append(f"[{v.enforcement_level}] {v.policy}")
        lines.append(f"    {v.urn}")
        lines.extend(f"    {line}" for line in v.message.splitlines())
    schema = report.schema
    against = ", ".join(schema.packages) or "no schemas"
    lines.append(
        f"provider schemas ({schema.directory}: {against}): {schema.resources_checked} resources, "
        f"{schema.properties_checked} properties checked"
    )
    by_reason: dict[str, list[str]] = {}
    for item in schema.unchecked:
        by_reason.setdefault(item["reason"], []).append(item["type"].rsplit(":", 1)[-1])
    lines.extend(f"  not schema-checked ({reason}): {', '.join(types)}" for reason, types in by_reason.items())
    mandatory, advisory = len(report.mandatory), len(report.violations) - len(report.mandatory)
    verdict = "FAILED" if mandatory else "passed"
    lines.append(f"{verdict}: {mandatory} mandatory violation(s), {advisory} advisory")
    return "\n".join(lines) + "\n"
