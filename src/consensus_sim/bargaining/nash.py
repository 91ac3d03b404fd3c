"""The Nash bargaining solution: the agreement that maximises the product of gains.

Nash (1950, "The bargaining problem", Econometrica 18(2)) showed that one point
satisfies his axioms (Pareto optimality, symmetry, scale invariance, independence
of irrelevant alternatives): the x that maximises the product of the parties' gains
over the disagreement point d. With bargaining weights w_i (the asymmetric
solution; Harsanyi & Selten 1972, Kalai 1977) it maximises

    prod_i (U_i(x) - U_i(d))^{w_i}   over the x with U_i(x) > U_i(d) for every i,

that is, the sum of w_i log(U_i(x) - U_i(d)). Utilities are the simulator's own:
U_i(x) = -sum_k s_ik |x_k - p_ik|^gamma_i, with each actor's salience s, ideal point
p and exponent gamma from the scenario. The weights are the actors' capabilities
(normalised to sum to one) or equal.

The disagreement point d is what each actor gets if bargaining fails (Nash 1950).
By default (``disagreement="auto"``) it is

- the status quo q where the scenario gives one: d is the outcome if bargaining
  breaks down (Binmore, Rubinstein & Wolinsky 1986, "The Nash bargaining solution in
  economic modelling", RAND Journal of Economics 17(2)), and under consensus or
  unanimity a failed negotiation leaves q in place (Tsebelis 2002, *Veto Players*).
  Only agreements that leave every actor strictly better off than q are eligible
  (under consensus everyone must gain). If none exists -- some actor already has its
  ideal point at q, or actors sit on both sides of q on a single dimension -- the
  solution is q itself and ``detail["feasible"]`` is false;
- each actor's worst outcome on the observed range where the scenario has no status
  quo of its own: the data files of this literature (DECIDE, Bueno de Mesquita's
  tables) record positions, saliences and capabilities but no status quo, and the
  importers put a placeholder at the lower end of every scale (and say so with
  :data:`~consensus_sim.importers.STATUS_QUO_PLACEHOLDER`). Taken as d, that
  placeholder would give the actors at the lowest position a veto over every move,
  and the solution would be the lowest position whatever the capabilities and
  saliences: an artefact of the placeholder, not a forecast. Where the breakdown
  outcome is unknown, the worst outcome on the range the data span depends on the
  data alone and treats every actor alike (it is the bottom of each actor's utility
  scale, and the textbook unit cases below come from it).

The textbook unit cases (PUBLISHED.md section 2: equal capability and salience,
actors at 0, 100, 100 -> 66.67; at 0 and 100 -> 50) cannot come from a status quo
on the same line: for any q between 0 and 100 one side loses. They come out with
**linear utility (gamma = 1) and the disagreement point at each actor's worst
outcome** within the range of positions (``disagreement="worst"``): actor i's
disagreement utility is its utility at the far corner of the box spanned by the
actors' ideal points, -sum_k s_ik max(|lo_k - p_ik|, |hi_k - p_ik|)^gamma_i. On
[0, 1] the three actors' gains are 1 - x, x and x, and (1 - x) x^2 peaks at x = 2/3;
two actors give (1 - x) x, which peaks at 1/2. Quadratic utility (gamma = 2) with
the same disagreement point gives about 0.602 instead of 2/3: the figures imply
linear utility. (Quadratic utility reaches 2/3 only in the limit of a disagreement
point infinitely far away, where the solution tends to the plain mean.) The worst-
outcome point treats every actor alike, so two actors with equal weight and
salience at a and b settle at (a + b) / 2, as Nash's symmetry axiom demands.

Who counts on a dimension: the range [lo_k, hi_k] spans the ideal points of the
actors with a stake in dimension k (salience above 0; every actor's where nobody has
one). An actor with salience 0 on k gains and loses nothing there, so its position
on k (an importer's placeholder for an actor without data, say) changes neither the
disagreement point nor the solution.

Numerics: the log-sum is maximised with ``scipy.optimize.minimize`` (Powell's
derivative-free method, which copes with the kinks of linear utility) within the
bounds [0, 1]^d, from several feasible starting points (the capability x salience
weighted mean, the centre of the actors' box, the plain mean, points between the
status quo and the weighted mean; with gamma < 1 also each actor's ideal point);
the end point is polished by a second run. For gamma >= 1 every gain is concave,
so the log-sum is concave, any local maximum is the global one and the first
feasible start suffices; with gamma < 1 the several starts are a guard, not a
guarantee. With linear utility on several dimensions the maximum may be a
flat set; the optimiser returns one point of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .compromise import weighted_mean
from .forecast import Actors, Forecast, participants

if TYPE_CHECKING:
    from ..scenario import Scenario

__all__ = ["nash_bargaining", "status_quo_is_assumed"]

#: A gain counts as strictly positive above this (utilities are of order one).
MIN_GAIN = 1e-12


def nash_bargaining(
    scenario,
    disagreement: Literal["auto", "status_quo", "worst"] = "auto",
    weights: Literal["capability", "equal"] = "capability",
    actors: Actors = "all",
) -> Forecast:
    """The (weighted) Nash bargaining solution of the scenario.

    Args:
        scenario: the scenario; positions, saliences, capabilities, each actor's
            utility exponent gamma and the status quo are used.
        disagreement: ``"auto"`` (default): the status quo, unless the scenario's
            status quo is an importer's placeholder (see
            :func:`status_quo_is_assumed`), then each actor's worst outcome;
            ``"status_quo"``: d = the status quo; ``"worst"``: each actor's worst
            outcome in the box spanned by the actors' ideal points, on each
            dimension those of the actors with salience above 0 there (this
            reproduces the textbook unit cases).
        weights: bargaining weights, ``"capability"`` (default) or ``"equal"``.
        actors: ``"all"`` (default) or ``"members"``; see :func:`participants`.
            Actors with zero weight, or who care about nothing, do not bargain;
            with ``disagreement="worst"`` neither do actors indifferent over the box.

    Returns:
        A :class:`Forecast` named ``"nash"``; ``detail`` holds the disagreement point
        used (``"status_quo"`` or ``"worst"``) and why, whether any agreement beats
        it, and each bargainer's gain.
    """
    from scipy.optimize import minimize

    if disagreement not in ("auto", "status_quo", "worst"):
        raise ValueError("disagreement must be 'auto', 'status_quo' or 'worst' "
                         f"(got {disagreement!r})")
    if weights not in ("capability", "equal"):
        raise ValueError(f"weights must be 'capability' or 'equal' (got {weights!r})")
    arrays = scenario.arrays
    rows = participants(scenario, actors)
    weight = arrays.capability[rows] if weights == "capability" else np.ones(rows.size)
    keep = (weight > 0) & (arrays.salience[rows].sum(axis=1) > 0)
    rows, weight = rows[keep], weight[keep]
    status_quo = arrays.status_quo
    reason = "asked for"
    if disagreement == "auto":
        assumed = status_quo_is_assumed(scenario)
        disagreement = "worst" if assumed else "status_quo"
        reason = ("the status quo is an importer's placeholder, not data" if assumed
                  else "the scenario gives a status quo")
    detail: dict[str, Any] = {
        "disagreement": disagreement,
        "disagreement_reason": reason,
        "weights": weights,
        "actors": actors,
        "utility": "U_i(x) = -sum_k s_ik |x_k - p_ik|^gamma_i",
    }
    if rows.size == 0:
        return Forecast("nash", status_quo, {**detail, "bargainers": [], "feasible": False,
                                             "gains": {}, "note": "no actor has both "
                                             "positive weight and positive salience"})
    salience, gamma = arrays.salience[rows], arrays.gamma[rows]
    low, high, position = _stake_range(arrays.position[rows], salience)

    def utility(x: np.ndarray) -> np.ndarray:
        return -(salience * np.abs(x - position) ** gamma[:, None]).sum(axis=1)

    if disagreement == "status_quo":
        threat = utility(status_quo)
    else:
        far = np.maximum(np.abs(low - position), np.abs(high - position))
        threat = -(salience * far ** gamma[:, None]).sum(axis=1)
        centre = (low + high) / 2  # every actor that can gain at all gains here
        cares = utility(centre) - threat > MIN_GAIN
        rows, weight, position, salience, gamma, threat = (
            a[cares] for a in (rows, weight, position, salience, gamma, threat))
    ids = [arrays.actor_ids[r] for r in rows]
    detail["bargainers"] = ids
    if not ids:  # with "worst": everyone agrees on every dimension anyone cares about
        return Forecast("nash", (low + high) / 2, {
            **detail, "feasible": True, "gains": {},
            "note": "the actors agree wherever they care; nothing to bargain over"})
    w = weight / weight.sum()

    def gains(x: np.ndarray) -> np.ndarray:
        return utility(x) - threat

    def objective(x: np.ndarray) -> float:
        g = gains(x)
        if np.all(g > MIN_GAIN):
            return float(-(w * np.log(g)).sum())
        return 1e12 * (1.0 + float(np.maximum(MIN_GAIN - g, 0.0).sum()))

    mean = weighted_mean(position, weight[:, None] * salience, axis=0)
    starts = [mean, (low + high) / 2, position.mean(axis=0),
              *(status_quo + t * (mean - status_quo) for t in (0.25, 0.5, 0.75))]
    if np.any(gamma < 1):  # the log-sum may have several local maxima
        starts += list(position)
    feasible = [s for s in starts if np.all(gains(s) > MIN_GAIN)]
    if np.all(gamma >= 1):  # concave: one start finds the maximum
        feasible = feasible[:1]
    if not feasible:
        found = _most_even_gain(gains, starts, minimize)
        if found is None:
            fallback = status_quo if disagreement == "status_quo" else (low + high) / 2
            return Forecast("nash", fallback, {
                **detail, "feasible": False,
                "gains": dict.fromkeys(ids, 0.0),
                "note": "no agreement leaves every bargainer better off than the "
                        "disagreement point; the solution is the disagreement point",
            })
        feasible = [found]
    bounds = [(0.0, 1.0)] * position.shape[1]
    options = {"xtol": 1e-12, "ftol": 1e-15, "maxfev": 20000}
    ends = [minimize(objective, s, method="Powell", bounds=bounds, options=options).x
            for s in feasible]
    best = min(ends, key=objective)
    best = minimize(objective, best, method="Powell", bounds=bounds, options=options).x
    best = np.clip(best, 0.0, 1.0)
    return Forecast("nash", best, {
        **detail, "feasible": True,
        "gains": {a: float(g) for a, g in zip(ids, gains(best), strict=True)},
        "starts": len(feasible),
    })


def status_quo_is_assumed(scenario: Scenario) -> bool:
    """Whether the scenario's status quo is only the importers' placeholder.

    DECIDE and BDM data record no status quo; :mod:`consensus_sim.importers` then puts
    it at the lower (or upper) end of the scales and marks it with the assumption line
    :data:`~consensus_sim.importers.STATUS_QUO_PLACEHOLDER` (or, in files imported by
    earlier versions, one of the lines they wrote). A status quo given when
    importing, or written by the scenario's author, is data.
    """
    from ..importers import STATUS_QUO_PLACEHOLDER_LINES

    return not STATUS_QUO_PLACEHOLDER_LINES.isdisjoint(scenario.assumptions)


def _stake_range(position: np.ndarray, salience: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each dimension's range of ideal points, and the ideal points to bargain with.

    The range (low, high) spans the positions of the actors with a stake in the
    dimension (salience above 0), or of every actor where nobody has one. An actor
    without a stake has no ideal point there: its utility does not depend on that
    coordinate, and its position (an importer's placeholder, say) must not set the
    worst outcomes or the starting points. It stands at the range's centre instead.
    """
    counted = salience > 0
    counted |= ~counted.any(axis=0)  # where nobody has a stake, everyone counts
    low = np.where(counted, position, np.inf).min(axis=0)
    high = np.where(counted, position, -np.inf).max(axis=0)
    return low, high, np.where(counted, position, (low + high) / 2)


def _most_even_gain(gains, starts, minimize) -> np.ndarray | None:
    """A point where every bargainer gains, found by maximising the smallest gain."""
    bounds = [(0.0, 1.0)] * len(starts[0])
    best_x, best_value = None, -np.inf
    for s in starts:
        result = minimize(lambda x: -float(gains(x).min()), s, method="Powell",
                          bounds=bounds, options={"xtol": 1e-12, "ftol": 1e-15})
        value = float(gains(result.x).min())
        if value > best_value:
            best_x, best_value = result.x, value
    return best_x if best_value > MIN_GAIN else None
