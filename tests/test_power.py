"""Voting power: known figures, brute-force cross-checks and Monte Carlo estimates."""

from __future__ import annotations

import itertools
import json
import math
import re
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus_sim import scenario_from_dict
from consensus_sim.agents import OBJECT, SUPPORT
from consensus_sim.power import (
    exact_indices,
    power_indices,
    simple_game,
    weight_grid,
    winning,
)
from consensus_sim.rules import rule_function

PERMANENT = ("CHN", "FRA", "GBR", "RUS", "USA")
ELECTED = tuple(f"E{i}" for i in range(1, 11))

# UN Security Council, 15 members, 9 votes including all 5 permanent members. Figures
# from Shapley & Shubik (1954), "A method for evaluating the distribution of power in
# a committee system", APSR 48(3) (the method; these are the standard figures for the
# 15-member council), and Banzhaf (1965), "Weighted voting doesn't work", Rutgers Law
# Review 19; as collected in the project's reference notes (PUBLISHED.md, section 4).
UNSC_SS_PERMANENT = Fraction(421, 2145)  # 0.1963
UNSC_SS_ELECTED = (1 - 5 * UNSC_SS_PERMANENT) / 10  # 0.001865
UNSC_BANZHAF_PERMANENT = 0.1669
UNSC_BANZHAF_ELECTED = 0.0165
UNSC_SWINGS_PERMANENT = 848
UNSC_SWINGS_ELECTED = 84

# Made-up populations (millions) for an EU-style double majority of ten members.
TEN_STATES = {"AA": 83.2, "BB": 68.1, "CC": 48.1, "DD": 19.0, "EE": 17.8, "FF": 10.4,
              "GG": 9.1, "HH": 5.6, "II": 2.1, "JJ": 0.5}
# Rounded EU-27 populations (millions), for the timing and the Monte Carlo cross-check.
EU27 = (83.2, 68.1, 58.9, 48.1, 36.8, 19.0, 17.8, 11.7, 10.8, 10.5, 10.4, 10.4, 9.6, 9.1,
        6.4, 5.9, 5.6, 5.4, 5.2, 3.9, 2.9, 2.1, 1.9, 1.4, 0.9, 0.7, 0.5)


def council(weights, rule, ids=None):
    """A one-dimension scenario whose members have these weights, plus a chair."""
    ids = ids or [f"M{i}" for i in range(len(weights))]
    actors = [{"id": a, "type": "member", "weight": w} for a, w in zip(ids, weights, strict=True)]
    actors.append({"id": "CHAIR", "type": "chair"})
    return scenario_from_dict({
        "title": "A council",
        "dimensions": [{"id": "scope"}],
        "status_quo": {"scope": 0.0},
        "proposal": {"position": {"scope": 1.0}, "agenda_setter": "CHAIR"},
        "rule": rule,
        "defaults": {"salience": {"scope": 1.0}, "position": {"scope": 0.5}},
        "actors": actors,
    })


def unsc():
    return council([1.0] * 15, {"type": "veto_majority", "threshold": 0.6, "veto": PERMANENT},
                   ids=[*PERMANENT, *ELECTED])


def all_coalitions(n):
    """Every coalition as a row of yes-votes; row m is the coalition whose bits are m."""
    return (np.arange(2**n)[:, None] >> np.arange(n)) & 1 == 1


def brute_force(scenario):
    """Raw Banzhaf swings and Shapley-Shubik index by listing every coalition."""
    n = scenario.arrays.n_members
    wins = winning(scenario)(all_coalitions(n))
    masks = np.arange(2**n)
    sizes = np.array([m.bit_count() for m in range(2**n)])
    raw = np.zeros(n, dtype=np.int64)
    shapley_shubik = np.zeros(n)
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        swing = wins[without | (1 << i)] & ~wins[without]
        raw[i] = swing.sum()
        k = sizes[without][swing]
        shapley_shubik[i] = sum(math.factorial(s) * math.factorial(n - s - 1)
                                for s in k.tolist()) / math.factorial(n)
    return raw, shapley_shubik


