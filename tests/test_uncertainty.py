"""Declared uncertainty: distributions, the shorthand's rule, canonical order, errors."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from consensus_sim import ScenarioError, scenario_from_dict
from consensus_sim.uncertainty import (
    UncertainInput,
    apply,
    beta_shape,
    hypotheses,
    largest_unimodal_sd,
    quantiles,
    shorthand_sd,
)


def two_dimensions(trio) -> dict:
    """The trio with a second dimension, ``budget``, and varied positions on it."""
    trio["dimensions"].append({"id": "budget"})
    trio["status_quo"]["budget"] = 0.0
    trio["proposal"]["position"]["budget"] = 1.0
    trio["defaults"]["salience"]["budget"] = 0.5
    for actor, p in zip(trio["actors"], (0.3, 0.6, 0.0, 1.0), strict=True):
        actor["position"]["budget"] = p
    return trio


def declared(trio, fields: dict, **shorthand) -> dict:
    trio["uncertainty"] = {**shorthand, "fields": fields}
    return trio


def one(dist: dict, path: str = "actors.A.position.scope") -> UncertainInput:
    """The input of a single declaration on the trio."""
    from .conftest import trio_data

    (x,) = scenario_from_dict(declared(trio_data(), {path: dist})).uncertain
    return x


def error(data) -> str:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, source="my.yaml")
    line = info.value.line()
    assert "\n" not in line
    return line


# ------------------------------------------------------------- numbers by hand


def test_beta_shape_for_mean_0_3_sd_0_1():
    # kappa = 0.3 * 0.7 / 0.01 - 1 = 20; alpha = 0.3 * 20, beta = 0.7 * 20
    assert_allclose(beta_shape(0.3, 0.1), (6.0, 14.0))
    # on [0.2, 0.6] the same beta is mean 0.2 + 0.4 * 0.3, sd 0.4 * 0.1
    assert_allclose(beta_shape(0.32, 0.04, 0.2, 0.6), (6.0, 14.0))
    x = one({"dist": "beta", "mean": 0.3, "sd": 0.1})
    assert (x.alpha, x.beta) == pytest.approx((6.0, 14.0))
    assert (x.mean, x.sd) == pytest.approx((0.3, 0.1))
    assert x.describe() == "beta(mean 0.30, sd 0.10) on [0, 1]"


def test_shorthand_sd_is_capped_so_the_draws_keep_the_stated_mean():
    # a symmetric triangular of half-width w has sd w / sqrt(6); w <= min(m, 1 - m)
    assert largest_unimodal_sd(0.5) == pytest.approx(0.5 / math.sqrt(6))  # 0.204
    assert largest_unimodal_sd(0.1) == pytest.approx(0.1 / math.sqrt(6))  # 0.0408
    assert largest_unimodal_sd(0.9) == pytest.approx(largest_unimodal_sd(0.1))
    assert largest_unimodal_sd(0.0) == largest_unimodal_sd(1.0) == 0.0
    assert shorthand_sd(0.1, 0.2) == pytest.approx(0.0408248)
    assert shorthand_sd(0.1, 0.03) == 0.03
    assert shorthand_sd(0.5, 0.2) == 0.2


def test_ppf_at_known_points():
    uniform = one({"dist": "uniform", "low": 0.2, "high": 0.6})
    assert_allclose(uniform.ppf(np.array([0.0, 0.25, 0.5])), [0.2, 0.3, 0.4])
    assert uniform.describe() == "uniform on [0.2, 0.6]"
    # triangular 0 .. 0.5 .. 1: F(x) = 2x^2 below the mode, so ppf(0.125) = 0.25
    tri = one({"dist": "triangular", "low": 0.0, "mode": 0.5, "high": 1.0})
    assert_allclose(tri.ppf(np.array([0.0, 0.125, 0.5, 0.875])), [0.0, 0.25, 0.5, 0.75])
    assert (tri.mean, tri.sd) == pytest.approx((0.5, math.sqrt(0.75 / 18)))
    # a right-angled triangle, mode at low: F(x) = 1 - (1 - x)^2 on [0, 1]
    right = one({"dist": "triangular", "low": 0.0, "mode": 0.0, "high": 1.0})
    assert_allclose(right.ppf(np.array([0.0, 0.75])), [0.0, 0.5])
    # discrete 0.2 (weight 1) and 0.8 (weight 3): cumulative 0.25, 1
    disc = one({"dist": "discrete", "values": [0.8, 0.2], "weights": [3, 1]})
    assert_allclose(disc.ppf(np.array([0.0, 0.2499, 0.25, 0.9999])), [0.2, 0.2, 0.8, 0.8])
    assert (disc.mean, disc.sd) == pytest.approx((0.65, math.sqrt(0.25 * 0.75) * 0.6))
    assert disc.describe() == "discrete(0.2: 25%, 0.8: 75%)"
    # equal weights by default; a value of weight 0 is never drawn
    equal = one({"dist": "discrete", "values": [0.1, 0.5, 0.9]})
    assert_allclose(equal.ppf(np.array([0.3, 0.34, 0.67])), [0.1, 0.5, 0.9])
    skip = one({"dist": "discrete", "values": [0.1, 0.5, 0.9], "weights": [1, 0, 1]})
    assert_allclose(skip.ppf(np.array([0.49, 0.5])), [0.1, 0.9])


def test_ppf_keeps_the_shape_of_its_argument():
    x = one({"dist": "beta", "mean": 0.3, "sd": 0.1})
    assert x.ppf(np.full((3, 4, 5), 0.5)).shape == (3, 4, 5)
    # beta(6, 14) is right-skewed: its median is below its mean
    assert 0.28 < float(x.ppf(np.array(0.5))) < 0.3


DISTRIBUTIONS = [
    {"dist": "beta", "mean": 0.3, "sd": 0.1},
    {"dist": "beta", "mean": 0.02, "sd": 0.01, "low": 0.0, "high": 0.05},
    {"dist": "beta", "mean": 0.1, "sd": 0.25},  # U-shaped, still a beta
    {"dist": "triangular", "low": 0.6, "mode": 0.8, "high": 1.0},
    {"dist": "uniform", "low": 0.0, "high": 0.05},
    {"dist": "discrete", "values": [0.2, 0.8], "weights": [1, 3]},
]


#: Uniforms as the engine draws them (numpy's random(): k / 2**53), so never a subnormal
#: float like 1e-311, where scipy's inverse beta CDF loses its order.
UNIFORMS = st.integers(0, 2**53 - 1).map(lambda k: k / 2**53)


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: d["dist"])
@given(u=st.lists(UNIFORMS, min_size=1, max_size=50))
def test_draws_stay_inside_the_bounds(dist, u):
    x = one(dist)
    values = x.ppf(np.array(u))
    assert np.all((values >= x.low) & (values <= x.high))
    assert np.all(np.diff(values[np.argsort(u)]) >= 0)  # an inverse CDF never decreases


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: d["dist"])
def test_mean_and_sd_of_many_draws(dist):
    x = one(dist)
    draws = x.ppf(np.random.default_rng(1).random(200_000))
    assert draws.mean() == pytest.approx(x.mean, abs=3e-3 * (x.high - x.low))
    assert draws.std() == pytest.approx(x.sd, rel=1e-2)
    if dist["dist"] == "beta":
        assert (x.mean, x.sd) == pytest.approx((dist["mean"], dist["sd"]))


def test_shorthand_draws_keep_the_stated_mean(trio):
    s = scenario_from_dict(declared(two_dimensions(trio), {}, position_sd=0.2))
    u = np.random.default_rng(2).random((200_000, len(s.uncertain)))
    draws = quantiles(s.uncertain, u)
    a = s.arrays
    stated = np.array([a.position[x.row, x.dim] for x in s.uncertain])
    assert_allclose(draws.mean(axis=0), stated, atol=2e-3)
    capped = [shorthand_sd(m, 0.2) for m in stated]
    assert_allclose(draws.std(axis=0), capped, rtol=1e-2)


# ------------------------------------------------------------ the inputs


def test_shorthand_leaves_out_what_cannot_vary_and_declarations_override(trio):
    trio["actors"][2]["salience"] = {"scope": 0.0}  # C does not care
    s = scenario_from_dict(declared(trio, {
        "actors.B.position.scope": {"dist": "uniform", "low": 0.5, "high": 0.9},
        "actors.A.tolerance": {"dist": "uniform", "low": 0.0, "high": 0.05},
    }, position_sd=0.1, salience_sd=0.05))
    # positions: A and CHAIR stated 1.0 stay fixed; saliences: 1.0 and C's 0 stay fixed
    assert [x.path for x in s.uncertain] == [
        "actors.A.tolerance", "actors.B.position.scope", "actors.C.position.scope"]
    tolerance, b, c = s.uncertain
    assert (tolerance.row, tolerance.dim, tolerance.field) == (0, -1, "tolerance")
    assert (b.dist, b.row, b.dim) == ("uniform", 1, 0)
    # the shorthand's sd 0.1 is capped at 0.2 / sqrt(6): half-width 0.2 around 0.2
    assert c.describe() == "triangular(mode 0.2) on [0, 0.4]"


def test_no_uncertainty_and_default_information(trio):
    s = scenario_from_dict(trio)
    assert s.uncertain == ()
    assert s.information == "private"
    assert hypotheses(s.uncertain, 5).shape == (5, 0)
    trio["information"] = "complete"
    assert scenario_from_dict(trio).information == "complete"


def test_canonical_order_does_not_depend_on_the_files_order(trio):
    fields = {"actors.C.tolerance": {"dist": "uniform", "low": 0.0, "high": 0.1},
              "actors.A.salience.budget": {"dist": "uniform", "low": 0.2, "high": 0.4}}
    data = declared(two_dimensions(trio), fields, position_sd=0.1)
    s = scenario_from_dict(data)
    shuffled = copy.deepcopy(data)
    shuffled["actors"].reverse()
    shuffled["dimensions"].reverse()
    shuffled["uncertainty"]["fields"] = dict(reversed(list(fields.items())))
    t = scenario_from_dict(shuffled)
    paths = [x.path for x in s.uncertain]
    assert paths == [x.path for x in t.uncertain]
    assert paths == ["actors.A.position.budget", "actors.A.salience.budget",
                     "actors.B.position.budget", "actors.B.position.scope",
                     "actors.C.position.scope", "actors.C.tolerance"]
    u = np.random.default_rng(3).random((10, len(paths)))
    assert_allclose(quantiles(s.uncertain, u), quantiles(t.uncertain, u))
    # rows and columns follow each scenario's own arrays
    for x in t.uncertain:
        assert t.arrays.actor_ids[x.row] == x.actor
        if x.dim >= 0:
            assert t.arrays.dimension_ids[x.dim] == x.path.rsplit(".", 1)[1]


def test_apply_writes_every_input_into_the_runs_arrays(trio):
    s = scenario_from_dict(declared(two_dimensions(trio), {
        "actors.B.blocking_cost": {"dist": "uniform", "low": 0.0, "high": 0.2},
        "actors.C.tolerance": {"dist": "uniform", "low": 0.0, "high": 0.1},
        "actors.A.salience.budget": {"dist": "uniform", "low": 0.2, "high": 0.4},
    }, position_sd=0.1))
    a, runs = s.arrays, 7
    u = np.random.default_rng(4).random((runs, len(s.uncertain)))
    values = quantiles(s.uncertain, u)
    arrays = [np.repeat(x[None], runs, axis=0) for x in
              (a.position, a.salience, a.tolerance, a.blocking_cost)]
    apply(values, s.uncertain, *arrays)
    expected = [np.repeat(x[None], runs, axis=0) for x in
                (a.position, a.salience, a.tolerance, a.blocking_cost)]
    for j, x in enumerate(s.uncertain):
        target = expected[("position", "salience", "tolerance", "blocking_cost").index(x.field)]
        if x.dim >= 0:
            target[:, x.row, x.dim] = values[:, j]
        else:
            target[:, x.row] = values[:, j]
    for got, want in zip(arrays, expected, strict=True):
        assert_allclose(got, want)
    assert not np.array_equal(arrays[0], np.repeat(a.position[None], runs, axis=0))
    with pytest.raises(ValueError, match="shape"):
        apply(values[:, :2], s.uncertain, *arrays)


def test_hypotheses_are_stratified_quantiles_in_a_fixed_order(trio):
    base = {"actors.A.tolerance": {"dist": "uniform", "low": 0.0, "high": 1.0}}
    s = scenario_from_dict(declared(copy.deepcopy(trio), base))
    sample = hypotheses(s.uncertain, 8)
    assert sample.shape == (8, 1)
    assert_allclose(np.sort(sample[:, 0]), (np.arange(8) + 0.5) / 8)
    assert not np.array_equal(sample[:, 0], np.sort(sample[:, 0]))  # shuffled
    assert_allclose(hypotheses(s.uncertain, 8), sample)  # deterministic
    more = scenario_from_dict(declared(two_dimensions(trio), {
        **base, "actors.B.tolerance": {"dist": "triangular", "low": 0, "mode": 0, "high": 1},
    }, position_sd=0.1))
    wider = hypotheses(more.uncertain, 8)
    column = [x.path for x in more.uncertain].index("actors.A.tolerance")
    assert_allclose(wider[:, column], sample[:, 0])
    # each column is its own input's stratified quantiles
    for j, x in enumerate(more.uncertain):
        assert_allclose(np.sort(wider[:, j]), x.ppf((np.arange(8) + 0.5) / 8))


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"actors.FRA.tolerance": {"dist": "uniform", "low": 0, "high": 1}},
         "my.yaml: uncertainty.fields.actors.FRA.tolerance: unknown actor 'FRA'; "
         "allowed: an actor id (A, B, C, CHAIR)"),
        ({"actors.A.position.budget": {"dist": "uniform", "low": 0, "high": 1}},
         "my.yaml: uncertainty.fields.actors.A.position.budget: unknown dimension 'budget'; "
         "allowed: scope"),
        ({"actors.A.position": {"dist": "uniform", "low": 0, "high": 1}},
         "uncertainty.fields.actors.A.position: name a dimension"),
        ({"actors.A.capability": {"dist": "uniform", "low": 0, "high": 1}},
         "uncertainty.fields.actors.A.capability: 'capability' cannot be declared uncertain; "
         "allowed after the actor: position.<dim>, salience.<dim>, tolerance, blocking_cost"),
        ({"actors.A.tolerance.scope": {"dist": "uniform", "low": 0, "high": 1}},
         "uncertainty.fields.actors.A.tolerance.scope: tolerance has no dimensions"),
        ({"status_quo.scope": {"dist": "uniform", "low": 0, "high": 1}},
         "uncertainty.fields.status_quo.scope: not a field path; allowed: "
         "actors.<id>.position.<dim>"),
        ({"actors.CHAIR.blocking_cost": {"dist": "uniform", "low": 0, "high": 1}},
         "uncertainty.fields.actors.CHAIR.blocking_cost: only members object"),
        # bounds outside the field's range
        ({"actors.A.position.scope": {"dist": "uniform", "low": 0.5, "high": 1.2}},
         "uncertainty.fields.actors.A.position.scope.high: 1.2 is outside the range of a "
         "position; allowed: [0, 1]"),
        ({"actors.A.salience.scope": {"dist": "discrete", "values": [-0.1, 0.5]}},
         "uncertainty.fields.actors.A.salience.scope.values: -0.1 is outside the range of a "
         "salience; allowed: [0, 1]"),
        ({"actors.A.tolerance": {"dist": "beta", "mean": 1, "sd": 0.1, "low": -1, "high": 2}},
         "uncertainty.fields.actors.A.tolerance.low: -1 is outside the range of a tolerance; "
         "allowed: ≥ 0"),
        # bounds out of order
        ({"actors.A.position.scope": {"dist": "uniform", "low": 0.6, "high": 0.2}},
         "uncertainty.fields.actors.A.position.scope: low must be less than high "
         "(got low 0.6, high 0.2)"),
        ({"actors.A.position.scope": {"dist": "triangular", "low": 0.2, "mode": 0.9,
                                      "high": 0.6}},
         "uncertainty.fields.actors.A.position.scope: mode must lie between low and high"),
        # a beta that cannot have that sd
        ({"actors.A.position.scope": {"dist": "beta", "mean": 0.1, "sd": 0.35}},
         "uncertainty.fields.actors.A.position.scope: sd 0.35 is too large for a beta with "
         "mean 0.1 on [0, 1]; allowed: sd below 0.3"),
        ({"actors.A.position.scope": {"dist": "beta", "mean": 0.1, "sd": 0.3}},
         "sd 0.3 is too large"),  # the limit itself
        ({"actors.A.position.scope": {"dist": "beta", "mean": 0.0, "sd": 0.1}},
         "mean must lie strictly between low and high"),
        ({"actors.A.position.scope": {"dist": "beta", "mean": 0.5, "sd": 0.0}},
         "uncertainty.fields.actors.A.position.scope.sd: Input should be greater than 0"),
        # weights
        ({"actors.A.position.scope": {"dist": "discrete", "values": [0.2, 0.8],
                                      "weights": [1, -1]}},
         "uncertainty.fields.actors.A.position.scope.weights[1]: Input should be greater "
         "than or equal to 0 (got -1)"),
        ({"actors.A.position.scope": {"dist": "discrete", "values": [0.2, 0.8],
                                      "weights": [1]}},
         "give one weight per value (2 values, 1 weights)"),
        ({"actors.A.position.scope": {"dist": "discrete", "values": [0.2, 0.8],
                                      "weights": [1, 0]}},
         "at least two values need a positive weight"),
        ({"actors.A.position.scope": {"dist": "discrete", "values": [0.2, 0.2]}},
         "values must be distinct"),
        # numbers that are not finite
        ({"actors.A.position.scope": {"dist": "beta", "mean": float("nan"), "sd": 0.1}},
         "uncertainty.fields.actors.A.position.scope.mean: nan is not allowed; allowed: a finite "
         "number"),
        ({"actors.A.tolerance": {"dist": "uniform", "low": 0, "high": float("inf")}},
         "uncertainty.fields.actors.A.tolerance.high: inf is not allowed; allowed: a finite "
         "number"),
        ({"actors.A.position.scope": {"dist": "discrete", "values": [0.2, float("nan")]}},
         "uncertainty.fields.actors.A.position.scope.values[1]: nan is not allowed"),
        # the distribution itself
        ({"actors.A.position.scope": {"dist": "normal", "mean": 0.5}},
         "uncertainty.fields.actors.A.position.scope.dist: unknown distribution 'normal'; "
         "allowed: 'beta', 'triangular', 'uniform', 'discrete'"),
        ({"actors.A.position.scope": {"mean": 0.5, "sd": 0.1}},
         "uncertainty.fields.actors.A.position.scope.dist: required field is missing; "
         "allowed: beta, triangular, uniform, discrete"),
        ({"actors.A.position.scope": {"dist": "uniform", "low": 0, "high": 1, "mode": 0.5}},
         "uncertainty.fields.actors.A.position.scope.mode: unknown field; allowed here: "
         "dist, low, high"),
    ],
)
def test_each_error_is_one_line_naming_the_field(trio, fields, expected):
    assert expected in error(declared(trio, fields))


@pytest.mark.parametrize(
    ("uncertainty", "expected"),
    [
        ({"position_sd": float("inf")},
         "my.yaml: uncertainty.position_sd: inf is not allowed; allowed: a finite number"),
        ({"salience_sd": -0.1},
         "my.yaml: uncertainty.salience_sd: Input should be greater than or equal to 0"),
        ({"noise": 0.1}, "my.yaml: uncertainty.noise: unknown field; allowed here: "
         "position_sd, salience_sd, fields"),
    ],
)
def test_shorthand_errors(trio, uncertainty, expected):
    trio["uncertainty"] = uncertainty
    assert expected in error(trio)


def test_information_must_be_private_or_complete(trio):
    trio["information"] = "public"
    assert "my.yaml: information: Input should be 'private' or 'complete' (got 'public')" \
        in error(trio)


def test_loaded_from_yaml_with_the_documented_example(write_yaml):
    text = """\
