"""The live classroom dashboard: play a negotiation round by round and change who
cares about what.

The page shows one negotiation (a :class:`~.model.NegotiationModel`) of a chosen
scenario: the proposal's scope in the current round, how every member responds,
what happened in the round (a meeting, rival proposals, events, side payments) and
the outcome once the run is over. The class can change a member's position,
salience, tolerance and blocking cost, the decision rule (and, under unanimity,
constructive abstention), the agenda setter's concession strategy, side payments
and postponement, the meetings (their rounds and failure costs), the events (their
probability and size) and the rival proposals (their rounds and texts); every
change builds a new, validated scenario (:func:`edited`, with the field paths of
``consensus-sim sweep --vary``) and restarts the run. "Run ensemble" plays the
edited scenario :data:`ENSEMBLE_RUNS` times and charts how often each outcome
occurred.

Start it with ``consensus-sim dashboard [SCENARIO]`` or :func:`serve`; for
development, ``solara run consensus_sim.app`` (the scenario shown first comes from
the environment variable :data:`SCENARIO_ENV`). See ``docs/dashboard.md``.

The logic lives in :class:`Dashboard`, a plain object with no Solara in it, so it
can be read and tested on its own; the components below only draw it and forward
clicks to it.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import solara

from .design import with_values
from .errors import ScenarioError
from .scenario import Meeting, Rival, Scenario, bundled_scenarios, load_scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .ensemble import EnsembleResult
    from .model import NegotiationModel

__all__ = ["DEFAULT_SCENARIO", "ENSEMBLE_RUNS", "SCENARIO_ENV", "Dashboard", "Page", "edited",
           "serve"]

#: Environment variable naming the scenario the page shows first (a bundled name or
#: a path to a YAML file); :func:`serve` sets it.
SCENARIO_ENV = "CONSENSUS_SIM_SCENARIO"
#: The scenario shown when :data:`SCENARIO_ENV` is not set.
DEFAULT_SCENARIO = "nato_tokyo_office"
#: Runs of one "Run ensemble" click: 200 runs of the Tokyo case take about 0.1 s.
ENSEMBLE_RUNS = 200
#: Decision rules that need nothing but their type, so any scenario can switch to them.
SIMPLE_RULES = ("consensus", "silence", "unanimity", "majority")
#: The agenda setter's concession strategies (see :func:`.kernel.amend`).
CONCESSIONS = ("minimal", "split", "ladder")
#: Choices for ``rule.abstainers_stop_at`` under unanimity with constructive
#: abstention: the share of the members (and of the weight) whose abstentions stop
#: a decision; None (``null``) means abstentions never do.
ABSTAINER_SHARES: dict[str, float | None] = {
    "a quarter": 0.25,
    "a third (Art. 31(1) TEU)": 1 / 3,
    "a half": 0.5,
    "two thirds": 2 / 3,
    "all of them": 1.0,
    "never (Art. 238(4) TFEU)": None,
}
#: The two answers of a yes/no dimension without level labels on the controls and
#: the trajectory chart: the status quo's value and the proposal's. (A run's adopted
#: text reports the first as :data:`.outcomes.BINARY_LABELS`' "status quo (dropped)".)
ANSWERS = ("status quo", "as proposed")
#: Largest factor of the "All failure costs ×" slider.
MAX_FAILURE_SCALE = 3.0
#: How each outcome reads on the page.
OUTCOME_TEXT = {
    "adopted": "adopted as proposed",
    "adopted_amended": "adopted with a scope change",
    "adopted_paid": "adopted as proposed, with side payments",
    "adopted_rival": "a rival proposal adopted",
    "withdrawn": "withdrawn by the agenda setter",
    "deadlocked": "deadlocked (no rounds left)",
    "postponed": "postponed to a later meeting",
}
#: Response chips: symbol and Okabe–Ito colour, so the grid reads without colour too.
RESPONSE_LOOK = {
    "support": ("✓", "#009E73", "white"),
    "abstain": ("–", "#F0E442", "black"),
    "object": ("✗", "#D55E00", "white"),
    "": ("·", "#E0E0E0", "#555555"),
}


# ----------------------------------------------------------------------- state


class Dashboard:
    """What one browser tab is doing: a scenario, the class's edits to it, the run
    being stepped through and the last ensemble.

    Every edit is checked by building the whole edited scenario; an edit that makes
    it invalid raises :class:`~.errors.ScenarioError` and changes nothing.

    Args:
        scenario: a bundled scenario's name or a path to a scenario file.
        seed: seed of the stepped run and of the ensemble.
    """

    def __init__(self, scenario: str, seed: int = 0) -> None:
        self.seed = seed
        self.ensemble: EnsembleResult | None = None
        #: Bumped whenever the scenario or the ensemble changes, so the page knows
        #: when to redraw its charts.
        self.version = 0
        self.choose_scenario(scenario)

    # -- edits ------------------------------------------------------------

    def choose_scenario(self, name: str) -> None:
        """Show another scenario, as written (edits are dropped)."""
        base = load_scenario(name)
        self.name = name
        self.base = base
        self.edits: dict[str, Any] = {}
        #: The factor on every meeting's failure costs as written (1: as written).
        self.failure_scale = 1.0
        self._apply(base)

    def edit(self, path: str, value: Any) -> None:
        """Set one field of the scenario (``actors.FRA.salience.office``,
        ``proposal.concession``, ``rule``) and restart the run.

        Raises:
            ScenarioError: the edited scenario is not valid; nothing changes.
        """
        self._commit({**self.edits, path: value})

    def _commit(self, edits: dict[str, Any]) -> None:
        """Make ``edits`` (path to value) the edits of the scenario as written."""
        self._apply(edited(self.base, edits))
        self.edits = edits

    def set_member_value(self, actor_id: str, field: str, dimension: str, value: float) -> None:
        """Set a member's ``position`` or ``salience`` on a dimension."""
        self.edit(f"actors.{actor_id}.{field}.{dimension}", _num(value))

    def set_member_trait(self, actor_id: str, field: str, value: float) -> None:
        """Set a member's ``tolerance`` or ``blocking_cost``: together they say how
        large a loss it swallows (standing aside) before it objects."""
        self.edit(f"actors.{actor_id}.{field}", _num(value))

    def set_rule(self, rule_type: str) -> None:
        """Decide by another rule. Going back to the scenario's own rule restores its
        settings (a veto list, weights); any other rule starts from its defaults.
        Edits of the previous rule's settings are dropped."""
        edits = {path: value for path, value in self.edits.items()
                 if not path.startswith("rule.")}
        if rule_type == self.base.rule.type:
            edits["rule"] = self.base.rule.model_dump(mode="json")
        else:
            edits["rule"] = {"type": rule_type}
        self._commit(edits)

    def set_constructive_abstention(self, allowed: bool) -> None:
        """Under unanimity: may a member abstain (``True``), or must every member say
        yes?"""
        self.edit("rule.constructive_abstention", bool(allowed))

    def set_abstainers_stop_at(self, share: float | None) -> None:
        """Under unanimity with constructive abstention: the share of the members
        (and of the weight) whose abstentions stop a decision; None: they never do."""
        self.edit("rule.abstainers_stop_at", None if share is None else float(share))

    def set_concession(self, strategy: str) -> None:
        self.edit("proposal.concession", strategy)

    def set_side_payments(self, allowed: bool) -> None:
        """May the setter concede on side dimensions (pay) rather than narrow?"""
        self.edit("proposal.side_payments", bool(allowed))

    def set_postponement(self, share: float) -> None:
        """What keeping the proposal alive for a later meeting is worth to the setter
        (0: it never postpones)."""
        self.edit("proposal.postponement", _num(share))

    def set_meeting_round(self, meeting_id: str, round_: int) -> None:
        """Hold a meeting in another round (its vote is taken there)."""
        self.edit(f"meetings.{meeting_id}.round", int(round_))

    def set_failure_cost(self, meeting_id: str, actor_id: str, cost: float) -> None:
        """What failing at a meeting costs one actor. It stays as set when
        :meth:`set_failure_scale` scales the costs as written."""
        self.edit(f"meetings.{meeting_id}.failure_cost.{actor_id}", _num(cost))

    @property
    def has_failure_costs(self) -> bool:
        """Does failing at some meeting of the scenario as written cost anyone
        anything (so :meth:`set_failure_scale` has costs to scale)?"""
        return any(cost > 0 for meeting in self.base.meetings
                   for cost in meeting.failure_cost.values())

    def set_failure_scale(self, factor: float) -> None:
        """Multiply every meeting's failure costs as written by ``factor`` (0: failing
        costs nobody anything; 1: as written). Costs set for one actor with
        :meth:`set_failure_cost` stay as set. Without costs to scale
        (:attr:`has_failure_costs`) nothing changes and the factor stays 1."""
        factor = _num(factor)
        if factor < 0:
            raise ValueError(f"failure cost factor: {factor:g} is not allowed; give 0 or more")
        if not self.has_failure_costs:
            return
        edits = {path: value for path, value in self.edits.items()
                 if not _is_meeting_costs(path)}
        if factor != 1.0:
            for meeting in self.base.meetings:
                if meeting.failure_cost:
                    edits[f"meetings.{meeting.id}.failure_cost"] = {
                        actor: round(cost * factor, 6)
                        for actor, cost in meeting.failure_cost.items()}
        self._commit(edits)
        self.failure_scale = factor

    def set_event(self, event_id: str, field: str, value: float) -> None:
        """Set an event's ``probability`` or ``change``."""
        self.edit(f"events.{event_id}.{field}", _num(value))

    def set_rival_round(self, rival_id: str, round_: int) -> None:
        """Table a rival proposal from another round on."""
        self.edit(f"rivals.{rival_id}.round", int(round_))

    def set_rival_text(self, rival_id: str, dimension: str, value: float) -> None:
        """Set a rival proposal's text on a dimension."""
        self.edit(f"rivals.{rival_id}.text.{dimension}", _num(value))

    def set_seed(self, seed: int | None) -> None:
        """Use another seed for the stepped run and the ensemble; restarts the run."""
        if seed is None or seed < 0:
            raise ValueError(f"seed: {seed} is not allowed; give a whole number 0 or more")
        self.seed = int(seed)
        self._apply(self.scenario)

    def undo_edits(self) -> None:
        """Back to the scenario as written."""
        self.edits = {}
        self.failure_scale = 1.0
        self._apply(self.base)

    def _apply(self, scenario: Scenario) -> None:
        """Make ``scenario`` the current one: a new run from round 0, no ensemble yet."""
        from .kernel import run_generator
        from .model import NegotiationModel

        # the stepped run is run 0 of the ensemble with the same seed
        model = NegotiationModel(scenario, rng=run_generator(self.seed, 0))
        self.scenario = scenario
        self._arrays = scenario.arrays
        self.model: NegotiationModel = model
        self.ensemble = None
        self.version += 1

    # -- the run ----------------------------------------------------------

    def step(self) -> None:
        """Play one round (nothing when the run is over)."""
        if self.model.running:
            self.model.step()

    def run_to_end(self) -> None:
        self.model.run()

    def reset(self) -> None:
        """Start the run again from round 0, keeping the edits (and the ensemble)."""
        from .kernel import run_generator
        from .model import NegotiationModel

        self.model = NegotiationModel(self.scenario, rng=run_generator(self.seed, 0))

    def run_ensemble(self, runs: int = ENSEMBLE_RUNS) -> EnsembleResult:
        """Play the scenario ``runs`` times from :attr:`seed` (in this process)."""
        from .ensemble import run_ensemble

        self.ensemble = run_ensemble(self.scenario, runs, self.seed, jobs=1)
        self.version += 1
        return self.ensemble

    # -- reading ----------------------------------------------------------

    @property
    def over(self) -> bool:
        return not self.model.running

    def status(self) -> str:
        """One line: the round, and how it went or how the run ended."""
        m, last = self.model, self.scenario.max_rounds
        if m.round == 0:
            return (f"Round 0 of {last}: nothing voted yet. "
                    "Press “Step one round”.")
        if self.over:
            outcome = OUTCOME_TEXT.get(m.outcome, m.outcome)
            if m.rival is not None:
                outcome += f" ({self._rival_name(self.rival(m.rival))})"
            return f"Over after round {m.round}: {outcome}."
        counts = {name: sum(member.response == name for member in m.members)
                  for name in ("object", "abstain", "support")}
        costliest = self.scenario.actor(m.costliest_blocker)
        return (f"Round {m.round} of {last}: blocked "
                f"({counts['object']} object, {counts['abstain']} abstain, "
                f"{counts['support']} support); the agenda setter tables a new text. "
                f"The blocker most costly to win over: {costliest.label}.")

    def round_notes(self) -> list[str]:
        """What else happened in the round just played, one sentence each: the meeting
        its vote was taken at, the rival proposals voted on beside the setter's text,
        the events that fired, the side payments made; and, while the run goes on, the
        next meeting and the next rival proposal to be tabled."""
        s, m = self.scenario, self.model
        meetings = {meeting.round: meeting for meeting in s.meetings}
        notes = []
        if (meeting := meetings.get(m.round)) is not None:
            costs = self._failure_costs(meeting)
            notes.append(f"Round {m.round} was voted at {meeting.name or meeting.id}"
                         + (f", where failing costs {costs}." if costs else "."))
        standing = [r.label for r in s.rivals if m.round and r.round <= m.round]
        if standing:
            notes.append(f"Rival proposals also voted on: {', '.join(standing)}.")
        events = {event.id: event for event in s.events}
        fired = [events[event_id] for r, event_id in m.fired if r == m.round]
        if fired:
            notes.append("Events this round: " + "; ".join(
                f"{e.description or e.id} ({_event_effect(s, e)})" for e in fired) + ".")
        for payment in (p for p in m.payments if p["round"] == m.round):
            notes.append(f"Side payment: {s.actor(payment['payer']).label} gives "
                         f"{s.actor(payment['to']).label} {payment['amount']:.2f} on "
                         f"{payment['dimension']}.")
        ahead = [meeting for r, meeting in sorted(meetings.items()) if r > m.round]
        if ahead and not self.over:
            meeting = ahead[0]
            notes.append(f"Next meeting: round {meeting.round}, "
                         f"{meeting.name or meeting.id}.")
        coming = sorted((r for r in s.rivals if r.round > m.round), key=lambda r: r.round)
        if coming and not self.over:
            notes.append(f"Next rival proposal: round {coming[0].round}, {coming[0].label}.")
        return notes

    def scope_rows(self) -> list[dict[str, str]]:
        """The proposal per dimension: what was voted on this round and what is on
        the table now, each with the label of its nearest level (a yes/no dimension
        by its answer alone). Once a text is adopted, "on the table now" is that text:
        the rival proposal's, named, where a rival won."""
        s, m = self.scenario, self.model
        result = m.result() if m.round else None
        voted = None if result is None else result.proposals[-1]
        adopted = "adopted" if m.rival is None else f"adopted ({self.rival(m.rival).label})"
        rows = []
        for k, dim in enumerate(s.dimensions):
            row = {"dimension": dim.name or dim.id, "id": dim.id,
                   "status_quo": (ANSWERS[0] if dim.binary and not dim.levels
                                  else _point(s, k, float(s.arrays.status_quo[k])))}
            row["voted"] = "—" if voted is None else _point(s, k, float(voted[k]))
            if self.over and not m.outcome.startswith("adopted"):
                row["now"] = "no agreement: the status quo stays"
            elif self.over:
                row["now"] = f"{adopted}: {_point(s, k, float(result.final[k]))}"
            else:
                row["now"] = _point(s, k, float(m.proposal[k]))
            if dim.side:
                row["dimension"] += " (side payment)"
            if dim.binary:
                row["dimension"] += " (yes/no)"
            rows.append(row)
        return rows

    def responses(self) -> list[tuple[str, str, str]]:
        """Each member's (id, name, response) this round; response '' before round 1."""
        return [(member.actor_id, member.name or member.actor_id, member.response)
                for member in self.model.members]

    def member_value(self, actor_id: str, field: str, dimension: str) -> float:
        """A member's ``position`` or ``salience`` on a dimension in the edited scenario
        (through its group and the defaults, before any run's noise)."""
        a = self._arrays
        table = a.position if field == "position" else a.salience
        k = self.scenario.dimension_ids.index(dimension)
        return float(table[a.actor_ids.index(actor_id), k])

    def member_trait(self, actor_id: str, field: str) -> float:
        """A member's ``tolerance`` or ``blocking_cost`` in the edited scenario."""
        a = self._arrays
        return float(getattr(a, field)[a.actor_ids.index(actor_id)])

    def answer_choices(self, dimension: str) -> dict[str, float] | None:
        """For a yes/no dimension, its two answers by label, e.g. "status quo (0)" and
        "as proposed (1)": the status quo's and the proposal's values; None for other
        dimensions."""
        s = self.scenario
        k = s.dimension_ids.index(dimension)
        if not s.dimensions[k].binary:
            return None
        choices: dict[str, float] = {}
        for value, label in _answers(s, k):
            choices.setdefault(f"{label} ({value:g})", value)
        return choices

    def position_choices(self, actor_id: str, dimension: str) -> dict[str, float] | None:
        """For a yes/no dimension, the ideal points a member can take, by label: its
        :meth:`answer_choices` (and the member's own, if the scenario puts it
        elsewhere); None for other dimensions."""
        choices = self.answer_choices(dimension)
        if choices is None:
            return None
        own = self.member_value(actor_id, "position", dimension)
        if all(abs(own - value) > 1e-9 for value in choices.values()):
            choices[f"{own:.2f} (as written)"] = own
        return choices

    def rule_choices(self) -> list[str]:
        """The rules any scenario can switch to, plus this scenario's own."""
        own = self.base.rule.type
        return [*SIMPLE_RULES, own] if own not in SIMPLE_RULES else list(SIMPLE_RULES)

    def abstention_choice(self) -> str | None:
        """The entry of :data:`ABSTAINER_SHARES` the rule has now (its share shown as a
        number when it is none of them); None unless the rule is unanimity with
        constructive abstention."""
        rule = self.scenario.rule
        if rule.type != "unanimity" or not rule.constructive_abstention:
            return None
        share = rule.abstainers_stop_at
        if share is None:
            return next(label for label, value in ABSTAINER_SHARES.items() if value is None)
        for label, value in ABSTAINER_SHARES.items():
            if value is not None and math.isclose(share, value, abs_tol=1e-9):
                return label
        return f"{share:.2f}"

    def _failure_costs(self, meeting: Meeting) -> str:
        """Who pays what for failing at ``meeting``, in the scenario's actor order."""
        row = {actor_id: i for i, actor_id in enumerate(self._arrays.actor_ids)}
        costs = sorted(((actor, cost) for actor, cost in meeting.failure_cost.items()
                        if cost > 0), key=lambda item: row[item[0]])
        return ", ".join(f"{self.scenario.actor(actor).label} {cost:.2f}"
                         for actor, cost in costs)

    def meeting_rows(self) -> list[str]:
        """Each meeting in one line: its round, name and who pays what for failing."""
        rows = []
        for meeting in sorted(self.scenario.meetings, key=lambda m: m.round):
            costs = self._failure_costs(meeting)
            rows.append(f"Round {meeting.round}: {meeting.name or meeting.id}; failing "
                        f"costs {costs or 'nobody anything'}.")
        return rows

    def event_rows(self) -> list[str]:
        """Each event in one line: when it may fire and what it changes."""
        return [f"{e.id}: {_event_effect(self.scenario, e)}" for e in self.scenario.events]

    def rival(self, rival_id: str) -> Rival:
        """A rival proposal of the edited scenario, by id."""
        return next(r for r in self.scenario.rivals if r.id == rival_id)

    def _rival_name(self, rival: Rival) -> str:
        """A rival's name and, if it has one, its sponsor: "Corvia's plan, sponsored by
        Corvia"."""
        if rival.sponsor is None:
            return rival.label
        return f"{rival.label}, sponsored by {self.scenario.actor(rival.sponsor).label}"

    def rival_rows(self) -> list[str]:
        """Each rival proposal in one line: its name, sponsor, round and text."""
        s = self.scenario
        return [f"{self._rival_name(r)}: tabled from round {r.round}; "
                + "; ".join(f"{dim.id} {_point(s, k, float(r.text[dim.id]))}"
                            for k, dim in enumerate(s.dimensions)) + "."
                for r in sorted(s.rivals, key=lambda r: (r.round, r.id))]

    def ensemble_rivals(self) -> str:
        """How often the last ensemble adopted each rival proposal, in one line ("" with
        no ensemble or no rivals)."""
        if self.ensemble is None or not self.scenario.rivals:
            return ""
        rivals = self.ensemble.summary()["rivals"]
        return "Rival proposals adopted: " + ", ".join(
            f"{info['name']} in {100 * info['adopted']:.0f}%" for info in rivals.values()
        ) + " of the runs."

    def edit_summary(self) -> list[str]:
        """The edits in words for the page: each path and value, the scaled failure
        costs as one factor."""
        shown = [f"{path} = {_shown(value)}" for path, value in self.edits.items()
                 if not _is_meeting_costs(path)]
        if self.failure_scale != 1.0:
            shown.append(f"meeting failure costs × {self.failure_scale:g}")
        return shown


