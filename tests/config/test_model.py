"""The config model refuses bad stack files with one message naming every problem."""

from __future__ import annotations

import subprocess
import sys

import pytest

from plan.harness import run_stack
from stackconfig.errors import ConfigError

# (case, changes to the shipped staging file, drop these keys, expected fragments of the message)
BAD = [
    ("unknown key with a likely typo", {"webapp-platform:domian": "x.example.com"}, (),
     ["webapp-platform:domian: unknown key (did you mean domain?)", "known keys here:", "apiUrl"]),
    ("missing required key", {}, ("webapp-platform:domain",),
     ["webapp-platform:domain: missing required key", "pulumi config set webapp-platform:domain"]),
    ("wrong type", {"webapp-platform:requiredApprovals": "two"}, (),
     ["webapp-platform:requiredApprovals: got 'two'", "valid integer"]),
    ("approvals above 6", {"webapp-platform:requiredApprovals": 7}, (),
     ["webapp-platform:requiredApprovals: got 7", "less than or equal to 6"]),
    ("approvals below 0", {"webapp-platform:requiredApprovals": -1}, (),
     ["webapp-platform:requiredApprovals: got -1", "greater than or equal to 0"]),
    ("too many reviewers", {"webapp-platform:productionReviewerUsers": [1, 2, 3, 4], "webapp-platform:productionReviewerTeams": [5, 6, 7]}, (),
     ["productionReviewerTeams: 7 reviewers given; GitHub allows 0 to 6"]),
    ("malformed domain", {"webapp-platform:domain": "https://Example.com/app"}, (),
     ["webapp-platform:domain: got 'https://Example.com/app'", "lower-case DNS name"]),
    ("unknown environment", {"webapp-platform:environment": "qa"}, (),
     ["webapp-platform:environment: got 'qa'", "'staging' or 'production'"]),
    ("secret in plain text", {"webapp-platform:githubToken": "ghp_plaintext_in_file"}, (),
     ["webapp-platform:githubToken: a secret given in plain text",
      "pulumi config set --secret webapp-platform:githubToken"]),
    ("slack channel without #", {"webapp-platform:slackChannel": "alerts"}, (),
     ["webapp-platform:slackChannel: got 'alerts'", "starting with '#'"]),
    ("api url not https", {"webapp-platform:apiUrl": "http://api.example.com"}, (),
     ["webapp-platform:apiUrl: got 'http://api.example.com'", "https origin"]),
    ("bad bypass actor", {"webapp-platform:rulesetBypassActors": ["Admins"]}, (),
     ["webapp-platform:rulesetBypassActors", "Type[:id][:mode]"]),
    ("provider namespace ignored", {"github:owner": "someone"}, (),
     ["github:owner: provider configuration is not read", "webapp-platform:githubOwner"]),
    ("production without reviewers", {"webapp-platform:environment": "production"}, (),
     ["production needs at least one required reviewer"]),
]


@pytest.mark.parametrize("case, changes, drop, expected", BAD, ids=[b[0] for b in BAD])
def test_bad_stack_file_is_refused_with_the_key_and_expectation(stack_file, case, changes, drop, expected):
    path = stack_file("staging", set=changes, drop=drop)
    with pytest.raises(ConfigError) as raised:
        run_stack("staging", stack_file=path)
    message = str(raised.value)
    for fragment in expected:
        assert fragment in message, f"{case}: {fragment!r} not in:\n{message}"
    assert "ghp_plaintext_in_file" not in message  # a secret given in the clear is never echoed


def test_every_problem_is_listed_at_once(stack_file):
    path = stack_file("staging", set={"webapp-platform:domain": "bad", "webapp-platform:slackChannel": "x",
                                      "webapp-platform:typo": 1})
    with pytest.raises(ConfigError) as raised:
        run_stack("staging", stack_file=path)
    assert len(raised.value.problems) == 3
    assert str(raised.value).startswith("invalid stack configuration: 3 problems")


def test_nothing_is_registered_when_config_is_bad(stack_file, monkeypatch):
    import plan.harness as harness

    calls = []
    monkeypatch.setattr(harness, "run_under_mocks", lambda *a, **k: calls.append(a))
    with pytest.raises(ConfigError):
        run_stack("staging", stack_file=stack_file("staging", set={"webapp-platform:domain": "nope"}))
    assert calls == []


def test_cli_exits_2_with_the_message_and_no_traceback(stack_file, root):
    path = stack_file("staging", set={"webapp-platform:requiredApprovals": 9})
    result = subprocess.run(
        [sys.executable, "-m", "plan", "show", "staging", "--stack-file", str(path)],
        cwd=root, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "webapp-platform:requiredApprovals: got 9" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_malformed_yaml_names_the_file(stack_file):
    path = stack_file("staging", raw="config: [unclosed\n")
    with pytest.raises(ConfigError) as raised:
        run_stack("staging", stack_file=path)
    assert path.name in str(raised.value) and "not valid YAML" in str(raised.value)


def test_secure_values_become_secrets_and_unset_ones_are_listed(stack_file, plan_of):
    path = stack_file("staging", set={"webapp-platform:githubToken": {"secure": "v1:AAAAciphertext"}})
    plan = run_stack("staging", stack_file=path)
    assert "webapp-platform:githubToken" not in plan["secretsNeeded"]
    assert "webapp-platform:vercelToken" in plan["secretsNeeded"]
    assert plan_of("production")["secretsNeeded"] == [
        "webapp-platform:githubToken", "webapp-platform:vercelToken", "webapp-platform:sentryAuthToken",
        "webapp-platform:slackWebhookUrl", "webapp-platform:codecovToken", "webapp-platform:sentryReleaseToken",
    ]
