"""Bueno de Mesquita's expected-utility (challenge) model against published figures.

The case is the EU's 1994 car emission standards: the number of years before stricter
standards for medium-sized cars come into force (positions 4 to 10). Input: Bueno de
Mesquita (1994), "Political forecasting: an expected utility method", in Bueno de
Mesquita & Stokman (eds.), European Community Decision Making, Yale UP, Table 1, as
reproduced in Scholz, Calbert & Smith (2011), "Unravelling Bueno De Mesquita's group
decision model", Journal of Theoretical Politics 23(4): 510-531, Table 1.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from consensus_sim.bargaining.expected_utility import (
    EUChoices,
    expected_utility_model,
    forecast,
    win_probabilities,
)
from consensus_sim.scenario import scenario_from_dict

# Bueno de Mesquita 1994, Table 1 (Scholz et al. 2011, Table 1): capability, position
# (years), salience.
ACTORS = ("Netherlands", "Belgium", "Luxembourg", "Germany", "France", "Italy", "UK",
          "Ireland", "Denmark", "Greece")
CAPABILITY = np.array([0.08, 0.08, 0.03, 0.16, 0.16, 0.16, 0.16, 0.05, 0.05, 0.08])
POSITION = np.array([4, 7, 4, 4, 10, 10, 10, 7, 4, 7], dtype=float)
SALIENCE = np.array([0.8, 0.4, 0.2, 0.8, 0.6, 0.6, 0.9, 0.1, 1.0, 0.7])
ROW = {name: i for i, name in enumerate(ACTORS)}

# A public replication of Scholz's own code (GitHub user jmckib,
# github.com/jmckib/bdm-scholz-expected-utility-model; its log, as ported to Python 3 by
# D. Masad, github.com/dmasad/bdm-scholz-expected-utility-model, Example.log), Q = 1:
# the weighted median and mean after each round; round 0 is the input.
REPLICATION = [  # (median, mean)
    (7.0, 7.38996),
    (8.41593, 7.46131),
    (9.61086, 7.55250),
    (9.96198, 7.59014),
    (9.96198, 7.35813),
    (9.96198, 7.34917),
    (7.47205, 7.41488),
    (8.82459, 7.51046),
    (9.67113, 7.57245),
]

# Scholz, Calbert & Smith 2011, Table 2, Q = 1.0: "median voter position" and "mean
# voter position" by round. The first column is round 1 (the state after the first
# round of challenges), not the input: the input's median is 7.0, not 8.4, and with the
# round-1 alignment every mean cell agrees with the replication within 0.08, whereas
# aligned on round 0 three would not (round 3: 7.59 against 7.3; 6: 7.41 against 7.5;
# 7: 7.51 against 7.6).
TABLE2_MEDIAN = {1: 8.4, 2: 9.9, 3: 9.9, 4: 9.9, 5: 9.9, 6: 7.4, 7: 8.8, 8: 9.6}
TABLE2_MEAN = {1: 7.4, 2: 7.5, 3: 7.6, 4: 7.3, 5: 7.3, 6: 7.4, 7: 7.5, 8: 7.6}
TABLE2_TOLERANCE = 0.08
# Cells we do not match, with the reason.
TABLE2_EXPECTED_MISMATCHES = {
    ("median", 2): "Belgium's round-2 compromise with France takes it only to 9.61, which "
                   "is then the weighted median; Scholz's table prints 9.9. The replication "
                   "of Scholz's code shows the same 9.61, so the difference lies in "
                   "whatever Scholz ran for the table, not in a choice we can name.",
}


@pytest.fixture(scope="module")
def run():
    return expected_utility_model(POSITION, CAPABILITY, SALIENCE, rounds=8, q=1.0)


# --------------------------------------------------------------------------- replication


@pytest.mark.parametrize("round_", range(9))
def test_replication_median_and_mean_per_round(run, round_):
    median, mean = REPLICATION[round_]
    assert run.median[round_] == pytest.approx(median, abs=1e-4)
    assert run.mean[round_] == pytest.approx(mean, abs=1e-4)


def test_round_one_moves(run):
    """Belgium compromises with France (to 8.41593), Luxembourg loses a confrontation
    to Belgium (to 7.0), Ireland loses one to Luxembourg (to 4.0)."""
    moves = {ACTORS[m.actor]: (m.kind, ACTORS[m.challenger], m.end) for m in run.moves[0]}
    assert set(moves) == {"Belgium", "Luxembourg", "Ireland"}
    assert moves["Belgium"][:2] == ("compromise", "France")
    assert moves["Belgium"][2] == pytest.approx(8.41593, abs=1e-5)
    assert moves["Luxembourg"] == ("confrontation", "Belgium", 7.0)
    assert moves["Ireland"] == ("confrontation", "Luxembourg", 4.0)
    assert_allclose(run.positions[1], [4, 8.415932, 7, 4, 10, 10, 10, 4, 4, 7], atol=1e-6)


def test_compromise_moves_by_the_ratio_of_expected_utilities(run):
    belgium = run.moves[0][0]
    assert belgium.eu_actor < 0 < belgium.eu_challenger
    share = abs(belgium.eu_actor) / belgium.eu_challenger
    assert belgium.end == pytest.approx(7 + (10 - 7) * share)


def test_only_belgium_luxembourg_and_ireland_ever_move(run):
    movers = {ACTORS[m.actor] for moves in run.moves for m in moves}
    assert movers == {"Belgium", "Luxembourg", "Ireland"}
    others = [ROW[a] for a in ACTORS if a not in movers]
    assert_array_equal(run.positions[:, others], np.tile(POSITION[others], (9, 1)))
    assert run.settled_round is None


def test_round_four_belgium_compromises_toward_the_netherlands(run):
    """The weighted-position rule picks the Netherlands' compromise, the far end."""
    belgium = next(m for m in run.moves[3] if ACTORS[m.actor] == "Belgium")
    assert (belgium.kind, ACTORS[belgium.challenger]) == ("compromise", "Netherlands")
    assert belgium.end == pytest.approx(4.80088, abs=1e-5)