def edited(base: Scenario, edits: dict[str, Any], source: str = "dashboard") -> Scenario:
    """``base`` with each path of ``edits`` set to its value, validated.

    A section is set before the fields inside it (``rule`` before
    ``rule.abstainers_stop_at``, a meeting's ``failure_cost`` before one actor's),
    so a narrower edit always wins. Fields the scenario sets to null
    (``abstainers_stop_at: null``) stay null.

    Raises:
        ScenarioError: the edited scenario is not valid.
    """
    return with_values(base, dict(sorted(edits.items(), key=lambda item: item[0].count("."))),
                       source)


def _is_meeting_costs(path: str) -> bool:
    """Is ``path`` a whole meeting's failure costs (set by the scale)?"""
    parts = path.split(".")
    return len(parts) == 3 and parts[0] == "meetings" and parts[2] == "failure_cost"


def _event_effect(s: Scenario, e: Any) -> str:
    """When an event may fire and what it does, e.g. "round 2, probability 0.50:
    +0.05 on the position of USA, JPN (office)"."""
    when = (f"every round, probability {e.probability:.2f}" if e.per == "round"
            else f"round {e.round}, probability {e.probability:.2f}")
    what = e.affects.replace("_", " ")
    whom = "every member" if e.targets is None else ", ".join(e.targets[:6]) + (
        ", …" if len(e.targets) > 6 else "")
    on = (f" ({', '.join(e.dimensions or s.dimension_ids)})"
          if e.affects in ("position", "salience") else "")
    return f"{when}: {e.change:+.2f} on the {what} of {whom}{on}"


