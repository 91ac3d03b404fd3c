"""Bueno de Mesquita's expected-utility ("challenge") model of group decisions.

Every actor holds a position on one issue, a capability (how much it can bring to
bear) and a salience (how much it cares, read also as the chance that it resists a
challenge). In every round each actor works out, for every other actor, whether
*challenging* that actor's position pays: it weighs the chance of winning the
ensuing vote, what it gains by winning, loses by failing and would get from the
status quo. Where one side expects to gain and the other to lose, offers follow:
the weaker side loses a confrontation (moves to the stronger side's position),
compromises (moves part of the way) or capitulates (moves all the way). Everyone
takes at most one offer a round, all at once, and the capability x salience
weighted median of the new positions is the forecast. On a scenario
(:func:`forecast`) each issue is a game of the actors with a stake in it, salience
above 0: an actor that cares nothing for an issue neither challenges nor is
challenged there.

The model is Bueno de Mesquita's (1994, "Political forecasting: an expected utility
method", in Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*,
Yale University Press), as formalised by Scholz, Calbert & Smith (2011,
"Unravelling Bueno De Mesquita's group decision model", *Journal of Theoretical
Politics* 23(4): 510-531). Where their text leaves room, the defaults follow the
public replication of Scholz's own code by GitHub user jmckib
(github.com/jmckib/bdm-scholz-expected-utility-model, ``bdm_scholz_model.py``, and
D. Masad's Python 3 port, github.com/dmasad/bdm-scholz-expected-utility-model), which
reproduces Scholz et al.'s Table 2 within 0.08 but for one cell. Each of those
choices is a keyword option (:class:`EUChoices`) whose alternative says what the
papers' text suggests instead. The code here is written afresh on arrays.

Formulas (one issue; x positions, c capability, s salience, r risk exponents,
``span`` the position range, Q the probability that the status quo persists, T the
probability that an unchallenged change improves things for the challenger, mu the
expected outcome):

- vote of k for x_a over x_b: ``v_k(a, b) = c_k s_k ((|x_k - x_b| / span)^r_k -
  (|x_k - x_a| / span)^r_k)`` (with r_k = 1: ``c_k s_k (|x_k - x_b| - |x_k - x_a|) /
  span``);
- probability that a beats b: ``P(a, b) = sum_k max(0, v_k(a, b)) / N``, N the sum of
  |v| over all voters and all ordered pairs of actors (default) or over the voters
  for this pair alone;
- utilities to a of challenging b, with d = |x_a - x_b| / span: success
  ``U_s = 2 - 4 (0.5 - 0.5 d)^r``, failure ``U_f = 2 - 4 (0.5 + 0.5 d)^r``, status
  quo ``U_sq = 2 - 4 (0.5)^r``, improvement ``U_b = 2 - 4 (0.5 - 0.25 (|x_a - mu| /
  span + d))^r`` and worsening ``U_w`` (the same with + 0.25);
- expected utility of challenging: ``EU(a, b) = s_b (P U_s + (1 - P) U_f) + (1 - s_b)
  U_s - Q U_sq - (1 - Q) (T U_b + (1 - T) U_w)``;
- risk: with every r = 1, the danger to i is ``D_i = sum_{a != i} EU(a, i)``; ``R_i =
  (2 D_i - max D - min D) / (max D - min D)`` and ``r_i = (1 - R_i / 3) / (1 + R_i /
  3)``, from 1/2 (the most endangered actor) to 2 (the safest).

Ties: numbers equal up to rounding are equal. Expected utilities within
:data:`EU_TIE` of each other are a tie (no offer), positions and offers within
:data:`POSITION_TIE` of the span are one; between equally good offers the stronger
threat prevails, and offers equal in that too but toward different positions cancel
(the actor stays). So the run never depends on the order in which the actors are
listed, nor on the sign of rounding noise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .compromise import weighted_mean
from .forecast import Actors, Forecast, participants
from .median import weighted_median

if TYPE_CHECKING:
    from ..scenario import Scenario

__all__ = [
    "EU_TIE",
    "MOVE_KINDS",
    "POSITION_TIE",
    "EUChoices",
    "EUResult",
    "Move",
    "challenge_utilities",
    "expected_utility_model",
    "forecast",
    "offers_to",
    "risk_exponents",
    "win_probabilities",
]

MOVE_KINDS = ("confrontation", "compromise", "capitulation")

#: Expected utilities that differ by less than this are equal. Utilities lie between -2
#: and 2 and the sums over voters leave rounding errors near 1e-15, so a smaller
#: difference is noise: it never makes an offer, and never decides which offer wins.
EU_TIE = 1e-12

#: Positions, and offers' positions, closer than this fraction of the span are equal.
POSITION_TIE = 1e-12

#: Votes computed at once in :func:`win_probabilities` (8 bytes each): bounds memory
#: for many actors, where all votes on all pairs are n^3 numbers.
_VOTE_BLOCK = 1_000_000

_OPTIONS: dict[str, tuple[Any, ...]] = {
    "range_mode": ("initial", "current"),
    "probability_normalisation": ("all_triples", "pair"),
    "offer_selection": ("weighted_position", "least_movement_by_kind", "least_movement"),
    "risk_perspective": ("receiver", "challenger"),
    "expected_outcome": ("median", "mean"),
    "outcome": ("median", "mean"),
}


@dataclass(frozen=True)
class EUChoices:
    """The interpretive choices of the model; defaults reproduce Scholz's code.

    Attributes:
        range_mode: ``"initial"`` fixes ``span``, the divisor of every distance, at
            the initial max - min of the positions (Scholz's code); ``"current"``
            recomputes it from the positions at the start of every round.
        risk_reset: True sets every risk exponent to 1 at the start of each round,
            computes the dangers with those, then r = (1 - R/3)/(1 + R/3) (Scholz's
            code). False computes the dangers with last round's exponents, so risk
            attitudes carry over from round to round.
        probability_normalisation: ``"all_triples"`` divides the votes for a
            challenge by the sum of |v| over every voter and every ordered pair of
            actors (Scholz's code): probabilities are small and P(a, b) + P(b, a) < 1.
            ``"pair"`` divides by the sum over the voters for this pair alone, so that
            P(a, b) + P(b, a) = 1, as the papers' formula reads.
        capitulation_typo: True keeps the typo of Scholz's code, whose capitulation
            test (``EU_ji < |EU_ji|``) is never true, so nobody capitulates and the
            offers it should produce are dropped. False uses the intended test: when
            j gains less by challenging i than i would lose (0 < EU_ji < |EU_ij|),
            i capitulates to x_j. On the 1994 emission-standards case both give the
            same run.
        offer_selection: which of the offers an actor receives it takes.
            ``"weighted_position"`` (Scholz's code): any confrontation first (the
            nearest), else the compromise with the *smallest* weighted position
            (|EU_ij| x_i + |EU_ji| x_j) / (|EU_ij| + |EU_ji|) -- a position, not a
            distance, so it favours the low end of the scale --, else the nearest
            capitulation. ``"least_movement_by_kind"``: the same order of kinds, but
            the compromise that moves the actor least. ``"least_movement"``: the offer
            of any kind that moves the actor least, as the papers' text says.
        risk_perspective: whose risk exponent shapes i's estimate of j's expected
            utility of challenging i. ``"receiver"`` (Scholz's code, BDM's "from i's
            perspective"): i's own r in both directions. ``"challenger"``: j's r.
        votes_use_risk: True raises each voter's normalised distances to its risk
            exponent when it votes (Scholz's code); False votes on plain distances,
            ``c_k s_k (|x_k - x_j| - |x_k - x_i|) / span``.
        improvement_probability: T, the probability that a change of the status quo
            without a challenge makes things better for the challenger. It only
            matters when Q < 1. Scholz's code drops the (1 - Q) term altogether; 1.0
            here keeps it with ``U_b``.
        expected_outcome: mu in ``U_b`` and ``U_w``: the weighted ``"median"`` of the
            current positions (BDM 1994) or the weighted ``"mean"``. Only matters when
            Q < 1.
        outcome: what :func:`forecast` reports as the forecast position: the weighted
            ``"median"`` after the last round (BDM's forecast) or the ``"mean"``.
    """

    range_mode: Literal["initial", "current"] = "initial"
    risk_reset: bool = True
    probability_normalisation: Literal["all_triples", "pair"] = "all_triples"
    capitulation_typo: bool = True
    offer_selection: Literal[
        "weighted_position", "least_movement_by_kind", "least_movement"
    ] = "weighted_position"
    risk_perspective: Literal["receiver", "challenger"] = "receiver"
    votes_use_risk: bool = True
    improvement_probability: float = 1.0
    expected_outcome: Literal["median", "mean"] = "median"
    outcome: Literal["median", "mean"] = "median"

    def __post_init__(self) -> None:
        for name, allowed in _OPTIONS.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"expected-utility choice {name}={value!r} is not known; "
                                 f"allowed: {', '.join(map(repr, allowed))}")
        for name in ("risk_reset", "capitulation_typo", "votes_use_risk"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise ValueError(f"expected-utility choice {name} must be True or False "
                                 f"(got {getattr(self, name)!r})")
        t = self.improvement_probability
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"improvement_probability is a probability in [0, 1] (got {t!r})")

    @classmethod
    def from_keywords(cls, choices: dict[str, Any]) -> EUChoices:
        """Build the choices from keyword options, naming any unknown one."""
        known = cls.__dataclass_fields__
        unknown = sorted(set(choices) - set(known))
        if unknown:
            raise TypeError(f"unknown expected-utility choice(s) {', '.join(unknown)}; "
                            f"allowed: {', '.join(known)}")
        return cls(**choices)


@dataclass(frozen=True)
class Move:
    """One actor taking one offer in one round.

    ``actor`` moves from ``start`` to ``end`` because of ``challenger``'s offer.
    ``eu_actor`` is the actor's expected utility of challenging the challenger and
    ``eu_challenger`` the challenger's expected utility of challenging the actor,
    both as the actor sees them.
    """

    round: int
    actor: int
    challenger: int
    kind: Literal["confrontation", "compromise", "capitulation"]
    eu_actor: float
    eu_challenger: float
    start: float
    end: float


@dataclass(frozen=True, eq=False)
class EUResult:
    """A run of the model on one issue.

    Attributes:
        positions: (rounds + 1, n) positions; row 0 is the input.
        median: (rounds + 1,) capability x salience weighted median per round.
        mean: (rounds + 1,) capability x salience weighted mean per round.
        risk: (rounds, n) risk exponents used for the offers of each round.
        expected_utility: (rounds, n, n) ``[t, i, j]``: i's expected utility of
            challenging j in round t + 1, as i sees it.
        threat: (rounds, n, n) ``[t, i, j]``: j's expected utility of challenging i, as
            i sees it. The pair (expected_utility, threat) places j in i's
            Bueno de Mesquita quadrant chart.
        moves: per round, the moves made (an empty tuple when nobody moved).
        settled_round: the first round in which nobody moved (the positions stay put
            from then on under the default choices), or None.
        q: the probability that the status quo persists.
        choices: the interpretive choices used.
    """

    positions: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    risk: np.ndarray
    expected_utility: np.ndarray
    threat: np.ndarray
    moves: tuple[tuple[Move, ...], ...]
    settled_round: int | None
    q: float
    choices: EUChoices = field(default_factory=EUChoices)

    @property
    def rounds(self) -> int:
        return len(self.moves)

    @property
    def final_position(self) -> float:
        """The forecast: the weighted median (or mean, per ``choices.outcome``) at the end."""
        return float(self.median[-1] if self.choices.outcome == "median" else self.mean[-1])


# --------------------------------------------------------------------------- the rules


def win_probabilities(positions: np.ndarray, weight: np.ndarray, risk: np.ndarray,
                      span: float, normalisation: str = "all_triples",
                      use_risk: bool = True) -> np.ndarray:
    """P[a, b]: the probability that a wins a contest over b's position.

    Every actor k votes for the position it prefers with its weight c_k s_k times the
    difference of its (risk-shaped) normalised distances; P[a, b] is the vote for a
    divided by all votes cast -- over every pair of actors (``"all_triples"``) or
    over this pair alone (``"pair"``). Actors at one position (within
    :data:`POSITION_TIE` of the span) never contest: P = 0.
    """
    x = np.asarray(positions, dtype=float)
    w = np.asarray(weight, dtype=float)
    n = len(x)
    exponent = np.asarray(risk, dtype=float)[:, None] if use_risk else 1.0
    # dist[k, a]: voter k's risk-shaped distance to a's position
    dist = (np.abs(x[:, None] - x[None, :]) / span) ** exponent
    # support[a, b]: the votes for a over b, summed over voters a block at a time
    # (votes[k, a, b] = w_k (dist[k, b] - dist[k, a]) is n^3 numbers)
    support = np.zeros((n, n))
    block = max(1, _VOTE_BLOCK // max(1, n * n))
    for start in range(0, n, block):
        k = slice(start, start + block)
        votes = w[k, None, None] * (dist[k, None, :] - dist[k, :, None])
        support += np.clip(votes, 0.0, None).sum(axis=0)
    # votes[k, b, a] = -votes[k, a, b], so the |votes| on a pair are support + support.T
    if normalisation == "all_triples":
        total = 2.0 * support.sum()
        p = support / total if total > 0 else np.zeros_like(support)
    else:
        total = support + support.T
        p = np.divide(support, total, out=np.zeros_like(support), where=total > 0)
    p[np.abs(x[:, None] - x[None, :]) <= POSITION_TIE * span] = 0.0
    return p


def challenge_utilities(positions: np.ndarray, salience: np.ndarray, p_win: np.ndarray,
                        risk: np.ndarray, span: float, q: float = 1.0,
                        improvement: float = 1.0, expected_outcome: float = 0.0
                        ) -> np.ndarray:
    """EU[a, b]: a's expected utility of challenging b, with risk exponent risk[a, b].

    If b resists (probability s_b) a wins with probability P[a, b]; if not, a
    succeeds. Against that stands the status quo: it persists with probability Q,
    else it changes anyway, for the better with probability T. The diagonal is 0.
    """
    x = np.asarray(positions, dtype=float)
    r = np.asarray(risk, dtype=float)
    d = np.abs(x[:, None] - x[None, :]) / span

    def utility(base: np.ndarray | float) -> np.ndarray:
        return 2.0 - 4.0 * np.clip(base, 0.0, None) ** r

    success = utility(0.5 - 0.5 * d)
    failure = utility(0.5 + 0.5 * d)
    status_quo = utility(0.5)
    s_target = np.asarray(salience, dtype=float)[None, :]
    eu = (s_target * (p_win * success + (1.0 - p_win) * failure)
          + (1.0 - s_target) * success - q * status_quo)
    if q != 1.0:
        shift = 0.25 * (np.abs(x - expected_outcome)[:, None] / span + d)
        better, worse = utility(0.5 - shift), utility(0.5 + shift)
        eu -= (1.0 - q) * (improvement * better + (1.0 - improvement) * worse)
    np.fill_diagonal(eu, 0.0)
    return eu


def risk_exponents(positions: np.ndarray, capability: np.ndarray, salience: np.ndarray,
                   span: float, q: float, choices: EUChoices,
                   previous: np.ndarray | None = None) -> np.ndarray:
    """Each actor's risk exponent r_i = (1 - R_i/3) / (1 + R_i/3), in [1/2, 2].

    The danger to i is the sum of everyone else's expected utility of challenging i;
    R_i places it between the least (-1, so r = 2, risk-averse) and the most
    endangered actor (+1, so r = 1/2, risk-acceptant). The dangers are computed with
    every r = 1 (``risk_reset``) or with ``previous``. When all dangers are equal,
    every r is 1.
    """
    x = np.asarray(positions, dtype=float)
    n = len(x)
    base = np.ones(n) if choices.risk_reset or previous is None else np.asarray(previous)
    weight = np.asarray(capability) * np.asarray(salience)
    p = win_probabilities(x, weight, base, span, choices.probability_normalisation,
                          choices.votes_use_risk)
    mu = _centre(x, weight, choices.expected_outcome)
    # the danger to i is judged with i's exponent (all 1 after a reset)
    eu = challenge_utilities(x, salience, p, np.broadcast_to(base[None, :], (n, n)), span, q,
                             choices.improvement_probability, mu)
    danger = eu.sum(axis=0)
    low, high = danger.min(), danger.max()
    if not high - low > 1e-12 * max(abs(high), abs(low)):
        return np.ones(n)
    ratio = (2.0 * danger - high - low) / (high - low)
    return (1.0 - ratio / 3.0) / (1.0 + ratio / 3.0)


def offers_to(actor: int, positions: np.ndarray, own_eu: np.ndarray, threat: np.ndarray,
              capitulation_typo: bool = True, span: float | None = None
              ) -> list[tuple[str, int, float]]:
    """The offers actor i receives, as (kind, challenger, new position).

    For each j at another position, with EU_ij = ``own_eu[j]`` and EU_ji =
    ``threat[j]`` as i sees them:

    - confrontation, EU_ji > EU_ij > 0: both would challenge, j expects more, i loses
      and moves to x_j;
    - compromise, EU_ji > 0 > EU_ij and EU_ji > |EU_ij|: i moves toward x_j by the
      fraction |EU_ij| / EU_ji of the gap;
    - capitulation, EU_ji > 0 > EU_ij and EU_ji < |EU_ij|: i moves to x_j (never, with
      ``capitulation_typo``).

    Anything else (i stronger, nobody challenging, a tie) is no offer to i. Every ">"
    means "greater by more than :data:`EU_TIE`": expected utilities equal up to
    rounding are a tie, and a value within EU_TIE of 0 is 0, so the sign of rounding
    noise never makes an offer. Actors within :data:`POSITION_TIE` of the span
    (``span``; by default the range of ``positions``) share a position.
    """
    x = np.asarray(positions, dtype=float)
    xi = x[actor]
    same = POSITION_TIE * (float(x.max() - x.min()) if span is None else span)
    found: list[tuple[str, int, float]] = []
    for j in range(len(x)):
        if j == actor or abs(x[j] - xi) <= same:
            continue
        eu_ij, eu_ji = float(own_eu[j]), float(threat[j])
        if not _exceeds(eu_ji, 0.0):
            continue  # j gains nothing by challenging i: no offer
        if _exceeds(eu_ij, 0.0) and _exceeds(eu_ji, eu_ij):
            found.append(("confrontation", j, float(x[j])))
        elif _exceeds(0.0, eu_ij) and _exceeds(eu_ji, -eu_ij):
            found.append(("compromise", j, float(xi + (x[j] - xi) * abs(eu_ij / eu_ji))))
        elif _exceeds(0.0, eu_ij) and not capitulation_typo and _exceeds(-eu_ij, eu_ji):
            found.append(("capitulation", j, float(x[j])))
    return found


def _exceeds(a: float, b: float) -> bool:
    """Whether a is greater than b by more than rounding (:data:`EU_TIE`)."""
    return a - b > EU_TIE


def _best_offer(actor: int, positions: np.ndarray, found: list[tuple[str, int, float]],
                own_eu: np.ndarray, threat: np.ndarray, selection: str, span: float
                ) -> tuple[str, int, float] | None:
    """The offer the actor takes, or None when it takes none.

    Offers whose keys (movement, or weighted position) lie within
    :data:`POSITION_TIE` of the span of the best are equally good; among them the
    offers of the challengers who expect most from challenging the actor (EU_ji, to
    within :data:`EU_TIE`) prevail. If those all lead to one position, the actor
    moves there (the offer of the challenger listed first is recorded); if they lead
    to different positions, equal pulls in different directions cancel and the actor
    stays. So the outcome never depends on the order of the actors, nor on rounding
    noise in the keys.
    """
    if not found:
        return None
    xi = positions[actor]
    same = POSITION_TIE * span

    def movement(offer: tuple[str, int, float]) -> float:
        return abs(xi - offer[2])

    def weighted_position(offer: tuple[str, int, float]) -> float:
        a, b = abs(own_eu[offer[1]]), abs(threat[offer[1]])
        return (a * xi + b * positions[offer[1]]) / (a + b)

    def take(offers: list[tuple[str, int, float]], key) -> tuple[str, int, float] | None:
        best = min(key(offer) for offer in offers)
        tied = [offer for offer in offers if key(offer) - best <= same]
        strongest = max(threat[offer[1]] for offer in tied)
        tied = [offer for offer in tied if not _exceeds(strongest, threat[offer[1]])]
        ends = [offer[2] for offer in tied]
        return tied[0] if max(ends) - min(ends) <= same else None

    if selection == "least_movement":
        return take(found, movement)
    for kind in MOVE_KINDS:
        of_kind = [offer for offer in found if offer[0] == kind]
        if of_kind:
            key = weighted_position if (kind == "compromise"
                                        and selection == "weighted_position") else movement
            return take(of_kind, key)
    return None  # pragma: no cover - every offer has one of the kinds


def _centre(x: np.ndarray, weight: np.ndarray, how: str = "median") -> float:
    """The capability x salience weighted median (lower median on a tie) or mean of
    the positions; with no weight at all, every actor counts the same."""
    if not weight.sum() > 0:
        weight = np.ones_like(x)
    if how == "median":
        return weighted_median(x, weight)
    return float(weighted_mean(x, weight))


def _as_vector(name: str, values: Any, n: int | None = None) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array, one value per actor (got shape "
                         f"{array.shape})")
    if n is not None and len(array) != n:
        raise ValueError(f"{name} has {len(array)} values but positions has {n}; give one "
                         "per actor")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(f"{name}[{bad[0]}] is {array[bad[0]]}; give a finite number")
    return array


# --------------------------------------------------------------------------- the model


def expected_utility_model(positions: np.ndarray, capability: np.ndarray,
                           salience: np.ndarray, rounds: int = 8, q: float = 1.0,
                           **choices: Any) -> EUResult:
    """Run Bueno de Mesquita's challenge model on one issue for ``rounds`` rounds.

    Each round: set the risk exponents from the dangers actors face; every actor
    estimates, for every other, both sides' expected utility of a challenge; each
    actor collects the offers it gets and takes the best one (per
    ``offer_selection``); all move at once. The run always lasts ``rounds`` rounds;
    ``settled_round`` says when it stopped moving.

    Args:
        positions: (n,) positions on any scale (0-1, years 4-10, ...).
        capability: (n,) non-negative capabilities; only their ratios matter.
        salience: (n,) saliences in [0, 1]; also the probability of resisting.
        rounds: the number of rounds of challenges.
        q: Q, the probability that the status quo persists without a challenge.
        **choices: interpretive choices, see :class:`EUChoices`.

    Returns:
        The positions, the weighted median and mean of every round, and who moved.

    Raises:
        ValueError: on no actors, arrays of the wrong shape, negative capability,
            salience outside [0, 1], Q outside [0, 1] or a choice's unknown value.
        TypeError: on an unknown choice.
    """
    opts = EUChoices.from_keywords(choices)
    x = _as_vector("positions", positions)
    n = len(x)
    if n == 0:
        raise ValueError("positions is empty; the model needs at least one actor")
    c = _as_vector("capability", capability, n)
    s = _as_vector("salience", salience, n)
    if np.any(c < 0):
        raise ValueError(f"capability[{np.flatnonzero(c < 0)[0]}] is negative; capabilities "
                         "are >= 0")
    if np.any((s < 0) | (s > 1)):
        bad = np.flatnonzero((s < 0) | (s > 1))[0]
        raise ValueError(f"salience[{bad}] is {s[bad]}; saliences are in [0, 1] (they are "
                         "also the probability of resisting a challenge)")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q is the probability that the status quo persists, in [0, 1] "
                         f"(got {q!r})")
    if int(rounds) != rounds or rounds < 0:
        raise ValueError(f"rounds must be a whole number >= 0 (got {rounds!r})")
    rounds = int(rounds)

    weight = c * s
    history = np.empty((rounds + 1, n))
    history[0] = x
    risk_log = np.ones((rounds, n))
    eu_log = np.zeros((rounds, n, n))
    threat_log = np.zeros((rounds, n, n))
    moves: list[tuple[Move, ...]] = []
    settled: int | None = None
    initial_span = float(x.max() - x.min())
    r = np.ones(n)
    for t in range(1, rounds + 1):
        span = initial_span if opts.range_mode == "initial" else float(x.max() - x.min())
        made: list[Move] = []
        if span > 0 and n > 1:
            r = risk_exponents(x, c, s, span, q, opts, previous=r)
            p = win_probabilities(x, weight, r, span, opts.probability_normalisation,
                                  opts.votes_use_risk)
            mu = _centre(x, weight, opts.expected_outcome)
            # by_challenger[a, b] uses a's exponent; by_target[a, b] uses b's
            by_challenger = challenge_utilities(x, s, p, np.repeat(r[:, None], n, axis=1),
                                                span, q, opts.improvement_probability, mu)
            by_target = challenge_utilities(x, s, p, np.repeat(r[None, :], n, axis=0),
                                            span, q, opts.improvement_probability, mu)
            own = by_challenger
            threat = by_target.T if opts.risk_perspective == "receiver" else by_challenger.T
            risk_log[t - 1], eu_log[t - 1], threat_log[t - 1] = r, own, threat
            new_x = x.copy()
            for i in range(n):
                found = offers_to(i, x, own[i], threat[i], opts.capitulation_typo, span)
                best = _best_offer(i, x, found, own[i], threat[i], opts.offer_selection,
                                   span)
                if best is None:
                    continue
                kind, j, end = best
                new_x[i] = end
                made.append(Move(t, i, j, kind, float(own[i, j]), float(threat[i, j]),  # type: ignore[arg-type]
                                 float(x[i]), end))
            x = new_x
        history[t] = x
        moves.append(tuple(made))
        if not made and settled is None:
            settled = t
    median = np.array([_centre(row, weight, "median") for row in history])
    mean = np.array([_centre(row, weight, "mean") for row in history])
    return EUResult(positions=history, median=median, mean=mean, risk=risk_log,
                    expected_utility=eu_log, threat=threat_log, moves=tuple(moves),
                    settled_round=settled, q=float(q), choices=opts)


def forecast(scenario: Scenario, rounds: int = 8, q: float = 1.0, actors: Actors = "all",
             **choices: Any) -> Forecast:
    """Forecast a scenario's outcome with the challenge model, one dimension at a time.

    Each dimension is a separate game: the positions and saliences on it and the
    capabilities of the actors with a stake in it (salience above 0). An actor with
    salience 0 on an issue neither challenges nor is challenged there: its position
    would otherwise widen the span, draw challenges and shift everyone's risk, though
    it cares nothing for the outcome (an imported actor without data on an issue has
    only a placeholder position there). Where nobody has a stake, every actor plays,
    as the median does with no weight. The forecast is the weighted median after the
    last round (or the mean, per ``outcome``), on the scenario's [0, 1] scale; the
    model gives the same run on any linear rescaling of the positions.

    Args:
        scenario: the scenario.
        rounds: rounds of challenges (Scholz et al. 2011 report 8).
        q: Q, the probability that the status quo persists without a challenge.
        actors: ``"all"`` (default: the model knows stakeholders, not votes) or
            ``"members"``; see :func:`~consensus_sim.bargaining.forecast.participants`.
        **choices: interpretive choices, see :class:`EUChoices`.

    Returns:
        A :class:`Forecast` named ``"expected_utility"``. ``detail`` (JSON-ready)
        holds, per dimension id, the weighted ``median`` and ``mean`` of every round
        (round 0 first), the ``moves`` of every round (actor, challenger, kind and new
        position), the ``settled_round`` and the actors ``left_out`` (salience 0 there);
        also ``rounds``, ``q``, ``actors`` and ``choices``.
    """
    opts = EUChoices.from_keywords(choices)
    arrays = scenario.arrays
    rows = participants(scenario, actors)
    position = np.empty(len(arrays.dimension_ids))
    median: dict[str, list[float]] = {}
    mean: dict[str, list[float]] = {}
    moves: dict[str, list[list[dict[str, Any]]]] = {}
    settled: dict[str, int | None] = {}
    left_out: dict[str, list[str]] = {}
    for k, dim in enumerate(arrays.dimension_ids):
        stake = arrays.salience[rows, k] > 0
        if not stake.any():
            stake[:] = True
        players = rows[stake]
        ids = [arrays.actor_ids[r] for r in players]
        left_out[dim] = [arrays.actor_ids[r] for r in rows[~stake]]
        result = expected_utility_model(arrays.position[players, k],
                                        arrays.capability[players],
                                        arrays.salience[players, k], rounds=rounds, q=q,
                                        **asdict(opts))
        position[k] = result.final_position
        median[dim] = result.median.tolist()
        mean[dim] = result.mean.tolist()
        moves[dim] = [[{"actor": ids[m.actor], "challenger": ids[m.challenger],
                        "kind": m.kind, "from": m.start, "to": m.end} for m in made]
                      for made in result.moves]
        settled[dim] = result.settled_round
    return Forecast("expected_utility", position, {
        "rounds": rounds,
        "q": q,
        "actors": actors,
        "choices": asdict(opts),
        "median": median,
        "mean": mean,
        "moves": moves,
        "settled_round": settled,
        "left_out": left_out,
    })
