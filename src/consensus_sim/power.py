"""Voting power: how often a member's vote decides, under the scenario's rule.

Read as a *simple game*, a decision rule says which coalitions -- sets of members
voting yes, everyone else voting no -- carry a proposal. A member **swings** a losing
coalition S of the others when S plus that member wins. Two classic indices count
swings:

- the **Banzhaf index** (Banzhaf 1965, "Weighted voting doesn't work: a mathematical
  analysis", Rutgers Law Review 19): member i's raw score is the number of coalitions
  of the others that i swings; the normalised index divides by the sum over members;
- the **Shapley-Shubik index** (Shapley & Shubik 1954, "A method for evaluating the
  distribution of power in a committee system", American Political Science Review
  48(3)): the share of the n! orders of joining in which i is pivotal, i.e. turns the
  coalition of those before it from losing to winning. Equivalently, the sum over
  the coalitions S that i swings of |S|! (n - |S| - 1)! / n!.

Every rule in a scenario is a game of one form (:class:`SimpleGame`): enough members,
enough weight (unless no blocking minority is left) and every veto holder on board.
Consensus, silence and unanimity let only the grand coalition win, so every member is
a veto player and each index is 1/n; majority, the EU double majority and the UN
Security Council's veto majority spread power unevenly.

Exact indices come from counting coalitions by their size, weight and number of veto
holders with generating functions (Bilbao, Fernandez, Jimenez Losada & Lopez 2000,
"Generating functions for computing power indices efficiently", TOP 8(2); Matsui &
Matsui 2000, "A survey of algorithms for calculating power indices of weighted
majority games", J. Operations Research Soc. Japan 43(1)), never by listing the 2^n
coalitions or the n! orders. The counts are exact integers of any size: 64-bit up to
62 members, Python integers beyond (there are 2^n coalitions). Beyond ``max_exact``
members (30 by default) the indices are estimated by seeded Monte Carlo, with
standard errors.

Which method can serve is one rule (:func:`exact_plan`): counting exactly is offered
when its table fits in memory and its estimated time, from the number of additions it
takes, stays within :data:`MAX_EXACT_SECONDS`; otherwise only sampling is. Advice in an
error names the other method only when that method can serve, so following it never
leads back.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from numbers import Integral
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .rules import quota
from .scenario import (
    ConsensusRule,
    MajorityRule,
    QualifiedMajorityRule,
    Scenario,
    SilenceRule,
    UnanimityRule,
    VetoMajorityRule,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MAX_EXACT_SECONDS",
    "METHODS",
    "ExactIndices",
    "ExactPlan",
    "PowerIndices",
    "SampledIndices",
    "SimpleGame",
    "SwingsTooRare",
    "WeightGrid",
    "coalition_counts",
    "exact_indices",
    "exact_plan",
    "monte_carlo_indices",
    "power_indices",
    "simple_game",
    "swings_by_size",
    "weight_grid",
    "winning",
]

METHODS = ("auto", "exact", "monte carlo")

#: Largest counting table (sizes x weight units x veto counts) the exact method builds,
#: and largest table of swing counts (members x coalition sizes). A few tables of this
#: size live at once: about 50 MB of int64, some hundreds of MB of Python integers.
MAX_DP_CELLS = 2_000_000

#: Most members whose coalition counts fit int64: a count of coalitions of one size is
#: at most C(n, n/2) < 2^62, a member's swings at most 2^(n-1). Beyond, the counts are
#: Python integers (numpy object arrays), exact at any size but slower.
INT64_MEMBERS = 62

#: Longest estimated time, in seconds, for which the exact method is offered.
MAX_EXACT_SECONDS = 10.0

#: Estimated seconds per cell addition of the counting tables in int64; in Python
#: integers, a base cost plus a cost per member (the counts have up to n bits); and
#: per swing count turned into the indices, which happens in Python, one count at a
#: time. Measured on one laptop core (2025) and rounded up.
SECONDS_PER_INT64_ADDITION = 2.5e-9
SECONDS_PER_PYTHON_ADDITION = (2e-8, 1e-10)
SECONDS_PER_SWING_COUNT = 3e-7

#: Fewest grid units per member when weights must be rounded to fit the table: with
#: 100, a member of average weight is moved by at most 0.5% of its weight.
MIN_UNITS_PER_MEMBER = 100

#: Finest decimal unit tried when looking for an exact integer grid of the weights.
_MAX_DECIMALS = 6

#: Tolerance of the weight quota on the integer grid, in grid units (weights there are
#: integers, so any tolerance well below 1 only decides exact ties -- in favour of the
#: proposal, as :func:`~consensus_sim.rules.qualified_majority` does).
_GRID_TOLERANCE = 1e-9

#: Monte Carlo draws this many random numbers per chunk (rows x members), so memory
#: stays flat however many samples are asked for.
_CHUNK_ELEMENTS = 1 << 20


# --------------------------------------------------------------------------- the game


@dataclass(frozen=True, eq=False)
class SimpleGame:
    """A decision rule as a simple game on n members.

    A coalition S (the members voting yes) wins when all three hold:

    - it has at least ``quota`` members;
    - its weight reaches ``weight_share`` of the total (``w(S) >= weight_share * W -
      weight_tolerance``), or fewer than ``blocking_minority`` members are outside it
      (0 turns that clause off), or the total weight is zero;
    - it contains every veto player.

    Attributes:
        quota: fewest members a winning coalition has.
        weight: each member's weight (zeros when the rule ignores weight).
        weight_share: share of the total weight a winning coalition needs.
        blocking_minority: fewest members whose "no" can block on weight alone.
        veto: True for each veto player.
        weight_tolerance: absolute slack on the weight quota (ties count as met).
    """

    quota: int
    weight: np.ndarray
    weight_share: float
    blocking_minority: int
    veto: np.ndarray
    weight_tolerance: float = 1e-12

    @property
    def n(self) -> int:
        return int(self.weight.size)

    @property
    def uses_weight(self) -> bool:
        """Whether the weight condition can ever fail, so the weight matters."""
        return self.weight_share > 0 and float(self.weight.sum()) > 0

    @property
    def only_grand_coalition(self) -> bool:
        """Whether only the grand coalition wins (every member is a veto player)."""
        return self.quota >= self.n or bool(self.veto.all())

    def wins(self, size: Any, weight: Any, vetoes: Any) -> np.ndarray:
        """Whether coalitions with these sizes, weights and veto-holder counts win.

        The three arguments broadcast against each other, so one call classifies a
        whole table of coalition states; the answer has their broadcast shape.
        """
        shape = np.broadcast_shapes(np.shape(size), np.shape(weight), np.shape(vetoes))
        size = np.asarray(size)
        won = size >= self.quota
        if self.uses_weight:
            threshold = self.weight_share * float(self.weight.sum()) - self.weight_tolerance
            enough_weight = np.asarray(weight) >= threshold
            if self.blocking_minority > 0:
                enough_weight = enough_weight | (self.n - size < self.blocking_minority)
            won = won & enough_weight
        n_veto = int(np.count_nonzero(self.veto))
        if n_veto:
            won = won & (np.asarray(vetoes) >= n_veto)
        return won if won.shape == shape else np.broadcast_to(won, shape)

    def winning(self, coalitions: np.ndarray) -> np.ndarray:
        """Whether each coalition wins, given a boolean matrix (coalitions x members)
        of yes-votes; a single boolean vector gives a single answer."""
        yes = np.asarray(coalitions, dtype=bool)
        if yes.shape[-1] != self.n:
            raise ValueError(f"a coalition needs one column per member ({self.n}); "
                             f"got shape {yes.shape}")
        return self.wins(np.count_nonzero(yes, axis=-1), yes @ self.weight,
                         np.count_nonzero(yes & self.veto, axis=-1))


def simple_game(scenario: Scenario) -> SimpleGame:
    """The scenario's decision rule as a simple game on its members.

    A coalition is the set of members voting yes; every other member votes no (for
    the veto majority, a veto holder outside the coalition vetoes).
    """
    rule = scenario.rule
    a = scenario.arrays
    n = a.n_members
    no_weight = np.zeros(n)
    no_veto = np.zeros(n, dtype=bool)
    match rule:
        case ConsensusRule() | SilenceRule() | UnanimityRule():
            return SimpleGame(n, no_weight, 0.0, 0, no_veto)
        case MajorityRule():
            return SimpleGame(quota(rule.threshold, n, rule.inclusive), no_weight, 0.0, 0,
                              no_veto)
        case QualifiedMajorityRule():
            return SimpleGame(quota(rule.member_share, n, inclusive=True),
                              np.array(a.weight[:n], dtype=float), rule.weight_share,
                              rule.blocking_minority, no_veto)
        case VetoMajorityRule():
            veto = np.isin(np.array(a.member_ids), list(rule.veto))
            return SimpleGame(quota(rule.threshold, n, inclusive=True), no_weight, 0.0, 0,
                              veto)
    raise TypeError(f"no simple game for {type(rule).__name__}")  # pragma: no cover


def winning(scenario: Scenario) -> Callable[[np.ndarray], np.ndarray]:
    """The scenario's rule as a vectorised predicate on coalitions.

    The returned function takes a boolean matrix (coalitions x members, in the order
    of ``scenario.arrays.member_ids``) of yes-votes and returns a boolean vector: does
    each coalition win when every other member votes no?
    """
    return simple_game(scenario).winning


# --------------------------------------------------------------------------- weights


class WeightGrid(NamedTuple):
    """Weights as whole multiples of ``resolution``.

    Attributes:
        units: each member's weight in grid units (int64).
        resolution: the weight of one unit.
        exact: whether ``units * resolution`` reproduces every weight (to 1e-9
            relative); if not, the weights were rounded to the nearest unit.
    """

    units: np.ndarray
    resolution: float
    exact: bool


def weight_grid(weight: np.ndarray, resolution: float | None = None,
                max_units: int = MAX_DP_CELLS) -> WeightGrid:
    """Put the weights on an integer grid, as the counting tables need.

    With ``resolution`` given, each weight becomes the nearest whole number of
    resolutions. Without it, the coarsest exact grid is sought: the weights in units
    of 10^-d (d = 0 .. 6, the fewest decimals that write them all), divided by their
    greatest common divisor -- populations in millions to one decimal put the EU's 27
    members on a grid of about 4,500 units, so the game stays exact. When no exact
    grid has at most ``max_units`` units in all, the weights are rounded to a unit of
    ``total / (max_units - n)``; the indices are then exact for the rounded weights.

    Args:
        weight: non-negative weights, one per member.
        resolution: weight of one grid unit, or None to choose it as above.
        max_units: most grid units the total weight may take (automatic choice only).

    Returns:
        The grid; ``exact`` says whether any weight was rounded.
    """
    weight = np.asarray(weight, dtype=float)
    if resolution is not None:
        if not resolution > 0:
            raise ValueError(f"resolution must be a positive weight (got {resolution})")
        units = np.rint(weight / resolution).astype(np.int64)
        return WeightGrid(units, float(resolution), _reproduces(units, resolution, weight))
    total = float(weight.sum())
    if total <= 0:
        return WeightGrid(np.zeros(weight.size, dtype=np.int64), 1.0, True)
    for decimals in range(_MAX_DECIMALS + 1):
        scaled = weight * 10.0**decimals
        whole = np.rint(scaled)
        if np.all(np.abs(scaled - whole) <= 1e-9 * np.maximum(1.0, scaled)):
            units = whole.astype(np.int64)
            divisor = int(np.gcd.reduce(units[units > 0]))
            units //= divisor
            if int(units.sum()) <= max_units:
                return WeightGrid(units, divisor / 10.0**decimals, True)
            break  # finer decimals only make the grid larger
    target = max(max_units - weight.size, 1)
    resolution = total / target
    units = np.rint(weight / resolution).astype(np.int64)
    return WeightGrid(units, resolution, _reproduces(units, resolution, weight))


def _reproduces(units: np.ndarray, resolution: float, weight: np.ndarray) -> bool:
    return bool(np.allclose(units * resolution, weight, rtol=1e-9, atol=1e-12))


# --------------------------------------------------------------------------- exact


def coalition_counts(units: np.ndarray, veto: np.ndarray) -> np.ndarray:
    """How many coalitions have each size, weight and number of veto players.

    ``counts[k, w, v]`` is the coefficient of x^k y^w z^v in the generating function
    prod_i (1 + x y^{units_i} z^{veto_i}) (Bilbao et al. 2000): the number of
    coalitions with k members, total weight w (in grid units) and v veto players.
    Built one member at a time, in O(n^2 W V) additions, not 2^n.

    Args:
        units: integer weights (zeros when weight does not matter).
        veto: True for each veto player.

    Returns:
        An array of shape (n + 1, sum(units) + 1, sum(veto) + 1): int64 up to
        :data:`INT64_MEMBERS` members, Python integers (dtype object) beyond, so that
        no count overflows.
    """
    units = np.asarray(units, dtype=np.int64)
    flags = np.asarray(veto, dtype=bool).astype(np.int64)
    n = units.size
    counts = np.zeros((n + 1, int(units.sum()) + 1, int(flags.sum()) + 1),
                      dtype=_count_type(n))
    counts[0, 0, 0] = 1
    top_w = top_v = 0  # the largest weight and veto count reached so far
    for j, (wj, vj) in enumerate(zip(units.tolist(), flags.tolist(), strict=True)):
        top_w += wj
        top_v += vj
        joined = counts[: j + 1, : top_w - wj + 1, : top_v - vj + 1].copy()
        counts[1 : j + 2, wj : top_w + 1, vj : top_v + 1] += joined
    return counts


def _count_type(n: int) -> type:
    """The integer type of coalition counts among n members: int64 while 2^n fits."""
    return np.int64 if n <= INT64_MEMBERS else object


def _without(counts: np.ndarray, wi: int, vi: int) -> np.ndarray:
    """The counts of coalitions of the others: divide out one member's (1 + x y^wi z^vi).

    From counts[k] = others[k] + shift(others[k - 1]), solved upward in k; exact in
    integers (the division is by a monic polynomial).
    """
    n = counts.shape[0] - 1
    n_w, n_v = counts.shape[1], counts.shape[2]
    others = np.empty((n, n_w, n_v), dtype=counts.dtype)
    others[0] = counts[0]
    for k in range(1, n):
        others[k] = counts[k]
        others[k, wi:, vi:] -= others[k - 1, : n_w - wi, : n_v - vi]
    return others


def swings_by_size(units: np.ndarray, veto: np.ndarray,
                   wins: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
                   ) -> np.ndarray:
    """Swing counts by the size of the coalition swung.

    ``swings[i, k]`` is the number of coalitions S of the members other than i, with
    |S| = k, that lose while S + {i} wins. Coalitions are counted by state (size,
    weight, veto players) with :func:`coalition_counts`; i's factor is divided out
    of the generating function rather than rebuilt, and members with the same weight
    and veto status share one computation.

    Args:
        units: integer weights (grid units).
        veto: True for each veto player.
        wins: the game on states: ``wins(size, weight, vetoes)`` broadcasts over
            integer arrays and says which states win.

    Returns:
        An array of shape (n, n), of the counts' type (see :func:`coalition_counts`).
    """
    units = np.asarray(units, dtype=np.int64)
    flags = np.asarray(veto, dtype=bool).astype(np.int64)
    n = units.size
    counts = coalition_counts(units, flags)
    n_w, n_v = counts.shape[1], counts.shape[2]
    size = np.arange(n + 1)[:, None, None]
    weight = np.arange(n_w)[None, :, None]
    vetoes = np.arange(n_v)[None, None, :]
    won = np.broadcast_to(wins(size, weight, vetoes), counts.shape)  # any game on states
    kinds, kind_of = np.unique(np.column_stack([units, flags]), axis=0, return_inverse=True)
    kind_of = kind_of.reshape(-1)
    swings = np.zeros((n, n), dtype=counts.dtype)
    for kind, (wi, vi) in enumerate(kinds.tolist()):
        others = _without(counts, wi, vi)[:, : n_w - wi, : n_v - vi]
        pivotal = won[1:, wi:, vi:] & ~won[:-1, : n_w - wi, : n_v - vi]
        swings[kind_of == kind] = np.where(pivotal, others, 0).sum(axis=(1, 2))
    return swings


class ExactIndices(NamedTuple):
    """Exact power indices. ``banzhaf_raw[i]`` is i's number of swings."""

    banzhaf_raw: np.ndarray
    banzhaf: np.ndarray
    shapley_shubik: np.ndarray


