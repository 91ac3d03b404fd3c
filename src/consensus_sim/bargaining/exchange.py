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
"""

from __future__ import annotations

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


def exchange(
    scenario,
    tie_break: Literal["input", "random"] = "input",
    seed: int | np.random.Generator | None = None,
    max_rounds: int = 100,
    min_gain: float = 1e-9,
    actors: Actors = "all",
) -> Forecast:
    """Stokman's exchange model with the Equal Gain solution (see the module docstring).

    Args:
        scenario: the scenario; positions, saliences and capabilities are used.
        tie_break: ``"input"`` (default): among equal gains the first exchange in
            input order goes first; ``"random"``: a seeded random choice.
        seed: seed or generator for ``tie_break="random"``.
        max_rounds: rounds of exchange at most.
        min_gain: an exchange must give each actor more than this.
        actors: ``"all"`` (default) or ``"members"``; see :func:`participants`.

    Returns:
        A :class:`Forecast` named ``"exchange"``. ``detail["exchanges"]`` lists each
        exchange executed: its round, the two actors, the two issues, what each
        actor demanded, each actor's shift of voting position (``from``, ``to``),
        the shift of each outcome and the gain of each actor;
        ``detail["voting_positions"]`` holds the voting positions reached.
    """
    if tie_break not in ("input", "random"):
        raise ValueError(f"tie_break must be 'input' or 'random' (got {tie_break!r})")
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
