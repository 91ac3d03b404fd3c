"""Charts of an ensemble: outcome shares, scope trajectories and who opposes when.

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
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter
from matplotlib.transforms import blended_transform_factory

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import XAxis, YAxis
    from matplotlib.container import BarContainer

    from .ensemble import EnsembleResult
    from .model import RunResult
    from .power import PowerIndices
    from .scenario import Dimension, Scenario

__all__ = ["chart_style", "models_chart", "objection_heatmap", "outcome_chart", "persuasion_chart",
           "position_map",
           "power_chart", "save_charts", "save_figure", "trajectory_chart"]

#: The Okabe–Ito palette (Okabe & Ito 2008), distinguishable with any colour vision.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442",
             "#0072B2", "#D55E00", "#CC79A7", "#000000")
_ORANGE, _SKY, _GREEN, _YELLOW, _BLUE, _VERMILLION, _PURPLE, _BLACK = OKABE_ITO

#: How each outcome is named and coloured on the outcome chart.
OUTCOME_LABELS = {
    "adopted": "adopted\nas proposed",
    "adopted_amended": "adopted with\na scope change",
    "adopted_paid": "adopted with\nside payments",
    "adopted_rival": "a rival\nadopted",
    "withdrawn": "withdrawn",
    "postponed": "postponed",
    "deadlocked": "deadlocked",
}
OUTCOME_COLOURS = {
    "adopted": _GREEN,
    "adopted_amended": _BLUE,
    "adopted_paid": _SKY,
    "adopted_rival": _PURPLE,
    "withdrawn": _ORANGE,
    "postponed": _YELLOW,
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
    # User text (titles, names, level labels) is never mathtext or LaTeX: a "$" is a
    # dollar ("US$5bn to US$10bn"), and "$\foo$" is drawn as typed instead of failing.
    "text.parse_math": False,
    "text.usetex": False,
}

#: Named styles: changes to :data:`_STYLE`, and how much to scale the font sizes and
#: line widths that charts set one by one. ``talk``: large fonts and thick lines, for
#: a lecture hall.
STYLES: dict[str, tuple[dict[str, Any], float, float]] = {
    "default": ({}, 1.0, 1.0),
    "talk": ({
        "font.size": 17, "axes.titlesize": 20, "axes.labelsize": 18,
        "xtick.labelsize": 16, "ytick.labelsize": 16, "legend.fontsize": 15,
        "lines.linewidth": 3.5, "lines.markersize": 9, "axes.linewidth": 1.6,
        "xtick.major.width": 1.6, "ytick.major.width": 1.6, "xtick.major.size": 6,
        "ytick.major.size": 6,
    }, 1.35, 1.7),
}
_current_style: ContextVar[str] = ContextVar("chart_style", default="default")

_TITLE_WIDTH = 50  # characters per title line: 15 pt bold over a ~6 inch wide axes

#: Widths, in characters, at which text from a scenario file (its title, actors'
#: names, level labels, dimension names: up to 200 characters each) meets a chart.
#: Longer text is wrapped and, past a few lines, cut at a word with "…", so that it
#: never crowds the plot out of its figure; the files and summaries keep it whole.
_LABEL_WIDTH = 24  # a level label at a tick (per line) or an actor's name on an axis
_LABEL_LINES = 2  # lines of a level label at a tick
_LEGEND_WIDTH = 32  # a level label or name inside a legend entry or a title, one line
_AXIS_WIDTH = 60  # an axis label (a dimension's name), per line, at most two lines
_TITLE_LINES = 3  # lines of the scenario's title above a chart


@contextmanager
def chart_style(name: str) -> Iterator[None]:
    """Draw (and save) the charts made inside in the named style (see :data:`STYLES`).

    >>> with chart_style("talk"):  # doctest: +SKIP
    ...     save_charts(result, "slides/")
    """
    if name not in STYLES:
        raise ValueError(f"unknown chart style {name!r}; allowed: {', '.join(STYLES)}")
    token = _current_style.set(name)
    try:
        yield
    finally:
        _current_style.reset(token)


@contextmanager
def _style() -> Iterator[None]:
    """Apply the charts' look (:data:`_STYLE` and the current style) to everything
    created or saved inside."""
    with matplotlib.rc_context({**_STYLE, **STYLES[_current_style.get()][0]}):
        yield


def _pt(size: float) -> float:
    """A font size set by hand, scaled to the current style."""
    return size * STYLES[_current_style.get()][1]


def _lw(width: float) -> float:
    """A line width set by hand, scaled to the current style."""
    return width * STYLES[_current_style.get()][2]


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """The caller's axes and its figure, or a new figure of ``size`` inches with one axes."""
    if ax is None:
        fig = Figure(figsize=size, layout="constrained")
        return fig, fig.add_subplot()
    for text in ax.findobj(Text):  # made outside the style: user text stays literal
        text.set_parse_math(False)
    parent = ax.figure
    while isinstance(parent, SubFigure):
        parent = parent.figure
    assert isinstance(parent, Figure)
    return parent, ax


def _shorten(text: str, width: int) -> str:
    """``text`` on one line of at most ``width`` characters: cut at a word (within
    the last half), else inside it, and ended with "…" when too long."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space >= width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def _wrap(text: str, width: int, lines: int = _LABEL_LINES) -> str:
    """``text`` wrapped to at most ``lines`` lines of ``width`` characters, the last
    one shortened with "…" when the text does not fit."""
    wrapped = textwrap.wrap(" ".join(str(text).split()), width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], _shorten(" ".join(wrapped[lines - 1:]), width)]
    return "\n".join(wrapped)


def _name(scenario: Scenario, actor_id: str, width: int = _LABEL_WIDTH) -> str:
    """An actor's name (its id where it has none), shortened to ``width`` characters."""
    return _shorten(scenario.actor(actor_id).label, width)


def _level(scenario: Scenario, dimension: int, value: float) -> str:
    """The label of the level nearest ``value``, shortened for a legend entry or title."""
    return _shorten(scenario.level_label(dimension, value), _LEGEND_WIDTH)


def _parameter_label(scenario: Scenario | None, path: str, width: int = 40) -> str:
    """A field path (``actors.FRA.salience.office``) in words for a chart, with the
    actor's name for its id: ``France: salience on office``.

    Paths of other fields, or any path when ``scenario`` is None, stay as they are;
    the result is shortened to ``width`` characters.
    """
    parts = path.split(".")
    ids = {a.id for a in scenario.actors} if scenario is not None else set()
    if len(parts) >= 3 and parts[0] == "actors" and parts[1] in ids:
        field = ": " + parts[2].replace("_", " ") + (f" on {'.'.join(parts[3:])}"
                                                     if len(parts) > 3 else "")
        name = _name(scenario, parts[1], max(width - len(field), 12))  # the name gives way
        return _shorten(name + field, width)
    return _shorten(path, width)


