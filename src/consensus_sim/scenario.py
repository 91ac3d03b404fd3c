"""Scenario files: schema, loading, validation and the arrays the model runs on.

A scenario is data only. It names the proposal's dimensions, the status quo, the
initial proposal and its agenda setter, the decision rule, the actors with their
preferences, the per-run uncertainty, and the sources and assumptions behind every
number. ``load_scenario`` turns a YAML file (or a bundled scenario's name) into a
validated, immutable :class:`Scenario`; every problem becomes a one-line
:class:`~consensus_sim.errors.ScenarioError` that names the file and the field path.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from .errors import ScenarioError, shorten
from .outcomes import ADOPTED_OUTCOMES, BINARY_LABELS
from .uncertainty import UncertainInput, uncertain_inputs

__all__ = [
    "ActorParams",
    "Scenario",
    "ScenarioArrays",
    "bundled_scenarios",
    "load_scenario",
    "scenario_from_dict",
]

#: What an id (of a scenario, actor, dimension, ...) may be: a letter, then letters,
#: digits, ``_`` and ``-``.
IDENTIFIER_PATTERN = r"^[A-Za-z][A-Za-z0-9_\-]*$"


def _refuse_non_numbers(value: Any) -> Any:
    """Let numbers through; refuse true/false and text where a number is expected.

    Pydantic would read ``true`` as 1 and the text ``"0.5"`` as 0.5; in a scenario
    they are mistakes (``capability: yes``, a quoted number, a decimal comma), so
    each is refused with what to write instead.
    """
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is not a number; allowed: a number "
                         "(true and false are for yes/no fields)")
    if isinstance(value, str):
        raise ValueError(_text_for_number(value))
    return value


def _number(**bounds: float) -> Any:
    """A finite number within ``bounds`` (``ge``, ``gt``, ``le``, ``lt``), never
    true/false or text. The check comes last, so the bounds stay in the JSON Schema."""
    return Annotated[float, Field(allow_inf_nan=False, **bounds),
                     BeforeValidator(_refuse_non_numbers)]


def _whole(**bounds: int) -> Any:
    """A whole number within ``bounds``, never true/false or text."""
    return Annotated[int, Field(**bounds), BeforeValidator(_refuse_non_numbers)]


def _text_for_number(text: str) -> str:
    """Why ``text`` was not read as a number, and what to write."""
    bare = text.strip()
    if m := re.fullmatch(r"([-+]?\d+),(\d+)", bare):
        return f"{bare} looks like a decimal comma: write {m[1]}.{m[2]}"
    if re.fullmatch(r"[-+]?\d+(?::[0-5]?\d)+(?:\.\d*)?", bare):
        return (f"{bare!r} is text, not a number: a scenario file is read as YAML 1.2, "
                "where 1:30 is not 90 (sexagesimal); write the number itself")
    if bare.lower() in ("yes", "no", "on", "off", "y", "n", "true", "false"):
        return (f"{bare!r} is text, not a number; allowed: a number "
                "(in YAML 1.2 yes/no/on/off are text, not true/false)")
    if re.fullmatch(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", bare):
        return f"{text!r} is text, not a number: remove the quotes"
    return f"{_shown(text)} is not a number; allowed: a number such as 0.5"


def _shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for an error line, at most ``limit`` characters."""
    return shorten(repr(value), limit)


#: The largest size of a number not otherwise bounded (a capability, a weight, a
#: tolerance, a scale's ends, a distribution's bounds). The model adds such numbers up
#: over all members and multiplies them (a distribution's width by itself), and near
#: the largest float (1.8e308) these sums overflow; 1e15 leaves room for any real
#: scale (a GDP in dollars is about 2.5e13).
LARGEST = 1e15

Fraction = _number(ge=0.0, le=1.0)
Bounded = _number(ge=-LARGEST, le=LARGEST)
NonNegative = _number(ge=0.0, le=LARGEST)
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, max_length=64)]
#: A reference to an id (an actor, a dimension, a source): checked against the ids
#: after validation; bounded so that an error line can name it.
Ref = Annotated[str, Field(max_length=64)]
#: Text drawn on charts and printed in summaries: a title, a name, a label, a unit.
Name = Annotated[str, Field(max_length=200)]
#: Text for the reader: a description, notes, a citation, an assumption.
Prose = Annotated[str, Field(max_length=5000)]

ACTOR_TYPES = ("member", "partner", "external", "chair")
CONCESSION_STRATEGIES = ("minimal", "split", "ladder")

#: Values an actor gets when neither the actor, its groups nor ``defaults`` set them.
BUILTIN_DEFAULTS: dict[str, float] = {
    "capability": 1.0,
    "tolerance": 0.0,
    "stubbornness": 1.0,
    "blocking_cost": 0.0,
    "gamma": 2.0,
    "weight": 1.0,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Strict):
    """A labelled point on a dimension's ladder, e.g. 0.33 "ITPP facilitation only"."""

    value: Fraction
    label: Name = Field(min_length=1)


class Scale(_Strict):
    """A dimension's original scale (e.g. 4 to 10 years), for reporting forecasts on it."""

    min: Bounded
    max: Bounded
    unit: Name = ""

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if not self.max > self.min:
            raise ValueError(f"max must be greater than min (got min {self.min}, max {self.max})")
        return self


class Dimension(_Strict):
    """One component of the proposal, a number in [0, 1].

    A ``side`` dimension is not part of the proposal's scope: it is an issue the
    ``payer`` can concede on to win an objector over (issue linkage, side payments),
    and it is never narrowed. ``payer`` names one actor or a list of actors who may
    pay; the setter picks the one for whom the deal costs least. A ``binary``
    dimension is a yes/no question: it takes only two values, the status quo's and the
    proposal's.
    """

    id: Identifier
    name: Name = ""
    description: Prose = ""
    levels: tuple[Level, ...] = ()
    side: bool = False
    binary: bool = False
    payer: Ref | tuple[Ref, ...] | None = None
    scale: Scale | None = None

    @property
    def payers(self) -> tuple[str, ...]:
        """The actors who may pay on this dimension (empty: the agenda setter)."""
        if self.payer is None:
            return ()
        return (self.payer,) if isinstance(self.payer, str) else tuple(self.payer)

    @model_validator(mode="after")
    def _levels_increase(self) -> Dimension:
        values = [level.value for level in self.levels]
        if any(b <= a for a, b in pairwise(values)):
            raise ValueError(f"level values must increase strictly (got {values})")
        return self


class Proposal(_Strict):
    """The initial proposal, who tables it and how it concedes when blocked.

    ``side_payments: false`` forbids concessions on side dimensions. ``postponement``
    is what keeping the proposal alive for a later meeting is worth to the setter, as
    a share of what adopting it as proposed would gain it: with 0 (the default) it
    never postpones.
    """

    position: dict[str, Fraction]
    agenda_setter: Ref
    concession: Literal["minimal", "split", "ladder"] = "minimal"
    side_payments: bool = True
    postponement: Fraction = 0.0


class Meeting(_Strict):
    """A meeting at which the decision is due (a summit): the vote of ``round`` is
    taken there. Failing at it (the text blocked in that round) costs each actor its
    ``failure_cost`` (0 for actors not listed): a member that objects there pays it
    as part of its blocking cost."""

    id: Identifier
    name: Name = ""
    round: _whole(ge=1)
    failure_cost: dict[str, NonNegative] = Field(default_factory=dict)
    sources: tuple[Ref, ...] = ()


