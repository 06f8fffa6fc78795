"""``python -m plan cost STACK [STACK...]``: what the plans a stack's guardrails need cost per month.

For each service: the lowest plan that carries every guardrail the stack keeps (``stackconfig/tiers``),
the plan the stack states, the monthly price from the dated table in ``stackconfig/plan_facts.py``
(seats from ``webapp-platform:githubSeats`` / ``vercelSeats``), the total, and the design's table
(GitHub Free, Vercel Hobby, Sentry Developer, a $12/year domain: about $1/month). Offline: only the
stack's config is read, no program runs. Several stacks share one GitHub organization, Vercel team
and Sentry organization, so with more than one stack a "platform" block gives what the accounts cost.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from stackconfig.plan_facts import CHECKED, DESIGN_TABLE, GITHUB_PLANS, PRICES, SENTRY_PLANS, VERCEL_PLANS
from stackconfig.tiers import PlanInputs, demanded_guardrails, drivers, needed_tiers

_ORDER = {"github": GITHUB_PLANS, "vercel": VERCEL_PLANS, "sentry": SENTRY_PLANS}
_NAMES = {"github": "GitHub", "github-secret-protection": "GitHub Secret Protection", "vercel": "Vercel",
          "sentry": "Sentry", "domain": "domain"}


@dataclass(frozen=True)
class Seats:
    """Paid seats: GitHub members (Team/Enterprise; Secret Protection counts them as active committers)
    and Vercel deploying members (Pro)."""

    github: int = 1
    vercel: int = 1


def _price(service: str, tier: str, seats: Seats) -> tuple[Optional[float], str]:
    entry = PRICES[service][tier]
    if entry["monthly"] is None:
        return None, "by contract"
    if entry["per"] != "seat":
        return entry["monthly"], f"${entry['monthly']:.2f} per {entry['per']}"
    count = seats.github if service == "github" else seats.vercel
    return entry["monthly"] * count, f"{count} seat{'s' if count != 1 else ''} x ${entry['monthly']:.2f}"


def _secret_protection(inputs: PlanInputs, seats: Seats) -> dict:
    kept = "secret-scanning" in demanded_guardrails(inputs) and "secret-scanning" not in inputs.accept_missing
    unit = PRICES["github-secret-protection"]["monthly"]
    return {
        "service": "github-secret-protection",
        "needed": "bought" if kept else "not needed",
        "stated": "bought" if inputs.github_secret_protection else "not bought",
        "monthly": unit * seats.github if kept else 0.0,
        "basis": f"{seats.github} active committer{'s' if seats.github != 1 else ''} x ${unit:.2f}" if kept else "-",
    }


def report(stack: str, inputs: PlanInputs, seats: Seats) -> dict:
    """The cost document of one stack (``--json`` prints it)."""
    needed = needed_tiers(inputs)
    stated = {"github": inputs.github_plan, "vercel": inputs.vercel_plan, "sentry": inputs.sentry_plan}
    lines = []
    for service in ("github", "vercel", "sentry"):
        monthly, basis = _price(service, needed[service], seats)
        line = {"service": service, "needed": needed[service], "stated": stated[service], "monthly": monthly,
                "basis": basis}
        if stated[service] != needed[service]:
            line["statedMonthly"] = _price(service, stated[service], seats)[0]
        lines.append(line)
        if service == "github":
            lines.append(_secret_protection(inputs, seats))
    lines.append({"service": "domain", "needed": "-", "stated": "-", "monthly": PRICES["domain"]["monthly"],
                  "basis": "$12 per year"})
    known = [line["monthly"] for line in lines if line["monthly"] is not None]
    return {
        "stack": stack,
        "services": lines,
        "total": round(sum(known), 2),
        "totalIsLowerBound": len(known) != len(lines),
        "design": DESIGN_TABLE,
        "drivers": drivers(inputs),
        "pricesChecked": CHECKED,
    }


def platform(stacks: dict[str, PlanInputs], seats: Seats) -> dict:
    """What the shared accounts cost: each service at the highest tier any stack needs."""
    inputs = list(stacks.values())

    def highest(service: str) -> str:
        order = _ORDER[service]
        return max((needed_tiers(i)[service] for i in inputs), key=order.index)

    merged = replace(
        inputs[0],
        accept_missing=tuple(sorted(set.intersection(*(set(i.accept_missing) for i in inputs)))),
    )
    doc = report(f"platform ({' + '.join(stacks)}: the accounts they share)", merged, seats)
    for line in doc["services"]:
        if line["service"] in _ORDER:
            line["needed"] = highest(line["service"])
            line["monthly"], line["basis"] = _price(line["service"], line["needed"], seats)
        if line["service"] == "github-secret-protection":
            line.update(max((_secret_protection(i, seats) for i in inputs), key=lambda l: l["monthly"]))
    known = [line["monthly"] for line in doc["services"] if line["monthly"] is not None]
    doc["total"] = round(sum(known), 2)
    doc["drivers"] = {s: sorted({d for i in inputs for d in drivers(i)[s]}) for s in ("github", "vercel", "sentry")}
    return doc


def text(doc: dict) -> str:
    """The table ``plan cost`` prints."""
    out = [f"{doc['stack']}: monthly cost of the plans its guardrails need (USD, prices read {doc['pricesChecked']})",
           f"  {'service':<26}{'needed':<12}{'stated':<12}{'monthly':>9}  basis"]
    for line in doc["services"]:
        monthly = "?" if line["monthly"] is None else f"{line['monthly']:.2f}"
        extra = ""
        if line.get("statedMonthly") is not None and line["statedMonthly"] != line["monthly"]:
            extra = f" (the stated plan: {line['statedMonthly']:.2f})"
        out.append(f"  {_NAMES[line['service']]:<26}{line['needed']:<12}{line['stated']:<12}{monthly:>9}  "
                   f"{line['basis']}{extra}")
    design = doc["design"]
    bound = " or more (a plan priced by contract)" if doc["totalIsLowerBound"] else ""
    out.append(f"  {'total':<50}{doc['total']:>9.2f}{bound}")
    out.append(f"  design's table: {design['monthly']:.2f} (GitHub {design['github'].title()}, Vercel "
               f"{design['vercel'].title()}, Sentry {design['sentry'].title()}, a domain): "
               f"{doc['total'] - design['monthly']:+.2f} a month")
    out.append("  what moves it off the free tiers:")
    for service, names in doc["drivers"].items():
        out.append(f"    {_NAMES[service]}: {', '.join(names) if names else 'nothing (free tier)'}")
    return "\n".join(out) + "\n"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("cost", help="monthly cost of the plans a stack's guardrails need (offline)")
    parser.add_argument("stacks", nargs="+", metavar="STACK", help="stack name(s): staging, production")
    parser.add_argument("--stack-file", type=Path, help="use this stack file (one stack only)")
    parser.add_argument("--json", action="store_true", help="print the cost documents as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from plan.harness import ROOT, stack_config
    from stackconfig.load import load_stack_config

    if args.stack_file and len(args.stacks) != 1:
        sys.stderr.write("error: --stack-file takes exactly one STACK\n")
        return 2
    inputs: dict[str, PlanInputs] = {}
    seats: dict[str, Seats] = {}
    for stack in args.stacks:
        _, values, secrets, _ = stack_config(ROOT, stack, args.stack_file)
        config = load_stack_config(values, secrets)  # a stack that would be refused has no cost
        inputs[stack] = config.plan_inputs()
        seats[stack] = Seats(config.github_seats, config.vercel_seats)
    docs = [report(stack, inputs[stack], seats[stack]) for stack in inputs]
    if len(inputs) > 1:
        shared = Seats(max(s.github for s in seats.values()), max(s.vercel for s in seats.values()))
        docs.append(platform(inputs, shared))
    sys.stdout.write(json.dumps(docs, indent=2, sort_keys=True) + "\n" if args.json else "\n".join(map(text, docs)))
    return 0
