"""Uncertainty declared by the analyst: bounded distributions on actor fields.

A scenario declares, under ``uncertainty``, a distribution for each actor field the
analyst is unsure of (a position, a salience, a tolerance, a blocking cost); every
other number is fixed. This module turns those declarations into
:class:`UncertainInput` objects, each of which maps uniforms in [0, 1) to values by
its inverse CDF (``ppf``). Drawing through uniforms keeps every draw inside the
field's range by construction, without clipping, and lets runs at different sweep
points share their random numbers (common random numbers): the same uniform gives
the same quantile of each point's distribution.

The workflow: ``scenario.uncertain`` lists the inputs in canonical order; a runner
draws uniforms ``u`` of shape (runs, inputs), turns them into values with
:func:`quantiles`, and writes them into its per-run arrays with :func:`apply`.
:func:`hypotheses` gives a fixed, representative sample of the prior, for an actor
that knows only the distributions.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = [
    "FIELDS",
    "UncertainInput",
    "apply",
    "beta_shape",
    "hypotheses",
    "largest_unimodal_sd",
    "quantiles",
    "shorthand_sd",
    "uncertain_inputs",
]

#: The actor fields that can be uncertain, in canonical order (sorted by name).
FIELDS = ("blocking_cost", "position", "salience", "tolerance")
_PER_DIMENSION = ("position", "salience")


def beta_shape(mean: float, sd: float, low: float = 0.0, high: float = 1.0,
               ) -> tuple[float, float]:
    """The shape parameters (alpha, beta) of the beta on [low, high] with this mean and sd.

    On the unit scale, with m = (mean − low)/(high − low) and s = sd/(high − low),
    the concentration is kappa = m(1 − m)/s² − 1, and alpha = m·kappa,
    beta = (1 − m)·kappa. Example: mean 0.3, sd 0.1 on [0, 1] gives kappa = 20,
    alpha = 6, beta = 14.

    Raises:
        ValueError: when no beta has this mean and sd (sd² ≥ (mean − low)(high − mean)).
    """
    width = high - low
    m, s = (mean - low) / width, sd / width
    variance = s**2  # 0 when sd is too small a share of the width for a float
    kappa = m * (1.0 - m) / variance - 1.0 if variance > 0.0 else math.nan
    if not (0.0 < m < 1.0 and kappa > 0.0 and math.isfinite(kappa)):
        raise ValueError(f"no beta on [{low:g}, {high:g}] has mean {mean:g} and sd {sd:g}")
    return m * kappa, (1.0 - m) * kappa


def largest_unimodal_sd(mean: float) -> float:
    """The largest sd the shorthand allows around a stated value ``mean`` in [0, 1].

    The shorthand draws from a symmetric triangular distribution centred on the stated
    value, of half-width w; its sd is w/sqrt(6). The draws stay in [0, 1] and keep the
    stated value as their mean only while w <= min(m, 1 - m), so the sd is at most
    min(m, 1 - m)/sqrt(6): 0.204 at the middle of the scale (m = 0.5), 0.0408 at
    m = 0.1, and 0 at the ends (a stated 0 or 1 is kept).
    """
    return max(0.0, min(mean, 1.0 - mean)) / math.sqrt(6.0)


def shorthand_sd(mean: float, sd: float) -> float:
    """The sd the ``position_sd``/``salience_sd`` shorthand uses around a stated value.

    It is the declared sd, reduced near the ends of the scale to
    :func:`largest_unimodal_sd`, so that the draws keep the stated value as their
    mean and stay in [0, 1] by construction (a stated 0 or 1 gets sd 0).
    """
    return min(sd, largest_unimodal_sd(mean))


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain actor field and the distribution its value is drawn from.

    Attributes:
        path: where it is declared, e.g. ``actors.FRA.position.office``.
        actor: the actor's id.
        row: the actor's row in ``scenario.arrays`` (members first).
        field: ``position``, ``salience``, ``tolerance`` or ``blocking_cost``.
        dim: the dimension's column for position and salience, -1 for scalar fields.
        dist: ``beta``, ``triangular``, ``uniform`` or ``discrete``.
        low, high: the least and greatest value a draw can take.
        alpha, beta: a beta's shape parameters (on [low, high]).
        mode: a triangular distribution's peak.
        values, weights: a discrete distribution's values, increasing, and their
            probabilities (positive, summing to 1).
    """

    path: str
    actor: str
    row: int
    field: str
    dim: int
    dist: str
    low: float
    high: float
    alpha: float | None = None
    beta: float | None = None
    mode: float | None = None
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The values at quantiles ``u`` (uniforms in [0, 1), any shape): the inverse CDF.

        Discrete: the smallest value whose cumulative probability exceeds u.
        """
        u = np.asarray(u, dtype=float)
        low, high = self.low, self.high
        if self.dist == "beta":
            # scipy.special only (scipy.stats is slow to import), and only when drawn.
            from scipy.special import betaincinv

            unit = betaincinv(self.alpha, self.beta, u)
            # For u far below anything a generator draws (about 1e-185), betaincinv can
            # give nan where the quantile is 0 to within rounding.
            lost = np.isnan(unit) & ~np.isnan(u)
            if lost.any():
                unit = np.where(lost, (u > 0.5).astype(float), unit)
            # rounding alone could step past high by an ulp
            return np.minimum(low + (high - low) * unit, high)
        if self.dist == "uniform":
            return np.minimum(low + (high - low) * u, high)
        if self.dist == "triangular":
            return triangular_ppf(u, low, self.mode, high)
        if self.dist == "discrete":
            cumulative = np.cumsum(self.weights)
            cumulative[-1] = 1.0
            index = np.searchsorted(cumulative, u, side="right")
            return np.asarray(self.values)[np.minimum(index, len(self.values) - 1)]
        raise ValueError(f"unknown distribution {self.dist!r}")

    @property
    def mean(self) -> float:
        """The mean of the draws."""
        if self.dist == "beta":
            return self.low + (self.high - self.low) * self.alpha / (self.alpha + self.beta)
        if self.dist == "uniform":
            return (self.low + self.high) / 2.0
        if self.dist == "triangular":
            return (self.low + self.mode + self.high) / 3.0
        return float(np.dot(self.weights, self.values))

    @property
    def sd(self) -> float:
        """The standard deviation of the draws."""
        low, high = self.low, self.high
        if self.dist == "beta":
            a, b = self.alpha, self.beta
            return (high - low) * math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))
        if self.dist == "uniform":
            return (high - low) / math.sqrt(12.0)
        if self.dist == "triangular":
            c = self.mode
            return math.sqrt((low**2 + c**2 + high**2 - low * c - low * high - c * high) / 18.0)
        values = np.asarray(self.values)
        return float(np.sqrt(np.dot(self.weights, (values - self.mean) ** 2)))

    def describe(self) -> str:
        """The distribution in words, e.g. ``beta(mean 0.10, sd 0.05) on [0, 1]``."""
        bounds = f"on [{self.low:g}, {self.high:g}]"
        if self.dist == "beta":
            return f"beta(mean {_short(self.mean)}, sd {_short(self.sd)}) {bounds}"
        if self.dist == "triangular":
            return f"triangular(mode {self.mode:g}) {bounds}"
        if self.dist == "uniform":
            return f"uniform {bounds}"
        shares = ", ".join(f"{v:g}: {w:.0%}" for v, w in zip(self.values, self.weights,
                                                             strict=True))
        return f"discrete({shares})"


def triangular_ppf(u: np.ndarray, low: np.ndarray | float, mode: np.ndarray | float,
                   high: np.ndarray | float) -> np.ndarray:
    """The triangular distribution's inverse CDF, for arrays of parameters at once:
    low + sqrt(u (high - low)(mode - low)) below the peak's quantile, else
    high - sqrt((1 - u)(high - low)(high - mode))."""
    width = high - low
    peak = (mode - low) / width
    rising = low + np.sqrt(u * width * (mode - low))
    falling = high - np.sqrt((1.0 - u) * width * (high - mode))
    return np.clip(np.where(u < peak, rising, falling), low, high)


def quantiles_by_family(inputs: Sequence[UncertainInput], u: np.ndarray) -> np.ndarray:
    """The same as :func:`quantiles`, with every triangular input drawn in one array
    operation (the shorthand makes most inputs triangular; drawing them one by one
    would cost more than a short run)."""
    out = np.empty_like(u)
    tri = [j for j, x in enumerate(inputs) if x.dist == "triangular"]
    if tri:
        low = np.array([inputs[j].low for j in tri])
        mode = np.array([inputs[j].mode for j in tri])
        high = np.array([inputs[j].high for j in tri])
        out[:, tri] = triangular_ppf(u[:, tri], low, mode, high)
    for j, x in enumerate(inputs):
        if x.dist != "triangular":
            out[:, j] = x.ppf(u[:, j])
    return out


def _short(x: float) -> str:
    return f"{x:.2f}" if x == 0 or abs(x) >= 0.01 else f"{x:.2g}"


def _declared(path: str, actor: str, row: int, field: str, dim: int,
              declaration: Any) -> UncertainInput:
    """An input from one validated declaration under ``uncertainty.fields``."""
    where = {"path": path, "actor": actor, "row": row, "field": field, "dim": dim,
             "dist": declaration.dist}
    if declaration.dist == "beta":
        alpha, beta = beta_shape(declaration.mean, declaration.sd, declaration.low,
                                 declaration.high)
        return UncertainInput(**where, low=declaration.low, high=declaration.high,
                              alpha=alpha, beta=beta)
    if declaration.dist == "triangular":
        return UncertainInput(**where, low=declaration.low, high=declaration.high,
                              mode=declaration.mode)
    if declaration.dist == "uniform":
        return UncertainInput(**where, low=declaration.low, high=declaration.high)
    weights = declaration.weights or (1.0,) * len(declaration.values)
    pairs = sorted((v, w) for v, w in zip(declaration.values, weights, strict=True) if w > 0)
    total = sum(w for _, w in pairs)
    return UncertainInput(**where, low=pairs[0][0], high=pairs[-1][0],
                          values=tuple(v for v, _ in pairs),
                          weights=tuple(w / total for _, w in pairs))


def uncertain_inputs(scenario: Scenario) -> tuple[UncertainInput, ...]:
    """Every uncertain input of a validated scenario, in canonical order.

    The shorthands ``position_sd`` and ``salience_sd`` declare, for every actor and
    dimension (for saliences, only the non-zero ones), a symmetric triangular
    distribution centred on the stated value whose sd is :func:`shorthand_sd` (its
    inverse CDF is closed-form, so drawing it is cheap); a declaration under
    ``uncertainty.fields`` replaces the shorthand for its field. Inputs that cannot
    vary (a shorthand around a stated 0 or 1, or one whose sd is too small to move the
    stated value by a float's precision) are left out.

    The order is by actor id, field name and dimension id, so that it does not depend
    on the order in which the file lists actors or dimensions.
    """
    a = scenario.arrays
    row = {actor_id: i for i, actor_id in enumerate(a.actor_ids)}
    column = {dim_id: j for j, dim_id in enumerate(a.dimension_ids)}
    found: dict[str, UncertainInput] = {}
    declared = scenario.uncertainty
    for field, sd in (("position", declared.position_sd), ("salience", declared.salience_sd)):
        if sd <= 0:
            continue
        stated = a.position if field == "position" else a.salience
        for actor_id, i in row.items():
            for dim_id, j in column.items():
                mean = float(stated[i, j])
                half = min(sd * math.sqrt(6.0), mean, 1.0 - mean)
                # cannot vary: at an end of the scale, or so narrow that mean ± half
                # rounds to the mean itself (a tiny sd)
                if not mean - half < mean + half or (field == "salience" and mean == 0):
                    continue
                path = f"actors.{actor_id}.{field}.{dim_id}"
                found[path] = UncertainInput(path, actor_id, i, field, j, "triangular",
                                             mean - half, mean + half, mode=mean)
    for path, declaration in declared.fields.items():
        _, actor_id, field, *rest = path.split(".")
        dim = column[rest[0]] if rest else -1
        found[path] = _declared(path, actor_id, row[actor_id], field, dim, declaration)

    def canonical(x: UncertainInput) -> tuple[str, str, str]:
        return x.actor, x.field, a.dimension_ids[x.dim] if x.dim >= 0 else ""

    return tuple(sorted(found.values(), key=canonical))


def quantiles(inputs: Sequence[UncertainInput], u: np.ndarray) -> np.ndarray:
    """The inputs' values at uniforms ``u`` of shape (runs, len(inputs)), column by column."""
    u = np.asarray(u, dtype=float)
    if u.ndim != 2 or u.shape[1] != len(inputs):
        raise ValueError(f"u must have shape (runs, {len(inputs)}), got {u.shape}")
    out = np.empty_like(u)
    for j, x in enumerate(inputs):
        out[:, j] = x.ppf(u[:, j])
    return out


def _seed(path: str) -> int:
    return int.from_bytes(hashlib.sha256(path.encode("utf-8")).digest()[:8], "big")


def hypotheses(inputs: Sequence[UncertainInput], k: int) -> np.ndarray:
    """A fixed sample of k draws, shape (k, len(inputs)), that represents the prior.

    It is what an actor that knows only the distributions can reason over (the agenda
    setter under private information). Each input's column holds its k stratified
    quantiles ``ppf((j + 0.5)/k)``, j = 0 .. k−1, shuffled by a permutation seeded by
    the input's path alone: a Latin hypercube whose pairing is fixed, so that an
    input's column does not depend on which other inputs exist or on their order.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1 (got {k})")
    strata = (np.arange(k) + 0.5) / k
    out = np.empty((k, len(inputs)))
    for j, x in enumerate(inputs):
        out[:, j] = x.ppf(strata)[np.random.default_rng(_seed(x.path)).permutation(k)]
    return out


@lru_cache(maxsize=32)
def _layout(inputs: tuple[UncertainInput, ...]) -> dict[str, tuple[np.ndarray, ...]]:
    """Per field: the columns of ``values`` it takes, the rows and (if any) dimensions."""
    layout = {}
    for field in FIELDS:
        columns = [j for j, x in enumerate(inputs) if x.field == field]
        if columns:
            rows = np.array([inputs[j].row for j in columns], dtype=np.intp)
            dims = np.array([inputs[j].dim for j in columns], dtype=np.intp)
            layout[field] = (np.array(columns, dtype=np.intp), rows, dims)
    return layout


def apply(values: np.ndarray, inputs: Sequence[UncertainInput], position: np.ndarray,
          salience: np.ndarray, tolerance: np.ndarray, blocking_cost: np.ndarray) -> None:
    """Write the drawn values into per-run arrays, in place.

    Args:
        values: shape (runs, len(inputs)), one row per run, columns as ``inputs``.
        inputs: the uncertain inputs, e.g. ``scenario.uncertain``.
        position, salience: shape (runs, n_actors, d), owned by the caller.
        tolerance, blocking_cost: shape (runs, n_actors), owned by the caller.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(inputs):
        raise ValueError(f"values must have shape (runs, {len(inputs)}), got {values.shape}")
    targets = {"position": position, "salience": salience, "tolerance": tolerance,
               "blocking_cost": blocking_cost}
    for field, (columns, rows, dims) in _layout(tuple(inputs)).items():
        if field in _PER_DIMENSION:
            targets[field][:, rows, dims] = values[:, columns]
        else:
            targets[field][:, rows] = values[:, columns]