def _title(ax: Axes, scenario_title: str, shows: str, width: int = _TITLE_WIDTH) -> None:
    """Title a chart with the scenario (at most :data:`_TITLE_LINES` lines), then what
    the chart shows, wrapped to ``width`` characters.

    Should a line still reach past the figure's right edge (the plot pushed right by
    long tick labels), matplotlib wraps it again there, so no title is cut off; but
    not a title that holds a pair of "$": matplotlib's wrapping measures such text as
    mathtext whatever ``parse_math`` says, and would fail on "$\\foo$".
    """
    from matplotlib import cbook

    width = int(width / STYLES[_current_style.get()][1])  # larger fonts, shorter lines
    title = "\n".join([_wrap(scenario_title, width, _TITLE_LINES), textwrap.fill(shows, width)])
    ax.set_title(title, loc="left", wrap=not cbook.is_math_text(title))


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


def _level_ticks(axis: XAxis | YAxis, dim: Dimension, wrap: int = _LABEL_WIDTH,
                 lines: int = _LABEL_LINES) -> None:
    """Tick ``axis`` (spanning 0..1) at the dimension's named levels, else at quarters;
    labels are wrapped to ``wrap`` characters, at most ``lines`` lines."""
    if dim.levels:
        labels = [_wrap(lv.label, wrap, lines) for lv in dim.levels]
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

    The outcomes are: adopted as proposed, adopted with side payments (where the
    scenario allows them), adopted with a scope change, withdrawn, postponed (where
    the setter may postpone) and deadlocked; an outcome some run reached is always
    shown. Bars show the share of runs, error bars the Wilson interval from
    :meth:`EnsembleResult.summary` (``ci95``), and each bar is labelled with its
    percentage.

    Args:
        result: the ensemble to chart.
        ax: axes to draw into; a new figure when None.

    Returns:
        The figure holding the chart.
    """
    summary = result.summary()
    counts = result.outcome_counts()
    n = result.runs
    from .tally import shown_outcomes

    shown = shown_outcomes(result.scenario, counts)
    share = np.array([counts[name] / n for name in shown])
    low, high = (np.array([summary["ci95"][name][i] for name in shown]) for i in (0, 1))
    with _style():
        fig, ax = _axes(ax, (9.0, 5.5))
        x = np.arange(len(shown))
        yerr = 100 * np.clip(np.vstack([share - low, high - share]), 0, None)
        ax.bar(x, 100 * share, width=0.62, color=[OUTCOME_COLOURS[o] for o in shown],
               yerr=yerr, capsize=8, error_kw={"elinewidth": 1.6, "capthick": 1.6,
                                               "ecolor": _BLACK},
               label="share of runs")
        for xi, p, top in zip(x, share, high, strict=True):
            ax.annotate(_percent(p), (xi, 100 * top), xytext=(0, 5),
                        textcoords="offset points", ha="center", va="bottom",
                        fontsize=_pt(13), fontweight="bold")
        ax.set_xticks(x, [OUTCOME_LABELS[o] for o in shown])
        ax.set_xlabel("Outcome")
        ax.set_ylabel("Share of runs (%)")
        ax.set_ylim(0, 112)
        ax.set_yticks(np.arange(0, 101, 20))
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.grid(axis="y", color="#dddddd", linewidth=_lw(0.8))
        _title(ax, result.scenario.title,
               f"Outcomes of {n:,} simulated runs (whiskers: 95% Wilson interval)", width=70)
    return fig


# --------------------------------------------------------------------------- trajectories


#: How a drawn run that ended without adoption is marked at its last round on the
#: trajectory chart: marker and colour (the outcome chart's), edged in black.
_END_MARKERS = {"withdrawn": ("X", _ORANGE), "postponed": ("P", _YELLOW),
                "deadlocked": ("s", _VERMILLION)}
#: The runs' lines: the least and most opaque (few runs); 0.25 still shows one line
#: on a projector, and overlapping lines grow darker.
_RUN_ALPHA = (0.25, 0.6)
#: A run's line within this distance (on the 0..1 axis) of the thick line at every
#: round is hidden under it.
_HIDDEN = 0.01


def trajectory_chart(result: EnsembleResult, dimension: int = 0, ax: Axes | None = None,
                     max_lines: int = 200) -> Figure:
    """The proposal on the table, round by round, on one dimension of scope.

    Draws the first ``max_lines`` runs (in run order, so the chart is reproducible)
    as thin translucent lines at their exact values, the median over the runs still
    negotiating at each round as a thick line (with how many runs are still
    negotiating written at each round tick), and the status quo as a dashed line.
    A drawn run that ended without adoption (withdrawn, postponed, deadlocked) ends
    in its outcome's marker at its last round, so that a run that stops is seen even
    where its line is a single point (a run postponed in round 1). The y axis spans
    the dimension's range 0..1 and is labelled with its named levels where the
    scenario gives some. On a yes/no dimension the thick line is the share of the
    runs still negotiating whose text keeps the proposal's answer, drawn between the
    two answers (0% at the status quo's, 100% at the proposal's), and the two
    answers are the only ticks: a median could fall between them.

    The legend sits under the plot, which keeps the figure's width. It lists the
    runs' lines only where some line can be seen beside the thick one (not when
    every run is hidden under it, or is one point), with a key drawn as one line is,
    and each end marker with how many drawn runs it marks.

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
    from .kernel import OUTCOMES

    s = result.scenario
    _check_dimension(s, dimension)
    if max_lines < 0:
        raise ValueError(f"max_lines must be 0 or more (got {max_lines})")
    dim = s.dimensions[dimension]
    last = _last_round(result)
    rounds = np.arange(1, last + 1)
    values = result.trajectory[:, :last, dimension].astype(float)  # (runs, last), NaN = over
    running = ~np.isnan(values)
    still = running.sum(axis=0)
    status_quo = float(s.arrays.status_quo[dimension])
    proposed = float(s.arrays.proposal[dimension])
    if dim.binary:  # a yes/no question: the share at the proposal's answer, drawn
        # between the two answers (a median could fall between them)
        answers = np.array([status_quo, proposed])
        kept = np.abs(values - proposed) <= np.abs(values - status_quo)
        share = np.array([kept[running[:, r], r].mean() for r in range(last)])
        centre = status_quo + share * (proposed - status_quo)
        centre_label = (f"share of the runs still negotiating at the proposal's answer\n"
                        f"({_level(s, dimension, proposed)}), their number above each point")
    else:
        centre = np.array([np.median(values[running[:, r], r]) for r in range(last)])
        centre_label = "median of the runs still negotiating\n(their number above each point)"
    kept = len(result.rounds)  # a streamed ensemble keeps its first runs only
    shown = min(kept, max_lines)
    drawn = result.rounds[:shown].astype(int)
    alpha = min(_RUN_ALPHA[1], max(_RUN_ALPHA[0], 10 / max(shown, 1)))  # fainter when crowded
    seen = any(r >= 2 and bool(np.any(np.abs(values[j, :r] - centre[:r]) > _HIDDEN))
               for j, r in enumerate(drawn))
    of = f"{shown:,} runs" if shown == result.runs else f"{shown:,} runs drawn"
    ended = np.array(OUTCOMES)[result.outcome[:shown]]

    with _style():
        fig, ax = _axes(ax, (10.0, 6.6))
        segments = [np.column_stack([rounds[:r], values[j, :r]]) for j, r in enumerate(drawn)]
        ax.add_collection(LineCollection(segments, colors=_BLUE, linewidths=_lw(1.0), alpha=alpha,
                                         gid="runs", zorder=2))
        handles: list[Any] = []
        labels: list[str] = []
        if seen:  # the key as one line is drawn; no key for lines nobody can see
            handles.append(Line2D([], [], color=_BLUE, linewidth=_lw(1.0), alpha=alpha))
            labels.append("each run" if shown == result.runs
                          else f"first {shown:,} of {result.runs:,} runs, one line each")
        for outcome, (marker, colour) in _END_MARKERS.items():
            runs = np.flatnonzero(ended == outcome)
            if runs.size:
                ends = np.unique(np.column_stack([drawn[runs], values[runs, drawn[runs] - 1]]),
                                 axis=0)  # one marker per point where runs ended
                handles += ax.plot(ends[:, 0], ends[:, 1], linestyle="", marker=marker,
                                   markersize=11, color=colour, markeredgecolor=_BLACK,
                                   markeredgewidth=_lw(0.9), zorder=5, gid=f"ended {outcome}")
                labels.append(f"run {outcome} here ({runs.size:,} of {of})")
        handles.append(ax.axhline(status_quo, color=_VERMILLION, linestyle="--",
                                  linewidth=_lw(2), zorder=3))
        labels.append("status quo" if dim.binary and not dim.levels  # labelled so
                      else f"status quo ({_level(s, dimension, status_quo)})")
        handles += ax.plot(rounds, centre, color=_BLACK, linewidth=_lw(3.2), marker="o",
                           markersize=6, label=centre_label, zorder=4)
        labels.append(centre_label)
        ticks = _round_ticks(ax, last)
        for r in ticks:
            ax.annotate(f"{still[r - 1]:,}", (r, centre[r - 1]), xytext=(0, 10),
                        textcoords="offset points", ha="center", va="bottom", fontsize=_pt(10.5),
                        color="#333333", zorder=6,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.8})
        ax.set_xlim(0.7, last + 0.3)
        ax.set_ylim(-0.03, 1.08)  # room for the number of runs above round 1
        if dim.binary:  # only the two answers exist
            ax.set_yticks(answers, [_wrap(s.level_label(dimension, v), _LABEL_WIDTH)
                                    for v in answers])
        else:  # long labels wrapped and cut, so that they leave the plot its width
            _level_ticks(ax.yaxis, dim)
        ax.grid(axis="y", color="#dddddd", linewidth=_lw(0.8))
        ax.set_xlabel("Round")
        ax.set_ylabel(_wrap(dim.name or dim.id, 50))
        _legend_below(ax, handles, labels, 1, ncols=2)
        over = (f"{result.runs:,} runs" if kept == result.runs
                else f"the first {kept:,} of {result.runs:,} runs")
        _title(ax, s.title, f"Proposal on the table in each round, {over}", width=58)
    return fig