def test_correcting_the_capitulation_typo_changes_nothing_here(run):
    corrected = expected_utility_model(POSITION, CAPABILITY, SALIENCE, capitulation_typo=False)
    assert_allclose(corrected.positions, run.positions)


def test_risk_exponents_lie_between_one_half_and_two(run):
    assert np.all((run.risk >= 0.5 - 1e-12) & (run.risk <= 2 + 1e-12))
    # the most endangered actor is risk-acceptant (r = 1/2), the safest risk-averse (2)
    assert run.risk[0].min() == pytest.approx(0.5)
    assert run.risk[0].max() == pytest.approx(2.0)


# --------------------------------------------------------------------------- Table 2


def _table2_cells():
    for round_, value in TABLE2_MEDIAN.items():
        yield "median", round_, value
    for round_, value in TABLE2_MEAN.items():
        yield "mean", round_, value


@pytest.mark.parametrize(("series", "round_", "published"), list(_table2_cells()))
def test_scholz_table2(run, series, round_, published):
    ours = getattr(run, series)[round_]
    if (series, round_) in TABLE2_EXPECTED_MISMATCHES:
        assert abs(ours - published) > TABLE2_TOLERANCE, "now matches: drop it from the list"
    else:
        assert ours == pytest.approx(published, abs=TABLE2_TOLERANCE)


# --------------------------------------------------------------------------- invariances


def test_any_scale_gives_the_same_run(run):
    """Positions on 0-1 (years 4-10 rescaled) and capabilities in percent."""
    rescaled = expected_utility_model((POSITION - 4) / 6, CAPABILITY * 100 / 3, SALIENCE)
    assert_allclose(rescaled.positions * 6 + 4, run.positions, atol=1e-9)
    assert_allclose(rescaled.median * 6 + 4, run.median, atol=1e-9)


positions = st.lists(st.floats(-50, 50, allow_nan=False, allow_infinity=False),
                     min_size=2, max_size=7)


