"""RepositoryActionsConfig: repository-level Actions secrets stay secret, variables are declared."""

from __future__ import annotations

import pulumi

from components.github_actions_config import RepositoryActionsConfig, RepositoryActionsConfigArgs


def test_actions_secrets_stay_secret_and_variables_are_declared(declare):
    args = RepositoryActionsConfigArgs(
        repository="my-app",
        secrets={"CODECOV_TOKEN": pulumi.Output.secret("cc-token-value")},
        variables={"SENTRY_ORG": "acme"},
    )
    resources = declare(lambda: RepositoryActionsConfig("actions", args), stack="production")
    secret = resources["actions-secret-codecov-token"].inputs
    assert secret["secretName"] == "CODECOV_TOKEN" and secret["value"] == "[secret]"
    assert resources["actions-variable-sentry-org"].inputs == {"repository": "my-app", "value": "acme", "variableName": "SENTRY_ORG"}
    assert all(r.parent and r.parent.endswith("::actions") for n, r in resources.items() if n.startswith("actions-"))