# --------------------------------------------------------------------------- objections


def objection_heatmap(result: EnsembleResult, ax: Axes | None = None, top: int = 15) -> Figure:
    """Heatmap of who opposes in which round, for the members who oppose most.

    Opposing is what :attr:`EnsembleResult.opposition_measure` names: objecting
    under consensus-type rules, any vote but yes under voting rules; the title and
    colour bar say which. Rows are the members that opposed in some run, at most
    ``top`` of them with the highest overall rate
    (:meth:`EnsembleResult.objection_rate`), highest first (ties keep scenario
    order), labelled with their names (shortened to 24 characters; when no member
    ever opposed, the first
    member stands alone to show an all-zero row); columns are rounds 1 to the last
    round any run reached. A cell is the share of the runs still negotiating in
    that round in which the member opposed
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
    from .facts import opposition

    s = result.scenario
    words = opposition(result.opposition_measure)
    rate = result.objection_rate()
    member_ids = list(s.arrays.member_ids)
    order = sorted(range(len(member_ids)), key=lambda i: -rate[member_ids[i]])[:top]
    order = [i for i in order if rate[member_ids[i]] > 0] or order[:1]
    last = _last_round(result)
    cells = result.objection_rate_by_round()[order, :last]
    names = [_name(s, member_ids[i]) for i in order]

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
                            fontsize=_pt(10.5), color=_BLACK if value > 0.55 else "white")
        ax.set_yticks(np.arange(len(order)), names)
        _round_ticks(ax, last)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel("Round")
        ax.set_ylabel("Member")
        bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02,
                           format=PercentFormatter(xmax=1.0, decimals=0))
        bar.set_label(f"share of runs still negotiating\nin which the member {words.did}")
        bar.outline.set_visible(False)
        objecting = sum(v > 0 for v in rate.values())
        shown = (f"all {len(order)} members" if len(order) == len(member_ids)
                 else f"{len(order)} of the {objecting} members who ever {words.did}"
                 if objecting > len(order)
                 else f"the {objecting} of {len(member_ids)} members who ever {words.did}")
        _title(ax, s.title, f"Who {words.does} in which round: {shown} "
                            f"({result.runs:,} runs, cells in %)", width=50)
    return fig


# --------------------------------------------------------------------------- positions

#: Dot area (points²) of the member with the highest capability; the others scale
#: with their capability, down to :data:`_DOT_MIN` so that every member stays visible.
_DOT_MAX = 420.0
_DOT_MIN = 14.0
_ROW_INCHES = 0.26  # height of one row of members on the strip
_MEMBER_FONT = 11.0  # points, member names on the position map
_MEMBER_WIDTH = 16  # characters of a member's name on the position map
_BAND_ROWS = 3.0  # height of the histogram of final texts on the strip, in rows


def _dot_sizes(capability: np.ndarray) -> np.ndarray:
    """Dot areas (points²) proportional to capability, floored at :data:`_DOT_MIN`."""
    top = float(capability.max())
    if top <= 0:
        return np.full(capability.shape, _DOT_MAX / 4)
    return np.maximum(_DOT_MAX * capability / top, _DOT_MIN)


def _size_keys(capability: np.ndarray) -> list[tuple[Line2D, str]]:
    """Legend keys for the members' dots: one per reference capability when they differ."""

    def key(area: float) -> Line2D:
        return Line2D([], [], linestyle="", marker="o", markersize=float(np.sqrt(area)),
                      markerfacecolor=_BLUE, markeredgecolor="white", alpha=0.9)

    top, low = float(capability.max()), float(capability.min())
    if top <= 0 or np.isclose(low, top):
        return [(key(float(_dot_sizes(capability[:1])[0])), "member (ideal point)")]
    references = [top, top / 10] if low < top / 10 else [top, low]
    areas = _dot_sizes(np.array(references))  # scaled to the largest, as the members
    return [(key(float(area)), f"member of capability {c:.3g}")
            for c, area in zip(references, areas, strict=True)]


def _text_width(text: str, size: float) -> float:
    """Width of ``text`` in points at font ``size`` (the charts' font), without drawing."""
    from matplotlib.textpath import TextPath

    return float(TextPath((0, 0), text, size=size).get_extents().width)