@st.composite
def cases(draw):
    x = draw(st.one_of(positions, st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0]),
                                           min_size=2, max_size=7)))
    n = len(x)
    # no subnormal weights: halving one would round it and break exact invariances
    unit = st.one_of(st.just(0.0), st.floats(1e-3, 1.0))
    c = draw(st.lists(unit, min_size=n, max_size=n))
    s = draw(st.lists(unit, min_size=n, max_size=n))
    return np.array(x), np.array(c), np.array(s)


@given(cases(), st.sampled_from(["weighted_position", "least_movement_by_kind",
                                 "least_movement"]), st.booleans())
def test_positions_stay_within_the_initial_range(case, selection, typo):
    x, c, s = case
    res = expected_utility_model(x, c, s, rounds=4, offer_selection=selection,
                                 capitulation_typo=typo)
    assert np.all(res.positions >= x.min()) and np.all(res.positions <= x.max())
    assert x.min() <= res.median[-1] <= x.max()


@given(st.floats(-10, 10, allow_nan=False), st.integers(1, 6), st.data())
def test_nothing_moves_when_everyone_agrees(where, n, data):
    c = np.array(data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    s = np.array(data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    res = expected_utility_model(np.full(n, where), c, s, rounds=3)
    assert_array_equal(res.positions, where)
    assert all(moves == () for moves in res.moves)
    assert res.settled_round == 1


@given(cases(), st.sampled_from([0.25, 0.5, 2.0, 8.0]))
def test_scaling_capability_changes_nothing(case, factor):
    x, c, s = case
    base = expected_utility_model(x, c, s, rounds=4)
    scaled = expected_utility_model(x, c * factor, s, rounds=4)
    assert_array_equal(scaled.positions, base.positions)
    assert_array_equal(scaled.median, base.median)


# --------------------------------------------------------------------------- choices


@pytest.mark.parametrize("choice", [
    {"range_mode": "current"}, {"risk_reset": False},
    {"probability_normalisation": "pair"}, {"offer_selection": "least_movement_by_kind"},
    {"offer_selection": "least_movement"}, {"risk_perspective": "challenger"},
    {"votes_use_risk": False}, {"expected_outcome": "mean"},
])
def test_every_alternative_runs_and_stays_in_range(choice):
    res = expected_utility_model(POSITION, CAPABILITY, SALIENCE, q=0.9, **choice)
    assert res.positions.shape == (9, 10)
    assert np.all((res.positions >= 4) & (res.positions <= 10))


def test_pairwise_probabilities_sum_to_one():
    p = win_probabilities(POSITION, CAPABILITY * SALIENCE, np.ones(10), 6.0, "pair")
    differ = POSITION[:, None] != POSITION[None, :]
    assert_allclose((p + p.T)[differ], 1.0)
    small = win_probabilities(POSITION, CAPABILITY * SALIENCE, np.ones(10), 6.0)
    assert np.all((small + small.T)[differ] < 1.0)


def test_q_below_one_changes_the_run():
    res = expected_utility_model(POSITION, CAPABILITY, SALIENCE, q=0.5)
    assert not np.allclose(res.expected_utility, expected_utility_model(
        POSITION, CAPABILITY, SALIENCE, q=1.0).expected_utility)


def test_unknown_choice_is_named():
    with pytest.raises(TypeError, match="offer_rule"):
        expected_utility_model(POSITION, CAPABILITY, SALIENCE, offer_rule="nearest")
    with pytest.raises(ValueError, match="offer_selection='nearest'"):
        EUChoices(offer_selection="nearest")  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"salience": SALIENCE * 2}, r"salience\[0\] is 1.6"),
    ({"capability": -CAPABILITY}, r"capability\[0\] is negative"),
    ({"capability": CAPABILITY[:3]}, "has 3 values but positions has 10"),
    ({"q": 1.5}, "status quo persists"),
])
def test_bad_input_says_what_is_wrong(kwargs, message):
    args = {"positions": POSITION, "capability": CAPABILITY, "salience": SALIENCE} | kwargs
    with pytest.raises(ValueError, match=message):
        expected_utility_model(**args)


# --------------------------------------------------------------------------- forecast


