"""One negotiation as a Mesa model: one step is one round.

A round goes:

1. **Events.** Shocks drawn from the run's generator fire.
2. **Pressure.** Partners and external actors push the members they target.
3. **Persuasion.** Members that listen to others move (Friedkin-Johnsen).
4. **Response.** Every member supports, abstains or objects (see :mod:`.agents`).
5. **Decision** by the scenario's rule (see :mod:`.rules`). Adopted: the run ends.
6. **Scope change.** Blocked: the agenda setter wins over the blockers it needs, by
   narrowing the scope with its concession strategy (see :mod:`.concession`) or by
   side payments on linked issues where they cost the payer less. It withdraws
   the proposal instead
   when the best version the blockers would accept, or the version its strategy
   would table next, is no better for it than the status quo: it never tables a
   text it likes less than no agreement. When the last round allowed
   (``max_rounds``) is blocked, the run ends deadlocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from .agents import (
    AGENT_CLASSES,
    OBJECT,
    RESPONSE_NAMES,
    SUPPORT,
    Lobbyist,
    Member,
    respond,
    utilities,
)
from .concession import STRATEGIES, ladder, minimal, win_over_all
from .rules import blocking_cost_scaled, rule_function
from .scenario import Scenario, load_scenario

OUTCOMES = ("adopted", "adopted_amended", "withdrawn", "deadlocked")


@dataclass(frozen=True, eq=False)
class RunResult:
    """What one negotiation produced.

    Attributes:
        outcome: 'adopted' (as first proposed), 'adopted_amended' (after a scope
            change), 'withdrawn' or 'deadlocked'.
        rounds: rounds taken (votes held).
        proposals: the proposal voted on in each round, shape (rounds, d).
        responses: each member's response code per round, shape (rounds, n_members).
        final: the last proposal on the table (the adopted text, if adopted).
        pivotal: id of the blocker whose demand weighed most on the setter in the
            last blocked round (None if the first proposal passed).
        scenario: the scenario, for names and labels.
        payments: side payments made: round, payer, to, dimension, amount.
        fired: events that fired, as (round, event id).
        positions: members' ideal points in each round, shape (rounds, n_members, d),
            when persuasion is on (None otherwise).
    """

    outcome: str
    rounds: int
    proposals: np.ndarray
    responses: np.ndarray
    final: np.ndarray
    pivotal: str | None
    scenario: Scenario
    payments: tuple[dict[str, Any], ...] = ()
    fired: tuple[tuple[int, str], ...] = ()
    positions: np.ndarray | None = None

    @property
    def adopted(self) -> bool:
        return self.outcome in ("adopted", "adopted_amended")

    @property
    def objectors(self) -> list[str]:
        """Members that objected in at least one round."""
        ever = (self.responses == OBJECT).any(axis=0)
        return [m for m, o in zip(self.scenario.arrays.member_ids, ever, strict=True) if o]

    @property
    def scope_given_up(self) -> np.ndarray:
        """How far the final text moved from the initial proposal, per dimension."""
        return self.scenario.arrays.proposal - self.final

    @property
    def final_labels(self) -> dict[str, str]:
        """The label of the level nearest the final text, per dimension."""
        s = self.scenario
        return {d: s.level_label(k, v) for k, (d, v) in enumerate(
            zip(s.dimension_ids, self.final, strict=True))}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the run."""
        s = self.scenario
        dims = s.dimension_ids
        return {
            "outcome": self.outcome,
            "rounds": self.rounds,
            "final": dict(zip(dims, map(float, self.final), strict=True)),
            "final_labels": self.final_labels,
            "scope_given_up": dict(zip(dims, map(float, self.scope_given_up), strict=True)),
            "objectors": self.objectors,
            "pivotal": self.pivotal,
            "payments": list(self.payments),
            "events": [{"round": r, "event": e} for r, e in self.fired],
            "history": [
                {
                    "round": r + 1,
                    "proposal": dict(zip(dims, map(float, self.proposals[r]), strict=True)),
                    "responses": {m: RESPONSE_NAMES[int(c)] for m, c in zip(
                        s.arrays.member_ids, self.responses[r], strict=True)},
                }
                for r in range(self.rounds)
            ],
        }


