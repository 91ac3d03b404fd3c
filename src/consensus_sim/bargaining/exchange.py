"""Stokman's exchange model: actors trade support across issues (Equal Gain solution).

Sources. Stokman & Van den Bos (1992, "A two-stage model of policy making", in
Moore & Whitt, eds., *The Political Consequences of Social Networks*, Research in
Politics and Society 4) and Stokman & Van Oosten (1994, "The exchange of voting
positions: an object-oriented model of policy networks", in Bueno de Mesquita &
Stokman, eds., *European Community Decision Making*, Yale UP, 105-127) model
collective decisions as exchanges of voting positions: an actor gives way on an
issue it cares little about in return for support on one it cares much about.
Stokman & Thomson (2004, "Winners and losers in the European Union", European Union
Politics 5(1)) apply it to EU legislation; Dijkstra, Van Assen & Stokman (2008,
"Outcomes of collective decisions with externalities predicted", Journal of
Theoretical Politics 20(4)) state it formally; the DECIDE software implements the
Equal Gain solution (J. Draaijer, github.com/foarsitter/decide-exchange-model).

The model, as implemented here. Each actor has a *policy position* (its interest,
the scenario's position, which never changes) and a *voting position* (what it
supports in the decision, at first its policy position). Exchanges move voting
positions only: the model's name is the exchange of voting positions.

1. **Expected outcome.** On each issue k the outcome is the capability x salience
   weighted mean of the voting positions,
   O_k = sum_i c_i s_ik y_ik / sum_i c_i s_ik (the compromise model). A shift of
   actor i's voting position by dy moves it by w_ik dy, with
   w_ik = c_i s_ik / sum_m c_m s_mk.
2. **Utility** is linear and salience weighted in the distance from the outcome to
   the actor's policy position: actor i gains s_ik |dO_k| when O_k moves toward
   its position and loses as much when it moves away. (The model's own utility;
   the scenario's gamma is not used.)
3. **Who can exchange.** Actors i and j, issues p and q, such that i's and j's
   policy positions lie on opposite sides of the outcome on both issues (so each
   can help the other by moving toward it). i *demands* the issue it cares
   relatively more about: p if s_ip / s_iq > s_jp / s_jq (i.e. s_ip s_jq > s_iq s_jp).
   j then moves its voting position on p toward i's policy position, and i moves
   on q toward j's. Equal ratios: no exchange.
4. **Equal Gain.** i gains s_ip dO_p - s_iq dO_q, j gains s_jq dO_q - s_jp dO_p.
   They gain equally when dO_q / dO_p = (s_ip + s_jp) / (s_iq + s_jq); each then
   gains dO_p (s_ip s_jq - s_iq s_jp) / (s_iq + s_jq).
5. **Size.** The exchange is the largest one at that rate such that (a) no mover's
   voting position goes beyond its partner's policy position, and (b) no outcome
   is pushed past the demanding actor's policy position (beyond it the demander
   would lose, and linear gains would no longer hold). One of the two limits
   binds. DECIDE applies the same two checks.
6. **A round.** The exchange with the highest gain is executed first; the outcome
   is recomputed and the remaining exchanges re-evaluated; then the next best,
   and so on. Each actor-issue pair takes part in at most one exchange per round
   (all four pairs of an exchange are used up), so a round ends when no exchange
   among unused pairs gains more than ``min_gain``. (DECIDE instead lets a pair
   take part in several exchanges in a round and recalculates the ones affected.)
7. **Rounds.** The next round starts from the voting positions reached, with the
   policy positions unchanged, and rounds repeat until one executes no exchange
   or ``max_rounds`` is reached (``detail["converged"]`` says which). An actor's
   voting position on an issue only ever moves one way (as in DECIDE), so actors
   never trade a concession back and the rounds settle. (DECIDE's iterated model
   instead moves each actor's next starting *policy* position part of the way to
   its voting position; moving it all the way can make actors trade a concession
   back and forth, round after round.)
8. **Ties.** Exchanges whose gains are equal within a relative 1e-9 tie. By default
   the first in input order wins: actor pairs in the scenario's row order (members
   first), then issue pairs in dimension order. ``tie_break="random"`` picks among
   the tied exchanges with a generator seeded by ``seed``: it changes which of the
   equal-gain exchanges goes first, never the order of unequal gains.
9. **Forecast.** The weighted mean of the final voting positions. Actors with
   capability or salience zero on an issue cannot move its outcome and never
   exchange on it.

On one dimension there is nothing to trade: the forecast is the compromise model's
and ``detail["note"]`` says so.

DECIDE compatibility. ``compat="decide"`` runs the rules of decide-exchange-model
2025.3.1 in its deterministic mode (``EqualGainModel.ALLOW_RANDOM = False``) and
reproduces its outcomes per issue and per round (tests/test_exchange_compat.py,
against numbers made by running that package). Where they differ from the rules
above: positions are on 0..100 and computed in 28-digit decimals, as DECIDE does;
a pair may take part in several exchanges per round, each exchange re-sized after
every exchange made by one of its actors on the same issue; an actor exactly at an
outcome counts as below it; after a round every actor that exchanged starts the
next at its position plus (0.1 + 0.4 (1 - salience)) of the way to its vote; and
the rounds run ``max_rounds`` (default 10, DECIDE's) times without settling. Actors
with capability or salience 0 on an issue are left out of it (DECIDE knows only the
actors with a ``#D`` row there). docs/bargaining.md says what cannot be matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from typing import Any, Literal

import numpy as np

from .compromise import weighted_mean
from .forecast import Actors, Forecast, participants

__all__ = ["exchange"]

#: Positions closer than this to the outcome are taken to be at it.
AT_OUTCOME = 1e-12
#: Gains equal within this relative difference are ties.
TIE = 1e-9
#: Rounds DECIDE's command line runs by default (``--iterations``).
DECIDE_ROUNDS = 10


def exchange(
    scenario,
    tie_break: Literal["input", "random"] = "input",
    seed: int | np.random.Generator | None = None,
    max_rounds: int | None = None,
    min_gain: float = 1e-9,
    actors: Actors = "all",
    compat: Literal["decide"] | None = None,
) -> Forecast:
    """Stokman's exchange model with the Equal Gain solution (see the module docstring).

    Args:
        scenario: the scenario; positions, saliences and capabilities are used.
        tie_break: ``"input"`` (default): among equal gains the first exchange in
            input order goes first; ``"random"``: a seeded random choice.
        seed: seed or generator for ``tie_break="random"``.
        max_rounds: rounds of exchange at most; default 100, or DECIDE's 10 with
            ``compat="decide"``.
        min_gain: an exchange must give each actor more than this (not used with
            ``compat="decide"``, which keeps DECIDE's own thresholds).
        actors: ``"all"`` (default) or ``"members"``; see :func:`participants`.
        compat: ``None`` (default): this module's rules; ``"decide"``: the rules of
            decide-exchange-model 2025.3.1 in its deterministic mode, round by round
            (see "DECIDE compatibility" in the module docstring).

    Returns:
        A :class:`Forecast` named ``"exchange"``. ``detail["exchanges"]`` lists each
        exchange executed: its round, the two actors, the two issues, what each
        actor demanded, each actor's shift of voting position (``from``, ``to``),
        the shift of each outcome and the gain of each actor;
        ``detail["voting_positions"]`` holds the voting positions reached. With
        ``compat="decide"``, ``detail["rounds_outcomes"]`` holds, per round and per
        dimension, the outcome at the start of the round and on the voting positions
        at its end (DECIDE's "MDS" and "voting MDS"), on [0, 1].
    """
    if tie_break not in ("input", "random"):
        raise ValueError(f"tie_break must be 'input' or 'random' (got {tie_break!r})")
    if compat not in (None, "decide"):
        raise ValueError(f"compat must be None or 'decide' (got {compat!r})")
    if compat == "decide":
        if tie_break != "input":
            raise ValueError("compat='decide' reproduces DECIDE's deterministic mode, whose "
                             "ties go in input order; tie_break must be 'input'")
        return _decide(scenario, DECIDE_ROUNDS if max_rounds is None else max_rounds, actors)
    max_rounds = 100 if max_rounds is None else max_rounds
    rng = np.random.default_rng(seed) if tie_break == "random" else None
    arrays = scenario.arrays
    rows = participants(scenario, actors)
    ids = [arrays.actor_ids[r] for r in rows]
    dims = list(arrays.dimension_ids)
    interest = arrays.position[rows]
    salience = arrays.salience[rows]
    weight = arrays.capability[rows, None] * salience
    total = weight.sum(axis=0)
    share = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
    detail: dict[str, Any] = {
        "solution": "equal gain",
        "utility": "linear: -sum_k s_ik |O_k - x_ik|",
        "tie_break": tie_break,
        "seed": seed if isinstance(seed, int) else None,
        "actors": actors,
    }
    if len(dims) < 2 or len(ids) < 2:
        detail.update(rounds=0, converged=True, exchanges=[],
                      note="one dimension or one actor: no exchange is possible; "
                           "the forecast is the compromise model's weighted mean")
        return Forecast("exchange", weighted_mean(interest, weight), detail)

    pairs = np.array([(i, j, p, q) for i, j in combinations(range(len(ids)), 2)
                      for p, q in combinations(range(len(dims)), 2)], dtype=np.intp)
    first, second, issue_p, issue_q = pairs.T
    voting = interest.copy()
    direction = np.zeros(interest.shape, dtype=np.int8)  # how each voting position has moved
    executed: list[dict[str, Any]] = []
    converged = False
    rounds = 0
    for round_number in range(1, max_rounds + 1):
        used = np.zeros(interest.shape, dtype=bool)
        in_round = 0
        while True:
            outcome = weighted_mean(voting, weight)
            gain, a, b, d_a, d_b = _equal_gain(interest, voting, direction, salience, share,
                                               outcome, *pairs.T)
            free = ~(used[first, issue_p] | used[first, issue_q]
                     | used[second, issue_p] | used[second, issue_q])
            gain = np.where(free, gain, 0.0)
            best = gain.max()
            if best <= min_gain:
                break
            tied = np.flatnonzero(gain >= best * (1.0 - TIE))
            pick = tied[0] if rng is None or tied.size == 1 else rng.choice(tied)
            i, j, ia, ib = first[pick], second[pick], a[pick], b[pick]
            moves = [(j, ia, d_a[pick] / share[j, ia], interest[i, ia]),  # j gives way on a
                     (i, ib, d_b[pick] / share[i, ib], interest[j, ib])]  # i gives way on b
            shifts = []
            for actor, k, amount, toward in moves:
                start = voting[actor, k]
                gap = toward - start
                reaches = amount >= abs(gap) * (1.0 - 1e-12)  # lands exactly, not a hair short
                end = toward if reaches else start + np.sign(gap) * amount
                voting[actor, k] = end
                direction[actor, k] = np.sign(gap)
                shifts.append({"actor": ids[actor], "issue": dims[k],
                               "from": float(start), "to": float(end)})
            used[[i, i, j, j], [ia, ib, ia, ib]] = True
            moved = weighted_mean(voting, weight)
            executed.append({
                "round": round_number,
                "actors": [ids[i], ids[j]],
                "issues": [dims[issue_p[pick]], dims[issue_q[pick]]],
                "demands": {ids[i]: dims[ia], ids[j]: dims[ib]},
                "shifts": shifts,
                "outcome_shift": {dims[ia]: float(moved[ia] - outcome[ia]),
                                  dims[ib]: float(moved[ib] - outcome[ib])},
                "gain": float(gain[pick]),
            })
            in_round += 1
        if in_round == 0:
            converged = True
            break
        rounds = round_number
    detail.update(
        rounds=rounds,
        converged=converged,
        exchanges=executed,
        voting_positions={a: dict(zip(dims, map(float, voting[n]), strict=True))
                          for n, a in enumerate(ids)},
    )
    return Forecast("exchange", weighted_mean(voting, weight), detail)


def _equal_gain(interest, voting, direction, salience, share, outcome, i, j, p, q):
    """Every candidate exchange's equal gain and its size, vectorised.

    ``i, j, p, q`` are arrays: candidate k is actors i[k] < j[k] and issues p[k] < q[k].
    Returns the gain (0 where no exchange is possible), the issue each i demands
    (a, on which j moves) and gives on (b, on which i moves), and the outcome
    shifts d_a, d_b.
    """
    side = interest - outcome  # (n, d): which way each actor wants each outcome to move
    away = np.abs(side) > AT_OUTCOME
    opposite = ((side[i, p] * side[j, p] < 0) & (side[i, q] * side[j, q] < 0)
                & away[i, p] & away[j, p] & away[i, q] & away[j, q])
    cross = salience[i, p] * salience[j, q] - salience[i, q] * salience[j, p]
    a = np.where(cross > 0, p, q)  # the issue i demands: j moves on it toward i
    b = np.where(cross > 0, q, p)  # the issue i gives on: i moves on it toward j
    gap_j = interest[i, a] - voting[j, a]  # j's voting position toward i's interest
    gap_i = interest[j, b] - voting[i, b]  # i's voting position toward j's interest
    toward_i, toward_j = np.sign(gap_j), np.sign(gap_i)
    # a move must push the outcome toward the demander, the way the mover moved before
    can_move = ((toward_i == np.sign(side[i, a])) & (toward_j == np.sign(side[j, b]))
                & ((direction[j, a] == 0) | (direction[j, a] == toward_i))
                & ((direction[i, b] == 0) | (direction[i, b] == toward_j)))
    rate_denominator = salience[i, b] + salience[j, b]
    valid = opposite & can_move & (cross != 0) & (rate_denominator > 0)
    safe = np.where(valid, rate_denominator, 1.0)
    limit_a = np.minimum(share[j, a] * np.abs(gap_j), np.abs(side[i, a]))
    limit_b = np.minimum(share[i, b] * np.abs(gap_i), np.abs(side[j, b]))
    with np.errstate(over="ignore", invalid="ignore"):  # saliences near 0: no exchange
        rate = (salience[i, a] + salience[j, a]) / safe  # dO_b / dO_a
        d_a = np.minimum(limit_a, limit_b / np.where(rate > 0, rate, 1.0))
        d_b = rate * d_a
        gain = d_a * np.abs(cross) / safe
    usable = valid & np.isfinite(d_b) & np.isfinite(gain)
    return np.where(usable, gain, 0.0), a, b, d_a, d_b


# --------------------------------------------------------------------------- DECIDE
#
# ``compat="decide"`` follows decide-exchange-model 2025.3.1 (J. Draaijer, GPL-3),
# Equal Gain, with ``EqualGainModel.ALLOW_RANDOM = False``. We read its code to
# learn what it computes and in which order, and wrote our own. It computes in
# Python's decimal arithmetic (28 digits) on positions rescaled to 0..100; so do we,
# in the same order of operations, so that equal gains tie exactly as they do there.

#: DECIDE's thresholds, on its 0..100 scale: a shift this small is none, and so is
#: a gain this small.
_NO_SHIFT = 1e-10
_NO_GAIN = 1e-10
#: DECIDE's next starting position moves 10% of the way to the voting position, and
#: 40% more times (1 - salience): actors who care little move further. DECIDE makes
#: these decimals from the binary floats 0.1 and 0.4, and so must we to match it.
_FIXED_PULL = Decimal(0.1)  # noqa: RUF032
_SALIENCE_PULL = Decimal(0.4)  # noqa: RUF032
_FULL = Decimal(100)


@dataclass(eq=False)
class _Board:
    """The actors' positions, saliences and capabilities per issue, on DECIDE's 0..100.

    ``members[k]`` lists, in row order, the actors that take part in issue k: those
    with capability and salience above 0 there (DECIDE has only the actors with a
    ``#D`` row, and divides by capability x salience).
    """

    members: list[list[int]]
    position: list[dict[int, Decimal]]
    salience: list[dict[int, Decimal]]
    capability: list[Decimal]
    total: list[Decimal] = field(default_factory=list)  # sum of c x s per issue

    def __post_init__(self) -> None:
        self.total = [sum((self.salience[k][a] * self.capability[a] for a in actors),
                          Decimal(0)) for k, actors in enumerate(self.members)]

    def outcome(self, k: int, seen: dict[int, Decimal] | None = None, actor: int = -1,
                at: Decimal | None = None) -> Decimal:
        """The c x s weighted mean on issue k (DECIDE's "MDS"), with the voting positions
        ``seen`` and ``actor`` at ``at`` in place of their positions."""
        if not self.total[k]:
            return Decimal(0)
        numerator = Decimal(0)
        for a in self.members[k]:
            x = at if a == actor else (seen or {}).get(a, self.position[k][a])
            numerator += x * self.salience[k][a] * self.capability[a]
        return numerator / self.total[k]

    def shift_to(self, k: int, seen: dict[int, Decimal], actor: int, at: Decimal,
                 target: Decimal) -> Decimal:
        """How far ``actor`` must move from ``at`` for issue k's outcome to be ``target``
        (a vote noted in ``seen`` for the actor itself stands in for ``at``)."""
        now = Decimal(0)
        for a in self.members[k]:
            x = seen.get(a, at if a == actor else self.position[k][a])
            now += x * self.salience[k][a] * self.capability[a]
        return (target * self.total[k] - now) / (self.salience[k][actor] * self.capability[actor])


@dataclass(eq=False)
class _Side:
    """One actor's part in an exchange: it shifts its vote on ``gives`` to win a shift
    of its partner's vote on ``wants`` (DECIDE's supply and demand issues)."""

    actor: int
    gives: int
    wants: int
    at: Decimal  # its vote on `gives` before the exchange
    own: Decimal  # its position on `wants`: its partner shifts toward it
    s_gives: Decimal
    s_wants: Decimal
    c: Decimal
    start: Decimal = Decimal(0)  # its position on `gives` when the round began
    move: Decimal = Decimal(0)
    vote: Decimal = Decimal(0)
    moves: list[Decimal] = field(default_factory=list)  # DECIDE's record of shifts

    @classmethod
    def of(cls, board: _Board, actor: int, gives: int, wants: int) -> _Side:
        at = board.position[gives][actor]
        return cls(actor, gives, wants, at, board.position[wants][actor],
                   board.salience[gives][actor], board.salience[wants][actor],
                   board.capability[actor], start=at)

    def may_move(self, move: Decimal) -> bool:
        """DECIDE's test of a shift: not nil, not over 100 points, staying on the scale,
        and the same way as every shift this side has recorded."""
        if abs(move) > _FULL or abs(move) <= _NO_SHIFT:
            return False
        if not 0 <= self.at + move <= _FULL or sum(self.moves) > _FULL:
            return False
        return max(self.moves) < 0 or min(self.moves) > 0

    def next_start(self) -> Decimal:
        """Where the actor starts the next round on ``gives``: 10% of the way from its
        position to its vote, plus 40% x (1 - salience)."""
        toward = (1 - self.s_gives) * _SALIENCE_PULL * self.vote + _FIXED_PULL * self.vote
        return toward + (1 - (1 - self.s_gives) * _SALIENCE_PULL - _FIXED_PULL) * self.start


def _shift(distance: Decimal, side: _Side, total: Decimal) -> Decimal:
    """How far the outcome on ``side.gives`` moves when that side moves ``distance``."""
    return distance * side.s_gives * side.c / total


def _rate(side: _Side, partner: _Side) -> Decimal:
    """The outcome shift on the partner's issue per unit on the side's: Equal Gain."""
    return (side.s_gives + partner.s_wants) / (side.s_wants + partner.s_gives)


@dataclass(eq=False)
class _Deal:
    """A candidate exchange: ``first`` wants p and gives on q, ``second`` the reverse.

    ``seen`` holds, per issue, the votes of actors in exchanges already made this
    round that DECIDE lets this exchange know of (see :meth:`learn`).
    """

    board: _Board
    first: _Side
    second: _Side
    gain: Decimal = Decimal(0)
    valid: bool = False
    seen: dict[int, dict[int, Decimal]] = field(default_factory=dict)

    @classmethod
    def open(cls, board: _Board, i: int, j: int, p: int, q: int) -> _Deal:
        """The exchange between actors i and j on issues p and q, sized. The actor that
        cares relatively more for p wants p (i on equal ratios)."""
        s = board.salience
        if s[p][i] / s[q][i] < s[p][j] / s[q][j]:
            i, j = j, i
        deal = cls(board, _Side.of(board, i, gives=q, wants=p), _Side.of(board, j, gives=p,
                                                                          wants=q))
        deal.size()
        return deal

    def size(self) -> None:
        """Equal Gain: ``second`` shifts all the way to ``first``'s position on p and
        ``first`` shifts on q at the equal-gain rate, unless that would take ``first``
        past ``second``'s position on q; then ``first`` goes all the way instead."""
        a, b, total = self.first, self.second, self.board.total
        p, q = a.wants, a.gives
        dp = _shift(abs(a.own - b.at), b, total[p])
        dq = _rate(b, a) * dp
        a.move, b.move = dq * total[q] / (a.c * a.s_gives), abs(a.own - b.at)
        if abs(a.move) > abs(b.own - a.at):
            dq = _shift(abs(b.own - a.at), a, total[q])
            dp = _rate(a, b) * dq
            a.move, b.move = abs(b.own - a.at), dp * total[p] / (b.c * b.s_gives)
        for side, toward in ((a, b.own), (b, a.own)):
            if side.at > toward:
                side.move = -side.move
            side.moves.append(side.move)
            side.vote = side.at + side.move
        self.gain = abs(dq * a.s_gives - dp * a.s_wants)
        self.valid = a.may_move(a.move) and b.may_move(b.move) and not self.gain < _NO_GAIN
        if self.valid:
            self.stop_at_partner(a, b)
            self.stop_at_partner(b, a)
            self.valid = a.may_move(a.move) and b.may_move(b.move)

    def stop_at_partner(self, mover: _Side, partner: _Side) -> None:
        """If ``mover``'s shift carries the outcome on its issue past ``partner``'s
        position, resize the exchange so that the outcome stops there."""
        k, seen, board = mover.gives, self.seen.setdefault(mover.gives, {}), self.board
        before = board.outcome(k, seen, mover.actor, mover.at)
        after = board.outcome(k, seen, mover.actor, mover.vote)
        aim = partner.own
        if (aim - before >= 0 and aim - after >= 0) or (aim - before <= 0 and aim - after <= 0):
            return
        delta = abs(board.shift_to(k, seen, mover.actor, mover.at, aim))
        dp = _shift(delta, mover, board.total[k])
        dq = _rate(mover, partner) * dp
        partner.move = abs(dq * board.total[partner.gives] / (partner.c * partner.s_gives))
        mover.move = delta
        for side, toward in ((partner, mover.own), (mover, partner.own)):
            if side.at > toward:
                side.move = -side.move
            side.moves[-1] = side.move
            side.vote = side.at + side.move
        self.gain = abs(dq * partner.s_gives - dp * partner.s_wants)
        self.valid = partner.may_move(partner.move) and mover.may_move(mover.move)

    def learn(self, done: _Deal) -> None:
        """Re-size this exchange after ``done`` was made, as DECIDE does.

        A side that shifts on the same issue as an actor of ``done`` continues from
        that actor's new vote. If an actor of ``done`` wants the same issue as a side
        here, its partner's new vote is noted in ``seen`` for the outcome checks.
        """
        redo = False
        for mine in (self.first, self.second):
            for theirs in (done.first, done.second):
                if (mine.actor, mine.gives) == (theirs.actor, theirs.gives):
                    mine.at = theirs.vote
                    mine.moves.append(theirs.moves[-1])
                    redo = True
                    break
        if redo:
            self._drop_last_moves()
        for wanter, mover in ((done.second, done.first), (done.first, done.second)):
            if any((wanter.actor, wanter.wants) == (mine.actor, mine.wants)
                   for mine in (self.first, self.second)):
                seen = self.seen.setdefault(wanter.wants, {})
                earlier = seen.get(mover.actor)
                seen[mover.actor] = mover.vote if earlier is None else _kept(mover, earlier)
                if not redo:
                    self._drop_last_moves()
                    redo = True
        if redo:
            self.size()

    def _drop_last_moves(self) -> None:
        self.first.moves.pop()
        self.second.moves.pop()


def _kept(mover: _Side, earlier: Decimal) -> Decimal:
    """Of two votes noted for one actor, the one nearer to where it started the round."""
    return min(earlier, mover.vote) if mover.start <= earlier else max(earlier, mover.vote)


def _decide_round(board: _Board, n_actors: int) -> list[_Deal]:
    """One round of DECIDE's model: the exchanges made, in order.

    Every pair of issues (p, q), in dimension order; actors on the same side of the
    outcome on neither issue can exchange: those above both outcomes with those at
    or below both, those at or below on p only with those at or below on q only.
    The exchange with the highest gain is made (the first listed on a tie), every
    other is re-sized (:meth:`_Deal.learn`), and so on until none is left.
    """
    outcome = [board.outcome(k) for k in range(len(board.members))]
    below = [{a: x <= outcome[k] for a, x in board.position[k].items()}
             for k in range(len(board.members))]
    deals: list[_Deal] = []
    for p, q in combinations(range(len(board.members)), 2):
        groups: tuple[list[int], ...] = ([], [], [], [])
        for a in range(n_actors):
            if a in below[p] and a in below[q]:
                groups[below[p][a] + 2 * below[q][a]].append(a)
        for one, other in ((groups[0], groups[3]), (groups[1], groups[2])):
            deals += [_Deal.open(board, i, j, p, q) for i in one for j in other]
    made: list[_Deal] = []
    while deals:
        deals.sort(key=lambda deal: deal.gain, reverse=True)
        best = deals.pop(0)
        if not best.valid:
            continue
        for deal in deals:
            if deal.valid:
                deal.learn(best)
        deals = [deal for deal in deals if deal.valid]
        made.append(best)
    return made


def _decide(scenario, rounds: int, actors: Actors) -> Forecast:
    """The exchange model as decide-exchange-model 2025.3.1 runs it (deterministic)."""
    if rounds < 1:
        raise ValueError(f"max_rounds must be at least 1 (got {rounds})")
    arrays = scenario.arrays
    rows = participants(scenario, actors)
    ids = [arrays.actor_ids[r] for r in rows]
    dims = list(arrays.dimension_ids)
    interest, salience = arrays.position[rows], arrays.salience[rows]
    weight = arrays.capability[rows, None] * salience
    members = [[a for a in range(len(rows)) if weight[a, k] > 0] for k in range(len(dims))]
    board = _Board(
        members,
        [{a: Decimal(f"{100 * interest[a, k]:.9f}") for a in m} for k, m in enumerate(members)],
        [{a: Decimal(repr(float(salience[a, k]))) for a in m} for k, m in enumerate(members)],
        [Decimal(repr(float(c))) for c in arrays.capability[rows]],
    )

    def on_unit(values: list[Decimal]) -> dict[str, float]:
        return {d: float(v / _FULL) for d, v in zip(dims, values, strict=True)}

    executed: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    converged = False
    for round_number in range(1, rounds + 1):
        start = [board.outcome(k) for k in range(len(dims))]
        made = _decide_round(board, len(rows))
        for deal in made:
            executed.append(_describe(deal, round_number, ids, dims))
            for side in (deal.first, deal.second):
                board.position[side.gives][side.actor] = side.vote
        voting = [board.outcome(k) for k in range(len(dims))]
        votes = [dict(board.position[k]) for k in range(len(dims))]
        for deal in made:
            for side in (deal.first, deal.second):
                board.position[side.gives][side.actor] = side.next_start()
        history.append({"round": round_number, "start": on_unit(start),
                        "voting": on_unit(voting)})
        if not made:  # nothing moves: every later round would be this one again
            converged = True
            break
    position = np.array([float(v / _FULL) for v in voting])
    empty = np.array([not total for total in board.total])
    position[empty] = weighted_mean(interest, weight)[empty]
    return Forecast("exchange", position, {
        "solution": "equal gain",
        "compat": "decide-exchange-model 2025.3.1, deterministic (ALLOW_RANDOM = False)",
        "actors": actors,
        "rounds": len(history),
        "converged": converged,
        "exchanges": executed,
        "rounds_outcomes": history,
        "voting_positions": {ids[a]: {dims[k]: float(votes[k][a] / _FULL)
                                      for k in range(len(dims)) if a in votes[k]}
                             for a in range(len(ids))},
    })


def _describe(deal: _Deal, round_number: int, ids: list[str], dims: list[str]) -> dict[str, Any]:
    """An exchange made, JSON-ready, on [0, 1] like the default model's."""
    a, b = deal.first, deal.second
    return {
        "round": round_number,
        "actors": [ids[a.actor], ids[b.actor]],
        "issues": [dims[a.wants], dims[a.gives]],
        "demands": {ids[a.actor]: dims[a.wants], ids[b.actor]: dims[b.wants]},
        "shifts": [{"actor": ids[side.actor], "issue": dims[side.gives],
                    "from": float(side.at / _FULL), "to": float(side.vote / _FULL)}
                   for side in (b, a)],
        "gain": float(deal.gain / _FULL),
    }
