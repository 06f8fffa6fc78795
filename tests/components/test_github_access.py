"""RepositoryAccess: one authoritative collaborator set, sorted, parented, with the declared permissions."""

from __future__ import annotations

from components.github_access import RepositoryAccess, RepositoryAccessArgs

COLLABORATORS = "github:index/repositoryCollaborators:RepositoryCollaborators"


def test_teams_and_users_with_their_permissions(declare):
    resources = declare(lambda: RepositoryAccess("access", RepositoryAccessArgs(
        repository="my-app", teams={"web": "push", "platform": "admin"}, users={"outside-dev": "triage"},
    )))
    collaborators = resources["access-collaborators"]
    assert collaborators.type == COLLABORATORS
    assert collaborators.inputs == {
        "repository": "my-app",
        "teams": [{"permission": "admin", "teamId": "platform"}, {"permission": "push", "teamId": "web"}],
        "users": [{"permission": "triage", "username": "outside-dev"}],
    }
    component = resources["access"]
    assert component.type == "webapp-platform:github:RepositoryAccess"
    assert collaborators.parent == component.urn


def test_nobody_listed_means_nobody_has_direct_access(declare):
    resources = declare(lambda: RepositoryAccess("access", RepositoryAccessArgs(repository="my-app")))
    assert resources["access-collaborators"].inputs == {"repository": "my-app", "teams": [], "users": []}
