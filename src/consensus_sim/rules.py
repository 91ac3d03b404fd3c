"""Decision rules: pure functions from the members' responses to a decision.

Each rule takes response codes (SUPPORT, ABSTAIN or OBJECT per member) with the
members on the last axis and any leading axes (runs, candidate texts), and returns
a :class:`Decision`: whether the proposal is adopted and, if not, which members
stand in its way and what each would have to become (stop objecting, or vote yes).
The same function decides one vote in the Mesa model and thousands of votes at
once in the ensemble runner.
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
    """The outcome of one vote (or of a batch of votes, on the leading axes).

    Attributes:
        adopted: whether the proposal passes (a bool for one vote, else an array).
        blocking: per member, whether its response stands in the proposal's way.
        need_all: per member, the response a blocker would have to give instead:
            ABSTAIN (stop objecting) or SUPPORT (vote yes); meaningless for others.
    """

    adopted: bool | np.ndarray
    blocking: np.ndarray
    need_all: np.ndarray

    @property
    def blockers(self) -> np.ndarray:
        """Rows of the blockers (one vote only)."""
        return np.flatnonzero(self.blocking)

    @property
    def need(self) -> np.ndarray:
        """For each blocker, the response it would have to give instead (one vote only)."""
        return self.need_all[self.blocking]


RuleFunction = Callable[[np.ndarray], Decision]


def _decision(adopted: np.ndarray, blocking: np.ndarray, need: int | np.ndarray) -> Decision:
    blocking = blocking & ~np.asarray(adopted)[..., None]
    need_all = np.broadcast_to(np.asarray(need, dtype=np.int8), blocking.shape)
    return Decision(adopted.item() if np.ndim(adopted) == 0 else adopted, blocking, need_all)


def consensus(responses: np.ndarray) -> Decision:
    """Consensus (NATO): silence is consent, so the proposal passes unless a member
    objects; a single objection blocks it, and every objector is a blocker."""
    objecting = responses == OBJECT
    return _decision(~objecting.any(axis=-1), objecting, ABSTAIN)


def silence(responses: np.ndarray) -> Decision:
    """Silence procedure (NATO): a circulated draft passes unless a member breaks
    silence by the deadline. Who breaks silence blocks, as under consensus; what
    differs is the cost of doing so (see :func:`blocking_cost_scaled`)."""
    return consensus(responses)


def unanimity(responses: np.ndarray, constructive_abstention: bool = True,
              weight: np.ndarray | None = None, stop_at: float | None = 1 / 3) -> Decision:
    """Unanimity: no member may vote no. Without constructive abstention an abstention
    counts as a no, so every member must vote yes.

    With constructive abstention (the EU's common foreign and security policy,
    Art. 31(1) TEU) a member may abstain, and its abstention alone does not stop the
    decision; but "if the members of the Council qualifying their abstention in this
    way represent at least one third of the Member States comprising at least one
    third of the population of the Union, the decision shall not be adopted". Here:
    abstainers at least ``stop_at`` (a third) of the members and holding at least
    that share of the total ``weight`` (equal weights if none). The abstainers then
    block, and would have to vote yes; an objector would have to abstain. With
    ``stop_at`` None abstentions never stop a decision (Art. 238(4) TFEU:
    "Abstentions ... shall not prevent the adoption by the Council of acts which
    require unanimity").
    """
    if not constructive_abstention:
        blocking = responses != SUPPORT
        return _decision(~blocking.any(axis=-1), blocking, SUPPORT)
    objecting = responses == OBJECT
    if stop_at is None:
        return _decision(~objecting.any(axis=-1), objecting, ABSTAIN)
    abstaining = responses == ABSTAIN
    n = responses.shape[-1]
    weight = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    enough_members = np.count_nonzero(abstaining, axis=-1) >= quota(stop_at, n, inclusive=True)
    stopped = enough_members & _holds_share(abstaining, weight, stop_at)
    blocking = objecting | (abstaining & stopped[..., None])
    need = np.where(objecting, ABSTAIN, SUPPORT).astype(np.int8)
    return _decision(~objecting.any(axis=-1) & ~stopped, blocking, need)


def majority(responses: np.ndarray, threshold: float = 0.5, inclusive: bool = False) -> Decision:
    """Majority of members: adopted when the share voting yes exceeds ``threshold``
    (or reaches it, with ``inclusive``). Every member not voting yes is a blocker who
    would have to vote yes."""
    yes = np.count_nonzero(responses == SUPPORT, axis=-1)
    adopted = yes >= quota(threshold, responses.shape[-1], inclusive)
    return _decision(adopted, responses != SUPPORT, SUPPORT)


def qualified_majority(responses: np.ndarray, weight: np.ndarray, member_share: float = 0.55,
                       weight_share: float = 0.65, blocking_minority: int = 4) -> Decision:
    """Double majority (EU Council, Art. 16(4) TEU): at least ``member_share`` of the
    members vote yes, and they hold at least ``weight_share`` of the total weight
    (population) -- unless fewer than ``blocking_minority`` members fail to vote yes,
    in which case the weight condition is deemed met. Abstaining counts as not yes."""
    supporting = responses == SUPPORT
    n = responses.shape[-1]
    yes = np.count_nonzero(supporting, axis=-1)
    enough_members = yes >= quota(member_share, n, inclusive=True)
    enough_weight = _holds_share(supporting, weight, weight_share)
    no_blocking_minority = (blocking_minority > 0) & (n - yes < blocking_minority)
    adopted = enough_members & (enough_weight | no_blocking_minority)
    return _decision(adopted, ~supporting, SUPPORT)


def veto_majority(responses: np.ndarray, veto: np.ndarray, threshold: float = 0.6) -> Decision:
    """Majority with veto holders (UN Security Council, Art. 27(3) UN Charter): at
    least ``threshold`` of the members vote yes, and no veto holder votes no. A veto
    holder's abstention does not block. An objecting veto holder must stop objecting;
    any other member not voting yes is a blocker who would have to vote yes."""
    yes = np.count_nonzero(responses == SUPPORT, axis=-1)
    vetoed = veto & (responses == OBJECT)
    adopted = (yes >= quota(threshold, responses.shape[-1], inclusive=True)) & ~vetoed.any(axis=-1)
    need = np.where(vetoed, ABSTAIN, SUPPORT).astype(np.int8)
    return _decision(adopted, vetoed | (responses != SUPPORT), need)


def _holds_share(members: np.ndarray, weight: np.ndarray, share: float) -> np.ndarray:
    """Whether the ``members`` (a mask over the last axis) hold at least ``share`` of
    the total ``weight`` (to rounding; always, when there is no weight at all)."""
    total = weight.sum()
    return (total <= 0) | (members @ weight >= share * total - 1e-12)


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
            return partial(unanimity, constructive_abstention=rule.constructive_abstention,
                           weight=a.weight[: a.n_members], stop_at=rule.abstainers_stop_at)
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


def counts_more_than_objections(scenario: Scenario) -> bool:
    """Whether adoption can turn on more than each member's not objecting (or, under
    unanimity without constructive abstention, its yes): the voting rules, and
    unanimity with constructive abstention, where enough abstainers stop a
    decision. The setter must then play the response game out over its texts."""
    rule = scenario.rule
    return is_vote(scenario) or (isinstance(rule, UnanimityRule) and rule.constructive_abstention
                                 and rule.abstainers_stop_at is not None)


def is_vote(scenario: Scenario) -> bool:
    """Whether the rule counts yes votes (majority, qualified majority, veto majority)
    rather than objections (consensus, silence, unanimity)."""
    return isinstance(scenario.rule, MajorityRule | QualifiedMajorityRule | VetoMajorityRule)