class ConsensusRule(_Strict):
    """NATO's rule: silence is consent, one objection blocks."""

    type: Literal["consensus"]


class UnanimityRule(_Strict):
    """No member may say no. With constructive abstention a member may abstain; the
    abstainers stop the decision when they are at least ``abstainers_stop_at`` of the
    members and of the total weight (Art. 31(1) TEU: one third), never when it is
    null (Art. 238(4) TFEU). Without it every member must say yes."""

    type: Literal["unanimity"]
    constructive_abstention: bool = True
    abstainers_stop_at: _number(gt=0.0, le=1.0) | None = 1 / 3


class SilenceRule(_Strict):
    """NATO's silence procedure: a draft passes unless a member breaks silence by the
    deadline. Breaking silence is a visible act: every objector pays its whole
    blocking cost, however many others object."""

    type: Literal["silence"]


class MajorityRule(_Strict):
    """A (simple or qualified) majority of members voting yes.

    Adopted when the share of members voting yes is greater than ``threshold``, or
    at least ``threshold`` with ``inclusive: true``. Simple majority: 0.5, not
    inclusive; two thirds: 0.6667, inclusive.
    """

    type: Literal["majority"]
    threshold: _number(ge=0.0, lt=1.0) = 0.5
    inclusive: bool = False


class QualifiedMajorityRule(_Strict):
    """A double majority of members and of a weight such as population (EU Council).

    Adopted when at least ``member_share`` of the members vote yes and either they
    hold at least ``weight_share`` of the total ``weight``, or fewer than
    ``blocking_minority`` members do not vote yes (a blocking minority needs that
    many members; 0 turns the clause off).
    """

    type: Literal["qualified_majority"]
    member_share: Fraction = 0.55
    weight_share: Fraction = 0.65
    blocking_minority: _whole(ge=0) = 4


class VetoMajorityRule(_Strict):
    """A majority with veto holders (UN Security Council: 9 of 15, no permanent
    member voting no). Adopted when at least ``threshold`` of the members vote yes
    and no member in ``veto`` objects; a veto holder's abstention does not block."""

    type: Literal["veto_majority"]
    threshold: Fraction = 0.6
    veto: tuple[Ref, ...] = Field(min_length=1)


Rule = Annotated[
    ConsensusRule | UnanimityRule | SilenceRule | MajorityRule | QualifiedMajorityRule
    | VetoMajorityRule,
    Field(discriminator="type"),
]
RULE_TYPES = ("consensus", "unanimity", "silence", "majority", "qualified_majority",
              "veto_majority")


#: The least sd of a beta, as a share of its width: below it the shape parameters pass
#: 1e11 and then overflow, and the draws would all be the mean anyway.
BETA_LEAST_SD = 1e-6


class BetaDistribution(_Strict):
    """A beta distribution on [``low``, ``high``] with the given mean and sd.

    Its shape parameters follow from the mean and sd; a beta exists only when
    sd² < (mean − low)(high − mean).
    """

    dist: Literal["beta"] = Field(description="Selects this distribution.")
    mean: Bounded = Field(description="The mean of the draws.")
    sd: _number(gt=0.0, le=LARGEST) = Field(
        description="The standard deviation of the draws; sd² must be below "
        "(mean − low)(high − mean).")
    low: Bounded = Field(0.0, description="The least value a draw can take.")
    high: Bounded = Field(1.0, description="The greatest value a draw can take.")

    @model_validator(mode="after")
    def _exists(self) -> BetaDistribution:
        _ordered_bounds(self.low, self.high)
        if not self.low < self.mean < self.high:
            raise ValueError(f"mean must lie strictly between low and high (got mean "
                             f"{self.mean:g} on [{self.low:g}, {self.high:g}])")
        room = (self.mean - self.low) * (self.high - self.mean)
        least = BETA_LEAST_SD * (self.high - self.low)
        if self.sd < least:
            raise ValueError(f"sd {self.sd:g} is too small for a beta on [{self.low:g}, "
                             f"{self.high:g}]; allowed: at least {least:.3g}, a millionth of "
                             "high − low (a narrower beta is its mean: state that value in "
                             "the actor's own field)")
        if not self.sd**2 < room * (1.0 - 1e-9):  # at the limit, rounding decides
            raise ValueError(f"sd {self.sd:g} is too large for a beta with mean {self.mean:g} "
                             f"on [{self.low:g}, {self.high:g}]; allowed: sd below "
                             f"{math.sqrt(room):.4g}, as sd² must be below "
                             "(mean − low)(high − mean)")
        return self


class TriangularDistribution(_Strict):
    """A triangular distribution: density rising from ``low`` to a peak at ``mode``,
    falling to ``high``."""

    dist: Literal["triangular"] = Field(description="Selects this distribution.")
    low: Bounded = Field(description="The least value a draw can take.")
    mode: Bounded = Field(description="The most likely value, from `low` to `high`.")
    high: Bounded = Field(description="The greatest value a draw can take.")

    @model_validator(mode="after")
    def _ordered(self) -> TriangularDistribution:
        _ordered_bounds(self.low, self.high)
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"mode must lie between low and high (got mode {self.mode:g} "
                             f"on [{self.low:g}, {self.high:g}])")
        return self


class UniformDistribution(_Strict):
    """Every value between ``low`` and ``high`` equally likely."""

    dist: Literal["uniform"] = Field(description="Selects this distribution.")
    low: Bounded = Field(description="The least value a draw can take.")
    high: Bounded = Field(description="The greatest value a draw can take.")

    @model_validator(mode="after")
    def _ordered(self) -> UniformDistribution:
        _ordered_bounds(self.low, self.high)
        return self


class DiscreteDistribution(_Strict):
    """A few values, each drawn with a probability proportional to its weight."""

    dist: Literal["discrete"] = Field(description="Selects this distribution.")
    values: tuple[Bounded, ...] = Field(
        min_length=2, description="The values a draw can take; distinct.")
    weights: tuple[NonNegative, ...] | None = Field(
        None, description="One weight per value, in the same order; they need not sum to "
        "1. Default (none): all values equally likely.")

    @model_validator(mode="after")
    def _consistent(self) -> DiscreteDistribution:
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"values must be distinct (got {list(self.values)})")
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"give one weight per value ({len(self.values)} values, "
                                 f"{len(self.weights)} weights)")
            if sum(w > 0 for w in self.weights) < 2:
                raise ValueError("at least two values need a positive weight; a single "
                                 "certain value belongs in the actor's own field")
        return self


def _ordered_bounds(low: float, high: float) -> None:
    if not low < high:
        raise ValueError(f"low must be less than high (got low {low:g}, high {high:g})")


Distribution = Annotated[
    BetaDistribution | TriangularDistribution | UniformDistribution | DiscreteDistribution,
    Field(discriminator="dist"),
]
DISTRIBUTIONS = ("beta", "triangular", "uniform", "discrete")

#: The actor fields that can be declared uncertain, and the range their draws must keep to.
UNCERTAIN_FIELDS: dict[str, tuple[float, float]] = {
    "position": (0.0, 1.0),
    "salience": (0.0, 1.0),
    "tolerance": (0.0, math.inf),
    "blocking_cost": (0.0, math.inf),
}


