"""platform_facts.py: written once, imported by both the program and the policy pack.

The pack's virtualenv has no provider SDK and no pydantic, so the module must import nothing but the
standard library; and each value the two sides share must be the very object of platform_facts,
not a copy that can drift (the Slack channel rule once did: one side allowed '.', the other not).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

import platform_facts as facts

ROOT = Path(__file__).resolve().parent.parent


def test_it_imports_only_the_standard_library():
    probe = (
        "import sys; before = set(sys.modules); import platform_facts; "
        "print(sorted(m for m in set(sys.modules) - before "
        "if m.split('.')[0] not in sys.stdlib_module_names and m != 'platform_facts'))"
    )
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); {probe}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _program_and_pack() -> list[tuple[str, object, object]]:
    from components import github_rulesets, vercel_site, web_image
    from policies.rules import _props, github, github_environments, hosting, image, kubernetes_availability
    from policies.rules import kubernetes_pods
    from sentry_workflows import inputs
    from stackconfig import image as image_config, kubernetes as kubernetes_config, model

    return [
        # (what, the program's object, the pack's object)
        ("required checks", github_rulesets.RepositoryRulesetsArgs.required_checks, github.DEFAULT_REQUIRED_CHECKS),
        ("environments", model.Environment, _props.Environment),
        ("environment names", inputs.ENVIRONMENTS, _props.ENVIRONMENTS),
        ("slug rule", model.SLUG_RE, inputs.SLUG_RE),
        ("Slack channel rule", model.SLACK_CHANNEL_RE, inputs.SLACK_CHANNEL_RE),
        ("deployment protections", model.DeploymentProtection, vercel_site.DeploymentProtection),
        ("facts module of hosting rules", facts, hosting.facts),
        ("staging's protection", model.FULL_PROTECTION, facts.FULL_PROTECTION),
        ("production deploy branches", facts.DEPLOY_BRANCH_PATTERNS, github_environments.DEPLOY_BRANCH_PATTERNS),
        ("production replica floor", kubernetes_config.PRODUCTION_MIN_REPLICAS, kubernetes_availability.PRODUCTION_MIN_REPLICAS),
        ("base image pinned", image_config.DIGEST_RE, image.DIGEST_RE),
        ("image ref pinned", web_image.DIGEST_REF_RE, kubernetes_pods.DIGEST_REF_RE),
        ("repository type", facts.GH_REPOSITORY, _props.GH_REPOSITORY),
    ]


@pytest.mark.parametrize("what, program, pack", _program_and_pack(), ids=lambda v: v if isinstance(v, str) else "")
def test_program_and_pack_share_the_same_object(what, program, pack):
    assert program is pack, what


def test_the_literal_lists_match_their_types():
    assert get_args(facts.Environment) == facts.ENVIRONMENTS
    assert get_args(facts.DeploymentProtection) == facts.DEPLOYMENT_PROTECTIONS
    assert facts.FULL_PROTECTION in facts.DEPLOYMENT_PROTECTIONS
    assert set(facts.STANDARD_PROTECTIONS) <= set(facts.DEPLOYMENT_PROTECTIONS)


@pytest.mark.parametrize(("channel", "ok"), [("#alerts", True), ("#alerts-prod_2", True), ("#alerts.prod", False),
                                              ("alerts", False), ("#Alerts", False), ("#" + "a" * 81, False)])
def test_one_slack_channel_rule(channel, ok):
    assert bool(facts.SLACK_CHANNEL_RE.match(channel)) is ok


TOKEN_LITERAL = re.compile(r"[\"'](?:github|vercel|sentry):index/|[\"']webapp-platform:(?:github|hosting|monitoring|image|kubernetes):")


@pytest.mark.parametrize(
    "path",
    # policies/rules/workflows*.py (delivery's split) declare GH_REPOSITORY_FILE themselves until it moves here.
    sorted({*ROOT.glob("components/*.py"), *ROOT.glob("policies/rules/*.py"), *ROOT.glob("sentry_workflows/*.py"),
            *ROOT.glob("wiring/*.py")} - set(ROOT.glob("policies/rules/workflows*.py"))),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_type_tokens_are_written_only_in_platform_facts(path):
    assert not TOKEN_LITERAL.findall(path.read_text(encoding="utf-8"))


def test_components_register_the_tokens_of_platform_facts():
    from plan.harness import run_stack

    declared = {r["type"] for r in run_stack("production")["resources"] if r["type"].startswith("webapp-platform:")}
    assert declared == set(facts.COMPONENT_TYPES.values()) - {facts.COMPONENT_TYPES["KubernetesApp"]}