def shapley_shubik_by_orderings(scenario):
    """Shapley-Shubik by listing all n! orders of joining (n <= 6)."""
    n = scenario.arrays.n_members
    win = winning(scenario)
    pivots = np.zeros(n)
    for order in itertools.permutations(range(n)):
        joined = np.zeros((n, n), dtype=bool)
        for step, member in enumerate(order):
            joined[step:, member] = True
        pivots[order[int(np.argmax(win(joined)))]] += 1
    return pivots / math.factorial(n)


def assert_matches_brute_force(scenario, orderings=False):
    raw, shapley_shubik = brute_force(scenario)
    result = power_indices(scenario, method="exact")
    np.testing.assert_array_equal(result.banzhaf_raw, raw)
    np.testing.assert_allclose(result.banzhaf, raw / raw.sum(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(result.shapley_shubik, shapley_shubik, rtol=0, atol=1e-12)
    if orderings:
        np.testing.assert_allclose(result.shapley_shubik, shapley_shubik_by_orderings(scenario),
                                   rtol=0, atol=1e-12)


def empty_coalition_wins(scenario):
    return bool(winning(scenario)(np.zeros(scenario.arrays.n_members, dtype=bool)))


# --------------------------------------------------------------------------- known figures


def test_un_security_council_exact():
    result = power_indices(unsc())
    assert result.method == "exact"
    assert result.rule == "veto_majority"
    assert result.members == (*PERMANENT, *ELECTED)
    np.testing.assert_allclose(result.shapley_shubik[:5], float(UNSC_SS_PERMANENT),
                               rtol=0, atol=1e-6)
    np.testing.assert_allclose(result.shapley_shubik[5:], float(UNSC_SS_ELECTED),
                               rtol=0, atol=1e-6)
    np.testing.assert_allclose(result.banzhaf[:5], UNSC_BANZHAF_PERMANENT, rtol=0, atol=5e-5)
    np.testing.assert_allclose(result.banzhaf[5:], UNSC_BANZHAF_ELECTED, rtol=0, atol=5e-5)
    assert result.banzhaf_raw.tolist() == [UNSC_SWINGS_PERMANENT] * 5 + [UNSC_SWINGS_ELECTED] * 10
    assert result.samples is None and result.banzhaf_se is None
    assert result.shapley_shubik.sum() == pytest.approx(1, abs=1e-14)
    assert result.banzhaf.sum() == pytest.approx(1, abs=1e-14)


def test_un_security_council_matches_brute_force():
    assert_matches_brute_force(unsc())


def test_un_security_council_monte_carlo_within_four_standard_errors():
    result = power_indices(unsc(), method="monte carlo", samples=100_000, seed=3)
    assert result.method == "monte carlo" and result.samples == 100_000
    assert result.banzhaf_raw is None
    expected_ss = np.array([float(UNSC_SS_PERMANENT)] * 5 + [float(UNSC_SS_ELECTED)] * 10)
    expected_banzhaf = np.array([848 / 5080] * 5 + [84 / 5080] * 10)
    assert np.all(np.abs(result.shapley_shubik - expected_ss) <= 4 * result.shapley_shubik_se)
    assert np.all(np.abs(result.banzhaf - expected_banzhaf) <= 4 * result.banzhaf_se)
    assert np.all(result.banzhaf_se > 0) and np.all(result.shapley_shubik_se > 0)


@pytest.mark.parametrize("rule", [{"type": "consensus"}, {"type": "silence"},
                                  {"type": "unanimity"},
                                  {"type": "unanimity", "constructive_abstention": False}])
def test_every_member_is_a_veto_player_under_consensus_and_unanimity(rule):
    scenario = council([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], rule)
    result = power_indices(scenario)
    assert result.method == "exact"
    assert result.banzhaf.tolist() == [1 / 7] * 7
    assert result.shapley_shubik.tolist() == [1 / 7] * 7
    assert result.banzhaf_raw.tolist() == [1] * 7


def test_consensus_counted_by_the_generating_function_too():
    game = simple_game(council([1.0] * 7, {"type": "consensus"}))
    result = exact_indices(np.zeros(7, dtype=np.int64), game.veto, game.wins)
    assert result.banzhaf.tolist() == [1 / 7] * 7
    assert result.shapley_shubik.tolist() == [1 / 7] * 7


def test_consensus_among_many_members_is_exact_under_auto():
    # 32 members (NATO) exceed max_exact, but under consensus every index is 1/n.
    result = power_indices(council([1.0] * 32, {"type": "consensus"}))
    assert result.method == "exact"
    np.testing.assert_array_equal(result.shapley_shubik, np.full(32, 1 / 32))


def test_simple_majority_of_five_equal_voters():
    result = power_indices(council([1.0] * 5, {"type": "majority"}))
    np.testing.assert_allclose(result.banzhaf, 0.2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(result.shapley_shubik, 0.2, rtol=0, atol=1e-15)
    assert result.banzhaf_raw.tolist() == [math.comb(4, 2)] * 5


def test_a_dummy_has_no_power():
    # weights 3, 1, 1 with a 65% weight quota: the first member alone has 60%, so it
    # needs one of the others, and either will do; nobody is a dummy. With 4, 1, 1
    # (67%) the first member alone wins and the others never swing.
    rule = {"type": "qualified_majority", "member_share": 0.0, "weight_share": 0.65,
            "blocking_minority": 0}
    strong = power_indices(council([4.0, 1.0, 1.0], rule))
    assert strong.banzhaf.tolist() == [1.0, 0.0, 0.0]
    assert strong.shapley_shubik.tolist() == [1.0, 0.0, 0.0]
    shared = power_indices(council([3.0, 1.0, 1.0], rule))
    np.testing.assert_allclose(shared.shapley_shubik, [2 / 3, 1 / 6, 1 / 6], atol=1e-15)
    assert shared.banzhaf_raw.tolist() == [3, 1, 1]


# --------------------------------------------------------------------------- brute force


@settings(max_examples=60, deadline=None)
@given(
    weights=st.lists(st.integers(0, 400).map(lambda w: w / 10), min_size=1, max_size=6),
    member_share=st.integers(0, 100).map(lambda s: s / 100),
    weight_share=st.integers(0, 100).map(lambda s: s / 100),
    blocking_minority=st.integers(0, 5),
)
def test_qualified_majority_equals_brute_force(weights, member_share, weight_share,
                                               blocking_minority):
    scenario = council(weights, {"type": "qualified_majority", "member_share": member_share,
                                 "weight_share": weight_share,
                                 "blocking_minority": blocking_minority})
    if empty_coalition_wins(scenario):
        with pytest.raises(ValueError, match="no member's vote ever decides"):
            power_indices(scenario)
        return
    assert_matches_brute_force(scenario, orderings=True)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 6), threshold=st.integers(0, 99).map(lambda t: t / 100),
       inclusive=st.booleans())
def test_majority_equals_brute_force(n, threshold, inclusive):
    scenario = council([1.0] * n, {"type": "majority", "threshold": threshold,
                                   "inclusive": inclusive})
    if empty_coalition_wins(scenario):
        with pytest.raises(ValueError, match="no member's vote ever decides"):
            power_indices(scenario)
        return
    assert_matches_brute_force(scenario, orderings=True)
    result = power_indices(scenario)
    np.testing.assert_allclose(result.banzhaf, 1 / n, rtol=0, atol=1e-15)  # symmetric game
    np.testing.assert_allclose(result.shapley_shubik, 1 / n, rtol=0, atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), data=st.data(), threshold=st.integers(0, 100).map(lambda t: t / 100))