def _num(value: float) -> float:
    """A number from a control as the scenario stores it (4 decimals)."""
    return round(float(value), 4)


def _answers(s: Scenario, k: int) -> list[tuple[float, str]]:
    """A yes/no dimension's two answers as (value, label), the lower value first:
    the status quo's and the proposal's, labelled by the dimension's levels if it
    has them, else by :data:`ANSWERS`."""
    dim = s.dimensions[k]
    pairs = sorted({(float(s.arrays.status_quo[k]), ANSWERS[0]),
                    (float(s.arrays.proposal[k]), ANSWERS[1])})
    return [(value, s.level_label(k, value) if dim.levels else plain)
            for value, plain in pairs]


def _point(s: Scenario, k: int, value: float) -> str:
    """A value with the label of its nearest level; a yes/no dimension's answer alone."""
    label = s.level_label(k, value)
    if s.dimensions[k].binary:
        return label
    return f"{value:.2f}" if label == f"{value:.2f}" else f"{value:.2f} · {label}"


def first_scenario() -> str:
    """The scenario the page shows first: :data:`SCENARIO_ENV`, else the default."""
    return os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


def _charts(dashboard: Dashboard) -> dict[str, tuple[str, Figure]]:
    """The charts to show, by CSS name: (card title, figure)."""
    from .plots import outcome_chart, position_map, trajectory_chart

    s, result = dashboard.scenario, dashboard.ensemble
    charts = {}
    if result is not None:
        scope = _trajectory_dimension(s)
        figure = trajectory_chart(result, scope)
        dim = s.dimensions[scope]
        if dim.binary and not dim.levels:  # a yes/no question: its two answers, no grid
            answers = _answers(s, scope)
            figure.axes[0].set_yticks([v for v, _ in answers], [a for _, a in answers])
        charts["outcomes"] = ("Outcomes of the ensemble", outcome_chart(result))
        charts["trajectory"] = (f"Scope round by round: {dim.id}", figure)
    charts["positions"] = ("Where the members stand", position_map(s, result))
    return charts


