"""Running totals of an ensemble: its summary in constant memory, however many runs.

An ensemble's summary (outcome shares with their intervals, who opposed, the blocker
most costly to win over, the adopted scopes, side payments, events) needs only
counts and sums. :class:`Tally` keeps them and adds one chunk of runs at a time, so
``consensus-sim run`` can stream a million runs to disk while memory stays flat, and
an in-memory :class:`~.ensemble.EnsembleResult` computes the same summary the same
way (one implementation).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .outcomes import ADOPTED_OUTCOMES, BINARY_LABELS, OUTCOMES

if TYPE_CHECKING:
    from .scenario import Scenario

_ADOPTED = tuple(OUTCOMES.index(name) for name in ADOPTED_OUTCOMES)
_RIVAL = OUTCOMES.index("adopted_rival")


#: The order in which summaries, reports and charts list the outcomes.
DISPLAY_ORDER = ("adopted", "adopted_paid", "adopted_amended", "adopted_rival", "withdrawn",
                 "postponed", "deadlocked")


def shown_outcomes(scenario: Scenario, counts: dict[str, int]) -> list[str]:
    """The outcomes a summary, report or chart lists, in :data:`DISPLAY_ORDER`:
    every one, but ``adopted_paid`` only where the scenario allows side payments,
    ``adopted_rival`` only where it has rival proposals, and ``postponed`` only where
    the setter may postpone (or some run ended so)."""
    a = scenario.arrays
    possible = {
        "adopted_paid": scenario.proposal.side_payments and bool(a.side.any()),
        "adopted_rival": bool(scenario.rivals),
        "postponed": scenario.proposal.postponement > 0,
    }
    return [name for name in DISPLAY_ORDER if possible.get(name, True) or counts.get(name)]


def nearest_labels(scenario: Scenario, final: np.ndarray) -> list[list[str]]:
    """Per dimension, the level label nearest each run's final text (rows of ``final``)."""
    labels = []
    a = scenario.arrays
    for k, dim in enumerate(scenario.dimensions):
        if dim.binary and not dim.levels:  # a yes/no question: which answer
            kept = np.abs(final[:, k] - a.proposal[k]) <= np.abs(final[:, k] - a.status_quo[k])
            labels.append(np.where(kept, BINARY_LABELS[1], BINARY_LABELS[0]).tolist())
            continue
        if not dim.levels:
            labels.append([f"{v:.2f}" for v in final[:, k]])
            continue
        values = np.array([lv.value for lv in dim.levels])
        nearest = np.abs(final[:, k, None] - values[None]).argmin(axis=1)
        names = [lv.label for lv in dim.levels]
        labels.append([names[i] for i in nearest])
    return labels


def rival_rows(scenario: Scenario, outcome: np.ndarray, final: np.ndarray) -> np.ndarray:
    """Per run, the rival proposal adopted, as its row in order of rival ids (-1 where
    none was): the rival whose text is the run's final text (rival texts differ)."""
    a = scenario.arrays
    rows = np.full(outcome.size, -1, dtype=np.int64)
    won = np.flatnonzero(outcome == _RIVAL)
    if won.size:
        same = np.all(final[won, None, :] == a.rivals[None], axis=2)  # (n, V)
        rows[won] = same.argmax(axis=1)
    return rows


