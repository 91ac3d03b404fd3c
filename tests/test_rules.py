"""Decision rules on cases worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from consensus_sim.agents import ABSTAIN, OBJECT, SUPPORT
from consensus_sim.rules import abstention_blocks, consensus, rule_function, unanimity
from consensus_sim.scenario import scenario_from_dict

S, A, X = SUPPORT, ABSTAIN, OBJECT  # X: an objection


def codes(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int8)


@pytest.mark.parametrize(
    ("responses", "adopted", "blockers"),
    [
        ((S, S, S), True, []),
        ((S, A, A), True, []),  # silence is consent
        ((A, A, A), True, []),
        ((S, X, S), False, [1]),  # one objection blocks
        ((X, A, X), False, [0, 2]),
    ],
)
def test_consensus(responses, adopted, blockers):
    decision = consensus(codes(*responses))
    assert decision.adopted is adopted
    assert decision.blockers.tolist() == blockers


@pytest.mark.parametrize(
    ("responses", "constructive", "adopted", "blockers"),
    [
        ((S, S, S), True, True, []),
        ((S, S, S), False, True, []),
        ((S, A, S), True, True, []),  # constructive abstention does not block
        ((S, A, S), False, False, [1]),  # without it an abstention is a no
        ((X, A, S), True, False, [0]),
        ((X, A, S), False, False, [0, 1]),
    ],
)
def test_unanimity(responses, constructive, adopted, blockers):
    decision = unanimity(codes(*responses), constructive_abstention=constructive)
    assert decision.adopted is adopted
    assert decision.blockers.tolist() == blockers


def test_rule_function_follows_the_scenario(trio):
    assert rule_function(scenario_from_dict(trio)) is consensus
    assert not abstention_blocks(consensus)
    trio["rule"] = {"type": "unanimity", "constructive_abstention": False}
    rule = rule_function(scenario_from_dict(trio))
    assert abstention_blocks(rule)
    assert rule(codes(S, A, S)).blockers.tolist() == [1]
    trio["rule"] = {"type": "unanimity"}
    assert not abstention_blocks(rule_function(scenario_from_dict(trio)))
