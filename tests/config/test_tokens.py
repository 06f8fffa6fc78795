"""The token checks refuse the Sentry organization token where it cannot work, and never echo a value."""

from __future__ import annotations

import pytest

from stackconfig.tokens import github_token_warnings, sentry_token_problems

ORG = "sntrys_" + "o" * 40  # the shape only; never a real token
USER = "sntryu_" + "u" * 40
INTEGRATION = "ab" * 32


@pytest.mark.parametrize("auth, release, expected_keys", [
    (INTEGRATION, ORG, []),
    (USER, ORG, []),
    (INTEGRATION, None, []),
    (ORG, None, ["sentryAuthToken"]),
    (ORG, ORG, ["sentryAuthToken", "sentryReleaseToken"]),
    (INTEGRATION, INTEGRATION, ["sentryReleaseToken"]),
])
def test_sentry_tokens(auth, release, expected_keys):
    problems = sentry_token_problems(auth, release)
    assert [p.split(":", 1)[0] for p in problems] == expected_keys
    for problem in problems:
        assert ORG not in problem and INTEGRATION not in problem


def test_org_token_message_says_which_token_to_create():
    (message,) = sentry_token_problems(ORG, None)
    assert "Internal Integration" in message and "project:admin, team:write, org:read, alerts:write" in message
    assert "webapp-platform:sentryReleaseToken" in message and ORG not in message


def test_classic_github_token_gets_advice_fine_grained_none():
    assert github_token_warnings("ghp_" + "a" * 36)[0].startswith("githubToken: a classic token")
    assert github_token_warnings("github_pat_" + "a" * 40) == []


def test_readme_lists_every_github_permission_the_program_needs(root):
    from stackconfig.tokens import GITHUB_PERMISSIONS

    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- github-permissions:start -->\n", 1)[1].split("<!-- github-permissions:end -->", 1)[0]
    assert [line.strip() for line in block.strip().splitlines()] == [f"- {name}: {what}" for name, what in GITHUB_PERMISSIONS]
