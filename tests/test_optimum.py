"""The agenda setter's best acceptable text (consensus_sim.optimum).

Cases worked by hand, a property test against scipy's SLSQP (an independent solver,
run from several starts), order independence, and the vectorised one-dimensional
form against the general one.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.optimize import brentq, minimize

from consensus_sim import optimum
from consensus_sim.optimum import acceptance_interval, best_text


def losses(ideal: np.ndarray, salience: np.ndarray, gamma: np.ndarray,
           x: np.ndarray) -> np.ndarray:
    """sum_k s_ik |x_k - p_ik|^gamma_i for each row i."""
    ideal, salience = np.atleast_2d(ideal), np.atleast_2d(salience)
    gamma = np.broadcast_to(np.asarray(gamma, dtype=float), ideal.shape[:1])
    return (salience * np.abs(np.asarray(x) - ideal) ** gamma[:, None]).sum(axis=1)


def budgets(status_quo, member_ideal, member_salience, member_gamma, tolerance):
    """B_i = member i's loss at the status quo plus its tolerance."""
    return losses(member_ideal, member_salience, member_gamma, status_quo) + tolerance


# ----------------------------------------------------------------- worked by hand


def test_one_dimension_quadratic_member():
    # Setter at 1. Member at 0, salience 1, gamma 2, status quo 0, tolerance 0.25:
    # its loss at q is 0, so it accepts x^2 <= 0 + 0.25, i.e. |x| <= 0.5; the setter
    # takes the point of [0, 0.5] nearest its ideal: 0.5.
    x = best_text([1.0], [1.0], 2.0, [[0.0]], [[1.0]], [2.0], [0.25], [0.0], [1.0], [0.0])
    assert_allclose(x, [0.5], rtol=0, atol=1e-15)


def _two_members(tolerance_b: float, status_quo: list[float]) -> tuple:
    """B1/B2: setter ideal (1, 1), salience (1, 0.1); member A ideal (1, 1),
    salience (1, 1), tolerance 0; member B ideal (0, 0), salience (1, 0.9)."""
    member_ideal = np.array([[1.0, 1.0], [0.0, 0.0]])
    member_salience = np.array([[1.0, 1.0], [1.0, 0.9]])
    gamma = np.array([2.0, 2.0])
    budget = budgets(status_quo, member_ideal, member_salience, gamma, [0.0, tolerance_b])
    x = best_text([1.0, 1.0], [1.0, 0.1], 2.0, member_ideal, member_salience, gamma, budget,
                  [0.0, 0.0], [1.0, 1.0], status_quo)
    return x, budget


def _binding_b(budget_b: float) -> np.ndarray:
    """The optimum when only B's budget binds. Lagrange's conditions for
    min (x1 - 1)^2 + 0.1 (x2 - 1)^2 + lam (x1^2 + 0.9 x2^2 - B):
    2 (x1 - 1) + 2 lam x1 = 0 -> x1 = 1 / (1 + lam);
    0.2 (x2 - 1) + 1.8 lam x2 = 0 -> x2 = 1 / (1 + 9 lam);
    and lam solves 1 / (1 + lam)^2 + 0.9 / (1 + 9 lam)^2 = B (one root, the left
    side falls with lam)."""
    lam = brentq(lambda lam: 1 / (1 + lam) ** 2 + 0.9 / (1 + 9 * lam) ** 2 - budget_b,
                 0.0, 10.0, xtol=1e-16, rtol=1e-15)
    return np.array([1 / (1 + lam), 1 / (1 + 9 * lam)])


def test_b1_one_member_binds():
    # q = (0.3, 0). A's budget: (0.3 - 1)^2 + (0 - 1)^2 = 0.49 + 1 = 1.49.
    # B's budget: 0.3^2 + 0.9 * 0^2 + 0.8 = 0.89.
    x, budget = _two_members(0.8, [0.3, 0.0])
    assert_allclose(budget, [1.49, 0.89], rtol=1e-15)
    # lam = 0.161818..., x = (1/1.161818, 1/2.456365) = (0.860720, 0.407106)
    assert_allclose(x, [0.861, 0.407], atol=1e-3)
    assert_allclose(x, _binding_b(0.89), rtol=0, atol=1e-12)
    # A does not bind: (0.1393)^2 + (0.5929)^2 = 0.371 < 1.49
    assert losses([1.0, 1.0], [1.0, 1.0], 2.0, x)[0] == pytest.approx(0.3709227, abs=1e-6)


