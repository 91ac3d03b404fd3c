"""Sweep charts: what they draw is the points table's numbers, files are reproducible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from numpy.testing import assert_allclose, assert_array_equal

from consensus_sim.store import SweepSpec, run_sweep
from consensus_sim.sweep_plots import (
    SWEEP_OUTCOMES,
    save_sweep_charts,
    sensitivity_chart,
    sweep_curve,
    sweep_heatmap,
)

PNG = b"\x89PNG\r\n\x1a\n"
PATROLS = "actors.C.position.patrols"
OFFICE = "actors.FRA.salience.office"
CONCESSION = "proposal.concession"


def points_table(parameters: dict[str, list], runs: list[int] | None = None,
                 seed: int = 0) -> pd.DataFrame:
    """A per-point table laid out like ``SweepResult.points()``, with made-up results.

    Every share, interval end and mean is distinct, so a chart that draws the wrong
    row or column is caught.
    """
    rng = np.random.default_rng(seed)
    n = len(next(iter(parameters.values())))
    frame = pd.DataFrame({"point": np.arange(n), **parameters,
                          "runs": runs if runs is not None else [50] * n})
    def shares(*names: str) -> None:
        for name in names:
            p = rng.uniform(0.1, 0.9, n).round(6)
            frame[f"p_{name}"] = p
            frame[f"p_{name}_low"] = (p - rng.uniform(0.01, 0.1, n)).round(6)
            frame[f"p_{name}_high"] = (p + rng.uniform(0.01, 0.1, n)).round(6)

    shares("adopted", "adopted_amended", "withdrawn", "deadlocked", "adopted_any")
    frame["mean_rounds"] = rng.uniform(1, 5, n).round(6)
    frame["mean_final_patrols"] = rng.uniform(0, 1, n).round(6)
    shares("postponed", "adopted_paid", "adopted_rival")
    return frame


def line(fig: Figure, outcome: str):
    (found,) = [ln for ln in fig.axes[0].lines if ln.get_gid() == outcome]
    return found


def bands(fig: Figure) -> dict[str, np.ndarray]:
    return {c.get_gid().removeprefix("band "): c.get_paths()[0].vertices
            for c in fig.axes[0].collections if str(c.get_gid()).startswith("band ")}


def title(fig: Figure) -> str:
    return fig.axes[0].get_title(loc="left")


@pytest.fixture(scope="module")
def real_points() -> pd.DataFrame:
    spec = SweepSpec.create("classroom_trio", {PATROLS: "0:0.6:4"}, runs=30, seed=1)
    return run_sweep(spec).points()


# --------------------------------------------------------------------------- curves


def test_curve_lines_are_the_probabilities_in_percent_sorted_by_value():
    points = points_table({PATROLS: [0.5, 0.0, 1.0, 0.25]})
    fig = sweep_curve(points, PATROLS)
    order = np.argsort(points[PATROLS].to_numpy())
    for outcome in SWEEP_OUTCOMES:
        ln = line(fig, outcome)
        assert_array_equal(ln.get_xdata(), [0.0, 0.25, 0.5, 1.0])
        assert_allclose(ln.get_ydata(), 100 * points[f"p_{outcome}"].to_numpy()[order])
    assert fig.axes[0].get_xlabel() == PATROLS
    assert fig.axes[0].get_ylim() == (-3, 103)


def test_curve_bands_are_the_wilson_intervals():
    points = points_table({PATROLS: [0.5, 0.0, 1.0, 0.25]})
    fig = sweep_curve(points, PATROLS)
    drawn = bands(fig)
    assert set(drawn) == set(SWEEP_OUTCOMES)
    x = points[PATROLS].to_numpy()
    for outcome, vertices in drawn.items():
        expected = {(xi, 100 * v) for end in ("low", "high")
                    for xi, v in zip(x, points[f"p_{outcome}_{end}"], strict=True)}
        assert {tuple(v) for v in np.round(vertices, 9)} == \
            {(a, round(b, 9)) for a, b in expected}


def test_curve_draws_only_the_outcomes_asked_for_in_the_outcome_chart_colours():
    from consensus_sim.plots import OUTCOME_COLOURS

    points = points_table({PATROLS: [0.0, 0.5]})
    fig = sweep_curve(points, PATROLS, outcomes=("withdrawn", "deadlocked"))
    assert {ln.get_gid() for ln in fig.axes[0].lines} == {"withdrawn", "deadlocked"}
    assert line(fig, "withdrawn").get_color() == OUTCOME_COLOURS["withdrawn"]
    assert set(bands(fig)) == {"withdrawn", "deadlocked"}


def test_curve_leaves_out_postponed_where_no_point_has_it():
    points = points_table({PATROLS: [0.0, 0.5]})
    points["p_postponed"] = 0.0
    fig = sweep_curve(points, PATROLS)
    assert {ln.get_gid() for ln in fig.axes[0].lines} == set(SWEEP_OUTCOMES) - {"postponed"}
    older = points.drop(columns=["p_postponed", "p_postponed_low", "p_postponed_high"])
    assert len(sweep_curve(older, PATROLS).axes[0].lines) == len(SWEEP_OUTCOMES) - 1


def test_curve_of_a_categorical_parameter_keeps_the_order_first_seen():
    points = points_table({CONCESSION: ["split", "minimal", "ladder"]})
    fig = sweep_curve(points, CONCESSION)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["split", "minimal", "ladder"]
    assert_array_equal(line(fig, "adopted").get_xdata(), [0, 1, 2])
    assert_allclose(line(fig, "adopted").get_ydata(), 100 * points["p_adopted"])


def test_curve_averages_over_another_parameter_by_runs_and_drops_the_bands():
    points = points_table({PATROLS: [0.0, 0.0, 0.5, 0.5], OFFICE: [0.2, 0.8, 0.2, 0.8]},
                          runs=[10, 30, 40, 20])
    fig = sweep_curve(points, PATROLS)
    for outcome in SWEEP_OUTCOMES:
        p = points[f"p_{outcome}"].to_numpy()
        expected = [(10 * p[0] + 30 * p[1]) / 40, (40 * p[2] + 20 * p[3]) / 60]
        assert_allclose(line(fig, outcome).get_ydata(), 100 * np.array(expected))
    assert bands(fig) == {}
    assert "averaged over the other parameters" in " ".join(title(fig).split())


def test_curve_keeps_the_bands_when_the_other_parameter_moves_with_it():
    # A design where each value comes with one value of the other parameter (as in a
    # Latin hypercube) has nothing to average at any value: bands stay.
    points = points_table({PATROLS: [0.0, 0.5, 1.0], OFFICE: [0.9, 0.1, 0.5]})
    fig = sweep_curve(points, PATROLS)
    assert set(bands(fig)) == set(SWEEP_OUTCOMES)
    assert "averaged" not in title(fig)
    assert "vary from point to point" in " ".join(title(fig).split())


def test_curve_of_a_real_sweep(real_points):
    fig = sweep_curve(real_points, PATROLS, title="Three allies")
    assert_allclose(line(fig, "adopted_amended").get_ydata(),
                    100 * real_points["p_adopted_amended"])
    assert_allclose(line(fig, "adopted_amended").get_ydata(), [100, 100, 0, 0])
    vertices = bands(fig)["adopted_any"]
    assert_allclose(sorted(set(np.round(vertices[:, 1], 6))),
                    sorted(set(np.round(100 * pd.concat(
                        [real_points["p_adopted_any_low"], real_points["p_adopted_any_high"]]),
                        6))))
    assert title(fig).startswith("Three allies\n")


def test_any_adoption_is_named_so_that_it_includes_side_payments():
    # p_adopted_any counts every adoption, side payments and rivals included (points.csv): its
    # legend and titles must not say "as proposed or amended".
    from consensus_sim.kernel import ADOPTED_OUTCOMES
    from consensus_sim.tally import DISPLAY_ORDER

    assert ("adopted_any", *DISPLAY_ORDER) == SWEEP_OUTCOMES
    assert set(ADOPTED_OUTCOMES) < set(SWEEP_OUTCOMES)
    points = points_table({PATROLS: [0.0, 0.5], OFFICE: [0.2, 0.8]})
    assert line(sweep_curve(points, PATROLS), "adopted_any").get_label() == \
        "adopted in any form"
    fig = sweep_heatmap(points, PATROLS, OFFICE)
    shown = " ".join((title(fig) + " " + fig.axes[-1].get_ylabel()).split())
    assert "Probability of adoption in any form" in shown
    assert "as proposed or amended" not in shown


def test_points_table_lists_the_kernel_outcomes_in_their_order(real_points):
    import consensus_sim.store as store
    from consensus_sim.kernel import OUTCOMES

    assert store.OUTCOMES is OUTCOMES  # one list of outcomes, not a copy to keep in step
    shares = [c for c in real_points.columns
              if c.startswith("p_") and not c.endswith(("_low", "_high"))]
    assert shares == [f"p_{name}" for name in (*OUTCOMES, "adopted_any")]
    assert set(SWEEP_OUTCOMES) == {c.removeprefix("p_") for c in shares}
    adopted = real_points[["p_adopted", "p_adopted_amended", "p_adopted_paid",
                           "p_adopted_rival"]].sum(axis=1)
    assert_allclose(real_points["p_adopted_any"], adopted, atol=1e-6)


def test_curve_draws_into_given_axes():
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    assert sweep_curve(points_table({PATROLS: [0.0, 1.0]}), PATROLS, ax=ax) is fig
    assert len(ax.lines) == len(SWEEP_OUTCOMES)


def test_curve_errors_name_what_is_wrong():
    points = points_table({PATROLS: [0.0, 1.0]})
    with pytest.raises(ValueError, match=f"not a column.*{PATROLS}"):
        sweep_curve(points, "rule.threshold")
    with pytest.raises(ValueError, match="outcomes must be some of"):
        sweep_curve(points, PATROLS, outcomes=("won",))


# --------------------------------------------------------------------------- heatmap


def test_heatmap_cells_are_the_pivoted_metric_with_numbers_sorted():
    points = points_table({PATROLS: [0.6, 0.6, 0.0, 0.0, 0.3, 0.3],
                           OFFICE: [1.0, 0.5, 1.0, 0.5, 1.0, 0.5]})
    fig = sweep_heatmap(points, PATROLS, OFFICE)
    image = fig.axes[0].images[0]
    expected = points.pivot(index=OFFICE, columns=PATROLS, values="p_adopted_any") \
        .sort_index().sort_index(axis=1).to_numpy()
    assert_allclose(np.ma.filled(image.get_array(), np.nan), expected)
    assert image.get_clim() == (0.0, 1.0)
    assert image.origin == "lower"  # numbers grow upwards
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.3", "0.6"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.5", "1"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == (PATROLS, OFFICE)
    written = sorted(t.get_text() for t in ax.texts)
    assert written == sorted(f"{100 * v:.0f}" for v in points["p_adopted_any"])


def test_heatmap_of_other_metrics_and_a_missing_pair():
    points = points_table({CONCESSION: ["split", "minimal", "split"], PATROLS: [0.0, 0.0, 1.0]})
    fig = sweep_heatmap(points, PATROLS, CONCESSION, metric="mean_final_patrols")
    image = fig.axes[0].images[0]
    cells = np.ma.filled(image.get_array(), np.nan)
    f = points["mean_final_patrols"].to_numpy()
    assert_allclose(cells, [[f[0], f[2]], [f[1], np.nan]])  # categories in order first seen
    assert image.get_clim() == (0.0, 1.0)  # the scenario's scale
    fig = sweep_heatmap(points, PATROLS, CONCESSION, metric="mean_rounds")
    rounds = points["mean_rounds"]
    assert fig.axes[0].images[0].get_clim() == (rounds.min(), rounds.max())


def test_heatmap_averages_over_a_third_parameter_by_runs():
    points = points_table({PATROLS: [0.0, 0.0, 1.0, 1.0], OFFICE: [0.5, 0.5, 0.5, 0.5],
                           CONCESSION: ["split", "minimal", "split", "minimal"]},
                          runs=[10, 30, 25, 25])
    fig = sweep_heatmap(points, PATROLS, OFFICE)
    p = points["p_adopted_any"].to_numpy()
    assert_allclose(np.ma.filled(fig.axes[0].images[0].get_array(), np.nan),
                    [[(10 * p[0] + 30 * p[1]) / 40, (p[2] + p[3]) / 2]])
    assert "averaged over the other parameters" in " ".join(title(fig).split())


def test_heatmap_bins_the_many_values_of_a_latin_hypercube():
    x = np.linspace(0.01, 0.99, 20)  # more distinct values than a heatmap shows
    points = points_table({PATROLS: x, OFFICE: ["low", "high"] * 10},
                          runs=list(range(10, 30)))
    fig = sweep_heatmap(points, PATROLS, OFFICE, metric="mean_rounds")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["0–0.2", "0.2–0.4", "0.4–0.6", "0.6–0.8", "0.8–1"]
    bins = np.minimum((x / 0.2).astype(int), 4)
    rows = np.array([0, 1] * 10)  # categories as first seen: "low" at the top
    runs, rounds = points["runs"].to_numpy(), points["mean_rounds"].to_numpy()
    expected = np.full((2, 5), np.nan)
    for r in range(2):
        for b in range(5):
            pick = (rows == r) & (bins == b)
            expected[r, b] = np.sum(runs[pick] * rounds[pick]) / np.sum(runs[pick])
    assert_allclose(np.ma.filled(ax.images[0].get_array(), np.nan), expected)
    assert ax.get_xlabel() == f"{PATROLS} (binned)"
    assert "pooled within bins" in " ".join(title(fig).split())


def test_heatmap_errors_name_what_is_wrong():
    points = points_table({PATROLS: [0.0, 1.0], OFFICE: [0.0, 1.0]})
    with pytest.raises(ValueError, match=r"allowed: .*p_adopted_any"):
        sweep_heatmap(points, PATROLS, OFFICE, metric="p_won")
    with pytest.raises(ValueError, match="two different parameters"):
        sweep_heatmap(points, PATROLS, PATROLS)


# --------------------------------------------------------------------------- sensitivity


def bars(fig: Figure, gid: str) -> BarContainer:
    (found,) = [c for c in fig.axes[0].containers
                if isinstance(c, BarContainer) and c.patches[0].get_gid() == gid]
    return found


def half_widths(container: BarContainer) -> np.ndarray:
    segments = container.errorbar.lines[2][0].get_segments()
    return np.array([(s[1][0] - s[0][0]) / 2 for s in segments])


def test_sobol_chart_sorts_by_total_effect_with_conf_whiskers():
    indices = pd.DataFrame({"parameter": ["a.x", "b.y", "c.z"], "S1": [0.1, 0.5, -0.02],
                            "S1_conf": [0.03, 0.05, 0.04], "ST": [0.3, 0.7, 0.05],
                            "ST_conf": [0.06, 0.08, 0.01]})
    fig = sensitivity_chart(indices, "sobol", title="Probability of adoption")
    order = [1, 0, 2]  # by ST, largest first
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b.y", "a.x", "c.z"]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # the first row at the top
    for name in ("S1", "ST"):
        container = bars(fig, name)
        assert_allclose([p.get_width() for p in container.patches], indices[name][order])
        assert_allclose(half_widths(container), indices[f"{name}_conf"][order])
        centres = [p.get_y() + p.get_height() / 2 for p in container.patches]
        assert np.all(np.diff(centres) > 0)  # rows go down the chart in sorted order
    assert "Probability of adoption" in title(fig) and "Sobol" in title(fig)


def test_morris_chart_sorts_by_mu_star():
    indices = pd.DataFrame({"mu_star": [0.2, 0.05, 0.4], "mu_star_conf": [0.02, 0.01, 0.1],
                            "sigma": [0.3, 0.01, 0.1]}, index=["a.x", "b.y", "c.z"])
    fig = sensitivity_chart(indices, "Morris")  # SALib's to_df(): names in the index
    order = [2, 0, 1]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["c.z", "a.x", "b.y"]
    mu = bars(fig, "mu_star")
    assert_allclose([p.get_width() for p in mu.patches], indices["mu_star"].iloc[order])
    assert_allclose(half_widths(mu), indices["mu_star_conf"].iloc[order])
    assert_allclose([p.get_width() for p in bars(fig, "sigma").patches],
                    indices["sigma"].iloc[order])
    assert "Morris" in title(fig)


def test_indices_within_noise_are_pale_and_hatched_and_the_legend_says_why():
    # a.x: S1 within noise (0.1 <= 0.13); c.z: both within noise; b.y: neither
    indices = pd.DataFrame({"parameter": ["a.x", "b.y", "c.z"], "S1": [0.1, 0.5, -0.02],
                            "S1_conf": [0.13, 0.05, 0.04], "ST": [0.3, 0.7, 0.05],
                            "ST_conf": [0.06, 0.08, 0.1]})
    flags = {"S1": [True, False, True], "ST": [False, False, True]}  # a.x, b.y, c.z
    for frame in (indices, indices.assign(S1_within_noise=flags["S1"],
                                          ST_within_noise=flags["ST"])):
        fig = sensitivity_chart(frame, "sobol")
        order = [1, 0, 2]  # by ST
        for name in ("S1", "ST"):
            patches = bars(fig, name).patches
            assert [bool(p.get_hatch()) for p in patches] == [flags[name][i] for i in order]
            alphas = [p.get_facecolor()[3] for p in patches]
            assert [a < 0.5 for a in alphas] == [flags[name][i] for i in order]
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert any("within Monte Carlo" in t for t in legend)
        assert "within Monte Carlo noise" in title(fig)
    # a flag column wins over the numbers (e.g. an index SALib could not estimate)
    fig = sensitivity_chart(indices.assign(S1_within_noise=False, ST_within_noise=False),
                            "sobol")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert not any("within Monte Carlo" in t for t in legend)
    assert not any(p.get_hatch() for p in bars(fig, "ST").patches)


def test_sensitivity_errors_name_what_is_wrong():
    with pytest.raises(ValueError, match="allowed: sobol, morris"):
        sensitivity_chart(pd.DataFrame({"parameter": ["a"]}), "fast")
    with pytest.raises(ValueError, match="missing: ST, ST_conf"):
        sensitivity_chart(pd.DataFrame({"parameter": ["a"], "S1": [0.1], "S1_conf": [0.0]}),
                          "sobol")


# --------------------------------------------------------------------------- files


def test_save_one_parameter_is_reproducible(tmp_path, real_points):
    first = save_sweep_charts(real_points, [PATROLS], tmp_path / "a")
    again = save_sweep_charts(real_points, [PATROLS], tmp_path / "b")
    assert [p.name for p in first] == ["sweep_curve.png"]
    assert first[0].read_bytes().startswith(PNG)
    assert first[0].read_bytes() == again[0].read_bytes()


def test_save_several_parameters(tmp_path):
    points = points_table({OFFICE: [0.0, 0.0, 1.0, 1.0], CONCESSION: ["split", "minimal"] * 2})
    paths = save_sweep_charts(points, [OFFICE, CONCESSION], tmp_path)
    assert [p.name for p in paths] == ["sweep_curve_actors_FRA_salience_office.png",
                                       "sweep_curve_proposal_concession.png",
                                       "sweep_heatmap.png"]
    assert all(p.read_bytes().startswith(PNG) for p in paths)
    again = save_sweep_charts(points, [OFFICE, CONCESSION], tmp_path / "again")
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]
    pdf = save_sweep_charts(points, [OFFICE, CONCESSION], tmp_path / "pdf", fmt="pdf")
    assert pdf[-1].name == "sweep_heatmap.pdf" and pdf[-1].read_bytes().startswith(b"%PDF")


def test_sweep_charts_name_the_actors_in_the_paths_given_the_scenario(tmp_path):
    import warnings

    from consensus_sim import load_scenario, scenario_from_dict

    from .conftest import trio_data

    tokyo = load_scenario("nato_tokyo_office")
    points = points_table({OFFICE: [0.0, 0.0, 1.0, 1.0], CONCESSION: ["split", "minimal"] * 2})
    curve = sweep_curve(points, OFFICE, scenario=tokyo)
    assert curve.axes[0].get_xlabel() == f"France: salience on office\n{OFFICE}"
    shown = " ".join(title(curve).split())
    assert shown.startswith(tokyo.title) and "by France: salience on office" in shown
    assert "FRA" not in shown
    heatmap = sweep_heatmap(points, OFFICE, CONCESSION, scenario=tokyo)
    assert heatmap.axes[0].get_xlabel() == f"France: salience on office\n{OFFICE}"
    assert heatmap.axes[0].get_ylabel() == CONCESSION  # no actor: the path as it is
    assert title(heatmap).startswith(tokyo.title)
    indices = pd.DataFrame({"parameter": [OFFICE, "actors.FRA.position.office", CONCESSION],
                            "S1": [0.1, 0.5, 0.2], "S1_conf": [0.03, 0.05, 0.04],
                            "ST": [0.3, 0.7, 0.25], "ST_conf": [0.06, 0.08, 0.01]})
    bars_of = sensitivity_chart(indices, "sobol", scenario=tokyo)
    assert [t.get_text() for t in bars_of.axes[0].get_yticklabels()] == [
        "France: position on office", "France: salience on office", CONCESSION]
    # and in the files, for an actor with a 150-character name, without a warning
    trio = trio_data()
    trio["actors"][2]["name"] = ("Corvia " + "of the very long name " * 10)[:150]
    long = scenario_from_dict(trio)
    points = points_table({PATROLS: [0.0, 0.3, 0.6, 0.0, 0.3, 0.6],
                           CONCESSION: ["split"] * 3 + ["minimal"] * 3})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = save_sweep_charts(points, [PATROLS, CONCESSION], tmp_path, scenario=long)
    assert [p.name for p in paths][-1] == "sweep_heatmap.png"
    label = sweep_curve(points, PATROLS, scenario=long).axes[0].get_xlabel().split("\n")
    assert label[0].startswith("Corvia of the") and label[0].endswith("…: position on patrols")
    assert len(label[0]) <= 50 and label[1] == PATROLS


def test_save_errors_name_what_is_wrong(tmp_path):
    points = points_table({OFFICE: [0.0, 1.0]})
    with pytest.raises(ValueError, match="allowed: png, svg, pdf"):
        save_sweep_charts(points, [OFFICE], tmp_path, fmt="gif")
    with pytest.raises(ValueError, match="no parameters"):
        save_sweep_charts(points, [], tmp_path)
    with pytest.raises(ValueError, match="not a column"):
        save_sweep_charts(points, ["rule.threshold"], tmp_path)