def _stack_rows(left: np.ndarray, right: np.ndarray, spans: np.ndarray,
                order: np.ndarray) -> np.ndarray:
    """Rows for labelled dots along a line, so that no two of them overlap.

    Item ``i`` covers ``left[i] .. right[i]`` along the line and ``spans[i]`` rows.
    In ``order``, each item takes the lowest rows that are free over its extent.

    Returns:
        Each item's row (the centre of its rows), as floats.
    """
    taken: list[list[tuple[float, float]]] = []
    rows = np.zeros(left.size)
    for i in order:
        span = int(spans[i])
        start = 0
        while True:
            while len(taken) < start + span:
                taken.append([])
            if all(right[i] <= lo or left[i] >= hi
                   for row in taken[start:start + span] for lo, hi in row):
                break
            start += 1
        for row in taken[start:start + span]:
            row.append((float(left[i]), float(right[i])))
        rows[i] = start + (span - 1) / 2
    return rows


def _map_dimensions(scenario: Scenario, dimensions: Any) -> tuple[int, ...]:
    """The one or two dimension indices a position map shows (see :func:`position_map`)."""
    if dimensions is None:
        scope = [k for k, dim in enumerate(scenario.dimensions) if not dim.side]
        return tuple(scope[:2])
    if isinstance(dimensions, int | np.integer) and not isinstance(dimensions, bool):
        _check_dimension(scenario, dimensions)
        return (int(dimensions),)
    if isinstance(dimensions, tuple | list) and len(dimensions) == 2:
        for k in dimensions:
            _check_dimension(scenario, k)
        if dimensions[0] != dimensions[1]:
            return int(dimensions[0]), int(dimensions[1])
    raise ValueError("dimensions must be None, one dimension index or a pair of two different "
                     f"indices from 0 to {len(scenario.dimensions) - 1} "
                     f"({', '.join(scenario.dimension_ids)}); got {dimensions!r}")


def position_map(scenario: Scenario, result: EnsembleResult | None = None,
                 dimensions: tuple[int, int] | int | None = None,
                 ax: Axes | None = None) -> Figure:
    """Where the members stand against the status quo, the proposal and the final texts.

    Members' ideal points are the scenario's (``scenario.arrays.position``, before any
    run's noise); each member's dot has an area proportional to its capability
    (floored, so members of tiny capability stay visible).

    On one dimension the map is a strip along 0..1: members are dots at their exact
    ideal points, named (names shortened to 16 characters), stacked in rows so that
    no two names collide (the height of a row means nothing), with vertical lines at
    the status quo and the initial proposal. With ``result``, bars under the members
    show where the final texts of the adopted runs fell, and a vertical line their
    median. Their shares are of the adopted runs only (the runs that adopted nothing
    have no final text to place): the legend says so and gives their number beside
    all runs, as the title does. Few distinct texts get one bar each, labelled with
    its share of the adopted runs; more are binned (bins of 0.025, no labels).

    On two dimensions it is a scatter: members, the status quo, the initial
    proposal and, with ``result``, the adopted final texts (translucent, at their
    exact values) and their median taken dimension by dimension, with an arrow
    from the initial proposal to it. Members are named; members at the same point
    share one label.

    Args:
        scenario: the scenario whose members to place.
        result: an ensemble of ``scenario`` whose adopted final texts to show.
        dimensions: one dimension index (a strip), a pair of indices (x, y), or None
            for the first two non-side dimensions, or the strip of the only one.
        ax: axes to draw into; a new figure when None.

    Returns:
        The figure holding the chart.

    Raises:
        ValueError: ``dimensions`` names no dimension or an invalid pair, or
            ``result`` has another number of dimensions than ``scenario``.
    """
    dims = _map_dimensions(scenario, dimensions)
    if result is not None and result.final.shape[1] != len(scenario.dimensions):
        raise ValueError(f"result has {result.final.shape[1]} dimensions but the scenario "
                         f"has {len(scenario.dimensions)}: pass the result's own scenario")
    finals = None if result is None else result.final[result.adopted][:, list(dims)]
    if len(dims) == 1:
        return _position_strip(scenario, dims[0], result, finals, ax)
    return _position_scatter(scenario, dims, result, finals, ax)


def _finals_note(result: EnsembleResult, finals: np.ndarray) -> str:
    """How many runs adopted a text, for a title."""
    n, kept = len(finals), len(result.final)  # a streamed ensemble keeps its first runs
    first = "" if kept == result.runs else "first "
    if n == 0:
        return f"no run of the {first}{kept:,} adopted a text"
    return (f"final texts of the {n:,} of the {first}{kept:,} runs that adopted one "
            f"({_percent(n / kept)} of runs)")


def _adopted_of(result: EnsembleResult, n: int) -> str:
    """"18 of 500 runs": how many runs adopted a text, of how many."""
    kept = len(result.final)
    return f"{n:,} of {'the first ' if kept < result.runs else ''}{kept:,} runs"


#: At most this many distinct adopted texts are drawn as one bar each, at their exact
#: values (a ladder's levels); more are binned.
_EXACT_BARS = 12


def _finals_bars(ax: Axes, values: np.ndarray, base: float) -> tuple[BarContainer, str]:
    """Bars of where the adopted final texts fell, from ``base`` up to :data:`_BAND_ROWS`.

    A bar's height is the share of the adopted texts it holds, the tallest scaled to
    the band's height. Few distinct texts (at most :data:`_EXACT_BARS`) get one bar
    each at their exact value, labelled with their share of the adopted texts (not
    of all runs); otherwise the texts are binned in 40 bins of 0.025.

    Returns:
        The bars and a note for the legend saying how to read them.
    """
    distinct, counts = np.unique(np.round(values, 9), return_counts=True)
    if distinct.size <= _EXACT_BARS:
        share = counts / values.size
        heights = share / share.max() * _BAND_ROWS
        bars = ax.bar(distinct, heights, width=0.018, bottom=base, color=_GREEN, alpha=0.7,
                      edgecolor="none", zorder=2, gid="finals")
        for x, h, p in zip(distinct, heights, share, strict=True):
            ax.annotate(_percent(float(p)), (float(x), base + h), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=_pt(11),
                        fontweight="bold", color="#00664a", zorder=5)
        return bars, f"bar labels: % of these {values.size:,} runs, not of all runs"
    counts, edges = np.histogram(values, bins=40, range=(0.0, 1.0))
    heights = counts / counts.max() * _BAND_ROWS
    bars = ax.bar(edges[:-1], heights, width=np.diff(edges), bottom=base, align="edge",
                  color=_GREEN, alpha=0.6, edgecolor="none", zorder=2, gid="finals")
    return bars, f"histogram of these {values.size:,}, bins of 0.025"


