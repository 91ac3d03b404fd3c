"""Charts: what they draw is the ensemble's numbers, files are complete and reproducible."""

from __future__ import annotations

import warnings
from itertools import combinations
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text
from numpy.testing import assert_allclose, assert_array_equal

from consensus_sim import load_scenario, run_ensemble, scenario_from_dict
from consensus_sim.ensemble import OUTCOMES
from consensus_sim.model import NegotiationModel
from consensus_sim.plots import (
    OUTCOME_LABELS,
    objection_heatmap,
    outcome_chart,
    persuasion_chart,
    position_map,
    power_chart,
    save_charts,
    save_figure,
    trajectory_chart,
)

from .conftest import DATA, headquarters_data, trio_data

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}


@pytest.fixture(scope="module")
def trio_result():
    return run_ensemble(load_scenario(DATA / "trio.yaml"), runs=60, seed=3, jobs=1)


def duo_data(concession: str = "split") -> dict:
    """Two dimensions (``budget`` has no levels) and noisy preferences."""
    data = trio_data()
    data["dimensions"].append({"id": "budget", "name": "Common budget"})
    data["status_quo"]["budget"] = 0.1
    data["proposal"]["position"]["budget"] = 0.9
    data["proposal"]["concession"] = concession
    data["defaults"]["salience"]["budget"] = 0.6
    for actor, budget in zip(data["actors"], [0.9, 0.5, 0.2, 0.8], strict=True):
        actor["position"]["budget"] = budget
    data["actors"][2]["name"] = "Country C"
    data["uncertainty"] = {"position_sd": 0.15, "salience_sd": 0.1}
    data["max_rounds"] = 8
    return data


@pytest.fixture(scope="module")
def duo_result():
    """The duo, split by split: runs of varied length."""
    return run_ensemble(scenario_from_dict(duo_data()), runs=120, seed=5, jobs=1)


def test_duo_result_is_varied_enough_to_test_with(duo_result):
    # The tests below need runs that end in different rounds and objections that vary.
    assert len(np.unique(duo_result.rounds)) >= 3
    assert len(set(duo_result.objection_rate().values())) >= 2


# --------------------------------------------------------------------------- outcome chart


def test_outcome_bars_are_shares_with_the_summarys_wilson_intervals(duo_result):
    fig = outcome_chart(duo_result)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    summary = duo_result.summary()
    counts = duo_result.outcome_counts()
    heights = [patch.get_height() for patch in bars.patches]
    # the duo's setter cannot postpone: no bar for it; the others in the chart's order
    shown = ["adopted", "adopted_amended", "withdrawn", "deadlocked"]
    assert set(shown) == set(OUTCOMES) - {"postponed", "adopted_paid", "adopted_rival"}
    assert_allclose(heights, [100 * counts[o] / duo_result.runs for o in shown])
    # The error bars run exactly from the low to the high end of summary()["ci95"].
    segments = bars.errorbar.lines[2][0].get_segments()
    ends = np.array([[seg[:, 1].min(), seg[:, 1].max()] for seg in segments])
    assert_allclose(ends, 100 * np.array([summary["ci95"][o] for o in shown]), atol=1e-9)
    assert [t.get_text() for t in ax.get_xticklabels()] == [OUTCOME_LABELS[o] for o in shown]
    texts = {t.get_text() for t in ax.texts}
    for o in shown:
        share = 100 * counts[o] / duo_result.runs
        assert any(t.endswith("%") and abs(float(t[:-1]) - share) < 0.51 for t in texts), o
    title = ax.get_title(loc="left").replace("\n", " ")
    assert duo_result.scenario.title in title
    assert f"{duo_result.runs} simulated runs" in title
    assert ax.get_ylabel() and ax.get_xlabel()


def test_chart_draws_into_given_axes_and_returns_its_figure(trio_result):
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert outcome_chart(trio_result, ax=right) is fig
    assert not left.has_data() and right.has_data()
    sub = Figure().subfigures(1, 2)[1]
    ax = sub.add_subplot()
    assert objection_heatmap(trio_result, ax=ax) is sub.figure


def test_charts_leave_global_matplotlib_settings_alone(trio_result):
    before = dict(matplotlib.rcParams)
    position_map(trio_result.scenario, trio_result)
    power_chart(stand_in_power())
    persuasion_chart(persuaded_run())
    fig = trajectory_chart(trio_result)
    assert dict(matplotlib.rcParams) == before
    ax = fig.axes[0]
    # ...while the chart itself carries the project's look.
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    assert ax.title.get_fontsize() >= 14
    assert ax.xaxis.label.get_fontsize() >= 12


# --------------------------------------------------------------------------- trajectories


def run_lines(ax) -> LineCollection:
    (lines,) = [c for c in ax.collections if c.get_gid() == "runs"]
    return lines


