"""Charts of a sweep: outcome curves, two-parameter heatmaps and sensitivity indices.

They draw the per-point table of a sweep (``points.csv``, or
:meth:`~consensus_sim.store.SweepResult.points`): one row per design point with
the varied parameters (one column per field path), ``runs``, the share of each
outcome ``p_<outcome>`` with its Wilson 95 % interval ``p_<outcome>_low`` /
``p_<outcome>_high``, ``mean_rounds`` and ``mean_final_<dimension>``.

The charts share the look of :mod:`.plots` (its rc style, titles, the Okabe–Ito
palette and the outcome colours of the outcome chart), draw on plain
:class:`~matplotlib.figure.Figure` objects and take an optional ``ax``.
:func:`save_sweep_charts` writes them to files, byte for byte the same for the same
table.

Given the sweep's ``scenario``, a chart names the actors in the parameters' paths
(``actors.FRA.salience.office`` is "France: salience on office", the path written
under it on an axis) and its title starts with the scenario's; without one, paths
are shown as they are.

Where a chart shows fewer parameters than the sweep varied, each of its values
pools the points that share it, weighting each point by its number of runs: a
pooled share is then the share of all those runs. The chart says so, because
such a value mixes different scenarios.
"""

from __future__ import annotations

import re
import textwrap
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .plots import (
    _BLACK,
    _BLUE,
    _ORANGE,
    FORMATS,
    HEATMAP_CMAP,
    OUTCOME_COLOURS,
    OUTCOME_LABELS,
    _axes,
    _lw,
    _parameter_label,
    _pt,
    _shorten,
    _style,
    _title,
    save_figure,
)
from .tally import DISPLAY_ORDER

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis

    from .scenario import Scenario

__all__ = ["save_sweep_charts", "sensitivity_chart", "sweep_curve", "sweep_heatmap"]

#: The outcomes a sweep reports a share of, as in ``points.csv``: any adoption, then
#: each outcome in the order summaries list them.
SWEEP_OUTCOMES = ("adopted_any", *DISPLAY_ORDER)
#: Outcomes a curve leaves out, by default, where no point has them.
_RARE = ("adopted_paid", "adopted_rival", "postponed")

#: How each outcome is named in a legend (one line each).
SWEEP_OUTCOME_LABELS = {
    "adopted_any": "adopted in any form",
    **{name: " ".join(label.split()) for name, label in OUTCOME_LABELS.items()},
}

#: Colours of the outcomes: those of the outcome chart, black for any adoption.
SWEEP_OUTCOME_COLOURS = {"adopted_any": _BLACK, **OUTCOME_COLOURS}

#: Markers of the outcomes, so that lines stay apart where colours are hard to tell.
_MARKERS = {"adopted_any": "o", "adopted": "s", "adopted_amended": "D", "withdrawn": "^",
            "postponed": "P", "deadlocked": "v", "adopted_paid": "X",
            "adopted_rival": "*"}

#: Columns of the per-point table that are not parameters.
_FIXED_COLUMNS = ("point", "runs", "mean_rounds")

#: A heatmap writes its values in the cells up to this many cells (and rows, columns).
_MAX_TEXT_CELLS = 150
_MAX_TEXT_SIDE = 15

#: An axis of categories or swept values shows at most this many labelled ticks.
_MAX_TICKS = 12

#: A heatmap bins a numeric parameter with more distinct values than this (a Latin
#: hypercube's draws), in :data:`_HEATMAP_BINS` bins of equal width.
_MAX_HEATMAP_LEVELS = 15
_HEATMAP_BINS = 8


# --------------------------------------------------------------------------- helpers


def _parameter_columns(points: pd.DataFrame) -> list[str]:
    """The varied parameters of a per-point table: the columns that hold no results."""
    return [c for c in points.columns if c not in _FIXED_COLUMNS
            and not c.startswith(("p_", "mean_final_"))]


