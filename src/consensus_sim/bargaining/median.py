"""The weighted median voter: the position no weighted majority can beat.

Black (1948, "On the rationale of group decision-making", Journal of Political
Economy 56(1)) showed that on one dimension, with single-peaked preferences, the
median voter's ideal point beats every other position in a pairwise majority vote.
Bueno de Mesquita's forecasting work weights each actor's vote by its capability
times its salience (Bueno de Mesquita 1994, in Bueno de Mesquita & Stokman, eds.,
*European Community Decision Making*, Yale UP), and Thomson, Stokman, Achen &
Koenig (eds., *The European Union Decides*, Cambridge UP 2006) use the median actor
as a baseline against which the bargaining models are judged. With linear (or any
symmetric single-peaked) utilities the capability x salience weighted median is the
position that a capability x salience weighted majority prefers to any other.

Each dimension is taken on its own: the forecast is the vector of the per-dimension
medians (on several dimensions a multidimensional median need not exist).
"""

from __future__ import annotations

import numpy as np

from .forecast import Actors, Forecast, participants

__all__ = ["median_voter", "weighted_median"]

#: Cumulative weight within this fraction of half the total counts as reaching it,
#: so that rounding (0.1 + 0.2 != 0.3) cannot move the median off an exact tie.
TIE_TOLERANCE = 1e-12


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The lower weighted median of ``values``.

    Sort the values in increasing order (equal values pooled) and add up their
    weights: the median is the first value at which the cumulative weight reaches
    half the total weight. When the cumulative weight equals exactly half the total
    at a value x_k (a tie between the two halves), the median is x_k, the lower of
    the two candidate values, not their midpoint: the forecast is always a position
    some actor holds. Weights must be non-negative with a positive total.

    Example: values 4, 7, 10 with weights 0.248, 0.093, 0.336 (total 0.677, half
    0.3385): the cumulative weight is 0.248 at 4 and 0.341 at 7, so the median is 7.
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if values.shape != weights.shape or values.ndim != 1 or values.size == 0:
        raise ValueError("values and weights must be equal-length, non-empty 1-d arrays")
    if np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError("weights must be finite and non-negative")
    total = weights.sum()
    if total <= 0:
        raise ValueError("the weights sum to zero; a weighted median needs positive weight")
    order = np.argsort(values, kind="stable")
    sorted_values, cumulative = values[order], np.cumsum(weights[order])
    # the last index of each run of equal values carries the pooled cumulative weight
    reached = cumulative >= 0.5 * total * (1.0 - TIE_TOLERANCE)
    return float(sorted_values[np.argmax(reached)])


def median_voter(scenario, actors: Actors = "all") -> Forecast:
    """The capability x salience weighted median of the actors' positions, per dimension.

    Args:
        scenario: the scenario; its actors' capability, salience and position are used.
        actors: ``"all"`` (default) or ``"members"``; see :func:`participants`.

    Returns:
        A :class:`Forecast` named ``"median"``. ``detail`` names, per dimension, the
        actors who hold the median position, and lists the dimensions on which every
        weight is zero (there the unweighted median is used).

    On the EU car emission case (Bueno de Mesquita 1994, Table 1; Scholz, Calbert &
    Smith 2011) the forecast is 7 years, Belgium's, Ireland's and Greece's position.
    """
    arrays = scenario.arrays
    rows = participants(scenario, actors)
    ids = [arrays.actor_ids[r] for r in rows]
    position = arrays.position[rows]
    weight = arrays.capability[rows, None] * arrays.salience[rows]
    forecast = np.empty(position.shape[1])
    median_actors: dict[str, list[str]] = {}
    unweighted: list[str] = []
    for k, dim in enumerate(arrays.dimension_ids):
        w = weight[:, k]
        if w.sum() <= 0:
            unweighted.append(dim)
            w = np.ones_like(w)
        forecast[k] = weighted_median(position[:, k], w)
        median_actors[dim] = [a for a, x in zip(ids, position[:, k], strict=True)
                              if x == forecast[k]]
    return Forecast("median", forecast, {
        "weights": "capability x salience",
        "ties": "lower median (the first position at which cumulative weight reaches half)",
        "actors": actors,
        "median_actors": median_actors,
        "unweighted_dimensions": unweighted,
    })