class NegotiationModel(mesa.Model):
    """A negotiation over one proposal among the members of an alliance or council.

    Args:
        scenario: a :class:`Scenario`, or a path or bundled name for :func:`load_scenario`.
        rng: seed or ``numpy.random.Generator``; every draw of the run comes from it.
        collect: keep a model-level ``mesa.DataCollector`` (one row per round). The
            ensemble runner turns it off: it records the same data more compactly.
    """

    def __init__(self, scenario: Scenario | str | Path, rng: Any = None, *,
                 collect: bool = True) -> None:
        super().__init__(rng=rng)
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        # Mesa 3.5 owns `model.scenario` (its experimental Scenario); ours is `model.spec`.
        self.spec = scenario
        a = scenario.arrays
        self.n_members = a.n_members
        self.status_quo = a.status_quo
        self.initial_proposal = a.proposal
        self.proposal = a.proposal.copy()
        self.levels = a.levels
        self.setter = a.setter
        self.max_rounds = scenario.max_rounds

        noise = scenario.uncertainty
        sd_position, sd_salience = noise.position_sd, noise.salience_sd
        self.position = a.position.copy()
        self.salience = a.salience.copy()
        if sd_position > 0:
            self.position += self.rng.normal(0.0, sd_position, self.position.shape)
            np.clip(self.position, 0.0, 1.0, out=self.position)
        if sd_salience > 0:
            # A salience of 0 means "does not care": noise never makes it care.
            noise = self.rng.normal(0.0, sd_salience, self.salience.shape)
            self.salience += np.where(self.salience > 0, noise, 0.0)
            np.clip(self.salience, 0.0, 1.0, out=self.salience)
        self.tolerance = a.tolerance[: a.n_members]
        self.blocking_cost = a.blocking_cost[: a.n_members]
        self.gamma = a.gamma
        common = a.common_gamma
        self._member_gamma = common if common is not None else a.gamma[: a.n_members]

        self.rule = rule_function(scenario)
        self._scaled_cost = blocking_cost_scaled(scenario)
        self.concede = STRATEGIES[scenario.proposal.concession]
        self.side = a.side
        self.payer = a.payer
        self.side_payments = scenario.proposal.side_payments and bool(a.side.any())

        # Persuasion: members that listen to someone move each round (Friedkin-Johnsen).
        self.influence = a.influence
        if a.influence is not None:
            listening = (a.influence[:, : a.n_members] != np.eye(a.n_members)).any(axis=1)
            listening |= (a.influence[:, a.n_members:] > 0).any(axis=1)
            self._listeners = np.flatnonzero(listening)
            self._susceptibility = (1.0 - a.stubbornness[self._listeners])[:, None]
            self._anchor = self.position[self._listeners].copy()
        # Events drawn once per run are drawn now; those drawn per round, each round.
        self.events = scenario.events
        self._event_arrays = a.events
        self._run_draws = self.rng.random(len(a.events)) if a.events else None
        self.fired: list[tuple[int, str]] = []

        for row, spec in enumerate(scenario.ordered_actors):
            AGENT_CLASSES[spec.type](self, row, spec)
        self.by_row: list[Any] = sorted(self.agents, key=lambda agent: agent.row)
        self.lobbyists: list[Lobbyist] = [x for x in self.by_row if isinstance(x, Lobbyist)]
        for lobbyist in self.lobbyists:
            lobbyist.pressure = [p[1:] for p in a.pressure if p[0] == lobbyist.row]
        self.lobbyists = [x for x in self.lobbyists if x.pressure]

        self.round = 0
        self.outcome: str | None = None
        self.pivotal: str | None = None
        self.responses = None
        self.payments: list[dict[str, Any]] = []
        self._proposals: list[np.ndarray] = []
        self._codes: list[np.ndarray] = []
        self._positions: list[np.ndarray] = []
        self.datacollector = (mesa.DataCollector(model_reporters=self._reporters())
                              if collect else None)

    # ------------------------------------------------------------------ a round

    def step(self) -> None:
        """One round: events, pressure, persuasion, responses, decision, then scope
        change or the end."""
        self.round += 1
        if self._event_arrays:
            self._fire_events()
        for lobbyist in self.lobbyists:
            lobbyist.press()
        if self.influence is not None:
            self._persuade()
        n = self.n_members
        x = self.proposal
        r = respond(self.position[:n], self.salience[:n], self._member_gamma,
                    self.tolerance, self.blocking_cost, x, self.status_quo, self._scaled_cost)
        self.responses = r
        self._proposals.append(x.copy())
        self._codes.append(r.code)
        if self.influence is not None:
            self._positions.append(self.position[:n].copy())
        decision = self.rule(r.code)
        if decision.adopted:
            amended = self.round > 1 and not np.array_equal(x, self.initial_proposal)
            self._finish("adopted_amended" if amended else "adopted")
        else:
            self._amend(decision, r)
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def _fire_events(self) -> None:
        """Apply the events that fire this round (see :class:`~.scenario.Event`)."""
        per_round = sum(e[1] for e in self._event_arrays)
        draws = iter(self.rng.random(per_round)) if per_round else iter(())
        for j, (probability, each_round, at, on_salience, change, rows, _) in enumerate(
                self._event_arrays):
            if each_round:
                fires = next(draws) < probability
            else:
                fires = at == self.round and self._run_draws[j] < probability
            if not fires:
                continue
            target = self.salience if on_salience else self.position
            target[rows] = np.clip(target[rows] + change, 0.0, 1.0)
            self.fired.append((self.round, self.events[j].id))

    def _persuade(self) -> None:
        """Friedkin-Johnsen: p_i <- (1 - a_i) * sum_j W_ij p_j + a_i * p_i(0), where a_i is
        member i's stubbornness and W its capability-weighted listening weights."""
        rows = self._listeners
        heard = self.influence[rows] @ self.position
        self.position[rows] = self._susceptibility * heard + (
            1.0 - self._susceptibility) * self._anchor

    def _amend(self, decision, r) -> None:
        """The setter's move after a blocked round: concede, withdraw, or run out of time."""
        need_support = decision.need == SUPPORT
        allowed = r.threshold.copy()
        allowed[decision.blockers[need_support]] = 0.0
        ordered = self._blockers_to_win(decision, r, allowed)
        self.pivotal = self.by_row[ordered[0]].actor_id
        if self.round >= self.max_rounds:
            self._finish("deadlocked")
            return
        best, payments = win_over_all(self.proposal, ordered, allowed, r.status_quo_utility,
                                      self.position, self.salience, self.gamma, self.side,
                                      self.payer, self.side_payments)
        k = ordered[0]
        pivot_paid = any(p.to == k for p in payments)
        if self.concede is minimal or pivot_paid:
            amended = best
        else:
            scope_salience = np.where(self.side, 0.0, self.salience[k])
            extra = {"levels": self.levels} if self.concede is ladder else {}
            stepped = self.concede(self.proposal, self.position[k], scope_salience,
                                   self.gamma[k], r.loss[k] - allowed[k], **extra)
            amended = np.where(self.side, best, stepped)
        # The setter never tables a text it likes no better than no agreement.
        no_deal = self.setter_utility(self.status_quo)
        if self.setter_utility(best) <= no_deal or self.setter_utility(amended) <= no_deal:
            self._finish("withdrawn")
            return
        ids = self.spec.arrays.actor_ids
        dims = self.spec.dimension_ids
        self.payments.extend({"round": self.round, "payer": ids[p.payer], "to": ids[p.to],
                              "dimension": dims[p.dimension], "amount": p.amount}
                             for p in payments)
        self.proposal = amended

    def _blockers_to_win(self, decision, r, allowed: np.ndarray) -> list[int]:
        """The blockers the setter sets out to win over, most costly to it first.

        The setter prices winning each blocker over alone, then takes them from the
        cheapest until the rule would pass (under consensus: all of them), and drops
        any it turns out not to need. The first of the result is the pivotal one.
        """
        blockers = decision.blockers
        if blockers.size == 1:
            return [int(blockers[0])]
        cost = {}
        for i in map(int, blockers):
            won, _ = win_over_all(self.proposal, [i], allowed, r.status_quo_utility,
                                  self.position, self.salience, self.gamma, self.side,
                                  self.payer, self.side_payments)
            cost[i] = -self.setter_utility(won)
        need = dict(zip(map(int, blockers), decision.need, strict=True))
        cheapest_first = sorted(cost, key=lambda i: (cost[i], i))
        codes = r.code.copy()
        chosen = []
        for i in cheapest_first:
            codes[i] = need[i]
            chosen.append(i)
            if self.rule(codes).adopted:
                break
        for i in reversed(chosen[:-1]):  # drop blockers the rule turns out not to need
            trial = codes.copy()
            trial[i] = r.code[i]
            if self.rule(trial).adopted:
                codes = trial
                chosen.remove(i)
        return sorted(chosen, key=lambda i: (-cost[i], i))

    def _finish(self, outcome: str) -> None:
        self.outcome = outcome
        self.running = False

    # ------------------------------------------------------------------ reading

    def gamma_of(self, row: int) -> float:
        return float(self.gamma[row])

    def setter_utility(self, x: np.ndarray) -> float:
        """The agenda setter's utility for the point ``x``."""
        s = self.setter
        return float(utilities(self.position[s:s + 1], self.salience[s:s + 1],
                               self.gamma[s], x)[0])

    @property
    def members(self) -> list[Member]:
        return self.by_row[: self.n_members]

    @property
    def n_objecting(self) -> int:
        return 0 if self.responses is None else int(np.count_nonzero(self.responses.code == OBJECT))

    @property
    def n_supporting(self) -> int:
        return 0 if self.responses is None else int(np.count_nonzero(self.responses.code == 1))

    def _reporters(self) -> dict[str, Any]:
        reporters: dict[str, Any] = {
            "round": "round",
            "objecting": "n_objecting",
            "supporting": "n_supporting",
            "outcome": "outcome",
            "pivotal": "pivotal",
        }
        for k, d in enumerate(self.spec.dimension_ids):
            reporters[f"proposal_{d}"] = partial(_proposal_voted, k)
        return reporters

    def run(self) -> RunResult:
        """Play rounds until the proposal is adopted, withdrawn or deadlocked."""
        while self.running:
            self.step()
        return self.result()

    def result(self) -> RunResult:
        """The run's result so far (call after :meth:`run`)."""
        d = self.status_quo.size
        proposals = np.array(self._proposals) if self._proposals else np.empty((0, d))
        codes = (np.array(self._codes) if self._codes
                 else np.empty((0, self.n_members), dtype=np.int8))
        final = proposals[-1] if len(proposals) else self.proposal.copy()
        positions = np.array(self._positions) if self._positions else None
        return RunResult(self.outcome or "running", self.round, proposals, codes, final,
                         self.pivotal, self.spec, tuple(self.payments), tuple(self.fired),
                         positions)


def _proposal_voted(k: int, model: NegotiationModel) -> float:
    """Model reporter: the proposal voted on this round, on dimension ``k``."""
    return float(model._proposals[-1][k]) if model._proposals else float("nan")
