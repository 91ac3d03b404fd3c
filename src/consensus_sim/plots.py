"""Charts of an ensemble: outcome shares, scope trajectories and who objects when.

Every chart is drawn on a plain :class:`matplotlib.figure.Figure` with the
object-oriented API, so nothing touches pyplot's global state and no display is
needed. One look, :data:`_STYLE`, is applied with :func:`matplotlib.rc_context`
while a chart is built (and while :func:`save_charts` writes it): fonts readable on
a projector, the Okabe–Ito colour-blind-safe palette, no top or right spines.

Each chart function takes an optional ``ax`` to draw into an existing figure (the
caller's axes keep their own look; only what the chart draws is styled) and returns
the figure. :func:`save_charts` writes all charts of a result to a folder, byte for
byte the same for the same result.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

from .ensemble import OUTCOMES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import XAxis, YAxis

    from .ensemble import EnsembleResult
    from .model import RunResult
    from .power import PowerIndices
    from .scenario import Dimension, Scenario

__all__ = ["objection_heatmap", "outcome_chart", "persuasion_chart", "position_map",
           "power_chart", "save_charts", "trajectory_chart"]

#: The Okabe–Ito palette (Okabe & Ito 2008), distinguishable with any colour vision.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442",
             "#0072B2", "#D55E00", "#CC79A7", "#000000")
_ORANGE, _SKY, _GREEN, _YELLOW, _BLUE, _VERMILLION, _PURPLE, _BLACK = OKABE_ITO

#: How each outcome is named and coloured on the outcome chart.
OUTCOME_LABELS = {
    "adopted": "adopted\nas proposed",
    "adopted_amended": "adopted with\na scope change",
    "withdrawn": "withdrawn",
    "deadlocked": "deadlocked",
}
OUTCOME_COLOURS = {
    "adopted": _GREEN,
    "adopted_amended": _BLUE,
    "withdrawn": _ORANGE,
    "deadlocked": _VERMILLION,
}

#: Sequential, colour-blind-safe colour map of the objection heatmap.
HEATMAP_CMAP = "cividis"

#: Formats :func:`save_charts` writes, with the metadata that would change between
#: two saves of the same chart (a date, a version) switched off.
FORMATS: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None},
}

#: The one look of every chart: readable when projected, colour-blind safe, no clutter.
_STYLE: dict[str, Any] = {
    "font.size": 12.5,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 12,
    "axes.labelsize": 13,
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 11.5,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "image.cmap": HEATMAP_CMAP,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.dpi": 100,
    "savefig.dpi": 150,
    # Output, not look: fixed ids in SVG files, so equal charts give equal bytes.
    "svg.hashsalt": "consensus-sim",
}

_TITLE_WIDTH = 50  # characters per title line: 15 pt bold over a ~6 inch wide axes


@contextmanager
def _style() -> Iterator[None]:
    """Apply the charts' look (:data:`_STYLE`) to everything created or saved inside."""
    with matplotlib.rc_context(_STYLE):
        yield


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """The caller's axes and its figure, or a new figure of ``size`` inches with one axes."""
    if ax is None:
        fig = Figure(figsize=size, layout="constrained")
        return fig, fig.add_subplot()
    parent = ax.figure
    while isinstance(parent, SubFigure):
        parent = parent.figure
    assert isinstance(parent, Figure)
    return parent, ax


def _title(ax: Axes, scenario_title: str, shows: str, width: int = _TITLE_WIDTH) -> None:
    """Title a chart with the scenario, then what the chart shows, wrapped to ``width``."""
    lines = [textwrap.fill(text, width) for text in (scenario_title, shows)]
    ax.set_title("\n".join(lines), loc="left")


def _percent(share: float) -> str:
    """A share as a percentage for a label: one decimal below 10 %, none above."""
    if share == 0:
        return "0%"
    return f"{100 * share:.1f}%" if share < 0.1 else f"{100 * share:.0f}%"


def _last_round(result: EnsembleResult) -> int:
    """The last round any run of the ensemble reached."""
    return int(result.rounds.max())


def _check_dimension(scenario: Scenario, dimension: Any) -> None:
    """Raise a ValueError naming the allowed indices unless ``dimension`` is one."""
    n_dims = len(scenario.dimensions)
    if isinstance(dimension, bool) or not isinstance(dimension, int | np.integer) \
            or not 0 <= dimension < n_dims:
        raise ValueError(f"dimension must be an index from 0 to {n_dims - 1} "
                         f"({', '.join(scenario.dimension_ids)}); got {dimension!r}")


def _level_ticks(axis: XAxis | YAxis, dim: Dimension, wrap: int | None = None) -> None:
    """Tick ``axis`` (spanning 0..1) at the dimension's named levels, else at quarters."""
    if dim.levels:
        labels = [textwrap.fill(lv.label, wrap) if wrap else lv.label for lv in dim.levels]
        axis.set_ticks([float(lv.value) for lv in dim.levels], labels)
    else:
        axis.set_ticks(np.linspace(0, 1, 5))