def _trajectory_dimension(s: Scenario) -> int:
    """The dimension whose trajectory to chart: the first of scope that is not a
    yes/no question (a number moves round by round), else the first of scope."""
    scope = [k for k, dim in enumerate(s.dimensions) if not dim.side]
    return next((k for k in scope if not s.dimensions[k].binary), scope[0])


def _describe(s: Scenario) -> str:
    """One line under the title: who decides, how, for how long."""
    setter = s.actor(s.proposal.agenda_setter)
    return (f"{len(s.members)} members decide by {s.rule.type.replace('_', ' ')} within "
            f"{s.max_rounds} rounds; {setter.name or setter.id} tables the proposal.")


# ------------------------------------------------------------------ components

_CSS = """
.cs-chips { display: grid; grid-template-columns: repeat(auto-fill, minmax(92px, 1fr));
            gap: 6px; }
.cs-chip { border-radius: 14px; padding: 3px 10px; font-size: 15px; font-weight: 600;
           white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.cs-status { font-size: 20px; font-weight: 600; }
.cs-scope table { border-collapse: collapse; font-size: 16px; width: 100%; }
.cs-scope td, .cs-scope th { border-bottom: 1px solid #ddd; padding: 4px 10px;
                             text-align: left; }
.cs-chart img { max-width: 100%; height: auto; }
.cs-legend { font-size: 14px; color: #444; }
.cs-round-note, .cs-meeting, .cs-event, .cs-rival, .cs-standing-aside { display: block;
  margin: 2px 0; }
"""