def exact_indices(units: np.ndarray, veto: np.ndarray,
                  wins: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
                  ) -> ExactIndices:
    """Banzhaf and Shapley-Shubik indices of a game on coalition states, exactly.

    From the swing counts s[i, k] of :func:`swings_by_size`:

    - Banzhaf (1965): raw_i = sum_k s[i, k]; normalised_i = raw_i / sum_j raw_j;
    - Shapley & Shubik (1954): phi_i = sum_k s[i, k] k! (n - k - 1)! / n!.

    Both are ratios of exact integers, rounded once to the nearest float, so they are
    correct to the last bit for any number of members (int64 counts overflow beyond
    62 members, floating-point factorials beyond 170).

    Args:
        units: integer weights (grid units).
        veto: True for each veto player.
        wins: the game on states, as for :func:`swings_by_size`.

    Raises:
        ValueError: when no member ever swings (the empty coalition wins, or none does).
    """
    swings = swings_by_size(units, veto, wins)
    n = swings.shape[0]
    raw = swings.sum(axis=1)
    total = sum(int(r) for r in raw)
    if total == 0:
        raise ValueError("no member's vote ever decides under this game "
                         "(the empty coalition wins, or no coalition does)")
    # orders in which i joins the k members of a swung coalition S, then the others
    orders = [math.factorial(k) * math.factorial(n - k - 1) for k in range(n)]
    pivotal = [sum(int(count) * orders[k] for k, count in enumerate(row) if count)
               for row in swings]
    every_order = math.factorial(n)
    banzhaf = np.array([int(r) / total for r in raw])
    shapley_shubik = np.array([p / every_order for p in pivotal])
    return ExactIndices(raw, banzhaf, shapley_shubik)


