"""Charts: what they draw is the ensemble's numbers, files are complete and reproducible."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from numpy.testing import assert_allclose, assert_array_equal

from consensus_sim import load_scenario, run_ensemble, scenario_from_dict
from consensus_sim.ensemble import OUTCOMES
from consensus_sim.plots import (
    OUTCOME_LABELS,
    objection_heatmap,
    outcome_chart,
    save_charts,
    trajectory_chart,
)

from .conftest import DATA, trio_data

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}


@pytest.fixture(scope="module")
def trio_result():
    return run_ensemble(load_scenario(DATA / "trio.yaml"), runs=60, seed=3, jobs=1)


@pytest.fixture(scope="module")
def duo_result():
    """Two dimensions (``budget`` has no levels), noisy preferences, runs of varied length."""
    data = trio_data()
    data["dimensions"].append({"id": "budget", "name": "Common budget"})
    data["status_quo"]["budget"] = 0.1
    data["proposal"]["position"]["budget"] = 0.9
    data["proposal"]["concession"] = "split"
    data["defaults"]["salience"]["budget"] = 0.6
    for actor, budget in zip(data["actors"], [0.9, 0.5, 0.2, 0.8], strict=True):
        actor["position"]["budget"] = budget
    data["actors"][2]["name"] = "Country C"
    data["uncertainty"] = {"position_sd": 0.15, "salience_sd": 0.1}
    data["max_rounds"] = 8
    return run_ensemble(scenario_from_dict(data), runs=120, seed=5, jobs=1)


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
    assert_allclose(heights, [100 * counts[o] / duo_result.runs for o in OUTCOMES])
    # The error bars run exactly from the low to the high end of summary()["ci95"].
    segments = bars.errorbar.lines[2][0].get_segments()
    ends = np.array([[seg[:, 1].min(), seg[:, 1].max()] for seg in segments])
    assert_allclose(ends, 100 * np.array([summary["ci95"][o] for o in OUTCOMES]), atol=1e-9)
    assert [t.get_text() for t in ax.get_xticklabels()] == [OUTCOME_LABELS[o] for o in OUTCOMES]
    texts = {t.get_text() for t in ax.texts}
    for o in OUTCOMES:
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


@pytest.mark.parametrize("dimension", [-1, 2, True, "scope"])
def test_trajectory_rejects_unknown_dimensions(duo_result, dimension):
    with pytest.raises(ValueError, match="dimension must be an index from 0 to 1"):
        trajectory_chart(duo_result, dimension=dimension)


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


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_save_charts_writes_every_chart(duo_result, tmp_path, fmt):
    out = tmp_path / "charts" / "nested"
    paths = save_charts(duo_result, out, fmt=fmt)
    assert [p.name for p in paths] == [f"outcomes.{fmt}", f"trajectory_scope.{fmt}",
                                       f"trajectory_budget.{fmt}", f"objections.{fmt}"]
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