@solara.component
def Controls(dashboard: Dashboard, tick: int, act: Callable[..., None]) -> None:
    """The left-hand column: scenario, member edits, rules, meetings, events, rival
    proposals, seed.

    ``dashboard`` changes in place; ``tick`` (bumped by every action) tells the
    component it did. ``act(method, *args)`` runs a dashboard method for a control.
    """
    s = dashboard.scenario
    names = list(bundled_scenarios())
    if dashboard.name not in names:
        names.append(dashboard.name)

    with solara.Card("Scenario", margin=0):
        solara.Select("Scenario", values=names, value=dashboard.name,
                      on_value=lambda name: act(dashboard.choose_scenario, name),
                      classes=["cs-scenario"])
    MemberControls(dashboard, tick, act)
    with solara.Card("Rules of the game", margin=0):
        solara.Select("Decision rule", values=dashboard.rule_choices(), value=s.rule.type,
                      on_value=lambda rule: act(dashboard.set_rule, rule), classes=["cs-rule"])
        if s.rule.type == "unanimity":
            solara.Switch(label="Constructive abstention", value=s.rule.constructive_abstention,
                          color="primary",
                          on_value=lambda on: act(dashboard.set_constructive_abstention, on),
                          classes=["cs-abstention"])
            choice = dashboard.abstention_choice()
            if choice is None:
                solara.Text("every member must say yes: abstaining blocks",
                            classes=["cs-legend"])
            else:
                shares = list(ABSTAINER_SHARES)
                if choice not in shares:
                    shares.append(choice)
                solara.Select("Abstainers stop it at", values=shares, value=choice,
                              on_value=lambda label: act(
                                  dashboard.set_abstainers_stop_at,
                                  ABSTAINER_SHARES[label] if label in ABSTAINER_SHARES
                                  else float(label)),
                              classes=["cs-abstainers"])
                solara.Text("a member may stand aside (abstain); abstainers who are this "
                            "share of the members and hold this share of the weight stop "
                            "the decision", classes=["cs-legend"])
        solara.Select("Concession strategy", values=list(CONCESSIONS),
                      value=s.proposal.concession,
                      on_value=lambda c: act(dashboard.set_concession, c),
                      classes=["cs-concession"])
        if any(dim.side for dim in s.dimensions):
            solara.Switch(label="Side payments", value=s.proposal.side_payments,
                          color="primary",
                          on_value=lambda on: act(dashboard.set_side_payments, on),
                          classes=["cs-side-payments"])
            solara.Text("the setter may pay on the side dimensions "
                        f"({', '.join(d.id for d in s.dimensions if d.side)}) rather than "
                        "narrow the scope", classes=["cs-legend"])
        with solara.Div(classes=["cs-postponement"]):
            solara.SliderFloat("Postponement", value=s.proposal.postponement, min=0.0,
                               max=1.0, step=0.05,
                               on_value=lambda share: act(dashboard.set_postponement, share))
            solara.Text("what keeping the proposal alive for a later meeting is worth to "
                        "the setter (share of its gain; 0 = never postpones)",
                        classes=["cs-legend"])
        solara.InputInt("Seed", value=dashboard.seed,
                        on_value=lambda seed: act(dashboard.set_seed, seed), classes=["cs-seed"])
        if dashboard.edits:
            edited_text = ", ".join(dashboard.edit_summary())
            solara.Text(f"Edited: {edited_text}", classes=["cs-legend", "cs-edits"])
            solara.Button("Undo all edits", on_click=lambda: act(dashboard.undo_edits),
                          text=True, classes=["cs-undo"])
    if s.meetings:
        MeetingControls(dashboard, tick, act)
    if s.events:
        EventControls(dashboard, tick, act)
    if s.rivals:
        RivalControls(dashboard, tick, act)


