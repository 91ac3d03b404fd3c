"""Decision rules: pure functions from the members' responses to a decision.

Each rule takes the round's response codes (SUPPORT, ABSTAIN or OBJECT per member)
and returns a :class:`Decision`: whether the proposal is adopted and, if not, which
members stand in its way. The agenda setter addresses those members next round.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import numpy as np

from .agents import ABSTAIN, OBJECT, SUPPORT
from .scenario import ConsensusRule, Scenario, UnanimityRule


class Decision(NamedTuple):
    """The outcome of one vote.

    Attributes:
        adopted: whether the proposal passes.
        blockers: rows of the members whose responses stand in its way.
    """

    adopted: bool
    blockers: np.ndarray


RuleFunction = Callable[[np.ndarray], Decision]


def consensus(responses: np.ndarray) -> Decision:
    """Consensus (NATO): silence is consent, so the proposal passes unless a member
    objects; a single objection blocks it, and every objector is a blocker."""
    blockers = np.flatnonzero(responses == OBJECT)
    return Decision(blockers.size == 0, blockers)


def unanimity(responses: np.ndarray, constructive_abstention: bool = True) -> Decision:
    """Unanimity: every member must say yes. With constructive abstention (as in the
    EU's common foreign and security policy, Art. 31 TEU) an abstainer does not block;
    without it, an abstention counts as a no."""
    blocking = responses != SUPPORT
    if constructive_abstention:
        blocking &= responses != ABSTAIN
    blockers = np.flatnonzero(blocking)
    return Decision(blockers.size == 0, blockers)


def rule_function(scenario: Scenario) -> RuleFunction:
    """The decision rule a scenario names, as a function of the response codes."""
    rule = scenario.rule
    if isinstance(rule, ConsensusRule):
        return consensus
    if isinstance(rule, UnanimityRule):
        return partial(unanimity, constructive_abstention=rule.constructive_abstention)
    raise TypeError(f"no decision rule for {type(rule).__name__}")  # pragma: no cover


def abstention_blocks(rule: RuleFunction) -> bool:
    """Whether an abstention stands in the way under ``rule`` (so blockers must support)."""
    return not rule(np.array([ABSTAIN], dtype=np.int8)).adopted