def _legend_columns(labels: list[str], most: int, room: float) -> int:
    """The most columns, up to ``most``, in which a legend of ``labels`` (in the
    style's legend font) is at most ``room`` points wide, with a tenth to spare."""
    from matplotlib.font_manager import FontProperties

    size = FontProperties(size=matplotlib.rcParams["legend.fontsize"]).get_size_in_points()
    widths = [max(_text_width(line, size) for line in label.split("\n")) if label else 0.0
              for label in labels]
    for ncols in range(min(most, len(labels)), 1, -1):
        per = -(-len(labels) // ncols)  # entries fill the columns in order
        columns = [widths[j:j + per] for j in range(0, len(widths), per)]
        # each column: handle (2 em), pad (0.8 em) and its widest text; 2 em between
        wide = sum(max(c) + 2.8 * size for c in columns) + 2 * size * (len(columns) - 1)
        if 1.1 * (wide + 0.8 * size) <= room:
            return ncols
    return 1


def _legend_below(ax: Axes, handles: list[Any], labels: list[str], tick_lines: int,
                  ncols: int) -> None:
    """A legend under the x axis's tick labels (``tick_lines`` lines high) and its label,
    in at most ``ncols`` columns: fewer where long labels would not fit the figure.

    It is centred under the figure when the axes is the figure's only one (a plot
    pushed right by long tick labels would push a legend centred under it off the
    figure's edge), else under the axes.
    """
    from matplotlib.transforms import ScaledTranslation

    fig = ax.figure
    drop = (8 + tick_lines * 1.25 * _STYLE["xtick.labelsize"]
            + 1.3 * _STYLE["axes.labelsize"] + 14) / 72
    below = ax.transAxes + ScaledTranslation(0, -drop, fig.dpi_scale_trans)
    across = fig.transSubfigure if len(fig.axes) == 1 else ax.transAxes
    room = fig.bbox.width / fig.dpi * 72 - 36  # the figure's width in points, less margins
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
              bbox_transform=blended_transform_factory(across, below),
              ncols=_legend_columns(labels, ncols, room), borderaxespad=0)


def _position_strip(s: Scenario, k: int, result: EnsembleResult | None,
                    finals: np.ndarray | None, ax: Axes | None) -> Figure:
    """The one-dimensional position map (see :func:`position_map`)."""
    a = s.arrays
    n = a.n_members
    ideal = a.position[:n, k].astype(float)
    sizes = _dot_sizes(a.capability[:n])
    names = [_name(s, i, _MEMBER_WIDTH) for i in a.member_ids]
    dim = s.dimensions[k]
    has_band = finals is not None and len(finals) > 0

    with _style():
        created = ax is None
        fig, ax = _axes(ax, (11.0, 3.0))  # height set below, from the number of rows
        axes_inches = ax.get_position().width * fig.get_figwidth()
        per_point = 1.12 / (axes_inches * 72)  # data units per point along x
        radius = np.sqrt(sizes) / 2 * per_point
        gap = 4 * per_point
        label = np.array([_text_width(name, _MEMBER_FONT) for name in names]) * per_point
        left = ideal - radius - gap
        right = ideal + radius + gap + label + gap
        row_points = _ROW_INCHES * 72
        spans = np.maximum(1, np.ceil(np.sqrt(sizes) / row_points - 0.15))
        order = np.lexsort((np.arange(n), -a.capability[:n], ideal))
        rows = _stack_rows(left, right, spans, order)
        n_rows = float((rows + (spans - 1) / 2).max() + 1)
        if created:
            band = _BAND_ROWS + 1.0 if has_band else 0.0
            fig.set_figheight(2.9 + _ROW_INCHES * (n_rows + band + 0.6))
            fig.get_layout_engine().set(w_pad=0.2)  # inches: no y ticks hold the title off the edge

        ax.scatter(ideal, rows, s=sizes, color=_BLUE, edgecolors="white", linewidths=_lw(0.8),
                   alpha=0.9, zorder=4, gid="members")
        for x, y, r, text, i in zip(ideal, rows, np.sqrt(sizes) / 2, names, a.member_ids,
                                    strict=True):
            ax.annotate(text, (x, y), xytext=(r + 3, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=_MEMBER_FONT, zorder=5, gid=f"name {i}",
                        bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none",
                              "alpha": 0.8})
        handles: list[Any] = []
        labels: list[str] = []
        status_quo = float(a.status_quo[k])
        proposal = float(a.proposal[k])
        line = ax.axvline(status_quo, color=_VERMILLION, linestyle="--", linewidth=_lw(2.4),
                          zorder=3, gid="status_quo")
        handles.append(line)
        labels.append(f"status quo ({_level(s, k, status_quo)})")
        line = ax.axvline(proposal, color=_ORANGE, linestyle="-.", linewidth=_lw(2.4), zorder=3,
                          gid="proposal")
        handles.append(line)
        labels.append(f"initial proposal ({_level(s, k, proposal)})")
        bottom = -0.8
        if finals is not None and has_band:
            values = finals[:, 0]
            median = float(np.median(values))
            line = ax.axvline(median, color=_BLACK, linewidth=_lw(2.4), zorder=3,
                              gid="final_median")
            handles.append(line)
            labels.append(f"median adopted text ({_level(s, k, median)})")
            base = -1.5 - _BAND_ROWS  # room for the bars' labels under the members
            bars, note = _finals_bars(ax, values, base)
            handles.append(bars)
            labels.append(f"where the adopted texts fell ({_adopted_of(result, len(values))})"
                          f"\n{note}")
            ax.axhline(base, color="#999999", linewidth=_lw(0.8), zorder=1)
            bottom = base - 0.4
        for key, text in _size_keys(a.capability[:n]):
            handles.append(key)
            labels.append(text)
        ax.set_xlim(-0.04, max(1.04, float(right.max()) + 0.01))
        ax.set_ylim(bottom, n_rows - 0.4)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        _level_ticks(ax.xaxis, dim, wrap=18, lines=3)
        ax.grid(axis="x", color="#dddddd", linewidth=_lw(0.8))
        ax.set_xlabel(_shorten(dim.name or dim.id, 90))  # one line: the legend sits below
        tick_lines = max((_wrap(lv.label, 18, 3).count("\n") + 1 for lv in dim.levels),
                         default=1)
        _legend_below(ax, handles, labels, tick_lines, ncols=3)
        shows = "Members' ideal points (dot area: capability), the status quo and the proposal"
        if result is not None and finals is not None:
            shows += f"; {_finals_note(result, finals)}"
        _title(ax, s.title, shows, width=80)
    return fig


def _name_lines(names: list[str], per_line: int = 2, lines: int = 4) -> str:
    """Names of members at one point: ``per_line`` a line, at most ``lines`` lines, the
    last saying how many more there are."""
    if len(names) > per_line * lines:
        shown = per_line * lines - 1
        names = [*names[:shown], f"and {len(names) - shown} more"]
    return "\n".join(", ".join(names[j:j + per_line]) for j in range(0, len(names), per_line))


