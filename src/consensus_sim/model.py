"""One negotiation as a Mesa model: one step is one round.

A round goes:

1. **Events and pressure.** Drawn shocks fire; partners and external actors press
   the members they target, all from the state at the start of the round.
2. **Persuasion.** Members that listen to others move (Friedkin-Johnsen, anchored on
   their own view after pressure).
3. **Response.** Members weigh the text and respond; the responses are the
   equilibrium reached by iterating best responses from nobody objecting.
4. **Decision** by the scenario's rule. Adopted: the run ends.
5. **Amendment.** Blocked: the agenda setter tables the text it likes best among
   those that would pass, or withdraws when none beats the status quo for it. A
   blocked last round (``max_rounds``) ends the run deadlocked.

Every rule is a function of :mod:`.kernel`, applied here to a batch of one run; the
ensemble runner applies the same functions to thousands of runs at once, so run
``i`` of an ensemble is this model with ``rng=run_generator(seed, i)``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from . import kernel
from .agents import AGENT_CLASSES, OBJECT, RESPONSE_NAMES, SUPPORT, Lobbyist, Member
from .kernel import ADOPTED_OUTCOMES, OUTCOMES
from .scenario import Scenario, load_scenario

__all__ = ["OUTCOMES", "NegotiationModel", "RunResult"]


@dataclass(frozen=True, eq=False)
class RunResult:
    """What one negotiation produced.

    Attributes:
        outcome: one of :data:`OUTCOMES`: 'adopted' (as first proposed),
            'adopted_amended' (after a scope change), 'adopted_paid' (side payments
            only), 'adopted_rival' (a rival proposal won), 'withdrawn', 'postponed' or
            'deadlocked'.
        rounds: rounds taken (votes held).
        proposals: the proposal voted on in each round, shape (rounds, d).
        responses: each member's response code per round, shape (rounds, n_members).
        losses: each member's loss per round, shape (rounds, n_members).
        final: the last proposal on the table, or the rival proposal adopted.
        costliest_blocker: id of the blocker most costly for the setter to win over in
            the last blocked round (None if the first proposal passed).
        scenario: the scenario, for names and labels.
        payments: side payments made: round, payer, to, dimension, amount.
        fired: events that fired, as (round, event id).
        positions: members' ideal points in each round, shape (rounds, n_members, d),
            when persuasion is on (None otherwise).
        drawn: the uncertain inputs' drawn values, by path.
        rival: the id of the rival proposal adopted, or None.
    """

    outcome: str
    rounds: int
    proposals: np.ndarray
    responses: np.ndarray
    losses: np.ndarray
    final: np.ndarray
    costliest_blocker: str | None
    scenario: Scenario
    payments: tuple[dict[str, Any], ...] = ()
    fired: tuple[tuple[int, str], ...] = ()
    positions: np.ndarray | None = None
    drawn: dict[str, float] | None = None
    rival: str | None = None

    @property
    def adopted(self) -> bool:
        return self.outcome in ADOPTED_OUTCOMES

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
        members = s.arrays.member_ids
        return {
            "outcome": self.outcome,
            "rounds": self.rounds,
            "final": dict(zip(dims, map(float, self.final), strict=True)),
            "final_labels": self.final_labels,
            "scope_given_up": dict(zip(dims, map(float, self.scope_given_up), strict=True)),
            "objectors": self.objectors,
            "costliest_blocker": self.costliest_blocker,
            "rival": self.rival,
            "payments": list(self.payments),
            "events": [{"round": r, "event": e} for r, e in self.fired],
            "drawn": dict(self.drawn or {}),
            "history": [
                {
                    "round": r + 1,
                    "proposal": dict(zip(dims, map(float, self.proposals[r]), strict=True)),
                    "responses": {m: RESPONSE_NAMES[int(c)] for m, c in zip(
                        members, self.responses[r], strict=True)},
                    "losses": {m: float(v) for m, v in zip(
                        members, self.losses[r], strict=True)},
                }
                for r in range(self.rounds)
            ],
        }


class NegotiationModel(mesa.Model):
    """A negotiation over one proposal among the members of an alliance or council.

    Args:
        spec: a :class:`Scenario`, or a path or bundled name for :func:`load_scenario`
            (named ``spec``, as the model keeps it, because Mesa 3.5's ``Model`` takes
            a ``scenario`` argument of its own).
        rng: seed or ``numpy.random.Generator``. The run's own random numbers (its
            uncertain inputs and events) are the generator's first draws, before Mesa
            takes its own seed from it.
        collect: keep a ``mesa.DataCollector``: one row per round for the model, and
            each member's loss and response per round. The ensemble runner does
            not use the model at all.
    """

    def __init__(self, spec: Scenario | str | Path, rng: Any = None, *,
                 collect: bool = True) -> None:
        scenario = spec if isinstance(spec, Scenario) else load_scenario(spec)
        generator = np.random.default_rng(rng)
        self.setup = kernel.setup(scenario)
        uniforms = generator.random(self.setup.n_uniforms)[None]
        super().__init__(rng=generator)
        # Mesa 3.5 owns `model.scenario` (its experimental Scenario); ours is `model.spec`.
        self.spec = scenario
        self.state = kernel.initial_state(self.setup, uniforms, np.zeros(1, dtype=np.int64))
        for row, actor in enumerate(scenario.ordered_actors):
            AGENT_CLASSES[actor.type](self, row, actor)
        self.members = self.agents_by_type[Member]
        self.lobbyists = self.agents.select(agent_type=Lobbyist)
        self.agenda_setter = next(a for a in self.agents if a.row == self.setup.setter)
        self.outcome: str | None = None
        self.costliest_blocker: str | None = None
        self.rival: str | None = None
        self.payments: list[dict[str, Any]] = []
        self.fired: list[tuple[int, str]] = []
        self._proposals: list[np.ndarray] = []
        self._codes: list[np.ndarray] = []
        self._losses: list[np.ndarray] = []
        self._positions: list[np.ndarray] = []
        self.datacollector = mesa.DataCollector(
            model_reporters=self._reporters(),
            agenttype_reporters={Member: {"loss": "loss", "response": "response"}},
        ) if collect else None

    @property
    def proposal(self) -> np.ndarray:
        """The text on the table."""
        return self.state.proposal[0]

    @property
    def round(self) -> int:
        """Rounds played so far (Mesa's step count)."""
        return self.steps

    # ------------------------------------------------------------------ a round

    def step(self) -> None:
        """One round: events and pressure, persuasion, responses, decision, then the
        setter's amendment or the end."""
        s, state, t = self.setup, self.state, self.steps
        fired = kernel.fire_events(s, state, t)[0]
        events = self.spec.events
        self.fired += [(t, events[row].id) for row, hit in zip(s.event_rows, fired,
                                                                strict=True) if hit]
        kernel.apply_pressure(s, state, list(itertools.chain.from_iterable(
            self.lobbyists.map("press"))))
        kernel.persuade(s, state)

        x = self.proposal.copy()
        kernel.weigh_vote_of(s, state, t)
        self.members.do("weigh", x)
        for _ in range(s.n_members):  # best responses, iterated from nobody objecting
            objecting = sum(self.members.get("objecting"))
            others = [objecting - int(o) for o in self.members.get("objecting")]
            changed = [member.best_respond(n) for member, n in zip(self.members, others,
                                                                   strict=True)]
            if not any(changed):
                break
        self.members.do("settle")
        codes = np.array(self.members.get("code"), dtype=np.int8)
        self._proposals.append(x)
        self._codes.append(codes)
        self._losses.append(np.array(self.members.get("loss")))
        if s.influence is not None:
            self._positions.append(state.position[0, : s.n_members].copy())

        decision = s.rule(codes)
        if len(s.rivals):  # 0: the setter's text, 1 + v: rival v, -1: none
            winner = int(kernel.contest(s, state, t, self._losses[-1][None],
                                        np.atleast_1d(decision.adopted))[0])
        else:
            winner = 0 if decision.adopted else -1
        self.agenda_setter.learn(codes)
        if winner > 0:
            self.rival = self.spec.arrays.rival_ids[winner - 1]
            self.payments.clear()  # the setter's offers lapse with its text
            self._finish("adopted_rival")
        elif winner == 0:
            self._finish(OUTCOMES[int(kernel.adoption_class(s, x[None])[0])])
        else:
            self._blocked(decision.blocking, decision.need_all, t)
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def _blocked(self, blocking: np.ndarray, need: np.ndarray, t: int) -> None:
        s = self.setup
        kernel.remember_blocked(self.state, t)
        text, move, pivot = self.agenda_setter.amend(blocking, need)
        self.costliest_blocker = self.spec.arrays.member_ids[pivot]
        if t >= s.max_rounds:
            self._finish("deadlocked")
            return
        if move != kernel.TABLE:
            self._finish("withdrawn" if move == kernel.WITHDRAW else "postponed")
            return
        ids, dims = self.spec.arrays.actor_ids, self.spec.dimension_ids
        owner = kernel.owners(s, self.state)[0]
        for k in np.flatnonzero(s.side & (text != self.proposal)):
            self.payments.append({"round": t, "payer": ids[owner[k]],
                                  "to": self.costliest_blocker, "dimension": dims[k],
                                  "amount": float(abs(text[k] - self.proposal[k]))})
        self.state.proposal[0] = text

    def _finish(self, outcome: str) -> None:
        self.outcome = outcome
        self.running = False

    # ------------------------------------------------------------------ reading

    def setter_utility(self, x: np.ndarray) -> float:
        """The agenda setter's objective for the text ``x`` (its utility, plus the
        payers' on side dimensions)."""
        return float(kernel.objective(self.setup, self.state, np.asarray(x, float)[None])[0])

    @property
    def n_objecting(self) -> int:
        return sum(m.code == OBJECT for m in self.members)

    @property
    def n_supporting(self) -> int:
        return sum(m.code == SUPPORT for m in self.members)

    def _reporters(self) -> dict[str, Any]:
        reporters: dict[str, Any] = {
            "round": "round",
            "objecting": "n_objecting",
            "supporting": "n_supporting",
            "outcome": "outcome",
            "costliest_blocker": "costliest_blocker",
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
        d = self.setup.status_quo.size
        m = self.setup.n_members
        proposals = np.array(self._proposals) if self._proposals else np.empty((0, d))
        codes = np.array(self._codes) if self._codes else np.empty((0, m), dtype=np.int8)
        losses = np.array(self._losses) if self._losses else np.empty((0, m))
        final = proposals[-1] if len(proposals) else self.proposal.copy()
        if self.rival is not None:
            a = self.spec.arrays
            final = a.rivals[a.rival_ids.index(self.rival)].copy()
        positions = np.array(self._positions) if self._positions else None
        drawn = {x.path: float(v) for x, v in zip(self.setup.uncertain, self.state.drawn[0],
                                                  strict=True)}
        return RunResult(self.outcome or "running", self.steps, proposals, codes, losses,
                         final, self.costliest_blocker, self.spec, tuple(self.payments),
                         tuple(self.fired), positions, drawn, self.rival)


def _proposal_voted(k: int, model: NegotiationModel) -> float:
    """Model reporter: the proposal voted on this round, on dimension ``k``."""
    return float(model._proposals[-1][k]) if model._proposals else float("nan")
