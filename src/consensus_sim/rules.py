"""Decision rules: pure functions from the members' responses to a decision.

Each rule takes the round's response codes (SUPPORT, ABSTAIN or OBJECT per member)
and returns a :class:`Decision`: whether the proposal is adopted and, if not, which
members stand in its way and what each would have to become (stop objecting, or
vote yes). The agenda setter addresses those members next round.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import numpy as np

from .scenario import (
    ConsensusRule,
    MajorityRule,
    QualifiedMajorityRule,
    Scenario,
    SilenceRule,
    UnanimityRule,
    VetoMajorityRule,
)

#: A member's response in a round.
SUPPORT, ABSTAIN, OBJECT = 1, 0, -1
RESPONSE_NAMES = {SUPPORT: "support", ABSTAIN: "abstain", OBJECT: "object"}


class Decision(NamedTuple):
    """The outcome of one vote.

    Attributes:
        adopted: whether the proposal passes.
        blockers: rows of the members whose responses stand in its way.
        need: for each blocker, the response it would have to give instead:
            ABSTAIN (stop objecting) or SUPPORT (vote yes).
    """

    adopted: bool
    blockers: np.ndarray
    need: np.ndarray


RuleFunction = Callable[[np.ndarray], Decision]
_NONE = np.empty(0, dtype=np.intp)
_NO_NEED = np.empty(0, dtype=np.int8)


def _decision(blocking: np.ndarray, adopted: bool, need: int | np.ndarray) -> Decision:
    if adopted:
        return Decision(True, _NONE, _NO_NEED)
    blockers = np.flatnonzero(blocking)
    need_codes = (np.full(blockers.size, need, dtype=np.int8) if np.ndim(need) == 0
                  else need[blockers].astype(np.int8))
    return Decision(False, blockers, need_codes)


def consensus(responses: np.ndarray) -> Decision:
    """Consensus (NATO): silence is consent, so the proposal passes unless a member
    objects; a single objection blocks it, and every objector is a blocker."""
    objecting = responses == OBJECT
    return _decision(objecting, not objecting.any(), ABSTAIN)


def silence(responses: np.ndarray) -> Decision:
    """Silence procedure (NATO): a circulated draft passes unless a member breaks
    silence by the deadline. Who breaks silence blocks, as under consensus; what
    differs is the cost of doing so (see :func:`blocking_cost_scaled`)."""
    return consensus(responses)


def unanimity(responses: np.ndarray, constructive_abstention: bool = True) -> Decision:
    """Unanimity: every member must say yes. With constructive abstention (as in the
    EU's common foreign and security policy, Art. 31 TEU) an abstainer does not block;
    without it, an abstention counts as a no."""
    if constructive_abstention:
        blocking = responses == OBJECT
        return _decision(blocking, not blocking.any(), ABSTAIN)
    blocking = responses != SUPPORT
    return _decision(blocking, not blocking.any(), SUPPORT)


def majority(responses: np.ndarray, threshold: float = 0.5, inclusive: bool = False) -> Decision:
    """Majority of members: adopted when the share voting yes exceeds ``threshold``
    (or reaches it, with ``inclusive``). Every member not voting yes is a blocker who
    would have to vote yes."""
    yes = np.count_nonzero(responses == SUPPORT)
    adopted = yes >= quota(threshold, responses.size, inclusive)
    return _decision(responses != SUPPORT, adopted, SUPPORT)


def qualified_majority(responses: np.ndarray, weight: np.ndarray, member_share: float = 0.55,
                       weight_share: float = 0.65, blocking_minority: int = 4) -> Decision:
    """Double majority (EU Council, Art. 16(4) TEU): at least ``member_share`` of the
    members vote yes, and they hold at least ``weight_share`` of the total weight
    (population) -- unless fewer than ``blocking_minority`` members fail to vote yes,
    in which case the weight condition is deemed met. Abstaining counts as not yes."""
    supporting = responses == SUPPORT
    n = responses.size
    yes = np.count_nonzero(supporting)
    enough_members = yes >= quota(member_share, n, inclusive=True)
    total = weight.sum()
    enough_weight = total <= 0 or weight[supporting].sum() >= weight_share * total - 1e-12
    no_blocking_minority = blocking_minority > 0 and n - yes < blocking_minority
    adopted = enough_members and (enough_weight or no_blocking_minority)
    return _decision(~supporting, adopted, SUPPORT)


def veto_majority(responses: np.ndarray, veto: np.ndarray, threshold: float = 0.6) -> Decision:
    """Majority with veto holders (UN Security Council, Art. 27(3) UN Charter): at
    least ``threshold`` of the members vote yes, and no veto holder votes no. A veto
    holder's abstention does not block. An objecting veto holder must stop objecting;
    any other member not voting yes is a blocker who would have to vote yes."""
    yes = np.count_nonzero(responses == SUPPORT)
    vetoed = veto & (responses == OBJECT)
    adopted = yes >= quota(threshold, responses.size, inclusive=True) and not vetoed.any()
    need = np.where(vetoed, ABSTAIN, SUPPORT)
    return _decision(vetoed | (responses != SUPPORT), adopted, need)


def quota(share: float, n: int, inclusive: bool) -> int:
    """The smallest number of yes votes out of ``n`` that reaches ``share`` (with
    ``inclusive``) or exceeds it; robust to rounding in ``share * n``."""
    exact = share * n
    if inclusive:
        return math.ceil(exact - 1e-9)
    return math.floor(exact + 1e-9) + 1


def rule_function(scenario: Scenario) -> RuleFunction:
    """The decision rule a scenario names, as a function of the response codes."""
    rule = scenario.rule
    a = scenario.arrays
    match rule:
        case ConsensusRule():
            return consensus
        case SilenceRule():
            return silence
        case UnanimityRule():
            return partial(unanimity, constructive_abstention=rule.constructive_abstention)
        case MajorityRule():
            return partial(majority, threshold=rule.threshold, inclusive=rule.inclusive)
        case QualifiedMajorityRule():
            return partial(qualified_majority, weight=a.weight[: a.n_members],
                           member_share=rule.member_share, weight_share=rule.weight_share,
                           blocking_minority=rule.blocking_minority)
        case VetoMajorityRule():
            veto = np.isin(np.array(a.member_ids), list(rule.veto))
            return partial(veto_majority, veto=veto, threshold=rule.threshold)
    raise TypeError(f"no decision rule for {type(rule).__name__}")  # pragma: no cover


def blocking_cost_scaled(scenario: Scenario) -> bool:
    """Whether a member's blocking cost shrinks with the number of other objectors.

    It does under every rule but the silence procedure, where breaking silence is
    a visible act each objector pays for in full.
    """
    return not isinstance(scenario.rule, SilenceRule)
