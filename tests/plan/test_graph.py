"""`plan graph`: components as groups, wiring as collapsed edges, and the committed diagram is current."""

from __future__ import annotations

import re

import pytest

from plan.__main__ import main as plan_cli
from plan.graph import architecture, render, to_dot, to_mermaid
from plan.harness import ROOT


def _r(urn: str, type_: str, parent: str | None, deps: tuple[str, ...] = ()) -> dict:
    return {"urn": urn, "type": type_, "name": urn, "parent": parent, "dependencies": list(deps), "inputs": {}}


HAND_MADE = {
    "project": "p",
    "stack": "s",
    "resources": [
        _r("stack", "pulumi:pulumi:Stack", None),
        _r("prov", "pulumi:providers:github", "stack"),
        _r("outer", "p:x:Outer", "stack"),
        _r("inner", "p:x:Inner", "outer"),
        _r("a1", "github:index/repository:Repository", "inner"),
        _r("a2", "github:index/repositoryRuleset:RepositoryRuleset", "outer", deps=("a1",)),
        _r("a3", "github:index/repositoryRuleset:RepositoryRuleset", "outer", deps=("a1",)),
        _r("other", "p:x:Other", "stack"),
        _r("b1", "vercel:index/project:Project", "other", deps=("a1", "prov")),
        _r("loose", "sentry:index/sentryTeam:SentryTeam", "stack"),
    ],
}


def test_groups_nest_count_types_and_skip_providers() -> None:
    arch = architecture(HAND_MADE)
    labels = [g.label for g in arch.groups]
    assert labels == ["Outer: outer", "Other: other", "stack"]
    outer = arch.groups[0]
    assert outer.types == {"RepositoryRuleset": 2}
    assert [(c.label, c.types) for c in outer.children] == [("Inner: inner", {"Repository": 1})]
    assert arch.groups[2].types == {"SentryTeam": 1}


def test_edges_collapse_to_top_level_components_in_value_flow_direction() -> None:
    arch = architecture(HAND_MADE)
    # a1 (inside outer/inner) feeds b1 (inside other); the dependency inside `outer` and the one on
    # the provider draw nothing.
    assert [(e.source, e.target, e.label) for e in arch.edges] == [("g_outer", "g_other", "Repository")]


def _mermaid_ok(text: str) -> None:
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    opened = [l for l in lines if l.strip().startswith("subgraph ")]
    assert len(opened) == sum(1 for l in lines if l.strip() == "end")
    ids = {re.match(r"\s*subgraph (\w+)\[", l).group(1) for l in opened}
    for line in lines:
        edge = re.fullmatch(r'\s*(\w+) -->\|"[^"|]+"\| (\w+)', line)
        if edge:
            assert set(edge.groups()) <= ids, line


def _dot_ok(text: str) -> None:
    assert text.startswith("digraph ") and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    clusters = set(re.findall(r"subgraph (cluster_\w+) \{", text))
    for tail, head in re.findall(r"ltail=(\w+), lhead=(\w+)", text):
        assert {tail, head} <= clusters


def test_renderings_are_well_formed() -> None:
    arch = architecture(HAND_MADE)
    _mermaid_ok(to_mermaid(arch))
    _dot_ok(to_dot(arch))


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_real_stacks_draw_their_components_and_wiring(stack: str, plan_of) -> None:
    plan = plan_of(stack)
    arch = architecture(plan)
    labels = {g.label for g in arch.groups}
    assert {"VercelSite: site", "SentryMonitoring: monitoring", "DeploymentEnvironment: environment"} <= labels
    assert ("GitHubRepository: repository" in labels) is (stack == "production")
    edges = {(e.source, e.target): e.label for e in arch.edges}
    assert "SentryKey" in edges[("g_monitoring", "g_site")]  # the DSN reaches the site
    assert "Project" in edges[("g_site", "g_environment")]  # the project id reaches the deploy workflows
    _mermaid_ok(to_mermaid(arch))
    _dot_ok(to_dot(arch))
    assert render(plan, "mermaid") == render(plan_of(stack), "mermaid")


def test_committed_architecture_doc_is_current(plan_of) -> None:
    """Regenerate with: python -m plan graph production --format mermaid --markdown > docs/architecture.md"""
    expected = render(plan_of("production"), "mermaid", markdown=True)
    assert (ROOT / "docs/architecture.md").read_text(encoding="utf-8") == expected


def test_readme_shows_the_current_production_diagram(plan_of) -> None:
    """Between README's architecture markers: the fenced output of `plan graph production --format mermaid`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    embedded = re.search(r"<!-- architecture:start -->\n(.*?)<!-- architecture:end -->", readme, re.S)
    assert embedded, "README.md lacks the <!-- architecture:start --> ... <!-- architecture:end --> markers"
    assert embedded.group(1) == f"```mermaid\n{render(plan_of('production'), 'mermaid')}```\n"


def test_cli_prints_dot(capsys) -> None:
    assert plan_cli(["graph", "staging", "--format", "dot"]) == 0
    out = capsys.readouterr().out
    _dot_ok(out)
    assert 'digraph "webapp-platform / staging"' in out
