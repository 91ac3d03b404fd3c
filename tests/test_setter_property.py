"""The setter's choice in the model, against an independent solver (scipy's SLSQP).

Random consensus cases in two and three dimensions, complete information (nothing
uncertain), `minimal`: after a blocked first round the chair's text must be accepted
by every member, be within 1e-6 of the best such text, and the chair must withdraw
only when no acceptable text beats the status quo for it. About half the members
have an outside option (a reversion point of their own), so the status quo need not
be acceptable, and no text may be.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from consensus_sim import NegotiationModel, scenario_from_dict


@st.composite
def cases(draw):
    d = draw(st.integers(2, 3))
    n = draw(st.integers(1, 5))
    unit = st.floats(0.0, 1.0, allow_nan=False)
    dims = [f"d{k}" for k in range(d)]

    def vector(strategy=unit):
        return [draw(strategy) for _ in dims]

    members = [{"position": vector(), "salience": vector(st.floats(0.05, 1.0)),
                "tolerance": draw(st.floats(0.0, 0.3)),
                "blocking_cost": draw(st.floats(0.0, 0.2)),
                "gamma": draw(st.sampled_from([1.5, 2.0, 2.0, 3.0])),
                "outside": vector() if draw(st.booleans()) else None} for _ in range(n)]
    chair = {"position": vector(), "salience": vector(st.floats(0.05, 1.0))}
    return dims, members, chair, vector(), vector()


def scenario(dims, members, chair, status_quo, proposal):
    def point(values):
        return dict(zip(dims, values, strict=True))

    actors = [{"id": f"M{i}", "position": point(m["position"]), "salience": point(m["salience"]),
               "tolerance": m["tolerance"], "blocking_cost": m["blocking_cost"],
               "gamma": m["gamma"]} for i, m in enumerate(members)]
    for actor, m in zip(actors, members, strict=True):
        if m.get("outside") is not None:
            actor["outside_option"] = point(m["outside"])
    actors.append({"id": "CH", "type": "chair", "position": point(chair["position"]),
                   "salience": point(chair["salience"])})
    return scenario_from_dict({
        "title": "random", "dimensions": [{"id": k} for k in dims],
        "status_quo": point(status_quo),
        "proposal": {"position": point(proposal), "agenda_setter": "CH"},
        "max_rounds": 3, "actors": actors})


def cost(ideal, salience, gamma, x):
    return float((np.asarray(salience) * np.abs(np.asarray(x) - ideal) ** gamma).sum())


def slsqp_best(members, chair, status_quo):
    """The chair's best text every member accepts (as a lone objector), by SLSQP from
    several starts; None if no start ends feasible."""
    q = np.asarray(status_quo)
    budgets = [cost(m["position"], m["salience"], m["gamma"],
                    q if m.get("outside") is None else m["outside"])
               + m["tolerance"] + m["blocking_cost"] for m in members]
    constraints = [{"type": "ineq", "fun": lambda x, m=m, b=b: b - cost(
        m["position"], m["salience"], m["gamma"], x)} for m, b in zip(members, budgets,
                                                                       strict=True)]
    best = None
    starts = [q, np.asarray(chair["position"]), np.full(q.size, 0.5),
              *(np.asarray(m["position"]) for m in members)]
    for start in starts:
        found = minimize(lambda x: cost(chair["position"], chair["salience"], 2.0, x), start,
                         method="SLSQP", bounds=[(0.0, 1.0)] * q.size,
                         constraints=constraints, options={"ftol": 1e-12, "maxiter": 500})
        feasible = all(c["fun"](found.x) >= -1e-9 for c in constraints)
        if feasible and (best is None or found.fun < best.fun):
            best = found
    return best, budgets


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_setter_tables_the_best_acceptable_text(case):
    _dims, members, chair, status_quo, _proposal = case
    model = NegotiationModel(scenario(*case), rng=0, collect=False)
    model.step()
    if model.outcome == "adopted":
        return
    best, budgets = slsqp_best(members, chair, status_quo)
    chair_cost_q = cost(chair["position"], chair["salience"], 2.0, status_quo)
    if model.outcome == "withdrawn":
        # no acceptable text beats the status quo for the chair
        assert best is None or best.fun >= chair_cost_q - 1e-6
        return
    x = model.proposal
    for m, b in zip(members, budgets, strict=True):  # every member accepts it
        assert cost(m["position"], m["salience"], m["gamma"], x) <= b + 1e-9
    if best is not None:  # and it is as good as the best SLSQP finds, to 1e-6
        assert cost(chair["position"], chair["salience"], 2.0, x) <= best.fun + 1e-6