# --------------------------------------------------------------------------- sampled


class SwingsTooRare(ValueError):
    """No sampled coalition was swung by anyone, so sampling cannot estimate Banzhaf."""


class SampledIndices(NamedTuple):
    """Monte Carlo estimates of the power indices, with their standard errors."""

    banzhaf: np.ndarray
    banzhaf_se: np.ndarray
    shapley_shubik: np.ndarray
    shapley_shubik_se: np.ndarray


def monte_carlo_indices(game: SimpleGame, samples: int, rng: np.random.Generator
                        ) -> SampledIndices:
    """Estimate both indices by sampling, vectorised over samples.

    - Shapley-Shubik: ``samples`` random orders of joining; in each, the pivot is the
      member whose arrival first makes the coalition win. phi_i is i's share of the
      pivots; its standard error is sqrt(phi_i (1 - phi_i) / samples).
    - Banzhaf: ``samples`` random coalitions, each member in with probability 1/2;
      for each member i the others' part is a uniform coalition of the others, and
      i swings it or not. The normalised index is the ratio of i's swing rate to the
      sum of all swing rates; its standard error comes from the delta method.

    The two estimates use independent streams spawned from ``rng``; draws come in
    chunks of about a million numbers, so the result depends only on ``rng``'s state.

    Raises:
        SwingsTooRare: when no sampled coalition was swung by anyone (swings rarer than
            one in ``samples``, as under unanimity among many members).
    """
    n = game.n
    order_rng, coalition_rng = rng.spawn(2)
    veto = game.veto.astype(np.int64)
    rows = max(1, _CHUNK_ELEMENTS // n)
    pivots = np.zeros(n, dtype=np.int64)
    swing_count = np.zeros(n)  # sum over samples of X_i (i swings)
    swing_cross = np.zeros(n)  # sum of X_i * Z, Z = number of members swinging
    swing_square = 0.0  # sum of Z^2
    arrival = np.arange(1, n + 1)
    for start in range(0, samples, rows):
        m = min(rows, samples - start)
        order = order_rng.permuted(np.tile(np.arange(n), (m, 1)), axis=1)
        won = game.wins(arrival, np.cumsum(game.weight[order], axis=1),
                        np.cumsum(veto[order], axis=1))
        pivot = order[np.arange(m), won.argmax(axis=1)]
        pivots += np.bincount(pivot, minlength=n)

        member = coalition_rng.random((m, n)) < 0.5
        inside = member.astype(np.int64)
        size = inside.sum(axis=1, keepdims=True) - inside  # the others' coalition
        weight = (member @ game.weight)[:, None] - inside * game.weight
        vetoes = (inside @ veto)[:, None] - inside * veto
        swing = (game.wins(size + 1, weight + game.weight, vetoes + veto)
                 & ~game.wins(size, weight, vetoes))
        deciders = swing.sum(axis=1).astype(float)
        swing_count += swing.sum(axis=0)
        swing_cross += deciders @ swing
        swing_square += float(deciders @ deciders)

    shapley_shubik = pivots / samples
    shapley_shubik_se = np.sqrt(shapley_shubik * (1 - shapley_shubik) / samples)
    rate = swing_count / samples
    total = rate.sum()
    if total == 0:
        raise SwingsTooRare(f"no member swung any of the {samples} sampled coalitions: "
                            "swings are too rare to estimate the Banzhaf index by sampling")
    banzhaf = rate / total
    spread = rate - 2 * banzhaf * swing_cross / samples + banzhaf**2 * swing_square / samples
    banzhaf_se = np.sqrt(np.clip(spread, 0.0, None) / samples) / total
    return SampledIndices(banzhaf, banzhaf_se, shapley_shubik, shapley_shubik_se)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class PowerIndices:
    """Voting power of each member under a scenario's rule.

    Attributes:
        members: member ids, in the order of the arrays.
        banzhaf: normalised Banzhaf index (sums to 1).
        banzhaf_raw: swing counts (exact method only), else None: int64 up to
            :data:`INT64_MEMBERS` members, Python integers (dtype object) beyond,
            where they pass 2^63.
        shapley_shubik: Shapley-Shubik index (sums to 1).
        method: "exact" or "monte carlo".
        samples: orders and coalitions drawn (Monte Carlo only), else None.
        banzhaf_se: standard errors of ``banzhaf`` (Monte Carlo only), else None.
        shapley_shubik_se: standard errors of ``shapley_shubik`` (Monte Carlo only).
        rule: the rule's type, e.g. "veto_majority".
    """

    members: tuple[str, ...]
    banzhaf: np.ndarray
    banzhaf_raw: np.ndarray | None
    shapley_shubik: np.ndarray
    method: str
    samples: int | None
    banzhaf_se: np.ndarray | None
    shapley_shubik_se: np.ndarray | None
    rule: str

    def _columns(self) -> dict[str, np.ndarray]:
        columns = {"banzhaf": self.banzhaf, "shapley_shubik": self.shapley_shubik}
        if self.banzhaf_raw is not None:
            columns["banzhaf_raw"] = self.banzhaf_raw
        if self.banzhaf_se is not None:
            columns["banzhaf_se"] = self.banzhaf_se
        if self.shapley_shubik_se is not None:
            columns["shapley_shubik_se"] = self.shapley_shubik_se
        return columns

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the rule, the method, the samples and, per member, its indices
        (with raw swing counts when exact, standard errors when sampled)."""
        columns = self._columns()
        return {
            "rule": self.rule,
            "method": self.method,
            "samples": self.samples,
            "members": {
                member: {name: _plain(values[i]) for name, values in columns.items()}
                for i, member in enumerate(self.members)
            },
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per member (indexed by id), one column per index; the rule, the
        method and the samples are in ``frame.attrs``."""
        import pandas as pd

        frame = pd.DataFrame(self._columns(), index=pd.Index(self.members, name="member"))
        frame.attrs.update(rule=self.rule, method=self.method, samples=self.samples)
        return frame


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (Python integers pass through)."""
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------- the method


class ExactPlan(NamedTuple):
    """How the exact method would count a game, and what that would cost.

    Attributes:
        grid: the weights on an integer grid, or None when weight does not matter.
        members: n, the number of members.
        cells: cells of the counting table, (n + 1) x (weight units + 1) x (veto
            players + 1).
        additions: cell additions to build the table member by member, then to divide
            out each kind of member (distinct weight and veto status) and find its
            swings.
        arithmetic: ``"int64"`` up to :data:`INT64_MEMBERS` members, ``"python"``
            (Python integers, exact at any size) beyond.
        problem: why the exact method is out of reach, or None when it can serve.
    """

    grid: WeightGrid | None
    members: int
    cells: int
    additions: int
    arithmetic: str
    problem: str | None

    @property
    def seconds(self) -> float:
        """The estimated time to count: the additions at
        :data:`SECONDS_PER_INT64_ADDITION` or :data:`SECONDS_PER_PYTHON_ADDITION`, plus
        the n x n swing counts at :data:`SECONDS_PER_SWING_COUNT`."""
        base, per_member = SECONDS_PER_PYTHON_ADDITION
        per_addition = (SECONDS_PER_INT64_ADDITION if self.arithmetic == "int64"
                        else base + per_member * self.members)
        return self.additions * per_addition + self.members**2 * SECONDS_PER_SWING_COUNT


def exact_plan(game: SimpleGame, resolution: float | None = None) -> ExactPlan:
    """Whether, and at what cost, the exact method can count this game.

    The one rule behind the choice of method: counting exactly serves when

    - its tables (coalition counts, and n x n swing counts) have at most
      :data:`MAX_DP_CELLS` cells each;
    - the weights sit on an exact grid (:func:`weight_grid`), or, rounded to fit the
      table, keep at least :data:`MIN_UNITS_PER_MEMBER` units per member (an explicit
      ``resolution`` is taken as given);
    - its estimated time (:attr:`ExactPlan.seconds`) is at most
      :data:`MAX_EXACT_SECONDS`.

    Games in which only the grand coalition wins need no table (every index is 1/n)
    and always can.
    """
    n = game.n
    arithmetic = "int64" if n <= INT64_MEMBERS else "python"
    if game.only_grand_coalition:
        return ExactPlan(None, n, 0, 0, arithmetic, None)
    per_unit = (n + 1) * (int(np.count_nonzero(game.veto)) + 1)
    grid = None
    if game.uses_weight:
        grid = weight_grid(game.weight, resolution,
                           max_units=max(MAX_DP_CELLS // per_unit - 1, 1))
    units = np.zeros(n, dtype=np.int64) if grid is None else grid.units
    cells = per_unit * (int(units.sum()) + 1)
    plan = ExactPlan(grid, n, cells, _additions(units, game.veto, cells), arithmetic, None)
    if max(cells, n * n) > MAX_DP_CELLS:
        coarser = "; choose a coarser resolution" if resolution is not None else ""
        problem = (f"its tables would have {max(cells, n * n):,} cells (at most "
                   f"{MAX_DP_CELLS:,})"
                   + (f" with a weight grid of {grid.resolution:g}{coarser}" if grid else ""))
    elif (grid is not None and not grid.exact and resolution is None
          and int(units.sum()) < MIN_UNITS_PER_MEMBER * n):
        problem = (f"the weights fit no exact grid, and rounded to fit the table they "
                   f"keep {int(units.sum()):,} grid units among {n} members (at least "
                   f"{MIN_UNITS_PER_MEMBER} per member needed)")
    elif plan.seconds > MAX_EXACT_SECONDS:
        problem = (f"counting the coalitions of {n} members takes about "
                   f"{plan.additions:.2g} additions of "
                   f"{'64-bit' if arithmetic == 'int64' else 'Python'} integers, an "
                   f"estimated {plan.seconds:,.0f} s (at most {MAX_EXACT_SECONDS:g} s)")
    else:
        return plan
    return plan._replace(problem=problem)


def _additions(units: np.ndarray, veto: np.ndarray, cells: int) -> int:
    """Cell additions of :func:`swings_by_size`: member j's factor adds a block of
    (j + 1) x (weight so far + 1) x (vetoes so far + 1) cells; dividing out one kind
    of member, then finding its swings, passes over the table a few times."""
    weight = np.asarray(units, dtype=np.int64).tolist()
    flags = np.asarray(veto, dtype=bool).astype(np.int64).tolist()
    build, top_w, top_v = 0, 0, 0
    for j, (wj, vj) in enumerate(zip(weight, flags, strict=True)):
        build += (j + 1) * (top_w + 1) * (top_v + 1)
        top_w += wj
        top_v += vj
    kinds = len(set(zip(weight, flags, strict=True)))
    return build + 4 * kinds * cells


def power_indices(scenario: Scenario, method: str = "auto", samples: int = 100_000,
                  seed: int | np.random.SeedSequence | np.random.Generator = 0,
                  max_exact: int = 30, *, resolution: float | None = None) -> PowerIndices:
    """Banzhaf and Shapley-Shubik indices of the scenario's members under its rule.

    Which method serves follows one rule, :func:`exact_plan`: counting exactly is
    possible when its tables fit in :data:`MAX_DP_CELLS` cells, the weights keep a
    faithful grid and its estimated time is at most :data:`MAX_EXACT_SECONDS`.
    ``method="auto"`` counts exactly when that is possible and there are at most
    ``max_exact`` members (or only the grand coalition wins: then every index is 1/n
    for any n); otherwise it samples, and if sampling finds no swing at all it counts
    exactly after all, when it can. An error advises counting exactly only when that
    is possible, so following the advice never leads back: a refused exact count
    advises sampling, and sampling that finds no swing either advises the exact count
    or says that neither method can serve.

    Exact computation counts coalitions by size, weight and veto players with
    generating functions (see :func:`coalition_counts`). Weights (only the double
    majority uses them) go on an integer grid (:func:`weight_grid`): the coarsest grid
    that writes every weight exactly, or, when that grid is too large, a rounding to
    about 1/(MAX_DP_CELLS / (n + 1)) of the total weight, with a warning -- the quota
    comparison is then exact on the rounded weights. A dictionary keyed on exact
    weight sums was not chosen: 27 distinct populations have up to 2^27 distinct sums,
    whereas a grid of a few thousand units (populations in millions to one decimal)
    keeps the EU's table near 28 x 4,500 cells.

    Args:
        scenario: a validated scenario; its members vote, everyone else does not.
        method: "auto", "exact" or "monte carlo".
        samples: orders and coalitions to draw when sampling (at least 1).
        seed: seed (or generator) for sampling; equal seeds give equal estimates.
        max_exact: most members for which "auto" computes exactly.
        resolution: weight of one grid unit for the exact double majority, or None
            to choose it as :func:`weight_grid` does.

    Returns:
        The indices; standard errors when sampled, raw swing counts when exact.

    Raises:
        ValueError: for an unknown method, fewer than 1 sample, a game in which no
            vote decides (the empty coalition wins), ``method="exact"`` on a game too
            large to count exactly, or a game whose swings are too rare to sample
            (the message says whether counting exactly can serve instead).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))} "
                         f"(got {method!r})")
    if isinstance(samples, bool) or not isinstance(samples, Integral) or samples < 1:
        raise ValueError(f"samples must be a whole number of at least 1 (got {samples!r})")
    if isinstance(max_exact, bool) or not isinstance(max_exact, Integral) or max_exact < 0:
        raise ValueError(f"max_exact must be a whole number of at least 0 (got {max_exact!r})")
    game = simple_game(scenario)
    members = scenario.arrays.member_ids
    rule = scenario.rule.type
    n = game.n
    empty, everyone = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    if game.winning(empty) or not game.winning(everyone):
        raise ValueError(f"under this {rule} rule no member's vote ever decides "
                         f"({'every' if game.winning(empty) else 'no'} coalition wins); "
                         "power indices are undefined")

    plan = exact_plan(game, resolution)
    small = n <= max_exact or game.only_grand_coalition
    if method == "exact" or (method == "auto" and small and plan.problem is None):
        if plan.problem is not None:
            raise ValueError(f"cannot count exactly: {plan.problem}; use method='monte carlo'")
        return _exact(game, plan, members, rule, warn=resolution is None)
    try:
        estimate = monte_carlo_indices(game, int(samples), np.random.default_rng(seed))
    except SwingsTooRare as exc:
        if plan.problem is not None:
            raise ValueError(f"{exc}; neither method can give this game's indices, since "
                             f"counting exactly is out of reach too: {plan.problem}") from None
        if method == "auto":
            return _exact(game, plan, members, rule, warn=resolution is None)
        raise ValueError(f"{exc}; use method='exact'") from None
    return PowerIndices(members, estimate.banzhaf, None, estimate.shapley_shubik,
                        "monte carlo", int(samples), estimate.banzhaf_se,
                        estimate.shapley_shubik_se, rule)