@pytest.mark.parametrize("max_lines", [0, 7, 200])
def test_trajectory_draws_the_first_runs_exactly(duo_result, max_lines):
    for k in (0, 1):
        ax = trajectory_chart(duo_result, dimension=k, max_lines=max_lines).axes[0]
        segments = run_lines(ax).get_segments()
        assert len(segments) == min(duo_result.runs, max_lines)
        for run, seg in enumerate(segments):
            rounds = int(duo_result.rounds[run])
            assert_array_equal(seg[:, 0], np.arange(1, rounds + 1))
            # exact values, no jitter
            assert_array_equal(seg[:, 1], duo_result.trajectory[run, :rounds, k])


def test_trajectory_median_is_over_runs_still_negotiating(duo_result):
    ax = trajectory_chart(duo_result, dimension=1, max_lines=10).axes[0]
    (median,) = [line for line in ax.lines if line.get_label().startswith("median")]
    last = int(duo_result.rounds.max())
    values = duo_result.trajectory[:, :last, 1].astype(float)
    assert_array_equal(median.get_xdata(), np.arange(1, last + 1))
    assert_allclose(median.get_ydata(), np.nanmedian(values, axis=0))
    # how many runs are still negotiating is written at the round ticks
    still = (~np.isnan(values)).sum(axis=0)
    ticks = [int(t) for t in ax.get_xticks()]
    assert {t.get_text() for t in ax.texts} == {f"{still[r - 1]}" for r in ticks}
    assert all(float(t).is_integer() for t in ax.get_xticks())
    assert ax.get_xlabel() == "Round"


def test_trajectory_y_axis_uses_level_labels_and_shows_the_status_quo(trio_result):
    s = trio_result.scenario
    ax = trajectory_chart(trio_result).axes[0]
    levels = s.dimensions[0].levels
    assert [t.get_text() for t in ax.get_yticklabels()] == [lv.label for lv in levels]
    assert_allclose(ax.get_yticks(), [lv.value for lv in levels])
    low, high = ax.get_ylim()
    assert low <= 0 and high >= 1
    (status_quo,) = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert_allclose(status_quo.get_ydata(), s.status_quo["scope"])
    assert "status quo (none)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_trajectory_without_levels_uses_numbers(duo_result):
    ax = trajectory_chart(duo_result, dimension=1).axes[0]
    assert_allclose(ax.get_yticks(), [0, 0.25, 0.5, 0.75, 1])
    assert ax.get_ylabel() == "Common budget"


