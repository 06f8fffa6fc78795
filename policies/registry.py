"""Every policy of the pack, collected from the rule modules.

Each module under ``policies/rules/`` exports ``POLICIES: list[Policy]``. The list of modules is
explicit (no directory scan), so a module cannot join the pack by accident. Modules owned by other
parts of the project (workflows, image, Kubernetes) are imported when present, so the pack works at
every stage of the project; the lead finalizes the list.

Importing this module never starts anything: ``policies/__main__.py`` builds the ``PolicyPack``
(which serves the engine and blocks), and ``plan check`` runs ``POLICIES`` offline.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from pulumi_policy import EnforcementLevel, Policy

PACK_NAME = "webapp-platform-guardrails"
"""Name of the policy pack (letters, digits, hyphens), as ``pulumi preview`` reports it."""
PACK_ENFORCEMENT_LEVEL = EnforcementLevel.MANDATORY
"""Level of a policy that sets none: a forgotten level blocks the deployment rather than warn."""

REQUIRED_MODULES: tuple[str, ...] = (
    "policies.rules.access",
    "policies.rules.github",
    "policies.rules.github_environments",
    "policies.rules.hosting",
    "policies.rules.monitoring",
    "policies.rules.stack",
)
"""Rule modules that are always part of the pack."""

OPTIONAL_MODULES: tuple[str, ...] = (
    "policies.rules.workflows",
    "policies.rules.image",
    "policies.rules.kubernetes_pods",
    "policies.rules.kubernetes_availability",
    "policies.rules.kubernetes_network",
)
"""Rule modules contributed by other parts of the project; included when the file exists."""


def _import_optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        # Only "this module does not exist (yet)" is tolerated; a module that exists but fails to
        # import (a missing dependency inside it) must fail loudly.
        if err.name == name:
            return None
        raise


def _collect() -> list[Policy]:
    modules = [importlib.import_module(name) for name in REQUIRED_MODULES]
    modules += [m for m in map(_import_optional, OPTIONAL_MODULES) if m is not None]
    policies: list[Policy] = []
    for module in modules:
        exported = getattr(module, "POLICIES", None)
        if not isinstance(exported, list) or not all(isinstance(p, Policy) for p in exported):
            raise TypeError(f"{module.__name__}.POLICIES must be a list of pulumi_policy policies")
        policies.extend(exported)
    names = [p.name for p in policies]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate policy names in the pack: {', '.join(duplicates)}")
    return policies


POLICIES: list[Policy] = _collect()
"""All policies of the pack, in module order."""


def policy_names() -> list[str]:
    """The names of all policies in the pack."""
    return [p.name for p in POLICIES]