def _position_scatter(s: Scenario, dims: tuple[int, ...], result: EnsembleResult | None,
                      finals: np.ndarray | None, ax: Axes | None) -> Figure:
    """The two-dimensional position map (see :func:`position_map`)."""
    a = s.arrays
    n = a.n_members
    kx, ky = dims
    ideal = a.position[:n][:, [kx, ky]].astype(float)
    sizes = _dot_sizes(a.capability[:n])
    names = [_name(s, i, _MEMBER_WIDTH) for i in a.member_ids]
    with _style():
        fig, ax = _axes(ax, (10.5, 8.6))
        handles: list[Any] = []
        labels: list[str] = []
        median = None
        if finals is not None and len(finals):
            alpha = min(0.5, max(0.12, 25 / len(finals)))
            ax.scatter(finals[:, 0], finals[:, 1], s=30, color=_GREEN, alpha=alpha,
                       edgecolors="none", zorder=2, gid="finals")
            handles.append(Line2D([], [], linestyle="", marker="o", markersize=6,
                                  color=_GREEN, alpha=0.6))
            assert result is not None
            labels.append(f"adopted final text\n({_adopted_of(result, len(finals))}, "
                          "translucent)")
            median = np.median(finals, axis=0)
        status_quo = a.status_quo[[kx, ky]].astype(float)
        proposal = a.proposal[[kx, ky]].astype(float)
        handles += ax.plot([status_quo[0]], [status_quo[1]], linestyle="", marker="s",
                           markersize=14, color=_VERMILLION, markeredgecolor="white",
                           zorder=6, gid="status_quo")
        labels.append("status quo")
        handles += ax.plot([proposal[0]], [proposal[1]], linestyle="", marker="D",
                           markersize=13, color=_ORANGE, markeredgecolor="white", zorder=6,
                           gid="proposal")
        labels.append("initial proposal")
        if median is not None:
            handles += ax.plot([median[0]], [median[1]], linestyle="", marker="X",
                               markersize=17, color=_BLACK, markeredgecolor="white",
                               zorder=7, gid="final_median")
            labels.append("median adopted text\n(per dimension)")
            ax.annotate("", median, xytext=proposal, zorder=5,
                        arrowprops={"arrowstyle": "-|>", "color": "#555555", "linewidth": 1.6,
                                    "shrinkA": 9, "shrinkB": 11, "mutation_scale": 16})
        ax.scatter(ideal[:, 0], ideal[:, 1], s=sizes, color=_BLUE, edgecolors="white",
                   linewidths=_lw(0.8), alpha=0.9, zorder=4, gid="members")
        # members at the same point share one label
        groups: dict[tuple[float, float], list[int]] = {}
        for i, point in enumerate(np.round(ideal, 6)):
            groups.setdefault((float(point[0]), float(point[1])), []).append(i)
        for (x, y), rows in groups.items():
            text = _name_lines([names[i] for i in rows])
            offset = float(np.sqrt(sizes[rows].max()) / 2 + 4)
            right_side = x <= 0.85
            ax.annotate(text, (x, y), xytext=(offset if right_side else -offset, 0),
                        textcoords="offset points", ha="left" if right_side else "right",
                        va="center", fontsize=_MEMBER_FONT, zorder=8,
                        gid=f"name {a.member_ids[rows[0]]}",
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                              "alpha": 0.7})
        for key, text in _size_keys(a.capability[:n]):
            handles.append(key)
            labels.append(text)
        ax.set_xlim(-0.05, 1.05)
        ax.set_ylim(-0.05, 1.05)
        _level_ticks(ax.xaxis, s.dimensions[kx], wrap=14)
        _level_ticks(ax.yaxis, s.dimensions[ky], wrap=22)
        ax.grid(color="#e5e5e5", linewidth=_lw(0.8))
        ax.set_xlabel(_wrap(s.dimensions[kx].name or s.dimensions[kx].id, _AXIS_WIDTH))
        ax.set_ylabel(_wrap(s.dimensions[ky].name or s.dimensions[ky].id, 50))
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0, labelspacing=1.0)
        shows = "Members' ideal points (dot area: capability), the status quo and the proposal"
        if result is not None and finals is not None:
            shows += f"; {_finals_note(result, finals)}"
        _title(ax, s.title, shows, width=65)
    return fig


# --------------------------------------------------------------------------- voting power


def _method_text(indices: PowerIndices) -> str:
    """How the indices were computed, for a title: "exact" or "monte carlo, N samples"."""
    method = str(indices.method).replace("_", " ").replace("-", " ").strip()
    samples = getattr(indices, "samples", None) or getattr(indices, "n_samples", None)
    if method.lower().startswith("monte carlo") and samples and "sample" not in method:
        return f"monte carlo, {int(samples):,} samples"
    return method


def power_chart(indices: PowerIndices, ax: Axes | None = None, top: int = 20,
                scenario: Scenario | None = None) -> Figure:
    """Each member's voting power under a rule: Banzhaf and Shapley–Shubik side by side.

    Horizontal bars, two per member, for the ``top`` members with the largest
    Shapley–Shubik index, largest at the top (ties keep the members' order). Bars
    show the indices as shares of power in %; when ``banzhaf_se`` or
    ``shapley_shubik_se`` are given (Monte Carlo estimates), whiskers show 95 %
    intervals (± 1.96 standard errors). The title names the rule and the method.
    With ``scenario``, members are labelled with their names (shortened to 24
    characters) and the title starts with the scenario's; without, with their ids.

    Args:
        indices: a :class:`~consensus_sim.power.PowerIndices` (or any object with its
            fields: ``members``, ``banzhaf``, ``shapley_shubik``, ``banzhaf_se``,
            ``shapley_shubik_se``, ``method``, ``rule``).
        ax: axes to draw into; a new figure when None.
        top: how many members to show (all of them if there are fewer).
        scenario: the scenario the indices are of, to name its members.

    Returns:
        The figure holding the chart.

    Raises:
        ValueError: ``top`` is less than 1, or the index arrays do not have one
            value per member.
    """
    if top < 1:
        raise ValueError(f"top must be at least 1 (got {top})")
    members = list(indices.members)
    series = {"banzhaf": indices.banzhaf, "shapley_shubik": indices.shapley_shubik,
              "banzhaf_se": indices.banzhaf_se,
              "shapley_shubik_se": indices.shapley_shubik_se}
    arrays: dict[str, np.ndarray | None] = {}
    for name, values in series.items():
        arrays[name] = None if values is None else np.asarray(values, dtype=float)
        if values is not None and arrays[name].shape != (len(members),):  # type: ignore[union-attr]
            raise ValueError(f"{name} must have one value per member ({len(members)}); "
                             f"got shape {np.shape(values)}")
    banzhaf, shapley = arrays["banzhaf"], arrays["shapley_shubik"]
    assert banzhaf is not None and shapley is not None
    order = sorted(range(len(members)), key=lambda i: (-shapley[i], i))[:top]
    rule = str(indices.rule).replace("_", " ")
    method = _method_text(indices)
    bars_of = [("shapley_shubik", "Shapley–Shubik", _BLUE, -0.2),
               ("banzhaf", "Banzhaf", _ORANGE, 0.2)]

    with _style():
        fig, ax = _axes(ax, (10.0, max(4.5, 2.2 + 0.5 * len(order))))
        y = np.arange(len(order))
        ends = []
        for name, label, colour, shift in bars_of:
            values = arrays[name][order]  # type: ignore[index]
            se = arrays[f"{name}_se"]
            xerr = None if se is None else 100 * 1.96 * se[order]
            bars = ax.barh(y + shift, 100 * values, height=0.4, color=colour, label=label,
                           xerr=xerr, gid=name,
                           error_kw={"elinewidth": 1.3, "capsize": 3, "ecolor": "#333333"})
            end = 100 * values + (0 if xerr is None else xerr)
            ends.append(end.max() if end.size else 0.0)
            for bar, value, e in zip(bars.patches, values, end, strict=True):
                ax.annotate(f"{100 * value:.1f}%", (float(e), bar.get_y() + bar.get_height() / 2),
                            xytext=(4, 0), textcoords="offset points", ha="left",
                            va="center", fontsize=_pt(10.5), color="#333333")
        ids = {a.id for a in scenario.actors} if scenario is not None else set()
        ax.set_yticks(y, [_name(scenario, members[i]) if members[i] in ids else members[i]
                          for i in order])
        ax.set_ylim(len(order) - 0.45, -0.55)  # largest at the top
        ax.set_xlim(0, max([*ends, 1.0]) * 1.15)
        ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.grid(axis="x", color="#dddddd", linewidth=_lw(0.8))
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("Share of voting power (%)")
        ax.set_ylabel("Member")
        whiskers = any(arrays[f"{name}_se"] is not None for name, *_ in bars_of)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
                  title="whiskers: 95% interval" if whiskers else None)
        shown = (f"all {len(members)} members" if len(order) == len(members)
                 else f"the {len(order)} of {len(members)} members with most Shapley–Shubik "
                      "power")
        what = f"Banzhaf and Shapley–Shubik indices of {shown} ({method})"
        if scenario is None:
            _title(ax, f"Voting power under the {rule} rule", what, width=60)
        else:
            _title(ax, scenario.title, f"Voting power under the {rule} rule: {what}", width=60)
    return fig