@solara.component
def MemberControls(dashboard: Dashboard, tick: int, act: Callable[..., None]) -> None:
    """A member's ideal point and salience on a dimension, its tolerance and its
    blocking cost."""
    s = dashboard.scenario
    members = {f"{a.name or a.id} ({a.id})": a.id for a in s.members}
    member_label, set_member_label = solara.use_state(next(iter(members)))
    if member_label not in members:  # another scenario: start from its first member
        member_label = next(iter(members))
    dimension, set_dimension = solara.use_state(s.dimension_ids[0])
    if dimension not in s.dimension_ids:
        dimension = s.dimension_ids[0]
    actor_id = members[member_label]
    k = s.dimension_ids.index(dimension)

    with solara.Card("Change a member", margin=0):
        solara.Select("Member", values=list(members), value=member_label,
                      on_value=set_member_label, classes=["cs-member"])
        solara.Select("Dimension", values=s.dimension_ids, value=dimension,
                      on_value=set_dimension, classes=["cs-dimension"])
        position = dashboard.member_value(actor_id, "position", dimension)
        choices = dashboard.position_choices(actor_id, dimension)
        with solara.Div(classes=["cs-position"]):
            if choices is None:
                solara.SliderFloat("Position", value=position, min=0.0, max=1.0, step=0.01,
                                   on_value=lambda v: act(dashboard.set_member_value,
                                                          actor_id, "position", dimension, v))
                solara.Text(f"ideal point {position:.2f} · {s.level_label(k, position)}",
                            classes=["cs-legend"])
            else:  # a yes/no question: one answer or the other
                current = next(label for label, v in choices.items()
                               if abs(v - position) < 1e-9)
                solara.Select("Position", values=list(choices), value=current,
                              on_value=lambda label: act(dashboard.set_member_value, actor_id,
                                                         "position", dimension,
                                                         choices[label]))
                solara.Text("a yes/no question: the member wants the text to keep it "
                            "(as proposed) or to drop it (status quo)", classes=["cs-legend"])
        salience = dashboard.member_value(actor_id, "salience", dimension)
        with solara.Div(classes=["cs-salience"]):
            solara.SliderFloat("Salience", value=salience, min=0.0, max=1.0, step=0.01,
                               on_value=lambda v: act(dashboard.set_member_value,
                                                      actor_id, "salience", dimension, v))
            solara.Text(f"cares {salience:.2f} (0 = not at all, 1 = most)",
                        classes=["cs-legend"])
        for field, legend in (
                ("tolerance", "swallows a loss of {v:.2f} before objecting"),
                ("blocking_cost", "objecting alone costs it {v:.2f}")):
            value = dashboard.member_trait(actor_id, field)
            with solara.Div(classes=[f"cs-{field.replace('_', '-')}"]):
                solara.SliderFloat(field.replace("_", " ").capitalize(), value=value, min=0.0,
                                   max=max(1.0, math.ceil(value)), step=0.01,
                                   on_value=lambda v, field=field: act(
                                       dashboard.set_member_trait, actor_id, field, v))
                solara.Text(legend.format(v=value), classes=["cs-legend"])
        solara.Text("A member that loses from the text, but no more than its tolerance "
                    "plus its blocking cost, stands aside (abstains) rather than objects.",
                    classes=["cs-legend", "cs-standing-aside"])


@solara.component
def MeetingControls(dashboard: Dashboard, tick: int, act: Callable[..., None]) -> None:
    """The scenario's meetings: when each is held and what failing there costs whom."""
    s = dashboard.scenario
    meetings = {f"{m.name or m.id} ({m.id})": m
                for m in sorted(s.meetings, key=lambda m: m.round)}
    meeting_label, set_meeting_label = solara.use_state(next(iter(meetings)))
    if meeting_label not in meetings:
        meeting_label = next(iter(meetings))
    meeting = meetings[meeting_label]
    meeting_id = meeting.id
    setter = s.actor(s.proposal.agenda_setter)
    payers = {f"{a.name or a.id} ({a.id})": a.id
              for a in (*s.members, *([] if setter.type == "member" else [setter]))}
    # first shown: the first actor that failing at the first meeting costs something
    costly = [label for label, actor_id in payers.items()
              if meeting.failure_cost.get(actor_id, 0.0) > 0]
    payer_label, set_payer_label = solara.use_state((costly or list(payers))[0])
    if payer_label not in payers:
        payer_label = next(iter(payers))
    payer = payers[payer_label]

    with solara.Card("Meetings", margin=0, classes=["cs-meetings"]):
        for row in dashboard.meeting_rows():
            solara.Text(row, classes=["cs-legend", "cs-meeting"])
        solara.Select("Meeting", values=list(meetings), value=meeting_label,
                      on_value=set_meeting_label, classes=["cs-meeting-choice"])
        with solara.Div(classes=["cs-meeting-round"]):
            solara.SliderInt("Meeting round", value=meeting.round, min=1,
                             max=s.max_rounds,
                             on_value=lambda r: act(dashboard.set_meeting_round,
                                                    meeting_id, r))
            solara.Text(f"the vote of round {meeting.round} is taken at the meeting",
                        classes=["cs-legend"])
        solara.Select("Who fails", values=list(payers), value=payer_label,
                      on_value=set_payer_label, classes=["cs-failure-actor"])
        cost = meeting.failure_cost.get(payer, 0.0)
        with solara.Div(classes=["cs-failure-cost"]):
            solara.SliderFloat("Failure cost", value=cost, min=0.0,
                               max=max(1.0, math.ceil(cost)), step=0.01,
                               on_value=lambda v: act(dashboard.set_failure_cost,
                                                      meeting_id, payer, v))
            solara.Text(f"failing at this meeting costs {s.actor(payer).label} {cost:.2f}; "
                        "a member that objects there pays it on top of its blocking cost",
                        classes=["cs-legend"])
        if dashboard.has_failure_costs:  # else there is nothing to scale
            with solara.Div(classes=["cs-failure-scale"]):
                solara.SliderFloat("All failure costs ×", value=dashboard.failure_scale,
                                   min=0.0, max=MAX_FAILURE_SCALE, step=0.1,
                                   on_value=lambda f: act(dashboard.set_failure_scale, f))
                solara.Text(f"× {dashboard.failure_scale:g}: every meeting's failure costs "
                            "as written, times this factor (1 = as written); a cost set "
                            "above stays as set",
                            classes=["cs-legend"])


