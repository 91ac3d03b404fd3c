"""The actors of a negotiation, and how each one acts in a round.

Every member compares the proposal on the table, x, with the status quo, q, through
its utility

    U_i(x) = -sum_k s_ik * |x_k - p_ik| ** gamma_i

where p_i is its ideal position, s_i its salience for each dimension and gamma_i how
sharply losses grow with distance (2 = quadratic, risk averse; 1 = linear).

Member i **objects** when the proposal leaves it worse off than the status quo by
more than it tolerates, and by more than the cost of being seen to block:

    U_i(q) - U_i(x) > tolerance_i + blocking_cost_i * share of the other members not objecting

so a lone objector facing an otherwise united alliance pays its whole blocking cost,
while one of many pays little. Each member's best response depends on how many
others object; the round's responses are the equilibrium reached by iterating best
responses from nobody objecting (:func:`.kernel.respond`). A member that does not
object **supports** when it likes x at least as well as q, and otherwise
**abstains** (under a consensus rule, silence is consent).

The agenda setter (the chair, or any actor a scenario names) **amends** a blocked
proposal: it tables the text it likes best among those that would pass
(:func:`.kernel.amend`). Partners and external actors **press** members.

Each method applies a rule from :mod:`.kernel` to this actor's row of the model's
state; the ensemble runner applies the same functions to thousands of runs at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from . import kernel
from .rules import ABSTAIN, OBJECT, RESPONSE_NAMES, SUPPORT

if TYPE_CHECKING:
    from .model import NegotiationModel
    from .scenario import Actor as ActorSpec

__all__ = ["ABSTAIN", "OBJECT", "RESPONSE_NAMES", "SUPPORT", "Actor", "Chair", "External",
           "Lobbyist", "Member", "Partner", "utilities"]

utilities = kernel.utilities


class Actor(mesa.Agent):
    """An actor in the negotiation: a view of its row of the model's state."""

    model: NegotiationModel

    def __init__(self, model: NegotiationModel, row: int, spec: ActorSpec) -> None:
        super().__init__(model)
        self.row = row
        self.actor_id = spec.id
        self.name = spec.label

    @property
    def position(self) -> np.ndarray:
        """Ideal point, one number per dimension (this run's draw, after pressure)."""
        return self.model.state.position[0, self.row]

    @property
    def salience(self) -> np.ndarray:
        """How much each dimension matters to this actor."""
        return self.model.state.salience[0, self.row]

    def utility(self, x: np.ndarray) -> float:
        """This actor's utility for the text ``x``."""
        g = self.model.setup.gamma[self.row]
        return float(utilities(self.position[None], self.salience[None], g,
                               np.asarray(x, dtype=float))[0])

    def amend(self, blocking: np.ndarray, need: np.ndarray | None = None
              ) -> tuple[np.ndarray, bool, int]:
        """As agenda setter, answer a blocked round (see :func:`.kernel.amend`):
        ``blocking`` and ``need`` as in the round's :class:`~.rules.Decision`.

        Returns:
            The text to table next, the move (``kernel.TABLE``, ``WITHDRAW`` or
            ``POSTPONE``), and the member row of the blocker most costly to win over.
        """
        m = self.model
        pivot = kernel.costliest_blocker(m.setup, m.state, blocking[None],
                                         None if need is None else need[None])
        kernel.weigh_vote_of(m.setup, m.state, m.steps + 1)  # it weighs the next vote
        text, move = kernel.amend(m.setup, m.state, pivot)
        return text[0], int(move[0]), int(pivot[0])

    def learn(self, codes: np.ndarray) -> None:
        """As agenda setter, update its belief about the members from their responses
        (under private information; see :func:`.kernel.learn`)."""
        m = self.model
        kernel.learn(m.setup, m.state, codes[None])

    @property
    def belief(self) -> np.ndarray | None:
        """As agenda setter under private information: the weight of each of its types
        of each member, (members, types); None otherwise."""
        state = self.model.state
        return None if state.belief is None else kernel.belief_shares(state)[:, 0].T

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.actor_id})"


class Member(Actor):
    """A member of the alliance or council: it votes on every proposal."""

    def __init__(self, model: NegotiationModel, row: int, spec: ActorSpec) -> None:
        super().__init__(model, row, spec)
        self.loss = np.nan
        self.threshold = np.nan
        self.objecting = False
        self.code: int | None = None

    @property
    def tolerance(self) -> float:
        return float(self.model.state.tolerance[0, self.row])

    @property
    def blocking_cost(self) -> float:
        """Its blocking cost in this round's vote (with a meeting's failure cost)."""
        return float(kernel.blocking_costs(self.model.state)[0, self.row])

    @property
    def response(self) -> str:
        """This round's response: 'support', 'abstain' or 'object' ('' before any round)."""
        return "" if self.code is None else RESPONSE_NAMES[self.code]

    def weigh(self, x: np.ndarray) -> None:
        """Weigh the text ``x``: its loss against its reversion point (its outside option,
        else the status quo); nobody objects yet."""
        m = self.model
        row = slice(self.row, self.row + 1)
        position, salience = m.state.position[:, row], m.state.salience[:, row]
        gamma = m.setup.member_gamma
        if np.ndim(gamma):
            gamma = gamma[row]
        at_o = utilities(position, salience, gamma, m.setup.reversion[self.row][None])
        self.loss = float((at_o - utilities(position, salience, gamma, x[None]))[0, 0])
        self.objecting = False

    def best_respond(self, others_objecting: int) -> bool:
        """Object or not, given how many other members object; True if it changed.

        It objects when its loss exceeds :func:`.kernel.objection_threshold` (under the
        silence procedure: its tolerance plus its whole blocking cost).
        """
        m = self.model
        n = m.setup.n_members
        share = (n - 1 - others_objecting) / (n - 1) if m.setup.scaled and n > 1 else 1.0
        self.threshold = float(kernel.objection_threshold(self.tolerance, self.blocking_cost,
                                                          share))
        now = self.loss > self.threshold + kernel.INDIFFERENCE
        changed = now != self.objecting
        self.objecting = now
        return changed

    def settle(self) -> None:
        """Fix this round's response from the equilibrium reached."""
        if self.objecting:
            self.code = OBJECT
        else:
            self.code = SUPPORT if self.loss <= kernel.INDIFFERENCE else ABSTAIN

    def objects_to(self, x: np.ndarray) -> bool:
        """Whether this member would object to ``x`` if it were tabled now: its response
        in the equilibrium of the response game over ``x`` (the function the round uses)."""
        m = self.model
        x = np.asarray(x, dtype=float)[None]
        loss = kernel.losses(m.setup, m.state, x)
        codes, _ = kernel.respond(loss, m.state.tolerance, kernel.blocking_costs(m.state),
                                  m.setup.scaled)
        return bool(codes[0, self.row] == OBJECT)


class Chair(Actor):
    """A non-voting office holder who tables proposals (NATO's Secretary General)."""


class Lobbyist(Actor):
    """A non-voting actor that presses members every round."""

    def press(self) -> list[tuple[bool, Any, np.ndarray]]:
        """This actor's pressure this round, computed from the state at the round's start
        (see :func:`.kernel.pressure_delta`); the model adds every lobbyist's at once."""
        m = self.model
        return [kernel.pressure_delta(m.setup, m.state, i)
                for i, item in enumerate(m.setup.pressure) if item[0] == self.row]


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