def test_veto_majority_equals_brute_force(n, data, threshold):
    veto = data.draw(st.lists(st.sampled_from(range(n)), min_size=1, max_size=n, unique=True))
    ids = [f"M{i}" for i in range(n)]
    scenario = council([1.0] * n, {"type": "veto_majority", "threshold": threshold,
                                   "veto": [ids[i] for i in veto]})
    assert_matches_brute_force(scenario, orderings=True)


def test_eu_style_double_majority_of_ten_equals_brute_force():
    scenario = council(list(TEN_STATES.values()), {"type": "qualified_majority"},
                       ids=list(TEN_STATES))
    assert_matches_brute_force(scenario)
    result = power_indices(scenario)
    assert np.all(np.diff(result.banzhaf) <= 1e-15)  # larger states weigh at least as much
    assert result.banzhaf[0] > result.banzhaf[-1]


@settings(max_examples=30, deadline=None)
@given(data=st.data(), n=st.integers(1, 7))
def test_winning_agrees_with_the_decision_rule(data, n):
    # A coalition is the members voting yes; everyone else objects (votes no).
    rule = data.draw(st.sampled_from([
        {"type": "consensus"}, {"type": "silence"}, {"type": "unanimity"},
        {"type": "unanimity", "constructive_abstention": False},
        {"type": "majority", "threshold": 0.5}, {"type": "majority", "threshold": 0.6667,
                                                 "inclusive": True},
        {"type": "qualified_majority"},
        {"type": "qualified_majority", "blocking_minority": 2, "weight_share": 0.5},
        {"type": "veto_majority", "threshold": 0.6, "veto": ["M0"]},
    ]))
    weights = data.draw(st.lists(st.integers(0, 900).map(lambda w: w / 10), min_size=n,
                                 max_size=n))
    scenario = council(weights, rule)
    coalitions = all_coalitions(n)
    decide = rule_function(scenario)
    adopted = [decide(np.where(yes, SUPPORT, OBJECT).astype(np.int8)).adopted
               for yes in coalitions]
    assert winning(scenario)(coalitions).tolist() == adopted


