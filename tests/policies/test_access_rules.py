"""The access policies: admin only for platform admins; no outside writers on production unless allowed."""

from __future__ import annotations

import pytest

from plan.policy_runner import reconcile_config, run_policies
from policies.rules import access
from tests.policies.planbuilder import Plan

COLLABORATORS = access.GH_COLLABORATORS  # re-exported from platform_facts


def plan_with(stack: str, *resources: tuple[str, str, dict]) -> dict:
    plan = Plan(stack)
    for type_, name, inputs in resources:
        plan.add(type_, name, inputs)
    return plan.doc


def fired(doc: dict, config: dict) -> list[tuple[str, str]]:
    settings = reconcile_config(access.POLICIES, config, "test config")
    return [(v.policy, v.message) for v in run_policies(doc, access.POLICIES, settings).violations]


PRODUCTION = {"production-no-outside-writers": {"environment": "production"},
              "repository-admin-only-platform-admins": {"platformAdmins": ["platform"]}}
STAGING = {"production-no-outside-writers": {"environment": "staging"}}


def collaborators(teams=(), users=()) -> tuple[str, str, dict]:
    return (COLLABORATORS, "repository-access-collaborators", {
        "repository": "my-app",
        "teams": [{"teamId": t, "permission": p} for t, p in teams],
        "users": [{"username": u, "permission": p} for u, p in users],
    })


ADMIN_WEB = ("repository-admin-only-platform-admins",
             "team 'web' is granted admin on repository 'my-app' but is not a platform admin (platformAdmins: "
             "['platform']); grant maintain or less, or list them")
OUTSIDE_PUSH = ("production-no-outside-writers",
                "outside collaborator 'contractor' has push on the production repository 'my-app'; grant organization "
                "members through a team, give outside collaborators pull or triage, or set "
                "webapp-platform:allowOutsideCollaborators: true")

CASES = [
    ("platform admins and writers through teams pass", [collaborators([("platform", "admin"), ("web", "push")])],
     PRODUCTION, []),
    ("admin for a team that is not a platform admin", [collaborators([("web", "admin")])], PRODUCTION, [ADMIN_WEB]),
    ("admin for anyone when no platform admin is configured", [collaborators(users=[("alice", "admin")])],
     {"production-no-outside-writers": {"environment": "staging"}},
     [("repository-admin-only-platform-admins",
       "user 'alice' is granted admin on repository 'my-app' but is not a platform admin (platformAdmins: none); "
       "grant maintain or less, or list them")]),
    ("single TeamRepository with admin", [(access.GH_TEAM_REPOSITORY, "t", {"repository": "my-app", "teamId": "web",
                                                                          "permission": "admin"})],
     PRODUCTION, [ADMIN_WEB]),
    ("outside collaborator with push on production", [collaborators(users=[("contractor", "push")])], PRODUCTION,
     [OUTSIDE_PUSH]),
    ("a grant without permission is push", [(access.GH_COLLABORATOR, "c", {"repository": "my-app",
                                                                          "username": "contractor"})],
     PRODUCTION, [OUTSIDE_PUSH]),
    ("outside collaborator with triage on production passes", [collaborators(users=[("contractor", "triage")])],
     PRODUCTION, []),
    ("outside writer allowed by config", [collaborators(users=[("contractor", "push")])],
     {"production-no-outside-writers": {"environment": "production", "allowOutsideCollaborators": True}}, []),
    ("outside writer on staging passes", [collaborators(users=[("contractor", "maintain")])], STAGING, []),
]


@pytest.mark.parametrize("case, resources, config, expected", CASES, ids=[c[0] for c in CASES])
def test_access_policies(case, resources, config, expected):
    stack = config["production-no-outside-writers"]["environment"]
    assert fired(plan_with(stack, *resources), config) == expected
