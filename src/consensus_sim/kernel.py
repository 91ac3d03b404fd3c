"""The model's rules, written once, over arrays whose first axis is the run.

Every function here is a pure function of numpy arrays. The Mesa model
(:mod:`.model`) calls them for a batch of one run, so that a round can be stepped
and inspected; the ensemble runner (:mod:`.ensemble`) calls them for thousands of
runs at once. Run ``i`` draws the same random numbers on both paths
(:func:`run_generator`), so it is the same run on both.

Shapes: ``R`` runs, ``N`` actors (members first, rows ``0 .. M-1``), ``M`` members,
``d`` dimensions, ``C`` candidate texts.

Utilities are compared with a tolerance of :data:`INDIFFERENCE`: a difference
smaller than that is rounding, and counts as indifference (a member whose loss is
within it of its threshold does not object; one within it of zero supports).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .outcomes import ADOPTED_OUTCOMES as ADOPTED_OUTCOMES  # re-exported: the outcome names
from .outcomes import OUTCOMES as OUTCOMES
from .rules import ABSTAIN, OBJECT, SUPPORT, RuleFunction

if TYPE_CHECKING:
    from .scenario import Scenario

#: Differences in utility below this are rounding: they count as indifference.
INDIFFERENCE = 1e-9
#: The implicit ladder of a dimension that has no labelled levels.
DEFAULT_GRID = np.linspace(0.0, 1.0, 11)
#: Outcome codes, in the order of :data:`.outcomes.OUTCOMES`.
(ADOPTED, ADOPTED_AMENDED, WITHDRAWN, DEADLOCKED, POSTPONED, ADOPTED_PAID,
 ADOPTED_RIVAL) = range(len(OUTCOMES))
#: The setter's move after a blocked round (:func:`amend`).
TABLE, WITHDRAW, POSTPONE = range(3)
#: Candidate texts are scored in blocks of about this many numbers, to bound memory.
_BLOCK = 1 << 20
#: Under private information, the setter's belief about each member is a weighted
#: sample of this many types (its prior: :func:`.uncertainty.hypotheses`).
HYPOTHESES = 32
#: The setter allows that a member's response departs from its best response with
#: this probability (a tremble), so that no observation rules a type out for good.
TREMBLE = 0.02
#: Under private information on continuous dimensions, texts on each segment the
#: setter searches are this many evenly spaced points.
SEGMENT_POINTS = 33


# ----------------------------------------------------------------- random numbers


def run_key(seed: int) -> np.ndarray:
    """The Philox key of an ensemble with ``seed`` (two 64-bit words)."""
    return np.random.SeedSequence(seed).generate_state(2, np.uint64)


def run_generator(seed: int, index: int) -> np.random.Generator:
    """Run ``index``'s own generator: block ``index`` of a counter-based Philox stream.

    Philox (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3") makes
    each run's numbers a function of the key (from ``seed``) and the run's counter
    block alone, so run ``index`` draws the same numbers whatever else is run, in
    whatever order, on whatever executor: in an ensemble, at every point of a sweep
    (common random numbers), and when it is replayed alone in the Mesa model.
    """
    counter = np.array([0, index, 0, 0], dtype=np.uint64)
    return np.random.Generator(np.random.Philox(counter=counter, key=run_key(seed)))


def run_uniforms(seed: int, runs: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` uniforms of each run's generator, shape (len(runs), count).

    Equal to ``run_generator(seed, i).random(count)`` for each ``i``, but reuses one
    bit generator, moved to each run's block in turn (building a generator per run
    costs more than the rest of a short run). Its state is given as plain Python
    integers: numpy reads them several times faster than array elements.
    """
    out = np.empty((len(runs), count))
    if count == 0:
        return out
    key = [int(word) for word in run_key(seed)]
    bits = np.random.Philox(key=np.array(key, dtype=np.uint64))
    random = np.random.Generator(bits).random
    counter = [0, 0, 0, 0]
    state = {"bit_generator": "Philox", "state": {"counter": counter, "key": key},
             "buffer": [0, 0, 0, 0], "buffer_pos": 4,  # a fresh block: nothing buffered
             "has_uint32": 0, "uinteger": 0}
    for j, i in enumerate(np.asarray(runs).tolist()):
        counter[1] = i
        bits.state = state
        random(count, out=out[j])
    return out


# ----------------------------------------------------------------- preferences


def utilities(position: np.ndarray, salience: np.ndarray, gamma: float | np.ndarray,
              x: np.ndarray) -> np.ndarray:
    """U_i(x) = -sum_k s_ik |x_k - p_ik|^gamma_i for every actor row at once.

    Args:
        position, salience: shape (..., n, d).
        gamma: one exponent, or one per row, shape (n,).
        x: the text, shape (..., d), broadcast against the rows.

    Returns:
        Shape (..., n).
    """
    return -_weighted_distance(np.abs(position - x[..., None, :]), salience, gamma)


def at_reversion(s: Setup, position: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """U_i(o_i): each member's utility at its reversion point, its outside option or
    else the status quo, from positions and saliences (..., M, d); returns (..., M)."""
    return -_weighted_distance(np.abs(position - s.reversion), salience, s.member_gamma)


def _weighted_distance(distance: np.ndarray, salience: np.ndarray,
                       gamma: float | np.ndarray) -> np.ndarray:
    """sum_k s_k distance_k^gamma over the last axis (``distance`` is overwritten)."""
    if np.ndim(gamma) == 0:
        if gamma == 2.0:
            distance *= distance
        elif gamma != 1.0:
            distance **= gamma
    else:
        distance **= gamma[:, None]
    distance *= salience
    return distance.sum(axis=-1)


# ----------------------------------------------------------------- the response game


def objection_threshold(tolerance: np.ndarray, blocking_cost: np.ndarray,
                        others_not_objecting: np.ndarray | float) -> np.ndarray:
    """The loss a member swallows before objecting: its tolerance plus its blocking
    cost times the share of the other members that do not object.

    A lone objector facing an otherwise united alliance pays its whole blocking cost;
    one of many objectors pays little.
    """
    return tolerance + blocking_cost * others_not_objecting


def respond(loss: np.ndarray, tolerance: np.ndarray, blocking_cost: np.ndarray,
            scaled: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Every member's response, as an equilibrium of the response game.

    Member i objects when its loss exceeds :func:`objection_threshold` given the
    others' responses. The more others object, the lower its threshold (objections
    are strategic complements), so best responses iterated from *nobody objecting*
    rise monotonically to the least equilibrium: the profile with the fewest
    objectors in which no member wants to change its response. That is the
    equilibrium chosen. Without ``scaled`` (the silence procedure) every objector
    pays its whole cost and there is nothing to iterate. A member that does not
    object supports when its loss is at most zero, and otherwise abstains.

    Args:
        loss: U_i(status quo) - U_i(x), shape (..., M).
        tolerance, blocking_cost: shape (..., M) or broadcastable.

    Returns:
        The response codes (int8) and each member's threshold in that equilibrium.
    """
    m = loss.shape[-1]
    if not scaled or m == 1:
        threshold = np.broadcast_to(tolerance + blocking_cost, loss.shape)
        objecting = loss > threshold + INDIFFERENCE
    else:
        objecting = np.zeros(loss.shape, dtype=bool)
        while True:
            others = objecting.sum(axis=-1, keepdims=True) - objecting
            threshold = objection_threshold(tolerance, blocking_cost, (m - 1 - others) / (m - 1))
            now = loss > threshold + INDIFFERENCE
            if np.array_equal(now, objecting):
                break
            objecting = now
    codes = np.where(objecting, OBJECT, np.where(loss <= INDIFFERENCE, SUPPORT, ABSTAIN))
    return codes.astype(np.int8), threshold


# ----------------------------------------------------------------- the engine's data


@dataclass(frozen=True, eq=False)
class Setup:
    """What every run of a scenario shares: fixed inputs, rule, strategy, candidates.

    Built once per scenario (:func:`setup`); runs differ only in their draws.
    """

    scenario: Scenario
    n_members: int
    setter: int
    status_quo: np.ndarray  # (d,)
    proposal: np.ndarray  # (d,)
    position: np.ndarray  # (N, d) stated values
    salience: np.ndarray  # (N, d)
    tolerance: np.ndarray  # (M,)
    blocking_cost: np.ndarray  # (M,)
    gamma: np.ndarray  # (N,)
    member_gamma: float | np.ndarray  # one exponent, or (M,)
    rule: RuleFunction
    vote: bool  # adoption turns on more than objections (rules.counts_more_than_objections)
    scaled: bool  # blocking cost scales with the others' objections
    need_support: bool  # every member must vote yes (unanimity without abstention)
    strategy: str
    free: np.ndarray  # (d,) bool: dimensions the setter may change
    side: np.ndarray  # (d,) bool
    binary: np.ndarray  # (d,) bool: yes/no dimensions (the status quo's or the proposal's value)
    owner: np.ndarray  # (d,) row whose utility counts on each dimension (setter; payer on side)
    candidates: np.ndarray | None  # (C, d) level combinations for `ladder`, canonical order
    candidate_rank: np.ndarray | None  # (C,) rank of each candidate in the tie order
    uncertain: tuple[Any, ...]  # declared uncertain inputs, canonical order
    events: tuple[Any, ...]  # event arrays, canonical order (by event id)
    event_rows: tuple[int, ...]  # row of each event in the scenario's own list
    pressure: tuple[Any, ...]  # pressure items: (actor row, on salience?, strength, rows, dims)
    influence: np.ndarray | None  # (L, N) Friedkin-Johnsen weights of the listeners
    listeners: np.ndarray | None  # (L,) member rows that listen to someone
    susceptibility: np.ndarray | None  # (L, 1): 1 - stubbornness
    max_rounds: int
    dim_rank: np.ndarray  # (d,) rank of each dimension id in alphabetical order
    actor_rank: np.ndarray  # (M,) rank of each member id in alphabetical order
    private: bool  # the setter knows only the distributions of members' uncertain inputs
    prior: np.ndarray | None  # (K, F) the setter's sample of the prior, under private
    type_order: np.ndarray  # (M, K) each member's fixed order of types (seeded by its id)
    veto: np.ndarray  # (M,) bool: members whose objection alone blocks under a voting rule
    convex: bool  # every exponent >= 1: each member's acceptance set is convex
    types: SetterTypes | None  # under private information, the setter's types
    failure_cost: np.ndarray  # (max_rounds + 1, N): cost of failing at round t's meeting
    postponement: float  # the setter's value of postponing, a share of the proposal's gain
    reversion: np.ndarray  # (M, d) each member's outside option, else the status quo
    no_deal: np.ndarray  # (d,) the setter's reversion point: its outside option or q
    outside: bool  # some member's reversion point differs from the status quo
    paying: bool  # some side dimension may move: the setter may make side payments
    payers: tuple[np.ndarray, ...]  # per dimension, the rows who may pay on it (by id)
    choosing: np.ndarray  # free side dimensions with several who may pay on them
    rivals: np.ndarray  # (V, d) rival proposals' texts, in order of their ids
    rival_round: np.ndarray  # (V,) the round each rival is tabled

    @property
    def n_uniforms(self) -> int:
        """Uniforms each run draws: one per uncertain input, one per event drawn once,
        and one per event drawn each round, per round."""
        per_run = sum(1 for e in self.events if not e[1])
        per_round = sum(1 for e in self.events if e[1])
        return len(self.uncertain) + per_run + self.max_rounds * per_round


def setup(scenario: Scenario) -> Setup:
    """The shared part of every run of ``scenario`` (see :class:`Setup`)."""
    from .rules import blocking_cost_scaled, counts_more_than_objections, rule_function
    from .scenario import UnanimityRule

    a = scenario.arrays
    m = a.n_members
    side_payments = scenario.proposal.side_payments and bool(a.side.any())
    free = ~a.side | side_payments
    owner = np.where(a.side, a.payer, a.setter)
    dim_ids = np.array(a.dimension_ids)
    dim_rank = np.argsort(np.argsort(dim_ids, kind="stable"), kind="stable")
    member_ids = np.array(a.member_ids)
    actor_rank = np.argsort(np.argsort(member_ids, kind="stable"), kind="stable")
    candidates = rank = None
    if scenario.proposal.concession == "ladder":
        candidates, rank = _level_grid(scenario)
    order = sorted(range(len(scenario.events)), key=lambda j: scenario.events[j].id)
    influence = listeners = susceptibility = None
    if a.influence is not None:
        listening = (a.influence[:, :m] != np.eye(m)).any(axis=1)
        listening |= (a.influence[:, m:] > 0).any(axis=1)
        listeners = np.flatnonzero(listening)
        influence = a.influence[listeners]
        susceptibility = (1.0 - a.stubbornness[listeners])[:, None]
    rule = scenario.rule
    common = a.common_gamma
    uncertain = tuple(scenario.uncertain)
    private = scenario.information == "private" and any(x.row < m for x in uncertain)
    prior = None
    if private:
        from .uncertainty import hypotheses

        prior = hypotheses(uncertain, HYPOTHESES)
    return Setup(
        scenario=scenario, n_members=m, setter=a.setter,
        status_quo=a.status_quo, proposal=a.proposal,
        position=a.position, salience=a.salience,
        tolerance=a.tolerance[:m], blocking_cost=a.blocking_cost[:m], gamma=a.gamma,
        member_gamma=common if common is not None else a.gamma[:m],
        rule=rule_function(scenario), vote=counts_more_than_objections(scenario),
        scaled=blocking_cost_scaled(scenario),
        need_support=isinstance(rule, UnanimityRule) and not rule.constructive_abstention,
        strategy=scenario.proposal.concession, free=free, side=a.side, binary=a.binary,
        owner=owner,
        candidates=candidates, candidate_rank=rank,
        uncertain=uncertain,
        events=tuple(a.events[j] for j in order), event_rows=tuple(order),
        pressure=a.pressure, influence=influence, listeners=listeners,
        susceptibility=susceptibility, max_rounds=scenario.max_rounds,
        dim_rank=dim_rank, actor_rank=actor_rank, private=private, prior=prior,
        type_order=np.array([np.random.default_rng(_id_seed(i)).permutation(HYPOTHESES)
                             for i in a.member_ids], dtype=np.intp).reshape(m, HYPOTHESES),
        veto=_veto_holders(scenario),
        convex=bool(np.all(a.gamma >= 1.0)),
        types=SetterTypes.of(a, uncertain, prior, a.setter) if private else None,
        failure_cost=np.vstack([a.failure_cost, np.zeros((1, len(a.actor_ids)))]),
        postponement=scenario.proposal.postponement,
        reversion=a.reversion[:m], no_deal=a.reversion[a.setter],
        outside=bool(np.any(a.reversion[:m] != a.status_quo)),
        paying=bool(np.any(a.side & free)),
        payers=a.payers,
        choosing=np.flatnonzero(a.side & free & np.array([len(p) > 1 for p in a.payers],
                                                          dtype=bool)),
        rivals=a.rivals, rival_round=a.rival_round,
    )


@dataclass(frozen=True, eq=False)
class SetterTypes:
    """The setter's K types of each member before round 1, shared by every run: the
    member's stated values with its uncertain inputs at one row of the setter's sample
    of the prior (``prior``, K rows). A field no member holds uncertain has a single
    "type" (K' = 1): the setter knows it. The setter's own draws it knows too (see
    :func:`_prior_beliefs`).

    Attributes:
        position, salience: (K', M, d).
        tolerance, blocking_cost: (K', M).
        low, high: per field, the least and greatest value over the types, (M, d).
        own: the uncertain inputs (index, input) of a member that sets the agenda.
    """

    position: np.ndarray
    salience: np.ndarray
    tolerance: np.ndarray
    blocking_cost: np.ndarray
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    own: tuple[Any, ...]

    @classmethod
    def of(cls, a: Any, uncertain: tuple[Any, ...], prior: np.ndarray, setter: int
           ) -> SetterTypes:
        m, k = a.n_members, len(prior)
        stated = {"position": a.position[:m], "salience": a.salience[:m],
                  "tolerance": a.tolerance[:m], "blocking_cost": a.blocking_cost[:m]}
        held = [(j, x) for j, x in enumerate(uncertain) if x.row < m and x.row != setter]
        tables = {}
        for field, value in stated.items():
            mine = [(j, x) for j, x in held if x.field == field]
            table = np.repeat(value[None], k if mine else 1, axis=0)
            for j, x in mine:
                table[(slice(None), x.row, x.dim) if x.dim >= 0 else (slice(None), x.row)] = \
                    prior[:, j]
            tables[field] = table
        spans = ("position", "salience")
        return cls(**tables, low={f: tables[f].min(axis=0) for f in spans},
                   high={f: tables[f].max(axis=0) for f in spans},
                   own=tuple((j, x) for j, x in enumerate(uncertain)
                             if x.row < m and x.row == setter))


def _veto_holders(scenario: Scenario) -> np.ndarray:
    """Members whose objection alone blocks under a rule that counts more than
    objections: the veto holders of a veto majority; every member under unanimity
    with constructive abstention."""
    from .scenario import UnanimityRule

    ids = np.array(scenario.arrays.member_ids)
    if isinstance(scenario.rule, UnanimityRule):
        rule = scenario.rule
        return np.full(ids.size, rule.constructive_abstention
                       and rule.abstainers_stop_at is not None)
    return np.isin(ids, list(getattr(scenario.rule, "veto", ())))


def _id_seed(text: str) -> int:
    """A seed from an id alone (not from its place in the file)."""
    import hashlib

    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


@dataclass(eq=False)
class State:
    """The live state of a batch of runs (one row per run still negotiating).

    Attributes:
        run: each row's run index.
        position, salience: every actor's current preferences, (R, N, d).
        anchor: members' own views before persuasion, (R, M, d), or None without it.
        tolerance, blocking_cost: (R, M).
        proposal: the text on the table, (R, d).
        fires: round at which each per-run event fires (0: never), (R, E_run).
        event_draws: per-round event uniforms, (R, max_rounds, E_round).
        drawn: the values of the uncertain inputs, (R, F).
        position_map, salience_map: under private information, how the public
            changes so far (pressure, events) have moved the setter's types
            (:class:`SetterTypes`): type value = clip(a * stated + b, lo, hi), with
            the coefficients (a, b, lo, hi) stacked first, (4, R, M, d); None
            otherwise. See :func:`type_values`.
        belief_tolerance, belief_blocking_cost: the setter's types' values, types
            first, (K', R, M).
        belief: the setter's (unnormalised) weight of each type, (K, R, M): what
            counts is each type's share of its member's total (:func:`belief_shares`).
        blocked_texts: under private information, the texts blocked so far, (R,
            max_rounds, d), NaN where none yet.
    """

    run: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    anchor: np.ndarray | None
    tolerance: np.ndarray
    blocking_cost: np.ndarray
    proposal: np.ndarray
    fires: np.ndarray
    event_draws: np.ndarray
    drawn: np.ndarray
    blocked_texts: np.ndarray | None = None
    position_map: np.ndarray | None = None
    salience_map: np.ndarray | None = None
    belief_tolerance: np.ndarray | None = None
    belief_blocking_cost: np.ndarray | None = None
    belief: np.ndarray | None = None
    type_box: _TypeBox | None = None  # the range of the setter's types, once computed
    owner: np.ndarray | None = None  # (R, d) payer rows, where several may pay
    vote_round: int = 1  # the round whose vote is weighed (all live runs are in step)
    meeting_cost: np.ndarray | float = 0.0  # (M,) members' cost of failing at its meeting

    def keep(self, rows: np.ndarray) -> State:
        """The state of the runs at ``rows`` only (indices or a boolean mask)."""
        kept = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "type_box":
                value = None if value is None else value.keep(rows)
            elif f.name in ("vote_round", "meeting_cost"):
                pass  # the same for every run
            elif value is not None:
                value = value[:, rows] if f.name in RUNS_SECOND else value[rows]
            kept[f.name] = value
        return State(**kept)


#: The State fields whose second axis is the run (the first: types, or coefficients).
RUNS_SECOND = frozenset({"position_map", "salience_map", "belief_tolerance",
                         "belief_blocking_cost", "belief"})


def initial_state(s: Setup, uniforms: np.ndarray, runs: np.ndarray) -> State:
    """The state before round 1 of the runs ``runs``, from their uniforms (R, U)."""
    from .uncertainty import apply, quantiles_by_family

    r = len(runs)
    f = len(s.uncertain)
    position = np.repeat(s.position[None], r, axis=0)
    salience = np.repeat(s.salience[None], r, axis=0)
    tolerance = np.repeat(s.tolerance[None], r, axis=0)
    blocking_cost = np.repeat(s.blocking_cost[None], r, axis=0)
    drawn = np.empty((r, f))
    if f:
        drawn = quantiles_by_family(s.uncertain, uniforms[:, :f])
        apply(drawn, s.uncertain, position, salience, tolerance, blocking_cost)
    once = [e for e in s.events if not e[1]]
    each = [e for e in s.events if e[1]]
    u_once = uniforms[:, f:f + len(once)]
    fires = np.zeros((r, len(once)), dtype=np.int16)
    for j, e in enumerate(once):
        fires[:, j] = np.where(u_once[:, j] < e[0], e[2], 0)
    event_draws = uniforms[:, f + len(once):].reshape(r, s.max_rounds, len(each))
    anchor = position[:, : s.n_members].copy() if s.influence is not None else None
    state = State(run=np.asarray(runs), position=position, salience=salience, anchor=anchor,
                  tolerance=tolerance, blocking_cost=blocking_cost,
                  proposal=np.repeat(s.proposal[None], r, axis=0), fires=fires,
                  event_draws=event_draws, drawn=drawn)
    if s.choosing.size:
        state.owner = np.repeat(s.owner[None], r, axis=0)
    if s.private:
        _prior_beliefs(s, state)
    return state


def _prior_beliefs(s: Setup, state: State) -> None:
    """The setter's belief before round 1: each member is one of K types
    (:class:`SetterTypes`), equally likely, not yet moved by any public change. What
    is certain the setter knows, and so are its own draws (when it is a member) and
    those of actors that press."""
    types = s.types
    r = len(state.run)
    m, d = s.n_members, s.status_quo.size
    maps = {}
    for field in ("position", "salience"):
        # a = 1, b = 0 within [0, 1]: the stated (or sampled) value itself
        maps[field] = np.empty((4, r, m, d))
        maps[field][:] = np.array([1.0, 0.0, 0.0, 1.0])[:, None, None, None]
    scalars = {"tolerance": types.tolerance, "blocking_cost": types.blocking_cost}
    scalar_types = {f: np.repeat(v[:, None], r, axis=1) for f, v in scalars.items()}
    truth = {"position": state.position, "salience": state.salience,
             "tolerance": state.tolerance, "blocking_cost": state.blocking_cost}
    for _, x in types.own:  # the setter's own draws: a = 0, b = the value drawn
        if x.field in maps:
            maps[x.field][0, :, x.row, x.dim] = 0.0
            maps[x.field][1, :, x.row, x.dim] = truth[x.field][:, x.row, x.dim]
        else:
            scalar_types[x.field][:, :, x.row] = truth[x.field][None, :, x.row]
    state.position_map, state.salience_map = maps["position"], maps["salience"]
    state.belief_tolerance = scalar_types["tolerance"]
    state.belief_blocking_cost = scalar_types["blocking_cost"]
    state.belief = np.ones((HYPOTHESES, r, m))
    state.blocked_texts = np.full((r, s.max_rounds, d), np.nan)


def type_values(s: Setup, state: State, field: str, j: int,
                cols: np.ndarray | slice = slice(None)) -> np.ndarray:
    """The setter's types' current ``field`` (position or salience) on dimension ``j``,
    for the members ``cols``: (K', R, M')."""
    base = (s.types.position if field == "position" else s.types.salience)[:, cols, j]
    a, b, lo, hi = (state.position_map if field == "position" else state.salience_map)[
        :, :, cols, j]
    value = base[:, None] * a
    value += b
    if _TypeBox.of(s, state).clips[field]:
        np.clip(value, lo, hi, out=value)
    return value


def _move_types(coefficients: np.ndarray, g: np.ndarray | float, c: np.ndarray | float
                ) -> np.ndarray:
    """Compose type maps (4, ...) with the public change v -> clip(g v + c, 0, 1).

    With v = clip(a x + b, lo, hi): g v + c = clip(g a x + g b + c, g lo + c, g hi + c)
    for g >= 0 (for g < 0 the two bounds swap), and clipping that to [0, 1] clips its
    bounds to [0, 1]."""
    a, b, lo, hi = coefficients
    ends = (g * lo + c, g * hi + c)
    rising = np.asarray(g) >= 0
    new_lo = np.where(rising, ends[0], ends[1])
    new_hi = np.where(rising, ends[1], ends[0])
    return np.stack([g * a, g * b + c, np.clip(new_lo, 0.0, 1.0), np.clip(new_hi, 0.0, 1.0)])


def belief_shares(state: State) -> np.ndarray:
    """The setter's probability of each type of each member, (K, R, M), summing to 1
    over the types."""
    return state.belief / state.belief.sum(axis=0)


def weigh_vote_of(s: Setup, state: State, round_: int) -> None:
    """Make the vote of ``round_`` the one weighed: members who object at a meeting
    pay its failure cost as part of their blocking cost (:func:`blocking_costs`)."""
    state.vote_round = round_
    state.meeting_cost = s.failure_cost[min(round_, s.max_rounds + 1) - 1, : s.n_members]


def blocking_costs(state: State) -> np.ndarray:
    """Each member's blocking cost in the vote weighed (R, M): its own, plus what
    failing at that round's meeting costs it."""
    return state.blocking_cost + state.meeting_cost


def remember_blocked(state: State, round_: int, rows: np.ndarray | slice = slice(None)) -> None:
    """Note that the text on the table was blocked in ``round_`` (private information:
    the setter never tables a blocked text again)."""
    if state.blocked_texts is not None:
        state.blocked_texts[rows, round_ - 1] = state.proposal[rows]


# ----------------------------------------------------------------- a round, step by step


def fire_events(s: Setup, state: State, round_: int) -> np.ndarray:
    """Apply the events that fire this round; returns which fired, (R, E) bool in the
    canonical event order (by id).

    A firing event adds its ``change`` to its targets' salience (or position) on its
    dimensions, clipped to [0, 1]; a change of position moves the member's own view
    (the persuasion anchor) too. An event on tolerance or blocking cost adds its
    ``change`` to the member's, kept at least 0. Events are public: the setter's
    types move alike.
    """
    r = len(state.run)
    fired = np.zeros((r, len(s.events)), dtype=bool)
    once = each = 0
    for j, (probability, per_round, _, field, change, ix, _) in enumerate(s.events):
        if per_round:
            fired[:, j] = state.event_draws[:, round_ - 1, each] < probability
            each += 1
        else:
            fired[:, j] = state.fires[:, once] == round_
            once += 1
        hit = np.flatnonzero(fired[:, j])
        if not hit.size:
            continue
        if field in ("tolerance", "blocking_cost"):
            _move_costs(state, field, hit, ix[0].ravel(), change)
            continue
        rows, dims = _as_slice(ix[0].ravel()), _as_slice(ix[1].ravel())
        if isinstance(rows, slice) and isinstance(dims, slice):
            index = (hit, rows, dims)
        else:
            index = np.ix_(hit, np.arange(len(state.position[0]))[rows],
                           np.arange(state.position.shape[2])[dims])
        arrays = [state.salience if field == "salience" else state.position]
        if field == "position" and state.anchor is not None:
            arrays.append(state.anchor)
        for target in arrays:
            target[index] = np.clip(target[index] + change, 0.0, 1.0)
        if state.belief is not None:
            state.type_box = None
            maps = state.salience_map if field == "salience" else state.position_map
            at = (slice(None), *index)
            maps[at] = _move_types(maps[at], 1.0, change)
    return fired


def _move_costs(state: State, field: str, hit: np.ndarray, rows: np.ndarray,
                change: float) -> None:
    """An event on the members' tolerance or blocking cost: add ``change``, keep >= 0
    (for the members and, under private information, for every one of their types)."""
    at = np.ix_(hit, rows)
    target = getattr(state, field)  # (R, M)
    target[at] = np.maximum(target[at] + change, 0.0)
    types = getattr(state, f"belief_{field}")
    if types is not None:  # (K', R, M)
        state.type_box = None
        at = (slice(None), *at)
        types[at] = np.maximum(types[at] + change, 0.0)


def pressure_delta(s: Setup, state: State, item: int) -> tuple[bool, Any, np.ndarray]:
    """What pressure item ``item`` does this round, from the state at the round's start.

    ``affects: position`` pulls each target's ideal point a fraction ``strength`` of the
    way toward the pressing actor's; ``affects: salience`` raises each target's salience
    by the factor ``1 + strength`` (capped at 1, applied after all items add up).

    Returns:
        Whether it acts on salience, the index it acts on, and the change to add there.
    """
    row, on_salience, strength, ix, _ = s.pressure[item]
    rows, dims = ix[0].ravel(), ix[1].ravel()
    index = (slice(None), rows[:, None], dims[None, :])
    if on_salience:
        return True, index, strength * state.salience[index]
    own = state.position[:, row, dims][:, None, :]
    return False, index, strength * (own - state.position[index])


def press(s: Setup, state: State) -> None:
    """All pressure items at once: each computed from the state at the round's start
    (:func:`pressure_delta`), then added in the scenario's order."""
    apply_pressure(s, state, [pressure_delta(s, state, i) for i in range(len(s.pressure))])


def apply_pressure(s: Setup, state: State, deltas: list[tuple[bool, Any, np.ndarray]]) -> None:
    """Add pressure changes (from :func:`pressure_delta`) in order; saliences are then
    capped at 1. A pull on a position moves the member's own view (the persuasion
    anchor) too."""
    if state.belief is not None:
        _press_beliefs(s, state)
    salience_hit = False
    for on_salience, index, delta in deltas:
        if on_salience:
            state.salience[index] += delta
            salience_hit = True
        else:
            state.position[index] += delta
            if state.anchor is not None:
                state.anchor[index] += delta
    if salience_hit:
        np.minimum(state.salience, 1.0, out=state.salience)
    # pulls from several actors add up; a position stays on the scale
    np.clip(state.position, 0.0, 1.0, out=state.position)
    if state.anchor is not None:
        np.clip(state.anchor, 0.0, 1.0, out=state.anchor)


def _press_beliefs(s: Setup, state: State) -> None:
    """Pressure is public: the setter moves each of its types of a member as
    :func:`pressure_delta` moves the member (from the state at the round's start).

    All items together take a position p to p + sum_i strength_i (own_i - p) and a
    salience s to s (1 + sum_i strength_i), each kept in [0, 1]: one affine change per
    member and dimension (:func:`_move_types`)."""
    state.type_box = None
    shape = state.position_map.shape[1:]  # (R, M, d)
    pull = toward = raise_ = None
    for row, on_salience, strength, ix, _ in s.pressure:
        rows, dims = ix[0].ravel(), ix[1].ravel()
        at = (slice(None), rows[:, None], dims[None, :])
        if on_salience:
            raise_ = np.zeros(shape) if raise_ is None else raise_
            raise_[at] += strength
        else:
            if pull is None:
                pull, toward = np.zeros(shape), np.zeros(shape)
            pull[at] += strength
            toward[at] += strength * state.position[:, row, dims][:, None, :]
    if pull is not None:
        state.position_map = _move_types(state.position_map, 1.0 - pull, toward)
    if raise_ is not None:
        state.salience_map = _move_types(state.salience_map, 1.0 + raise_, 0.0)


def _as_slice(index: np.ndarray) -> np.ndarray | slice:
    """A run of consecutive indices as a slice (indexing by a slice copies nothing)."""
    if index.size and np.array_equal(index, np.arange(index[0], index[0] + index.size)):
        return slice(int(index[0]), int(index[0]) + index.size)
    return index


#: Persuasion multiplies the listening weights by the positions of this many runs at a
#: time (the last block padded), in one thread: the same arithmetic for a run whatever
#: the batch, the process or the machine's thread count, so every driver and executor
#: gives the same bits.
PERSUASION_BLOCK = 16


def persuade(s: Setup, state: State) -> None:
    """Friedkin-Johnsen: each member that listens to others moves to
    (1 - a_i) * sum_j W_ij p_j + a_i * own_i, where a_i is its stubbornness, W its
    capability-weighted listening weights, and own_i its own view: its initial
    position as moved by pressure and events (the anchor is taken after pressure,
    so persuasion never undoes it)."""
    if s.influence is None:
        return
    r, n, d = state.position.shape
    heard = np.empty((r, len(s.listeners), d))
    block = np.zeros((n, PERSUASION_BLOCK * d))
    with _one_blas_thread():
        for start in range(0, r, PERSUASION_BLOCK):
            runs = min(PERSUASION_BLOCK, r - start)
            block[:, : runs * d] = state.position[start:start + runs].transpose(1, 0, 2).reshape(
                n, runs * d)
            block[:, runs * d:] = 0.0
            product = s.influence @ block  # (L, block * d)
            heard[start:start + runs] = product[:, : runs * d].reshape(-1, runs, d).transpose(
                1, 0, 2)
    own = state.anchor[:, s.listeners]
    state.position[:, s.listeners] = s.susceptibility * heard + (1.0 - s.susceptibility) * own


_blas: Any = None


def _one_blas_thread():
    """A context in which BLAS runs one thread (threadpoolctl)."""
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas")


def losses(s: Setup, state: State, x: np.ndarray) -> np.ndarray:
    """Each member's loss from ``x`` against its reversion point (its outside option,
    else the status quo), U_i(o_i) - U_i(x), (R, M)."""
    m = s.n_members
    pos, sal = state.position[:, :m], state.salience[:, :m]
    return at_reversion(s, pos, sal) - utilities(pos, sal, s.member_gamma, x)


def allowed_loss(s: Setup, state: State) -> np.ndarray:
    """The loss each member accepts without blocking when nobody else objects:
    tolerance plus its whole blocking cost (0 where the rule needs its yes)."""
    if s.need_support:
        return np.zeros_like(state.tolerance)
    return state.tolerance + blocking_costs(state)


# ----------------------------------------------------------------- the setter


def objective(s: Setup, state: State, x: np.ndarray) -> np.ndarray:
    """What the agenda setter maximises: its own utility on the scope dimensions,
    plus each payer's utility on the side dimensions it would pay on (a side payment
    costs its payer). ``x`` has shape (R, ..., d); returns (R, ...)."""
    r = len(state.run)
    owner = owners(s, state)  # (R, d)
    at = (np.arange(r)[:, None], owner, np.arange(owner.shape[1])[None, :])
    pos, sal = state.position[at], state.salience[at]  # (R, d): the owner of each dimension
    g = s.gamma[owner]
    extra = (1,) * (x.ndim - 2)
    distance = np.abs(x - pos.reshape(r, *extra, -1))
    if np.all(g == 2.0):
        distance *= distance
    elif not np.all(g == 1.0):
        distance **= g.reshape(r, *extra, -1)
    return -(distance * sal.reshape(r, *extra, -1)).sum(axis=-1)


def owners(s: Setup, state: State) -> np.ndarray:
    """The row whose utility counts on each dimension, per run (R, d): the setter on a
    scope dimension, the payer on a side dimension."""
    if state.owner is not None:
        return state.owner
    return np.broadcast_to(s.owner, (len(state.run), s.owner.size))


def predicted_adoption(s: Setup, state: State, texts: np.ndarray) -> np.ndarray:
    """Whether each of the texts (R, C, d) would pass this round's vote, given the
    members' current preferences: the response game's equilibrium, then the rule.

    Returns:
        (R, C) bool.
    """
    r, c, d = texts.shape
    m = s.n_members
    out = np.empty((r, c), dtype=bool)
    step = max(1, _BLOCK // max(1, r * m * d))
    pos, sal = state.position[:, None, :m], state.salience[:, None, :m]
    at_q = at_reversion(s, state.position[:, :m], state.salience[:, :m])[:, None]
    # Under a rule every member must accept (consensus, silence, unanimity), nobody
    # objects in the least equilibrium exactly when every member accepts the text as a
    # lone objector would: that shortcut gives the same answer as the game.
    allowed = None if s.vote else (allowed_loss(s, state) + INDIFFERENCE)[:, None]
    for start in range(0, c, step):
        block = texts[:, start:start + step]
        loss = at_q - utilities(pos, sal, s.member_gamma, block)
        if allowed is not None:
            out[:, start:start + step] = np.all(loss <= allowed, axis=-1)
            continue
        codes, _ = respond(loss, state.tolerance[:, None], blocking_costs(state)[:, None],
                           s.scaled)
        out[:, start:start + step] = s.rule(codes).adopted
    return out


def choose(s: Setup, state: State, texts: np.ndarray, passes: np.ndarray,
           value: np.ndarray, rank: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The setter's pick among candidate texts (R, C, d): the passing text it values
    most. Ties (within :data:`INDIFFERENCE`) go to the text nearest the one on the
    table, then to the first in the tie order ``rank`` (lexicographic in alphabetical
    order of dimension ids), so that no result depends on the order of a file.

    Returns:
        The chosen text (R, d) and its value (R,); -inf where no candidate passes.
    """
    if s.paying:
        passes = passes & ~_takes_back(s, state, texts)
    value = np.where(passes, value, -np.inf)
    best = value.max(axis=1)
    tied = value >= best[:, None] - INDIFFERENCE
    distance = np.where(tied, np.square(texts - state.proposal[:, None]).sum(axis=-1), np.inf)
    tied &= distance <= distance.min(axis=1, keepdims=True) + 1e-15
    if rank is None:  # the smallest text, in alphabetical order of dimension ids
        for k in np.argsort(s.dim_rank):
            value_k = np.where(tied, texts[..., k], np.inf)
            tied &= value_k <= value_k.min(axis=1, keepdims=True)
        rank = np.arange(texts.shape[1])
    order = np.broadcast_to(rank, tied.shape)
    pick = np.where(tied, order, np.iinfo(np.intp).max).argmin(axis=1)
    rows = np.arange(len(pick))
    return texts[rows, pick], best


def paid_bounds(s: Setup, state: State) -> tuple[np.ndarray, np.ndarray]:
    """The box (R, d) of texts that take back no payment: a side dimension already
    moved off the status quo may only move further the same way (each move is a
    payment; one never takes back another's). Other dimensions span [0, 1]."""
    x, q = state.proposal, s.status_quo
    lower = np.where(s.side & (x > q), x, 0.0)
    upper = np.where(s.side & (x < q), x, 1.0)
    return lower, upper


def _takes_back(s: Setup, state: State, texts: np.ndarray) -> np.ndarray:
    """Whether each text (R, C, d) moves a side dimension back toward the status quo,
    taking back a payment made in an earlier round, (R, C)."""
    lower, upper = paid_bounds(s, state)
    return np.any((texts < lower[:, None]) | (texts > upper[:, None]), axis=-1)


def grid_texts(s: Setup, state: State) -> np.ndarray:
    """Every combination of labelled levels (an 11-point grid where a dimension has
    none), the dimensions the setter may not change held at the text on the table
    (R, C, d). The candidates of ``ladder``, and of any strategy where some exponent is
    below 1 (acceptance sets are then not convex)."""
    r = len(state.run)
    texts = np.repeat(_grid(s)[None], r, axis=0)
    fixed = ~s.free
    if fixed.any():
        texts[:, :, fixed] = state.proposal[:, None, fixed]
    return texts


def _grid(s: Setup) -> np.ndarray:
    return s.candidates if s.candidates is not None else _level_grid(s.scenario)[0]


def _grid_rank(s: Setup) -> np.ndarray:
    return s.candidate_rank if s.candidates is not None else _level_grid(s.scenario)[1]


def _level_grid(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Level combinations and their tie order (lexicographic in alphabetical order of
    dimension ids)."""
    a = scenario.arrays
    d = a.status_quo.size
    grids = [np.unique([a.status_quo[k], a.proposal[k]]) if a.binary[k] else
             lv if lv.size else DEFAULT_GRID for k, lv in enumerate(a.levels)]
    candidates = np.array(list(itertools.product(*grids)), dtype=float).reshape(-1, d)
    dim_ids = np.array(a.dimension_ids)
    order = np.lexsort(candidates[:, np.argsort(dim_ids)][:, ::-1].T)
    rank = np.empty(len(candidates), dtype=np.intp)
    rank[order] = np.arange(len(candidates))
    return candidates, rank


class _Line:
    """Members' acceptance on the one free dimension ``k``, the others held at the text
    on the table: member i accepts x_k when s_ik |x_k - p_ik|^g <= budget, that is its
    loss at the status quo, plus what it allows, less what the fixed dimensions
    already cost it; the texts it accepts form an interval around its ideal."""

    def __init__(self, s: Setup, state: State, k: int) -> None:
        m = s.n_members
        x = state.proposal
        self.k = k
        self.position, self.salience = state.position[:, :m, k], state.salience[:, :m, k]
        pos, sal = state.position[:, :m], state.salience[:, :m]
        g = s.member_gamma if np.ndim(s.member_gamma) == 0 else s.member_gamma[None, :]
        self.gamma = g
        at_q = -at_reversion(s, pos, sal)
        fixed = np.abs(pos - x[:, None, :])
        fixed = (fixed ** g[..., None] if np.ndim(g) else fixed ** g) * sal
        self.base = at_q - (fixed.sum(axis=-1) - fixed[..., k])  # (R, M)

    def interval(self, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each member's interval (R, M) for the loss it allows; NaN where it accepts no
        text on the line (its fixed dimensions alone cost more)."""
        budget = self.base + allowed
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            reach = np.where(self.salience > 0,
                             (np.maximum(budget, 0.0) / self.salience) ** (1.0 / self.gamma),
                             np.inf)
        reach = np.where(budget < 0, np.nan, reach)
        return self.position - reach, self.position + reach


def interval_texts(s: Setup, state: State, free_dim: int) -> np.ndarray:
    """Candidate texts on one free dimension: the setter's ideal, and both ends of every
    member's interval of texts it supports and of texts it does not object to
    (alone). In one dimension the best passing text is always one of them (R, C, d).
    """
    m = s.n_members
    k = free_dim
    x = state.proposal
    line = _Line(s, state, k)
    ends = [objective_ideal(s, state)[:, None]]
    cost = blocking_costs(state)
    thresholds = [np.zeros_like(state.tolerance), state.tolerance + cost,
                  state.tolerance]
    if s.veto.any() and s.scaled and m > 1:  # a veto holder's threshold at every share
        thresholds += [np.where(s.veto, state.tolerance + cost * j / (m - 1),
                                np.nan) for j in range(1, m - 1)]
    for allowed in thresholds:
        ends += list(line.interval(allowed))
    values = np.clip(np.concatenate(ends, axis=1), 0.0, 1.0)
    values = np.where(np.isnan(values), s.status_quo[k], values)
    texts = np.repeat(x[:, None, :], values.shape[1], axis=1)
    texts[:, :, k] = values
    return texts


def _line_best(s: Setup, state: State, k: int, members: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Under a rule every member must accept, on one free dimension: the setter's ideal
    clipped to the intersection of the members' intervals (closed form). With
    ``members`` (R, M) bool, only those members' intervals count. Returns the text
    (R, d) and the setter's value (R,), -inf where no text passes."""
    lo, hi = _Line(s, state, k).interval(allowed_loss(s, state))
    if members is not None:
        lo, hi = np.where(members, lo, -np.inf), np.where(members, hi, np.inf)
    floor, ceiling = (0.0, 1.0)
    if s.paying:
        bounds = paid_bounds(s, state)
        floor, ceiling = bounds[0][:, k], bounds[1][:, k]
    low = np.clip(lo.max(axis=1), floor, ceiling)  # NaN (no acceptable text) propagates
    high = np.clip(hi.min(axis=1), floor, ceiling)
    r = len(state.run)
    owner = s.owner[k]
    cares = state.salience[np.arange(r), owner, k] > 0
    target = np.where(cares, objective_ideal(s, state), state.proposal[:, k])
    text = state.proposal.copy()
    text[:, k] = np.clip(target, low, high)
    value = objective(s, state, text)
    return text, np.where(np.isnan(low) | np.isnan(high) | (low > high), -np.inf, value)


def objective_ideal(s: Setup, state: State) -> np.ndarray:
    """The setter's unconstrained best value on the single free dimension (R,)."""
    k = int(np.flatnonzero(s.free)[0])
    return np.clip(state.position[:, s.owner[k], k], 0.0, 1.0)


def best_passing_text(s: Setup, state: State) -> tuple[np.ndarray, np.ndarray]:
    """The text the setter likes best among those that would pass: its problem solved
    exactly. Returns the text (R, d) and the setter's value of it (R,).

    - ``ladder``: every combination of labelled levels is a candidate (an 11-point
      grid where a dimension has none); the text now on the table is not.
    - one free dimension: the best passing text is the setter's ideal or an end of
      some member's acceptance interval; all are candidates (exact).
    - several free dimensions under a rule every member must accept (consensus,
      silence, unanimity): a convex problem, solved by :func:`.optimum.best_text`.
    - several free dimensions under a voting rule: the setter keeps the members
      cheapest for it to win, adding them one by one until the rule passes, then
      solves the convex problem for that coalition (a heuristic; documented).
    """
    free = np.flatnonzero(s.free)
    if s.candidates is None and np.any(s.free & s.binary):
        return _with_binary(s, state, best_passing_text)
    if s.candidates is not None or (free.size > 1 and not s.convex):
        texts = grid_texts(s, state)
        same = np.all(np.abs(texts - state.proposal[:, None]) < 1e-12, axis=-1)
        if s.candidates is None:
            same[:] = False  # a grid search, not a ladder: the text on the table may stay
        passes = predicted_adoption(s, state, texts) & ~same
        return choose(s, state, texts, passes, objective(s, state, texts), _grid_rank(s))
    if free.size == 1 and not s.vote:
        return _line_best(s, state, int(free[0]))
    if free.size == 1:
        texts = interval_texts(s, state, int(free[0]))
        passes = predicted_adoption(s, state, texts)
        return choose(s, state, texts, passes, objective(s, state, texts))
    return _convex_best(s, state)


@functools.lru_cache(maxsize=16)
def _held(s: Setup) -> Setup:
    """``s`` with its yes/no dimensions held where the text on the table has them."""
    return replace(s, free=s.free & ~s.binary)


def _binary_values(s: Setup) -> tuple[np.ndarray, list[tuple[float, ...]]]:
    """The free yes/no dimensions and every combination of their two values (the
    status quo's and the proposal's)."""
    dims = np.flatnonzero(s.free & s.binary)
    values = [tuple(np.unique([s.status_quo[k], s.proposal[k]]).tolist()) for k in dims]
    return dims, list(itertools.product(*values))


def _with_binary(s: Setup, state: State, solve: Any) -> tuple[np.ndarray, np.ndarray]:
    """The setter's problem with yes/no dimensions: for every combination of their two
    values, the best text with them held there (``solve`` over the other free
    dimensions); the best of those (ties as in :func:`choose`). Exact when ``solve``
    is."""
    dims, combinations = _binary_values(s)
    held = _held(s)
    texts, values = [], []
    for combination in combinations:
        proposal = state.proposal.copy()
        proposal[:, dims] = combination
        sub = replace(state, proposal=proposal)
        if np.any(held.free):
            text, value = solve(held, sub)
        else:
            text = proposal
            passes = predicted_adoption(held, sub, text[:, None])[:, 0]
            value = np.where(passes, objective(s, state, text), -np.inf)
        texts.append(text)
        values.append(value)
    texts_, values_ = np.stack(texts, axis=1), np.stack(values, axis=1)
    return choose(s, state, texts_, np.isfinite(values_), values_)


def _convex_best(s: Setup, state: State) -> tuple[np.ndarray, np.ndarray]:
    """Several free dimensions: one convex problem per run (see best_passing_text)."""
    r = len(state.run)
    m = s.n_members
    out = state.proposal.copy()
    found = np.ones(r, dtype=bool)
    floor, ceiling = paid_bounds(s, state)
    lower = np.where(s.free, floor, state.proposal)
    upper = np.where(s.free, ceiling, state.proposal)
    allowed = allowed_loss(s, state)
    at_o = -at_reversion(s, state.position[:, :m], state.salience[:, :m])
    for j in range(r):
        at_q = at_o[j]
        problem = _SetterProblem(s, state, j, lower[j], upper[j])
        if not s.vote:
            text = problem.solve(np.arange(m), at_q + allowed[j])
            out[j], found[j] = (state.proposal[j], False) if text is None else (text, True)
            continue
        # A voting rule: the coalition votes yes (its loss at most 0); under a veto rule
        # the veto holders outside it must not object. Grow the coalition, cheapest
        # member first, until its best text passes.
        found[j] = False
        one = state.keep([j])
        order = problem.cheapest_first(at_q)
        for n in range(1, m + 1):
            yes = np.zeros(m, dtype=bool)
            yes[order[:n]] = True
            members = np.flatnonzero(yes | s.veto)
            budget = np.where(yes, at_q, at_q + allowed[j])
            text = problem.solve(members, budget[members])
            if text is not None and predicted_adoption(s, one, text[None, None])[0, 0]:
                out[j], found[j] = text, True
                break
    return out, np.where(found, objective(s, state, out), -np.inf)


def _negligible(salience: np.ndarray) -> np.ndarray:
    """Saliences below 1e-12 (whose effect on any utility is below INDIFFERENCE) as 0."""
    return np.where(salience < 1e-12, 0.0, salience)


class _SetterProblem:
    """The setter's convex problem in run ``j``: its objective, the box, and members'
    acceptance constraints (solved by :func:`.optimum.best_text`)."""

    def __init__(self, s: Setup, state: State, j: int, lower: np.ndarray,
                 upper: np.ndarray) -> None:
        m, d = s.n_members, s.status_quo.size
        self.s, self.j = s, j
        # Saliences too small to move a utility by INDIFFERENCE count as 0: they only
        # make the solver's arithmetic ill-conditioned.
        self.position, self.salience = state.position[j, :m], _negligible(state.salience[j, :m])
        self.gamma = np.broadcast_to(np.asarray(s.member_gamma, dtype=float), (m,))
        owner = owners(s, state)[j]
        self.ideal = state.position[j, owner, np.arange(d)]
        self.weight = _negligible(state.salience[j, owner, np.arange(d)])
        self.g0 = float(s.gamma[s.setter])
        self.lower, self.upper = np.minimum(lower, upper), np.maximum(lower, upper)
        self.feasible = np.where(s.free, s.status_quo, state.proposal[j])
        self.tie = state.proposal[j]

    def solve(self, members: np.ndarray, budget: np.ndarray) -> np.ndarray | None:
        """The setter's best text that ``members`` accept within ``budget``; None when
        they accept no text of the box (possible only with outside options or yes/no
        dimensions held away from the status quo)."""
        from .optimum import acceptable_text, best_text

        position, salience, gamma = (self.position[members], self.salience[members],
                                     self.gamma[members])
        start = acceptable_text(position, salience, gamma, budget, self.lower, self.upper,
                                self.feasible)
        if start is None:
            return None
        return best_text(self.ideal, self.weight, self.g0, position, salience, gamma,
                         budget, self.lower, self.upper, feasible_point=start,
                         tie_reference=self.tie)

    def value(self, x: np.ndarray) -> float:
        return -float((self.weight * np.abs(x - self.ideal) ** self.g0).sum())

    def cheapest_first(self, budget: np.ndarray) -> np.ndarray:
        """Members by the setter's value of the best text each alone accepts within
        ``budget``, best first (ties: member id)."""
        m = len(budget)
        texts = [self.solve(np.array([i]), budget[i:i + 1]) for i in range(m)]
        solo = np.array([-np.inf if x is None else self.value(x) for x in texts])
        return np.lexsort((self.s.actor_rank, -solo))


# ----------------------------------------------------------------- private information


def _column(a: np.ndarray, cols: np.ndarray | slice) -> np.ndarray:
    """Members ``cols`` of a types-first array (K', R, M, ...)."""
    return a[:, :, cols]


def _type_loss(s: Setup, state: State, x: np.ndarray,
               cols: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Each of the setter's types' loss from the text ``x`` (R, d), for the members
    ``cols``: (K, R, M').

    With quadratic utility (gamma 2 for every member) the loss
    sum_k s_k ((x_k - p_k)^2 - (q_k - p_k)^2) = sum_k s_k (x_k - q_k)(x_k + q_k - 2 p_k)
    takes three passes over the types per dimension on which x differs from q.
    """
    o = _reversion_rows(s, cols)  # (1, M' or 1, d)
    g = s.member_gamma
    quadratic = np.ndim(g) == 0 and g == 2.0
    g = g if np.ndim(g) == 0 else np.asarray(g)[cols]
    u = x[:, None, :] - o  # (R, M' or 1, d)
    uv = u * (x[:, None, :] + o)
    loss = 0.0
    for j in range(x.shape[1]):
        if not np.any(u[..., j]):
            continue
        p = type_values(s, state, "position", j, cols)  # (K', R, M')
        if quadratic:  # s (u v - 2 u p), in place
            term = np.multiply(p, 2.0 * u[None, ..., j], out=p)
            np.subtract(uv[None, ..., j], term, out=term)
        else:
            term = np.abs(x[None, :, None, j] - p) ** g - np.abs(o[None, ..., j] - p) ** g
        term = term * type_values(s, state, "salience", j, cols)
        loss = loss + term
    if np.ndim(loss) == 0:  # x is every member's reversion point
        return np.zeros((1, len(x), len(np.arange(s.n_members)[cols])))
    return loss


def _reversion_rows(s: Setup, cols: np.ndarray | slice = slice(None)) -> np.ndarray:
    """The members' reversion points, shaped to broadcast against (R, M', d): the
    status quo (1, 1, d) when no member has an outside option, else (1, M', d)."""
    if not s.outside:
        return s.status_quo[None, None, :]
    return s.reversion[cols][None]


#: Screening the setter's types (:func:`_loss_bounds`) widens every bound by this much,
#: far more than the rounding of any loss, so that a screened answer is the exact one.
_MARGIN = 1e-12


@dataclass(frozen=True, eq=False)
class _TypeBox:
    """Per run and member, the range of the setter's types: lowest and highest
    position and salience (R, M, d), tolerance and blocking cost (R, M); and per field,
    whether the clip of some type map may bind (else :func:`type_values` skips it)."""

    position: tuple[np.ndarray, np.ndarray]
    salience: tuple[np.ndarray, np.ndarray]
    tolerance: tuple[np.ndarray, np.ndarray]
    blocking_cost: tuple[np.ndarray, np.ndarray]
    clips: dict[str, bool]

    @classmethod
    def of(cls, s: Setup, state: State) -> _TypeBox:
        """The box of ``state``'s types (kept on the state until they move). A type's
        value clip(a x + b, lo, hi) is monotone in its stated value x, in floating point
        too (each rounding is), so the types with the least and greatest x give exactly
        its range."""
        if state.type_box is not None:
            return state.type_box
        clips = {}

        def span(field: str, maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            a, b, lo, hi = maps
            ends = [end[None] * a + b for end in (s.types.low[field], s.types.high[field])]
            low, high = np.minimum(*ends), np.maximum(*ends)
            clips[field] = bool(np.any(low < lo) or np.any(high > hi))
            if clips[field]:
                low, high = np.clip(low, lo, hi), np.clip(high, lo, hi)
            return low, high

        def scalar(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return (a[0], a[0]) if len(a) == 1 else (a.min(axis=0), a.max(axis=0))

        state.type_box = cls(span("position", state.position_map),
                             span("salience", state.salience_map),
                             scalar(state.belief_tolerance), scalar(state.belief_blocking_cost),
                             clips)
        return state.type_box

    def keep(self, rows: np.ndarray) -> _TypeBox:
        """The box of the runs at ``rows`` only."""
        def cut(pair: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
            return pair[0][rows], pair[1][rows]

        return _TypeBox(cut(self.position), cut(self.salience), cut(self.tolerance),
                        cut(self.blocking_cost), self.clips)


def _loss_bounds(s: Setup, box: _TypeBox, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on every type's loss from ``x`` (R, d), per run and member (R, M).

    For an exponent g >= 1, |x - p|^g - |q - p|^g is monotone in p, so on each dimension
    its range over the types' positions is that at the two ends; times a salience in
    [s_lo, s_hi] (>= 0) its range is spanned by the four corners. Sums of ranges bound
    the sum. Exponents below 1 are not screened (the bounds are infinite)."""
    (p_lo, p_hi), (s_lo, s_hi) = box.position, box.salience
    o = _reversion_rows(s)[0]  # (1 or M, d)
    g = s.member_gamma
    if np.any(np.asarray(g) < 1.0):
        inf = np.full(p_lo.shape[:2], np.inf)
        return -inf, inf
    xx = x[:, None, :]
    if np.ndim(g) == 0 and g == 2.0:  # (x - o)(x + o - 2p): linear in p
        u, v = xx - o, xx + o
        ends = [u * (v - 2.0 * p) for p in (p_lo, p_hi)]
    else:
        g = g if np.ndim(g) == 0 else np.asarray(g)[None, :, None]
        ends = [np.abs(xx - p) ** g - np.abs(o - p) ** g for p in (p_lo, p_hi)]
    f_lo, f_hi = np.minimum(*ends), np.maximum(*ends)
    low = np.minimum(s_lo * f_lo, s_hi * f_lo).sum(axis=-1)
    high = np.maximum(s_lo * f_hi, s_hi * f_hi).sum(axis=-1)
    return low - _MARGIN, high + _MARGIN


def _unsure(low: np.ndarray, high: np.ndarray, cuts: list[tuple[np.ndarray, np.ndarray]]
            ) -> np.ndarray:
    """Per run and member (R, M): whether some cut, a threshold whose value lies in
    [lo, hi] (R, M), may fall inside the loss range [low, high]: then the types may
    answer differently and must be weighed one by one."""
    unsure = np.zeros(low.shape, dtype=bool)
    for lo, hi in cuts:
        unsure |= (high > lo - _MARGIN) & (low <= hi + _MARGIN)
    return unsure


def _columns(unsure: np.ndarray) -> np.ndarray | slice:
    """The members (R, M) -> (M',) unsure in some run, as a slice when all are."""
    cols = np.flatnonzero(unsure.any(axis=0))
    return slice(None) if cols.size == unsure.shape[1] else cols


def learn(s: Setup, state: State, codes: np.ndarray) -> None:
    """The setter updates its belief about each member from the round's responses (Bayes).

    For each type of member i it asks what that type would have answered, given the
    text and how many other members objected (its best response, as in
    :func:`respond`). Bayes with a tremble: a type that would have answered as the
    member did has likelihood 1 - TREMBLE, one that would not TREMBLE / 2 (no
    observation rules a type out for good). Only the ratio matters, so the weights of
    the first are kept and those of the second multiplied by
    (TREMBLE / 2) / (1 - TREMBLE); when no type would have answered as the member did,
    the observation says nothing and every weight is kept. A member whose types all
    answer alike (screened by :func:`_loss_bounds`) keeps its weights exactly, as the
    rule says, without its types being weighed one by one.
    """
    if state.belief is None:
        return
    m = s.n_members
    x = state.proposal
    objecting = codes == OBJECT
    if s.scaled and m > 1:
        others = objecting.sum(axis=1, keepdims=True) - objecting
        share = (m - 1 - others) / (m - 1)  # (R, M)
    else:
        share = np.ones(codes.shape)
    box = _TypeBox.of(s, state)
    low, high = _loss_bounds(s, box, x)
    (t_lo, t_hi), (c_lo, c_hi) = box.tolerance, box.blocking_cost
    c_lo, c_hi = c_lo + state.meeting_cost, c_hi + state.meeting_cost
    zero = np.zeros_like(share)
    unsure = _unsure(low, high, [(zero + INDIFFERENCE, zero + INDIFFERENCE),
                                 (t_lo + c_lo * share + INDIFFERENCE,
                                  t_hi + c_hi * share + INDIFFERENCE)])
    cols = _columns(unsure)
    if isinstance(cols, np.ndarray) and not cols.size:
        return
    loss = _type_loss(s, state, x, cols)  # (K, R, M')
    meeting = np.broadcast_to(state.meeting_cost, (m,))[cols]
    threshold = objection_threshold(_column(state.belief_tolerance, cols),
                                    _column(state.belief_blocking_cost, cols) + meeting,
                                    share[:, cols])
    would_object = loss > threshold + INDIFFERENCE
    would_support = (loss <= INDIFFERENCE) & ~would_object
    # each type's answer as a code (SUPPORT 1, ABSTAIN 0, OBJECT -1), and whether it is
    # the member's
    would = would_support.view(np.int8) - would_object.view(np.int8)
    match = would == codes[:, cols]
    unlikely = ~match
    unlikely &= match.any(axis=0)  # when no type answers so, nothing is learnt
    weights = _column(state.belief, cols)
    np.multiply(weights, _UNLIKELY, out=weights, where=unlikely)
    # rescale by a power of two (exactly) before the weights could underflow
    small = weights.max(axis=0) < _TINY
    if small.any():
        weights *= np.where(small, _RESCALE, 1.0)
    if isinstance(cols, np.ndarray):
        state.belief[:, :, cols] = weights


#: The weight of a type that would not have answered as observed, relative to one
#: that would: (TREMBLE / 2) / (1 - TREMBLE).
_UNLIKELY = (TREMBLE / 2) / (1.0 - TREMBLE)
_TINY, _RESCALE = 2.0 ** -500, 2.0 ** 500


def pass_probability(s: Setup, state: State, texts: np.ndarray) -> np.ndarray:
    """The setter's probability that each text (R, C, d) would pass, (R, C).

    Under a rule every member must accept, a text passes when each member accepts it
    (as a lone objector would): the product over members (in their order in the
    scenario) of the share of the types that accept. Members whose types all accept
    (or all refuse) are screened by :func:`_loss_bounds`: their share is exactly 1 (or
    0), as weighing their types one by one gives. Under a voting rule the setter plays
    the vote out on K joint profiles of types, one per stratum of each member's belief
    (member i's j-th profile is its type at the (j + 1/2)/K quantile of its weights, in
    a fixed order of its own), and counts how often the rule passes.
    """
    if s.vote:
        return _vote_pass_probability(s, state, texts)
    r, c, _ = texts.shape
    out = np.empty((r, c))
    box = _TypeBox.of(s, state)
    if s.need_support:
        allowed = np.zeros((1, r, s.n_members))
        cut = (allowed[0] + INDIFFERENCE, allowed[0] + INDIFFERENCE)
    else:
        allowed = state.belief_tolerance + state.belief_blocking_cost + state.meeting_cost
        cut = (box.tolerance[0] + box.blocking_cost[0] + state.meeting_cost + INDIFFERENCE,
               box.tolerance[1] + box.blocking_cost[1] + state.meeting_cost + INDIFFERENCE)
    for j in range(c):
        x = texts[:, j]
        low, high = _loss_bounds(s, box, x)
        share = (high <= cut[0]).astype(float)  # 1 where every type accepts, else 0
        cols = _columns(_unsure(low, high, [cut]))
        if not isinstance(cols, np.ndarray) or cols.size:
            accepts = _type_loss(s, state, x, cols) <= _column(allowed, cols) + INDIFFERENCE
            weights = _column(state.belief, cols)
            # the same sum over the same weights: exactly 1 where every type accepts
            share[:, cols] = (weights * accepts).sum(axis=0) / weights.sum(axis=0)
        out[:, j] = np.prod(share, axis=1)
    return out


def _vote_pass_probability(s: Setup, state: State, texts: np.ndarray) -> np.ndarray:
    """:func:`pass_probability` under a voting rule."""
    r, c, _ = texts.shape
    m, k = s.n_members, HYPOTHESES
    strata = (np.arange(k) + 0.5) / k
    shares = belief_shares(state)
    picks = np.empty((k, r, m), dtype=np.intp)
    for i, order in enumerate(s.type_order):  # each stratum's type, in i's own order
        cumulative = np.cumsum(shares[order, :, i], axis=0)  # (K, R)
        place = (cumulative[None, :, :] <= strata[:, None, None]).sum(axis=1)  # (J, R)
        picks[:, :, i] = order[np.minimum(place, k - 1)]

    def picked(a: np.ndarray) -> np.ndarray:  # (K', R, M) -> (J, R, M)
        return np.take_along_axis(np.broadcast_to(a, (k, r, m)), picks, axis=0)

    tol = picked(state.belief_tolerance)
    cost = picked(state.belief_blocking_cost) + state.meeting_cost
    out = np.empty((r, c))
    for j in range(c):
        loss = np.take_along_axis(np.broadcast_to(_type_loss(s, state, texts[:, j]), (k, r, m)),
                                  picks, axis=0)
        codes, _ = respond(loss, tol, cost, s.scaled)
        out[:, j] = s.rule(codes).adopted.mean(axis=0)
    return out


def _private_texts(s: Setup, state: State, pivot: np.ndarray | None = None) -> np.ndarray:
    """The texts the setter weighs under private information, (R, C, d): every
    combination of labelled levels for ``ladder``; otherwise evenly spaced points on
    the segment from the status quo to its own ideal (one free dimension), and also on
    the segment from the status quo to the text on the table (several)."""
    r, d = state.proposal.shape
    if s.candidates is not None:
        texts = np.repeat(s.candidates[None], r, axis=0)
        fixed = ~s.free
        if fixed.any():
            texts[:, :, fixed] = state.proposal[:, None, fixed]
        return texts
    at = (np.arange(r)[:, None], owners(s, state), np.arange(d)[None, :])
    steps = np.linspace(0.0, 1.0, SEGMENT_POINTS)[None, :, None]
    continuous = s.free & ~s.binary
    dims, combinations = _binary_values(s)
    segments = []
    for combination in combinations:  # one, empty, without yes/no dimensions
        base = state.proposal
        if dims.size:
            base = base.copy()
            base[:, dims] = combination
        if not continuous.any():
            segments.append(base[:, None])
            continue
        ideal = np.where(continuous, state.position[at], base)
        q = np.where(continuous, s.status_quo, base)
        segments.append(q[:, None] + steps * (ideal - q)[:, None])
        if np.count_nonzero(continuous) > 1:
            segments.append(q[:, None] + steps * (base - q)[:, None])
        paying = continuous & s.side
        if paying.any() and pivot is not None:  # pay the blocker, from the table
            wanted = np.clip(believed(s, state, pivot, "position"), *paid_bounds(s, state))
            end = np.where(paying, wanted, base)
            segments.append(base[:, None] + steps * (end - base)[:, None])
    return np.concatenate(segments, axis=1)


def best_expected_text(s: Setup, state: State, pivot: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Under private information: the text that maximises the setter's expected gain
    over the status quo, P(passes) * (V(x) - V(q)), among :func:`_private_texts` (never
    a text blocked before). Returns the text (R, d) and its expected gain (R,)."""
    texts = _private_texts(s, state, pivot)
    tried = np.abs(texts[:, :, None] - state.blocked_texts[:, None]) < 1e-12  # (R, C, T, d)
    same = np.any(np.all(tried, axis=-1), axis=-1)
    no_deal = objective(s, state, np.broadcast_to(s.no_deal, state.proposal.shape))
    worth = objective(s, state, texts) - no_deal[:, None]
    # Texts blocked before, or no better than no deal, in every run: not worth asking
    # how likely they are to pass.
    ask = np.flatnonzero(np.any(~same & (worth > INDIFFERENCE), axis=0))
    gain = np.zeros(worth.shape)
    if ask.size:
        passes = pass_probability(s, state, texts[:, ask])
        gain[:, ask] = passes * worth[:, ask]
        failing = s.failure_cost[state.vote_round - 1, s.setter]
        if failing > 0:  # a text that fails at a meeting costs the setter too
            gain[:, ask] -= (1.0 - passes) * failing
    return choose(s, state, texts, ~same, gain, s.candidate_rank)


def costliest_blocker(s: Setup, state: State, blocking: np.ndarray,
                      need: np.ndarray | None = None) -> np.ndarray:
    """Per run, the blocker most costly for the setter to win over: the one whose
    acceptance alone leaves the setter the worst best text (ties: the member id first
    in alphabetical order). A blocker accepts a text when it gives the response the
    rule needs of it (``need``, (R, M), from the decision): its yes (a loss of at
    most 0), or only that it stop objecting (at most its tolerance plus blocking
    cost). Returns member rows, (R,)."""
    r, m = blocking.shape
    loss_at = np.full((r, m), -np.inf)
    x = state.proposal
    if need is None:
        allowed = np.where(s.vote, 0.0, allowed_loss(s, state))
    else:
        allowed = np.where(need == SUPPORT, 0.0, state.tolerance + blocking_costs(state))
    free = np.flatnonzero(s.free)
    binary = bool(np.any(s.free & s.binary))
    if s.candidates is None and free.size == 1 and s.convex and not binary:
        # on one free dimension: the setter's ideal clipped to each member's interval
        k = int(free[0])
        lo, hi = _Line(s, state, k).interval(allowed)
        cares = state.salience[np.arange(r), s.owner[k], k] > 0
        target = np.where(cares, objective_ideal(s, state), x[:, k])[:, None]
        texts = np.repeat(x[:, None, :], m, axis=1)  # (R, M, d): one text per member
        texts[:, :, k] = np.clip(target, np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0))
        value = objective(s, state, texts)
        loss_at = np.where(np.isnan(lo) | (lo > 1.0) | (hi < 0.0), -np.inf, value)
    elif s.candidates is not None or free.size == 1 or not s.convex or binary:
        texts = interval_texts(s, state, int(free[0])) if s.candidates is None and \
            free.size == 1 and not binary else grid_texts(s, state)
        value = objective(s, state, texts)  # (R, C)
        pos, sal = state.position[:, None, :m], state.salience[:, None, :m]
        at_q = at_reversion(s, state.position[:, :m], state.salience[:, :m])[:, None]
        step = max(1, _BLOCK // max(1, r * m * x.shape[1]))
        for start in range(0, texts.shape[1], step):  # in blocks, to bound memory
            block = texts[:, start:start + step]
            loss = at_q - utilities(pos, sal, s.member_gamma, block)  # (R, C', M)
            ok = loss <= allowed[:, None] + INDIFFERENCE
            best = np.where(ok, value[:, start:start + step, None], -np.inf).max(axis=1)
            loss_at = np.maximum(loss_at, best)
    else:
        at_q = -at_reversion(s, state.position[:, :m], state.salience[:, :m])
        floor, ceiling = paid_bounds(s, state)
        for j in range(r):
            problem = _SetterProblem(s, state, j, np.where(s.free, floor[j], x[j]),
                                     np.where(s.free, ceiling[j], x[j]))
            for i in np.flatnonzero(blocking[j]):
                text = problem.solve(np.array([i]), at_q[j, i:i + 1] + allowed[j, i:i + 1])
                loss_at[j, i] = -np.inf if text is None else problem.value(text)
    score = np.where(blocking, loss_at, np.inf)
    worst = score.min(axis=1, keepdims=True)
    tied = blocking & (score <= worst + INDIFFERENCE)
    return np.where(tied, s.actor_rank[None], m).argmin(axis=1)


def amend(s: Setup, state: State, pivot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The setter's move after a blocked round, for every run at once, for the vote
    of ``state.vote_round`` (:func:`weigh_vote_of`).

    With complete information it finds its best passing text
    (:func:`best_passing_text`): worth tabling when it is better for it than the
    status quo (else no acceptable version is). With private information it finds the
    text of greatest expected gain (:func:`best_expected_text`): worth tabling when
    that gain is positive. It **postpones** (takes the proposal off this meeting's
    agenda, alive for a later one) when keeping it alive is worth more to it, the
    share ``postponement`` of what adopting the proposal as it stands would gain it,
    than the text worth tabling, if any; otherwise it **withdraws** when no text is
    worth tabling. The text it tables follows its strategy:

    - ``minimal``: that text (the Romer-Rosenthal optimum);
    - ``ladder``: that text, the best combination of labelled levels (never the
      text just blocked);
    - ``split``: the text halfway between the one on the table and ``pivot``'s ideal,
      moved only on the free dimensions ``pivot`` cares about, when the setter
      prefers it to the status quo and it differs from the text on the table;
      otherwise the best passing text.

    Returns:
        The new text (R, d) and the move (R,): :data:`TABLE`, :data:`WITHDRAW` or
        :data:`POSTPONE`.
    """
    if s.choosing.size:  # who pays is part of the choice
        best, gain, state.owner = _cheapest_payers(s, state, pivot)
    no_deal = objective(s, state, np.broadcast_to(s.no_deal, state.proposal.shape))
    hope = 0.0  # what postponing is worth to the setter over no deal
    if s.postponement > 0:
        hope = s.postponement * (objective(s, state, np.broadcast_to(
            s.proposal, state.proposal.shape)) - no_deal)
    if s.choosing.size:
        worth = gain > INDIFFERENCE
        postpone = hope > np.maximum(gain, 0.0) + INDIFFERENCE
    elif s.private:
        best, gain = best_expected_text(s, state, pivot)
        worth = gain > INDIFFERENCE
        postpone = hope > np.maximum(gain, 0.0) + INDIFFERENCE
    else:
        best, value = best_passing_text(s, state)
        worth = value > no_deal + INDIFFERENCE
        postpone = no_deal + hope > np.maximum(value, no_deal) + INDIFFERENCE
    move = np.where(postpone, POSTPONE, np.where(worth, TABLE, WITHDRAW)).astype(np.int8)
    if s.strategy != "split":
        return best, move
    target = believed(s, state, pivot, "position")
    cares = (believed(s, state, pivot, "salience") > 0) & s.free & ~s.binary
    half = np.where(cares, state.proposal + 0.5 * (target - state.proposal), state.proposal)
    if s.paying:  # a payment is never taken back
        half = np.clip(half, *paid_bounds(s, state))
    moves = np.any(np.abs(half - state.proposal) > 1e-12, axis=1)
    worth = objective(s, state, half) > no_deal + INDIFFERENCE
    use_half = moves & worth
    return np.where(use_half[:, None], half, best), move


def believed(s: Setup, state: State, member: np.ndarray, field: str) -> np.ndarray:
    """What the setter takes a member's (one per run, (R,)) position or salience to be,
    (R, d): under private information its belief's mean type, else the value itself."""
    rows = np.arange(len(state.run))
    if not s.private:
        return getattr(state, field)[rows, member]
    weight = belief_shares(state)[:, rows, member]  # (K, R)
    return np.stack([(weight * type_values(s, state, field, j)[:, rows, member]).sum(axis=0)
                     for j in range(s.status_quo.size)], axis=1)


def _setter_gain(s: Setup, state: State, pivot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The text the setter would table and its gain over no deal (R,): the best
    passing text's value less no deal's, or under private information the greatest
    expected gain."""
    if s.private:
        return best_expected_text(s, state, pivot)
    text, value = best_passing_text(s, state)
    return text, value - objective(s, state, np.broadcast_to(s.no_deal, state.proposal.shape))


def _cheapest_payers(s: Setup, state: State, pivot: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where several actors may pay on a side dimension: the setter's problem solved
    with each of them as the payer (every combination, over such dimensions), and the
    choice that gains it most: the payer for whom the deal costs least. A dimension
    already paid on keeps its payer. Ties go to the first payers by actor id (over the
    dimensions in alphabetical order of their ids).

    Returns:
        The text (R, d), its gain over no deal (R,), and the payer rows (R, d).
    """
    dims = s.choosing[np.argsort(s.dim_rank[s.choosing])]
    paid = state.proposal[:, dims] != s.status_quo[dims]  # (R, n): the payer is settled
    current = state.owner[:, dims]
    texts, gains, owners = [], [], []
    for combination in itertools.product(*(s.payers[k] for k in dims)):
        owner = state.owner.copy()
        owner[:, dims] = np.where(paid, current, combination)
        text, gain = _setter_gain(s, replace(state, owner=owner), pivot)
        consistent = np.all(~paid | (current == np.array(combination)), axis=1)
        texts.append(text)
        gains.append(np.where(consistent, gain, -np.inf))
        owners.append(owner)
    gains_ = np.stack(gains, axis=1)  # (R, C)
    pick = (gains_ >= gains_.max(axis=1, keepdims=True) - INDIFFERENCE).argmax(axis=1)
    rows = np.arange(len(pick))
    return (np.stack(texts, axis=1)[rows, pick], gains_[rows, pick],
            np.stack(owners, axis=1)[rows, pick])


# ----------------------------------------------------------------- the batch driver


@dataclass(frozen=True, eq=False)
class Outcomes:
    """What a batch of runs produced, one row per run, in run order.

    Attributes:
        outcome: index into :data:`OUTCOMES` (int8).
        rounds: rounds taken (int16).
        final: the last text on the table, (R, d).
        costliest: member row of the blocker most costly to win over in the last
            blocked round, -1 when the first text passed (int16).
        codes: each member's response per round, (R, max_rounds, M) int8, 2 after
            the last round.
        loss: each member's loss per round, (R, max_rounds, M), NaN after.
        trajectory: the text voted on per round, (R, max_rounds, d) float32, NaN after.
        paid: side payments per dimension, summed over rounds, (R, d).
        payer: the actor row who paid on each dimension, -1 where nobody did, (R, d)
            int16.
        fired: events that fired, (R, E) bool, in the scenario's event order.
        drawn: the uncertain inputs' values, (R, F).
    """

    outcome: np.ndarray
    rounds: np.ndarray
    final: np.ndarray
    costliest: np.ndarray
    codes: np.ndarray
    loss: np.ndarray
    trajectory: np.ndarray
    paid: np.ndarray
    fired: np.ndarray
    drawn: np.ndarray
    payer: np.ndarray


NO_RESPONSE = 2  # the response code recorded for rounds a run did not reach


def adoption_class(s: Setup, texts: np.ndarray) -> np.ndarray:
    """How each adopted text (R, d) is reported: ``adopted_amended`` when its scope
    differs from the proposal's, ``adopted_paid`` when only side dimensions do (a
    deal won by side payments alone), else ``adopted``. Outcome codes (R,)."""
    moved = texts != s.proposal
    scope = np.any(moved & ~s.side, axis=1)
    paid = np.any(moved & s.side, axis=1)
    return np.where(scope, ADOPTED_AMENDED, np.where(paid, ADOPTED_PAID, ADOPTED)).astype(
        np.int8)


def simulate(s: Setup, seed: int, runs: np.ndarray) -> Outcomes:
    """Play the runs ``runs`` of the ensemble with ``seed`` to their ends, all at once."""
    runs = np.asarray(runs, dtype=np.int64)
    r, d, m, rmax = len(runs), s.status_quo.size, s.n_members, s.max_rounds
    state = initial_state(s, run_uniforms(seed, runs, s.n_uniforms), runs)
    out = Outcomes(
        outcome=np.full(r, DEADLOCKED, dtype=np.int8), rounds=np.zeros(r, dtype=np.int16),
        final=np.empty((r, d)), costliest=np.full(r, -1, dtype=np.int16),
        codes=np.full((r, rmax, m), NO_RESPONSE, dtype=np.int8),
        loss=np.full((r, rmax, m), np.nan),
        trajectory=np.full((r, rmax, d), np.nan, dtype=np.float32),
        paid=np.zeros((r, d)), fired=np.zeros((r, len(s.events)), dtype=bool),
        drawn=state.drawn, payer=np.full((r, d), -1, dtype=np.int16))
    where = np.arange(r)  # each live row's place in the output
    event_columns = np.array(s.event_rows, dtype=np.intp)
    for t in range(1, rmax + 1):
        if not len(where):
            break
        result = play_round(s, state, t)
        out.fired[where[:, None], event_columns[None, :]] |= result.fired
        out.codes[where, t - 1] = result.codes
        out.loss[where, t - 1] = result.loss
        out.trajectory[where, t - 1] = state.proposal
        out.rounds[where] = t
        out.final[where] = state.proposal
        blocked = ~result.adopted
        out.costliest[where[blocked]] = result.costliest[blocked]
        out.outcome[where[result.adopted]] = adoption_class(s, state.proposal[result.adopted])
        out.outcome[where[result.withdrawn]] = WITHDRAWN
        out.outcome[where[result.postponed]] = POSTPONED
        out.paid[where] += result.paid
        if s.paying:
            out.payer[where] = np.where(result.paid > 0, owners(s, state), out.payer[where])
        won = result.rival >= 0
        if won.any():  # a rival adopted: its text is final; the setter's offers lapse
            out.outcome[where[won]] = ADOPTED_RIVAL
            out.final[where[won]] = s.rivals[result.rival[won]]
            out.paid[where[won]] = 0.0
            out.payer[where[won]] = -1
        going = blocked & ~result.withdrawn & ~result.postponed & (t < rmax)
        state.proposal = np.where(going[:, None], result.amended, state.proposal)
        if not going.all():
            where = where[going]
            state = state.keep(going)
    return out


@dataclass(frozen=True, eq=False)
class Round:
    """What one round did, per live run: see :func:`play_round`."""

    fired: np.ndarray  # (R, E)
    codes: np.ndarray  # (R, M) responses to the setter's text
    loss: np.ndarray  # (R, M)
    threshold: np.ndarray  # (R, M)
    adopted: np.ndarray  # (R,)
    blocking: np.ndarray  # (R, M)
    costliest: np.ndarray  # (R,) member row, -1 if adopted
    amended: np.ndarray  # (R, d) the setter's next text (the current one if none)
    withdrawn: np.ndarray  # (R,)
    postponed: np.ndarray  # (R,)
    paid: np.ndarray  # (R, d)
    rival: np.ndarray  # (R,) the rival adopted instead of the setter's text, -1 for none


def play_round(s: Setup, state: State, round_: int) -> Round:
    """One round for every live run: events, pressure, persuasion, responses,
    decision, and, where blocked before the last round, the setter's move.

    Modifies ``state``'s preferences in place; the proposal is left to the caller.
    """
    fired = fire_events(s, state, round_)
    press(s, state)
    persuade(s, state)
    return respond_and_decide(s, state, round_, fired)


def respond_and_decide(s: Setup, state: State, round_: int, fired: np.ndarray) -> Round:
    """Steps 3 to 5 of a round (see :func:`play_round`)."""
    r, d = state.proposal.shape
    weigh_vote_of(s, state, round_)
    loss = losses(s, state, state.proposal)
    codes, threshold = respond(loss, state.tolerance, blocking_costs(state), s.scaled)
    decision = s.rule(codes)
    adopted = np.broadcast_to(decision.adopted, (r,))
    rival = np.full(r, -1, dtype=np.int16)
    if len(s.rivals):
        winner = contest(s, state, round_, loss, adopted)
        rival = np.maximum(winner - 1, -1).astype(np.int16)
        adopted = winner >= 0
    learn(s, state, codes)
    blocked = np.flatnonzero(~adopted)
    remember_blocked(state, round_, blocked)
    costliest = np.full(r, -1, dtype=np.int16)
    amended = state.proposal.copy()
    withdrawn = np.zeros(r, dtype=bool)
    postponed = np.zeros(r, dtype=bool)
    paid = np.zeros((r, d))
    if blocked.size:
        sub = state if blocked.size == r else state.keep(blocked)
        pivot = costliest_blocker(s, sub, decision.blocking[blocked],
                                  decision.need_all[blocked])
        costliest[blocked] = pivot
        if round_ < s.max_rounds:
            weigh_vote_of(s, sub, round_ + 1)  # the setter weighs the next vote
            text, move = amend(s, sub, pivot)
            if sub is not state and sub.owner is not None:  # the payers the setter chose
                state.owner[blocked] = sub.owner
            tabled = move == TABLE
            amended[blocked] = np.where(tabled[:, None], text, sub.proposal)
            withdrawn[blocked] = move == WITHDRAW
            postponed[blocked] = move == POSTPONE
            moved = np.abs(text - sub.proposal) * tabled[:, None]
            paid[blocked] = np.where(s.side, moved, 0.0)
    return Round(fired, codes, loss, threshold, adopted, decision.blocking, costliest,
                 amended, withdrawn, postponed, paid, rival)


def contest(s: Setup, state: State, round_: int, loss: np.ndarray, passes: np.ndarray
            ) -> np.ndarray:
    """Which text each run adopts where rival proposals stand: 0 for the setter's, 1 + v
    for rival ``v`` (in order of rival ids), -1 where none passes.

    Each rival tabled by ``round_`` is put to the rule on its own: every member
    responds to it as to the setter's text (the same response game, against its own
    reversion point). Among the texts that pass, the winner is the Copeland winner of
    the members' pairwise majorities: text a beats text b when more members lose less
    from a than from b (by more than :data:`INDIFFERENCE`) than the other way round;
    a text scores its wins minus its defeats. Ties go to the setter's text, then to
    rivals in order of their ids.

    Args:
        loss: each member's loss from the setter's text, (R, M).
        passes: whether the setter's text passed, (R,).
    """
    r = len(passes)
    standing = np.flatnonzero(s.rival_round <= round_)
    texts_loss, passing = [loss], [passes]
    for v in standing:
        loss_v = losses(s, state, np.broadcast_to(s.rivals[v], (r, s.rivals.shape[1])))
        codes, _ = respond(loss_v, state.tolerance, blocking_costs(state), s.scaled)
        texts_loss.append(loss_v)
        passing.append(np.broadcast_to(s.rule(codes).adopted, (r,)))
    lost = np.stack(texts_loss, axis=1)  # (R, T, M)
    ok = np.stack(passing, axis=1)  # (R, T)
    prefer = (lost[:, :, None, :] < lost[:, None, :, :] - INDIFFERENCE).sum(axis=-1)
    beats = (prefer > prefer.transpose(0, 2, 1)) & ok[:, :, None] & ok[:, None, :]
    score = np.where(ok, beats.sum(axis=2) - beats.sum(axis=1), np.iinfo(np.int64).min)
    pick = score.argmax(axis=1)  # the first of equals: the setter's text, then by id
    winner = np.concatenate([[0], standing + 1])[pick]
    return np.where(ok.any(axis=1), winner, -1)