def test_b2_tighter_tolerance_from_the_origin():
    # q = (0, 0): A's budget 1 + 1 = 2, B's budget 0 + 0.5 = 0.5.
    # lam = 0.464218..., x = (1/1.464218, 1/5.177964) = (0.682958, 0.193126);
    # setter loss (0.317042)^2 + 0.1 (0.806874)^2 = 0.100516 + 0.065104 = 0.165620.
    x, budget = _two_members(0.5, [0.0, 0.0])
    assert_allclose(budget, [2.0, 0.5], rtol=1e-15)
    assert_allclose(x, [0.683, 0.193], atol=1e-3)
    assert_allclose(x, _binding_b(0.5), rtol=0, atol=1e-12)
    setter_loss = losses([1.0, 1.0], [1.0, 0.1], 2.0, x)[0]
    assert setter_loss == pytest.approx(0.166, abs=1e-3)


@pytest.mark.parametrize("order", [[0, 1], [1, 0]])
def test_b6_symmetric_case_in_either_dimension_order(order):
    # Setter ideal (1, 1), salience (1, 1). B: ideal (0, 0), salience (1, 1),
    # tolerance 0.5 at q = (0, 0), so it accepts x1^2 + x2^2 <= 0.5. A: ideal (1, 1),
    # tolerance 0: budget 2, slack. By symmetry x1 = x2 = a with 2 a^2 = 0.5: a = 0.5.
    member_ideal = np.array([[0.0, 0.0], [1.0, 1.0]])[:, order]
    member_salience = np.ones((2, 2))
    x = best_text(np.array([1.0, 1.0])[order], np.ones(2), 2.0, member_ideal, member_salience,
                  [2.0, 2.0], [0.5, 2.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0])
    assert_allclose(x, [0.5, 0.5], rtol=0, atol=1e-12)


def test_fixed_dimension_leaves_the_rest_of_the_budget():
    # Dimension 1 fixed at 0.3: B's loss there is 0.3^2 = 0.09 of its budget 0.5, so
    # on dimension 0 it accepts x^2 <= 0.41; the setter takes sqrt(0.41).
    x = best_text([1.0, 1.0], [1.0, 1.0], 2.0, [[0.0, 0.0]], [[1.0, 1.0]], [2.0], [0.5],
                  [0.0, 0.3], [1.0, 0.3], [0.0, 0.3])
    assert_allclose(x, [np.sqrt(0.41), 0.3], rtol=0, atol=1e-15)


def test_every_member_content_with_the_setters_ideal():
    x = best_text([0.8, 0.2], [1.0, 1.0], 2.0, [[0.0, 0.0]], [[1.0, 1.0]], [2.0], [5.0],
                  [0.0, 0.0], [1.0, 1.0], [0.0, 0.0])
    assert_allclose(x, [0.8, 0.2], rtol=0, atol=0)


# ------------------------------------------------------------------------ ties


@pytest.mark.parametrize(("tie_reference", "expected"), [
    ([0.5, 0.9], [0.5, 0.5]),  # x2 as near 0.9 as B allows: 0.5
    ([0.2, 0.3], [0.5, 0.3]),  # x2 = 0.3 itself is acceptable
])
def test_tie_setter_indifferent_on_a_dimension(tie_reference, expected):
    # The setter cares only about dimension 0 and wants 0.5 there. B (ideal (0, 0),
    # salience (1, 1), budget 0.5) accepts x1 = 0.5 with x2^2 <= 0.25: every text
    # (0.5, x2), 0 <= x2 <= 0.5, is best; the one nearest the tie reference wins.
    x = best_text([0.5, 0.0], [1.0, 0.0], 2.0, [[0.0, 0.0]], [[1.0, 1.0]], [2.0], [0.5],
                  [0.0, 0.0], [1.0, 1.0], [0.0, 0.0], tie_reference=tie_reference)
    assert_allclose(x, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("tie_reference", "expected"), [
    ([0.0, 0.0], [0.5, 0.5]),
    ([1.0, 0.4], [0.8, 0.2]),  # (1, 0.4) projected on x1 + x2 = 1: minus (0.2, 0.2)
])
def test_tie_linear_setter_on_a_flat_edge(tie_reference, expected):
    # Linear utility for everyone. The setter (ideal (1, 1), salience (1, 1)) loses
    # 2 - x1 - x2; B (ideal (0, 0)) accepts |x1| + |x2| <= 1. Every text on the edge
    # x1 + x2 = 1 is best; the one nearest the tie reference wins.
    x = best_text([1.0, 1.0], [1.0, 1.0], 1.0, [[0.0, 0.0]], [[1.0, 1.0]], [1.0], [1.0],
                  [0.0, 0.0], [1.0, 1.0], [0.0, 0.0], tie_reference=tie_reference)
    assert_allclose(x, expected, rtol=0, atol=1e-9)