class Uncertainty(_Strict):
    """What the analyst does not know: a distribution for each uncertain actor field.

    Each run draws every declared field once, before round 1; what is not declared is
    fixed at its stated value. ``position_sd`` and ``salience_sd`` are shorthands that
    declare a symmetric triangular distribution around every stated position (or
    non-zero salience), its mean the stated value; a declaration
    under ``fields`` overrides the shorthand for its field.
    """

    position_sd: NonNegative = Field(
        0.0, description="Shorthand: every actor's position on every dimension is drawn "
        "from a symmetric triangular distribution centred on the stated position whose sd "
        "is this, reduced near the ends of the scale to min(m, 1 - m)/sqrt(6) so the "
        "draws stay in [0, 1] with the stated mean (a stated 0 or 1 stays fixed). 0: "
        "positions are fixed.")
    salience_sd: NonNegative = Field(
        0.0, description="The same for every non-zero salience; a salience of 0 (does "
        "not care) stays 0.")
    fields: dict[str, Distribution] = Field(
        default_factory=dict, description="Per-field declarations, keyed by a path: "
        "`actors.<id>.position.<dim>`, `actors.<id>.salience.<dim>`, "
        "`actors.<id>.tolerance` or `actors.<id>.blocking_cost` (the last two for members "
        "only). Each distribution replaces the stated value and overrides the shorthand; "
        "its draws must stay within the field's range ([0, 1] for positions and "
        "saliences, ≥ 0 otherwise).")


class ActorParams(_Strict):
    """Preferences and traits; used by ``defaults``, ``groups`` and each actor."""

    position: dict[str, Fraction] = Field(default_factory=dict)
    salience: dict[str, Fraction] = Field(default_factory=dict)
    capability: NonNegative | None = None
    tolerance: NonNegative | None = None
    stubbornness: Fraction | None = None
    blocking_cost: NonNegative | None = None
    gamma: _number(gt=0.0, le=10.0) | None = None
    weight: NonNegative | None = None


class Pressure(_Strict):
    """Pressure a non-voting actor applies to members every round.

    ``affects: position`` pulls each target's ideal point toward the actor's by ``strength``
    (a fraction of the gap per round); ``affects: salience`` multiplies each target's
    salience by ``1 + strength`` (capped at 1).
    """

    affects: Literal["position", "salience"]
    strength: Fraction
    targets: tuple[Ref, ...] | None = None
    dimensions: tuple[Ref, ...] | None = None


class Rival(_Strict):
    """A rival proposal: a fixed text tabled beside the agenda setter's (a candidate for
    a post, a competing draft). From ``round`` on, members respond to it in every round
    as they do to the setter's text; where several texts pass, the members' pairwise
    majorities choose between them (see docs/model.md, "Rival proposals")."""

    id: Identifier
    name: Name = ""
    text: dict[str, Fraction]
    sponsor: Ref | None = None
    round: _whole(ge=1) = 1
    sources: tuple[Ref, ...] = ()
    notes: Prose = ""

    @property
    def label(self) -> str:
        return self.name or self.id


class Actor(ActorParams):
    """A member (votes) or a non-voting partner, external actor or chair."""

    id: Identifier
    name: Name = ""
    type: Literal["member", "partner", "external", "chair"] = "member"
    groups: tuple[Ref, ...] = ()
    pressure: tuple[Pressure, ...] = ()
    outside_option: dict[str, Fraction] | None = None
    sources: tuple[Ref, ...] = ()
    notes: Prose = ""

    @property
    def label(self) -> str:
        return self.name or self.id


class Event(_Strict):
    """A shock that may fire: a missile launch raises threat salience, a protest from
    Beijing raises France's concern.

    With ``per: run`` the event is drawn once per run and, if drawn, fires at the
    start of ``round``; with ``per: round`` it is drawn at the start of every round.
    When it fires, each target's salience (or position) on ``dimensions`` changes by
    ``change``, clipped to [0, 1]; or its tolerance (or blocking cost) changes by
    ``change``, kept at least 0: isolation, threats or linkage that grow round by
    round.
    """

    id: Identifier
    description: Prose = ""
    probability: Fraction
    per: Literal["run", "round"] = "run"
    round: _whole(ge=1) = 1
    targets: tuple[Ref, ...] | None = None
    affects: Literal["position", "salience", "tolerance", "blocking_cost"] = "salience"
    dimensions: tuple[Ref, ...] | None = None
    change: _number(ge=-1.0, le=1.0)
    sources: tuple[Ref, ...] = ()


IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class HistoryChange(_Strict):
    """A change to a historical case's inputs after they were fixed, and why."""

    date: IsoDate
    change: Prose = Field(min_length=1)
    reason: Prose = Field(min_length=1)


class History(_Strict):
    """What really happened, for backtests (``consensus-sim backtest``): the real
    outcome class and adopted text, with sources, and when the inputs were fixed.
    Inputs are never tuned to the known outcome; a later change to them is logged in
    ``changes`` with its reason."""

    decided: IsoDate
    outcome: Literal["adopted", "adopted_amended", "adopted_paid", "adopted_rival",
                     "withdrawn", "deadlocked", "postponed"]
    text: dict[str, Fraction] | None = None
    inputs_fixed: IsoDate
    sources: tuple[Ref, ...] = Field(min_length=1)
    notes: Prose = ""
    changes: tuple[HistoryChange, ...] = ()


class Source(_Strict):
    id: Identifier
    citation: Prose = Field(min_length=1)
    url: Prose | None = None
    supports: Prose = ""


