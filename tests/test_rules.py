"""Decision rules on cases worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from consensus_sim.agents import ABSTAIN, OBJECT, SUPPORT
from consensus_sim.rules import (
    blocking_cost_scaled,
    consensus,
    majority,
    qualified_majority,
    rule_function,
    silence,
    unanimity,
    veto_majority,
)
from consensus_sim.scenario import scenario_from_dict

S, A, X = SUPPORT, ABSTAIN, OBJECT  # X: an objection


def codes(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int8)


@pytest.mark.parametrize("rule", [consensus, silence])
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
def test_consensus_and_silence(rule, responses, adopted, blockers):
    decision = rule(codes(*responses))
    assert decision.adopted is adopted
    assert decision.blockers.tolist() == blockers
    assert decision.need.tolist() == [ABSTAIN] * len(blockers)  # they need only stop objecting


@pytest.mark.parametrize(
    ("responses", "constructive", "adopted", "blockers", "need"),
    [
        ((S, S, S, S), True, True, [], []),
        ((S, S, S, S), False, True, [], []),
        ((S, A, S, S), True, True, [], []),  # one abstainer of four does not block
        ((S, A, S, S), False, False, [1], [S]),  # without it an abstention is a no
        ((X, A, S, S), True, False, [0], [A]),
        ((X, A, S, S), False, False, [0, 1], [S, S]),
        # Art. 31(1) TEU: abstainers who are a third of the members (and of the
        # weight) stop the decision; 2 of 4 are, and must vote yes
        ((S, A, A, S), True, False, [1, 2], [S, S]),
        ((X, A, A, S), True, False, [0, 1, 2], [A, S, S]),
    ],
)
def test_unanimity(responses, constructive, adopted, blockers, need):
    decision = unanimity(codes(*responses), constructive_abstention=constructive)
    assert decision.adopted is adopted
    assert decision.blockers.tolist() == blockers
    assert decision.need.tolist() == need


def test_constructive_abstention_stops_a_decision_at_a_third_of_members_and_weight():
    # Nine members, three abstain: a third of the members. With equal weights they
    # hold a third of the weight too: not adopted. If they hold only 3 of 12 (a
    # quarter), the population condition fails and the decision is adopted.
    responses = codes(A, A, A, S, S, S, S, S, S)
    assert not unanimity(responses).adopted
    assert unanimity(responses, weight=np.ones(9)).blockers.tolist() == [0, 1, 2]
    small = np.array([1, 1, 1, 1, 1, 1, 2, 2, 2], dtype=float)  # abstainers: 3 of 12
    assert unanimity(responses, weight=small).adopted
    # two abstainers are fewer than a third of nine, whatever they weigh
    assert unanimity(codes(A, A, S, S, S, S, S, S, S), weight=np.arange(9.0, 0, -1)).adopted


def test_simple_majority_needs_more_than_half():
    assert majority(codes(S, S, S, X, A)).adopted  # 3 of 5
    assert not majority(codes(S, S, X, X)).adopted  # 2 of 4 is not more than half
    decision = majority(codes(S, S, A, X))
    assert decision.blockers.tolist() == [2, 3] and decision.need.tolist() == [S, S]
    # two thirds, inclusive: 4 of 6 passes, 3 of 6 does not
    assert majority(codes(S, S, S, S, X, X), threshold=2 / 3, inclusive=True).adopted
    assert not majority(codes(S, S, S, A, X, X), threshold=2 / 3, inclusive=True).adopted


def test_eu_double_majority_with_the_blocking_minority_clause():
    # 5 members; 55% of members = 3 (2.75 rounded up); 65% of population
    population = np.array([40.0, 30.0, 15.0, 10.0, 5.0])
    qmv = {"weight": population, "member_share": 0.55, "weight_share": 0.65,
           "blocking_minority": 4}
    # 3 members with 85% of the population: adopted
    assert qualified_majority(codes(S, S, S, X, X), **qmv).adopted
    # 3 members with 30% of the population fail the population test, but only two
    # members fail to say yes (fewer than 4): the clause deems the test met
    decision = qualified_majority(codes(X, X, S, S, S), **qmv)
    assert decision.adopted  # only 2 non-yes members: no blocking minority possible
    no_clause = dict(qmv, blocking_minority=0)
    decision = qualified_majority(codes(X, X, S, S, S), **no_clause)
    assert not decision.adopted and decision.blockers.tolist() == [0, 1]
    # 2 members of 5 is below 55% whatever their population
    assert not qualified_majority(codes(S, S, X, X, X), **qmv).adopted


def test_eu_blocking_minority_needs_four_members():
    # 10 members of equal population; 7 yes = 70% of members and of population: adopted
    equal = {"weight": np.ones(10), "member_share": 0.55, "weight_share": 0.65,
             "blocking_minority": 4}
    assert qualified_majority(codes(*[S] * 7, X, X, X), **equal).adopted
    # 6 yes = 60% of population < 65%, and the 4 others form a blocking minority
    assert not qualified_majority(codes(*[S] * 6, X, X, X, A), **equal).adopted
    # with a big member: 6 yes holding 64% of population, 4 small ones against
    big = {**equal, "weight": np.array([10, 10, 10, 10, 10, 14, 9, 9, 9, 9], dtype=float)}
    assert not qualified_majority(codes(*[S] * 6, X, X, X, X), **big).adopted


def test_un_security_council_veto_and_nine_votes():
    veto = np.array([True] * 5 + [False] * 10)
    nine = codes(*[S] * 9, *[A] * 6)
    assert veto_majority(nine, veto=veto).adopted
    # a permanent member's abstention does not block
    assert veto_majority(codes(A, *[S] * 9, *[A] * 5), veto=veto).adopted
    # a permanent member's no does, even with 14 yes votes
    decision = veto_majority(codes(X, *[S] * 14), veto=veto)
    assert not decision.adopted
    assert decision.blockers.tolist() == [0] and decision.need.tolist() == [A]
    # 8 yes votes are not enough; an elected member voting no is no veto
    decision = veto_majority(codes(*[S] * 8, X, *[A] * 6), veto=veto)
    assert not decision.adopted
    assert set(decision.need.tolist()) == {S}


def test_rule_function_follows_the_scenario(trio):
    assert rule_function(scenario_from_dict(trio)) is consensus
    assert blocking_cost_scaled(scenario_from_dict(trio))
    trio["rule"] = {"type": "unanimity", "constructive_abstention": False}
    rule = rule_function(scenario_from_dict(trio))
    assert rule(codes(S, A, S)).blockers.tolist() == [1]
    trio["rule"] = {"type": "silence"}
    assert not blocking_cost_scaled(scenario_from_dict(trio))
    trio["rule"] = {"type": "veto_majority", "threshold": 0.6, "veto": ["A"]}
    rule = rule_function(scenario_from_dict(trio))
    assert not rule(codes(X, S, S)).adopted and rule(codes(A, S, S)).adopted
    trio["rule"] = {"type": "qualified_majority", "member_share": 0.6, "weight_share": 0.6,
                    "blocking_minority": 0}
    trio["actors"][0]["weight"] = 8.0
    rule = rule_function(scenario_from_dict(trio))
    assert rule(codes(S, X, S)).adopted and not rule(codes(X, S, S)).adopted


def test_abstentions_never_stop_a_decision_under_art_238_4_tfeu():
    responses = codes(A, A, A, A, S)  # four abstainers of five
    assert not unanimity(responses).adopted  # Art. 31(1) TEU: a third stops it
    decision = unanimity(responses, stop_at=None)  # Art. 238(4) TFEU
    assert decision.adopted and decision.blockers.tolist() == []
    assert unanimity(codes(X, A, S, S, S), stop_at=None).blockers.tolist() == [0]
