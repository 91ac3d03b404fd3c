"""The agenda setter's problem: the best text that every needed member accepts.

A text x is a point of the box [lower, upper] (a sub-box of [0, 1]^d). Every actor
values it by

    U(x) = -sum_k s_k * |x_k - p_k| ** gamma

with ideal point p, saliences s >= 0 and exponent gamma >= 1. Member i accepts x when
its loss stays within its budget,

    sum_k S_ik * |x_k - P_ik| ** G_i <= B_i,

where B_i is its loss at the status quo plus what it tolerates. The agenda setter
proposes the text it likes best among those every needed member accepts (Romer and
Rosenthal's setter, with many members and many dimensions):

    maximise U_0(x) subject to every member's budget and lower <= x <= upper.

Every loss is convex for exponents >= 1, so the acceptable texts form a convex set
and the setter's best is found exactly, not by search. The caller vouches for one
acceptable text, the status quo (``feasible_point``), so the set is never empty.

**Ties.** When the setter is indifferent between several best texts (it has no
salience on a dimension, or linear utility with a flat stretch), the rule is: of
the best texts, the one nearest (in Euclidean distance) to ``tie_reference``. In
symbols, with v* the setter's best utility, the text solves

    minimise ||x - tie_reference||^2 over the acceptable x with U_0(x) >= v* - 1e-12.

**Method.** :func:`best_text` puts the dimensions and members in a canonical order
(sorted by their data), so that the answer does not depend, to the last bit, on the
order the caller lists them in. It then settles what needs no solver
(:func:`_narrow`): dimensions fixed by the box (lower == upper) add a constant to
each member's loss; a member that cares about one free dimension only accepts an
interval of it (the closed form of :func:`acceptance_interval`), which narrows the
box; a member whose budget leaves it all but nothing beyond its least loss over the
box fixes those dimensions; a member that accepts every text of the box (its loss is
largest at a corner) or that has no salience left is dropped.

What remains is solved by the active-set idea (:func:`_solve`): most members'
budgets are slack at the optimum, so start from the setter's own best text in the
box, add the member whose budget it breaks most to a working set, solve with the
working set only, and repeat until no budget is broken. Each working set is solved
through its Lagrangian dual (:class:`_Dual`): for multipliers lambda >= 0, the
Lagrangian loss_0(x) + sum_i lambda_i (loss_i(x) - B_i) is a sum of one-dimensional
convex functions, minimised exactly dimension by dimension (kinks of linear utility
included). With one working member the multiplier is the root of a monotone
function, found by a safeguarded Newton-secant-bisection search; with several,
projected Newton steps on lambda balance the working budgets to rounding. The
working sets are tiny, so this inner loop runs on plain floats.

When the setter's loss is not strictly convex (no salience on a dimension, or
linear utility), its best text may not be unique (:func:`_best_not_strict`): the
setter's ideal may be reachable on the dimensions it cares about (then the tie rule
picks a text on that slice); or the dual alone may show the best text to be unique;
otherwise a small proximal term delta ||x - anchor||^2, anchored at
``tie_reference``, makes the problem strictly convex. Its solution is the nearest
acceptable text to the reference among those at least as good as itself, so it is
returned when a duality gap certifies it as one of the setter's best; if not,
proximal steps converge to a best text, and the tie rule is applied as a second
problem with the setter's loss held at its best (plus :data:`TIE_SLACK`).

Finally, a text a hair outside some budget is pulled toward ``feasible_point``
along the segment until every budget holds. The rare problem the dual steps cannot
settle (acceptable sets that only touch, so that no finite multipliers exist, or
kinks too sharp for the multipliers' resolution) goes to a last resort
(:func:`_fallback`), which is slower and exact to about 1e-8 only.

For one free dimension the whole problem is an intersection of intervals; the
vectorised :func:`acceptance_interval` does that for thousands of runs at once.
"""

from __future__ import annotations

import bisect
import math
import warnings
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["acceptable_text", "acceptance_interval", "best_text"]

#: The tie rule's slack: a text counts as one of the setter's best when its utility
#: is within this of the best.
TIE_SLACK = 1e-12
#: A member's budget counts as broken when its loss exceeds it by more than this
#: share of it (the dual steps balance budgets to this).
_BROKEN = 1e-13
#: A working budget balanced to this share of it counts as balanced when the dual
#: steps no longer improve (the multipliers' rounding limits the balance); the
#: multipliers are then nudged until the budget holds to rounding (_ROUNDING).
_STALLED = 1e-11
#: The duality gap that certifies a text as the setter's best (plus rounding noise).
_CERTIFIED_GAP = 1e-12
#: A member whose whole budget moves a text less than this off its ideal on a
#: dimension fixes that dimension (its multiplier would be astronomically large), as
#: does a box narrowed to less than this: a move below the resolution of floats.
#: (Not more: through another member's cubic loss at its ideal, a move of 1e-10 can
#: free 1e-4 of a text.)
_NEGLIGIBLE = 1e-14
#: The proximal weight, relative to the setter's largest salience, used when the
#: setter's optimum need not be unique.
_PROXIMAL = 1e-3
#: The excess over a budget, as a share of it, that the final text may keep: rounding,
#: not a breach (pulling a text along a flat face of a linear member's set cannot
#: remove it). Losses are sums of non-negative terms, so their rounding is relative.
_ROUNDING = 2e-13
#: ... and in absolute terms (the promise is 1e-12): a pull along a segment on which
#: the excess hardly falls would move the text far for nothing.
_ROUNDING_ABSOLUTE = 5e-13
_EPS = float(np.finfo(float).eps)
_STEP = 2.0 * _EPS


class _PowerLosses:
    """Rows of separable power losses: row j is sum_k weight[j, k] |x_k - centre[j, k]|^power[j]."""

    __slots__ = ("centre", "exponent", "power", "quadratic", "weight")

    def __init__(self, centre: np.ndarray, weight: np.ndarray, power: np.ndarray) -> None:
        self.centre, self.weight, self.power = centre, weight, power
        self.exponent = power[:, None]
        self.quadratic = bool((power == 2.0).all())

    def values(self, x: np.ndarray) -> np.ndarray:
        """Each row's loss at the text x."""
        gap = x - self.centre
        if self.quadratic:
            gap *= gap
        else:
            np.abs(gap, out=gap)
            gap **= self.exponent
        gap *= self.weight
        return gap.sum(axis=1)

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """Each row's gradient at x (a subgradient at a kink of a linear row), shape (n, d)."""
        offset = x - self.centre
        if self.quadratic:
            return 2.0 * self.weight * offset
        return (self.weight * self.exponent * np.sign(offset)
                * np.abs(offset) ** (self.exponent - 1.0))

    def rows(self, keep: np.ndarray) -> _PowerLosses:
        return _PowerLosses(self.centre[keep], self.weight[keep], self.power[keep])

    def columns(self, keep: np.ndarray) -> _PowerLosses:
        return _PowerLosses(self.centre[:, keep], self.weight[:, keep], self.power)

    def stack(self, other: _PowerLosses) -> _PowerLosses:
        return _PowerLosses(np.vstack([self.centre, other.centre]),
                            np.vstack([self.weight, other.weight]),
                            np.concatenate([self.power, other.power]))


class _Solution(NamedTuple):
    x: np.ndarray
    multipliers: np.ndarray
    status: str


# --------------------------------------------------------------------------- public