@solara.component
def EventControls(dashboard: Dashboard, tick: int, act: Callable[..., None]) -> None:
    """The scenario's events: how likely each is and how much it changes."""
    s = dashboard.scenario
    ids = [e.id for e in s.events]
    event_id, set_event_id = solara.use_state(ids[0])
    if event_id not in ids:
        event_id = ids[0]
    event = next(e for e in s.events if e.id == event_id)

    with solara.Card("Events", margin=0, classes=["cs-events"]):
        for row in dashboard.event_rows():
            solara.Text(row, classes=["cs-legend", "cs-event"])
        solara.Select("Event", values=ids, value=event_id, on_value=set_event_id,
                      classes=["cs-event-choice"])
        with solara.Div(classes=["cs-event-probability"]):
            solara.SliderFloat("Probability", value=event.probability, min=0.0, max=1.0,
                               step=0.01, on_value=lambda v: act(dashboard.set_event,
                                                                 event_id, "probability", v))
        with solara.Div(classes=["cs-event-change"]):
            solara.SliderFloat("Change", value=event.change, min=-1.0, max=1.0, step=0.01,
                               on_value=lambda v: act(dashboard.set_event, event_id,
                                                      "change", v))
            solara.Text(f"probability {event.probability:.2f}; when it fires "
                        f"({'each round' if event.per == 'round' else 'once'}), "
                        f"{event.change:+.2f} is added to the "
                        f"{event.affects.replace('_', ' ')} of its targets",
                        classes=["cs-legend"])


@solara.component
def RivalControls(dashboard: Dashboard, tick: int, act: Callable[..., None]) -> None:
    """The scenario's rival proposals: the round each is tabled in and its text."""
    s = dashboard.scenario
    rivals = {f"{r.label} ({r.id})": r.id for r in s.rivals}
    rival_label, set_rival_label = solara.use_state(next(iter(rivals)))
    if rival_label not in rivals:
        rival_label = next(iter(rivals))
    rival = dashboard.rival(rivals[rival_label])

    with solara.Card("Rival proposals", margin=0, classes=["cs-rivals"]):
        for row in dashboard.rival_rows():
            solara.Text(row, classes=["cs-legend", "cs-rival"])
        solara.Select("Rival", values=list(rivals), value=rival_label,
                      on_value=set_rival_label, classes=["cs-rival-choice"])
        with solara.Div(classes=["cs-rival-round"]):
            solara.SliderInt("Tabled in round", value=rival.round, min=1, max=s.max_rounds,
                             on_value=lambda r: act(dashboard.set_rival_round, rival.id, r))
            solara.Text(f"from round {rival.round} on, the members respond to it beside the "
                        "agenda setter's text; where several texts pass, the one a majority "
                        "of them prefers wins", classes=["cs-legend"])
        for dim in s.dimensions:
            _rival_text_control(dashboard, rival, dim.id, act)
        solara.Text("a fixed text: its sponsor does not amend it", classes=["cs-legend"])


def _rival_text_control(dashboard: Dashboard, rival: Rival, dimension: str,
                        act: Callable[..., None]) -> None:
    """A rival's text on one dimension: a slider, or a yes/no dimension's two answers."""
    s = dashboard.scenario
    k = s.dimension_ids.index(dimension)
    value = float(rival.text[dimension])
    choices = dashboard.answer_choices(dimension)
    with solara.Div(classes=["cs-rival-text"]):
        if choices is None:
            solara.SliderFloat(f"Text: {dimension}", value=value, min=0.0, max=1.0, step=0.01,
                               on_value=lambda v: act(dashboard.set_rival_text, rival.id,
                                                      dimension, v))
            solara.Text(f"{dimension} {_point(s, k, value)}", classes=["cs-legend"])
        else:  # a yes/no question: one answer or the other
            current = next((label for label, v in choices.items() if abs(v - value) < 1e-9),
                           None)
            solara.Select(f"Text: {dimension}", values=list(choices), value=current,
                          on_value=lambda label: act(dashboard.set_rival_text, rival.id,
                                                     dimension, choices[label]))


def _shown(value: Any) -> str:
    """An edited value as a scenario file would write it."""
    if isinstance(value, dict) and "type" in value:
        return value["type"]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@solara.component
def RunView(dashboard: Dashboard, tick: int, act: Callable[..., None]) -> None:
    """The right-hand column: buttons, round and outcome, scope, responses, charts."""
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        solara.Button("Step one round", on_click=lambda: act(dashboard.step), color="primary",
                      disabled=dashboard.over, classes=["cs-step"])
        solara.Button("Run to the end", on_click=lambda: act(dashboard.run_to_end),
                      disabled=dashboard.over, classes=["cs-run"])
        solara.Button("Reset", on_click=lambda: act(dashboard.reset), classes=["cs-reset"])
        solara.Button(f"Run ensemble ({ENSEMBLE_RUNS} runs)",
                      on_click=lambda: act(dashboard.run_ensemble), classes=["cs-ensemble"])
    solara.Text(dashboard.status(), classes=["cs-status", "cs-round"])
    for note in dashboard.round_notes():
        solara.Text(note, classes=["cs-legend", "cs-round-note"])
    with solara.Card("Proposal on the table", margin=0, classes=["cs-scope"]):
        html = solara.v.Html
        head = html(tag="tr", children=[html(tag="th", children=[text]) for text in (
            "Dimension", "Voted on this round", "On the table now", "Status quo")])
        rows = [html(tag="tr", children=[html(tag="td", children=[r[key]]) for key in (
            "dimension", "voted", "now", "status_quo")]) for r in dashboard.scope_rows()]
        html(tag="table", children=[head, *rows])
    with solara.Card("How the members respond", margin=0, classes=["cs-responses"]):
        with solara.Div(classes=["cs-chips"]):
            for actor_id, name, response in dashboard.responses():
                symbol, background, colour = RESPONSE_LOOK[response]
                solara.Div(children=[f"{symbol} {actor_id}"],
                           classes=["cs-chip", f"cs-{response or 'none'}"],
                           style={"background": background, "color": colour},
                           attributes={"title": f"{name}: {response or 'no vote yet'}"})
        solara.Text("✓ support   – abstain   ✗ object   · no vote yet "
                    "(hover a member for its name)", classes=["cs-legend"])
    Charts(dashboard, tick)