# --------------------------------------------------------------------------- weight grid


def test_weights_in_millions_to_one_decimal_sit_on_an_exact_grid():
    grid = weight_grid(np.array(EU27))
    assert grid.exact
    assert grid.resolution == pytest.approx(0.1)
    assert int(grid.units.sum()) == round(sum(EU27) * 10)


def test_a_common_divisor_coarsens_the_grid():
    grid = weight_grid(np.array([83_200_000.0, 400_000.0, 1_600_000.0]))
    assert grid.exact and grid.resolution == 400_000
    assert grid.units.tolist() == [208, 1, 4]


def test_weights_too_fine_for_an_exact_grid_are_rounded_with_a_warning():
    populations = [p * 1e6 + 12_345.0 for p in EU27]  # to the person: no small exact grid
    scenario = council(populations, {"type": "qualified_majority"})
    with pytest.warns(RuntimeWarning, match="rounded to multiples of"):
        rounded = power_indices(scenario)
    exact = power_indices(council(list(EU27), {"type": "qualified_majority"}))
    np.testing.assert_allclose(rounded.banzhaf, exact.banzhaf, rtol=0, atol=1e-3)
    np.testing.assert_allclose(rounded.shapley_shubik, exact.shapley_shubik, rtol=0, atol=1e-3)


def test_an_explicit_resolution_is_used_as_given():
    scenario = council(list(TEN_STATES.values()), {"type": "qualified_majority"})
    np.testing.assert_array_equal(power_indices(scenario, resolution=0.1).banzhaf_raw,
                                  power_indices(scenario).banzhaf_raw)
    with pytest.raises(ValueError, match="choose a coarser resolution"):
        power_indices(scenario, method="exact", resolution=1e-6)
    assert power_indices(scenario, resolution=1e-6, samples=2_000).method == "monte carlo"


# --------------------------------------------------------------------------- speed, sampling