def test_trajectory_of_a_yes_no_dimension_shows_the_share_at_each_answer():
    # headquarters (docs/model.md, "Yes/no dimensions"): every run tables (1, 1), is
    # blocked by B, and drops the headquarters in round 2: 100% then 0% keep it
    result = run_ensemble(scenario_from_dict(headquarters_data()), runs=4, seed=0, jobs=1)
    ax = trajectory_chart(result, dimension=1).axes[0]
    (share,) = [line for line in ax.lines if line.get_label().startswith("share")]
    assert_allclose(share.get_ydata(), [1.0, 0.0])
    assert_allclose(ax.get_yticks(), [0.0, 1.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["status quo (dropped)",
                                                            "as proposed"]
    assert not [line for line in ax.lines if line.get_label().startswith("median")]


@pytest.mark.parametrize("dimension", [-1, 2, True, "scope"])
def test_trajectory_rejects_unknown_dimensions(duo_result, dimension):
    with pytest.raises(ValueError, match="dimension must be an index from 0 to 1"):
        trajectory_chart(duo_result, dimension=dimension)


def drawn(fig):
    """Lay out and draw ``fig`` as it is saved (in the charts' style)."""
    from consensus_sim.plots import _style

    with _style():
        FigureCanvasAgg(fig).draw()
    return fig


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_trajectory_gives_the_plot_most_of_the_width_and_the_legend_goes_below(
        trio_result):
    # The legend used to sit right of the plot and squeeze it into half the figure.
    ax = drawn(trajectory_chart(trio_result)).axes[0]
    assert ax.get_position().width >= 0.7
    legend = ax.get_legend().get_window_extent()
    assert legend.y1 < ax.get_window_extent().y0  # under the plot
    assert ax.figure.bbox.x0 <= legend.x0 and legend.x1 <= ax.figure.bbox.x1


def test_trajectory_lists_the_runs_lines_only_where_they_can_be_seen():
    # classroom_trio: every run follows the median's path, so its lines are hidden
    # under the thick line: the legend must not promise lines nobody can see.
    hidden = run_ensemble(load_scenario("classroom_trio"), runs=20, seed=0, jobs=1)
    ax = trajectory_chart(hidden).axes[0]
    assert len(run_lines(ax).get_segments()) == 20
    assert not [t for t in legend_texts(ax) if "run" in t and "median" not in t]
    # complete information: each run's own path, beside the median, listed with a key
    # drawn as one run's line is drawn
    duo = duo_data()
    duo["information"] = "complete"
    seen = run_ensemble(scenario_from_dict(duo), runs=40, seed=5, jobs=1)
    ax = trajectory_chart(seen, dimension=1).axes[0]
    texts = legend_texts(ax)
    assert "each run" in texts
    key = ax.get_legend().legend_handles[texts.index("each run")]
    lines = run_lines(ax)
    assert key.get_alpha() == lines.get_alpha() >= 0.25
    assert key.get_linewidth() == lines.get_linewidths()[0]
    assert_allclose(matplotlib.colors.to_rgb(key.get_color()), lines.get_colors()[0][:3])


def test_trajectory_marks_where_runs_ended_without_adoption(trio):
    # nato_tokyo_office: most runs are postponed in round 1, a line of one point
    tokyo = run_ensemble(load_scenario("nato_tokyo_office"), runs=40, seed=0, jobs=1)
    ax = trajectory_chart(tokyo).axes[0]
    postponed = np.flatnonzero(tokyo.outcome == OUTCOMES.index("postponed"))
    assert postponed.size > 30
    marker = by_gid(ax, "ended postponed")
    shown = set(zip(marker.get_xdata(), marker.get_ydata(), strict=True))
    last = tokyo.rounds[postponed].astype(int)
    assert shown == set(zip(last, tokyo.trajectory[postponed, last - 1, 0], strict=True))
    assert f"run postponed here ({postponed.size} of 40 runs)" in legend_texts(ax)
    assert not [a for a in ax.get_children() if a.get_gid() == "ended withdrawn"]
    # the trio with C wanting nothing: the chair withdraws; max_lines draws fewer runs
    trio["actors"][2]["position"]["scope"] = 0.0
    withdrawn = run_ensemble(scenario_from_dict(trio), runs=10, seed=0, jobs=1)
    assert (withdrawn.outcome == OUTCOMES.index("withdrawn")).all()
    ax = trajectory_chart(withdrawn, max_lines=4).axes[0]
    marker = by_gid(ax, "ended withdrawn")
    assert_array_equal(marker.get_xdata(), [int(withdrawn.rounds[0])])
    assert "run withdrawn here (4 of 4 runs drawn)" in legend_texts(ax)
    assert marker.get_marker() != "o"  # not the median's marker


# --------------------------------------------------------------------------- objections


def test_heatmap_rows_are_the_top_objectors_with_their_rates_by_round(duo_result):
    s = duo_result.scenario
    rate = duo_result.objection_rate()
    ids = list(s.arrays.member_ids)
    shown = sorted(ids, key=lambda i: -rate[i])[:2]  # highest first, ties in scenario order
    ax = objection_heatmap(duo_result, top=2).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [s.actor(i).label for i in shown]
    assert "Country C" in [s.actor(i).label for i in ids]  # names, not ids, where given
    last = int(duo_result.rounds.max())
    expected = duo_result.objection_rate_by_round()[[ids.index(i) for i in shown], :last]
    (image,) = ax.images
    assert_array_equal(np.ma.filled(image.get_array(), np.nan), expected)
    assert image.get_clim() == (0.0, 1.0)
    assert image.get_cmap().name.startswith(("cividis", "viridis"))
    assert ax.get_xlabel() == "Round"


def test_heatmap_shows_only_members_who_objected_and_has_a_labelled_colourbar(
        trio_result):
    fig = objection_heatmap(trio_result, top=15)
    ax, colourbar_ax = fig.axes
    # in the trio only C ever objects
    assert [t.get_text() for t in ax.get_yticklabels()] == ["C"]
    assert "the 1 of 3 members who ever objected" in ax.get_title(loc="left").replace("\n", " ")
    assert colourbar_ax.get_ylabel().replace("\n", " ") == (
        "share of runs still negotiating in which the member objected")
    with pytest.raises(ValueError, match="top must be at least 1"):
        objection_heatmap(trio_result, top=0)


def test_heatmap_under_a_voting_rule_shows_who_voted_not_yes(trio):
    trio["rule"] = {"type": "majority"}
    result = run_ensemble(scenario_from_dict(trio), runs=20, seed=0, jobs=1)
    assert result.opposition_measure == "did not vote yes"
    fig = objection_heatmap(result)
    ax, colourbar_ax = fig.axes
    title = ax.get_title(loc="left").replace("\n", " ")
    assert "Who votes not yes in which round: the 1 of 3 members who ever voted not yes" in title
    assert colourbar_ax.get_ylabel().replace("\n", " ") == (
        "share of runs still negotiating in which the member voted not yes")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["C"]  # A and B vote yes


# --------------------------------------------------------------------------- position map


def by_gid(ax, gid):
    """The one artist of ``ax`` with this gid."""
    (artist,) = [a for a in ax.get_children() if a.get_gid() == gid]
    return artist


def patches(ax, gid):
    """The bars (rectangles) of ``ax`` with this gid, left to right or top to bottom."""
    return [p for p in ax.patches if p.get_gid() == gid]


def member_labels(ax):
    """The members' labels on a position map."""
    return [t for t in ax.texts if str(t.get_gid()).startswith("name ")]


def test_strip_puts_each_member_at_its_ideal_point_with_the_status_quo_and_proposal(trio):
    trio["actors"][1]["position"]["scope"] = 1.0  # A and B now share an ideal point
    trio["actors"][2]["capability"] = 0.25
    s = scenario_from_dict(trio)
    ax = position_map(s).axes[0]
    members = by_gid(ax, "members")
    offsets = members.get_offsets()
    assert_array_equal(offsets[:, 0], [1.0, 1.0, 0.2])  # exact ideal points, members only
    assert offsets[0, 1] != offsets[1, 1]  # A and B are stacked, not drawn on top of each other
    # dot area proportional to capability
    sizes = members.get_sizes()
    assert_allclose(sizes[2] / sizes[0], 0.25)
    assert sorted(t.get_text() for t in member_labels(ax)) == ["A", "B", "C"]
    assert_array_equal(by_gid(ax, "status_quo").get_xdata(), [0.0, 0.0])
    assert_array_equal(by_gid(ax, "proposal").get_xdata(), [1.0, 1.0])
    assert not [a for a in ax.get_children() if a.get_gid() in ("final_median", "finals")]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["none", "half", "full"]
    assert_allclose(ax.get_xticks(), [0, 0.5, 1])
    assert ax.get_xlabel() == "Scope of the proposal"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "status quo (none)" in legend and "initial proposal (full)" in legend
    assert "member of capability 1" in legend and "member of capability 0.25" in legend
    assert s.title in ax.get_title(loc="left")


def test_strip_shows_where_the_adopted_texts_fell_and_their_median(trio_result):
    s = trio_result.scenario
    ax = position_map(s, trio_result).axes[0]
    adopted = trio_result.final[trio_result.adopted, 0]
    assert_array_equal(by_gid(ax, "final_median").get_xdata(), [np.median(adopted)] * 2)
    # few distinct texts: one bar at each, heights in proportion to how many runs ended there
    values, counts = np.unique(adopted, return_counts=True)
    bars = patches(ax, "finals")
    centres = [p.get_x() + p.get_width() / 2 for p in bars]
    assert_allclose(centres, values)
    heights = np.array([p.get_height() for p in bars])
    assert_allclose(heights / heights.max(), counts / counts.max())
    title = ax.get_title(loc="left").replace("\n", " ")
    assert f"{adopted.size} of the {trio_result.runs} runs" in title


def test_strip_says_so_when_no_run_adopted_a_text(trio):
    trio["actors"][2]["position"]["scope"] = 0.0  # C wants nothing: the chair withdraws
    result = run_ensemble(scenario_from_dict(trio), runs=10, seed=0, jobs=1)
    assert not result.adopted.any()
    ax = position_map(result.scenario, result).axes[0]
    assert not [a for a in ax.get_children() if a.get_gid() in ("final_median", "finals")]
    assert "no run of the 10 adopted a text" in ax.get_title(loc="left").replace("\n", " ")


def test_strip_says_its_percentages_are_shares_of_the_adopted_runs_only():
    # nato_tokyo_office: few runs adopt a text, all at one level; its bar reads 100%,
    # which must not pass for 100% of all runs (the summary's "any agreement" is 5%).
    result = run_ensemble(load_scenario("nato_tokyo_office"), runs=60, seed=0, jobs=1)
    adopted = int(result.adopted.sum())
    assert 0 < adopted < 6
    ax = position_map(result.scenario, result).axes[0]
    _, counts = np.unique(result.final[result.adopted, 0], return_counts=True)
    bar_labels = [t.get_text() for t in ax.texts if t not in member_labels(ax)]
    assert all(label.endswith("%") for label in bar_labels)
    assert_allclose(sorted(float(label[:-1]) for label in bar_labels),
                    sorted(100 * counts / adopted), atol=0.51)
    legend = " ".join(" ".join(legend_texts(ax)).split())
    assert f"where the adopted texts fell ({adopted} of 60 runs)" in legend
    assert f"bar labels: % of these {adopted} runs, not of all runs" in legend
    title = " ".join(ax.get_title(loc="left").split())
    assert f"the {adopted} of the 60 runs that adopted one ({100 * adopted / 60:.1f}% of runs)" \
        in title


def test_strip_labels_of_a_crowded_alliance_do_not_overlap():
    s = load_scenario("nato_tokyo_office")
    fig = position_map(s)
    ax = fig.axes[0]
    n = s.arrays.n_members
    assert_array_equal(by_gid(ax, "members").get_offsets()[:, 0], s.arrays.position[:n, 0])
    FigureCanvasAgg(fig).draw()
    labels = member_labels(ax)
    # members are named, not left as their ISO codes
    assert sorted(t.get_text() for t in labels) == sorted(a.label for a in s.members)
    assert "France" in [t.get_text() for t in labels]
    boxes = [t.get_window_extent() for t in labels]
    assert len(boxes) == n
    for a, b in combinations(boxes, 2):
        assert not a.overlaps(b.shrunk(0.98, 0.9)), "member labels collide"


def test_scatter_of_two_dimensions_shows_members_and_adopted_texts_exactly(duo_result):
    s = duo_result.scenario
    n = s.arrays.n_members
    ax = position_map(s, duo_result).axes[0]  # default: the first two dimensions
    assert_array_equal(by_gid(ax, "members").get_offsets(), s.arrays.position[:n, :2])
    finals = duo_result.final[duo_result.adopted]
    assert_array_equal(by_gid(ax, "finals").get_offsets(), finals)
    median = by_gid(ax, "final_median")
    assert_allclose([median.get_xdata()[0], median.get_ydata()[0]], np.median(finals, axis=0))
    status_quo, proposal = by_gid(ax, "status_quo"), by_gid(ax, "proposal")
    assert_allclose([status_quo.get_xdata()[0], status_quo.get_ydata()[0]], [0.0, 0.1])
    assert_allclose([proposal.get_xdata()[0], proposal.get_ydata()[0]], [1.0, 0.9])
    assert ax.get_xlabel() == "Scope of the proposal" and ax.get_ylabel() == "Common budget"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["none", "half", "full"]
    # names where members have one (C is "Country C"), else ids; one label each
    assert sorted(t.get_text() for t in member_labels(ax)) == ["A", "B", "Country C"]
    # swapped axes
    ax = position_map(s, duo_result, dimensions=(1, 0)).axes[0]
    assert_array_equal(by_gid(ax, "members").get_offsets(), s.arrays.position[:n, [1, 0]])
    assert ax.get_xlabel() == "Common budget"


def test_position_map_on_one_of_two_dimensions_is_a_strip(duo_result):
    s = duo_result.scenario
    ax = position_map(s, duo_result, dimensions=1).axes[0]
    offsets = by_gid(ax, "members").get_offsets()
    assert_array_equal(offsets[:, 0], s.arrays.position[: s.arrays.n_members, 1])
    assert_array_equal(by_gid(ax, "status_quo").get_xdata(), [0.1, 0.1])
    assert ax.get_xlabel() == "Common budget"
    assert_allclose(ax.get_xticks(), [0, 0.25, 0.5, 0.75, 1])  # no levels: numbers
    # splitting the difference leaves few distinct texts: one bar each
    distinct = np.unique(np.round(duo_result.final[duo_result.adopted, 1], 9))
    assert len(distinct) <= 12
    assert_allclose(sorted(bar.get_x() + bar.get_width() / 2
                           for bar in patches(ax, "finals")), distinct)
    # the best passing text varies with every draw: many distinct texts are binned
    minimal = run_ensemble(scenario_from_dict(duo_data("minimal")), runs=120, seed=5, jobs=1)
    assert len(np.unique(np.round(minimal.final[minimal.adopted, 1], 9))) > 12
    ax = position_map(minimal.scenario, minimal, dimensions=1).axes[0]
    assert len(patches(ax, "finals")) == 40


def test_position_map_skips_side_dimensions_by_default(trio):
    trio["dimensions"].append({"id": "aid", "side": True})
    trio["status_quo"]["aid"] = 0.0
    trio["proposal"]["position"]["aid"] = 0.0
    trio["defaults"]["salience"]["aid"] = 0.5
    for actor in trio["actors"]:
        actor["position"]["aid"] = 0.7
    s = scenario_from_dict(trio)
    ax = position_map(s).axes[0]
    offsets = by_gid(ax, "members").get_offsets()
    assert_array_equal(offsets[:, 0], [1.0, 0.8, 0.2])  # scope, not aid
    assert ax.get_xlabel() == "Scope of the proposal"


@pytest.mark.parametrize("dimensions", [2, -1, True, "scope", (0, 0), (0,), (0, 1, 1), (0, 2)])
def test_position_map_rejects_unknown_dimensions(duo_result, dimensions):
    with pytest.raises(ValueError, match="from 0 to 1"):
        position_map(duo_result.scenario, duo_result, dimensions=dimensions)


def test_position_map_rejects_a_result_of_another_scenario(trio_result, duo_result):
    with pytest.raises(ValueError, match="pass the result's own scenario"):
        position_map(trio_result.scenario, duo_result)


# --------------------------------------------------------------------------- voting power


def stand_in_power(**changes):
    """An object with the fields of consensus_sim.power.PowerIndices."""
    fields = {
        "members": ("A", "B", "C", "D"),
        "banzhaf": np.array([0.1, 0.4, 0.2, 0.3]),
        "shapley_shubik": np.array([0.15, 0.45, 0.15, 0.25]),
        "banzhaf_se": None,
        "shapley_shubik_se": None,
        "method": "exact",
        "rule": "qualified_majority",
    }
    return SimpleNamespace(**(fields | changes))


def bars_of(ax, gid):
    (bars,) = [c for c in ax.containers
               if isinstance(c, BarContainer) and c.patches[0].get_gid() == gid]
    return bars


def test_power_bars_are_the_indices_of_the_most_powerful_members_in_percent():
    power = stand_in_power()
    ax = power_chart(power, top=3).axes[0]
    # by Shapley-Shubik, largest first; ties (A, C) keep the members' order
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "D", "A"]
    shown = [1, 3, 0]
    widths = [p.get_width() for p in bars_of(ax, "shapley_shubik").patches]
    assert_allclose(widths, 100 * power.shapley_shubik[shown])
    widths = [p.get_width() for p in bars_of(ax, "banzhaf").patches]
    assert_allclose(widths, 100 * power.banzhaf[shown])
    # the two bars of a member sit side by side at its tick, the largest at the top
    ss_y = [p.get_y() + p.get_height() / 2 for p in bars_of(ax, "shapley_shubik").patches]
    bz_y = [p.get_y() + p.get_height() / 2 for p in bars_of(ax, "banzhaf").patches]
    assert_allclose((np.array(ss_y) + bz_y) / 2, ax.get_yticks())
    low, high = ax.get_ylim()
    assert low > high  # first member on top
    assert bars_of(ax, "banzhaf").errorbar is None
    title = ax.get_title(loc="left").replace("\n", " ")
    assert "qualified majority rule" in title and "(exact)" in title
    assert "3 of 4 members" in title
    assert "%" in ax.get_xlabel()
    assert ax.xaxis.get_major_formatter()(45, 0) == "45%"


def test_power_whiskers_are_95_percent_intervals_from_the_standard_errors():
    se = np.array([0.01, 0.02, 0.005, 0.0])
    power = stand_in_power(method="monte_carlo", samples=5000, shapley_shubik_se=se,
                           banzhaf_se=se / 2)
    ax = power_chart(power).axes[0]
    order = [1, 3, 0, 2]
    for gid, values, errors in [("shapley_shubik", power.shapley_shubik, se),
                                ("banzhaf", power.banzhaf, se / 2)]:
        segments = bars_of(ax, gid).errorbar.lines[2][0].get_segments()
        ends = np.array([[s[:, 0].min(), s[:, 0].max()] for s in segments])
        expected = 100 * (values[order, None] + np.outer(errors[order], [-1.96, 1.96]))
        assert_allclose(ends, expected)
    assert "monte carlo, 5,000 samples" in ax.get_title(loc="left").replace("\n", " ")
    assert ax.get_legend().get_title().get_text() == "whiskers: 95% interval"


def test_power_chart_names_the_members_of_its_scenario():
    from consensus_sim.power import power_indices

    s = load_scenario("unsc_resolution")
    power = power_indices(s)
    ax = power_chart(power, scenario=s, top=5).axes[0]
    shown = sorted(range(len(power.members)), key=lambda i: (-power.shapley_shubik[i], i))[:5]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        s.actor(power.members[i]).label for i in shown]
    assert "China" in [t.get_text() for t in ax.get_yticklabels()]  # not CHN
    title = " ".join(ax.get_title(loc="left").split())
    assert title.startswith(s.title) and "veto majority rule" in title