def _emission_scenario() -> dict:
    """The 1994 case as a scenario on 0-1 (years 4-10), plus a second, mirrored issue."""
    actors = [
        {"id": name, "type": "member", "capability": float(c),
         "position": {"years": (x - 4) / 6, "mirror": (10 - x) / 6},
         "salience": {"years": float(s), "mirror": float(s)}}
        for name, c, x, s in zip(ACTORS, CAPABILITY, POSITION, SALIENCE, strict=True)
    ]
    return {
        "title": "EU car emission standards, 1994",
        "dimensions": [{"id": "years"}, {"id": "mirror"}],
        "status_quo": {"years": 0.0, "mirror": 0.0},
        "proposal": {"position": {"years": 0.5, "mirror": 0.5}, "agenda_setter": "France"},
        "actors": actors,
    }


def test_forecast_applies_the_model_per_dimension(run):
    scenario = scenario_from_dict(_emission_scenario())
    result = forecast(scenario)
    assert result.model == "expected_utility"
    assert result.position.shape == (2,)
    assert result.position[0] * 6 + 4 == pytest.approx(9.67113, abs=1e-4)
    assert_allclose(np.array(result.detail["median"]["years"]) * 6 + 4, run.median,
                    atol=1e-9)
    assert result.detail["choices"]["offer_selection"] == "weighted_position"
    first = {m["actor"]: (m["kind"], m["challenger"]) for m in result.detail["moves"]["years"][0]}
    assert first == {"Belgium": ("compromise", "France"),
                     "Luxembourg": ("confrontation", "Belgium"),
                     "Ireland": ("confrontation", "Luxembourg")}
    # the mirrored issue is another game under the weighted-position rule, which favours
    # low positions; it still stays inside the actors' range
    assert 0.0 <= result.position[1] <= 1.0
    json.dumps(result.detail)  # JSON-ready


def test_an_actor_without_a_stake_in_an_issue_is_left_out_of_its_game(run):
    # A Commission that cares only about the mirrored issue: on "years" (salience 0)
    # it would widen nothing, but it would still be challenged, challenge others and
    # shift their risks. Left out, the run on "years" is the published ten actors'.
    data = _emission_scenario()
    data["actors"].append({"id": "Commission", "type": "member", "capability": 0.2,
                           "position": {"years": 0.5, "mirror": 0.5},
                           "salience": {"years": 0.0, "mirror": 0.5}})
    result = forecast(scenario_from_dict(data))
    assert result.detail["left_out"] == {"years": ["Commission"], "mirror": []}
    assert_allclose(np.array(result.detail["median"]["years"]) * 6 + 4, run.median,
                    atol=1e-9)
    assert "Commission" not in {m[k] for rnd in result.detail["moves"]["years"]
                                for m in rnd for k in ("actor", "challenger")}
    # wherever the Commission stands on "years", the forecast is the same
    data["actors"][-1]["position"]["years"] = 1.0
    assert_allclose(forecast(scenario_from_dict(data)).position, result.position, atol=1e-12)


def test_an_issue_nobody_cares_about_is_played_by_everyone():
    data = _emission_scenario()
    for actor in data["actors"]:
        actor["salience"]["mirror"] = 0.0
    result = forecast(scenario_from_dict(data))
    assert result.detail["left_out"]["mirror"] == []
    assert result.detail["median"]["mirror"][0] == pytest.approx(0.5)  # the plain median


def test_forecast_passes_choices_on():
    scenario = scenario_from_dict(_emission_scenario())
    result = forecast(scenario, rounds=2, outcome="mean")
    assert result.position[0] * 6 + 4 == pytest.approx(7.55250, abs=1e-4)
    with pytest.raises(TypeError, match="unknown expected-utility choice"):
        forecast(scenario, tie_break="random")


def test_forecast_of_members_only():
    data = _emission_scenario()
    data["actors"][6]["type"] = "partner"  # the UK leaves the vote, and the game
    everyone = forecast(scenario_from_dict(data))
    members = forecast(scenario_from_dict(data), actors="members")
    assert members.detail["actors"] == "members"
    assert "UK" not in {m["actor"] for rnd in members.detail["moves"]["years"] for m in rnd}
    assert not np.allclose(members.detail["mean"]["years"], everyone.detail["mean"]["years"])


# --------------------------------------------------------------------------- ties