def test_eu27_exact_is_fast_and_agrees_with_monte_carlo():
    scenario = council(list(EU27), {"type": "qualified_majority"})
    power_indices(scenario)  # warm up
    start = time.perf_counter()
    exact = power_indices(scenario)
    assert time.perf_counter() - start < 1.0
    assert exact.method == "exact"
    assert exact.banzhaf.sum() == pytest.approx(1)
    assert exact.shapley_shubik.sum() == pytest.approx(1)
    sampled = power_indices(scenario, method="monte carlo", samples=50_000, seed=11)
    assert np.all(np.abs(sampled.banzhaf - exact.banzhaf) <= 4 * sampled.banzhaf_se)
    assert np.all(np.abs(sampled.shapley_shubik - exact.shapley_shubik)
                  <= 4 * sampled.shapley_shubik_se)


def test_forty_equal_members_sampled_near_one_fortieth():
    scenario = council([1.0] * 40, {"type": "majority"})
    result = power_indices(scenario, samples=40_000, seed=5)
    assert result.method == "monte carlo"  # more than max_exact members
    assert np.all(np.abs(result.banzhaf - 1 / 40) <= 4 * result.banzhaf_se)
    assert np.all(np.abs(result.shapley_shubik - 1 / 40) <= 4 * result.shapley_shubik_se)
    assert result.shapley_shubik.sum() == pytest.approx(1, abs=1e-12)
    assert result.banzhaf.sum() == pytest.approx(1, abs=1e-12)


def test_same_seed_same_estimates():
    scenario = council([1.0] * 40, {"type": "majority"})
    a = power_indices(scenario, samples=5_000, seed=8)
    b = power_indices(scenario, samples=5_000, seed=8)
    c = power_indices(scenario, samples=5_000, seed=9)
    for name in ("banzhaf", "banzhaf_se", "shapley_shubik", "shapley_shubik_se"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.shapley_shubik, c.shapley_shubik)


def test_max_exact_chooses_the_method():
    scenario = council([1.0] * 12, {"type": "majority"})
    assert power_indices(scenario, max_exact=12).method == "exact"
    assert power_indices(scenario, max_exact=11, samples=1_000).method == "monte carlo"


def test_sampling_fails_clearly_when_swings_are_too_rare():
    with pytest.raises(ValueError, match="use method='exact'"):
        power_indices(council([1.0] * 40, {"type": "consensus"}), method="monte carlo",
                      samples=1_000)


# --------------------------------------------------------------------------- output, input


def test_to_dict_is_json_ready_and_to_frame_has_a_row_per_member():
    exact = power_indices(unsc())
    data = json.loads(json.dumps(exact.to_dict()))
    assert data["method"] == "exact" and data["rule"] == "veto_majority"
    assert data["samples"] is None
    assert data["members"]["USA"]["banzhaf_raw"] == 848
    assert data["members"]["E1"]["shapley_shubik"] == pytest.approx(float(UNSC_SS_ELECTED))
    frame = exact.to_frame()
    assert list(frame.index) == [*PERMANENT, *ELECTED]
    assert list(frame.columns) == ["banzhaf", "shapley_shubik", "banzhaf_raw"]
    assert frame.attrs["method"] == "exact"

    sampled = power_indices(unsc(), method="monte carlo", samples=1_000)
    data = json.loads(json.dumps(sampled.to_dict()))
    assert data["samples"] == 1_000
    assert set(data["members"]["FRA"]) == {"banzhaf", "shapley_shubik", "banzhaf_se",
                                           "shapley_shubik_se"}
    assert list(sampled.to_frame().columns) == ["banzhaf", "shapley_shubik", "banzhaf_se",
                                                "shapley_shubik_se"]


@pytest.mark.parametrize("method", ["Exact", "montecarlo", "mc", ""])
def test_unknown_method_is_refused(method):
    with pytest.raises(ValueError, match="method must be one of"):
        power_indices(unsc(), method=method)