def best_text(ideal: ArrayLike, salience: ArrayLike, gamma: float,
              member_ideal: ArrayLike, member_salience: ArrayLike,
              member_gamma: ArrayLike, budget: ArrayLike,
              lower: ArrayLike, upper: ArrayLike, feasible_point: ArrayLike,
              tie_reference: ArrayLike | None = None) -> np.ndarray:
    """The text the agenda setter likes best among those every member accepts.

    The setter maximises U_0(x) = -sum_k salience_k |x_k - ideal_k|^gamma over the
    texts x with lower <= x <= upper that every member i accepts, that is whose loss
    sum_k member_salience_ik |x_k - member_ideal_ik|^member_gamma_i is at most
    budget_i. Of several best texts it returns the one nearest to ``tie_reference``
    (the rule is exact to a utility slack of 1e-12, :data:`TIE_SLACK`). The result
    does not depend on the order of the members or of the dimensions.

    Args:
        ideal: the setter's ideal point, shape (d,).
        salience: the setter's saliences, shape (d,), >= 0.
        gamma: the setter's exponent, >= 1.
        member_ideal: the members' ideal points, shape (m, d).
        member_salience: the members' saliences, shape (m, d), >= 0.
        member_gamma: the members' exponents, shape (m,), >= 1.
        budget: the loss each member accepts: its loss at the status quo plus its
            tolerance, shape (m,).
        lower, upper: the box of admissible texts, shape (d,); a dimension with
            lower == upper is fixed.
        feasible_point: a text every member accepts (the status quo), shape (d,).
        tie_reference: the text ties are broken toward; the ``feasible_point`` if
            not given.

    Returns:
        The setter's best acceptable text, shape (d,). Every budget and bound holds
        at it (to 1e-12), and the setter's utility is within 1e-9 of the best.

    Raises:
        ValueError: when shapes disagree, an exponent is below 1, a salience is
            negative, lower > upper, or ``feasible_point`` breaks a bound or a budget.

    Example:
        One dimension: the setter wants 1, the member wants 0 and accepts a loss of
        0.25 with quadratic utility, so it accepts |x| <= 0.5 and the setter gets 0.5:

        >>> best_text([1.0], [1.0], 2.0, [[0.0]], [[1.0]], [2.0], [0.25],
        ...           [0.0], [1.0], [0.0])
        array([0.5])
    """
    setter, members, budget, lower, upper, start, tie = _checked(
        ideal, salience, gamma, member_ideal, member_salience, member_gamma, budget,
        lower, upper, feasible_point, tie_reference)
    # solve in a canonical order of dimensions and members, so that the answer is the
    # same, to the last bit, whatever order the caller lists them in
    dims, rows = _canonical_order(setter, members, budget, lower, upper, start, tie)
    setter = setter.columns(dims)
    members = members.columns(dims).rows(rows)
    budget, start, tie = budget[rows], start[dims], tie[dims]
    lower, upper = lower[dims], upper[dims]
    x = _best(setter, members, budget, lower, upper, start, tie)
    x = _pull_inside(np.clip(x, lower, upper), start, members, budget)
    text = np.empty_like(x)
    text[dims] = x
    return text


#: A member's loss may exceed its budget by this share of it (plus this much) at a
#: text :func:`acceptable_text` returns: well inside the tolerance of ``best_text``.
_ACCEPTABLE = 1e-10


def acceptable_text(member_ideal: ArrayLike, member_salience: ArrayLike,
                    member_gamma: ArrayLike, budget: ArrayLike, lower: ArrayLike,
                    upper: ArrayLike, start: ArrayLike) -> np.ndarray | None:
    """A text of the box that every member accepts, or None when there is none.

    ``start`` is returned when every member accepts it (the status quo, in the usual
    problem). Otherwise (a member's outside option is better for it than the status
    quo, or a dimension is held away from it) the least worst excess over a budget,

        minimise t over (x, t)  subject to  loss_i(x) - budget_i <= t,  lower <= x <= upper,

    a convex problem, is solved by scipy's SLSQP from ``start`` and from the members'
    mean ideal point; the answer is acceptable when its largest excess is at most
    1e-10 of the budget (plus 1e-10), else no text is (to that tolerance).

    Example:
        Two members at 0 and 1 who each accept a loss of 0.2 around their ideal
        (quadratic): no text is within sqrt(0.2) = 0.447 of both.

        >>> acceptable_text([[0.0], [1.0]], [[1.0], [1.0]], [2.0, 2.0], [0.2, 0.2],
        ...                 [0.0], [1.0], [0.0]) is None
        True
    """
    position = np.atleast_2d(np.asarray(member_ideal, dtype=float))
    members = _PowerLosses(position, np.atleast_2d(np.asarray(member_salience, dtype=float)),
                           np.asarray(member_gamma, dtype=float).reshape(-1))
    budget = np.asarray(budget, dtype=float).reshape(-1)
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    start = np.clip(np.asarray(start, dtype=float), lower, upper)
    limit = _ACCEPTABLE * (1.0 + np.abs(budget))
    if budget.size == 0 or np.all(members.values(start) - budget <= limit):
        return start
    from scipy.optimize import minimize

    d = start.size

    def excess(z: np.ndarray) -> np.ndarray:  # >= 0 where a budget holds
        return budget - members.values(z[:d]) + z[d]

    def jacobian(z: np.ndarray) -> np.ndarray:
        return np.hstack([-members.gradient(z[:d]), np.ones((budget.size, 1))])

    best = None
    for x0 in (start, np.clip(position.mean(axis=0), lower, upper)):
        z0 = np.append(x0, max(0.0, float((members.values(x0) - budget).max())))
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = minimize(lambda z: z[d], z0, jac=lambda z: np.eye(d + 1)[d],
                              method="SLSQP",
                              bounds=[*zip(lower, upper, strict=True), (None, None)],
                              constraints=[{"type": "ineq", "fun": excess, "jac": jacobian}],
                              options={"ftol": 1e-14, "maxiter": 500})
        x = np.clip(result.x[:d], lower, upper)
        worst = float((members.values(x) - budget - limit).max())
        if best is None or worst < best[0]:
            best = (worst, x)
    return best[1] if best[0] <= 0.0 else None