class Scenario(_Strict):
    """A validated scenario. Build one with :func:`load_scenario`."""

    id: Identifier | None = None
    title: Name = Field(min_length=1)
    description: Prose = ""
    dimensions: tuple[Dimension, ...] = Field(min_length=1)
    status_quo: dict[str, Fraction]
    proposal: Proposal
    rule: Rule = ConsensusRule(type="consensus")
    max_rounds: _whole(ge=1, le=1000) = 10
    information: Literal["private", "complete"] = Field(
        "private", description="What actors know of the values drawn for a run. "
        "`private`: each actor knows its own; the others, and the agenda setter, know "
        "only the distributions declared under `uncertainty`. `complete`: every actor "
        "knows every drawn value.")
    uncertainty: Uncertainty = Field(
        Uncertainty(), description="Distributions for the actor fields the analyst is "
        "unsure of, drawn once per run; everything not declared is fixed.")
    defaults: ActorParams = ActorParams()
    groups: dict[Identifier, ActorParams] = Field(default_factory=dict)
    actors: tuple[Actor, ...] = Field(min_length=1)
    events: tuple[Event, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    rivals: tuple[Rival, ...] = ()
    listens_to: dict[str, dict[str, NonNegative]] = Field(default_factory=dict)
    sources: tuple[Source, ...] = ()
    assumptions: tuple[Prose, ...] = ()
    history: History | None = None

    @cached_property
    def arrays(self) -> ScenarioArrays:
        """The scenario as numpy arrays, resolved through defaults and groups."""
        return _resolve(self)

    @cached_property
    def uncertain(self) -> tuple[UncertainInput, ...]:
        """Every uncertain input, shorthands expanded, in canonical order.

        The order is by actor id, field name and dimension id, whatever the order of
        actors and dimensions in the file; inputs that cannot vary (a shorthand around a
        stated 0 or 1) are left out. See :mod:`consensus_sim.uncertainty`.
        """
        return uncertain_inputs(self)

    @property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    @property
    def members(self) -> list[Actor]:
        return [a for a in self.actors if a.type == "member"]

    @cached_property
    def ordered_actors(self) -> tuple[Actor, ...]:
        """Members first, then the non-voting actors: the row order of :attr:`arrays`."""
        return (*self.members, *(a for a in self.actors if a.type != "member"))

    def actor(self, actor_id: str) -> Actor:
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def level_label(self, dimension: int | str, value: float) -> str:
        """The label of the level nearest to ``value`` (or the value itself, if unlabelled)."""
        k = dimension if isinstance(dimension, int) else self.dimension_ids.index(dimension)
        dim = self.dimensions[k]
        if dim.binary and not dim.levels:  # which answer: as in tally.nearest_labels
            a = self.arrays
            kept = abs(value - a.proposal[k]) <= abs(value - a.status_quo[k])
            return BINARY_LABELS[1] if kept else BINARY_LABELS[0]
        if not dim.levels:
            return f"{value:.2f}"
        nearest = min(dim.levels, key=lambda level: abs(level.value - value))
        return nearest.label

    def content_hash(self) -> str:
        """SHA-256 of the scenario's canonical JSON: equal for equal content."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, eq=False)
class ScenarioArrays:
    """Everything the model needs, as arrays. Rows of ``position``/``salience`` are actors.

    Members come first (rows ``0 .. n_members-1``), then the non-voting actors.
    """

    actor_ids: tuple[str, ...]
    n_members: int
    dimension_ids: tuple[str, ...]
    status_quo: np.ndarray  # (d,)
    proposal: np.ndarray  # (d,)
    setter: int  # row of the agenda setter
    position: np.ndarray  # (n_actors, d)
    salience: np.ndarray  # (n_actors, d)
    capability: np.ndarray  # (n_actors,)
    tolerance: np.ndarray
    stubbornness: np.ndarray
    blocking_cost: np.ndarray
    gamma: np.ndarray
    #: level values per dimension (empty array where a dimension has no ladder)
    levels: tuple[np.ndarray, ...]
    #: pressure items: (actor row, on salience?, strength, target rows x dimensions as an
    #: ``np.ix_`` index, dimensions as a boolean mask)
    pressure: tuple[tuple[int, bool, float, tuple[np.ndarray, ...], np.ndarray], ...]
    weight: np.ndarray  # (n_actors,) used by weighted rules
    #: side dimensions (issue linkage): True where a dimension is never narrowed
    side: np.ndarray  # (d,) bool
    #: yes/no dimensions: only the status quo's and the proposal's values
    binary: np.ndarray  # (d,) bool
    #: per dimension, the row of the actor who pays on it (side dimensions): of several
    #: who may pay, the first by id
    payer: np.ndarray  # (d,) int
    #: per dimension, the rows of every actor who may pay on it, in order of actor id
    payers: tuple[np.ndarray, ...]
    #: Friedkin-Johnsen influence matrix, (n_members, n_actors), rows sum to 1, or None
    #: when no member listens to anyone
    influence: np.ndarray | None
    #: events: (probability, per round?, round, on salience?, change, ix index, dim mask)
    events: tuple[tuple[float, bool, int, str, float, tuple[np.ndarray, ...], np.ndarray], ...]
    #: each actor's cost of failing at the meeting of each round (0 without one),
    #: (max_rounds, n_actors)
    failure_cost: np.ndarray
    #: each actor's reversion point, what it gets without agreement: its outside option
    #: where it has one, else the status quo, (n_actors, d)
    reversion: np.ndarray
    #: rival proposals in order of their ids: ids, texts (V, d), first rounds (V,)
    rival_ids: tuple[str, ...]
    rivals: np.ndarray
    rival_round: np.ndarray

    @property
    def member_ids(self) -> tuple[str, ...]:
        return self.actor_ids[: self.n_members]

    @property
    def common_gamma(self) -> float | None:
        """The utility exponent if all actors share one, else None (a faster path)."""
        g = self.gamma
        return float(g[0]) if np.all(g == g[0]) else None


def _resolve(s: Scenario) -> ScenarioArrays:
    dims = s.dimension_ids
    ordered = s.ordered_actors
    ids = tuple(a.id for a in ordered)
    row = {actor_id: i for i, actor_id in enumerate(ids)}

    def merged(actor: Actor) -> dict[str, Any]:
        layers = [s.defaults, *(s.groups[g] for g in actor.groups), actor]
        out: dict[str, Any] = dict(BUILTIN_DEFAULTS)
        out["position"], out["salience"] = {}, {}
        for layer in layers:
            out["position"].update(layer.position)
            out["salience"].update(layer.salience)
            for key in BUILTIN_DEFAULTS:
                value = getattr(layer, key)
                if value is not None:
                    out[key] = value
        return out

    resolved = [merged(a) for a in ordered]
    position = np.array([[r["position"][d] for d in dims] for r in resolved], dtype=float)
    salience = np.array([[r["salience"][d] for d in dims] for r in resolved], dtype=float)

    def column(key: str) -> np.ndarray:
        return np.array([r[key] for r in resolved], dtype=float)

    n_members = len(s.members)
    pressure = []
    for actor in ordered:
        for p in actor.pressure:
            targets = p.targets if p.targets is not None else ids[:n_members]
            dim_mask = np.array([p.dimensions is None or d in p.dimensions for d in dims])
            target_rows = np.array([row[t] for t in targets], dtype=np.intp)
            pressure.append((row[actor.id], p.affects == "salience", p.strength,
                             np.ix_(target_rows, dim_mask), dim_mask))
    capability = column("capability")
    events = []
    for e in s.events:
        targets = e.targets if e.targets is not None else ids[:n_members]
        dim_mask = np.array([e.dimensions is None or d in e.dimensions for d in dims])
        target_rows = np.array([row[t] for t in targets], dtype=np.intp)
        events.append((e.probability, e.per == "round", e.round, e.affects,
                       e.change, np.ix_(target_rows, dim_mask), dim_mask))
    setter = row[s.proposal.agenda_setter]
    payers = _payer_rows(s, row, setter)
    rivals = sorted(s.rivals, key=lambda r: r.id)
    return ScenarioArrays(
        actor_ids=ids,
        n_members=n_members,
        dimension_ids=tuple(dims),
        status_quo=np.array([s.status_quo[d] for d in dims], dtype=float),
        proposal=np.array([s.proposal.position[d] for d in dims], dtype=float),
        setter=setter,
        position=position,
        salience=salience,
        capability=capability,
        tolerance=column("tolerance"),
        stubbornness=column("stubbornness"),
        blocking_cost=column("blocking_cost"),
        gamma=column("gamma"),
        levels=tuple(np.array([lv.value for lv in d.levels], dtype=float) for d in s.dimensions),
        pressure=tuple(pressure),
        weight=column("weight"),
        side=np.array([d.side for d in s.dimensions], dtype=bool),
        binary=np.array([d.binary for d in s.dimensions], dtype=bool),
        payer=np.array([rows[0] for rows in payers], dtype=np.intp),
        payers=payers,
        influence=_influence(s, row, n_members, capability),
        events=tuple(events),
        failure_cost=_failure_cost(s, row),
        reversion=np.array([[(a.outside_option or {}).get(d, s.status_quo[d]) for d in dims]
                            for a in ordered], dtype=float),
        rival_ids=tuple(r.id for r in rivals),
        rivals=np.array([[r.text[d] for d in dims] for r in rivals], dtype=float
                        ).reshape(len(rivals), len(dims)),
        rival_round=np.array([r.round for r in rivals], dtype=np.int64),
    )


def _payer_rows(s: Scenario, row: dict[str, int], setter: int) -> tuple[np.ndarray, ...]:
    """Per dimension, the rows of the actors who may pay on it, in order of actor id
    (the agenda setter where none is named)."""
    return tuple(np.array([row[a] for a in sorted(d.payers)] or [setter], dtype=np.intp)
                 for d in s.dimensions)


def _failure_cost(s: Scenario, row: dict[str, int]) -> np.ndarray:
    """Each actor's cost of failing at the meeting of each round, (max_rounds, N)."""
    cost = np.zeros((s.max_rounds, len(row)))
    for meeting in s.meetings:
        for actor, value in meeting.failure_cost.items():
            cost[meeting.round - 1, row[actor]] = value
    return cost


def _influence(s: Scenario, row: dict[str, int], n_members: int,
               capability: np.ndarray) -> np.ndarray | None:
    """The Friedkin-Johnsen weights W (members x actors) from ``listens_to``.

    Member i's raw weight on actor j is ``listens_to[i][j]`` times j's capability;
    its own view counts 1 times its own capability; each row is normalised to sum
    to 1. ``all`` stands for every member, as listener or as source. Members that
    listen to nobody keep W_ii = 1.

    Only the ratios within a row matter, so any finite weights and capabilities are
    allowed: rows and capabilities are first divided by powers of two near their
    largest values. A power of two scales a float exactly, so this changes no bit of
    W, yet weights and capabilities near the largest float (about 1.8e308) cannot
    overflow when they are multiplied and summed.
    """
    if not s.listens_to:
        return None
    members = list(row)[:n_members]
    raw = np.zeros((n_members, len(row)))
    for listener, sources in s.listens_to.items():
        listeners = members if listener == "all" else [listener]
        for source, w in sources.items():
            for i in (row[m] for m in listeners):
                for j in (range(n_members) if source == "all" else [row[source]]):
                    if j != i:
                        raw[i, j] = w
    raw[np.arange(n_members), np.arange(n_members)] = 1.0
    raw = np.ldexp(raw, -np.frexp(raw.max(axis=1, keepdims=True))[1])
    raw *= np.ldexp(capability, -np.frexp(capability.max())[1])[None, :]
    total = raw.sum(axis=1, keepdims=True)
    influence = np.divide(raw, total, out=np.zeros_like(raw), where=total > 0)
    lonely = total[:, 0] == 0  # a member of capability 0 keeps its own view
    influence[lonely, np.flatnonzero(lonely)] = 1.0
    return influence


# --------------------------------------------------------------------------- loading


#: A scenario file larger than this is refused before it is read: the largest bundled
#: scenario is 60 kB, and parsing a file of hundreds of megabytes would take minutes.
MAX_FILE_BYTES = 5_000_000
#: Mappings and lists nested deeper than this are refused (a scenario nests at most 7
#: levels); Python's parser would otherwise crash on a file nested a thousand deep.
MAX_DEPTH = 20
#: Values a file may hold, an alias counted each time it is used: a few aliases that
#: refer to one another could otherwise make a small file expand to billions.
MAX_VALUES = 1_000_000
#: Digits an integer may have: a count or a round needs a few; Python refuses to read
#: integers of more than 4,300 digits, and none needs more than this.
MAX_DIGITS = 18

#: YAML 1.2 (core schema) implicit types. PyYAML follows YAML 1.1, where ``yes``,
#: ``no``, ``on`` and ``off`` are booleans, ``1:30`` is 90 (base 60), ``017`` is octal,
#: ``2023-07-11`` a date and ``<<`` merges mappings; in YAML 1.2 all of these are
#: text, and ``1e-3`` (no dot) is a number.
_YAML12_RESOLVERS = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
     "-+0123456789"),
    ("tag:yaml.org,2002:float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
)
#: Explicit tags no scenario needs, refused rather than half-supported.
_REFUSED_TAGS = ("binary", "timestamp", "omap", "pairs", "set")


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe loader (libyaml's parser where installed, several times faster) with
    YAML 1.2's implicit types, that rejects a key given twice in one mapping."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {}


for _tag, _pattern, _first in _YAML12_RESOLVERS:
    _UniqueKeyLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def reads_as_text(text: str) -> bool:
    """Whether ``text``, written plain (unquoted), reads back as text with this
    loader's YAML 1.2 types: ``1e3`` or ``true`` would not (writers quote those)."""
    return not any(re.match(pattern, text) for _, pattern, _ in _YAML12_RESOLVERS)


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep=False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


class _Refused(yaml.constructor.ConstructorError):
    """A value the loader refuses (not a syntax error): its message stands alone."""


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """A YAML 1.2 integer (decimal, ``0o`` octal or ``0x`` hex) of at most
    :data:`MAX_DIGITS` digits."""
    text = loader.construct_scalar(node)
    sign, digits = (-1 if text[:1] == "-" else 1), text.lstrip("+-")
    base = {"0o": 8, "0x": 16}.get(digits[:2], 10)
    digits = digits[2:] if base != 10 else digits
    if len(digits) > MAX_DIGITS:
        raise _Refused(
            None, None, f"an integer of {len(digits):,} digits; allowed: at most "
            f"{MAX_DIGITS} digits (write a large number as, e.g., 1.5e30)", node.start_mark)
    try:
        return sign * int(digits, base)
    except ValueError:
        raise _Refused(
            None, None, f"{_shown(text)} is not an integer", node.start_mark) from None


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    """A YAML 1.2 float; an explicit ``!!float`` that is not one is refused."""
    text = loader.construct_scalar(node)
    special = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
    try:
        return special.get(text.lower()) or float(text)
    except ValueError:
        raise _Refused(
            None, None, f"{_shown(text)} is not a number", node.start_mark) from None


def _refuse_tag(loader: yaml.SafeLoader, node: yaml.Node) -> None:
    raise _Refused(
        None, None, f"the tag {node.tag.rsplit(':', 1)[-1]!r} is not allowed in a scenario; "
        "allowed: plain text, numbers, true/false, lists and mappings", node.start_mark)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
for _tag in _REFUSED_TAGS:
    _UniqueKeyLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


def _check_nodes(root: yaml.Node, source: str) -> None:
    """Refuse, before anything is built, what no scenario needs and what would make
    loading crash or hang: nesting deeper than :data:`MAX_DEPTH`, a list or mapping
    used as a key, more than :data:`MAX_VALUES` values (aliases counted each time they
    are used), and a decimal comma in a flow mapping (``{office: 0,1}`` reads as
    ``office: 0`` and a key ``1``)."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        where = f"line {node.start_mark.line + 1}"
        if count > MAX_VALUES:
            raise ScenarioError(source, where, f"the file expands to more than "
                                f"{MAX_VALUES:,} values (an alias counts each time it is "
                                f"used); allowed: at most {MAX_VALUES:,}, far more than a "
                                "scenario needs")
        if depth > MAX_DEPTH:
            raise ScenarioError(source, where, f"nested more than {MAX_DEPTH} levels deep; "
                                "allowed: the nesting of a scenario (at most 7 levels)")
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    raise ScenarioError(source, f"line {key.start_mark.line + 1}",
                                        "a list or mapping used as a key; allowed: a name "
                                        "or a number as a key")
                stack.append((value, depth + 1))
            if node.flow_style:
                _check_decimal_comma(node, source)


def _check_decimal_comma(node: yaml.MappingNode, source: str) -> None:
    """Refuse ``{office: 0,1}``: a whole number, a comma with no space, then a number
    with no value is a decimal comma, not a second key."""
    for (_, value), (key, after) in pairwise(node.value):
        if (isinstance(value, yaml.ScalarNode) and not value.style  # plain: None or ""
                and re.fullmatch(r"[-+]?\d+", value.value) and not key.style
                and re.fullmatch(r"\d+", key.value) and isinstance(after, yaml.ScalarNode)
                and after.value == "" and key.start_mark.line == value.end_mark.line
                and key.start_mark.column == value.end_mark.column + 1):
            raise ScenarioError(source, f"line {key.start_mark.line + 1}",
                                f"{value.value},{key.value} looks like a decimal comma: "
                                f"write {value.value}.{key.value}")


def _parse_yaml(text: str, source: str) -> Any:
    """The data of a scenario file, read as YAML 1.2 with the checks above."""
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, source)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}" if mark else "YAML"
        syntax = "" if isinstance(exc, _Refused) else "YAML syntax error: "
        raise ScenarioError(source, line, f"{syntax}{exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, "", f"cannot read: {exc}") from None
    except RecursionError:  # Python's own parser, where libyaml is not installed
        raise ScenarioError(source, "", f"nested too deeply; allowed: at most {MAX_DEPTH} "
                            "levels") from None
    finally:
        loader.dispose()


def scenario_folder() -> Path:
    """The bundled scenarios' folder: the repository's top-level ``scenarios/``, which
    a wheel installs as the package's ``consensus_sim/scenarios`` (pyproject.toml maps
    it there) and a source checkout or editable install reads in place."""
    installed = resources.files("consensus_sim") / "scenarios"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """The scenarios installed with the package, by name (the file's stem)."""
    folder = scenario_folder()
    return {
        Path(entry.name).stem: Path(str(entry))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".yaml", ".yml"))
    }


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Load and validate a scenario from a YAML file or a bundled scenario's name.

    A scenario without an ``id`` takes the file's name (without ``.yaml``), which must
    then be a valid id, as it names the results folder.

    Raises:
        ScenarioError: one line naming the file, the field path and the problem.
    """
    path = _scenario_path(path_or_name)
    source = str(path_or_name)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(source, "", f"the file has {size:,} bytes; allowed: at most "
                                f"{MAX_FILE_BYTES:,} (a scenario of hundreds of actors "
                                "needs less than 1 MB)")
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        raise ScenarioError(source, "", f"cannot read: {exc}") from None
    scenario = scenario_from_dict(_parse_yaml(text, source), source=source)
    if scenario.id is None:
        if not re.fullmatch(IDENTIFIER_PATTERN, path.stem) or len(path.stem) > 64:
            raise ScenarioError(source, "id", f"missing, and the file's name {_shown(path.stem)} "
                                "is not a valid id (it names the results folder); add `id:` "
                                "with a letter, then letters, digits, _ or - (at most 64)")
        scenario = scenario.model_copy(update={"id": path.stem})
    return scenario


def _scenario_path(path_or_name: str | Path) -> Path:
    """The file a scenario argument names: a regular file, or a bundled scenario by
    name (with or without ``.yaml``)."""
    path = Path(path_or_name)
    if path.is_file():
        return path
    name = str(path_or_name)
    if path.is_dir():
        raise ScenarioError(name, "", "is a directory, not a scenario file")
    if path.exists():
        raise ScenarioError(name, "", "is not a regular file (a device, pipe or socket); "
                            "allowed: a scenario file or a bundled scenario's name")
    bundled = bundled_scenarios()
    stem = name.removesuffix(".yaml").removesuffix(".yml")
    if stem in bundled:
        return bundled[stem]
    import difflib

    near = [b for b in bundled if stem.lower() in b] if len(stem) >= 3 else []
    near = near or difflib.get_close_matches(stem.lower(), bundled, n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]}?" if len(near) == 1 else ""
    raise ScenarioError(name, "", f"no such file or bundled scenario{hint} (bundled: "
                        f"{', '.join(bundled) or 'none'})")


def scenario_from_dict(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate a scenario given as plain data (as parsed from YAML or JSON)."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ScenarioError(source, "", f"a scenario must be a mapping of fields (got {kind})")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, data, source) from None
    _check_references(scenario, source)
    return scenario


# --------------------------------------------------------------------------- errors

# Which model a list or mapping holds, to name allowed fields in "unknown field" errors.
_CONTAINERS: dict[str, type[BaseModel]] = {
    "scale": Scale,
    "events": Event,
    "dimensions": Dimension,
    "levels": Level,
    "proposal": Proposal,
    "uncertainty": Uncertainty,
    "defaults": ActorParams,
    "actors": Actor,
    "pressure": Pressure,
    "sources": Source,
}


_DISTRIBUTION_MODELS: dict[str, type[BaseModel]] = {
    "beta": BetaDistribution,
    "triangular": TriangularDistribution,
    "uniform": UniformDistribution,
    "discrete": DiscreteDistribution,
}

#: The tags each discriminated union allows, by discriminator, for "missing" errors.
_TAGS = {"type": RULE_TYPES, "dist": DISTRIBUTIONS}


_RULE_MODELS: dict[str, type[BaseModel]] = {
    "consensus": ConsensusRule,
    "unanimity": UnanimityRule,
    "silence": SilenceRule,
    "majority": MajorityRule,
    "qualified_majority": QualifiedMajorityRule,
    "veto_majority": VetoMajorityRule,
}


def _format_path(loc: tuple[Any, ...], data: Any) -> tuple[str, type[BaseModel] | None]:
    """Turn a pydantic location into ``actors[FRA].salience.office``; also the model there."""
    text = ""
    node: Any = data
    model: type[BaseModel] | None = Scenario
    parent_key = None
    keys: list[str] = []  # the names walked so far
    for segment in loc:
        if parent_key == "rule" and isinstance(node, dict) and segment == node.get("type"):
            model = _RULE_MODELS.get(segment)
            continue  # pydantic's discriminator tag, not a field
        if keys[-2:-1] == ["fields"] and isinstance(node, dict) and segment == node.get("dist"):
            model = _DISTRIBUTION_MODELS.get(segment)
            continue  # the tag of a distribution under uncertainty.fields
        if isinstance(segment, str):
            keys.append(segment)
        if isinstance(segment, int):
            item = node[segment] if isinstance(node, list) and segment < len(node) else None
            key = item.get("id") if isinstance(item, dict) else None
            text += f"[{key}]" if isinstance(key, str) and key else f"[{segment}]"
            node = item
        else:
            text += f".{segment}" if text else str(segment)
            if parent_key == "groups":
                model = ActorParams
            elif segment in _CONTAINERS:
                model = _CONTAINERS[segment]
            elif segment == "rule":
                model = None
            node = node.get(segment) if isinstance(node, dict) else None
        parent_key = segment if isinstance(segment, str) else parent_key
    return text, model


def _first_error(exc: ValidationError, data: dict, source: str) -> ScenarioError:
    errors = exc.errors(include_url=False)
    err = errors[0]
    loc = tuple(err["loc"])
    path, _ = _format_path(loc, data)
    extra = len(errors) - 1
    more = f" (and {extra} more problem{'s' * (extra > 1)})" if extra else ""
    kind = err["type"]
    if kind == "extra_forbidden":
        _, model = _format_path(loc[:-1], data)
        allowed = ", ".join(model.model_fields) if model else "see `consensus-sim schema`"
        return ScenarioError(source, path, f"unknown field; allowed here: {allowed}{more}")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        ctx = err.get("ctx", {})
        tag = str(ctx.get("discriminator", "'type'")).strip("'")
        where = f"{path}.{tag}" if path else tag
        if kind == "union_tag_not_found":
            allowed = ", ".join(_TAGS.get(tag, ()))
            return ScenarioError(source, where, f"required field is missing; allowed: "
                                 f"{allowed}{more}")
        what = "distribution" if tag == "dist" else tag
        return ScenarioError(source, where, f"unknown {what} {ctx.get('tag')!r}; allowed: "
                             f"{ctx.get('expected_tags')}{more}")
    if kind == "missing":
        return ScenarioError(source, path, f"required field is missing{more}")
    shown = err.get("input")
    if kind == "string_too_long":
        limit = err["ctx"]["max_length"]
        return ScenarioError(source, path, f"text of {len(shown):,} characters; allowed: at "
                             f"most {limit:,} ({_TEXT_LIMITS.get(limit, 'see the schema')})"
                             f"{more}")
    bound = err.get("ctx", {}).get("le", err.get("ctx", {}).get("ge"))
    if kind in ("less_than_equal", "greater_than_equal") and abs(bound) == LARGEST:
        size = f"{shown:.3g} is too large; allowed: at most {LARGEST:.0e}".replace("e+", "e")
        return ScenarioError(source, path, f"{size} in size, so that the model's sums stay "
                             "finite (capabilities, weights and listens_to weights count "
                             f"only by their ratios: divide them all by one number){more}")
    if kind == "finite_number":
        return ScenarioError(source, path, f"{shown} is not allowed; allowed: a finite number"
                             f"{more}")
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    echoed = kind == "value_error" and str(shown).strip().lower() in message.lower()
    got = "" if isinstance(shown, dict | list) or echoed else f" (got {_shown(shown)})"
    return ScenarioError(source, path, f"{message}{got}{more}")


#: Why text is bounded, by its longest length (see ``Name``, ``Prose`` and ``Ref``).
_TEXT_LIMITS = {
    64: "an id or a reference to one",
    200: "it is drawn on charts and printed in summaries",
    5000: "it is text for the reader, printed in reports",
}


def _check_references(s: Scenario, source: str) -> None:
    """Cross-field checks pydantic cannot do alone: ids, names and completeness."""

    def fail(path: str, problem: str) -> None:
        raise ScenarioError(source, path, problem)

    def unique(section: str, kind: str, keys: Any) -> set[str]:
        """The ids of a section, after checking that none repeats."""
        seen_ids: set[str] = set()
        for key in keys:
            if key in seen_ids:
                fail(f"{section}[{key}].id", f"duplicate {kind} id; each id must be unique")
            seen_ids.add(key)
        return seen_ids

    def within_rounds(path: str, round_: int) -> None:
        if round_ > s.max_rounds:
            fail(path, f"round {round_} comes after max_rounds ({s.max_rounds}); allowed: "
                 f"1 to {s.max_rounds}")

    dims = s.dimension_ids
    allowed_dims = ", ".join(dims)
    seen = unique("dimensions", "dimension", dims)

    def check_dims(path: str, values: dict[str, float], complete: bool) -> None:
        for key in values:
            if key not in seen:
                fail(f"{path}.{key}", f"unknown dimension; allowed: {allowed_dims}")
        if complete:
            for d in dims:
                if d not in values:
                    fail(f"{path}.{d}", "missing value for this dimension; give a number in [0, 1]")

    check_dims("status_quo", s.status_quo, complete=True)
    check_dims("proposal.position", s.proposal.position, complete=True)
    check_dims("defaults.position", s.defaults.position, complete=False)
    check_dims("defaults.salience", s.defaults.salience, complete=False)
    for name, group in s.groups.items():
        check_dims(f"groups.{name}.position", group.position, complete=False)
        check_dims(f"groups.{name}.salience", group.salience, complete=False)

    ids = unique("actors", "actor", (a.id for a in s.actors))
    members = {a.id for a in s.members}
    if not members:
        fail("actors", "no actor has type 'member'; at least one member must vote")
    if s.proposal.agenda_setter not in ids:
        fail("proposal.agenda_setter",
             f"unknown actor {s.proposal.agenda_setter!r}; allowed: an actor id ({_few(ids)})")
    source_ids = {src.id for src in s.sources}

    def check_sources(path: str, refs: tuple[str, ...]) -> None:
        for ref in refs:
            if ref not in source_ids:
                fail(path, f"unknown source {ref!r}; allowed: an id under sources "
                     f"({_few(source_ids) or 'none defined'})")
    for actor in s.actors:
        base = f"actors[{actor.id}]"
        for g in actor.groups:
            if g not in s.groups:
                fail(f"{base}.groups",
                     f"unknown group {g!r}; allowed: {_few(s.groups) or 'none defined'}")
        for key in ("position", "salience"):
            values = dict(s.defaults.model_dump()[key])
            for g in actor.groups:
                values.update(getattr(s.groups[g], key))
            values.update(getattr(actor, key))
            check_dims(f"{base}.{key}", getattr(actor, key), complete=False)
            for d in dims:
                if d not in values:
                    fail(f"{base}.{key}.{d}",
                         "missing, and no default or group sets it; give a number in [0, 1]")
        if actor.pressure and actor.type not in ("partner", "external"):
            fail(f"{base}.pressure", f"only partners and external actors apply pressure "
                 f"(this actor's type is {actor.type!r})")
        for i, p in enumerate(actor.pressure):
            for t in p.targets or ():
                if t not in members:
                    fail(f"{base}.pressure[{i}].targets",
                         f"unknown member {t!r}; allowed: a member id ({_few(members)})")
            for d in p.dimensions or ():
                if d not in seen:
                    fail(f"{base}.pressure[{i}].dimensions",
                         f"unknown dimension {d!r}; allowed: {allowed_dims}")
        if actor.outside_option is not None:
            check_dims(f"{base}.outside_option", actor.outside_option, complete=False)
            if actor.type != "member" and actor.id != s.proposal.agenda_setter:
                fail(f"{base}.outside_option", "only members and the agenda setter have an "
                     f"outside option (this actor's type is {actor.type!r})")
        check_sources(f"{base}.sources", actor.sources)
    rule = s.rule
    if isinstance(rule, VetoMajorityRule):
        for v in rule.veto:
            if v not in members:
                fail("rule.veto", f"unknown member {v!r}; allowed: a member id ({_few(members)})")
    for dim in s.dimensions:
        for payer in dim.payers:
            if payer not in ids:
                fail(f"dimensions[{dim.id}].payer",
                     f"unknown actor {payer!r}; allowed: an actor id ({_few(ids)})")
        if dim.payer is not None and (not dim.payers or len(set(dim.payers)) < len(dim.payers)):
            fail(f"dimensions[{dim.id}].payer", "an actor is listed twice, or the list is "
                 "empty; allowed: one actor id or a list of distinct actor ids")
        if dim.payer is not None and not dim.side:
            fail(f"dimensions[{dim.id}].payer", "only a side dimension has a payer; "
                 "add `side: true` or remove `payer`")
    for dim in s.dimensions:
        if dim.binary and dim.levels:
            values = sorted({s.status_quo.get(dim.id, 0.0), s.proposal.position.get(dim.id, 0.0)})
            if sorted(lv.value for lv in dim.levels) != values:
                fail(f"dimensions[{dim.id}].levels", "a binary dimension takes only the "
                     f"status quo's and the proposal's values; allowed: levels at "
                     f"{', '.join(f'{v:g}' for v in values)}, or none")
    if all(dim.side for dim in s.dimensions):
        fail("dimensions", "every dimension is a side dimension; at least one must be "
             "the proposal's scope (side: false)")
    for listener, sources in s.listens_to.items():
        if listener != "all" and listener not in members:
            fail(f"listens_to.{listener}",
                 f"unknown member; allowed: a member id or 'all' ({_few(members)})")
        for speaker in sources:
            if speaker != "all" and speaker not in ids:
                fail(f"listens_to.{listener}.{speaker}",
                     f"unknown actor; allowed: an actor id or 'all' ({_few(ids)})")
    unique("events", "event", (e.id for e in s.events))
    for e in s.events:
        base = f"events[{e.id}]"
        for t in e.targets or ():
            if t not in members:
                fail(f"{base}.targets", f"unknown member {t!r}; allowed: a member id "
                     f"({_few(members)})")
        if e.dimensions is not None and e.affects in ("tolerance", "blocking_cost"):
            fail(f"{base}.dimensions", f"an event on {e.affects} acts on the member, not "
                 "on dimensions; allowed: no dimensions (they apply to position and "
                 "salience)")
        for d in e.dimensions or ():
            if d not in seen:
                fail(f"{base}.dimensions", f"unknown dimension {d!r}; allowed: {allowed_dims}")
        check_sources(f"{base}.sources", e.sources)
        if e.per == "run":
            within_rounds(f"{base}.round", e.round)
    unique("meetings", "meeting", (m.id for m in s.meetings))
    meeting_rounds: set[int] = set()
    for meeting in s.meetings:
        base = f"meetings[{meeting.id}]"
        within_rounds(f"{base}.round", meeting.round)
        if meeting.round in meeting_rounds:
            fail(f"{base}.round", f"another meeting is in round {meeting.round}; allowed: "
                 "one meeting per round")
        meeting_rounds.add(meeting.round)
        for actor in meeting.failure_cost:
            if actor not in ids:
                fail(f"{base}.failure_cost.{actor}",
                     f"unknown actor; allowed: an actor id ({_few(ids)})")
        check_sources(f"{base}.sources", meeting.sources)
    unique("rivals", "rival", (r.id for r in s.rivals))
    texts: dict[tuple[float, ...], str] = {}
    for rival in s.rivals:
        base = f"rivals[{rival.id}]"
        check_dims(f"{base}.text", rival.text, complete=True)
        for dim in s.dimensions:
            allowed = (s.status_quo[dim.id], s.proposal.position[dim.id])
            if dim.binary and rival.text[dim.id] not in allowed:
                fail(f"{base}.text.{dim.id}", f"{dim.id} is a yes/no dimension; allowed: "
                     f"{' or '.join(f'{v:g}' for v in sorted(set(allowed)))}")
        key = tuple(rival.text[d] for d in dims)
        if key in texts:
            fail(f"{base}.text", f"the same text as rival {texts[key]!r}; allowed: a text "
                 "no other rival has")
        texts[key] = rival.id
        if rival.sponsor is not None and rival.sponsor not in ids:
            fail(f"{base}.sponsor", f"unknown actor {rival.sponsor!r}; allowed: an actor id "
                 f"({_few(ids)})")
        within_rounds(f"{base}.round", rival.round)
        check_sources(f"{base}.sources", rival.sources)
    if s.history is not None:
        h = s.history

        if h.outcome == "adopted_rival" and not s.rivals:
            fail("history.outcome", "'adopted_rival' needs a rival proposal; allowed: "
                 "another outcome, or add `rivals`")

        if h.text is not None and h.outcome not in ADOPTED_OUTCOMES:
            fail("history.text", f"the outcome is {h.outcome!r}: no text was adopted; "
                 "allowed: a text only with 'adopted', 'adopted_amended', 'adopted_paid' or "
                 "'adopted_rival'")
        if h.outcome in ("adopted_amended", "adopted_paid") and h.text is None:
            fail("history.text", "give the text adopted (a number for every dimension)")
        if h.text is not None:
            check_dims("history.text", h.text, complete=True)
        check_sources("history.sources", h.sources)
    unique("sources", "source", (src.id for src in s.sources))
    _check_uncertainty(s, fail)


_FIELD_PATHS = ("actors.<id>.position.<dim>, actors.<id>.salience.<dim>, "
                "actors.<id>.tolerance or actors.<id>.blocking_cost")


def _check_uncertainty(s: Scenario, fail: Any) -> None:
    """Each path under ``uncertainty.fields`` names an actor field, and each
    distribution's draws stay within that field's range."""
    ids = {a.id: a for a in s.actors}
    members = {a.id for a in s.members}
    dims = s.dimension_ids
    for key, declared in s.uncertainty.fields.items():
        where = f"uncertainty.fields.{key}"
        parts = key.split(".")
        if parts[0] != "actors" or len(parts) < 3:
            fail(where, f"not a field path; allowed: {_FIELD_PATHS}")
        actor_id, field = parts[1], parts[2]
        if actor_id not in ids:
            fail(where, f"unknown actor {actor_id!r}; allowed: an actor id ({_few(ids)})")
        if field not in UNCERTAIN_FIELDS:
            fail(where, f"{field!r} cannot be declared uncertain; allowed after the actor: "
                 "position.<dim>, salience.<dim>, tolerance, blocking_cost")
        if field in ("position", "salience"):
            if len(parts) != 4:
                fail(where, f"name a dimension, as in actors.{actor_id}.{field}.<dim>; "
                     f"allowed: {', '.join(dims)}")
            if parts[3] not in dims:
                fail(where, f"unknown dimension {parts[3]!r}; allowed: {', '.join(dims)}")
        else:
            if len(parts) != 3:
                fail(where, f"{field} has no dimensions; allowed: actors.{actor_id}.{field}")
            if actor_id not in members:
                fail(where, f"only members object, so only their {field} matters "
                     f"({actor_id} is a {ids[actor_id].type}); allowed: a member id "
                     f"({_few(members)})")
        lowest, highest = UNCERTAIN_FIELDS[field]
        allowed = f"[{lowest:g}, {highest:g}]" if highest < math.inf else f"≥ {lowest:g}"
        if isinstance(declared, DiscreteDistribution):
            bounds = [("values", v) for v in declared.values]
        else:
            bounds = [("low", declared.low), ("high", declared.high)]
        for name, bound in bounds:
            if not lowest <= bound <= highest:
                fail(f"{where}.{name}", f"{bound:g} is outside the range of {_a(field)}; "
                     f"allowed: {allowed}")


def _a(field: str) -> str:
    return {"position": "a position", "salience": "a salience", "tolerance": "a tolerance",
            "blocking_cost": "a blocking cost"}[field]


def _few(names: Any, limit: int = 8) -> str:
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")
