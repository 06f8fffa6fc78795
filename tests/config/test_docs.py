"""Pulumi.yaml and the README document every config key exactly as the model defines it."""

from __future__ import annotations

import yaml

from stackconfig.docs import pulumi_yaml_config, readme_table
from stackconfig.model import StackConfig


def test_pulumi_yaml_config_block_is_generated_from_the_model(root):
    project = yaml.safe_load((root / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project["config"] == pulumi_yaml_config(), "regenerate: python -m stackconfig.docs pulumi-yaml"


def test_every_declared_key_has_type_and_description(root):
    for key, declaration in pulumi_yaml_config().items():
        assert declaration["type"] in {"string", "integer", "boolean", "array"}, key
        assert declaration["description"], key


def test_readme_documents_every_key(root):
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, "regenerate: python -m stackconfig.docs readme"
    for name, field in StackConfig.model_fields.items():
        assert f"`webapp-platform:{field.alias or name}" in readme


def test_secret_keys_are_declared_secret(root):
    declared = pulumi_yaml_config()
    for key in ("githubToken", "vercelToken", "sentryAuthToken", "slackWebhookUrl"):
        assert declared[key]["secret"] is True and "default" not in declared[key]