def test_power_chart_checks_its_input():
    with pytest.raises(ValueError, match="top must be at least 1"):
        power_chart(stand_in_power(), top=0)
    with pytest.raises(ValueError, match="banzhaf must have one value per member"):
        power_chart(stand_in_power(banzhaf=np.array([0.5, 0.5])))


# --------------------------------------------------------------------------- persuasion


def persuaded_run(position_sd: float = 0.0):
    """The trio with C listening to A (C is half stubborn): C moves towards A."""
    data = trio_data()
    data["listens_to"] = {"C": {"A": 1.0}}
    data["actors"][2]["stubbornness"] = 0.5
    if position_sd:
        data["uncertainty"] = {"position_sd": position_sd}
    return NegotiationModel(scenario_from_dict(data), rng=0).run()


def test_persuasion_lines_are_the_members_ideal_points_in_each_round():
    run = persuaded_run()
    assert run.rounds >= 2 and run.positions is not None
    ax = persuasion_chart(run).axes[0]
    rounds = np.arange(1, run.rounds + 1)
    for i, member in enumerate(run.scenario.arrays.member_ids):
        line = by_gid(ax, f"member {member}")
        assert_array_equal(line.get_xdata(), rounds)
        assert_array_equal(line.get_ydata(), run.positions[:, i, 0])
    proposal = by_gid(ax, "proposal")
    assert_array_equal(proposal.get_ydata(), run.proposals[:, 0])
    assert proposal.get_linestyle() == "--" and proposal.get_linewidth() >= 3
    # only C moved, so only C is named, at the end of its line
    (label,) = [t for t in ax.texts if t.get_text()]
    assert label.get_text() == "C"
    assert label.xy == (run.rounds, run.positions[-1, 2, 0])
    # no noise: the run started from the scenario's ideal points, shown at "start"
    assert_array_equal(by_gid(ax, "start").get_offsets(), [[0, 1.0], [0, 0.8], [0, 0.2]])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["start", "1", "2"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["none", "half", "full"]
    assert ax.get_xlabel() == "Round"
    assert "the one that moved" in ax.get_title(loc="left").replace("\n", " ")


def test_persuasion_with_noise_has_no_start_and_names_at_most_top():
    run = persuaded_run(position_sd=0.05)
    ax = persuasion_chart(run, top=0).axes[0]
    assert not [a for a in ax.get_children() if a.get_gid() in ("start", "from_start")]
    assert not [t for t in ax.texts if t.get_text()]
    title = ax.get_title(loc="left").replace("\n", " ")
    assert "none named" in title and "no member moved" not in title
    # members still move, between round 1 and the last
    assert np.ptp(run.positions[:, 2, 0]) > 0


def test_persuasion_chart_needs_recorded_ideal_points(trio):
    run = NegotiationModel(scenario_from_dict(trio), rng=0).run()
    assert run.positions is None
    with pytest.raises(ValueError, match="persuasion is off in this scenario: add a "
                                         "listens_to section"):
        persuasion_chart(run)
    with pytest.raises(ValueError, match="dimension must be an index from 0 to 0"):
        persuasion_chart(persuaded_run(), dimension=1)
    with pytest.raises(ValueError, match="top must be 0 or more"):
        persuasion_chart(persuaded_run(), top=-1)


# --------------------------------------------------------------------------- long texts


def long_text(start: str) -> str:
    """``start``, then ordinary words: 150 characters in all."""
    return (start + " " + "with a great many words in it " * 10)[:150]


def long_data() -> dict:
    """The duo with persuasion, and a title, dimension names, level labels and actors'
    names of 150 characters each."""
    data = duo_data()
    data["title"] = long_text("A scenario title")
    data["dimensions"][1]["levels"] = [{"value": v, "label": f"{v}"} for v in (0.0, 0.5, 1.0)]
    for dim in data["dimensions"]:
        dim["name"] = long_text(f"Dimension {dim['id']}")
        for level in dim["levels"]:
            level["label"] = long_text(f"Level {level['label']}")
    for actor in data["actors"]:
        actor["name"] = long_text(f"Actor {actor['id']}")
    data["listens_to"] = {"C": {"A": 1.0}}
    return data


@pytest.fixture(scope="module")
def long_result():
    return run_ensemble(scenario_from_dict(long_data()), runs=30, seed=0, jobs=1)


def long_charts(result) -> dict[str, Figure]:
    """Every chart of a scenario, by name."""
    from consensus_sim.ensemble import replay
    from consensus_sim.explain import explain, explain_chart
    from consensus_sim.power import power_indices

    s = result.scenario
    runs = result.runs_table()
    observed = runs["outcome"].mode()[0]
    return {
        "outcomes": outcome_chart(result),
        **{f"trajectory {k}": trajectory_chart(result, k) for k in (0, 1)},
        "objections": objection_heatmap(result),
        "strip": position_map(s, result, dimensions=0),
        "scatter": position_map(s, result),
        "persuasion": persuasion_chart(replay(result, 0)),
        "power": power_chart(power_indices(s), scenario=s),
        "explain": explain_chart(explain(s, runs, result.drawn_table(),
                                         {"outcome": observed})),
    }


def test_charts_of_150_character_texts_are_saved_without_a_warning(long_result, tmp_path):
    # Long level labels used to collapse the plot ("constrained_layout not applied").
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = save_charts(long_result, tmp_path)
        assert [p.name for p in paths][-1] == "persuasion.png"


def test_no_text_of_a_chart_with_150_character_texts_is_cut_off(long_result):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nor does laying out any chart warn
        charts = {name: drawn(fig) for name, fig in long_charts(long_result).items()}
    for name, fig in charts.items():
        box = fig.bbox
        titles = [fig._suptitle] if name == "explain" else [
            t for t in fig.axes[0].get_children()
            if isinstance(t, Text) and t.get_text() == fig.axes[0].get_title(loc="left")]
        assert titles and titles[0].get_text().startswith("A scenario title"), name
        extent = titles[0].get_window_extent()
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1, name
        assert box.y0 <= extent.y0 and extent.y1 <= box.y1, name
        # nor anything else drawn: tick labels, legends, names at the lines' ends
        inches = fig.get_tightbbox()
        assert inches.x0 >= -0.01 and inches.x1 <= fig.get_figwidth() + 0.01, name
        assert inches.y0 >= -0.01 and inches.y1 <= fig.get_figheight() + 0.01, name


def test_long_names_and_labels_are_shortened_at_stated_widths(long_result):
    s = long_result.scenario
    charts = long_charts(long_result)
    # the scenario's title: wrapped, whole (at most three lines, then "…")
    title = charts["trajectory 0"].axes[0].get_title(loc="left").split("\n")
    assert " ".join(title[:3]) == s.title.strip()
    # actors' names: 24 characters on an axis, 16 on the position map; never the id
    (row,) = [t.get_text() for t in charts["objections"].axes[0].get_yticklabels()]
    assert row.endswith("…") and len(row) <= 24 and row.startswith("Actor C with")
    members = sorted(t.get_text() for t in member_labels(charts["strip"].axes[0]))
    assert [m[:7] for m in members] == ["Actor A", "Actor B", "Actor C"]
    assert all(len(m) <= 16 and m.endswith("…") for m in members)
    # level labels: two lines of 24 characters at a tick
    ticks = [t.get_text() for t in charts["trajectory 0"].axes[0].get_yticklabels()]
    assert [t.split("\n")[0].split()[:2] for t in ticks] == [["Level", "none"], ["Level", "half"],
                                                            ["Level", "full"]]
    for tick in ticks:
        lines = tick.split("\n")
        assert len(lines) == 2 and max(map(len, lines)) <= 24 and lines[1].endswith("…")
    assert len(s.dimensions[0].levels[0].label) == 150  # the scenario keeps them whole


def test_explain_chart_names_the_actors_of_its_inputs():
    from consensus_sim.explain import explain, explain_chart

    s = scenario_from_dict(duo_data())  # C is "Country C"; A and B have no name
    result = run_ensemble(s, runs=60, seed=0, jobs=1)
    runs = result.runs_table()
    explanation = explain(s, runs, result.drawn_table(),
                          {"outcome": runs["outcome"].mode()[0]})
    fig = explain_chart(explanation, top=len(explanation.table))
    panels = [ax.get_title(loc="left").split("\n")[0] for ax in fig.axes if ax.get_visible()]
    assert panels  # one per input, most informed first
    words = {"actors.C.position.scope": "Country C: position on scope",
             "actors.A.salience.budget": "A: salience on budget"}
    for path, label in words.items():
        assert label in panels, path
    assert not [p for p in panels if p.startswith("actors.")]


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_save_charts_writes_every_chart(duo_result, tmp_path, fmt):
    out = tmp_path / "charts" / "nested"
    paths = save_charts(duo_result, out, fmt=fmt)
    assert [p.name for p in paths] == [f"outcomes.{fmt}", f"trajectory_scope.{fmt}",
                                       f"trajectory_budget.{fmt}", f"objections.{fmt}",
                                       f"positions.{fmt}"]
    assert sorted(out.iterdir()) == sorted(paths)
    for path in paths:
        data = path.read_bytes()
        assert len(data) > 1000
        if fmt == "svg":
            assert b"<svg" in data[:1000]
        else:
            assert data.startswith(MAGIC[fmt])


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_same_result_gives_identical_files(trio_result, tmp_path, fmt):
    first = save_charts(trio_result, tmp_path / "a", fmt=fmt)
    second = save_charts(trio_result, tmp_path / "b", fmt=fmt)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


@pytest.mark.parametrize("fmt", ["jpg", "PNG", ".png", ""])
def test_save_charts_rejects_other_formats(trio_result, tmp_path, fmt):
    with pytest.raises(ValueError, match="allowed: png, svg, pdf"):
        save_charts(trio_result, tmp_path / "out", fmt=fmt)
    assert not (tmp_path / "out").exists()


def test_save_figure_writes_one_chart_reproducibly(tmp_path):
    paths = [save_figure(power_chart(stand_in_power()), tmp_path / f"power{i}.svg")
             for i in (1, 2)]
    assert paths == [tmp_path / "power1.svg", tmp_path / "power2.svg"]
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert save_figure(power_chart(stand_in_power()), tmp_path / "p.png").read_bytes(
        ).startswith(MAGIC["png"])
    with pytest.raises(ValueError, match="allowed: png, svg, pdf"):
        save_figure(power_chart(stand_in_power()), tmp_path / "power.jpg")


def test_save_charts_adds_the_persuasion_chart_when_members_listen(tmp_path):
    from consensus_sim import run_ensemble, scenario_from_dict

    from .conftest import trio_data

    data = trio_data()
    data["listens_to"] = {"C": {"A": 1.0}}
    data["actors"][2]["stubbornness"] = 0.5
    result = run_ensemble(scenario_from_dict(data), runs=5, seed=0, jobs=1)
    paths = save_charts(result, tmp_path, "png")
    assert paths[-1].name == "persuasion.png" and paths[-2].name == "positions.png"
    assert paths[-1].read_bytes()[:4] == b"\x89PNG"


def test_talk_style_enlarges_fonts_and_lines_only_inside_its_block(trio_result):
    import matplotlib

    from consensus_sim.plots import chart_style

    normal = outcome_chart(trio_result).axes[0]
    with chart_style("talk"):
        talk = outcome_chart(trio_result).axes[0]
        curve = trajectory_chart(trio_result).axes[0]
    assert talk.title.get_fontsize() > normal.title.get_fontsize()
    assert talk.xaxis.label.get_fontsize() > normal.xaxis.label.get_fontsize()
    assert max(line.get_linewidth() for line in curve.lines) >= 3.5
    assert matplotlib.rcParams["font.size"] != 17  # nothing leaks out
    with (pytest.raises(ValueError, match="unknown chart style 'poster'; allowed: default, "
                                          "talk"), chart_style("poster")):
        pass