def _check_columns(points: pd.DataFrame, names: list[str], what: str) -> None:
    """Raise a ValueError naming the table's parameters unless ``names`` are columns."""
    missing = [n for n in names if n not in points.columns]
    if missing:
        raise ValueError(f"{what} {', '.join(map(repr, missing))} is not a column of the "
                         f"points table; its parameters: "
                         f"{', '.join(_parameter_columns(points)) or 'none'}")


def _is_numeric(column: pd.Series) -> bool:
    """Whether a parameter's values are numbers (drawn on a numeric axis), not categories."""
    return (pd.api.types.is_numeric_dtype(column)
            and not pd.api.types.is_bool_dtype(column))


def _levels(column: pd.Series) -> list[Any]:
    """A parameter's distinct values in axis order: sorted numbers, or categories as first seen."""
    values = list(pd.unique(column.dropna()))
    return sorted(values) if _is_numeric(column) else values


def _value_text(value: Any) -> str:
    """A parameter value for a tick label: short numbers, categories as they are (cut
    at 20 characters)."""
    if isinstance(value, float | np.floating):
        return f"{float(value):.3g}"
    return _shorten(str(value), 20)


def _axis_text(scenario: Scenario | None, path: str, binned: bool = False) -> str:
    """An axis label for a parameter: its words, with the path under them when they
    differ (see the module doc)."""
    words = _parameter_label(scenario, path, 50)
    named = words != _shorten(path, 50)
    return (words + (" (binned)" if binned else "")
            + (f"\n{_shorten(path, 60)}" if named else ""))