def test_linear_setter_with_a_curved_member_has_one_best_text():
    # min (1 - x1) + (1 - x2) over x1^2 + x2^2 <= 0.5: the tangent point (0.5, 0.5).
    x = best_text([1.0, 1.0], [1.0, 1.0], 1.0, [[0.0, 0.0]], [[1.0, 1.0]], [2.0], [0.5],
                  [0.0, 0.0], [1.0, 1.0], [0.0, 0.0], tie_reference=[0.0, 0.9])
    assert_allclose(x, [0.5, 0.5], rtol=0, atol=1e-9)


def test_setter_indifferent_everywhere_takes_the_tie_reference_if_acceptable():
    x = best_text([0.9, 0.9], [0.0, 0.0], 2.0, [[0.0, 0.0]], [[1.0, 1.0]], [2.0], [0.5],
                  [0.0, 0.0], [1.0, 1.0], [0.0, 0.0], tie_reference=[0.3, 0.4])
    assert_allclose(x, [0.3, 0.4], rtol=0, atol=1e-15)


# ---------------------------------------------------------------- input checks


def test_a_status_quo_that_breaks_a_budget_is_refused():
    with pytest.raises(ValueError, match="member row 0"):
        best_text([1.0], [1.0], 2.0, [[0.0]], [[1.0]], [2.0], [0.01], [0.0], [1.0], [0.5])


def test_exponent_below_one_is_refused():
    with pytest.raises(ValueError, match="exponents must be >= 1"):
        best_text([1.0], [1.0], 0.5, [[0.0]], [[1.0]], [2.0], [0.25], [0.0], [1.0], [0.0])


def test_docstring_examples():
    failures, _ = doctest.testmod(optimum)
    assert failures == 0


# ---------------------------------------------------- against an independent solver

EXPONENTS = [1.0, 1.5, 2.0, 3.0]
unit = st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False)
salience_values = st.one_of(st.just(0.0), st.floats(0.01, 1.0), st.sampled_from([0.5, 1.0]))
ideal_values = st.one_of(unit, st.sampled_from([0.0, 0.5, 1.0]))


@st.composite
def problems(draw) -> dict:
    """A random setter's problem in 2 or 3 dimensions with 1-6 members."""
    d = draw(st.integers(2, 3))
    m = draw(st.integers(1, 6))

    def vector(values, n):
        return np.array(draw(st.lists(values, min_size=n, max_size=n)))

    member_ideal = vector(ideal_values, m * d).reshape(m, d)
    member_salience = vector(salience_values, m * d).reshape(m, d)
    member_gamma = vector(st.sampled_from(EXPONENTS), m)
    status_quo = vector(ideal_values, d)
    tolerance = vector(st.one_of(st.just(0.0), st.floats(0.0, 0.5)), m)
    lower, upper = np.zeros(d), np.ones(d)
    if draw(st.booleans()) and draw(st.booleans()):
        k = draw(st.integers(0, d - 1))
        lower[k] = upper[k] = status_quo[k]
    return {
        "ideal": vector(ideal_values, d), "salience": vector(salience_values, d),
        "gamma": draw(st.sampled_from(EXPONENTS)), "member_ideal": member_ideal,
        "member_salience": member_salience, "member_gamma": member_gamma,
        "budget": budgets(status_quo, member_ideal, member_salience, member_gamma, tolerance),
        "lower": lower, "upper": upper, "feasible_point": status_quo,
    }


def setter_loss(problem: dict, x: np.ndarray) -> float:
    return float(losses(problem["ideal"], problem["salience"], problem["gamma"], x)[0])


def violation(problem: dict, x: np.ndarray) -> float:
    """The largest excess over a budget or a bound. Each loss minus its budget is summed
    exactly (math.fsum): a loss that exceeds its budget by less than the budget's last
    place must not pass for acceptable."""
    terms = problem["member_salience"] * np.abs(x - problem["member_ideal"]) ** problem[
        "member_gamma"][:, None]
    over = [math.fsum([*row, -limit]) for row, limit in zip(terms, problem["budget"],
                                                              strict=True)]
    return float(max(*over, (problem["lower"] - x).max(), (x - problem["upper"]).max()))


def pulled_inside(problem: dict, x: np.ndarray) -> np.ndarray:
    """x moved toward the status quo until every budget holds (bisection on the
    segment; the acceptable part of it is an interval that holds the status quo)."""
    status_quo = problem["feasible_point"]
    if violation(problem, x) <= 0.0:
        return x
    short, enough = 0.0, 1.0
    for _ in range(60):
        middle = 0.5 * (short + enough)
        if violation(problem, x + middle * (status_quo - x)) <= 0.0:
            enough = middle
        else:
            short = middle
    return x + enough * (status_quo - x)