def _exact(game: SimpleGame, plan: ExactPlan, members: tuple[str, ...], rule: str,
           warn: bool) -> PowerIndices:
    """Count exactly as ``plan`` says; warn (if ``warn``) when weights were rounded."""
    n = game.n
    if game.only_grand_coalition:
        # Each member swings exactly one coalition, the n - 1 others: every index is 1/n.
        share = np.full(n, 1 / n)
        return PowerIndices(members, share, np.ones(n, dtype=np.int64), share.copy(),
                            "exact", None, None, None, rule)
    grid = plan.grid
    if grid is None:
        units, on_grid = np.zeros(n, dtype=np.int64), game
    else:
        if warn and not grid.exact:
            warnings.warn(
                f"weights do not fit an exact grid of at most {MAX_DP_CELLS:,} table "
                f"cells; rounded to multiples of {grid.resolution:.6g} (indices are "
                "exact for the rounded weights)", RuntimeWarning, stacklevel=3)
        units = grid.units
        on_grid = replace(game, weight=units.astype(float), weight_tolerance=_GRID_TOLERANCE)
    result = exact_indices(units, game.veto, on_grid.wins)
    return PowerIndices(members, result.banzhaf, result.banzhaf_raw, result.shapley_shubik,
                        "exact", None, None, None, rule)