def _pool(points: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Runs-weighted means of ``columns`` per combination of ``by`` (first-seen order).

    Each point counts with its number of runs (``runs``, else once), so a pooled share
    is the share of all the pooled runs. Adds a column ``n_points`` (points pooled).
    """
    weight = (points["runs"].astype(float) if "runs" in points.columns
              else pd.Series(1.0, index=points.index))
    weighted = points[columns].astype(float).mul(weight, axis=0)
    weighted[by] = points[by]
    weighted["_weight"] = weight
    weighted["n_points"] = 1
    sums = weighted.groupby(by, sort=False, dropna=True).sum()
    pooled = sums[columns].div(sums["_weight"], axis=0)
    pooled["n_points"] = sums["n_points"]
    return pooled


def _heatmap_axis(column: pd.Series) -> tuple[pd.Series, list[Any], list[str], bool]:
    """A heatmap axis of a parameter: each point's key, the keys in order, their labels.

    A numeric parameter with more than :data:`_MAX_HEATMAP_LEVELS` distinct values
    (a Latin hypercube's draws) is cut into at most about :data:`_HEATMAP_BINS` bins of
    equal width between round numbers; the keys are the bins' indices, labelled with
    their ranges. Otherwise every value is its own key.

    Returns:
        The keys, the axis's keys in order, their labels and whether it is binned.
    """
    levels = _levels(column)
    if not _is_numeric(column) or len(levels) <= _MAX_HEATMAP_LEVELS:
        return column, levels, [_value_text(v) for v in levels], False
    low, high = float(levels[0]), float(levels[-1])
    edges = MaxNLocator(nbins=_HEATMAP_BINS, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)
    first = int(np.flatnonzero(edges <= low)[-1])
    last = int(np.flatnonzero(edges >= high)[0])
    edges = np.round(edges[first:last + 1], 12)
    n_bins = len(edges) - 1
    keys = np.clip(np.searchsorted(edges, column.to_numpy(dtype=float), side="right") - 1,
                   0, n_bins - 1)
    labels = [f"{a:g}–{b:g}" for a, b in pairwise(edges)]
    return pd.Series(keys, index=column.index), list(range(n_bins)), labels, True


def _sparse_ticks(axis: Axis, positions: np.ndarray, labels: list[str]) -> None:
    """Tick ``axis`` at ``positions`` with ``labels``, at most :data:`_MAX_TICKS` of them."""
    step = max(1, int(np.ceil(len(positions) / _MAX_TICKS)))
    axis.set_ticks(positions[::step], labels[::step])


def _runs_text(points: pd.DataFrame) -> str:
    """How many runs each point has, for a title: "30 runs per point" or a range."""
    if "runs" not in points.columns or points.empty:
        return f"{len(points):,} points"
    low, high = int(points["runs"].min()), int(points["runs"].max())
    per = f"{low:,}" if low == high else f"{low:,} to {high:,}"
    return f"{len(points):,} points, {per} runs each"


#: What the probability of each outcome is called in a title or on a colour bar.
_SHARE_TEXT = {
    "adopted_any": "Probability of adoption in any form",
    "adopted": "Probability of adoption as proposed",
    "adopted_amended": "Probability of adoption with a scope change",
    "adopted_paid": "Probability of adoption as proposed with side payments",
    "adopted_rival": "Probability that a rival proposal is adopted",
    "withdrawn": "Probability that the proposal is withdrawn",
    "postponed": "Probability that the proposal is postponed",
    "deadlocked": "Probability of deadlock",
}


def _metric_text(metric: str) -> str:
    """What a metric column holds, in words."""
    if metric.startswith("p_") and metric.removeprefix("p_") in _SHARE_TEXT:
        return _SHARE_TEXT[metric.removeprefix("p_")]
    if metric.startswith("mean_final_"):
        return (f"Mean adopted text on {metric.removeprefix('mean_final_')} (of the runs "
                "adopting one), scale 0 to 1")
    if metric == "mean_rounds":
        return "Mean number of rounds"
    return metric


def _scenario_title(scenario: Scenario | None, otherwise: str) -> str:
    """A chart's first title line: the scenario's title, else ``otherwise``."""
    return scenario.title if scenario is not None else otherwise


# --------------------------------------------------------------------------- curves


def sweep_curve(points: pd.DataFrame, parameter: str, ax: Axes | None = None,
                outcomes: tuple[str, ...] | None = None,
                title: str | None = None, scenario: Scenario | None = None) -> Figure:
    """How likely each outcome is as one parameter of a sweep varies.

    One line with markers per outcome (the colours of the outcome chart, black for
    adoption in any form) through the probability at each value of
    ``parameter``, on a 0–100 % axis, with the point's Wilson 95 % interval shaded.
    A numeric parameter is drawn on a numeric axis in order of value; a categorical
    one as categories in the order they first appear in ``points``.

    When other parameters vary too (some value of ``parameter`` comes with more than
    one combination of the others, as in a grid), the probabilities at each value are
    averaged over those points, weighting each by its runs, and no intervals are
    shaded: Wilson intervals of different scenarios do not average. The subtitle says
    so. When each value comes with its own values of the others (as in a Latin
    hypercube), every point is drawn as it is, and the subtitle says that the other
    parameters vary from point to point.

    Args:
        points: the per-point table of a sweep (``SweepResult.points()``).
        parameter: the column (field path) to put on the x axis.
        ax: axes to draw into; a new figure when None.
        outcomes: which outcomes to draw, from :data:`SWEEP_OUTCOMES`; by default
            all of them, but ``adopted_paid``, ``adopted_rival`` and ``postponed`` only
            where some point has them.
        title: first title line; by default the scenario's title, else a generic one.
        scenario: the sweep's base scenario, to name the actors in ``parameter``.

    Returns:
        The figure holding the chart.

    Raises:
        ValueError: ``parameter`` or an outcome's columns are missing, ``outcomes``
            names an unknown outcome or none, or ``points`` has no rows.
    """
    if outcomes is None:
        outcomes = tuple(o for o in SWEEP_OUTCOMES if o not in _RARE or (
            f"p_{o}" in points.columns and bool((points[f"p_{o}"] > 0).any())))
    unknown = [o for o in outcomes if o not in SWEEP_OUTCOMES]
    if unknown or not outcomes:
        raise ValueError(f"outcomes must be some of {', '.join(SWEEP_OUTCOMES)}; "
                         f"got {list(outcomes)!r}")
    _check_columns(points, [parameter], "parameter")
    _check_columns(points, [f"p_{o}" for o in outcomes], "outcome column")
    points = points[points[parameter].notna()]
    if points.empty:
        raise ValueError(f"no points with a value of {parameter!r} to draw")
    others = [c for c in _parameter_columns(points) if c != parameter]
    combos = points.groupby(parameter, sort=False)[others].nunique(dropna=False) \
        if others else None
    averaged = combos is not None and bool((combos.max(axis=1) > 1).any())
    others_vary = bool(others) and bool((points[others].nunique() > 1).any())
    bands = not averaged and all(f"p_{o}_{end}" in points.columns
                                 for o in outcomes for end in ("low", "high"))
    columns = [f"p_{o}{end}" for o in outcomes
               for end in (("", "_low", "_high") if bands else ("",))]
    pooled = _pool(points, [parameter], columns)
    levels = _levels(points[parameter])
    pooled = pooled.reindex(levels)
    numeric = _is_numeric(points[parameter])
    x = np.asarray(levels, dtype=float) if numeric else np.arange(len(levels), dtype=float)
    marker_size = 7.0 if len(x) <= 25 else 4.0 if len(x) <= 60 else 0.0

    with _style():
        fig, ax = _axes(ax, (10.5, 5.8))
        for k, outcome in enumerate(outcomes):
            colour = SWEEP_OUTCOME_COLOURS[outcome]
            anyhow = outcome == "adopted_any"  # under the others, thicker
            if bands:
                ax.fill_between(x, 100 * pooled[f"p_{outcome}_low"].to_numpy(),
                                100 * pooled[f"p_{outcome}_high"].to_numpy(),
                                color=colour, alpha=0.10 if anyhow else 0.16,
                                linewidth=_lw(0), zorder=1, gid=f"band {outcome}")
            ax.plot(x, 100 * pooled[f"p_{outcome}"].to_numpy(), color=colour,
                    linewidth=_lw(3.6) if anyhow else 2.0, marker=_MARKERS[outcome],
                    markersize=marker_size * (1.25 if anyhow else 1.0),
                    markeredgecolor="white", markeredgewidth=0.8,
                    zorder=3 if anyhow else 4 + k, gid=outcome,
                    label=SWEEP_OUTCOME_LABELS[outcome])
        if numeric:
            span = float(x.max() - x.min()) or max(abs(float(x[0])), 1.0)
            ax.set_xlim(float(x.min()) - 0.03 * span, float(x.max()) + 0.03 * span)
            if len(x) <= _MAX_TICKS:
                ax.set_xticks(x, [_value_text(v) for v in levels])
        else:
            _sparse_ticks(ax.xaxis, x, [_value_text(v) for v in levels])
            ax.set_xlim(-0.4, len(x) - 0.6)
        ax.set_ylim(-3, 103)
        ax.set_yticks(np.arange(0, 101, 20))
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.grid(axis="y", color="#dddddd", linewidth=_lw(0.8))
        if not numeric:
            ax.grid(axis="x", color="#eeeeee", linewidth=_lw(0.8))
        ax.set_xlabel(_axis_text(scenario, parameter))
        ax.set_ylabel("Probability (% of runs)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
                  title="shaded: 95% Wilson interval" if bands else None)
        shows = (f"Probability of each outcome by {_parameter_label(scenario, parameter)} "
                 f"({_runs_text(points)})")
        if averaged:
            shows += ("; averaged over the other parameters, weighted by runs (no 95% "
                      "intervals: they do not average)")
        elif others_vary:
            shows += "; the other parameters vary from point to point"
        _title(ax, title or _scenario_title(scenario, "Outcomes across the sweep"), shows,
               width=75)
    return fig


# --------------------------------------------------------------------------- heatmap


def sweep_heatmap(points: pd.DataFrame, x: str, y: str, metric: str = "p_adopted_any",
                  ax: Axes | None = None, title: str | None = None,
                  scenario: Scenario | None = None) -> Figure:
    """A metric of a sweep over two of its parameters, one cell per pair of values.

    Columns are the values of ``x``, rows those of ``y``: numbers sorted (the
    smallest at the left and at the bottom), categories in the order they first
    appear (the first at the top). The colour map is sequential and colour-blind
    safe; pairs of values the sweep did not try are grey. The scale is fixed where
    the metric has one: probabilities (``p_*``) from 0 to 100 %, mean final texts
    (``mean_final_<dimension>``) over the scenario's scale 0..1; other metrics
    (``mean_rounds``) span their values. Values are written in the cells while they
    stay legible (at most 150 cells).

    A numeric parameter with more than 15 distinct values (a Latin hypercube's
    draws) is cut into bins of equal width between round numbers (about 8), labelled
    with their ranges. When other parameters vary too, or values are binned, a cell
    pools every point that falls in it, weighting each by its runs, and the subtitle
    says so.

    Args:
        points: the per-point table of a sweep (``SweepResult.points()``).
        x: the parameter (column) across.
        y: the parameter (column) up.
        metric: the column to colour by: ``p_<outcome>``, ``mean_rounds`` or
            ``mean_final_<dimension>``.
        ax: axes to draw into; a new figure when None.
        title: first title line; by default the scenario's title, else names the sweep.
        scenario: the sweep's base scenario, to name the actors in ``x`` and ``y``.

    Returns:
        The figure holding the chart.

    Raises:
        ValueError: a column is missing, ``metric`` is not numeric, ``x`` and ``y``
            are the same, or no point has values of both.
    """
    _check_columns(points, [x, y], "parameter")
    if x == y:
        raise ValueError(f"x and y must be two different parameters; got {x!r} twice")
    if metric not in points.columns or metric in (x, y) \
            or not pd.api.types.is_numeric_dtype(points[metric]):
        allowed = [c for c in points.columns if c.startswith(("p_", "mean_"))]
        raise ValueError(f"metric {metric!r} is not a result column of the points table; "
                         f"allowed: {', '.join(allowed)}")
    points = points[points[x].notna() & points[y].notna()]
    if points.empty:
        raise ValueError(f"no points with values of both {x!r} and {y!r} to draw")
    x_keys, xs, x_labels, x_binned = _heatmap_axis(points[x])
    y_keys, ys, y_labels, y_binned = _heatmap_axis(points[y])
    keyed = points.assign(**{x: x_keys, y: y_keys})
    pooled = _pool(keyed, [y, x], [metric])
    cells = pooled[metric].unstack(x).reindex(index=ys, columns=xs).to_numpy(dtype=float)
    averaged = bool((pooled["n_points"] > 1).any()) and len(_parameter_columns(points)) > 2
    binned = [name for name, flag in ((x, x_binned), (y, y_binned)) if flag]
    share = metric.startswith("p_")
    if share or metric.startswith("mean_final_"):
        vmin, vmax = 0.0, 1.0
    else:
        vmin, vmax = float(np.nanmin(cells)), float(np.nanmax(cells))
        if vmin == vmax:
            vmin, vmax = vmin - 0.5, vmax + 0.5
    categories_up = not _is_numeric(points[y])

    with _style():
        fig, ax = _axes(ax, (10.0, min(9.0, max(5.5, 2.6 + 0.45 * len(ys)))))
        cmap = matplotlib.colormaps[HEATMAP_CMAP].with_extremes(bad="#e5e5e5")
        image = ax.imshow(cells, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                          interpolation="nearest", origin="upper" if categories_up else "lower",
                          gid="cells")
        if cells.size <= _MAX_TEXT_CELLS and max(cells.shape) <= _MAX_TEXT_SIDE:
            for (row, col), value in np.ndenumerate(cells):
                if np.isnan(value):
                    continue
                text = (f"{100 * value:.0f}" if share else f"{value:.2f}"
                        if vmax - vmin <= 1 else f"{value:.1f}")
                light = (value - vmin) / (vmax - vmin) > 0.55
                ax.text(col, row, text, ha="center", va="center", fontsize=_pt(10.5),
                        color=_BLACK if light else "white")
        _sparse_ticks(ax.xaxis, np.arange(len(xs)), x_labels)
        _sparse_ticks(ax.yaxis, np.arange(len(ys)), y_labels)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel(_axis_text(scenario, x, x_binned))
        ax.set_ylabel(_axis_text(scenario, y, y_binned))
        bar = fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02,
                           format=PercentFormatter(xmax=1.0, decimals=0) if share else None)
        bar.set_label(textwrap.fill(_metric_text(metric) + (" (%)" if share else ""), 28))
        bar.outline.set_visible(False)
        shows = f"{_metric_text(metric)}{', cells in %' if share else ''} " \
                f"({_runs_text(points)})"
        pooling = [what for what, flag in (("averaged over the other parameters", averaged),
                                           ("pooled within bins", bool(binned))) if flag]
        if pooling:
            shows += f"; {' and '.join(pooling)}, weighted by runs"
        if np.isnan(cells).any():
            shows += "; grey: no point"
        _title(ax, title or _scenario_title(scenario, f"Sweep over {x} and {y}"), shows,
               width=65)
    return fig


# --------------------------------------------------------------------------- sensitivity

#: The bars of each method: column, legend label, colour; the first sorts the rows.
_SENSITIVITY_BARS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "sobol": (("ST", "total effect ST (with interactions)", _ORANGE),
              ("S1", "first-order effect S1 (alone)", _BLUE)),
    "morris": (("mu_star", "μ*: mean absolute elementary effect", _BLUE),
               ("sigma", "σ: spread of the effects\n(interactions, non-linearity)", _ORANGE)),
}


#: How a bar within Monte Carlo noise is drawn: its colour this pale, hatched.
_NOISE_ALPHA = 0.28
_NOISE_HATCH = "///"
_NOISE_TEXT = "#8a8a8a"


def _within_noise(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Per row, whether index ``name`` is within its Monte Carlo noise.

    From the column ``<name>_within_noise`` when the table has it; else ``|index| <=
    <name>_conf`` (tables written before the column existed); False for an index
    without a half-width (Morris's ``sigma``).
    """
    flag = f"{name}_within_noise"
    if flag in frame.columns:
        return frame[flag].astype(str).str.lower().isin(["true", "1", "1.0"]).to_numpy()
    if name == "sigma" or f"{name}_conf" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    value = frame[name].to_numpy(dtype=float)
    conf = frame[f"{name}_conf"].to_numpy(dtype=float)
    return ~(np.abs(value) > np.abs(conf))


def sensitivity_chart(indices: pd.DataFrame, method: str, ax: Axes | None = None,
                      title: str | None = None, scenario: Scenario | None = None) -> Figure:
    """How much each parameter moves a sweep's result: sensitivity indices as bars.

    Horizontal bars, two per parameter, sorted by the main index, largest at the top
    (ties keep the frame's order):

    - ``"sobol"``: the first-order index ``S1`` (the share of the result's variance
      due to the parameter alone) and the total index ``ST`` (including its
      interactions), whiskers ± ``S1_conf`` and ± ``ST_conf``; sorted by ``ST``.
    - ``"morris"``: ``mu_star`` (mean absolute elementary effect, whiskers
      ± ``mu_star_conf``) and ``sigma`` (their standard deviation: large when the
      parameter interacts or acts non-linearly); sorted by ``mu_star``.

    An index within Monte Carlo noise (its 95% interval includes 0: the column
    ``<index>_within_noise``, or ``|index| <= <index>_conf``) is drawn pale and
    hatched, its number in grey, and the legend and subtitle say what that means.

    Args:
        indices: one row per parameter, named in a ``parameter`` column (or the
            index, as SALib's ``to_df()`` gives), with the method's columns above.
        method: ``"sobol"`` or ``"morris"``.
        ax: axes to draw into; a new figure when None.
        title: first title line, e.g. the metric analysed ("Probability of
            adoption, classroom trio"); by default a generic one.
        scenario: the analysis's base scenario, to name the actors in the
            parameters' paths (shortened to 32 characters).

    Returns:
        The figure holding the chart.

    Raises:
        ValueError: ``method`` is unknown, a column is missing or there are no rows.
    """
    key = str(method).lower()
    if key not in _SENSITIVITY_BARS:
        raise ValueError(f"unknown sensitivity method {method!r}; allowed: "
                         f"{', '.join(_SENSITIVITY_BARS)}")
    bars_of = _SENSITIVITY_BARS[key]
    frame = indices if "parameter" in indices.columns else \
        indices.rename_axis("parameter").reset_index()
    needed = [name for name, *_ in bars_of] + [f"{name}_conf" for name, *_ in bars_of
                                               if name != "sigma"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"{method} indices need columns parameter, {', '.join(needed)}; "
                         f"missing: {', '.join(missing)}")
    if frame.empty:
        raise ValueError(f"no {method} indices to draw: the frame has no rows")
    main = bars_of[0][0]
    order = np.argsort(-frame[main].to_numpy(dtype=float), kind="stable")
    frame = frame.iloc[order]
    names = [_parameter_label(scenario, str(p), 32) for p in frame["parameter"]]
    # the first bar of a row above the second; "above" is the lower y (inverted axis)
    shifts = {"sobol": {"S1": -0.2, "ST": 0.2}, "morris": {"mu_star": -0.2, "sigma": 0.2}}[key]

    with _style():
        fig, ax = _axes(ax, (10.5, max(4.5, 2.4 + 0.62 * len(names))))
        y = np.arange(len(names), dtype=float)
        lows, highs = [0.0], [0.0]
        any_noise = False
        for name, label, colour in sorted(bars_of, key=lambda bar: shifts[bar[0]]):
            values = frame[name].to_numpy(dtype=float)
            conf = (np.abs(np.nan_to_num(frame[f"{name}_conf"].to_numpy(dtype=float)))
                    if f"{name}_conf" in frame.columns and name != "sigma" else None)
            noise = _within_noise(frame, name)
            any_noise |= bool(noise.any())
            bars = ax.barh(y + shifts[name], values, height=0.4, color=colour, label=label,
                           xerr=conf, gid=name,
                           error_kw={"elinewidth": 1.3, "capsize": 3, "ecolor": "#333333"})
            spread = 0.0 if conf is None else conf
            ends = np.where(values >= 0, values + spread, values - spread)
            lows.append(float(np.nanmin(ends)))
            highs.append(float(np.nanmax(ends)))
            for bar, value, end, pale in zip(bars.patches, values, ends, noise, strict=True):
                if pale:
                    bar.set_facecolor(to_rgba(colour, _NOISE_ALPHA))
                    bar.set_edgecolor(colour)
                    bar.set_hatch(_NOISE_HATCH)
                if np.isnan(value):
                    continue
                ax.annotate(f"{value:.2f}", (float(end), bar.get_y() + bar.get_height() / 2),
                            xytext=(4 if value >= 0 else -4, 0), textcoords="offset points",
                            ha="left" if value >= 0 else "right", va="center",
                            fontsize=_pt(10.5), color=_NOISE_TEXT if pale else "#333333")
        low, high = min(lows), max(highs)
        span = (high - low) or 1.0
        ax.set_xlim(low - (0.12 * span if low < 0 else 0), high + 0.12 * span)
        ax.axvline(0, color="#555555", linewidth=_lw(0.9), zorder=1)
        ax.set_yticks(y, names)
        ax.set_ylim(len(names) - 0.45, -0.55)  # largest at the top
        ax.grid(axis="x", color="#dddddd", linewidth=_lw(0.8))
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("Sensitivity index (share of the result's variance)" if key == "sobol"
                      else "Elementary effect (in units of the result)")
        ax.set_ylabel("Parameter")
        handles, labels = ax.get_legend_handles_labels()
        if any_noise:
            handles.append(Patch(facecolor=to_rgba(_NOISE_TEXT, _NOISE_ALPHA),
                                 edgecolor=_NOISE_TEXT, hatch=_NOISE_HATCH))
            labels.append("pale, hatched: within Monte Carlo\nnoise (95% interval includes 0)")
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0,
                  title="whiskers: 95% confidence intervals" if key == "sobol"
                  else "whiskers on μ*: 95% confidence interval")
        shows = ("Sobol indices of each parameter, sorted by total effect ST"
                 if key == "sobol" else
                 "Morris elementary effects of each parameter, sorted by μ*")
        if any_noise:
            shows += "; pale bars are within Monte Carlo noise"
        _title(ax, title or "Sensitivity of the result to each parameter", shows, width=60)
    return fig


# --------------------------------------------------------------------------- files


def _stem(path: str) -> str:
    """A short, safe file-name part for a parameter's path: dots (and the rest) as ``_``."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", path).strip("_") or "parameter"


def save_sweep_charts(points: pd.DataFrame, parameters: list[str], out_dir: Path,
                      fmt: str = "png", title: str | None = None,
                      scenario: Scenario | None = None) -> list[Path]:
    """Write the charts of a sweep to ``out_dir`` (created if missing).

    Files: with one parameter, ``sweep_curve.<fmt>`` (its :func:`sweep_curve`); with
    two or more, ``sweep_curve_<path>.<fmt>`` per parameter in the order given (the
    path with dots as underscores, e.g. ``sweep_curve_actors_FRA_salience_office.png``)
    and ``sweep_heatmap.<fmt>``: the :func:`sweep_heatmap` of the probability of
    adoption over the first two parameters. Dates and software versions are left out
    of the files, so the same table gives the same bytes.

    Args:
        points: the per-point table of a sweep (``SweepResult.points()``).
        parameters: the varied parameters (columns), e.g. the sweep's paths.
        out_dir: folder to write into.
        fmt: ``"png"``, ``"svg"`` or ``"pdf"``.
        title: first title line of every chart; by default the scenario's title.
        scenario: the sweep's base scenario, to name the actors in the parameters.

    Returns:
        The paths written, in the order above.

    Raises:
        ValueError: ``fmt`` is unknown, ``parameters`` is empty or names a column
            the table does not have.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}; allowed: {', '.join(FORMATS)}")
    parameters = list(parameters)
    if not parameters:
        raise ValueError("no parameters to chart; give the sweep's varied paths")
    _check_columns(points, parameters, "parameter")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if len(parameters) == 1:
        charts = [("sweep_curve", sweep_curve(points, parameters[0], title=title,
                                              scenario=scenario))]
    else:
        charts = []
        stems: set[str] = set()
        for i, path in enumerate(parameters):
            stem = f"sweep_curve_{_stem(path)}"
            if stem in stems:  # two paths that differ only in punctuation
                stem = f"{stem}_{i}"
            stems.add(stem)
            charts.append((stem, sweep_curve(points, path, title=title, scenario=scenario)))
        charts.append(("sweep_heatmap", sweep_heatmap(points, parameters[0], parameters[1],
                                                      title=title, scenario=scenario)))
    return [save_figure(fig, out_dir / f"{stem}.{fmt}") for stem, fig in charts]
