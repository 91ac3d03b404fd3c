"""The actors of a negotiation, and how a member decides to support, abstain or object.

Every member compares the proposal on the table, x, with the status quo, q, through
its utility

    U_i(x) = -sum_k s_ik * |x_k - p_ik| ** gamma_i

where p_i is its ideal position, s_i its salience for each dimension and gamma_i how
sharply losses grow with distance (2 = quadratic, risk averse; 1 = linear).

Member i **objects** when the proposal leaves it worse off than the status quo by
more than it tolerates, and by more than the cost of being seen to block:

    U_i(q) - U_i(x) > tolerance_i + blocking_cost_i * share of the other members not objecting

so a lone objector facing an otherwise united alliance pays its whole blocking cost,
while one of many pays little. A member that does not object **supports** when it
likes x at least as well as q, and otherwise **abstains** (under a consensus rule,
silence is consent).

The decision is computed for all members at once (:func:`respond`), because the
per-round step is the model's hot path; :meth:`Member.objects_to` states the same
test for one member, for reading and for the dashboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np

if TYPE_CHECKING:
    from .model import NegotiationModel
    from .scenario import Actor as ActorSpec

from .rules import ABSTAIN, OBJECT, RESPONSE_NAMES, SUPPORT

__all__ = ["ABSTAIN", "OBJECT", "RESPONSE_NAMES", "SUPPORT", "Member", "respond", "utilities"]


def utilities(position: np.ndarray, salience: np.ndarray, gamma: float | np.ndarray,
              x: np.ndarray) -> np.ndarray:
    """U_i(x) = -sum_k s_ik |x_k - p_ik|^gamma_i, for every row i of ``position`` at once.

    Args:
        position: ideal points, shape (n, d).
        salience: saliences, shape (n, d).
        gamma: one exponent for all rows, or one per row, shape (n,).
        x: the point to evaluate, shape (d,).
    """
    distance = np.abs(position - x)
    if np.ndim(gamma) == 0:
        if gamma == 2.0:
            distance *= distance
        elif gamma != 1.0:
            distance **= gamma
    else:
        distance **= gamma[:, None]
    distance *= salience
    return -distance.sum(axis=1)


class Responses(NamedTuple):
    """The members' responses in one round.

    Attributes:
        code: SUPPORT, ABSTAIN or OBJECT per member.
        loss: U_i(q) - U_i(x): how much worse off x leaves each member than q.
        threshold: the loss each member swallows before objecting this round
            (tolerance plus its blocking cost at this round's level of support).
        status_quo_utility: U_i(q) per member.
    """

    code: np.ndarray
    loss: np.ndarray
    threshold: np.ndarray
    status_quo_utility: np.ndarray


def respond(position: np.ndarray, salience: np.ndarray, gamma: float | np.ndarray,
            tolerance: np.ndarray, blocking_cost: np.ndarray,
            proposal: np.ndarray, status_quo: np.ndarray, scaled: bool = True) -> Responses:
    """Every member's response to ``proposal`` against ``status_quo`` (rows are members).

    With ``scaled=False`` (the silence procedure) every objector pays its whole
    blocking cost, whatever the others do.
    """
    status_quo_utility = utilities(position, salience, gamma, status_quo)
    loss = status_quo_utility - utilities(position, salience, gamma, proposal)
    if scaled:
        tempted = loss > tolerance
        n = loss.size
        # For a tempted member, the others not objecting are everyone but the tempted.
        others_not_objecting = (n - np.count_nonzero(tempted)) / max(n - 1, 1)
        threshold = tolerance + blocking_cost * others_not_objecting
    else:
        threshold = tolerance + blocking_cost
    code = np.where(loss > threshold, OBJECT, np.where(loss <= 0.0, SUPPORT, ABSTAIN))
    return Responses(code.astype(np.int8), loss, threshold, status_quo_utility)


class Actor(mesa.Agent):
    """An actor in the negotiation; its preferences live in the model's arrays.

    The model keeps every actor's ideal point and salience in one array (row
    ``self.row``) so that a round is computed for all members at once; the
    properties below read this actor's row.
    """

    model: NegotiationModel

    def __init__(self, model: NegotiationModel, row: int, spec: ActorSpec) -> None:
        super().__init__(model)
        self.row = row
        self.actor_id = spec.id
        self.name = spec.label

    @property
    def position(self) -> np.ndarray:
        """Ideal point, one number per dimension (after this run's noise and pressure)."""
        return self.model.position[self.row]

    @property
    def salience(self) -> np.ndarray:
        """How much each dimension matters to this actor."""
        return self.model.salience[self.row]

    def utility(self, x: np.ndarray) -> float:
        """This actor's utility for the point ``x``."""
        m = self.model
        return float(utilities(self.position[None], self.salience[None],
                               m.gamma_of(self.row), np.asarray(x, dtype=float))[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.actor_id})"


class Member(Actor):
    """A member of the alliance or council: it votes on every proposal."""

    @property
    def response(self) -> str:
        """This round's response: 'support', 'abstain' or 'object' ('' before any round)."""
        r = self.model.responses
        return "" if r is None else RESPONSE_NAMES[int(r.code[self.row])]

    def objects_to(self, x: np.ndarray) -> bool:
        """Whether this member objects to ``x``, blocking alone against everyone else.

        The same test as :func:`respond`, for one member: it objects when x leaves
        it worse off than the status quo by more than its tolerance plus its cost
        of blocking alone.
        """
        m = self.model
        loss = self.utility(m.status_quo) - self.utility(x)
        return loss > m.tolerance[self.row] + m.blocking_cost[self.row]


class Chair(Actor):
    """A non-voting office holder who tables proposals (NATO's Secretary General)."""


class Lobbyist(Actor):
    """A non-voting actor that applies pressure to members every round."""

    def press(self) -> None:
        """Apply this actor's pressure items to the members they target.

        ``affects: position`` pulls each target's ideal point a fraction ``strength`` of the
        way toward this actor's; ``affects: salience`` raises each target's salience by the
        factor ``1 + strength``, up to 1.
        """
        m = self.model
        for on_salience, strength, rows, dims in self.pressure:
            if on_salience:
                m.salience[rows] = np.minimum(1.0, m.salience[rows] * (1.0 + strength))
            else:
                m.position[rows] += strength * (self.position[dims] - m.position[rows])


class Partner(Lobbyist):
    """A non-member partner that lobbies members (Japan for the Tokyo office)."""


class External(Lobbyist):
    """An outside power that pressures members (China, North Korea, ASEAN)."""


AGENT_CLASSES: dict[str, type[Actor]] = {
    "member": Member,
    "chair": Chair,
    "partner": Partner,
    "external": External,
}