title: Uncertain office
dimensions: [{id: office}]
status_quo: {office: 0.0}
proposal: {position: {office: 1.0}, agenda_setter: USA}
information: private
uncertainty:
  position_sd: 0.1
  salience_sd: 0.05
  fields:
    actors.FRA.position.office: {dist: beta, mean: 0.1, sd: 0.05}
    actors.FRA.salience.office: {dist: triangular, low: 0.6, mode: 0.8, high: 1.0}
    actors.FRA.tolerance: {dist: uniform, low: 0.0, high: 0.05}
    actors.HUN.position.office: {dist: discrete, values: [0.2, 0.8], weights: [1, 3]}
actors:
  - {id: USA, position: {office: 0.9}, salience: {office: 0.5}}
  - {id: FRA, position: {office: 0.3}, salience: {office: 0.7}}
  - {id: HUN, position: {office: 0.4}, salience: {office: 0.0}}
"""
    from consensus_sim import load_scenario

    s = load_scenario(write_yaml(text))
    assert [(x.path, x.dist) for x in s.uncertain] == [
        ("actors.FRA.position.office", "beta"),
        ("actors.FRA.salience.office", "triangular"),
        ("actors.FRA.tolerance", "uniform"),
        ("actors.HUN.position.office", "discrete"),
        ("actors.USA.position.office", "triangular"),
        ("actors.USA.salience.office", "triangular"),
    ]
    usa = s.uncertain[-2]
    assert (usa.mean, usa.sd) == pytest.approx((0.9, shorthand_sd(0.9, 0.1)))