def slsqp_best(problem: dict) -> np.ndarray:
    """SLSQP from the status quo, the setter's ideal and the box centre; the best end
    point, each first pulled inside every budget (a hair outside a budget that allows
    only a tiny set would otherwise buy a visibly better utility)."""
    lower, upper = problem["lower"], problem["upper"]
    constraint = {"type": "ineq", "fun": lambda x: problem["budget"] - losses(
        problem["member_ideal"], problem["member_salience"], problem["member_gamma"], x)}
    best = problem["feasible_point"]
    for start in (best, np.clip(problem["ideal"], lower, upper), 0.5 * (lower + upper)):
        with np.errstate(all="ignore"):
            result = minimize(lambda x: setter_loss(problem, x), start, method="SLSQP",
                              bounds=list(zip(lower, upper, strict=True)),
                              constraints=[constraint], options={"ftol": 1e-14, "maxiter": 500})
        x = pulled_inside(problem, np.clip(result.x, lower, upper))
        if setter_loss(problem, x) < setter_loss(problem, best):
            best = x
    return best


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_best_text_is_acceptable_and_no_worse_than_slsqp(problem):
    x = best_text(**problem)
    assert violation(problem, x) <= 1e-9
    assert setter_loss(problem, x) <= setter_loss(problem, slsqp_best(problem)) + 1e-6


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.randoms(use_true_random=False))
def test_best_text_ignores_the_order_of_members_and_dimensions(problem, random):
    x = best_text(**problem)
    rows = list(range(problem["budget"].size))
    columns = list(range(problem["ideal"].size))
    random.shuffle(rows)
    random.shuffle(columns)
    shuffled = {
        "ideal": problem["ideal"][columns], "salience": problem["salience"][columns],
        "gamma": problem["gamma"],
        "member_ideal": problem["member_ideal"][rows][:, columns],
        "member_salience": problem["member_salience"][rows][:, columns],
        "member_gamma": problem["member_gamma"][rows], "budget": problem["budget"][rows],
        "lower": problem["lower"][columns], "upper": problem["upper"][columns],
        "feasible_point": problem["feasible_point"][columns],
    }
    assert_allclose(best_text(**shuffled), x[columns], rtol=0, atol=1e-9)


# ------------------------------------------------------- the one-dimensional form


def test_acceptance_interval_agrees_with_best_text():
    rng = np.random.default_rng(20240611)
    runs, m = 300, 5
    member_ideal = rng.random((runs, m))
    member_salience = np.where(rng.random((runs, m)) < 0.2, 0.0, rng.random((runs, m)))
    member_gamma = rng.choice(EXPONENTS, (runs, m))
    status_quo = rng.random(runs)
    tolerance = np.where(rng.random((runs, m)) < 0.3, 0.0, 0.3 * rng.random((runs, m)))
    budget = member_salience * np.abs(status_quo[:, None] - member_ideal) ** member_gamma
    budget += tolerance
    lower, upper = np.zeros(runs), np.ones(runs)
    setter_ideal = rng.random(runs)
    low, high = acceptance_interval(member_ideal, member_salience, member_gamma, budget,
                                    lower, upper)
    assert (low <= status_quo + 1e-12).all() and (status_quo <= high + 1e-12).all()
    fast = np.clip(setter_ideal, low, high)
    for r in range(runs):
        x = best_text([setter_ideal[r]], [0.7], rng.choice(EXPONENTS), member_ideal[r, :, None],
                      member_salience[r, :, None], member_gamma[r], budget[r], [0.0], [1.0],
                      [status_quo[r]])
        assert x[0] == pytest.approx(fast[r], abs=1e-12)


def test_acceptance_interval_by_hand():
    # |x| <= sqrt(0.25 / 1) = 0.5 and |x - 1| <= sqrt(0.5625 / 1) = 0.75: [0.25, 0.5];
    # a member with no salience accepts everything; a negative budget nothing.
    low, high = acceptance_interval([[0.0, 1.0, 0.3], [0.0, 1.0, 0.3]],
                                    [[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]], [[2.0, 2.0, 2.0]],
                                    [[0.25, 0.5625, 0.0], [0.25, 0.5625, -0.1]],
                                    [0.0, 0.0], [1.0, 1.0])
    assert_allclose(low[0], 0.25)
    assert_allclose(high[0], 0.5)
    assert low[1] > high[1]