def _round_ticks(ax: Axes, last_round: int) -> list[int]:
    """Put integer round ticks (at most about ten) on ``ax``'s x axis; return them."""
    ticks = [int(t) for t in MaxNLocator(nbins=10, integer=True, min_n_ticks=1)
             .tick_values(1, last_round) if 1 <= t <= last_round]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    return ticks


# --------------------------------------------------------------------------- outcomes


def outcome_chart(result: EnsembleResult, ax: Axes | None = None) -> Figure:
    """Bar chart of how often each outcome occurred, with 95 % Wilson intervals.

    The four outcomes are: adopted as proposed, adopted with a scope change,
    withdrawn and deadlocked. Bars show the share of runs, error bars the Wilson
    interval from :meth:`EnsembleResult.summary` (``ci95``), and each bar is labelled
    with its percentage.

    Args:
        result: the ensemble to chart.
        ax: axes to draw into; a new figure when None.

    Returns:
        The figure holding the chart.
    """
    summary = result.summary()
    counts = result.outcome_counts()
    n = result.runs
    share = np.array([counts[name] / n for name in OUTCOMES])
    low, high = (np.array([summary["ci95"][name][i] for name in OUTCOMES]) for i in (0, 1))
    with _style():
        fig, ax = _axes(ax, (9.0, 5.5))
        x = np.arange(len(OUTCOMES))
        yerr = 100 * np.clip(np.vstack([share - low, high - share]), 0, None)
        ax.bar(x, 100 * share, width=0.62, color=[OUTCOME_COLOURS[o] for o in OUTCOMES],
               yerr=yerr, capsize=8, error_kw={"elinewidth": 1.6, "capthick": 1.6,
                                               "ecolor": _BLACK},
               label="share of runs")
        for xi, p, top in zip(x, share, high, strict=True):
            ax.annotate(_percent(p), (xi, 100 * top), xytext=(0, 5),
                        textcoords="offset points", ha="center", va="bottom",
                        fontsize=13, fontweight="bold")
        ax.set_xticks(x, [OUTCOME_LABELS[o] for o in OUTCOMES])
        ax.set_xlabel("Outcome")
        ax.set_ylabel("Share of runs (%)")
        ax.set_ylim(0, 112)
        ax.set_yticks(np.arange(0, 101, 20))
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        _title(ax, result.scenario.title,
               f"Outcomes of {n:,} simulated runs (whiskers: 95% Wilson interval)", width=70)
    return fig


# --------------------------------------------------------------------------- trajectories


def trajectory_chart(result: EnsembleResult, dimension: int = 0, ax: Axes | None = None,
                     max_lines: int = 200) -> Figure:
    """The proposal on the table, round by round, on one dimension of scope.

    Draws the first ``max_lines`` runs (in run order, so the chart is reproducible)
    as thin translucent lines at their exact values, the median over the runs still
    negotiating at each round as a thick line (with how many runs are still
    negotiating written at each round tick), and the status quo as a dashed line.
    The y axis spans the dimension's range 0..1 and is labelled with its named levels
    where the scenario gives some.

    Args:
        result: the ensemble to chart.
        dimension: index of the dimension in ``scenario.dimensions``.
        ax: axes to draw into; a new figure when None.
        max_lines: most runs to draw individually (0 draws none).

    Returns:
        The figure holding the chart.

    Raises:
        ValueError: ``dimension`` is not an index of a dimension, or ``max_lines < 0``.
    """
    s = result.scenario
    _check_dimension(s, dimension)
    if max_lines < 0:
        raise ValueError(f"max_lines must be 0 or more (got {max_lines})")
    dim = s.dimensions[dimension]
    name = dim.name or dim.id
    last = _last_round(result)
    rounds = np.arange(1, last + 1)
    values = result.trajectory[:, :last, dimension].astype(float)  # (runs, last), NaN = over
    running = ~np.isnan(values)
    still = running.sum(axis=0)
    median = np.array([np.median(values[running[:, r], r]) for r in range(last)])
    shown = min(result.runs, max_lines)
    alpha = min(0.6, max(0.1, 10 / max(shown, 1)))  # fainter the more lines overlap
    status_quo = float(s.arrays.status_quo[dimension])

    with _style():
        fig, ax = _axes(ax, (10.0, 5.8))
        segments = [np.column_stack([rounds[: int(r)], values[j, : int(r)]])
                    for j, r in enumerate(result.rounds[:shown])]
        ax.add_collection(LineCollection(segments, colors=_BLUE, linewidths=0.8, alpha=alpha,
                                         gid="runs", zorder=2))
        ax.axhline(status_quo, color=_VERMILLION, linestyle="--", linewidth=2,
                   label=f"status quo ({s.level_label(dimension, status_quo)})", zorder=3)
        ax.plot(rounds, median, color=_BLACK, linewidth=3.2, marker="o", markersize=6,
                label="median of the runs still\nnegotiating (their number\nabove each point)",
                zorder=4)
        ticks = _round_ticks(ax, last)
        for r in ticks:
            ax.annotate(f"{still[r - 1]:,}", (r, median[r - 1]), xytext=(0, 9),
                        textcoords="offset points", ha="center", va="bottom", fontsize=10.5,
                        color="#333333", zorder=5,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.8})
        ax.set_xlim(0.7, last + 0.3)
        ax.set_ylim(-0.03, 1.08)  # room for the number of runs above round 1
        if dim.levels:
            ax.set_yticks([lv.value for lv in dim.levels], [lv.label for lv in dim.levels])
        else:
            ax.set_yticks(np.linspace(0, 1, 5))
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        ax.set_xlabel("Round")
        ax.set_ylabel(name)
        what = "each run" if shown == result.runs else f"first {shown:,} of {result.runs:,} runs"
        handles, labels = ax.get_legend_handles_labels()
        if shown:  # the lines' own alpha would make the legend key invisible
            handles.insert(0, Line2D([], [], color=_BLUE, linewidth=1.5, alpha=0.6))
            labels.insert(0, what)
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0)
        _title(ax, s.title, f"Proposal on the table in each round, {result.runs:,} runs")
    return fig