@pytest.mark.parametrize("samples", [0, -5])
def test_fewer_than_one_sample_is_refused(samples):
    with pytest.raises(ValueError, match="samples must be"):
        power_indices(unsc(), samples=samples)


def test_a_game_in_which_no_vote_decides_is_refused():
    scenario = council([1.0] * 4, {"type": "majority", "threshold": 0.0, "inclusive": True})
    with pytest.raises(ValueError, match="every coalition wins"):
        power_indices(scenario)


def test_winning_needs_one_column_per_member():
    with pytest.raises(ValueError, match="one column per member"):
        winning(unsc())(np.ones((2, 3), dtype=bool))


# --------------------------------------------------------------------------- beyond 62 members


def apex_game(n):
    """The apex game: a big member A (weight n - 2) and n - 1 members of weight 1; a
    coalition wins with n - 1 of the 2n - 3 weight, i.e. A and any small member, or
    every small member."""
    share = (n - 1) / (2 * n - 3)
    return council([float(n - 2)] + [1.0] * (n - 1),
                   {"type": "qualified_majority", "member_share": 0.0,
                    "weight_share": share, "blocking_minority": 0})


@pytest.mark.parametrize("n", [5, 62, 63, 80, 120])
def test_apex_game_is_counted_exactly_at_any_size(n):
    # By hand: A swings every non-empty set of small members but the full one,
    # 2^(n-1) - 2 coalitions; a small member swings {A} and the n - 2 other small
    # members, 2 coalitions. A is pivotal unless it joins first or last: (n - 2) / n;
    # the small members share the rest, 2 / (n (n - 1)) each. Counts pass 2^63 at 65.
    result = power_indices(apex_game(n), method="exact")
    raw = [2 ** (n - 1) - 2] + [2] * (n - 1)
    assert [int(r) for r in result.banzhaf_raw] == raw
    total = sum(raw)
    assert result.banzhaf.tolist() == [r / total for r in raw]  # correctly rounded
    assert result.shapley_shubik[0] == pytest.approx((n - 2) / n, rel=1e-15)
    np.testing.assert_allclose(result.shapley_shubik[1:], 2 / (n * (n - 1)), rtol=1e-15)
    assert np.all(result.banzhaf > 0) and np.all(result.shapley_shubik > 0)