# --------------------------------------------------------------------------- persuasion

#: Colours of the members named on the persuasion chart (the palette without yellow,
#: too pale on white, and black, the proposal's colour), repeated when more are named.
_NAMED_COLOURS = (_BLUE, _ORANGE, _GREEN, _PURPLE, _SKY, _VERMILLION)


def _spread(values: np.ndarray, gap: float, low: float, high: float) -> np.ndarray:
    """Label positions near ``values``, at least ``gap`` apart, within ``low .. high``.

    Labels keep their order. Labels that would overlap are grouped and each group is
    centred on the mean of its values (so a crowd of labels spreads both ways), then
    pushed inside ``low .. high``. When they cannot fit, they are spaced evenly.
    """
    order = np.argsort(values, kind="stable")
    wanted = np.clip(values[order].astype(float), low, high)
    if wanted.size > 1 and (wanted.size - 1) * gap > high - low:
        placed = np.linspace(low, high, wanted.size)
    else:
        groups: list[list[int]] = []  # runs of consecutive labels placed as one block

        def block(group: list[int]) -> tuple[float, float]:
            span = (len(group) - 1) * gap
            centre = float(np.mean(wanted[group]))
            first = min(max(centre - span / 2, low), high - span)
            return first, first + span

        for j in range(wanted.size):
            groups.append([j])
            while len(groups) > 1 and block(groups[-2])[1] + gap > block(groups[-1])[0]:
                last = groups.pop()
                groups[-1].extend(last)
        placed = np.empty_like(wanted)
        for group in groups:
            first, _ = block(group)
            placed[group] = first + gap * np.arange(len(group))
    out = np.empty_like(placed)
    out[order] = placed
    return out


def persuasion_chart(run: RunResult, dimension: int = 0, ax: Axes | None = None,
                     top: int = 12) -> Figure:
    """How persuasion moved the members' ideal points, round by round, on one dimension.

    One line per member through its ideal point at each round's vote (after that
    round's pressure and persuasion, ``run.positions``). When no member's position on
    the dimension is uncertain, the runs all start from the scenario's ideal points,
    so these are shown at a "start" tick, joined by a dotted line to round 1: most of
    the movement may happen before the first vote. The ``top`` members whose ideal point
    moved most (widest range over the points shown; ties keep scenario order;
    members that never moved are not named) are coloured and named (names shortened
    to 22 characters) at their line's end, the others grey. The proposal on the table
    in each round is a thick dashed line, the status quo a dotted one. The y axis
    spans 0..1, labelled with the dimension's named levels where the scenario gives
    some.

    Args:
        run: one run of a scenario with persuasion (a ``listens_to`` section).
        dimension: index of the dimension in ``scenario.dimensions``.
        ax: axes to draw into; a new figure when None.
        top: how many of the members that moved most to colour and name.

    Returns:
        The figure holding the chart.

    Raises:
        ValueError: the run recorded no ideal points (persuasion is off),
            ``dimension`` is not an index of a dimension, or ``top < 0``.
    """
    s = run.scenario
    _check_dimension(s, dimension)
    if run.positions is None:
        raise ValueError("this run recorded no ideal points to chart: persuasion is off in "
                         "this scenario: add a listens_to section (see docs/scenario-format.md,"
                         " Persuasion)")
    if top < 0:
        raise ValueError(f"top must be 0 or more (got {top})")
    values = np.asarray(run.positions[:, :, dimension], dtype=float)  # (rounds, members)
    last = values.shape[0]
    rounds = np.arange(1, last + 1)
    member_ids = list(s.arrays.member_ids)
    # with no uncertain position here every run starts at the scenario's ideal points
    drawn = any(x.field == "position" and x.dim == dimension and x.row < len(member_ids)
                for x in s.uncertain)
    start = None if drawn else s.arrays.position[: len(member_ids), dimension].astype(float)
    shown = values if start is None else np.vstack([start, values])
    moved = shown.max(axis=0) - shown.min(axis=0)
    ranked = sorted(range(len(member_ids)), key=lambda i: (-moved[i], i))
    named = [i for i in ranked[:top] if moved[i] > 1e-9]
    dim = s.dimensions[dimension]
    marker = "o" if last <= 15 else None

    with _style():
        fig, ax = _axes(ax, (11.0, 6.4))
        for i in range(len(member_ids)):
            if i not in named:
                ax.plot(rounds, values[:, i], color="#b3b3b3", linewidth=_lw(1.2), marker=marker,
                        markersize=3, zorder=2, gid=f"member {member_ids[i]}")
        colours = {i: _NAMED_COLOURS[j % len(_NAMED_COLOURS)] for j, i in enumerate(named)}
        for i in named:
            ax.plot(rounds, values[:, i], color=colours[i], linewidth=_lw(2.2), marker=marker,
                    markersize=4.5, zorder=3, gid=f"member {member_ids[i]}")
        if start is not None:
            grey_or = [colours.get(i, "#b3b3b3") for i in range(len(member_ids))]
            ax.add_collection(LineCollection(
                [[(0, start[i]), (1, values[0, i])] for i in range(len(member_ids))],
                colors=grey_or, linewidths=_lw(1.2), linestyles=":", zorder=2, gid="from_start"))
            ax.scatter(np.zeros(len(member_ids)), start, s=30, facecolors="white",
                       edgecolors=grey_or, linewidths=_lw(1.4), zorder=3, gid="start")
        ax.plot(rounds, run.proposals[:last, dimension], color=_BLACK, linewidth=_lw(3.6),
                linestyle="--", marker=marker, markersize=6, zorder=4, gid="proposal",
                label="proposal on the table")
        status_quo = float(s.arrays.status_quo[dimension])
        ax.axhline(status_quo, color=_VERMILLION, linestyle=":", linewidth=_lw(2.2), zorder=1,
                   gid="status_quo", label=f"status quo ({_level(s, dimension, status_quo)})")
        ax.set_ylim(-0.03, 1.03)
        if named:
            axes_points = ax.get_position().height * fig.get_figheight() * 72
            gap = 14.5 / axes_points * 1.06  # one line of 11 pt text, in data units
            ends = values[-1, named]
            placed = _spread(ends, gap, -0.02, 1.02)
            beside = blended_transform_factory(ax.transAxes, ax.transData)
            for i, end, y in zip(named, ends, placed, strict=True):
                ax.annotate(_name(s, member_ids[i], 22), (last, end),
                            xytext=(1.03, y), textcoords=beside, ha="left", va="center",
                            fontsize=_pt(11), color=colours[i], annotation_clip=False,
                            arrowprops={"arrowstyle": "-", "color": colours[i],
                                        "linewidth": 0.8, "shrinkA": 0, "shrinkB": 3})
        ticks = _round_ticks(ax, last)
        if start is not None:
            ax.set_xticks([0, *ticks], ["start", *map(str, ticks)])
        ax.set_xlim(-0.25 if start is not None else 0.75, last + 0.25)
        _level_ticks(ax.yaxis, dim, wrap=22)
        ax.grid(axis="y", color="#dddddd", linewidth=_lw(0.8))
        ax.set_xlabel("Round")
        ax.set_ylabel(_wrap(f"Ideal point: {dim.name or dim.id}", 50))
        handles, labels = ax.get_legend_handles_labels()
        if start is not None:
            handles.insert(0, Line2D([], [], linestyle=":", color="#777777", marker="o",
                                     markersize=6, markerfacecolor="white", linewidth=_lw(1.2)))
            labels.insert(0, "start: the scenario's ideal point")
        if len(named) < len(member_ids):
            handles.append(Line2D([], [], color="#b3b3b3", linewidth=_lw(1.2)))
            labels.append("other members")
        _legend_below(ax, handles, labels, 1, ncols=len(handles))
        who = (f"in colour and named: the {len(named)} that moved most" if len(named) > 1
               else "in colour and named: the one that moved" if named
               else "no member moved" if not moved.any()
               else "none named")
        _title(ax, s.title, f"Persuasion: members' ideal points at each round's vote "
                            f"({who}; outcome: {run.outcome.replace('_', ' ')})", width=65)
    return fig