# --------------------------------------------------------------------------- objections


def objection_heatmap(result: EnsembleResult, ax: Axes | None = None, top: int = 15) -> Figure:
    """Heatmap of who objects in which round, for the members who object most.

    Rows are the members that objected in some run, at most ``top`` of them with
    the highest overall objection rate (:meth:`EnsembleResult.objection_rate`),
    highest first (ties keep scenario order), labelled with their names (when no
    member ever objected, the first member stands alone to show an all-zero row);
    columns are rounds 1 to the last round any run reached. A cell is the share of
    the runs still negotiating in that round in which the member objected
    (:meth:`EnsembleResult.objection_rate_by_round`). The colour scale is fixed to
    0..1 so charts of different ensembles compare.

    Args:
        result: the ensemble to chart.
        ax: axes to draw into; a new figure when None.
        top: how many members to show (all of them if there are fewer).

    Returns:
        The figure holding the chart.

    Raises:
        ValueError: ``top`` is less than 1.
    """
    if top < 1:
        raise ValueError(f"top must be at least 1 (got {top})")
    s = result.scenario
    rate = result.objection_rate()
    member_ids = list(s.arrays.member_ids)
    order = sorted(range(len(member_ids)), key=lambda i: -rate[member_ids[i]])[:top]
    order = [i for i in order if rate[member_ids[i]] > 0] or order[:1]
    last = _last_round(result)
    cells = result.objection_rate_by_round()[order, :last]
    names = [s.actor(member_ids[i]).label for i in order]

    with _style():
        fig, ax = _axes(ax, (9.0, max(4.5, 1.8 + 0.42 * len(order))))
        cmap = matplotlib.colormaps[HEATMAP_CMAP].with_extremes(bad="#eeeeee")
        image = ax.imshow(cells, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto",
                          interpolation="nearest",
                          extent=(0.5, last + 0.5, len(order) - 0.5, -0.5))
        if cells.size <= 150:  # write the shares in the cells when they stay legible
            for (row, col), value in np.ndenumerate(cells):
                if not np.isnan(value):
                    ax.text(col + 1, row, f"{100 * value:.0f}", ha="center", va="center",
                            fontsize=10.5, color=_BLACK if value > 0.55 else "white")
        ax.set_yticks(np.arange(len(order)), names)
        _round_ticks(ax, last)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel("Round")
        ax.set_ylabel("Member")
        bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02,
                           format=PercentFormatter(xmax=1.0, decimals=0))
        bar.set_label("share of runs still negotiating\nin which the member objected")
        bar.outline.set_visible(False)
        objecting = sum(v > 0 for v in rate.values())
        shown = (f"all {len(order)} members" if len(order) == len(member_ids)
                 else f"{len(order)} of the {objecting} members who ever objected"
                 if objecting > len(order)
                 else f"the {objecting} of {len(member_ids)} members who ever objected")
        _title(ax, s.title, f"Who objects in which round: {shown} "
                            f"({result.runs:,} runs, cells in %)", width=60)
    return fig


# --------------------------------------------------------------------------- files


def save_charts(result: EnsembleResult, out_dir: Path, fmt: str = "png") -> list[Path]:
    """Write every chart of ``result`` to ``out_dir`` (created if missing).

    Files: ``outcomes.<fmt>``, one ``trajectory_<dimension id>.<fmt>`` per dimension in
    scenario order, and ``objections.<fmt>``. Dates and software versions are left out
    of the files, so the same result gives the same bytes.

    Args:
        result: the ensemble to chart.
        out_dir: folder to write into.
        fmt: ``"png"``, ``"svg"`` or ``"pdf"``.

    Returns:
        The paths written, in the order above.

    Raises:
        ValueError: ``fmt`` is not one of the formats above.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}; allowed: {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts: list[tuple[str, Figure]] = [("outcomes", outcome_chart(result))]
    charts += [(f"trajectory_{dim_id}", trajectory_chart(result, k))
               for k, dim_id in enumerate(result.scenario.dimension_ids)]
    charts.append(("objections", objection_heatmap(result)))
    paths = []
    with _style():
        for stem, fig in charts:
            path = out_dir / f"{stem}.{fmt}"
            fig.savefig(path, format=fmt, metadata=FORMATS[fmt])
            paths.append(path)
    return paths
