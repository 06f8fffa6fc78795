"""``python -m plan graph STACK --format mermaid|dot``: the architecture drawn from the real resource
graph of a stack's offline plan.

- Every component (a resource that parents others, below the stack) is a group: a Mermaid subgraph
  or a Graphviz cluster; nested components nest. Inside a group, one node per resource type with
  its count (``RepositoryRuleset x3``). Resources directly under the stack form a ``stack`` group;
  provider configurations are left out.
- Wiring is the resources' ``dependencies`` across top-level components, collapsed to one edge per
  pair of components, drawn in the direction values flow (from the dependency to the dependent) and
  labelled with the resource types the values come from (``SentryKey`` feeds the site's DSN variable).

Output is deterministic (plan order, sorted labels), so a test can keep ``docs/architecture.md``
(``--markdown``) in step with the program.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from typing import Literal, Optional

from plan.cli import add_stack_command, add_stack_file

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
Format = Literal["mermaid", "dot"]
DOC_COMMAND = "python -m plan graph production --format mermaid --markdown > docs/architecture.md"


@dataclass
class Group:
    """A component (or the stack's loose resources) and what it contains."""

    key: str
    """Identifier safe for Mermaid and DOT."""
    label: str
    """``ComponentType: name``."""
    types: dict[str, int] = field(default_factory=dict)
    """Resource type short name -> count, in plan order."""
    children: list["Group"] = field(default_factory=list)
    """Nested components."""


@dataclass(frozen=True, order=True)
class Edge:
    """Wiring between two top-level groups."""

    source: str
    """Key of the group the values come from."""
    target: str
    """Key of the group that uses them."""
    label: str
    """Resource types the values come from."""


@dataclass
class Architecture:
    """Groups and edges of one stack."""

    title: str
    """``project / stack``."""
    groups: list[Group]
    """Top-level groups, in plan order."""
    edges: list[Edge]
    """Collapsed wiring, sorted."""


def _short(type_: str) -> str:
    return type_.rsplit(":", 1)[-1]


def _key(text: str) -> str:
    return "g_" + re.sub(r"[^A-Za-z0-9_]", "_", text)


def architecture(plan: dict) -> Architecture:
    """Groups and collapsed edges of a plan document."""
    resources = plan["resources"]
    by_urn = {r["urn"]: r for r in resources}
    stack_urn = next((r["urn"] for r in resources if r["type"] == STACK_TYPE), None)
    parents_of_others = {r["parent"] for r in resources if r.get("parent")}
    components = {r["urn"] for r in resources if r["urn"] in parents_of_others and r["urn"] != stack_urn}

    groups: dict[str, Group] = {}
    loose = Group(_key("stack"), "stack")

    def group_of_component(urn: str) -> Group:
        if urn not in groups:
            r = by_urn[urn]
            groups[urn] = Group(_key(r["name"]), f"{_short(r['type'])}: {r['name']}")
            parent = r.get("parent")
            if parent in components:
                group_of_component(parent).children.append(groups[urn])
        return groups[urn]

    def top_level(urn: str) -> Optional[str]:
        """The top-level component holding ``urn`` (None for loose resources)."""
        found = None
        current = by_urn.get(urn)
        while current is not None and current["urn"] != stack_urn:
            if current["urn"] in components:
                found = current["urn"]
            current = by_urn.get(current.get("parent") or "")
        return found

    for r in resources:
        if r["type"] == STACK_TYPE or r["type"].startswith(PROVIDER_PREFIX):
            continue
        if r["urn"] in components:
            group_of_component(r["urn"])
            continue
        parent = r.get("parent")
        holder = group_of_component(parent) if parent in components else loose
        holder.types[_short(r["type"])] = holder.types.get(_short(r["type"]), 0) + 1

    top = [groups[urn] for urn in groups if top_level(urn) == urn]
    if loose.types:
        top.append(loose)

    wiring: dict[tuple[str, str], set[str]] = {}
    for r in resources:
        user = top_level(r["urn"])
        for dep in r.get("dependencies") or []:
            source = top_level(dep)
            if dep in by_urn and source and user and source != user:
                wiring.setdefault((groups[source].key, groups[user].key), set()).add(_short(by_urn[dep]["type"]))
    edges = sorted(Edge(s, t, ", ".join(sorted(types))) for (s, t), types in wiring.items())
    return Architecture(f"{plan.get('project', '')} / {plan.get('stack', '')}", top, edges)


# --- rendering ---------------------------------------------------------------------------------------


def _node_label(type_: str, count: int) -> str:
    return type_ if count == 1 else f"{type_} x{count}"


@dataclass(frozen=True)
class _Syntax:
    """How one diagram language writes a group: the same walk, different punctuation."""

    open: tuple[str, ...]  # lines opening a group ({key}, {label})
    node: str  # one box per resource type ({key}, {type}, {label})
    empty: str  # the placeholder box of a group without resources ({key})
    close: str


_MERMAID = _Syntax(
    open=('subgraph {key}["{label}"]',),
    node='  {key}__{type}["{label}"]',
    empty='  {key}__empty["(no resources)"]',
    close="end",
)
_DOT = _Syntax(
    open=("subgraph cluster_{key} {{", '  label="{label}";'),
    node='  {key}__{type} [label="{label}"];',
    empty='  {key}__empty [label="(no resources)"];',
    close="}",
)


def _group_lines(group: Group, syntax: _Syntax, indent: str, lines: list[str]) -> None:
    lines += [indent + line.format(key=group.key, label=group.label) for line in syntax.open]
    for type_, count in group.types.items():
        lines.append(indent + syntax.node.format(key=group.key, type=type_, label=_node_label(type_, count)))
    for child in group.children:
        _group_lines(child, syntax, indent + "  ", lines)
    if not group.types and not group.children:
        lines.append(indent + syntax.empty.format(key=group.key))
    lines.append(indent + syntax.close)


def to_mermaid(arch: Architecture) -> str:
    """A Mermaid flowchart: groups as subgraphs, wiring as labelled edges between them."""
    lines = ["flowchart LR"]
    for group in arch.groups:
        _group_lines(group, _MERMAID, "  ", lines)
    lines += [f'  {e.source} -->|"{e.label}"| {e.target}' for e in arch.edges]
    return "\n".join(lines) + "\n"


def _first_node(group: Group) -> str:
    if group.types:
        return f"{group.key}__{next(iter(group.types))}"
    if group.children:
        return _first_node(group.children[0])
    return f"{group.key}__empty"


def to_dot(arch: Architecture) -> str:
    """A Graphviz digraph: groups as clusters, wiring as edges between clusters (compound)."""
    by_key = {g.key: g for g in arch.groups}
    lines = [f'digraph "{arch.title}" {{', "  rankdir=LR;", "  compound=true;", '  node [shape=box, fontname="Helvetica"];']
    for group in arch.groups:
        _group_lines(group, _DOT, "  ", lines)
    for e in arch.edges:
        lines.append(
            f'  {_first_node(by_key[e.source])} -> {_first_node(by_key[e.target])} '
            f'[ltail=cluster_{e.source}, lhead=cluster_{e.target}, label="{e.label}"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(plan: dict, fmt: Format, markdown: bool = False) -> str:
    """The diagram of a plan in ``fmt``; with ``markdown``, a document with the diagram fenced."""
    arch = architecture(plan)
    body = to_mermaid(arch) if fmt == "mermaid" else to_dot(arch)
    if not markdown:
        return body
    return (
        f"# Architecture: `{plan.get('stack', '')}` stack\n\n"
        f"<!-- Generated by `{DOC_COMMAND.replace('production', plan.get('stack', 'production'))}`; "
        "do not edit (a test fails when it is stale). -->\n\n"
        "Groups are the program's components, boxes the resources they declare (by type, with "
        "counts), arrows the values one component takes from another (labelled with the resource "
        "types they come from).\n\n"
        f"```{fmt}\n{body}```\n"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_stack_command(subparsers, "graph")
    parser.add_argument("--format", choices=["mermaid", "dot"], default="mermaid", help="diagram language")
    parser.add_argument("--markdown", action="store_true", help="wrap the diagram in a Markdown document")
    add_stack_file(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from plan.harness import run_stack

    plan = run_stack(args.stack, stack_file=args.stack_file)
    sys.stdout.write(render(plan, args.format, markdown=args.markdown))
    return 0