def acceptance_interval(member_ideal: ArrayLike, member_salience: ArrayLike,
                        member_gamma: ArrayLike, budget: ArrayLike,
                        lower: ArrayLike, upper: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The texts every member accepts on one dimension, for many runs at once.

    On one dimension member i accepts x when S_i |x - P_i|^G_i <= B_i, that is
    |x - P_i| <= (B_i / S_i)^(1 / G_i): an interval around its ideal. The texts all
    members accept are the intersection of those intervals with the box. A member
    with no salience accepts every text (if its budget is >= 0); a negative budget
    accepts none. When other dimensions are fixed, pass as budget what is left of it
    after the loss on those dimensions. The setter's best text is then its ideal
    clipped to the interval (``numpy.clip(ideal, low, high)``), or, if it has no
    salience on the dimension, the tie reference clipped.

    Args:
        member_ideal, member_salience, member_gamma, budget: shape (R, m), one row
            per run (anything that broadcasts to it, e.g. gamma of shape (R, 1)).
        lower, upper: the box, shape (R,).

    Returns:
        ``(low, high)``, each of shape (R,). A run where no text is acceptable has
        low > high.

    Example:
        Two members at 0 and 1 with quadratic utility and budgets 0.25 and 0.5625
        accept |x| <= 0.5 and |x - 1| <= 0.75, so together [0.25, 0.5]:

        >>> acceptance_interval([[0.0, 1.0]], [[1.0, 1.0]], [[2.0, 2.0]],
        ...                     [[0.25, 0.5625]], [0.0], [1.0])
        (array([0.25]), array([0.5]))
    """
    ideal, salience, exponent, limit = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (member_ideal, member_salience, member_gamma,
                                               budget)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        reach = (np.maximum(limit, 0.0) / salience) ** (1.0 / exponent)
    reach = np.where(salience > 0.0, reach, np.inf)
    reach = np.where(limit < 0.0, -np.inf, reach)
    low = np.maximum(np.asarray(lower, dtype=float), (ideal - reach).max(axis=-1))
    high = np.minimum(np.asarray(upper, dtype=float), (ideal + reach).min(axis=-1))
    return low, high


# ------------------------------------------------------------------ the solution


def _best(setter: _PowerLosses, members: _PowerLosses, budget: np.ndarray,
          lower: np.ndarray, upper: np.ndarray, start: np.ndarray, tie: np.ndarray,
          start_acceptable: bool = True) -> np.ndarray | None:
    """The setter's best text (before the final pull inside), by the module's method.

    With ``start_acceptable`` false, ``start`` is only a guess and the problem may
    have no acceptable text; then None is returned for it.
    """
    narrowed = _narrow(members, budget, lower, upper, start if start_acceptable else None)
    if narrowed is None:
        return None
    lower, upper, keep, remaining = narrowed
    x = lower.copy()
    free = lower < upper
    if not free.any():
        return x
    members = members.rows(keep)
    remaining = remaining[keep]
    if free.all():
        box = lower, upper
    else:
        setter, members = setter.columns(free), members.columns(free)
        box = lower[free], upper[free]
        start, tie = start[free], tie[free]
    cares = setter.weight[0] > 0.0
    if not cares.any():
        indifferent = _PowerLosses(tie[None, :], np.ones((1, tie.size)), np.array([2.0]))
        solution = _solve(indifferent, members, remaining, *box, start,
                          start_acceptable=start_acceptable)
        if solution.status == _INFEASIBLE:
            return None
        x[free] = solution.x if solution.status == _SOLVED else _fallback(
            indifferent, setter, members, remaining, *box, start, tie, solution)
    elif setter.power[0] > 1.0 and cares.all():
        solution = _solve(setter, members, remaining, *box, start)
        x[free] = solution.x if solution.status == _SOLVED else _fallback(
            setter, setter, members, remaining, *box, start, tie, solution)
    else:
        x[free] = _best_not_strict(setter, members, remaining, *box, start, tie)
    return x


def _best_not_strict(setter: _PowerLosses, members: _PowerLosses, budget: np.ndarray,
                     lower: np.ndarray, upper: np.ndarray, start: np.ndarray,
                     tie: np.ndarray) -> np.ndarray:
    """The setter's best text when its utility is not strictly concave.

    In turn, until one settles it:

    1. With an exponent above 1, the setter's best is its ideal on the dimensions it
       cares about, if some acceptable text has it there: then the tie rule picks
       the acceptable text nearest to ``tie`` on that slice.
    2. The dual solution without any regularisation, if the Lagrangian's minimiser
       there is unique (some strictly convex term weighs on every dimension): then
       the best text is unique, and the tie rule has nothing to choose.
    3. Proximal steps x_{j+1} = argmin loss_0(x) + delta ||x - x_j||^2 (on the
       dimensions where the setter's loss is not strictly convex) over the
       acceptable texts, from x_0 = tie. The first step x_1 is the acceptable text
       nearest to ``tie`` among those the setter likes at least as well as x_1 (a
       better text y would make loss_0(y) + delta ||y - tie||^2 smaller), so x_1 is
       returned as soon as the duality gap shows it is a best text. Otherwise the
       steps converge to a best text x*; the dimensions x* leaves undetermined are
       then chosen by the tie rule, with the setter's loss held at its best.
    """
    salience, exponent = setter.weight[0], setter.power[0]
    strictly = (salience > 0.0) & (exponent > 1.0)
    indifferent = _PowerLosses(setter.centre, np.zeros_like(setter.weight), setter.power)
    if strictly.any():
        on_ideal_lower, on_ideal_upper = lower.copy(), upper.copy()
        on_ideal_lower[strictly] = on_ideal_upper[strictly] = np.clip(
            setter.centre[0], lower, upper)[strictly]
        x = _best(indifferent, members, budget, on_ideal_lower, on_ideal_upper, start, tie,
                  start_acceptable=False)
        if x is not None:
            return x
    if _determined(setter, members, np.ones(budget.size)).all():  # else step 2 cannot
        plain = _solve(setter, members, budget, lower, upper, start)
        if plain.status == _SOLVED and _determined(setter, members, plain.multipliers).all():
            return plain.x
    delta = np.where(strictly, 0.0, _PROXIMAL * salience.max())[None, :]

    def proximal(anchor: np.ndarray, warm: np.ndarray | None) -> _Solution:
        objective = setter.stack(_PowerLosses(anchor[None, :], delta, np.array([2.0])))
        return _solve(objective, members, budget, lower, upper, start, warm)

    first = proximal(tie, None)
    if first.status != _SOLVED:
        return _fallback(setter, setter, members, budget, lower, upper, start, tie, first)
    previous, warm = first.x, first.multipliers
    best_loss = float(setter.values(first.x)[0])
    settled = False
    for steps in range(60):
        step = proximal(previous, warm)
        if step.status != _SOLVED:
            break
        bound = _lower_bound(setter, members, budget, step.multipliers, lower, upper, step.x)
        if best_loss - bound <= _gap_tolerance(best_loss):
            return first.x
        moved = np.abs(step.x - previous).max()
        loss = float(setter.values(step.x)[0])
        previous, warm = step.x, step.multipliers
        # a best text: a fixed point of the proximal step (which the setter's
        # subgradient, at most 2 delta |moved| there, certifies to 1e-15), or a text
        # whose loss meets the bound while the steps crawl (a loss flat to third
        # order)
        if moved <= 1e-13 and steps == 0:
            return first.x  # a best text, and the nearest to tie of those as good
        if moved <= 1e-13 or (loss - bound <= _gap_tolerance(loss) and steps >= 8):
            settled = True
            break
    if not settled:
        return _fallback(setter, setter, members, budget, lower, upper, start, tie, step)
    strict = _determined(setter, members, warm)
    if strict.all():
        return previous
    lower, upper = lower.copy(), upper.copy()
    lower[strict] = upper[strict] = previous[strict]
    held = np.concatenate([budget, [loss + TIE_SLACK]])
    x = _best(indifferent, members.stack(setter), held, lower, upper, previous, tie)
    return previous if x is None else x


def _determined(setter: _PowerLosses, members: _PowerLosses,
                multipliers: np.ndarray) -> np.ndarray:
    """The dimensions on which the Lagrangian (setter's loss plus multipliers times
    members' losses) is strictly convex, so that its minimiser, and the best text,
    is unique there: the setter, or a member with a positive multiplier, has
    salience there and an exponent above 1."""
    weight = multipliers[:, None] * members.weight
    scale = setter.weight[0] + weight.sum(axis=0)
    strict = (setter.weight[0] > 0.0) & (setter.power[0] > 1.0)
    return strict | ((weight * (members.power[:, None] > 1.0)) > 1e-9 * scale).any(axis=0)


_SOLVED, _INFEASIBLE, _FAILED = "solved", "infeasible", "failed"


def _solve(objective: _PowerLosses, members: _PowerLosses, budget: np.ndarray,
           lower: np.ndarray, upper: np.ndarray, start: np.ndarray,
           warm: np.ndarray | None = None, start_acceptable: bool = True) -> _Solution:
    """Minimise a strictly convex separable loss over the members' acceptable texts.

    The active-set loop: solve with a working set of members (at first none, or
    those with a positive multiplier in ``warm``), add the member whose budget the
    solution breaks most, and repeat until no budget is broken. Each working set's
    problem is solved through its Lagrangian dual (:class:`_Dual`); a member whose
    multiplier comes out zero leaves the working set (each added member raises the
    objective, so no working set recurs). The text is pulled inside the budgets
    toward ``start`` at the end, if ``start`` is acceptable; if it is not, the
    status says whether any text is.
    """
    m = budget.size
    multipliers = np.zeros(m) if warm is None else warm.copy()
    working = multipliers > 0.0
    tolerance = _BROKEN * budget
    dropped = np.zeros(m, dtype=bool)
    ceiling = None if start_acceptable else _largest(objective, lower, upper)
    x = start
    status = _SOLVED
    for _ in range(3 * m + 3):
        if working.any():
            # each working budget as 1: loss_i / B_i <= 1 keeps the multipliers of a
            # member with a tiny budget (a tiny acceptable set) of ordinary size
            rows, scale = members.rows(working), budget[working]
            normalised = _PowerLosses(rows.centre, rows.weight / scale[:, None], rows.power)
            dual = _Dual(objective, normalised, np.ones(scale.size), lower, upper)
            x, lam, status = dual.maximise(multipliers[working] * scale, x, ceiling)
            multipliers[working] = lam / scale
            if status != _SOLVED:
                break
            dropped |= working & (multipliers <= 0.0)
            working &= multipliers > 0.0
        else:
            x = _objective_argmin(objective, lower, upper, x)
        # a member the dual steps let go comes back only for more than rounding
        excess = members.values(x) - budget - np.where(dropped, _STALLED * budget, tolerance)
        excess[working] = -np.inf
        worst = int(np.argmax(excess)) if m else 0
        if not m or excess[worst] <= 0.0:
            break
        working[worst] = True
    else:
        status = _FAILED
    if status == _INFEASIBLE or (status == _FAILED and not start_acceptable):
        return _Solution(x, multipliers, _INFEASIBLE)
    if start_acceptable:
        x = _pull_inside(x, start, members, budget)
    return _Solution(x, multipliers, status)


def _objective_argmin(objective: _PowerLosses, lower: np.ndarray, upper: np.ndarray,
                      near: np.ndarray) -> np.ndarray:
    """The objective's minimiser over the box, dimension by dimension (``near`` where
    the objective is flat)."""
    if objective.quadratic:
        total = objective.weight.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = (objective.weight * objective.centre).sum(axis=0) / total
        return np.clip(np.where(total > 0.0, mean, near), lower, upper)
    rows = list(zip(objective.centre.T.tolist(), objective.weight.T.tolist(), strict=True))
    power = objective.power.tolist()
    return np.array([
        _argmin_1d([(c, w, e) for c, w, e in zip(centres, weights, power, strict=True)
                    if w > 0.0], low, high, guess)[0]
        for (centres, weights), low, high, guess in zip(rows, lower.tolist(), upper.tolist(),
                                                        near.tolist(), strict=True)])


def _largest(objective: _PowerLosses, lower: np.ndarray, upper: np.ndarray) -> float:
    """The objective's largest value over the box (a convex function peaks at a corner)."""
    power = objective.power[:, None]
    at_lower = (objective.weight * np.abs(lower - objective.centre) ** power).sum(axis=0)
    at_upper = (objective.weight * np.abs(upper - objective.centre) ** power).sum(axis=0)
    return float(np.maximum(at_lower, at_upper).sum())


class _Dual:
    """The Lagrangian dual of one working set of members.

    For multipliers lambda >= 0, q(lambda) = min over the box of objective(x) +
    sum_i lambda_i (loss_i(x) - B_i). The sum separates by dimension, so x(lambda)
    is found one dimension at a time (:func:`_argmin_1d`). q is concave, with
    gradient loss(x(lambda)) - B, and its maximum is the working set's best
    objective (the problem is convex). The working sets are tiny (a few members,
    a few dimensions), so this is plain Python floats: numpy's cost per call would
    dominate.
    """

    def __init__(self, objective: _PowerLosses, members: _PowerLosses,
                 budget: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self.objective = list(zip(objective.centre.tolist(), objective.weight.tolist(),
                                  objective.power.tolist(), strict=True))
        self.members = list(zip(members.centre.tolist(), members.weight.tolist(),
                                members.power.tolist(), strict=True))
        self.budget = budget.tolist()
        self.lower, self.upper = lower.tolist(), upper.tolist()
        dims = range(len(self.lower))
        # each dimension's terms: the objective's (fixed) and the members' (scaled by
        # their multipliers), those with salience there only
        self.fixed = [[(c[k], w[k], e) for c, w, e in self.objective if w[k] > 0.0]
                      for k in dims]
        self.scaled = [[(i, c[k], w[k], e) for i, (c, w, e) in enumerate(self.members)
                        if w[k] > 0.0] for k in dims]
        self.quadratic = objective.quadratic and members.quadratic
        if self.quadratic:  # the minimiser is a weighted mean: keep the fixed sums
            self.fixed_sums = [(sum(w for _, w, _ in terms), sum(w * c for c, w, _ in terms))
                               for terms in self.fixed]

    def minimiser(self, lam: list[float], near: list[float]
                  ) -> tuple[list[float], list[float], list[bool]]:
        """x(lambda), the Lagrangian's curvature there, and whether each coordinate
        moves smoothly with lambda (it lies inside a smooth piece, not at a bound or a
        kink)."""
        x, curvature, moving = [], [], []
        if self.quadratic:
            for (total, moment), scaled, low, high, guess in zip(
                    self.fixed_sums, self.scaled, self.lower, self.upper, near, strict=True):
                for i, c, w, _ in scaled:
                    total += lam[i] * w
                    moment += lam[i] * w * c
                y = moment / total if total > 0.0 else guess
                inside = low < y < high and total > 0.0
                x.append(y if inside else min(max(y, low), high))
                curvature.append(2.0 * total)
                moving.append(inside)
            return x, curvature, moving
        for fixed, scaled, low, high, guess in zip(self.fixed, self.scaled, self.lower,
                                                   self.upper, near, strict=True):
            terms = fixed + [(c, lam[i] * w, e) for i, c, w, e in scaled if lam[i] > 0.0]
            y, bend, smooth = _argmin_1d(terms, low, high, guess)
            x.append(y)
            curvature.append(bend)
            moving.append(smooth)
        return x, curvature, moving

    def gradient(self, i: int, x: list[float]) -> list[float]:
        """Member i's gradient at x (0 at the kink of a linear loss)."""
        c, w, e = self.members[i]
        if e == 2.0:
            return [2.0 * wk * (xk - ck) for ck, wk, xk in zip(c, w, x, strict=True)]
        return [wk * e * math.copysign(abs(xk - ck) ** (e - 1.0), xk - ck) if xk != ck
                else 0.0 for ck, wk, xk in zip(c, w, x, strict=True)]

    def evaluate(self, lam: list[float], near: list[float]) -> tuple:
        """x(lambda), curvature and smoothness there, the members' losses, and q."""
        x, curvature, moving = self.minimiser(lam, near)
        loss = [_row_loss(c, w, e, x) for c, w, e in self.members]
        value = 0.0
        for c, w, e in self.objective:
            value += _row_loss(c, w, e, x)
        for li, fi, bi in zip(lam, loss, self.budget, strict=True):
            value += li * (fi - bi)
        return x, curvature, moving, loss, value

    def maximise(self, multipliers: np.ndarray, start: np.ndarray,
                 ceiling: float | None = None) -> tuple[np.ndarray, np.ndarray, str]:
        """Maximise q over lambda >= 0 by projected Newton steps (:func:`_dual_step`).

        Each step is searched along (:meth:`_search`). A dual value above
        ``ceiling`` (an upper bound on the objective over the box) proves that no
        text meets every working budget.

        Returns:
            x(lambda), lambda, and the status: solved, infeasible or failed (no
            finite multipliers: the acceptable set has no interior).
        """
        if len(self.budget) == 1:
            return self._maximise_one(float(multipliers[0]), start, ceiling)
        budget = self.budget
        lam = multipliers.tolist()
        state = self.evaluate(lam, start.tolist())
        tolerance = 1e-15 * max(budget)  # (the solver passes budgets normalised to 1)
        status = _FAILED
        history: list[float] = []
        values: list[float] = []
        members = range(len(budget))
        for _ in range(100):
            x, curvature, moving, loss, value = state
            slope = [fi - bi for fi, bi in zip(loss, budget, strict=True)]
            free = [i for i in members if lam[i] > 0.0 or slope[i] > _BROKEN]
            worst = max([abs(slope[i]) for i in free], default=0.0)
            # done: the free budgets balance, to rounding (once progress stalls)
            history.append(worst)
            if worst <= tolerance or (worst <= _STALLED and len(history) > 3
                                      and worst > 0.5 * history[-4]):
                status = _SOLVED
                break
            if ceiling is not None and value > ceiling * (1.0 + 1e-9) + 1e-12:
                status = _INFEASIBLE
                break
            # stalled short of balance: q has a kink at its maximum (the Lagrangian's
            # minimiser jumps there), which Newton steps cannot settle
            values.append(value)
            if len(values) > 4 and value - values[-5] <= 1e-14 * (1.0 + abs(value)):
                break
            dims = [k for k, smooth in enumerate(moving) if smooth]
            jacobian = [[g[k] for k in dims] for g in (self.gradient(i, x) for i in free)]
            # a multiplier that its own Newton step would take below zero is held at
            # zero (the projected Newton method's active set), lest the projection
            # of a joint step undo the others' progress
            leaving = []
            for n, (i, row) in enumerate(zip(free, jacobian, strict=True)):
                if slope[i] < 0.0 and len(free) > 1:
                    own = sum([g * g / curvature[k] for g, k in zip(row, dims, strict=True)])
                    if own > 0.0 and lam[i] * own <= -slope[i]:
                        leaving.append(n)
            if leaving and len(leaving) < len(free):
                held = list(lam)
                for n in leaving:
                    held[free[n]] = 0.0
                trial = self.evaluate(held, x)
                if trial[4] >= value:  # (unless q falls: then the others need it)
                    lam, state = held, trial
                    continue
            with np.errstate(all="ignore"):
                direction, flat = _dual_step(jacobian, [curvature[k] for k in dims],
                                             [lam[i] for i in free], [loss[i] for i in free],
                                             [budget[i] for i in free],
                                             [self.members[i][2] for i in free])
            reach = 1e8 * (1.0 + max(lam))
            if not all(abs(di) < reach for di in direction):
                # the dual is all but flat (a vanishing curvature): no Newton step,
                # climb its gradient with the search for the step's length
                direction = [slope[i] * (1.0 + max(lam)) / worst for i in free]
                flat = True
            if not flat and worst <= 1e-9 and all(
                    abs(di) <= 64.0 * _EPS * lam[i] for i, di in zip(free, direction,
                                                                     strict=True)):
                status = _SOLVED  # Newton's step is below the resolution of lambda
                break
            step = [0.0] * len(lam)
            for i, di in zip(free, direction, strict=True):
                step[i] = di
            found = self._search(lam, step, state, slope, flat)
            if found is None:
                break
            lam, state = found
            if max(lam) > 1e15:
                break
        if status == _FAILED and max(lam) <= 1e15:
            slope = [fi - bi for fi, bi in zip(state[3], budget, strict=True)]
            gaps = [abs(gi) for li, gi in zip(lam, slope, strict=True)
                    if li > 0.0 or gi > _BROKEN]
            if not gaps or max(gaps) <= _STALLED:
                status = _SOLVED
        if status == _SOLVED:
            lam, state = self._settle(lam, state)
        return np.array(state[0]), np.array(lam), status

    def _maximise_one(self, lam: float, start: np.ndarray, ceiling: float | None
                      ) -> tuple[np.ndarray, np.ndarray, str]:
        """:meth:`maximise` for one working member: the root of its budget's slope.

        With one multiplier, q's slope g(lambda) = loss(x(lambda)) - B never rises, and
        q is at its maximum where g crosses zero (or at lambda = 0, if g is not
        positive there). The root is bracketed (the upper end grows until g is not
        positive) and found by Newton's step on loss^(-1/G) = B^(-1/G) where that
        falls inside the bracket, by the secant of g otherwise, and by bisection when
        the same end moved twice running. Kinks and flat stretches of g, which the
        box and linear losses make, cannot trap it.
        """
        budget = self.budget[0]
        tolerance = 1e-15 * budget
        power = self.members[0][2]

        def at(value: float, near: list[float]) -> tuple[tuple, float]:
            state = self.evaluate([value], near)
            return state, state[3][0] - budget

        def newton(value: float, state: tuple, slope: float) -> float | None:
            gradient = self.gradient(0, state[0])
            h = sum([gradient[k] ** 2 / state[1][k]
                     for k, smooth in enumerate(state[2]) if smooth])
            loss = slope + budget
            if not (h > 0.0 and loss > 0.0):
                return None
            step = power * loss * ((loss / budget) ** (1.0 / power) - 1.0) / h
            return value + step if math.isfinite(step) else None

        state, slope = at(lam, start.tolist())
        if slope > 0.0:
            # from below: Newton's steps (which mostly stay below the root on the
            # transformed slope), or growth by 4 where they do not go up
            low, low_state, low_slope = lam, state, slope
            for _ in range(100):
                if low_slope <= tolerance:
                    lam_list, low_state = self._settle([low], low_state)
                    return np.array(low_state[0]), np.array(lam_list), _SOLVED
                high = newton(low, low_state, low_slope)
                if high is None or not high > low:
                    high = max(4.0 * low, 1.0)
                high_state, high_slope = at(high, low_state[0])
                if high_slope <= 0.0:
                    break
                if ceiling is not None and high_state[4] > ceiling * (1.0 + 1e-9) + 1e-12:
                    return np.array(high_state[0]), np.array([high]), _INFEASIBLE
                if high_slope > 0.5 * low_slope:  # Newton crawls: grow instead
                    low, low_state, low_slope = high, high_state, high_slope
                    high = 4.0 * high
                    high_state, high_slope = at(high, low_state[0])
                    if high_slope <= 0.0:
                        break
                low, low_state, low_slope = high, high_state, high_slope
            else:
                return np.array(low_state[0]), np.array([low]), _FAILED
        else:
            high, high_state, high_slope = lam, state, slope
            if lam > 0.0:
                low_state, low_slope = at(0.0, state[0])
            else:
                low_state, low_slope = state, slope
            low = 0.0
            if low_slope <= _BROKEN * budget:  # no budget binds: lambda = 0
                return np.array(low_state[0]), np.array([0.0]), _SOLVED
        moved = [0, 0]  # how often running each end moved
        for _ in range(200):
            if high_slope >= -tolerance or low_slope <= tolerance or (
                    high - low <= 4.0 * _EPS * high):
                break
            # Newton's step on the transformed slope, from the end nearer the root
            value, state, slope = (low, low_state, low_slope) if low_slope < -high_slope \
                else (high, high_state, high_slope)
            guess = newton(value, state, slope)
            if guess is None or not low < guess < high:
                guess = low + (high - low) * low_slope / (low_slope - high_slope)
            if not low < guess < high or max(moved) >= 2:
                guess = 0.5 * (low + high)
                if not low < guess < high:  # the bracket is down to adjacent floats
                    break
            state, slope = at(guess, state[0])
            if slope > 0.0:
                low, low_state, low_slope = guess, state, slope
                moved = [moved[0] + 1, 0]
            else:
                high, high_state, high_slope = guess, state, slope
                moved = [0, moved[1] + 1]
        # the balanced end: the feasible one, unless the other is far nearer balance
        value, state, slope = high, high_state, high_slope
        if low_slope < -0.01 * high_slope:
            value, state, slope = low, low_state, low_slope
        if abs(slope) <= _STALLED * budget:
            lam_list, state = self._settle([value], state)
            return np.array(state[0]), np.array(lam_list), _SOLVED
        if high - low <= 4.0 * _EPS * high:
            # g jumps between two adjacent multipliers: x(lambda) crosses the budget
            # within one unit in the last place. Both ends minimise the Lagrangian
            # there, so the point between them where the budget balances is optimal
            mixed = self._balance(low_state[0], high_state[0])
            if mixed is not None:
                return np.array(mixed), np.array([high]), _SOLVED
        return np.array(state[0]), np.array([value]), _FAILED

    def _balance(self, over: list[float], under: list[float]) -> list[float] | None:
        """The point of the segment from ``over`` (beyond the one working budget) to
        ``under`` (within it) where the budget holds exactly, by bisection (the loss
        is convex along the segment)."""
        c, w, e = self.members[0]
        budget = self.budget[0]
        short, enough = 0.0, 1.0
        for _ in range(100):
            middle = 0.5 * (short + enough)
            if not short < middle < enough:
                break
            point = [a + middle * (b - a) for a, b in zip(over, under, strict=True)]
            if _row_loss(c, w, e, point) <= budget:
                enough = middle
            else:
                short = middle
        point = [a + enough * (b - a) for a, b in zip(over, under, strict=True)]
        return point if _row_loss(c, w, e, point) <= budget * (1.0 + _ROUNDING) else None

    def _settle(self, lam: list[float], state: tuple) -> tuple[list[float], tuple]:
        """Raise the multipliers of budgets still exceeded by rounding, a few units in
        the last place at a time, until x(lambda) keeps them: the text then moves
        along its optimal path into the budgets rather than toward the status quo."""
        budget = self.budget
        limit = [0.5 * _ROUNDING * bi for bi in budget]  # what the final pull lets stand

        def excess(loss: list[float]) -> float:
            return max([fi - bi - li for fi, bi, li in zip(loss, budget, limit, strict=True)])

        best = lam, state
        for k in range(12):
            over = [i for i, (li, fi, bi, ti) in enumerate(zip(lam, state[3], budget, limit,
                                                               strict=True))
                    if li > 0.0 and fi > bi + ti]
            if not over:
                break
            raised = list(lam)
            for i in over:
                raised[i] = lam[i] * (1.0 + 2.0 ** k * _EPS)
            state = self.evaluate(raised, state[0])
            lam = raised
            if excess(state[3]) < excess(best[1][3]):
                best = lam, state
        return best

    def _search(self, lam: list[float], step: list[float], state: tuple,
                slope: list[float], flat: bool) -> tuple[list[float], tuple] | None:
        """A point along lambda + t * step (projected on lambda >= 0) where q rises.

        q is concave along the ray, so its slope there falls with t. t = 1 is tried
        first, and a Newton step is kept as soon as q rises enough (Armijo's test).
        Otherwise the search keeps the last t where q still rises and the first where
        it falls, and tries where their tangents meet (for a dual that is linear by
        pieces, which kinks of linear utilities and the box give, that is the
        maximum once one kink is left between them). A step
        along a flat stretch of the dual, which has no natural length, doubles
        while q rises and is searched for the maximum along the ray. Returns None
        when q does not rise.
        """
        value = state[4]
        budget = self.budget
        noise = 1e-15 * (abs(value) + sum([abs(li * bi) for li, bi in zip(
            lam, budget, strict=True)]) + 1.0)
        initial = sum([gi * si for gi, si in zip(slope, step, strict=True)])
        low, low_value, low_slope = 0.0, value, initial
        high = high_value = high_slope = None
        best = None
        t = 1.0
        for _ in range(60):
            # (a multiplier the step all but zeroes is zeroed: rounding must not keep
            # a member that the step lets go)
            trial = [ti if ti > 1e-12 * li else 0.0 for ti, li in zip(
                [li + t * si for li, si in zip(lam, step, strict=True)], lam, strict=True)]
            if trial == lam:
                break
            new = self.evaluate(trial, state[0])
            ahead = sum([(fi - bi) * (ti - li) for fi, bi, ti, li in zip(
                new[3], budget, trial, lam, strict=True)]) / t
            # a Newton step must rise by a share of what its slope promises (Armijo);
            # along a flat stretch the slope at the start says nothing of the length
            enough = new[4] >= value + (noise if flat else 1e-4 * t * initial - noise)
            if enough and (best is None or new[4] > best[1][4]):
                best = trial, new
            if enough and (not flat or abs(ahead) <= 1e-3 * initial):
                break
            if ahead > 0.0 and new[4] >= low_value - noise:
                low, low_value, low_slope = t, new[4], ahead
            else:
                high, high_value, high_slope = t, new[4], ahead
            if high is None:
                t *= 2.0
                continue
            if high - low <= 1e-15 * high:
                break
            meet = (high_value - low_value + low_slope * low - high_slope * high) / (
                low_slope - high_slope) if low_slope > high_slope else 0.5 * (low + high)
            t = min(max(meet, low + 0.01 * (high - low)), high - 0.01 * (high - low))
        return best


def _row_loss(centre: list[float], weight: list[float], power: float, x: list[float]) -> float:
    """sum_k weight_k |x_k - centre_k|^power, in plain floats."""
    total = 0.0
    if power == 2.0:
        for c, w, xk in zip(centre, weight, x, strict=True):
            total += w * (xk - c) * (xk - c)
    else:
        for c, w, xk in zip(centre, weight, x, strict=True):
            total += w * abs(xk - c) ** power
    return total


def _dual_step(jacobian: list[list[float]], curvature: list[float], lam: list[float],
               loss: list[float], budget: list[float], power: list[float]
               ) -> tuple[list[float], bool]:
    """The step of the free multipliers: Newton's where the dual is curved, and along
    the dual's gradient up to the first multiplier that reaches zero where it is flat.

    The dual's Hessian is -H, H = J D^-1 J^T (J: the members' gradients, D: the
    Lagrangian's curvature, on the dimensions that move with lambda). Along a
    direction v with J^T v = 0 the Lagrangian's minimiser does not move, so the dual
    is linear there and rises until a multiplier reaches zero (more members than
    free dimensions are in the working set, and one of them is not needed).
    Elsewhere the step is Newton's on loss_i^(-1/G_i) = B_i^(-1/G_i), nearly linear
    in lambda where loss_i = B_i is not; near the solution the two steps agree.

    Returns:
        The step, and whether it runs along a flat stretch with no natural length
        (then the search along it may lengthen it).
    """
    residual = [fi - bi for fi, bi in zip(loss, budget, strict=True)]
    scaled = [gi * fi * ((fi / bi) ** (1.0 / gi) - 1.0) if bi > 0.0 and fi > 0.0 else ri
              for fi, bi, gi, ri in zip(loss, budget, power, residual, strict=True)]
    n = len(residual)
    inverse = [1.0 / c for c in curvature]
    if n == 1:
        (row,) = jacobian
        h = sum([g * g * ic for g, ic in zip(row, inverse, strict=True)])
        if h > 0.0:
            step = scaled[0] / h
            return [step if step * residual[0] > 0.0 else residual[0] / h], False
        if residual[0] < 0.0:
            return [-lam[0]], False
        return [1.0 + lam[0]], True
    if n == 2:
        first, second = jacobian
        a = sum([g * g * ic for g, ic in zip(first, inverse, strict=True)])
        b = sum([g * f * ic for g, f, ic in zip(first, second, inverse, strict=True)])
        c = sum([f * f * ic for f, ic in zip(second, inverse, strict=True)])
        det = a * c - b * b
        if det > 1e-12 * (a + c) * (a + c):
            r0, r1 = scaled
            direction = [(c * r0 - b * r1) / det, (a * r1 - b * r0) / det]
            if not direction[0] * residual[0] + direction[1] * residual[1] > 0.0:
                r0, r1 = residual
                direction = [(c * r0 - b * r1) / det, (a * r1 - b * r0) / det]
            return direction, False
        values, vectors = _symmetric_eigen([[a, b], [b, c]])
    else:
        hessian = [[sum(gi * gj * ic for gi, gj, ic in zip(rowi, rowj, inverse, strict=True))
                    for rowj in jacobian] for rowi in jacobian]
        eigen = np.linalg.eigh(np.array(hessian))
        values, vectors = eigen[0].tolist(), eigen[1].T.tolist()
    top = max(max(values), 1e-300)
    kept = [(v, u) for v, u in zip(values, vectors, strict=True) if v > 1e-12 * top]

    def along(r: list[float], scale: bool) -> list[float]:
        out = [0.0] * n
        for v, u in kept:
            weight = sum(ui * ri for ui, ri in zip(u, r, strict=True)) / (v if scale else 1.0)
            out = [oi + weight * ui for oi, ui in zip(out, u, strict=True)]
        return out

    flat = [ri - pi for ri, pi in zip(residual, along(residual, False), strict=True)]
    if max(map(abs, flat)) > 1e-9 * max(map(abs, residual)):
        if any(fi < 0.0 and li == 0.0 for li, fi in zip(lam, flat, strict=True)):
            # a multiplier at zero blocks the flat direction: climb the gradient instead
            return [ri if li > 0.0 or ri > 0.0 else 0.0 for li, ri in zip(lam, residual,
                                                                          strict=True)], True
        shrinking = [li / -fi for li, fi in zip(lam, flat, strict=True) if fi < 0.0]
        if shrinking:
            t = min(shrinking)
            return [t * fi for fi in flat], False
        t = (1.0 + max(lam)) / max(map(abs, flat))
        return [t * fi for fi in flat], True
    direction = along(scaled, True)
    if not sum(ri * di for ri, di in zip(residual, direction, strict=True)) > 0.0:
        direction = along(residual, True)
    return direction, False


def _symmetric_eigen(matrix: list[list[float]]) -> tuple[list[float], list[list[float]]]:
    """Eigenvalues and unit eigenvectors of a symmetric 1x1 or 2x2 matrix, in closed form."""
    if len(matrix) == 1:
        return [matrix[0][0]], [[1.0]]
    (a, b), (_, c) = matrix
    angle = 0.5 * math.atan2(2.0 * b, a - c)
    cos, sin = math.cos(angle), math.sin(angle)
    middle, radius = 0.5 * (a + c), math.hypot(0.5 * (a - c), b)
    return [middle + radius, middle - radius], [[cos, sin], [-sin, cos]]


def _argmin_1d(terms: list[tuple[float, float, float]], lower: float, upper: float,
               near: float) -> tuple[float, float, bool]:
    """The minimiser of sum_j w_j |y - c_j|^e_j over [lower, upper], terms (c, w, e).

    The derivative is non-decreasing; the minimiser is where it changes sign. Kinks
    (e = 1) and points of unbounded curvature (e < 2) split the interval into smooth
    pieces; the sign change is located among them, and inside a piece found by
    Newton's method safeguarded by bisection. Where the function is flat, the left
    end of the flat stretch is returned.

    Returns:
        The minimiser, the curvature there, and whether it lies inside a smooth
        piece (rather than at a bound or a kink).
    """
    if not terms or lower >= upper:
        return min(max(near, lower), upper), 0.0, False
    if all(e == 2.0 for _, _, e in terms):
        total = sum(w for _, w, _ in terms)
        y = sum(w * c for c, w, _ in terms) / total
        if y <= lower:
            return lower, 2.0 * total, False
        if y >= upper:
            return upper, 2.0 * total, False
        return y, 2.0 * total, True
    points = sorted({lower, upper, *(c for c, _, e in terms if e < 2.0 and lower < c < upper)})
    # the piece that holds ``near`` (the last minimiser) most likely holds this one
    j = min(max(bisect.bisect_right(points, near) - 1, 0), len(points) - 2)
    a, b = points[j], points[j + 1]
    if _slopes(terms, a)[1] >= 0.0 or _slopes(terms, b)[0] <= 0.0:
        a = lower
        for b in points:
            left, right = _slopes(terms, b)
            if right >= 0.0:
                if b == lower or left <= 0.0:
                    return b, 0.0, False
                break
            a = b
        else:
            return upper, 0.0, False
    y = near if a < near < b else 0.5 * (a + b)
    curvature = 0.0
    for _ in range(200):
        slope = curvature = 0.0
        for c, w, e in terms:
            r = y - c
            size = abs(r)
            if e == 2.0:
                slope += 2.0 * w * r
                curvature += 2.0 * w
            elif e == 1.0:
                slope += math.copysign(w, r)
            elif size > 0.0:  # (a bracket between adjacent floats may hold a centre)
                grow = w * e * size ** (e - 2.0)
                slope += grow * r
                curvature += grow * (e - 1.0)
        if slope == 0.0:
            break
        if slope < 0.0:
            a = y
        else:
            b = y
        nxt = y - slope / curvature if curvature > 0.0 else 0.5 * (a + b)
        resolution = _STEP * max(1.0, abs(y))
        if abs(nxt - y) <= resolution:
            # Newton's step is below the resolution of y: converged, unless the
            # curvature is huge only because a term's centre is near (exponent < 2)
            probe = y - math.copysign(2.0 * resolution, slope)
            if not a < probe < b or (_slopes(terms, probe)[0] > 0.0) != (slope > 0.0):
                break
            nxt = 0.5 * (a + b)
        if not a < nxt < b:
            nxt = 0.5 * (a + b)
            if b - a <= 4.0 * _STEP * max(1.0, abs(y)):
                y = nxt
                break
        y = nxt
    return y, curvature, curvature > 0.0


def _slopes(terms: list[tuple[float, float, float]], y: float) -> tuple[float, float]:
    """Left and right derivatives of sum_j w_j |y - c_j|^e_j at y."""
    smooth = kink = 0.0
    for c, w, e in terms:
        r = y - c
        if r == 0.0:
            if e == 1.0:
                kink += w
        else:
            smooth += w * e * math.copysign(abs(r) ** (e - 1.0), r)
    return smooth - kink, smooth + kink


def _lower_bound(setter: _PowerLosses, members: _PowerLosses, budget: np.ndarray,
                 multipliers: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                 near: np.ndarray) -> float:
    """A lower bound on the setter's best loss: the dual value at ``multipliers``.

    For any multipliers >= 0, min over the box of loss_0(x) + sum_i lambda_i
    (loss_i(x) - B_i) is at most the best loss (weak duality). The minimum is taken
    dimension by dimension; each one-dimensional minimum at y is bounded below by
    convexity, f(y) + min(0, f'_+(y)(upper - y), f'_-(y)(lower - y)), so the bound
    stays valid whatever the rounding of y.
    """
    used = multipliers > 0.0
    dual = _Dual(setter, members.rows(used), budget[used], lower, upper)
    lam = multipliers[used].tolist()
    total = -float(multipliers[used] @ budget[used])
    for k, (low, high) in enumerate(zip(dual.lower, dual.upper, strict=True)):
        terms = [(c[k], w[k], e) for c, w, e in dual.objective if w[k] > 0.0]
        terms += [(c[k], li * w[k], e) for li, (c, w, e) in zip(lam, dual.members, strict=True)
                  if w[k] > 0.0]
        y = _argmin_1d(terms, low, high, float(near[k]))[0]
        left, right = _slopes(terms, y)
        total += sum(w * abs(y - c) ** e for c, w, e in terms)
        total += min(0.0, right * (high - y), left * (low - y))
    return total


def _gap_tolerance(loss: float) -> float:
    return _CERTIFIED_GAP + 64.0 * _EPS * abs(loss)


# ----------------------------------------------------------------- preparation


def _narrow(members: _PowerLosses, budget: np.ndarray, lower: np.ndarray,
            upper: np.ndarray, start: np.ndarray | None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Settle the members that need no solver.

    Fixed dimensions (lower == upper) add a constant to each member's loss: the
    member keeps what is left of its budget for the free dimensions. A member with
    salience on one free dimension only accepts an interval there, which narrows the
    box (down to a point, if it leaves less than 1e-14). A member's least loss over
    the box is at the box's point nearest its ideal; where what its budget leaves
    over that lets a text move less than 1e-14 from there on a dimension (a member
    with no budget left accepts only its ideal), the dimension is fixed. A member
    with no salience on the free dimensions, or whose loss stays within its budget at
    every corner of the box (a convex loss is largest at a corner), can never object,
    and is dropped. Narrowing the box changes the others' least and remaining
    losses, so this repeats until nothing changes.

    ``start`` is an acceptable text, kept acceptable despite rounding (intervals
    keep it, fixed dimensions take its value), or None when none is known.

    Returns:
        The narrowed bounds, which members still need the solver, and the budget
        each has left for the free dimensions; None when, without a known
        acceptable text, it turns out that no text is acceptable.
    """
    lower, upper = lower.copy(), upper.copy()
    keep = np.ones(budget.size, dtype=bool)
    power, weight, centre = members.exponent, members.weight, members.centre
    cares = weight > 0.0
    while True:
        free = lower < upper
        if free.all():
            remaining = budget
            salient = cares
        else:
            fixed = ~free
            fixed_loss = (weight[:, fixed] * np.abs(lower[fixed] - centre[:, fixed])
                          ** power).sum(axis=1)
            remaining = budget - fixed_loss
            salient = cares & free
        count = salient.sum(axis=1)
        if start is None and ((count == 0) & (remaining < 0.0)).any():
            return None
        far = np.maximum(centre - lower, upper - centre)
        far **= power
        far *= weight
        worst = far[:, free].sum(axis=1)
        keep &= (count > 0) & (worst > remaining)
        single = keep & (count == 1)
        # a member's least loss over the box is at the box's text nearest its ideal
        nearest = np.clip(centre, lower, upper)
        gap = np.abs(nearest - centre)
        least = weight * gap ** power
        slack = remaining - least[:, free].sum(axis=1)
        tight = keep & (slack <= 1e-8 * worst)
        if start is None and (keep & (slack < 0.0)).any():
            return None
        if not (single.any() or tight.any()):
            return lower, upper, keep, remaining
        before = lower.copy(), upper.copy()
        if tight.any():
            # where what a member's budget leaves over its least loss lets a text move
            # less than _NEGLIGIBLE off the box's nearest point on a dimension, the
            # dimension is fixed (at the acceptable text, which lies there)
            with np.errstate(divide="ignore", invalid="ignore"):
                reach = ((least + np.maximum(slack, 0.0)[:, None]) / weight) ** (
                    1.0 / power) - gap
            for i, k in zip(*np.nonzero(tight[:, None] & salient & (reach <= _NEGLIGIBLE)),
                            strict=True):
                lower[k] = upper[k] = nearest[i, k] if start is None else start[k]
            single &= (lower < upper)[salient.argmax(axis=1)]
        for i in np.flatnonzero(single):
            k = int(np.flatnonzero(salient[i])[0])
            reach = (max(remaining[i], 0.0) / weight[i, k]) ** (1.0 / members.power[i])
            lower[k] = max(lower[k], centre[i, k] - reach)
            upper[k] = min(upper[k], centre[i, k] + reach)
            if start is not None:  # the acceptable text stays acceptable despite rounding
                lower[k], upper[k] = min(lower[k], start[k]), max(upper[k], start[k])
                if upper[k] - lower[k] <= _NEGLIGIBLE:
                    lower[k] = upper[k] = start[k]
            elif lower[k] > upper[k] or remaining[i] < 0.0:
                return None
            elif upper[k] - lower[k] <= _NEGLIGIBLE:
                lower[k] = upper[k] = 0.5 * (lower[k] + upper[k])
            keep[i] = False
        if np.array_equal(lower, before[0]) and np.array_equal(upper, before[1]):
            return lower, upper, keep, remaining


def _checked(ideal: ArrayLike, salience: ArrayLike, gamma: float, member_ideal: ArrayLike,
             member_salience: ArrayLike, member_gamma: ArrayLike, budget: ArrayLike,
             lower: ArrayLike, upper: ArrayLike, feasible_point: ArrayLike,
             tie_reference: ArrayLike | None) -> tuple:
    """The inputs as float arrays, after checking that they describe a problem.

    Returns:
        The setter as one row of losses, the members' rows, budgets, bounds, the
        acceptable text, and the tie reference (clipped to the box).
    """
    ideal = np.asarray(ideal, dtype=float).reshape(-1)
    d = ideal.size
    member_ideal = np.asarray(member_ideal, dtype=float)
    m = member_ideal.size // d if d else 0
    salience = _shaped("salience", salience, (d,))
    member_ideal = _shaped("member_ideal", member_ideal, (m, d))
    member_salience = _shaped("member_salience", member_salience, (m, d))
    member_gamma = _shaped("member_gamma", member_gamma, (m,))
    budget = _shaped("budget", budget, (m,))
    lower, upper = _shaped("lower", lower, (d,)), _shaped("upper", upper, (d,))
    start = _shaped("feasible_point", feasible_point, (d,))
    tie = start if tie_reference is None else _shaped("tie_reference", tie_reference, (d,))
    gamma = float(gamma)
    every = np.concatenate([ideal, salience, member_ideal.ravel(), member_salience.ravel(),
                            member_gamma, budget, lower, upper, start, tie, [gamma]])
    if not np.isfinite(every).all():
        raise ValueError("best_text: every input must be finite (no NaN or infinity)")
    if gamma < 1.0 or (m and member_gamma.min() < 1.0):
        raise ValueError("best_text: exponents must be >= 1 (the problem is convex only "
                         f"then); got setter {gamma} and members {member_gamma.tolist()}")
    if salience.min() < 0.0 or (m and member_salience.min() < 0.0):
        raise ValueError("best_text: saliences must be >= 0")
    if (lower > upper).any():
        raise ValueError(f"best_text: lower {lower.tolist()} exceeds upper {upper.tolist()}")
    if ((start < lower) | (start > upper)).any():
        raise ValueError(f"best_text: feasible_point {start.tolist()} lies outside the box "
                         f"[{lower.tolist()}, {upper.tolist()}]")
    members = _PowerLosses(member_ideal, member_salience, member_gamma)
    excess = members.values(start) - budget
    tolerance = 1e-9 * (1.0 + np.abs(budget))
    if (excess > tolerance).any():
        i = int(np.argmax(excess - tolerance))
        raise ValueError(f"best_text: feasible_point is not acceptable to member row {i}: "
                         f"its loss there exceeds its budget {budget[i]} by {excess[i]:.3g}; "
                         "pass the status quo, or a text every member accepts")
    setter = _PowerLosses(ideal[None, :], salience[None, :], np.array([gamma]))
    return setter, members, budget, lower, upper, start, np.clip(tie, lower, upper)


def _canonical_order(setter: _PowerLosses, members: _PowerLosses, budget: np.ndarray,
                     lower: np.ndarray, upper: np.ndarray, start: np.ndarray,
                     tie: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An order of the dimensions and of the members that does not depend on the
    order they come in: dimensions sorted by their data (each member column sorted,
    which no member order changes), then members sorted by theirs in that order of
    dimensions. Exactly equal dimensions, or members, are interchangeable."""
    per_dim = [lower, upper, setter.centre[0], setter.weight[0], start, tie,
               *np.sort(members.centre, axis=0), *np.sort(members.weight, axis=0)]
    dims = np.lexsort(per_dim[::-1])
    per_member = [members.power, budget, *members.centre[:, dims].T,
                  *members.weight[:, dims].T]
    rows = np.lexsort(per_member[::-1])
    return dims, rows


def _shaped(name: str, value: ArrayLike, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as a float array of ``shape`` (a scalar or a row broadcasts)."""
    array = np.asarray(value, dtype=float)
    if array.shape == shape:
        return array
    try:
        if array.ndim <= len(shape):
            return np.broadcast_to(array, shape).copy()
    except ValueError:
        pass
    raise ValueError(f"best_text: {name} has shape {array.shape}; expected {shape}")


# ------------------------------------------------------------ last resorts


def _pull_inside(x: np.ndarray, start: np.ndarray, members: _PowerLosses,
                 budget: np.ndarray) -> np.ndarray:
    """Move x toward ``start`` along the segment until every budget holds.

    The acceptable part of the segment x + s (start - x) is an interval that holds
    s = 1 (losses are convex), and only the budgets broken at x can break on it. An
    excess of rounding size (:data:`_ROUNDING`) is let stand. Excesses are tiny, so s
    grows geometrically from 1e-16 until every budget holds, and a few bisection
    steps bring it back toward the smallest such s.
    """
    if budget.size == 0:
        return x
    at_start = members.values(start)
    allowed = np.maximum(budget, at_start) * (1.0 + _ROUNDING) + _ROUNDING_ABSOLUTE
    loss = members.values(x)
    over = loss > allowed
    if not over.any():
        return x
    members, allowed = members.rows(over), allowed[over]
    s, short = 1e-16, 0.0
    while True:
        s = min(1.0, s)
        if s == 1.0 or (members.values(x + s * (start - x)) <= allowed).all():
            break
        short, s = s, 4.0 * s
    for _ in range(8 if s < 1.0 else 0):
        middle = 0.5 * (short + s)
        if (members.values(x + middle * (start - x)) <= allowed).all():
            s = middle
        else:
            short = middle
    return start.copy() if s == 1.0 else x + s * (start - x)


def _fallback(objective: _PowerLosses, setter: _PowerLosses, members: _PowerLosses,
              budget: np.ndarray, lower: np.ndarray, upper: np.ndarray, start: np.ndarray,
              tie: np.ndarray, failed: _Solution) -> np.ndarray:
    """The last resort, for the rare problem the dual steps cannot settle.

    That happens when the acceptable texts have no interior (members' sets only
    touch), so that no finite multipliers exist, or when kinks of linear members
    make the dual too rough for Newton's steps. Candidates, of which the one with the
    least ``objective`` wins:

    - the members that were working when the steps failed (all of them, or those
      whose multipliers ran away) most likely touch at the acceptable text
      ``start``: their salient dimensions are fixed there, and the smaller problem
      is solved by the module's method;
    - ``start`` itself, and the last dual iterate pulled inside the budgets;
    - scipy's trust-constr, from the best of those, on budgets shrunk by a hair so
      that its answer keeps the true ones (it is slower, up to a second or two, and
      exact to about 1e-8 only).
    """
    from scipy.optimize import Bounds, NonlinearConstraint, minimize

    def f(x: np.ndarray) -> float:
        return float(objective.values(x).sum())

    def grad(x: np.ndarray) -> np.ndarray:
        return objective.gradient(x).sum(axis=0)

    candidates = [start, _pull_inside(np.clip(failed.x, lower, upper), start, members,
                                      budget)]
    lam = failed.multipliers
    for suspects in (lam > 0.0, (lam > 0.0) & (lam >= 0.1 * lam.max(initial=0.0))):
        pinned = (members.weight[suspects] > 0.0).any(axis=0) & (lower < upper)
        if pinned.any():
            low, high = lower.copy(), upper.copy()
            low[pinned] = high[pinned] = start[pinned]
            x = _best(setter, members, budget, low, high, start, tie)
            if x is not None:
                candidates.append(_pull_inside(np.clip(x, lower, upper), start, members,
                                               budget))
    if budget.size:
        constraint = NonlinearConstraint(members.values, -np.inf, budget * (1.0 - 1e-9),
                                         jac=members.gradient)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # quasi-Newton updates on flat stretches
            result = minimize(f, min(candidates, key=f), jac=grad, method="trust-constr",
                              constraints=[constraint], bounds=Bounds(lower, upper),
                              options={"gtol": 1e-11, "xtol": 1e-13, "maxiter": 400})
        candidates.append(_pull_inside(np.clip(result.x, lower, upper), start, members,
                                       budget))
    return min(candidates, key=f)