# --------------------------------------------------------------------------- files


def models_chart(prediction: Any, dimension: int = 0, ax: Axes | None = None) -> Figure:
    """The classic bargaining models side by side with the simulation, on one dimension.

    One row per model (the simulation's modal and mean adopted texts last), a dot at
    its forecast on the dimension's original scale; members' ideal points as ticks
    along the bottom, the status quo and the initial proposal as lines.

    Args:
        prediction: a :class:`~consensus_sim.predict.Prediction`.
        dimension: index of the dimension to draw.
        ax: axes to draw into; a new figure when None.
    """
    from .bargaining import Forecast

    s = prediction.scenario
    _check_dimension(s, dimension)
    dim = s.dimensions[dimension]
    table = prediction.table
    column = s.dimension_ids[dimension]
    names = table["model"].tolist()
    values = table[column].to_numpy(dtype=float)
    a = s.arrays

    def scaled(x: np.ndarray) -> np.ndarray:
        full = np.zeros((len(x), len(s.dimensions)))
        full[:, dimension] = x
        return np.array([Forecast("x", row).on_scale(s)[dimension] for row in full])

    members = scaled(a.position[: a.n_members, dimension])
    reference = scaled(np.array([a.status_quo[dimension], a.proposal[dimension]]))
    with _style():
        fig, ax = _axes(ax, (9.0, 3.2 + 0.55 * len(names)))
        rows = np.arange(len(names))[::-1]
        simulated = np.array(["simulation" in n for n in names])
        ax.scatter(values[~simulated], rows[~simulated], s=110, color=_BLUE, zorder=3,
                   label="classic model")
        ax.scatter(values[simulated], rows[simulated], s=130, marker="D", color=_ORANGE,
                   zorder=3, label=f"simulation ({100 * prediction.p_adopted:.0f}% of runs "
                                   "adopt a text)")
        for row, value in zip(rows, values, strict=True):
            if np.isfinite(value):
                ax.annotate(f"{value:.2f}", (value, row), xytext=(0, 9),
                            textcoords="offset points", ha="center", fontsize=_pt(10.5))
            else:
                ax.text(np.nanmean(members), row, "no text adopted", ha="center",
                        va="center", fontsize=_pt(10.5), color="0.35")
        ax.plot(members, np.full(members.size, -0.9), "|", color="0.35", markersize=14,
                label="members' ideal points")
        ax.axvline(reference[0], color=_VERMILLION, linestyle="--", linewidth=_lw(1.6),
                   label="status quo")
        ax.axvline(reference[1], color="0.35", linestyle=":", linewidth=_lw(1.6),
                   label="initial proposal")
        ax.set_yticks(rows, [n.replace("_", " ") for n in names])
        ax.set_ylim(-1.5, len(names) - 0.4)
        scale = dim.scale
        label = f"{dim.name or dim.id}" + (f" ({scale.unit})" if scale and scale.unit else "")
        ax.set_xlabel(_wrap(label, _AXIS_WIDTH))
        if scale is None and dim.levels:
            _level_ticks(ax.xaxis, dim, wrap=14)
        fig.legend(loc="outside lower center", ncol=2, frameon=False, fontsize=_pt(10.5))
        _title(ax, s.title, "Classic bargaining models beside the simulation "
                            f"({prediction.ensemble.runs:,} runs)", width=45)
    return fig


def save_charts(result: EnsembleResult, out_dir: Path, fmt: str = "png") -> list[Path]:
    """Write every chart of ``result`` to ``out_dir`` (created if missing).

    Files: ``outcomes.<fmt>``, one ``trajectory_<dimension id>.<fmt>`` per dimension in
    scenario order, ``objections.<fmt>``, ``positions.<fmt>`` (the
    :func:`position_map` of the result) and, when the scenario has persuasion,
    ``persuasion.<fmt>``: the :func:`persuasion_chart` of the ensemble's first run
    (replayed from its seed). Dates and software versions are left out of the files,
    so the same result gives the same bytes.

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
    charts.append(("positions", position_map(result.scenario, result)))
    if result.scenario.listens_to:
        from .ensemble import replay

        charts.append(("persuasion", persuasion_chart(replay(result, 0))))
    return [save_figure(fig, out_dir / f"{stem}.{fmt}") for stem, fig in charts]


def save_figure(fig: Figure, path: Path) -> Path:
    """Write one chart to ``path``, in the format its suffix names, reproducibly.

    Dates and software versions are left out of the file, so the same figure gives
    the same bytes.

    Args:
        fig: the chart, e.g. from :func:`power_chart`.
        path: file to write, ending in ``.png``, ``.svg`` or ``.pdf``; its folder
            must exist.

    Returns:
        ``path``.

    Raises:
        ValueError: the suffix is not one of the formats above.
    """
    path = Path(path)
    fmt = path.suffix.removeprefix(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r} in {path.name}; allowed: "
                         f"{', '.join(FORMATS)}")
    with _style():
        fig.savefig(path, format=fmt, metadata=FORMATS[fmt])
    return path
