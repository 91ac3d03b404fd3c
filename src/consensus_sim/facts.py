"""The sentences that summarise an ensemble, shared by the terminal and the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .scenario import Scenario

#: How the terminal summary and the report name each outcome.
OUTCOME_NAMES = {
    "adopted": "adopted as proposed",
    "adopted_amended": "adopted, scope changed",
    "adopted_paid": "adopted, side payments",
    "adopted_rival": "adopted, a rival proposal",
    "withdrawn": "withdrawn",
    "deadlocked": "deadlocked",
    "postponed": "postponed to a later meeting",
}


def named_outcomes(scenario: Scenario, counts: dict[str, int]) -> dict[str, str]:
    """The outcomes a summary lists (:func:`.tally.shown_outcomes`), with their names."""
    from .tally import shown_outcomes

    return {key: OUTCOME_NAMES[key] for key in shown_outcomes(scenario, counts)}


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, singular for one: "1 run", "2,000 runs", "1 other actor"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def percent(share: float) -> str:
    """A share of runs as every summary prints it: ``63.6%``."""
    return f"{100 * float(share):.1f}%"


def ranked(rates: dict[str, float], top: int) -> list[tuple[str, float]]:
    """The members with a positive rate, highest first (ties in the summary's order)."""
    return sorted(((m, r) for m, r in rates.items() if r > 0), key=lambda kv: -kv[1])[:top]


@dataclass(frozen=True)
class Opposition:
    """How charts and summaries name what ``objection_rate`` counts.

    Under consensus-type rules (consensus, silence, unanimity) a member stands in the
    way by objecting; under voting rules (majority, qualified majority, veto
    majority) by any vote but yes, so the words differ with the rule.
    """

    does: str  #: "objects"
    did: str  #: "objected"
    top: str  #: heading of the members who opposed most often
    nobody: str  #: the sentence when no member ever opposed


#: The wording of each ``EnsembleResult.opposition_measure``.
OPPOSITION = {
    "objected": Opposition(
        "objects", "objected", "Top objectors (share of runs with an objection)",
        "No member objected in any run."),
    "did not vote yes": Opposition(
        "votes not yes", "voted not yes",
        "Voted not yes (share of runs with a vote other than yes)",
        "Every member voted yes in every round of every run."),
}


def opposition(measure: str) -> Opposition:
    """The wording of an opposition measure (``summary["opposition_measure"]``)."""
    return OPPOSITION[measure]


def varied_inputs(scenario: Scenario, escape: Callable[[str], str] = str,
                  short: bool = True) -> str:
    """What varies from run to run, in one sentence.

    The uncertain inputs are counted and described: those the ``position_sd`` and
    ``salience_sd`` shorthands declare as one group each, the others one by one
    (``short``: at most three items, and no gloss); then whether events are drawn
    and, when anything is uncertain, what the actors know of the draws
    (``information``); the same as a summary's ``uncertain_inputs`` and
    ``information`` say. Example: "Varies across runs: 76 uncertain inputs (37
    positions: triangular, sd ≤ 0.1; 39 saliences: triangular, sd ≤ 0.05) and which
    events fire; information: private."
    """
    inputs = scenario.uncertain
    events = " and which events fire" if scenario.events else ""
    if not inputs:
        return ("Varies across runs: only which events fire." if events
                else "Varies across runs: nothing; every run is the same.")
    declared = scenario.uncertainty.fields
    shorthand = {"position": scenario.uncertainty.position_sd,
                 "salience": scenario.uncertainty.salience_sd}
    groups: dict[str, list[str]] = {}  # field: the distribution of each of its inputs
    single: list[str] = []
    for x in scenario.uncertain:
        if x.path not in declared and shorthand.get(x.field, 0) > 0:
            groups.setdefault(x.field, []).append(x.dist)
        else:
            single.append(f"{escape(x.path)}: {escape(x.describe())}")
    around = "" if short else " around the stated value"
    items = [f"{len(dists)} {field}{'s' if len(dists) > 1 else ''}: "
             f"{'/'.join(sorted(set(dists)))}{around}, sd ≤ {shorthand[field]:g}"
             for field, dists in groups.items()] + single
    shown = items[:3] if short else items
    if len(shown) < len(items):
        shown.append(f"{len(items) - len(shown)} more")
    count = len(inputs)
    knows = "" if short else (
        " (each actor knows its own draws, the others only their distributions)"
        if scenario.information == "private" else " (every actor knows every draw)")
    return (f"Varies across runs: {count} uncertain input{'s' if count > 1 else ''} "
            f"({'; '.join(shown)}){events}; information: {scenario.information}{knows}.")


def ensemble_facts(summary: dict[str, Any], scenario: Scenario,
                   escape: Callable[[str], str] = str, top: int = 5) -> list[str]:
    """Who opposed (objected, or voted not yes under a voting rule), who was the
    blocker most costly to win over, side payments, rival proposals adopted, events
    and mean rounds, one
    sentence each; ``escape`` guards text from the scenario (``html.escape`` for HTML)."""

    def members(rates: list[tuple[str, float]]) -> str:
        return ", ".join(f"{escape(scenario.actor(m).label)} {percent(r)}" for m, r in rates)

    words = opposition(summary["opposition_measure"])
    facts = []
    opposed = ranked(summary["objection_rate"], top)
    facts.append(f"{words.top}: {members(opposed)}" if opposed else words.nobody)
    costliest = ranked(summary["costliest_blocker_rate"], top)
    if costliest:
        facts.append("Blocker most costly to win over: " + members(costliest))
    for dim, info in summary.get("side_payments", {}).items():
        if info["share_of_runs"]:
            facts.append(f"Side payments on {escape(dim)}: {percent(info['share_of_runs'])} of "
                         f"runs (mean {info['mean_amount_when_paid']:.2f} when paid)")
    rivals = summary.get("rivals", {})
    if rivals:
        facts.append("Rival proposals adopted: " + ", ".join(
            f"{escape(info['name'])} {percent(info['adopted'])}" for info in rivals.values()))
    for event, info in summary.get("events", {}).items():
        fact = f"Event {escape(event)}: fired in {percent(info['fired'])} of runs"
        if info["p_adopted_if_fired"] is not None and info["p_adopted_if_not"] is not None:
            fact += (f"; any agreement {percent(info['p_adopted_if_fired'])} when it fired, "
                     f"{percent(info['p_adopted_if_not'])} when not")
        facts.append(fact)
    facts.append(f"Mean rounds: {summary['mean_rounds']:.2f}")
    return facts