def wilson_interval(successes: int, trials: int, z: float = 1.959963984540054
                    ) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion (Wilson 1927), 95% by default."""
    p = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def increments(scenario: Scenario, outcome: np.ndarray, rounds: np.ndarray,
               final: np.ndarray, costliest: np.ndarray, opposed: np.ndarray,
               by_round: np.ndarray, paid: np.ndarray, fired: np.ndarray) -> dict[str, Any]:
    """What a batch of runs adds to a :class:`Tally`: counts and sums, small enough to
    send from a worker process."""
    a = scenario.arrays
    rmax = scenario.max_rounds
    adopted = np.isin(outcome, _ADOPTED)
    won = final[adopted]
    labels = nearest_labels(scenario, won)
    made = paid > 0
    rival = rival_rows(scenario, outcome, final)
    return {
        "runs": outcome.size,
        "outcomes": np.bincount(outcome, minlength=len(OUTCOMES)),
        "rounds_sum": int(rounds.sum()),
        "labels": [Counter(column) for column in labels],
        "combos": Counter(zip(*labels, strict=True)),
        "final_sum": won.sum(axis=0),
        "opposed": opposed.sum(axis=0),
        "costliest": np.bincount(costliest[costliest >= 0], minlength=a.n_members),
        "by_round": by_round,
        "reached": (rounds[:, None] >= np.arange(1, rmax + 1)).sum(axis=0),
        "paid_runs": made.sum(axis=0),
        "paid_sum": np.where(made, paid, 0.0).sum(axis=0),
        "fired": fired.sum(axis=0),
        "fired_adopted": (fired & adopted[:, None]).sum(axis=0),
        "rivals": np.bincount(rival[rival >= 0], minlength=len(a.rival_ids)),
    }


@dataclass(eq=False)
class Tally:
    """Counts and sums over the runs added so far (see the module docstring)."""

    scenario: Scenario
    seed: int
    runs: int = 0
    outcomes: np.ndarray = field(default_factory=lambda: np.zeros(len(OUTCOMES), np.int64))
    rounds_sum: int = 0
    label_counts: list[Counter] = field(default_factory=list)
    combos: Counter = field(default_factory=Counter)
    final_sum: np.ndarray | None = None
    opposed: np.ndarray | None = None
    costliest: np.ndarray | None = None
    by_round: np.ndarray | None = None
    reached: np.ndarray | None = None
    paid_runs: np.ndarray | None = None
    paid_sum: np.ndarray | None = None
    fired: np.ndarray | None = None
    fired_adopted: np.ndarray | None = None
    rivals: np.ndarray | None = None

    def __post_init__(self) -> None:
        a = self.scenario.arrays
        m, d, rmax = a.n_members, a.status_quo.size, self.scenario.max_rounds
        n_events = len(self.scenario.events)
        self.label_counts = [Counter() for _ in range(d)]
        self.final_sum = np.zeros(d)
        self.opposed = np.zeros(m, np.int64)
        self.costliest = np.zeros(m, np.int64)
        self.by_round = np.zeros((m, rmax), np.int64)
        self.reached = np.zeros(rmax, np.int64)
        self.paid_runs = np.zeros(d, np.int64)
        self.paid_sum = np.zeros(d)
        self.fired = np.zeros(n_events, np.int64)
        self.fired_adopted = np.zeros(n_events, np.int64)
        self.rivals = np.zeros(len(a.rival_ids), np.int64)

    def add(self, outcome: np.ndarray, rounds: np.ndarray, final: np.ndarray,
            costliest: np.ndarray, opposed: np.ndarray, by_round: np.ndarray,
            paid: np.ndarray, fired: np.ndarray) -> None:
        """Add a batch of runs (arrays with one row per run, as in a chunk)."""
        self.absorb(increments(self.scenario, outcome, rounds, final, costliest, opposed,
                               by_round, paid, fired))

    def absorb(self, counts: dict[str, Any]) -> None:
        """Add a batch's :func:`increments` (computed here or in a worker process:
        either way the same numbers are added in the same order)."""
        self.runs += counts["runs"]
        self.outcomes += counts["outcomes"]
        self.rounds_sum += counts["rounds_sum"]
        for k, column in enumerate(counts["labels"]):
            self.label_counts[k].update(column)
        self.combos.update(counts["combos"])
        for name in ("final_sum", "opposed", "costliest", "by_round", "reached", "paid_runs",
                     "paid_sum", "fired", "fired_adopted", "rivals"):
            array = getattr(self, name)
            array += counts[name]

    # ------------------------------------------------------------------ reading

    def outcome_counts(self) -> dict[str, int]:
        return {name: int(c) for name, c in zip(OUTCOMES, self.outcomes, strict=True)}

    @property
    def adopted(self) -> int:
        return int(self.outcomes[list(_ADOPTED)].sum())

    def objection_rate(self) -> dict[str, float]:
        """Per member, the share of runs in which it opposed the text at least once."""
        rate = self.opposed / max(self.runs, 1)
        return dict(zip(self.scenario.arrays.member_ids, map(float, rate), strict=True))

    def objection_rate_by_round(self) -> np.ndarray:
        """(members, rounds): the share of the runs that reached a round in which a
        member opposed the text."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.reached > 0, self.by_round / np.maximum(self.reached, 1),
                            np.nan)

    def summary(self) -> dict[str, Any]:
        """The ensemble in numbers, JSON-ready (see docs/outputs.md for every key)."""
        from . import __version__
        from .rules import is_vote

        s, n = self.scenario, self.runs
        counts = self.outcome_counts()
        n_adopted = self.adopted
        scope: dict[str, Any] = {}
        for k, dim in enumerate(s.dimensions):
            shares = self.label_counts[k]
            dist = {lbl: _r(c / n) for lbl, c in sorted(shares.items(),
                                                         key=lambda kv: (-kv[1], kv[0]))}
            dist["no agreement"] = _r(1 - n_adopted / n)
            mean = self.final_sum[k] / n_adopted if n_adopted else None
            scope[dim.id] = {
                "distribution": dist,
                "mean_if_adopted": _r(mean) if n_adopted else None,
                "mean_given_up_if_adopted": _r(s.arrays.proposal[k] - mean)
                if n_adopted else None,
            }
        modal = None
        if n_adopted:
            combo, count = min(self.combos.items(), key=lambda kv: (-kv[1], kv[0]))
            modal = {"labels": dict(zip(s.dimension_ids, combo, strict=True)),
                     "share_of_runs": _r(count / n),
                     "share_of_adopted": _r(count / n_adopted)}
        member_ids = s.arrays.member_ids
        extra: dict[str, Any] = {}
        side = np.flatnonzero(s.arrays.side)
        if side.size:
            extra["side_payments"] = {
                s.dimension_ids[k]: {
                    "share_of_runs": _r(self.paid_runs[k] / n),
                    "mean_amount_when_paid": _r(self.paid_sum[k] / self.paid_runs[k])
                    if self.paid_runs[k] else None,
                } for k in side}
        if s.rivals:
            by_id = {r.id: r for r in s.rivals}
            extra["rivals"] = {
                rid: {"name": by_id[rid].label, "sponsor": by_id[rid].sponsor,
                      "round": by_id[rid].round, "runs": int(c), "adopted": _r(c / n),
                      "ci95": [_r(v) for v in wilson_interval(int(c), n)]}
                for rid, c in zip(s.arrays.rival_ids, self.rivals, strict=True)}
        if s.events:
            extra["events"] = {}
            for j, event in enumerate(s.events):
                hit, won = int(self.fired[j]), int(self.fired_adopted[j])
                extra["events"][event.id] = {
                    "fired": _r(hit / n),
                    "p_adopted_if_fired": _r(won / hit) if hit else None,
                    "p_adopted_if_not": _r((n_adopted - won) / (n - hit)) if n - hit else None,
                }
        return {
            "scenario": s.id,
            "title": s.title,
            "scenario_sha256": s.content_hash(),
            "runs": n,
            "seed": self.seed,
            "version": __version__,
            "outcomes": {name: _r(c / n) for name, c in counts.items()},
            "counts": counts,
            "ci95": {name: [_r(v) for v in wilson_interval(c, n)] for name, c in counts.items()},
            "p_adopted_any": _r(n_adopted / n),
            "information": s.information,
            "uncertain_inputs": {x.path: x.describe() for x in s.uncertain},
            "opposition_measure": "did not vote yes" if is_vote(s) else "objected",
            "objection_rate": {m: _r(v) for m, v in self.objection_rate().items()},
            "costliest_blocker_rate": {member_ids[i]: _r(c / n)
                                       for i, c in enumerate(self.costliest) if c},
            "mean_rounds": _r(self.rounds_sum / n),
            "final_scope": scope,
            "modal_adopted_scope": modal,
            **extra,
        }


def _r(x: float) -> float:
    """Round for JSON: six decimals are plenty and keep files readable."""
    return round(float(x), 6)
