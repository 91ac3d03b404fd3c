"""Classic bargaining models: published figures, cases worked by hand, and properties."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from consensus_sim import load_scenario, scenario_from_dict
from consensus_sim.bargaining import (
    MODELS,
    Forecast,
    compromise,
    exchange,
    median_voter,
    nash_bargaining,
    weighted_mean,
    weighted_median,
)
from consensus_sim.scenario import Dimension, Scenario

# EU car emission standards: years before stricter standards for medium-sized cars come
# into force (4 to 10). Bueno de Mesquita (1994), "Political forecasting: an expected
# utility method", in Bueno de Mesquita & Stokman (eds.), European Community Decision
# Making, Yale UP, Table 1; as reproduced in Scholz, Calbert & Smith (2011),
# "Unravelling Bueno De Mesquita's group decision model", Journal of Theoretical
# Politics 23(4), Table 1. (actor, capability, position in years, salience)
EMISSIONS = [
    ("Netherlands", 0.08, 4, 0.8),
    ("Belgium", 0.08, 7, 0.4),
    ("Luxembourg", 0.03, 4, 0.2),
    ("Germany", 0.16, 4, 0.8),
    ("France", 0.16, 10, 0.6),
    ("Italy", 0.16, 10, 0.6),
    ("UK", 0.16, 10, 0.9),
    ("Ireland", 0.05, 7, 0.1),
    ("Denmark", 0.05, 4, 1.0),
    ("Greece", 0.08, 7, 0.7),
]
# Published figures for it: compromise (weighted mean) 7.39 = 5.003 / 0.677 = 7.38996;
# round-0 weighted median 7.0.


def with_scales(data: dict[str, Any], scales: dict[str, tuple[float, float]]) -> Scenario:
    """Validate data whose dimensions carry an original scale ``{min, max}``.

    Until the schema has ``dimensions[].scale`` the scale is attached after validation,
    as the field will be once it exists; ``Forecast.on_scale`` reads it either way.
    """
    if "scale" in Dimension.model_fields:
        for dim in data["dimensions"]:
            if dim["id"] in scales:
                low, high = scales[dim["id"]]
                dim["scale"] = {"min": low, "max": high}
        return scenario_from_dict(data)
    scenario = scenario_from_dict(data)
    dims = tuple(
        d.model_copy(update={"scale": {"min": scales[d.id][0], "max": scales[d.id][1]}})
        if d.id in scales else d for d in scenario.dimensions)
    return scenario.model_copy(update={"dimensions": dims})


def emissions(capability_factor: float = 1.0) -> Scenario:
    data = {
        "title": "EC car emission standards",
        "dimensions": [{"id": "delay"}],
        "status_quo": {"delay": 1.0},
        "proposal": {"position": {"delay": 0.0}, "agenda_setter": "Germany"},
        "actors": [{"id": name, "capability": c * capability_factor,
                    "position": {"delay": (years - 4) / 6}, "salience": {"delay": s}}
                   for name, c, years, s in EMISSIONS],
    }
    return with_scales(data, {"delay": (4.0, 10.0)})


def council(positions, saliences=None, capabilities=None, gamma=2.0, status_quo=None):
    """A scenario of members with these positions (rows: actors, columns: dimensions)."""
    positions = np.atleast_2d(np.asarray(positions, dtype=float))
    n, d = positions.shape
    saliences = np.ones((n, d)) if saliences is None else np.atleast_2d(saliences)
    capabilities = np.ones(n) if capabilities is None else np.asarray(capabilities)
    dims = [f"d{k}" for k in range(d)]
    quo = np.zeros(d) if status_quo is None else np.atleast_1d(status_quo)
    return scenario_from_dict({
        "title": "A council",
        "dimensions": [{"id": k} for k in dims],
        "status_quo": dict(zip(dims, map(float, quo), strict=True)),
        "proposal": {"position": dict.fromkeys(dims, 0.5), "agenda_setter": "M0"},
        "defaults": {"gamma": gamma},
        "actors": [{"id": f"M{i}", "capability": float(capabilities[i]),
                    "position": dict(zip(dims, map(float, positions[i]), strict=True)),
                    "salience": dict(zip(dims, map(float, saliences[i]), strict=True))}
                   for i in range(n)],
    })


# --------------------------------------------------------------------------- published


def test_compromise_reproduces_the_published_weighted_mean():
    scenario = emissions()
    forecast = compromise(scenario)
    assert forecast.model == "compromise"
    assert_allclose(forecast.on_scale(scenario), [7.38996], atol=1e-4)
    assert_allclose(forecast.on_scale(scenario), [5.003 / 0.677], rtol=1e-12)


def test_weighted_median_reproduces_the_published_round_0_median():
    scenario = emissions()
    forecast = median_voter(scenario)
    assert_allclose(forecast.on_scale(scenario), [7.0], rtol=1e-12)
    assert forecast.detail["median_actors"]["delay"] == ["Belgium", "Ireland", "Greece"]


def test_the_bundled_emissions_scenario_gives_the_published_figures():
    scenario = load_scenario("eu_emissions_1994")
    assert scenario.arrays.actor_ids == ("NLD", "BEL", "LUX", "DEU", "FRA", "ITA", "GBR",
                                         "IRL", "DNK", "GRC")
    years = {name: 4 + 6 * MODELS[name](scenario).position[0]
             for name in ("median", "compromise", "exchange")}
    assert years["median"] == pytest.approx(7.0)
    assert years["compromise"] == pytest.approx(7.38996, abs=1e-4)
    assert years["exchange"] == pytest.approx(years["compromise"])  # one dimension


def nash_unit(positions, gamma=1.0):
    """Equal capability and salience on one dimension (PUBLISHED.md section 2)."""
    data = {
        "title": "Nash unit case",
        "dimensions": [{"id": "x"}],
        "status_quo": {"x": 0.0},
        "proposal": {"position": {"x": 0.5}, "agenda_setter": "P0"},
        "defaults": {"gamma": gamma, "salience": {"x": 1.0}, "capability": 1.0},
        "actors": [{"id": f"P{i}", "position": {"x": p}} for i, p in enumerate(positions)],
    }
    return with_scales(data, {"x": (0.0, 100.0)})


def test_nash_reproduces_the_unit_cases():
    # Actors at 0, 100, 100 -> 200/3; at 0 and 100 -> 50 (equal capability and salience).
    # On [0, 1], with linear utility and each actor's worst outcome as the disagreement
    # point, the gains are 1 - x, x, x: (1 - x) x^2 peaks at 2/3; (1 - x) x at 1/2.
    three, two = nash_unit([0.0, 1.0, 1.0]), nash_unit([0.0, 1.0])
    assert_allclose(nash_bargaining(three, disagreement="worst").on_scale(three), [200 / 3],
                    atol=1e-5)
    assert_allclose(nash_bargaining(two, disagreement="worst").on_scale(two), [50.0],
                    atol=1e-5)
    result = nash_bargaining(three, disagreement="worst", weights="equal")
    assert result.detail["feasible"]
    assert_allclose(list(result.detail["gains"].values()), [1 / 3, 2 / 3, 2 / 3], atol=1e-6)


def test_quadratic_utility_does_not_give_the_unit_case():
    # x^2 (2 - x) = 2 (1 - x)^2 (1 + x) at the optimum: x = 0.602..., not 2/3.
    three = nash_unit([0.0, 1.0, 1.0], gamma=2.0)
    x = nash_bargaining(three, disagreement="worst").position[0]
    assert x == pytest.approx(0.6023, abs=1e-3)
    assert x**2 * (2 - x) == pytest.approx(2 * (1 - x) ** 2 * (1 + x), abs=1e-6)


def test_nash_with_the_status_quo_as_disagreement_point():
    # Linear utility, actors at 0.2 and 0.6, status quo 1.0: the gains are 1 - x and
    # x - 0.2 on [0.2, 0.6] and both 1 - x above 0.6; the product peaks at the kink 0.6.
    scenario = council([[0.2], [0.6]], gamma=1.0, status_quo=[1.0])
    result = nash_bargaining(scenario)
    assert result.detail["feasible"]
    assert result.position[0] == pytest.approx(0.6, abs=1e-6)
    # Actors on both sides of a status quo on one line: no agreement helps both.
    blocked = council([[0.0], [1.0]], gamma=1.0, status_quo=[0.5])
    result = nash_bargaining(blocked)
    assert not result.detail["feasible"]
    assert_allclose(result.position, [0.5])


def imported(tmp_path, rows, gamma=None, **options) -> Scenario:
    """A one-issue BDM CSV file (actor, capability, position, salience on 0-100),
    imported as the importer does it: no status quo in the data, so a placeholder at
    the lower end of the scale."""
    from consensus_sim.importers import import_bdm_csv

    path = tmp_path / "issue.csv"
    path.write_text("Actor,Capability,Position,Salience\n"
                    + "".join(f"{a},{c},{x},{s}\n" for a, c, x, s in rows))
    data = import_bdm_csv(path, **options)
    if gamma is not None:
        data["defaults"] = {**data.get("defaults", {}), "gamma": gamma}
    return scenario_from_dict(data)


NORTH, SOUTH, CENTRE = ("North", 40, 10, 90), ("South", 60, 90, 40), ("Centre", 30, 50, 70)


def test_nash_on_a_one_issue_file_without_a_status_quo(tmp_path):
    # On [0, 1] (10 to 90) North sits at 0 (capability 40, salience 0.9) and South at
    # 1 (60, 0.4); the file has no status quo, so each bargains from its worst
    # outcome on the range: North's is 1, South's 0. With linear utility the gains are
    # 0.9 (1 - x) and 0.4 x; with weights 0.4 and 0.6 the log-sum 0.4 ln(1 - x) +
    # 0.6 ln x (the saliences only add constants) peaks at x = 0.6: 10 + 80 * 0.6 = 58.
    # Bargaining from the placeholder (North's own position) gave 10, North's ideal.
    two = imported(tmp_path, [NORTH, SOUTH], gamma=1.0)
    result = nash_bargaining(two)
    assert result.detail["disagreement"] == "worst" and result.detail["feasible"]
    assert_allclose(result.on_scale(two), [58.0], atol=1e-5)
    # Centre (30, 50, 0.7) adds 0.7 min(x, 1 - x): below 1/2 the log-sum 4 ln(1 - x)
    # + 9 ln x peaks at 9/13 > 1/2, above 1/2 7 ln(1 - x) + 6 ln x peaks at 6/13 < 1/2:
    # the solution is the kink, Centre's position, 50.
    three = imported(tmp_path, [NORTH, SOUTH, CENTRE], gamma=1.0)
    assert_allclose(nash_bargaining(three).on_scale(three), [50.0], atol=1e-5)
    # Quadratic utility (the default): gains 0.9 (1 - x^2) and 0.4 (1 - (1 - x)^2);
    # the first-order condition 0.4 x^2 (2 - x) = 0.6 (1 - x)^2 (1 + x) is the cubic
    # x^3 - 1.4 x^2 - 0.6 x + 0.6 = 0, with one root in (0, 1), x = 0.5605.
    quadratic = imported(tmp_path, [NORTH, SOUTH])
    root = [r.real for r in np.roots([1.0, -1.4, -0.6, 0.6]) if 0 < r.real < 1]
    assert_allclose(nash_bargaining(quadratic).position, root, atol=1e-6)


def test_a_status_quo_given_when_importing_is_the_disagreement_point(tmp_path):
    # North and South on both sides of a status quo of 50: no move helps both.
    scenario = imported(tmp_path, [NORTH, SOUTH], gamma=1.0, status_quo=50)
    result = nash_bargaining(scenario)
    assert result.detail["disagreement"] == "status_quo" and not result.detail["feasible"]
    assert_allclose(result.on_scale(scenario), [50.0])
    # and asked for, the placeholder is still used
    placeholder = nash_bargaining(imported(tmp_path, [NORTH, SOUTH]), disagreement="status_quo")
    assert_allclose(placeholder.position, [0.0])


def test_nash_takes_each_range_over_the_actors_with_a_stake_in_it():
    # M0 and M1 (equal, linear utility) care only about d0, at 0.3 and 0.7; M2 cares
    # only about d1 and sits at 0 on d0 (salience 0: a placeholder). The worst
    # outcomes on d0's range [0.3, 0.7] give gains 0.7 - x and x - 0.3: the product
    # peaks at 0.5. Counting M2's 0 in the range made M1's worst outcome 0 instead of
    # 0.3, its gain x, and the solution 0.35.
    positions = [[0.3, 0.5], [0.7, 0.5], [0.0, 0.5]]
    saliences = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    for placeholder in (0.0, 0.4, 1.0):
        positions[2][0] = placeholder
        scenario = council(positions, saliences, gamma=1.0)
        result = nash_bargaining(scenario, disagreement="worst")
        assert result.position[0] == pytest.approx(0.5, abs=1e-6)
        assert result.detail["bargainers"] == ["M0", "M1"]  # M2 can gain nothing on d1


def test_a_status_quo_left_at_a_scales_end_on_one_issue_is_not_bargained_from(tmp_path):
    # Only the first issue's status quo is given; the second is the importer's
    # placeholder at the lower end, where the actor at 0 would hold a veto.
    from consensus_sim.importers import import_decide

    path = tmp_path / "two.txt"
    path.write_text("#A\tN\tNorth\n#A\tS\tSouth\n#P\tp\tP\n#P\tq\tQ\n"
                    "#D\tN\tp\t0\t0.5\t1\n#D\tS\tp\t10\t0.5\t1\n"
                    "#D\tN\tq\t0\t0.5\t1\n#D\tS\tq\t10\t0.5\t1\n")
    scenario = scenario_from_dict(import_decide(path, status_quo={"p": 5}))
    result = nash_bargaining(scenario)
    assert result.detail["disagreement"] == "worst"
    assert_allclose(result.position, [0.5, 0.5], atol=1e-6)  # symmetric: the middle


# --------------------------------------------------------------------------- by hand


def test_weighted_median_ties_take_the_lower_value():
    assert weighted_median(np.array([1.0, 2.0]), np.array([1.0, 1.0])) == 1.0
    # 0.7 + 0.1 is 0.7999999999999999 in floating point, half of 1.6 is 0.8: an exact tie
    assert weighted_median(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.7, 0.1, 0.2, 0.6])) == 2.0
    # unordered input, equal values pooled
    assert weighted_median(np.array([10.0, 4.0, 7.0, 4.0]), np.array([0.4, 0.2, 0.1, 0.2])) == 7.0
    with pytest.raises(ValueError, match="sum to zero"):
        weighted_median(np.array([1.0]), np.array([0.0]))


def test_weightless_dimension_falls_back_to_the_plain_median_and_mean():
    scenario = council([[0.0], [0.4], [1.0]], saliences=[[0.0], [0.0], [0.0]])
    assert median_voter(scenario).position[0] == 0.4
    assert compromise(scenario).position[0] == pytest.approx(1.4 / 3)
    assert compromise(scenario).detail["unweighted_dimensions"] == ["d0"]


def two_issue_council(actors):
    """Members on two issues p and q: (id, capability, (x_p, x_q), (s_p, s_q))."""
    return scenario_from_dict({
        "title": "Two issues",
        "dimensions": [{"id": "p"}, {"id": "q"}],
        "status_quo": {"p": 0.0, "q": 0.0},
        "proposal": {"position": {"p": 0.5, "q": 0.5}, "agenda_setter": actors[0][0]},
        "actors": [{"id": a, "capability": c, "position": {"p": x[0], "q": x[1]},
                    "salience": {"p": s[0], "q": s[1]}} for a, c, x, s in actors],
    })


def test_exchange_worked_by_hand():
    # A: c = 1, x = (0, 0.2), s = (0.9, 0.3);  B: c = 2, x = (1, 0.8), s = (0.2, 0.6).
    # Weights c*s: p: A 0.9, B 0.4 (total 1.3); q: A 0.3, B 1.2 (total 1.5).
    # Outcomes: O_p = 0.4 * 1 / 1.3 = 4/13 = 0.30769; O_q = (0.06 + 0.96) / 1.5 = 0.68.
    # A is below both outcomes, B above both: they can trade.
    # s_Ap / s_Aq = 3 > s_Bp / s_Bq = 1/3, so A demands p (B moves on p toward 0) and
    # B demands q (A moves on q toward 0.8).
    # Equal gain: dO_q / dO_p = (s_Ap + s_Bp) / (s_Aq + s_Bq) = 1.1 / 0.9 = 11/9.
    # Limits: on p, B can move all the way to 0: dO_p <= (0.4/1.3) * 1 = 4/13, and O_p
    # must not pass A's 0: dO_p <= 4/13. On q, A can move to 0.8: dO_q <= 0.2 * 0.6
    # = 0.12, and O_q must not pass B's 0.8: dO_q <= 0.12.
    # dO_p = min(4/13, 0.12 * 9/11) = 0.12 * 9/11 = 27/275 = 0.098182; dO_q = 0.12.
    # A moves on q from 0.2 to 0.8; B moves on p by (27/275) / (4/13) = 351/1100, from
    # 1 to 749/1100 = 0.680909.
    # Gains: A 0.9 * 27/275 - 0.3 * 0.12 = 0.052364; B 0.6 * 0.12 - 0.2 * 27/275
    # = 0.052364 = 216/4125 each.
    # New outcomes: O_p = 4/13 - 27/275 = 749/3575 = 0.209510; O_q = 0.8. B's policy
    # position on q (0.8) is now the outcome, so no second exchange: one round.
    scenario = two_issue_council([("A", 1.0, (0.0, 0.2), (0.9, 0.3)),
                                  ("B", 2.0, (1.0, 0.8), (0.2, 0.6))])
    result = exchange(scenario)
    assert_allclose(result.position, [749 / 3575, 0.8], rtol=1e-12)
    assert result.detail["rounds"] == 1 and result.detail["converged"]
    [done] = result.detail["exchanges"]
    assert done["round"] == 1 and done["actors"] == ["A", "B"] and done["issues"] == ["p", "q"]
    assert done["demands"] == {"A": "p", "B": "q"}
    assert done["gain"] == pytest.approx(216 / 4125, rel=1e-12)
    shifts = {s["actor"]: s for s in done["shifts"]}
    assert shifts["B"]["issue"] == "p" and shifts["B"]["from"] == 1.0
    assert shifts["B"]["to"] == pytest.approx(749 / 1100, rel=1e-12)
    assert shifts["A"]["issue"] == "q" and shifts["A"] == {"actor": "A", "issue": "q",
                                                          "from": 0.2, "to": 0.8}
    assert_allclose([done["outcome_shift"]["p"], done["outcome_shift"]["q"]],
                    [-27 / 275, 0.12], rtol=1e-12)
    # the same gain for both, from the outcome shifts and the saliences
    gain_a = 0.9 * 27 / 275 - 0.3 * 0.12
    gain_b = 0.6 * 0.12 - 0.2 * 27 / 275
    assert gain_a == pytest.approx(gain_b) == pytest.approx(done["gain"])
    assert result.detail["voting_positions"]["A"] == {"p": 0.0, "q": 0.8}
    json.dumps(result.detail)


# Two identical pairs (A, C at 0 caring for p; B, D at 1 caring for q) and a stronger
# pair (E, F): E-F trades first with the highest gain, then four exchanges tie (A-B,
# A-D, C-B, C-D) and two of them, on disjoint actors, go through.
SIX = [("A", 1.0, (0.0, 0.0), (0.8, 0.2)), ("B", 1.0, (1.0, 1.0), (0.2, 0.8)),
       ("C", 1.0, (0.0, 0.0), (0.8, 0.2)), ("D", 1.0, (1.0, 1.0), (0.2, 0.8)),
       ("E", 2.0, (0.0, 0.0), (1.0, 0.1)), ("F", 2.0, (1.0, 1.0), (0.1, 1.0))]


def test_exchange_breaks_ties_in_input_order_deterministically():
    scenario = two_issue_council(SIX)
    first, again = exchange(scenario), exchange(scenario)
    assert first.detail == again.detail
    assert_allclose(first.position, again.position, rtol=0, atol=0)
    pairs = [e["actors"] for e in first.detail["exchanges"]]
    assert pairs == [["E", "F"], ["A", "B"], ["C", "D"]]


def test_a_seeded_random_tie_break_reorders_only_equal_gains_and_is_reproducible():
    scenario = two_issue_council(SIX)
    reference = exchange(scenario).detail["exchanges"]
    gains = [e["gain"] for e in reference]
    assert gains[0] > gains[1] == pytest.approx(gains[2])
    seen = set()
    for seed in range(12):
        run = exchange(scenario, tie_break="random", seed=seed)
        assert run.detail == exchange(scenario, tie_break="random", seed=seed).detail
        assert run.detail["seed"] == seed
        done = run.detail["exchanges"]
        assert done[0]["actors"] == ["E", "F"]  # the unequal gain always goes first
        assert_allclose([e["gain"] for e in done], gains, rtol=1e-12)
        assert_allclose(run.position, exchange(scenario).position, atol=1e-12)
        seen.add(tuple(tuple(e["actors"]) for e in done[1:]))
    assert len(seen) > 1  # the seed does change which equal-gain exchange goes first


def test_exchange_on_one_dimension_is_the_compromise():
    scenario = emissions()
    result = exchange(scenario)
    assert_allclose(result.position, compromise(scenario).position)
    assert result.detail["exchanges"] == [] and "one dimension" in result.detail["note"]


def test_exchange_settles_on_the_bundled_multi_issue_scenarios():
    for name in ("nato_ap4_itpp", "unsc_resolution", "nato_nordic_accession"):
        result = exchange(load_scenario(name))
        assert result.detail["converged"], name
        assert np.all((result.position >= 0) & (result.position <= 1))
        assert all(e["gain"] > 0 for e in result.detail["exchanges"])
        json.dumps(result.detail)


# --------------------------------------------------------------------------- registry


def test_registry_order_and_forecasts():
    assert list(MODELS) == ["median", "compromise", "nash", "expected_utility", "exchange"]
    scenario = emissions()
    for name, model in MODELS.items():
        if name == "expected_utility":
            pytest.importorskip("consensus_sim.bargaining.expected_utility")
        result = model(scenario)
        assert isinstance(result, Forecast) and result.model == name
        assert result.position.shape == (1,)
        assert not result.position.flags.writeable
        json.dumps(result.detail)


def test_package_imports_without_the_expected_utility_module_or_scipy():
    code = ("import sys, consensus_sim.bargaining as b; "
            "print('consensus_sim.bargaining.expected_utility' in sys.modules, "
            "'scipy' in sys.modules, list(b.MODELS))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith("False False ['median', 'compromise', 'nash', 'expected_utility'")


def test_on_scale_is_the_identity_without_a_scale():
    scenario = council([[0.25], [0.75]])
    result = compromise(scenario)
    assert_allclose(result.on_scale(scenario), [0.5])


def test_members_only():
    scenario = scenario_from_dict({
        "title": "Members and a chair",
        "dimensions": [{"id": "x"}],
        "status_quo": {"x": 0.0},
        "proposal": {"position": {"x": 1.0}, "agenda_setter": "CHAIR"},
        "defaults": {"salience": {"x": 1.0}},
        "actors": [{"id": "A", "position": {"x": 0.0}}, {"id": "B", "position": {"x": 0.5}},
                   {"id": "CHAIR", "type": "chair", "position": {"x": 1.0}}],
    })
    assert compromise(scenario).position[0] == pytest.approx(0.5)
    assert compromise(scenario, actors="members").position[0] == pytest.approx(0.25)
    assert median_voter(scenario, actors="members").position[0] == 0.0


# --------------------------------------------------------------------------- properties

# no subnormal numbers: capability x salience must not underflow to zero when scaled
unit = st.floats(0.0, 1.0, allow_subnormal=False)


@st.composite
def councils(draw, max_dims: int = 3):
    n = draw(st.integers(1, 7))
    d = draw(st.integers(1, max_dims))
    position = draw(st.lists(st.lists(unit, min_size=d, max_size=d), min_size=n, max_size=n))
    salience = draw(st.lists(st.lists(unit, min_size=d, max_size=d), min_size=n, max_size=n))
    # zero, or large enough that scaling by 1e-3 cannot underflow to zero
    capability = draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 10.0)), min_size=n,
                               max_size=n))
    return np.array(position), np.array(salience), np.array(capability)


@given(councils())
def test_compromise_lies_within_the_positions(data):
    position, salience, capability = data
    result = compromise(council(position, salience, capability))
    assert np.all(result.position >= position.min(axis=0))
    assert np.all(result.position <= position.max(axis=0))


@given(councils(), st.floats(1e-3, 1e3))
def test_scaling_capability_changes_neither_median_nor_compromise(data, factor):
    position, salience, capability = data
    base = council(position, salience, capability)
    scaled = council(position, salience, capability * factor)
    assert np.array_equal(median_voter(base).position, median_voter(scaled).position)
    assert_allclose(compromise(base).position, compromise(scaled).position, rtol=1e-9,
                    atol=1e-12)


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.05, 1.0),
       st.floats(0.1, 5.0), st.sampled_from([1.0, 2.0]))
@settings(max_examples=40, deadline=None)
def test_nash_splits_the_difference_between_two_symmetric_actors(a, b, s, c, gamma):
    scenario = council([[a], [b]], saliences=[[s], [s]], capabilities=[c, c], gamma=gamma)
    result = nash_bargaining(scenario, disagreement="worst")
    assert result.position[0] == pytest.approx((a + b) / 2, abs=1e-6)


@given(st.lists(unit, min_size=2, max_size=2), st.lists(unit, min_size=2, max_size=2),
       st.lists(st.floats(0.05, 1.0), min_size=2, max_size=2))
@settings(max_examples=25, deadline=None)
def test_nash_splits_the_difference_on_several_dimensions(a, b, s):
    scenario = council([a, b], saliences=[s, s], gamma=2.0)
    result = nash_bargaining(scenario, disagreement="worst")
    assert_allclose(result.position, (np.array(a) + np.array(b)) / 2, atol=1e-6)


@given(councils(max_dims=3))
@settings(max_examples=30, deadline=None)
def test_exchange_stays_on_the_scale_and_every_exchange_pays(data):
    position, salience, capability = data
    result = exchange(council(position, salience, capability))
    assert np.all((result.position >= -1e-12) & (result.position <= 1 + 1e-12))
    assert all(e["gain"] > 0 for e in result.detail["exchanges"])
    # with no exchange the forecast is the compromise
    if not result.detail["exchanges"]:
        assert_allclose(result.position, weighted_mean(position, capability[:, None] * salience))
