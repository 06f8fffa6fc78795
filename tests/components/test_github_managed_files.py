"""ManagedFiles: the app's files are committed to a branch and proposed to main as a pull request."""

from __future__ import annotations

from components.github_managed_files import MANAGED_BRANCH, ManagedFiles, ManagedFilesArgs, codeowners_content


def declare_files(declare, **overrides) -> dict:
    args = ManagedFilesArgs(**{"repository": "my-app", **overrides})
    return declare(lambda: ManagedFiles("managed-files", args), stack="production")


def test_code_owners_add_a_codeowners_file(declare):
    resources = declare_files(declare, code_owners=("@acme/web", "@lead"))
    codeowners = resources["managed-files-file-github-codeowners"].inputs
    assert codeowners["file"] == ".github/CODEOWNERS"
    assert codeowners["content"] == codeowners_content(("@acme/web", "@lead"))
    assert codeowners["branch"] == MANAGED_BRANCH
    pr = resources["managed-files-pull-request"]
    assert pr.inputs["baseRef"] == "main" and pr.inputs["headRef"] == MANAGED_BRANCH
    # The pull request is opened only after every file is committed to the branch.
    assert resources["managed-files-file-github-codeowners"].urn in pr.dependencies


def test_managed_files_are_committed_to_the_branch(declare):
    resources = declare_files(declare, files={".github/workflows/ci.yml": "name: CI\n"})
    branch = resources["managed-files-branch"].inputs
    assert (branch["branch"], branch["sourceBranch"]) == (MANAGED_BRANCH, "main")
    ci = resources["managed-files-file-github-workflows-ci-yml"].inputs
    assert ci["content"] == "name: CI\n" and ci["branch"] == MANAGED_BRANCH and ci["overwriteOnCreate"] is True
    assert "managed-files-file-github-codeowners" not in resources
