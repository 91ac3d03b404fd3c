"""Model depth on cases worked by hand: rules in play, persuasion, events, side payments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from consensus_sim import NegotiationModel, run_ensemble, scenario_from_dict
from consensus_sim.agents import ABSTAIN, OBJECT, SUPPORT
from consensus_sim.kernel import persuade, respond

from .conftest import headquarters_data, linkage_data, run_cli


def model_of(data, seed=0):
    return NegotiationModel(scenario_from_dict(data), rng=seed)


def members(*ideals, dim="scope", **extra):
    return [{"id": f"M{i + 1}", "position": {dim: p}, **extra} for i, p in enumerate(ideals)]


# ------------------------------------------------------------------------ rules


def test_majority_setter_wins_over_the_cheapest_member_it_needs(trio):
    # five members; two support x = 1, three at 0.3, 0.2, 0.1 object. A simple
    # majority needs one more yes: the member at 0.3 is cheapest (x <= 0.6). Of the
    # three not voting yes, the one at 0.1 is the most costly to win over (x <= 0.2).
    trio["rule"] = {"type": "majority"}
    trio["actors"] = [*members(1.0, 1.0, 0.3, 0.2, 0.1), trio["actors"][3]]
    result = model_of(trio).run()
    assert result.outcome == "adopted_amended"
    assert result.final[0] == pytest.approx(0.6, abs=1e-8)
    assert result.costliest_blocker == "M5"
    assert result.responses[-1].tolist() == [SUPPORT, SUPPORT, SUPPORT, OBJECT, OBJECT]


def test_veto_holder_needs_only_to_abstain(trio):
    # A holds a veto and objects to x = 1; with tolerance 0.1 it abstains once
    # (x - 0.3)^2 - 0.09 <= 0.1, i.e. x <= 0.3 + sqrt(0.19); B and C are 2 of 3 yes.
    trio["rule"] = {"type": "veto_majority", "threshold": 0.6, "veto": ["A"]}
    trio["actors"][0].update(position={"scope": 0.3}, tolerance=0.1)
    trio["actors"][2]["position"] = {"scope": 1.0}
    result = model_of(trio).run()
    assert result.outcome == "adopted_amended"
    assert result.final[0] == pytest.approx(0.3 + np.sqrt(0.19), abs=1e-8)
    assert result.responses[-1].tolist() == [ABSTAIN, SUPPORT, SUPPORT]


def test_silence_procedure_charges_every_objector_in_full():
    # members at 1, 0.1, 0.2; x = 1, q = 0: losses -1, 0.8, 0.6; blocking cost 0.7
    args = (np.array([[-1.0, 0.8, 0.6]]), np.zeros(3), np.full(3, 0.7))
    # consensus: B and C share the blocking cost (0.35 each) and both object
    assert respond(*args)[0][0].tolist() == [SUPPORT, OBJECT, OBJECT]
    # silence: breaking silence costs each 0.7; only B (loss 0.8) breaks it
    assert respond(*args, scaled=False)[0][0].tolist() == [SUPPORT, OBJECT, ABSTAIN]


def test_qualified_majority_in_a_run(trio):
    # A holds most of the weight: without A no double majority; A objects at 0.2
    trio["rule"] = {"type": "qualified_majority", "member_share": 0.6, "weight_share": 0.6,
                    "blocking_minority": 0}
    trio["actors"][0].update(position={"scope": 0.2}, weight=10.0)
    trio["actors"][2]["position"] = {"scope": 1.0}
    result = model_of(trio).run()
    assert result.costliest_blocker == "A"
    assert result.final[0] == pytest.approx(0.4, abs=1e-8)
    assert result.outcome == "adopted_amended"


# ------------------------------------------------------------------ persuasion


def persuasion_case(stubbornness):
    return {
        "title": "three who listen",
        "dimensions": [{"id": "scope"}],
        "status_quo": {"scope": 0.0},
        "proposal": {"position": {"scope": 1.0}, "agenda_setter": "CH"},
        "defaults": {"salience": {"scope": 1.0}},
        "actors": [
            {"id": "A", "position": {"scope": 0.9}, "stubbornness": stubbornness[0]},
            {"id": "B", "position": {"scope": 0.5}, "stubbornness": stubbornness[1],
             "capability": 2.0},
            {"id": "C", "position": {"scope": 0.1}, "stubbornness": stubbornness[2]},
            {"id": "CH", "type": "chair", "position": {"scope": 1.0}},
        ],
        "listens_to": {"A": {"B": 1.0}, "B": {"C": 1.0}, "C": {"A": 3.0}},
    }


def test_fully_stubborn_members_do_not_move():
    model = model_of(persuasion_case([1.0, 1.0, 1.0]))
    before = model.state.position.copy()
    for _ in range(5):
        persuade(model.setup, model.state)
    np.testing.assert_array_equal(model.state.position, before)


def test_persuasion_converges_to_the_friedkin_johnsen_fixed_point():
    a = np.array([0.2, 0.5, 0.0])  # stubbornness
    model = model_of(persuasion_case(a.tolist()))
    # W by hand: own view 1, times capability (B has 2), rows normalised
    w = np.array([[1 * 1, 1 * 2, 0], [0, 1 * 2, 1 * 1], [3 * 1, 0, 1 * 1]], dtype=float)
    w /= w.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.setup.influence[:, :3], w)
    p0 = np.array([0.9, 0.5, 0.1])
    lam = np.diag(1 - a)
    fixed = np.linalg.solve(np.eye(3) - lam @ w, (np.eye(3) - lam) @ p0)
    for _ in range(300):
        persuade(model.setup, model.state)
    np.testing.assert_allclose(model.state.position[0, :3, 0], fixed, atol=1e-10)


def test_persuasion_positions_are_recorded_each_round():
    data = persuasion_case([0.5, 0.5, 0.5])
    result = model_of(data).run()
    assert result.positions.shape == (result.rounds, 3, 1)
    assert result.positions[0, 2, 0] > 0.1  # C heard A in round 1
    assert model_of(persuasion_case([1, 1, 1])).run().positions[0, 2, 0] == 0.1


# ---------------------------------------------------------------------- events


def with_event(trio, **event):
    trio["events"] = [{"id": "shock", "targets": ["C"], "dimensions": ["scope"],
                       "change": 0.3, **event}]
    trio["defaults"]["salience"] = {"scope": 0.5}
    return trio


def test_a_certain_event_fires_in_its_round(trio):
    model = model_of(with_event(trio, probability=1.0, round=1))
    model.step()
    assert model.state.salience[0, 2, 0] == pytest.approx(0.8)
    assert model.fired == [(1, "shock")]


def test_an_impossible_event_never_fires(trio):
    result = run_ensemble(scenario_from_dict(with_event(trio, probability=0.0)), runs=50,
                          seed=1, jobs=1)
    assert not result.fired.any()
    assert result.summary()["events"]["shock"]["fired"] == 0.0


def test_event_probability_and_reproducibility(trio):
    s = scenario_from_dict(with_event(trio, probability=0.3, affects="position",
                                      change=-0.2))
    one = run_ensemble(s, runs=2000, seed=4, jobs=1)
    assert one.fired[:, 0].mean() == pytest.approx(0.3, abs=0.04)
    np.testing.assert_array_equal(one.fired, run_ensemble(s, runs=2000, seed=4, jobs=1).fired)
    table = one.runs_table()
    assert set(table["events"]) == {"", "shock"}


def test_per_round_events_are_drawn_every_round(trio):
    trio["max_rounds"] = 6
    trio["actors"][2]["position"] = {"scope": 0.0}  # C can never be won over...
    trio["actors"][3]["position"] = {"scope": 0.0}  # ...and the chair never withdraws
    trio["proposal"]["concession"] = "split"
    model = model_of(with_event(trio, probability=0.5, per="round", change=0.05), seed=3)
    result = model.run()
    rounds = [r for r, _ in result.fired]
    assert rounds == sorted(rounds) and len(set(rounds)) == len(rounds)
    assert 0 < len(rounds) < 6


# ---------------------------------------------------------------- side payments


linkage = linkage_data


def linkage_optimum(chair_scope: float, chair_aid: float) -> tuple[float, float]:
    """The chair's best text by hand: maximise -cs (1 - x)^2 - ca aid^2 subject to C's
    acceptance (x - 0.2)^2 + (aid - 1)^2 <= 0.04 + 1 (its loss at q). At the optimum
    the constraint binds; stationarity gives x = (cs + 0.2 l) / (cs + l) and
    aid = l / (ca + l) for the multiplier l, found by bisection."""
    def excess(lam):
        x, aid = (chair_scope + 0.2 * lam) / (chair_scope + lam), lam / (chair_aid + lam)
        return (x - 0.2) ** 2 + (aid - 1) ** 2 - 1.04, x, aid

    lo, hi = 0.0, 1e6
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if excess(mid)[0] > 0 else (lo, mid)
    return excess(hi)[1:]


def test_side_payment_and_narrowing_in_the_proportion_that_costs_the_payer_least():
    # C loses 0.6 at (1, 0). The chair pays for a side payment on aid (salience 0.1) and
    # for narrowing the scope (salience 1); it takes the cheapest mix of both.
    result = model_of(linkage()).run()
    scope, aid = linkage_optimum(1.0, 0.1)
    assert result.outcome == "adopted_amended"
    np.testing.assert_allclose(result.final, [scope, aid], atol=1e-7)
    assert aid > 0.3 and scope > 0.9  # about (0.963, 0.324): mostly paid for
    (payment,) = result.payments
    assert (payment["payer"], payment["to"], payment["dimension"]) == ("CH", "C", "aid")
    assert payment["amount"] == pytest.approx(aid, abs=1e-7)


def test_without_side_payments_the_scope_narrows_instead():
    result = model_of(linkage(side_payments=False)).run()
    np.testing.assert_allclose(result.final, [0.4, 0.0], atol=1e-8)
    assert result.payments == ()


def test_the_payer_mostly_narrows_when_paying_is_dearer():
    data = linkage()
    data["actors"][2]["salience"] = {"scope": 0.05, "aid": 1.0}  # aid is dear, scope cheap
    result = model_of(data).run()
    scope, aid = linkage_optimum(0.05, 1.0)
    np.testing.assert_allclose(result.final, [scope, aid], atol=1e-7)
    assert scope < 0.6 and aid < 0.1  # about (0.578, 0.053)


def test_a_payment_is_never_taken_back():
    # Round 1 blocks (1, 0) and the chair pays C: (0.963, 0.324), as above. In round 2
    # an event moves C's view of aid to 0 (it no longer wants it): C now loses
    # (0.963 - 0.2)^2 + 0.324^2 - 0.04 > 0 and blocks. Taking the aid back, (0.4, 0),
    # would pass; but aid may only stay at 0.324 or grow, and with aid >= 0.324 C
    # needs (x - 0.2)^2 + aid^2 <= 0.04 < 0.105: no text passes, the chair withdraws.
    data = linkage()
    data["events"] = [{"id": "aid_moot", "round": 2, "targets": ["C"], "dimensions": ["aid"],
                       "affects": "position", "change": -1.0, "probability": 1.0}]
    result = model_of(data).run()
    scope, aid = linkage_optimum(1.0, 0.1)
    assert result.outcome == "withdrawn" and result.rounds == 2
    np.testing.assert_allclose(result.final, [scope, aid], atol=1e-7)
    (payment,) = result.payments
    assert payment["round"] == 1
    for strategy in ("split", "ladder"):  # every strategy keeps the payment
        data["proposal"]["concession"] = strategy
        if strategy == "ladder":
            for dim in data["dimensions"]:
                dim["levels"] = [{"value": v, "label": f"{v}"} for v in (0.0, 0.5, 1.0)]
        result = model_of(data).run()
        aids = result.proposals[:, 1]
        assert result.rounds >= 2 and np.all(np.diff(aids) >= 0.0)
        assert all(p["amount"] > 0 for p in result.payments)


@pytest.mark.parametrize(("a_aid", "payer"), [(0.05, "A"), (0.2, "CH")])
def test_of_several_who_may_pay_the_one_it_costs_least_pays_the_least_it_must(a_aid, payer):
    # Either the chair or A may pay on aid. The chair weighs aid at 0.1; A at a_aid.
    # The setter solves its problem with each payer and takes the cheaper: with A
    # (0.05) the text maximises -(1 - x)^2 - 0.05 aid^2 on C's disc, with the chair
    # (A at 0.2 is dearer) as in the one-payer case. The payment is the least that
    # wins C over: C's constraint binds, and the payment is recorded as the payer's.
    data = linkage()
    data["dimensions"][1]["payer"] = ["CH", "A"]
    data["actors"][0]["salience"] = {"aid": a_aid}
    result = model_of(data).run()
    scope, aid = linkage_optimum(1.0, min(a_aid, 0.1))
    np.testing.assert_allclose(result.final, [scope, aid], atol=1e-7)
    # C's loss at the text is exactly its budget:
    assert (scope - 0.2) ** 2 + (aid - 1) ** 2 == pytest.approx(1.04, abs=1e-6)
    (payment,) = result.payments
    assert (payment["payer"], payment["to"]) == (payer, "C")
    batch = run_ensemble(scenario_from_dict(data), runs=3, seed=0, jobs=1)
    assert batch.runs_table()["payer_aid"].tolist() == [payer] * 3
    data["dimensions"][1]["payer"] = ["A", "CH"]  # the order of the list is no matter
    assert model_of(data).run().payments[0]["payer"] == payer


def test_under_private_information_the_setter_weighs_paying_the_blocker_too():
    # C's position is uncertain (sd 0.1) and the chair knows only its distribution. It
    # weighs texts on the segment from the text on the table toward what it believes C
    # wants of aid (a side payment), beside narrowing: here paying wins in most runs.
    data = linkage()
    data["uncertainty"] = {"fields": {"actors.C.position.scope": {"dist": "uniform",
                                                                  "low": 0.1, "high": 0.3}}}
    result = run_ensemble(scenario_from_dict(data), runs=40, seed=0, jobs=1)
    table = result.runs_table()
    assert (table["paid_aid"] > 0).mean() > 0.5
    model = model_of(data, seed=3)
    assert model.setup.private
    run = model.run()
    assert np.all(np.diff(run.proposals[:, 1]) >= 0.0)  # never taken back


def reordered(data):
    """The scenario with its actors and dimensions listed in reverse order."""
    data = {**data, "actors": list(reversed(data["actors"])),
            "dimensions": list(reversed(data["dimensions"]))}
    return data


def test_no_result_of_outside_options_or_several_payers_depends_on_the_order_of_a_file():
    # Two side dimensions, each of which the chair or A may pay on at the same price
    # (A weighs both as the chair does): every combination of payers ties, and the tie
    # goes to the first payers by id (A), over the dimensions in order of their ids.
    data = linkage()
    data["dimensions"] = [{"id": "scope"}, {"id": "aid", "side": True, "payer": ["CH", "A"]},
                          {"id": "arms", "side": True, "payer": ["A", "CH"]}]
    data["status_quo"]["arms"] = data["proposal"]["position"]["arms"] = 0.0
    data["defaults"]["salience"]["arms"] = 1.0
    data["actors"][0].update(position={"scope": 1.0, "aid": 0.0, "arms": 0.0},
                             salience={"aid": 0.1, "arms": 0.1})
    data["actors"][1].update(position={"scope": 0.2, "aid": 1.0, "arms": 1.0},
                             outside_option={"arms": 0.3})
    data["actors"][2].update(position={"scope": 1.0, "aid": 0.0, "arms": 0.0},
                             salience={"scope": 1.0, "aid": 0.1, "arms": 0.1})
    forward, backward = model_of(data).run(), model_of(reordered(data)).run()
    dims = [d["id"] for d in data["dimensions"]]
    by_id = dict(zip(reversed(dims), backward.final, strict=True))
    np.testing.assert_allclose(forward.final, [by_id[d] for d in dims], atol=1e-9)
    assert forward.outcome == backward.outcome
    assert sorted(map(str, forward.payments)) == sorted(map(str, backward.payments))
    assert {p["payer"] for p in forward.payments} == {"A"}


def test_side_payments_in_the_ensemble_summary():
    result = run_ensemble(scenario_from_dict(linkage()), runs=20, seed=0, jobs=1)
    info = result.summary()["side_payments"]["aid"]
    assert info["share_of_runs"] == 1.0
    assert info["mean_amount_when_paid"] == pytest.approx(linkage_optimum(1.0, 0.1)[1], abs=1e-6)
    assert "paid_aid" in result.runs_table().columns


# ----------------------------------------------------------- gaps closed by hand


def test_veto_holder_with_a_blocking_cost_counts_the_others():
    # Veto holder V at 0 (blocking cost 0.5), A and B at 1, C at 0; 2 yes votes needed.
    # C objects to any x > 0, so V sees 2 of its 3 others not objecting: its threshold
    # is 0.5 * 2/3 = 1/3, and it stands aside while x^2 <= 1/3: x = 1/sqrt(3).
    data = {
        "title": "veto", "dimensions": [{"id": "a"}], "status_quo": {"a": 0.0},
        "proposal": {"position": {"a": 1.0}, "agenda_setter": "CH"},
        "rule": {"type": "veto_majority", "threshold": 0.5, "veto": ["V"]},
        "defaults": {"salience": {"a": 1.0}},
        "actors": [{"id": "V", "position": {"a": 0.0}, "blocking_cost": 0.5},
                   {"id": "A", "position": {"a": 1.0}}, {"id": "B", "position": {"a": 1.0}},
                   {"id": "C", "position": {"a": 0.0}},
                   {"id": "CH", "type": "chair", "position": {"a": 1.0}}]}
    result = model_of(data).run()
    assert result.outcome == "adopted_amended"
    assert result.final[0] == pytest.approx(1 / np.sqrt(3), abs=1e-9)
    assert result.responses[-1].tolist() == [ABSTAIN, SUPPORT, SUPPORT, OBJECT]


def test_majority_in_two_dimensions_wins_a_yes_vote():
    # B at (0, 0.2) votes yes only if x is within 0.2 of its ideal (its loss at q is
    # 0.04): the chair at (1, 1) takes the point of that circle nearest to it,
    # (0, 0.2) + 0.2 (1, 0.8) / |(1, 0.8)| = (0.1562, 0.3249), with A's yes a majority.
    def point(a, b):
        return {"a": a, "b": b}

    data = {
        "title": "vote", "dimensions": [{"id": "a"}, {"id": "b"}],
        "status_quo": point(0, 0), "rule": {"type": "majority"},
        "proposal": {"position": point(1, 1), "agenda_setter": "CH"},
        "defaults": {"salience": point(1, 1), "tolerance": 0.3},
        "actors": [{"id": "A", "position": point(1, 1)}, {"id": "B", "position": point(0, 0.2)},
                   {"id": "C", "position": point(0.1, 0)},
                   {"id": "CH", "type": "chair", "position": point(1, 1)}]}
    result = model_of(data).run()
    direction = np.array([1.0, 0.8]) / np.hypot(1.0, 0.8)
    np.testing.assert_allclose(result.final, [0.0, 0.2] + 0.2 * direction, atol=1e-7)
    assert (result.outcome, result.rounds) == ("adopted_amended", 2)
    assert result.responses[-1][:2].tolist() == [SUPPORT, SUPPORT]


def test_pulls_that_add_up_keep_a_position_on_the_scale():
    # Two actors at 1 each pull M1 (at 0.5) with strength 0.6: 0.5 + 0.3 + 0.3 = 1.1,
    # kept at 1.
    data = {
        "title": "pulls", "dimensions": [{"id": "a"}], "status_quo": {"a": 0.0},
        "proposal": {"position": {"a": 0.0}, "agenda_setter": "M1"},
        "defaults": {"salience": {"a": 1.0}},
        "actors": [{"id": "M1", "position": {"a": 0.5}},
                   *({"id": f"X{i}", "type": "external", "position": {"a": 1.0},
                      "pressure": [{"affects": "position", "strength": 0.6}]} for i in (1, 2))]}
    model = model_of(data)
    model.step()
    assert model.state.position[0, 0, 0] == 1.0


def test_exponents_below_one_search_the_grid():
    # B's exponent 0.5 makes its acceptable texts non-convex: the chair searches the
    # 11-point grid of each dimension and tables a grid point B accepts.
    data = linkage(side_payments=False)
    data["dimensions"][1] = {"id": "aid"}  # an ordinary second dimension
    data["actors"][1]["gamma"] = 0.5
    result = model_of(data).run()
    assert result.outcome == "adopted_amended"
    assert np.allclose(result.final * 10, np.round(result.final * 10))


def test_an_event_on_blocking_cost_grows_isolation_round_by_round(trio):
    # C (at 0.2, salience 1) loses (1 - 0.2)^2 - 0.2^2 = 0.6 from the full proposal.
    # Every round its blocking cost grows by 0.3. Round 1: cost 0.3 < 0.6, C objects;
    # the setter tables the most C accepts at cost 0.3: (x - 0.2)^2 - 0.04 <= 0.3,
    # x = 0.2 + sqrt(0.34) = 0.783095. Round 2: cost 0.6, C's loss 0.3 < 0.6: adopted.
    # Without the event C accepts only x <= 0.4.
    trio["events"] = [{"id": "isolation", "per": "round", "probability": 1.0,
                       "targets": ["C"], "affects": "blocking_cost", "change": 0.3}]
    model = model_of(trio)
    model.step()
    assert model.state.blocking_cost[0, 2] == pytest.approx(0.3)
    result = model.run()
    assert model.state.blocking_cost[0, 2] == pytest.approx(0.6)
    assert result.responses.tolist() == [[1, 1, -1], [1, 1, 0]]
    assert result.outcome == "adopted_amended" and result.rounds == 2
    assert result.final[0] == pytest.approx(0.2 + math.sqrt(0.34), abs=1e-9)
    trio["events"] = []
    assert model_of(trio).run().final[0] == pytest.approx(0.4, abs=1e-9)


def test_an_event_on_tolerance_is_kept_at_least_zero_and_moves_the_setters_types(trio):
    # Under private information the event is public: the setter's types of C move too.
    trio["defaults"]["tolerance"] = 0.1
    trio["events"] = [{"id": "reassured", "probability": 1.0, "round": 1, "targets": ["C"],
                       "affects": "tolerance", "change": -0.25}]
    trio["uncertainty"] = {"fields": {"actors.C.tolerance": {
        "dist": "uniform", "low": 0.0, "high": 0.2}}}
    model = model_of(trio)
    drawn = model.state.tolerance[0, 2]
    model.step()
    assert model.state.tolerance[0, 2] == max(drawn - 0.25, 0.0) == 0.0
    types = model.state.belief_tolerance[:, 0, 2]
    assert types.shape == (32,) and np.all(types == 0.0)
    assert model.state.belief_tolerance[0, 0, 0] == 0.1  # A untouched


def test_an_event_on_costs_takes_no_dimensions(trio, write_yaml, capsys):
    trio["events"] = [{"id": "e", "probability": 1.0, "affects": "tolerance",
                       "dimensions": ["scope"], "change": 0.1}]
    code, _, err = run_cli(capsys, "run", str(write_yaml(trio)), "--runs", "2", "--no-charts")
    assert code == 2
    assert "events[e].dimensions" in err and "allowed: no dimensions" in err


# ------------------------------------------------------------------ meetings, postponement


def test_a_member_swallows_more_at_a_meeting_where_failing_costs_it(trio):
    # C loses 0.6 from the full proposal and objects in round 1 (tolerance and
    # blocking cost 0). Round 2 is the summit, and failing there costs C 0.7: its
    # threshold becomes 0.7 >= 0.6. The chair, knowing it, tables its ideal again and
    # C abstains: adopted as proposed.
    trio["meetings"] = [{"id": "summit", "round": 2, "failure_cost": {"C": 0.7}}]
    result = model_of(trio).run()
    assert result.responses.tolist() == [[1, 1, -1], [1, 1, 0]]
    assert (result.outcome, result.rounds) == ("adopted", 2)
    batch = run_ensemble(scenario_from_dict(trio), runs=2, seed=0, jobs=1)
    assert batch.outcome_counts()["adopted"] == 2 and batch.rounds.tolist() == [2, 2]
    # with a failure cost of 0.5 C accepts (x - 0.2)^2 - 0.04 <= 0.5 at the summit:
    # the chair tables x = 0.2 + sqrt(0.54) = 0.934847 for it
    trio["meetings"][0]["failure_cost"] = {"C": 0.5}
    result = model_of(trio).run()
    assert result.outcome == "adopted_amended"
    assert result.final[0] == pytest.approx(0.2 + math.sqrt(0.54), abs=1e-9)


@pytest.mark.parametrize(("share", "outcome"), [(0.7, "postponed"), (0.6, "adopted_amended")])
def test_the_setter_postpones_rather_than_dilute(trio, share, outcome):
    # The chair at 1 (salience 1): the proposal as it stands would gain it
    # V(1) - V(0) = 0 - (-1) = 1; the most C accepts, x = 0.4, gains it
    # -(0.6)^2 + 1 = 0.64. Keeping the proposal alive for a later meeting is worth
    # share * 1: with 0.7 it postpones in round 1, with 0.6 it dilutes to 0.4.
    trio["proposal"]["postponement"] = share
    result = model_of(trio).run()
    assert result.outcome == outcome
    assert result.rounds == (1 if outcome == "postponed" else 2)
    batch = run_ensemble(scenario_from_dict(trio), runs=3, seed=0, jobs=1)
    assert batch.outcome_counts()[outcome] == 3


def test_meetings_are_checked(trio, write_yaml, capsys):
    trio["meetings"] = [{"id": "summit", "round": 9, "failure_cost": {"C": 0.1}}]
    code, _, err = run_cli(capsys, "run", str(write_yaml(trio)), "--runs", "2", "--no-charts")
    assert code == 2 and "meetings[summit].round" in err and "max_rounds" in err
    trio["meetings"] = [{"id": "summit", "round": 2, "failure_cost": {"XX": 0.1}}]
    code, _, err = run_cli(capsys, "run", str(write_yaml(trio)), "--runs", "2", "--no-charts")
    assert code == 2 and "meetings[summit].failure_cost.XX" in err and "unknown actor" in err


# ------------------------------------------------------------------ yes/no dimensions


def headquarters(binary, b_salience_hq):
    return scenario_from_dict(headquarters_data(binary, b_salience_hq))


def test_a_yes_no_dimension_is_never_fractional():
    # B accepts (s - 0.2)^2 + h^2 <= 0.04. As a number, the chair's best text is the
    # point of that disc nearest (1, 1): (0.2 + 0.2 * 0.8 / r, 0.2 * 1 / r), r = |(0.8, 1)|,
    # with a fractional headquarters. As yes/no, h = 1 costs B more than it can
    # accept (1 > 0.04): the chair drops it, honestly, and tables (0.4, 0).
    r = math.hypot(0.8, 1.0)
    continuous = NegotiationModel(headquarters(False, 1.0), rng=0).run()
    np.testing.assert_allclose(continuous.final, [0.2 + 0.16 / r, 0.2 / r], atol=1e-6)
    yes_no = NegotiationModel(headquarters(True, 1.0), rng=0).run()
    assert yes_no.outcome == "adopted_amended"
    np.testing.assert_allclose(yes_no.final, [0.4, 0.0], atol=1e-9)
    assert yes_no.final_labels["hq"] == "status quo (dropped)"
    batch = run_ensemble(headquarters(True, 1.0), runs=3, seed=0, jobs=1)
    np.testing.assert_allclose(batch.final, [[0.4, 0.0]] * 3, atol=1e-9)


def test_a_yes_no_dimension_is_kept_when_that_is_the_setters_best_choice():
    # B barely cares about the headquarters (salience 0.01): with it, B accepts
    # (s - 0.2)^2 <= 0.03, s <= 0.2 + sqrt(0.03) = 0.373205, worth -(0.627)^2 = -0.393
    # to the chair; without it s <= 0.4, worth -0.36 - 1 = -1.36. The chair keeps it.
    result = NegotiationModel(headquarters(True, 0.01), rng=0).run()
    np.testing.assert_allclose(result.final, [0.2 + math.sqrt(0.03), 1.0], atol=1e-9)
    assert result.final_labels["hq"] == "as proposed"


def test_binary_levels_must_be_the_two_answers(trio, write_yaml, capsys):
    trio["dimensions"][0]["binary"] = True  # levels 0, 0.5, 1: not the two answers
    code, _, err = run_cli(capsys, "validate", str(write_yaml(trio)))
    assert code == 2 and "dimensions[scope].levels" in err and "allowed: levels at 0, 1" in err


def test_a_deal_won_only_by_payments_is_reported_as_such():
    # The linkage council on a ladder: scope and aid at 0, 0.5 or 1. C accepts the full
    # scope when paid aid >= 1 - sqrt(0.4) = 0.368 (0.64 + (aid - 1)^2 <= 1.04), so
    # (1, 0.5) passes and costs the chair 0.1 * 0.25 = 0.025; the best narrowed text,
    # (0.5, 0.5), costs it 0.275. The scope stays as proposed and only aid is paid:
    # adopted with side payments, not "scope changed".
    data = linkage()
    data["proposal"]["concession"] = "ladder"
    for dim in data["dimensions"]:
        dim["levels"] = [{"value": v, "label": f"{dim['id']} {v}"} for v in (0.0, 0.5, 1.0)]
    result = model_of(data).run()
    assert result.outcome == "adopted_paid"
    np.testing.assert_allclose(result.final, [1.0, 0.5])
    (payment,) = result.payments
    assert payment["amount"] == pytest.approx(0.5)
    batch = run_ensemble(scenario_from_dict(data), runs=4, seed=0, jobs=1)
    assert batch.outcome_counts()["adopted_paid"] == 4
    summary = batch.summary()
    assert summary["p_adopted_any"] == 1.0


def test_an_objecting_veto_holder_is_won_over_by_abstaining_not_by_a_yes(trio):
    # veto_majority, 2 yes votes of 3, V holds a veto. At x = 1: A (at 1) votes yes;
    # V (at 0.3, tolerance 0.3) loses 0.49 - 0.09 = 0.4 > 0.3 and objects; B (at
    # 0.45) loses 0.3025 - 0.2025 = 0.1 > 0 and does not vote yes. Blocked. V need
    # only abstain: (x - 0.3)^2 - 0.09 <= 0.3, x <= 0.3 + sqrt(0.39) = 0.9245,
    # worth -(0.0755)^2 to the chair; B must vote yes: x <= 0.9, worth -0.01. B is
    # the more costly to win over (were V's yes needed, x <= 0.6 would make V so).
    # The chair tables 0.9: A and B vote yes, V abstains.
    trio["rule"] = {"type": "veto_majority", "threshold": 0.6, "veto": ["V"]}
    trio["actors"] = [{"id": "A", "position": {"scope": 1.0}},
                      {"id": "V", "position": {"scope": 0.3}, "tolerance": 0.3},
                      {"id": "B", "position": {"scope": 0.45}},
                      trio["actors"][3]]
    result = model_of(trio).run()
    assert result.responses[0].tolist() == [1, -1, -1]
    assert result.costliest_blocker == "B"
    assert result.outcome == "adopted_amended"
    assert result.final[0] == pytest.approx(0.9, abs=1e-9)
    assert result.responses[1].tolist() == [1, 0, 1]


# ------------------------------------------------------------- outside options


def outside_case(a_option=None, b_option=None, strategy="minimal"):
    """One dimension, q = 0, proposal 1, a chair at 1; A at 0.2 and B at 0.9, quadratic,
    no tolerance or blocking cost: each accepts x when (x - p)^2 <= (o - p)^2."""
    actors = [{"id": "A", "position": {"scope": 0.2}}, {"id": "B", "position": {"scope": 0.9}},
              {"id": "CH", "type": "chair", "position": {"scope": 1.0}}]
    for actor, option in zip(actors, (a_option, b_option), strict=False):
        if option is not None:
            actor["outside_option"] = {"scope": option}
    return {"title": "outside options", "dimensions": [{"id": "scope"}],
            "status_quo": {"scope": 0.0},
            "proposal": {"position": {"scope": 1.0}, "agenda_setter": "CH",
                         "concession": strategy},
            "defaults": {"salience": {"scope": 1.0}, "tolerance": 0.0, "blocking_cost": 0.0},
            "actors": actors, "max_rounds": 3}


def test_without_outside_options_the_status_quo_is_every_members_reversion():
    # A accepts (x - 0.2)^2 <= 0.04: x <= 0.4; the chair tables 0.4
    result = model_of(outside_case()).run()
    assert result.outcome == "adopted_amended"
    assert result.final[0] == pytest.approx(0.4, abs=1e-9)


@pytest.mark.parametrize("strategy", ["minimal", "split"])
def test_a_member_whose_outside_option_is_worse_accepts_more(strategy):
    # The others would go ahead without A (its outside option is the proposal, 1):
    # A loses (x - 0.2)^2 - 0.64 <= 0 for every x <= 1, so x = 1 passes at once.
    result = model_of(outside_case(a_option=1.0, strategy=strategy)).run()
    assert result.outcome == "adopted"
    assert result.rounds == 1


def test_a_member_whose_outside_option_is_better_demands_more():
    # A's outside option 0.3: it accepts |x - 0.2| <= 0.1, so x <= 0.3.
    result = model_of(outside_case(a_option=0.3)).run()
    assert result.final[0] == pytest.approx(0.3, abs=1e-9)


def test_outside_options_that_leave_no_common_text_end_in_withdrawal():
    # A accepts [0, 0.4]; B, with outside option 0.8, accepts |x - 0.9| <= 0.1, so
    # [0.8, 1]: no text passes, and the setter withdraws after the first block.
    result = model_of(outside_case(b_option=0.8)).run()
    assert result.outcome == "withdrawn"
    assert result.rounds == 1


def test_outside_options_in_two_dimensions_where_the_status_quo_passes_nobody():
    # q = (0, 0), proposal (1, 1); the chair wants (1, 1). A at (0, 0) has outside
    # option (0.7, 0.7): it accepts the disc x^2 + y^2 <= 0.98 around its ideal. B at
    # (1, 1) has outside option (0.6, 0.6): its disc around (1, 1) has radius^2 0.32,
    # so B rejects the status quo. The chair's best point of A's disc, nearest (1, 1),
    # is (0.7, 0.7), inside B's disc (0.18 <= 0.32).
    data = {
        "title": "two discs", "dimensions": [{"id": "a"}, {"id": "b"}],
        "status_quo": {"a": 0.0, "b": 0.0},
        "proposal": {"position": {"a": 1.0, "b": 1.0}, "agenda_setter": "CH"},
        "defaults": {"salience": {"a": 1.0, "b": 1.0}, "tolerance": 0.0, "blocking_cost": 0.0},
        "actors": [
            {"id": "A", "position": {"a": 0.0, "b": 0.0}, "outside_option": {"a": 0.7, "b": 0.7}},
            {"id": "B", "position": {"a": 1.0, "b": 1.0}, "outside_option": {"a": 0.6, "b": 0.6}},
            {"id": "CH", "type": "chair", "position": {"a": 1.0, "b": 1.0}},
        ],
    }
    result = model_of(data).run()
    assert result.outcome == "adopted_amended"
    np.testing.assert_allclose(result.final, [0.7, 0.7], atol=1e-7)
    data["actors"][0]["outside_option"] = {"a": 0.3, "b": 0.3}  # A's disc: radius^2 0.18
    result = model_of(data).run()  # the discs are now apart: nothing passes
    assert result.outcome == "withdrawn"


def test_outside_options_are_checked(trio, write_yaml, capsys):
    trio["actors"][0]["outside_option"] = {"nope": 0.5}
    code, _, err = run_cli(capsys, "validate", str(write_yaml(trio)))
    assert code == 2 and "actors[A].outside_option.nope: unknown dimension" in err
    trio["actors"][0]["outside_option"] = {"scope": 1.5}
    code, _, err = run_cli(capsys, "validate", str(write_yaml(trio)))
    assert code == 2 and "actors[A].outside_option.scope" in err
    trio["actors"][0]["outside_option"] = {}
    trio["actors"].append({"id": "P", "type": "partner", "position": {"scope": 0.5},
                           "outside_option": {"scope": 0.5}})
    code, _, err = run_cli(capsys, "validate", str(write_yaml(trio)))
    assert code == 2 and "only members and the agenda setter" in err


# ---------------------------------------------------------------- rival proposals


def classroom(rivals):
    """The classroom trio (docs/model.md, "Rival proposals") with ``rivals``."""
    import yaml

    from consensus_sim.scenario import bundled_scenarios

    data = yaml.safe_load(bundled_scenarios()["classroom_trio"].read_text())
    data["rivals"] = rivals
    return data


def rival(rid, value, round_=1):
    return {"id": rid, "text": {"patrols": value}, "round": round_}


def test_a_rival_that_passes_alone_is_adopted():
    data = classroom([rival("plan", 0.4)])
    result = model_of(data).run()
    assert (result.outcome, result.rounds, result.rival) == ("adopted_rival", 1, "plan")
    assert result.final.tolist() == [0.4]
    assert result.responses[0].tolist() == [SUPPORT, SUPPORT, OBJECT]  # the chair's text
    ensemble = run_ensemble(scenario_from_dict(data), runs=5, seed=0, jobs=1)
    assert ensemble.outcome_counts()["adopted_rival"] == 5
    assert ensemble.summary()["rivals"]["plan"]["adopted"] == 1.0
    assert ensemble.runs_table()["rival"].tolist() == ["plan"] * 5


@pytest.mark.parametrize(("value", "outcome", "final"), [
    (0.4, "adopted_amended", 0.7),  # A and B prefer the chair's 0.7
    (0.6, "adopted_rival", 0.6),  # B and C prefer the rival
])
def test_passing_rivals_are_compared_by_majority(value, outcome, final):
    data = classroom([rival("plan", value, round_=2)])
    result = model_of(data).run()
    assert (result.outcome, result.rounds) == (outcome, 2)
    assert result.final[0] == pytest.approx(final, abs=1e-8)
    ensemble = run_ensemble(scenario_from_dict(data), runs=3, seed=0, jobs=1)
    assert ensemble.outcome_counts()[outcome] == 3
    np.testing.assert_allclose(ensemble.final[:, 0], final, atol=1e-8)


def duel(*rivals, chair=0.7, b_tolerance=1.0):
    """A at 1 and B at 0 (salience 1, gamma 2, q = 0): A prefers high texts, B low."""
    return {
        "title": "duel", "dimensions": [{"id": "x"}], "status_quo": {"x": 0.0},
        "proposal": {"position": {"x": chair}, "agenda_setter": "CH"},
        "defaults": {"salience": {"x": 1.0}, "tolerance": 1.0, "blocking_cost": 0.0},
        "actors": [{"id": "A", "position": {"x": 1.0}},
                   {"id": "B", "position": {"x": 0.0}, "tolerance": b_tolerance},
                   {"id": "CH", "type": "chair", "position": {"x": 1.0}}],
        "rivals": [{"id": rid, "text": {"x": v}} for rid, v in rivals],
    }


def test_a_tie_between_passing_texts_goes_to_the_setter_then_to_rival_ids():
    assert model_of(duel(("r", 0.3))).run().outcome == "adopted"  # one voice each
    assert model_of(duel(("r", 0.3), ("s", 0.2))).run().outcome == "adopted"
    # B's tolerance 0.5 blocks the chair's 1 (loss 1); the rivals tie, the first id wins
    for order in ((("zeta", 0.3), ("alpha", 0.2)), (("alpha", 0.2), ("zeta", 0.3))):
        result = model_of(duel(*order, chair=1.0, b_tolerance=0.5)).run()
        assert (result.outcome, result.rival, result.final[0]) == ("adopted_rival", "alpha", 0.2)


def test_a_rival_adopted_voids_the_chairs_payments():
    # the linkage case (tests/conftest.py): the chair pays C 0.324 on aid in round 1 and
    # its text (0.963, 0.324) passes in round 2. A rival (0.3, 0) tabled in round 2
    # passes too (A loses -0.51, C -0.03); D at (0.3, 0), caring only for scope and
    # tolerant of anything, tips the contest: D and C prefer the rival, 2 to 1
    data = linkage_data()
    data["actors"].insert(2, {"id": "D", "position": {"scope": 0.3, "aid": 0.0},
                              "salience": {"aid": 0.0}, "tolerance": 1.0})
    assert model_of(data).run().payments[0]["amount"] == pytest.approx(0.32385684)
    data["rivals"] = [{"id": "small", "text": {"scope": 0.3, "aid": 0.0}, "round": 2}]
    result = model_of(data).run()
    assert (result.outcome, result.rounds, result.rival) == ("adopted_rival", 2, "small")
    assert result.payments == () and result.final.tolist() == [0.3, 0.0]
    ensemble = run_ensemble(scenario_from_dict(data), runs=2, seed=0, jobs=1)
    assert (ensemble.paid == 0).all() and (ensemble.payer == -1).all()
    assert ensemble.outcome_counts()["adopted_rival"] == 2


def test_rivals_are_checked(trio, write_yaml, capsys):
    cases = [
        ([{"id": "r", "text": {}}], "rivals[r].text.scope: missing value"),
        ([{"id": "r", "text": {"scope": 0.5, "nope": 1}}], "rivals[r].text.nope: unknown"),
        ([{"id": "r", "text": {"scope": 0.5}}, {"id": "s", "text": {"scope": 0.5}}],
         "rivals[s].text: the same text as rival 'r'"),
        ([{"id": "r", "text": {"scope": 0.5}}, {"id": "r", "text": {"scope": 0.4}}],
         "rivals[r].id: duplicate rival id"),
        ([{"id": "r", "text": {"scope": 0.5}, "sponsor": "XX"}], "rivals[r].sponsor"),
        ([{"id": "r", "text": {"scope": 0.5}, "round": 99}], "rivals[r].round"),
    ]
    for rivals, message in cases:
        trio["rivals"] = rivals
        code, _, err = run_cli(capsys, "validate", str(write_yaml(trio)))
        assert code == 2 and message in err, err