@pytest.mark.parametrize("n", [62, 63, 101, 121])
def test_simple_majority_of_many_equal_members_is_exact(n):
    # More than half must agree, n // 2 + 1 members: a member swings exactly the
    # coalitions of n // 2 others. At 62 members the swings add up to 62 C(61, 31),
    # about 1.4e19, more than int64 holds.
    result = power_indices(council([1.0] * n, {"type": "majority"}), method="exact")
    assert [int(r) for r in result.banzhaf_raw] == [math.comb(n - 1, n // 2)] * n
    np.testing.assert_allclose(result.banzhaf, 1 / n, rtol=1e-15)
    np.testing.assert_allclose(result.shapley_shubik, 1 / n, rtol=1e-15)


@pytest.mark.parametrize("n", [62, 80, 120])
def test_exact_agrees_with_monte_carlo_for_62_to_120_weighted_members(n):
    # Weights 2..9 under the default double majority (55% of members, 65% of weight).
    # Monte Carlo error: with 20,000 samples every estimate has a standard error of at
    # most about 0.001; each of the 2n differences must lie within 5 of its standard
    # errors (the chance that any of 240 honest estimates lies further is about 1e-4).
    scenario = council([float(2 + (7 * i) % 8) for i in range(n)],
                       {"type": "qualified_majority"})
    exact = power_indices(scenario, method="exact")
    assert exact.method == "exact"
    assert np.all(exact.banzhaf > 0) and np.all(exact.shapley_shubik > 0)
    assert exact.banzhaf.sum() == pytest.approx(1, abs=1e-12)
    assert exact.shapley_shubik.sum() == pytest.approx(1, abs=1e-12)
    sampled = power_indices(scenario, method="monte carlo", samples=20_000, seed=1)
    assert np.all(np.abs(sampled.banzhaf - exact.banzhaf) <= 5 * sampled.banzhaf_se)
    assert np.all(np.abs(sampled.shapley_shubik - exact.shapley_shubik)
                  <= 5 * sampled.shapley_shubik_se)


def test_counts_beyond_int64_are_json_ready():
    data = json.loads(json.dumps(power_indices(apex_game(120), method="exact").to_dict()))
    assert data["members"]["M0"]["banzhaf_raw"] == 2**119 - 2
    assert data["members"]["M1"]["banzhaf_raw"] == 2


# --------------------------------------------------------------------------- which method


THOUSAND = 1_000
# Four games of 1,000 members: counting exactly and sampling each fail on some.
ADVICE_GAMES = {
    # 998 of 1,000 must agree: swings too rare to sample, cheap to count
    "near unanimity": ({"type": "majority", "threshold": 0.998, "inclusive": True}, False),
    # weights to one decimal: no table fits them, but coalitions near half swing often
    "weighted half": ({"type": "qualified_majority", "member_share": 0.5,
                       "weight_share": 0.5, "blocking_minority": 0}, True),
    # weights to one decimal and 55% of members: neither method can
    "weighted double majority": ({"type": "qualified_majority"}, True),
    "consensus": ({"type": "consensus"}, False),
}


def advised(message):
    """The method an error message advises, or None."""
    found = re.search(r"use method='(exact|monte carlo)'", message)
    return found and found.group(1)


@pytest.mark.parametrize("game", list(ADVICE_GAMES))
@pytest.mark.parametrize("first", ["exact", "monte carlo", "auto"])
def test_following_the_advice_never_leads_back(game, first):
    rule, weighted = ADVICE_GAMES[game]
    weights = [1.0 + (i % 97) / 10 for i in range(THOUSAND)] if weighted else [1.0] * THOUSAND
    scenario = council(weights, rule)
    tried, method = [], first
    while method is not None:
        assert method not in tried, f"the advice leads back to {method!r} after {tried}"
        tried.append(method)
        try:
            result = power_indices(scenario, method=method, samples=2_000)
        except ValueError as exc:
            method = advised(str(exc))
            if method is None:
                assert "neither method" in str(exc)
        else:
            assert result.shapley_shubik.sum() == pytest.approx(1)
            break
    assert len(tried) <= 2


def test_the_advice_names_the_cost_it_rests_on():
    from consensus_sim.power import MAX_EXACT_SECONDS, exact_plan

    # 100 members, weights 1.00 to 1.96 on a grid of 0.01: Python integers on a table of
    # 101 x 14,660 cells, about 6e8 additions, an estimated 19 s
    scenario = council([1.0 + (i % 97) / 100 for i in range(100)],
                       {"type": "qualified_majority"})
    plan = exact_plan(simple_game(scenario))
    assert plan.arithmetic == "python" and plan.seconds > MAX_EXACT_SECONDS
    assert plan.problem.endswith(f"an estimated {plan.seconds:,.0f} s (at most 10 s)")
    with pytest.raises(ValueError, match=r"\(at most 10 s\); use method='monte carlo'"):
        power_indices(scenario, method="exact")
    assert power_indices(scenario, samples=2_000).method == "monte carlo"


def test_auto_counts_exactly_when_sampling_finds_no_swing():
    scenario = council([1.0] * 40, {"type": "majority", "threshold": 0.95, "inclusive": True})
    with pytest.raises(ValueError, match="use method='exact'"):
        power_indices(scenario, method="monte carlo", samples=1_000)
    result = power_indices(scenario, samples=1_000)  # auto: 40 members, more than 30
    assert result.method == "exact"
    np.testing.assert_allclose(result.shapley_shubik, 1 / 40, rtol=1e-14)