@solara.component
def Charts(dashboard: Dashboard, tick: int) -> None:
    """The ensemble's charts and the position map; redrawn only when they change."""
    result = dashboard.ensemble
    charts = solara.use_memo(lambda: _charts(dashboard), [dashboard.version])
    if result is not None:
        adopted = result.tally.adopted
        solara.Text(f"Ensemble of {result.runs} runs (seed {result.seed}): adopted in "
                    f"{100 * adopted / result.runs:.0f}% of them.",
                    classes=["cs-status", "cs-ensemble-summary"])
        if rivals := dashboard.ensemble_rivals():
            solara.Text(rivals, classes=["cs-legend", "cs-ensemble-rivals"])
    else:
        solara.Text(f"Press “Run ensemble” to play this scenario {ENSEMBLE_RUNS} times "
                    "and see how often each outcome occurs.", classes=["cs-legend"])
    if result is not None:
        # one chart per row, full width: legible from the back of a lecture hall
        Chart(charts, "outcomes", dashboard.version)
        Chart(charts, "trajectory", dashboard.version)
    Chart(charts, "positions", dashboard.version)


@solara.component
def Chart(charts: dict[str, tuple[str, Figure]], name: str, version: int) -> None:
    title, figure = charts[name]
    with solara.Card(title, margin=0, classes=["cs-chart", f"cs-chart-{name}"]):
        solara.FigureMatplotlib(figure, dependencies=[version, name], format="png", dpi=80)


@solara.component
def Page(dashboard: Dashboard | None = None) -> None:
    """The dashboard (the entry point of ``solara run consensus_sim.app``).

    Args:
        dashboard: the state to show, e.g. ``Dashboard("unsc_resolution", seed=3)`` in
            a notebook; by default a new one of :func:`first_scenario` per browser tab.
    """
    given = dashboard
    dashboard, problem = solara.use_memo(
        lambda: (given, None) if given is not None else _open(first_scenario()), [])
    tick, set_tick = solara.use_state(0)
    error, set_error = solara.use_state(problem)

    def act(action, *args) -> None:
        """Do what a control asks; show a bad value as a message, not a crash."""
        try:
            action(*args)
        except (ScenarioError, ValueError) as exc:
            set_error(exc.line() if isinstance(exc, ScenarioError) else str(exc))
        else:
            set_error(None)
        set_tick(lambda t: t + 1)

    solara.Title(f"{dashboard.scenario.title} · consensus-sim dashboard")  # the tab's name
    solara.Style(_CSS)
    with solara.Column(margin=2, classes=["cs-dashboard"]):
        with solara.Div(classes=["cs-title"]):
            solara.v.Html(tag="h2", children=[dashboard.scenario.title])
            solara.Text(_describe(dashboard.scenario), classes=["cs-legend"])
        if error:
            solara.Error(error, classes=["cs-error"])
        with solara.Columns([1, 3]):
            with solara.Column():
                Controls(dashboard, tick, act)
            with solara.Column():
                RunView(dashboard, tick, act)


def _open(name: str) -> tuple[Dashboard, str | None]:
    """A dashboard of ``name``, or of the default scenario and why ``name`` failed."""
    try:
        return Dashboard(name), None
    except ScenarioError as exc:
        return Dashboard(DEFAULT_SCENARIO), exc.line()


# ---------------------------------------------------------------------- server


def _check_port(host: str, port: int) -> None:
    """Refuse a port this machine cannot listen on (one another server holds, one that
    needs administrator rights) or a host that is not this machine's, as uvicorn
    would bind it (with ``SO_REUSEADDR``): one line instead of a server that seems to
    start, then exits."""
    import errno
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ScenarioError("--host", "", f"{host!r} is not an address of this machine "
                            f"({exc.strerror}); allowed: 127.0.0.1, 0.0.0.0 or this "
                            "machine's name") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                raise ScenarioError("--host", "", f"{host!r} is not an address of this "
                                    "machine; allowed: 127.0.0.1, 0.0.0.0 or this machine's "
                                    "name") from None
            if exc.errno == errno.EADDRINUSE:
                problem = (f"port {port} is in use on {host} (another dashboard or server); "
                           f"allowed: a free port, e.g. --port {port % 65535 + 1}")
            elif exc.errno == errno.EACCES:
                problem = (f"port {port} needs administrator rights; allowed: a port from "
                           "1024 to 65535")
            else:
                problem = f"cannot listen on {host} port {port} ({exc.strerror})"
            raise ScenarioError("--port", "", problem) from None


def serve(scenario: str | None = None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Start the dashboard's web server and block until it is stopped (Ctrl+C).

    Args:
        scenario: the scenario shown first: a bundled name or a path to a YAML file
            (default: :data:`DEFAULT_SCENARIO`). It is loaded before the server starts,
            so a bad one fails at once with a :class:`~.errors.ScenarioError`.
        host: interface to listen on; the default serves this machine only. Use
            ``0.0.0.0`` to let a classroom's devices connect.
        port: TCP port.

    Raises:
        ScenarioError: the scenario is not valid, or the port is taken (checked before
            the address is printed, so the dashboard never claims a port it cannot have).
    """
    import uvicorn
    from solara.server import settings

    _check_port(host, port)
    if scenario is not None:
        load_scenario(scenario)
        path = Path(scenario)
        os.environ[SCENARIO_ENV] = str(path.resolve()) if path.is_file() else scenario
    os.environ["SOLARA_APP"] = __name__
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    # A classroom tool sends nothing home; SOLARA_TELEMETRY_MIXPANEL_ENABLE=true turns
    # Solara's usage statistics back on.
    if "SOLARA_TELEMETRY_MIXPANEL_ENABLE" not in os.environ:
        settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"
    # Plain http on this machine or a classroom network is expected; Solara warns
    # about its session cookie on every page load otherwise.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    shown = f"[{host}]" if ":" in host else host
    print(f"consensus-sim dashboard: http://{shown}:{port}/  (Ctrl+C stops it)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")
