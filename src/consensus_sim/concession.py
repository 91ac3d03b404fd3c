"""How the agenda setter changes a blocked proposal's scope.

Each strategy is a pure function that moves the proposal ``x`` toward one blocker's
ideal point and never away from it:

- :func:`minimal`: the smallest move that wins the blocker over, taken on its most
  salient dimension first (the Romer-Rosenthal setter: concede exactly as much as
  needed, no more).
- :func:`split`: meet the blocker halfway on every dimension.
- :func:`ladder`: step one labelled level toward the blocker on its most salient
  dimension that still has room.

:func:`win_over` finds the cheapest minimal concession for one blocker: narrowing
the scope, or a side payment on another issue when that costs the payer less
(issue linkage). :func:`win_over_all` chains it over every blocker; the setter uses
it to find the best version the blockers would accept, and withdraws the proposal
when even that version is no better for it than the status quo.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

#: The implicit ladder of a dimension that has no labelled levels.
DEFAULT_GRID = np.linspace(0.0, 1.0, 11)
#: Concede this much utility beyond the exact deficit, so that rounding cannot
#: leave the blocker a hair short of being won over.
MARGIN = 1e-9


def minimal(x: np.ndarray, ideal: np.ndarray, salience: np.ndarray, gamma: float,
            deficit: float) -> np.ndarray:
    """The smallest move of ``x`` toward ``ideal`` that gives back ``deficit`` utility.

    Dimensions are taken in order of the blocker's salience: the most salient one
    is moved first, all the way to the blocker's ideal if that is not enough, then
    the next. On the last dimension moved, the new distance d' solves
    s * (d**gamma - d'**gamma) = remaining deficit.
    """
    x = x.copy()
    remaining = deficit + MARGIN
    for k in np.argsort(-salience, kind="stable"):
        if remaining <= 0.0:
            break
        s = salience[k]
        gap = x[k] - ideal[k]
        if s <= 0.0 or gap == 0.0:
            continue
        gain = s * abs(gap) ** gamma
        if gain <= remaining:
            x[k] = ideal[k]
            remaining -= gain
        else:
            new_gap = (abs(gap) ** gamma - remaining / s) ** (1.0 / gamma)
            x[k] = ideal[k] + np.copysign(new_gap, gap)
            remaining = 0.0
    return x


def split(x: np.ndarray, ideal: np.ndarray, salience: np.ndarray, gamma: float,
          deficit: float) -> np.ndarray:
    """Meet the blocker halfway: move every dimension half the way to its ideal."""
    return x + 0.5 * (ideal - x)


def ladder(x: np.ndarray, ideal: np.ndarray, salience: np.ndarray, gamma: float,
           deficit: float, levels: Sequence[np.ndarray] = ()) -> np.ndarray:
    """Step one level down the ladder toward the blocker on its most salient dimension.

    The step goes to the next labelled level in the blocker's direction (an
    11-point grid 0, 0.1, ..., 1 where a dimension has no levels), and is taken only
    if it brings the proposal closer to the blocker's ideal; otherwise the next most
    salient dimension is tried. If no dimension has such a step, x is returned
    unchanged.
    """
    for k in np.argsort(-salience, kind="stable"):
        grid = levels[k] if k < len(levels) and levels[k].size else DEFAULT_GRID
        toward = grid[grid < x[k] - 1e-12] if ideal[k] < x[k] else grid[grid > x[k] + 1e-12]
        if salience[k] <= 0.0 or ideal[k] == x[k] or toward.size == 0:
            continue
        step = toward.max() if ideal[k] < x[k] else toward.min()
        if abs(step - ideal[k]) < abs(x[k] - ideal[k]):
            moved = x.copy()
            moved[k] = step
            return moved
    return x


Strategy = Callable[..., np.ndarray]
STRATEGIES: dict[str, Strategy] = {"minimal": minimal, "split": split, "ladder": ladder}


def win_over_all(x: np.ndarray, blockers: Sequence[int], allowed: np.ndarray,
                 status_quo_utility: np.ndarray, position: np.ndarray, salience: np.ndarray,
                 gamma: np.ndarray, side: np.ndarray | None = None,
                 payer: np.ndarray | None = None,
                 side_payments: bool = False) -> tuple[np.ndarray, list[Payment]]:
    """The proposal after minimal concessions to every blocker, in the given order.

    Each blocker's deficit is measured on the proposal as already amended for the
    blockers before it, so a concession that also satisfies a later blocker is not
    paid twice. Each concession is :func:`win_over`'s: narrowing, or a side payment.

    Args:
        allowed: per member, the loss against the status quo it accepts without blocking.
        status_quo_utility: per member, U_i(status quo).
        side, payer, side_payments: see :func:`win_over` (default: no side dimensions).
    """
    side = np.zeros(x.size, dtype=bool) if side is None else side
    payer = np.zeros(x.size, dtype=np.intp) if payer is None else payer
    payments = []
    for i in blockers:
        utility = _utility(position[i], salience[i], gamma[i], x)
        deficit = status_quo_utility[i] - utility - allowed[i]
        if deficit > 0.0:
            x, paid = win_over(x, i, deficit, position, salience, gamma, side, payer,
                               side_payments)
            if paid is not None:
                payments.append(paid)
    return x, payments


class Payment(NamedTuple):
    """A side payment: ``payer`` concedes ``amount`` on side dimension ``dimension`` to
    win ``to`` over (rows and a column index; the model names them)."""

    payer: int
    to: int
    dimension: int
    amount: float


def win_over(x: np.ndarray, i: int, deficit: float, position: np.ndarray,
             salience: np.ndarray, gamma: np.ndarray, side: np.ndarray, payer: np.ndarray,
             side_payments: bool) -> tuple[np.ndarray, Payment | None]:
    """The cheapest minimal concession that wins member ``i`` over.

    Narrowing moves only the proposal's scope (dimensions that are not ``side``).
    Where side payments are allowed, each side dimension ``k`` the member cares about
    is an alternative: its payer concedes on ``k`` first (and narrows for whatever
    deficit remains). A payer pays only when paying costs it less than narrowing;
    among such offers, the one that costs its payer least wins.

    Returns:
        The amended proposal and the payment made, if any.
    """
    scope_only = np.where(side, 0.0, salience[i])
    narrowed = minimal(x, position[i], scope_only, gamma[i], deficit)
    if not side_payments or not side.any():
        return narrowed, None
    best, best_cost, payment = narrowed, np.inf, None
    for k in np.flatnonzero(side & (salience[i] > 0) & (x != position[i])):
        p = payer[k]
        only_k = np.zeros_like(salience[i])
        only_k[k] = salience[i][k]
        paid = minimal(x, position[i], only_k, gamma[i], deficit)
        gained = _utility(position[i], salience[i], gamma[i], paid) - _utility(
            position[i], salience[i], gamma[i], x)
        if gained < deficit:  # the side dimension alone is not enough: narrow the rest
            paid = minimal(paid, position[i], scope_only, gamma[i], deficit - gained)
        before = _utility(position[p], salience[p], gamma[p], x)
        cost_paying = before - _utility(position[p], salience[p], gamma[p], paid)
        cost_narrowing = before - _utility(position[p], salience[p], gamma[p], narrowed)
        if cost_paying < cost_narrowing and cost_paying < best_cost:
            best, best_cost = paid, cost_paying
            payment = Payment(int(p), int(i), int(k), float(abs(paid[k] - x[k])))
    return best, payment


def _utility(ideal: np.ndarray, salience: np.ndarray, gamma: float, x: np.ndarray) -> float:
    return -float((salience * np.abs(x - ideal) ** gamma).sum())
