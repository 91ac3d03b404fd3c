"""The sentences that summarise an ensemble, shared by the terminal and the report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .scenario import Scenario


def percent(share: float) -> str:
    """A share of runs as every summary prints it: ``63.6%``."""
    return f"{100 * float(share):.1f}%"


def ranked(rates: dict[str, float], top: int) -> list[tuple[str, float]]:
    """The members with a positive rate, highest first (ties in the summary's order)."""
    return sorted(((m, r) for m, r in rates.items() if r > 0), key=lambda kv: -kv[1])[:top]


def ensemble_facts(summary: dict[str, Any], scenario: Scenario,
                   escape: Callable[[str], str] = str, top: int = 5) -> list[str]:
    """Who objected, who was pivotal, side payments, events and mean rounds, one
    sentence each; ``escape`` guards text from the scenario (``html.escape`` for HTML)."""

    def members(rates: list[tuple[str, float]]) -> str:
        return ", ".join(f"{escape(scenario.actor(m).label)} {percent(r)}" for m, r in rates)

    facts = []
    objectors = ranked(summary["objection_rate"], top)
    facts.append("Top objectors (share of runs with an objection): " + members(objectors)
                 if objectors else "No member objected in any run.")
    pivotal = ranked(summary["pivotal_rate"], top)
    if pivotal:
        facts.append("Pivotal objector: " + members(pivotal))
    for dim, info in summary.get("side_payments", {}).items():
        if info["share_of_runs"]:
            facts.append(f"Side payments on {escape(dim)}: {percent(info['share_of_runs'])} of "
                         f"runs (mean {info['mean_amount_when_paid']:.2f} when paid)")
    for event, info in summary.get("events", {}).items():
        fact = f"Event {escape(event)}: fired in {percent(info['fired'])} of runs"
        if info["p_adopted_if_fired"] is not None and info["p_adopted_if_not"] is not None:
            fact += (f"; any agreement {percent(info['p_adopted_if_fired'])} when it fired, "
                     f"{percent(info['p_adopted_if_not'])} when not")
        facts.append(fact)
    facts.append(f"Mean rounds: {summary['mean_rounds']:.2f}")
    return facts
