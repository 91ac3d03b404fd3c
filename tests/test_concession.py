"""Concession strategies on cases worked by hand, and the property that a concession
never moves the proposal away from the blocker it addresses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from consensus_sim.concession import DEFAULT_GRID, MARGIN, ladder, minimal, split, win_over_all

LEVELS = (np.array([0.0, 0.33, 0.67, 1.0]),)


def gain(x, new, ideal, salience, gamma):
    """Utility the blocker gains when the proposal moves from x to new."""
    before = (salience * np.abs(x - ideal) ** gamma).sum()
    after = (salience * np.abs(new - ideal) ** gamma).sum()
    return before - after


def test_minimal_one_dimension_by_hand():
    # C at 0.2, salience 1, gamma 2: x = 1 loses 0.64 - 0.04 = 0.6 against q = 0;
    # giving back 0.6 needs (x - 0.2)^2 <= 0.04, i.e. x = 0.4.
    new = minimal(np.array([1.0]), np.array([0.2]), np.array([1.0]), 2.0, 0.6)
    assert_allclose(new, [0.4], atol=1e-8)


def test_minimal_moves_the_most_salient_dimension_first():
    x, ideal, s = np.array([1.0, 1.0]), np.array([0.0, 0.0]), np.array([0.2, 0.8])
    # deficit 0.5 < 0.8 available on dimension 1: gap sqrt(1 - 0.5/0.8)
    assert_allclose(minimal(x, ideal, s, 2.0, 0.5), [1.0, np.sqrt(0.375)], atol=1e-8)
    # deficit 0.9: dimension 1 all the way (0.8), then 0.1 on dimension 0: gap sqrt(0.5)
    assert_allclose(minimal(x, ideal, s, 2.0, 0.9), [np.sqrt(0.5), 0.0], atol=1e-8)


def test_minimal_linear_utility():
    # gamma 1: s * (1 - gap) = 0.2 with s = 0.5 gives gap 0.6
    assert_allclose(minimal(np.array([1.0]), np.array([0.0]), np.array([0.5]), 1.0, 0.2),
                    [0.6], atol=1e-8)


def test_minimal_with_no_deficit_barely_moves():
    x = np.array([0.7, 0.3])
    assert_allclose(minimal(x, np.array([0.0, 0.0]), np.array([1.0, 1.0]), 2.0, 0.0), x,
                    atol=1e-6)


def test_split_meets_halfway_on_every_dimension():
    assert_allclose(split(np.array([1.0, 0.2]), np.array([0.0, 0.6]), np.ones(2), 2.0, 0.1),
                    [0.5, 0.4])


def test_ladder_steps_one_level_at_a_time_toward_the_blocker():
    ideal, s = np.array([0.1]), np.array([1.0])
    x = np.array([1.0])
    steps = []
    for _ in range(4):
        x = ladder(x, ideal, s, 2.0, 1.0, LEVELS)
        steps.append(float(x[0]))
    # 0 is the level nearest 0.1, so the ladder ends there and then stays put.
    assert steps == [0.67, 0.33, 0.0, 0.0]


def test_ladder_never_steps_past_the_blockers_nearest_level():
    # from 0.67 toward 0.8 the next level up, 1.0, is farther from 0.8: no step
    assert ladder(np.array([0.67]), np.array([0.8]), np.ones(1), 2.0, 1.0, LEVELS)[0] == 0.67
    assert ladder(np.array([1.0]), np.array([0.8]), np.ones(1), 2.0, 1.0, LEVELS)[0] == 0.67


def test_ladder_uses_the_most_salient_dimension_with_room_and_a_default_grid():
    levels = (np.array([0.0, 1.0]), np.array([]))
    x, ideal = np.array([0.0, 1.0]), np.array([0.0, 0.0])
    # dimension 0 is most salient but has no room; dimension 1 has no levels: 0.1 grid
    new = ladder(x, ideal, np.array([0.9, 0.1]), 2.0, 1.0, levels)
    assert_allclose(new, [0.0, 0.9])
    assert DEFAULT_GRID.size == 11


def test_win_over_all_does_not_pay_twice():
    position = np.array([[0.2], [0.3]])
    salience = np.ones((2, 1))
    gamma = np.full(2, 2.0)
    status_quo_utility = -(position[:, 0] ** 2)  # q = 0
    allowed = np.zeros(2)
    x, payments = win_over_all(np.array([1.0]), [0, 1], allowed, status_quo_utility, position,
                               salience, gamma)
    assert payments == []
    # winning over the member at 0.2 (x <= 0.4) also wins over the one at 0.3 (x <= 0.6)
    assert_allclose(x, [0.4], atol=1e-8)


unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def situations(draw):
    d = draw(st.integers(1, 3))
    x = np.array(draw(st.lists(unit, min_size=d, max_size=d)))
    ideal = np.array(draw(st.lists(unit, min_size=d, max_size=d)))
    salience = np.array(draw(st.lists(unit, min_size=d, max_size=d)))
    gamma = draw(st.sampled_from([1.0, 1.5, 2.0, 3.0]))
    deficit = draw(st.floats(0.0, 3.0))
    return x, ideal, salience, gamma, deficit


@settings(max_examples=300, deadline=None)
@given(situations(), st.sampled_from(["minimal", "split", "ladder"]))
def test_a_concession_never_moves_away_from_the_blocker(situation, name):
    x, ideal, salience, gamma, deficit = situation
    if name == "ladder":
        new = ladder(x, ideal, salience, gamma, deficit, LEVELS * x.size)
    else:
        new = {"minimal": minimal, "split": split}[name](x, ideal, salience, gamma, deficit)
    assert np.all(np.abs(new - ideal) <= np.abs(x - ideal) + 1e-12)
    assert np.all((new >= 0.0) & (new <= 1.0))


@settings(max_examples=300, deadline=None)
@given(situations())
def test_minimal_gives_back_exactly_the_deficit_when_it_can(situation):
    x, ideal, salience, gamma, deficit = situation
    new = minimal(x, ideal, salience, gamma, deficit)
    available = gain(x, ideal, ideal, salience, gamma)
    if deficit + MARGIN < available:
        assert gain(x, new, ideal, salience, gamma) == pytest.approx(deficit, abs=1e-7)
    else:  # it cannot: it goes all the way to the blocker's ideal where that matters
        moved = salience > 0
        assert_allclose(new[moved], ideal[moved], atol=1e-6)