def _in_order(order, x, c, s, rounds=4):
    """Run the model with the actors listed in ``order``; positions back in input order."""
    order = np.asarray(order)
    res = expected_utility_model(x[order], c[order], s[order], rounds=rounds)
    return res, res.positions[:, np.argsort(order)]


def test_equal_expected_utilities_are_a_tie_whatever_the_order_of_actors():
    # Mirror images about 0.5: A (0.21) and D (0.79) have capability 2 and salience
    # 0.5, B (0.46) and C (0.54) capability 3 and salience 0.8. A's expected utility of
    # challenging D is then exactly D's of challenging A (0.9426 each, as A sees them):
    # a tie, so no confrontation. The code as found compared the two floating-point
    # sums, and with the actors listed D, C, B, A rounding made D's larger by 3e-16:
    # A "lost a confrontation" and moved to 0.79, and the median moved from 0.46 to
    # 0.54. Now nobody moves, whatever the order.
    x, c, s = np.array([0.21, 0.46, 0.54, 0.79]), np.array([2.0, 3, 3, 2]), np.array(
        [0.5, 0.8, 0.8, 0.5])
    first, _ = _in_order([0, 1, 2, 3], x, c, s)
    assert first.expected_utility[0][0, 3] == pytest.approx(first.threat[0][0, 3], abs=1e-12)
    for order in itertools.permutations(range(4)):
        res, positions = _in_order(order, x, c, s)
        assert all(moves == () for moves in res.moves), order
        assert_array_equal(positions, np.tile(x, (5, 1)))
        assert_array_equal(res.median, first.median)
        assert_allclose(res.mean, first.mean, rtol=0, atol=1e-15)


def test_equally_good_offers_toward_different_positions_cancel():
    # The centre actor (0.5) loses a confrontation to 0.1 and to 0.9 alike, equally far
    # away: the code as found took the challenger listed first, so the order of the
    # actors decided where it went. Now equal pulls in opposite directions cancel.
    x = np.array([0.1, 0.35, 0.5, 0.65, 0.9])
    c, s = np.array([1.0, 2, 3, 2, 1]), np.array([0.5, 0.8, 0.3, 0.8, 0.5])
    for order in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]):
        res, positions = _in_order(order, x, c, s, rounds=3)
        assert_array_equal(positions, np.tile(x, (4, 1)))
        assert_array_equal(res.median, [0.5] * 4)


@st.composite
def mirrored(draw):
    """Actors in mirror-image pairs about 0.5 (positions in hundredths), perhaps one
    at 0.5: every tie in such a case is exact, and rounding alone can break it."""
    pairs = draw(st.lists(st.integers(1, 49), min_size=2, max_size=3, unique=True))
    c = draw(st.lists(st.sampled_from([1.0, 2.0, 3.0]), min_size=len(pairs),
                      max_size=len(pairs)))
    s = draw(st.lists(st.sampled_from([0.3, 0.5, 0.6, 0.8, 0.9]), min_size=len(pairs),
                      max_size=len(pairs)))
    half = np.array(sorted(pairs)) / 100
    x = np.concatenate([half, (100 - np.array(sorted(pairs)))[::-1] / 100])
    c_all, s_all = np.concatenate([c, c[::-1]]), np.concatenate([s, s[::-1]])
    if draw(st.booleans()):
        k = len(pairs)
        x, c_all, s_all = np.insert(x, k, 0.5), np.insert(c_all, k, 2.0), np.insert(s_all, k, 0.4)
    return x, c_all, s_all


@given(mirrored(), st.randoms(use_true_random=False))
def test_the_run_does_not_depend_on_the_order_of_actors(case, random):
    x, c, s = case
    order = list(range(len(x)))
    random.shuffle(order)
    base, positions = _in_order(range(len(x)), x, c, s)
    shuffled, shuffled_positions = _in_order(order, x, c, s)
    assert_allclose(shuffled_positions, positions, rtol=0, atol=1e-12)
    assert_allclose(shuffled.median, base.median, rtol=0, atol=1e-12)
    assert_allclose(shuffled.mean, base.mean, rtol=0, atol=1e-12)
