"""The negotiation model on cases worked by hand, and its invariants on random cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consensus_sim import NegotiationModel, scenario_from_dict
from consensus_sim.agents import ABSTAIN, OBJECT, SUPPORT, Chair, External, Member
from consensus_sim.kernel import respond
from consensus_sim.model import OUTCOMES


def run(data, seed=0):
    model = NegotiationModel(scenario_from_dict(data), rng=seed)
    return model, model.run()


def test_trio_minimal_concession_by_hand(trio):
    # C (ideal 0.2) loses 0.64 - 0.04 = 0.6 on x = 1 against q = 0 and objects; the
    # chair concedes exactly to (x - 0.2)^2 = 0.04, i.e. x = 0.4, which passes.
    model, result = run(trio)
    assert result.outcome == "adopted_amended"
    assert result.rounds == 2
    assert result.final[0] == pytest.approx(0.4, abs=1e-8)
    assert result.final_labels == {"scope": "half"}
    assert result.objectors == ["C"]
    assert result.costliest_blocker == "C"
    assert result.scope_given_up[0] == pytest.approx(0.6, abs=1e-8)
    assert result.responses.tolist() == [[SUPPORT, SUPPORT, OBJECT], [SUPPORT, SUPPORT, SUPPORT]]
    # C's loss in round 1: (1 - 0.2)^2 - (0 - 0.2)^2 = 0.6
    assert result.losses[0].tolist() == pytest.approx([-1.0, -0.6, 0.6])
    assert [type(a) for a in model.agents] == [Member, Member, Member, Chair]
    assert [m.response for m in model.members] == ["support"] * 3


def test_trio_split_meets_c_halfway_twice(trio):
    trio["proposal"]["concession"] = "split"
    _, result = run(trio)
    # 1 -> 0.6 (C still objects: 0.16 > 0.04) -> 0.4 (C indifferent to q: supports)
    np.testing.assert_allclose(result.proposals[:, 0], [1.0, 0.6, 0.4])
    assert result.outcome == "adopted_amended"


def test_trio_ladder_withdraws_when_no_level_passes(trio):
    trio["proposal"]["concession"] = "ladder"
    _, result = run(trio)
    # After `full` is blocked the chair looks at every other level: at `half` C loses
    # 0.09 - 0.04 = 0.05 > 0 and would object; `none` is the status quo, no better for
    # the chair than no agreement. No level passes and beats q: it withdraws at once.
    np.testing.assert_allclose(result.proposals[:, 0], [1.0])
    assert result.outcome == "withdrawn"
    assert result.costliest_blocker == "C"


def test_trio_ladder_skips_to_the_level_that_passes(trio):
    trio["proposal"]["concession"] = "ladder"
    trio["actors"][2]["tolerance"] = 0.05  # now `half` (C's loss 0.05) passes
    _, result = run(trio)
    np.testing.assert_allclose(result.proposals[:, 0], [1.0, 0.5])
    assert result.outcome == "adopted_amended"


def test_setter_withdraws_when_every_acceptable_version_is_no_better_than_q(trio):
    trio["actors"][2]["position"] = {"scope": 0.0}  # C accepts nothing but the status quo
    _, result = run(trio)
    assert result.outcome == "withdrawn"
    assert result.rounds == 1
    assert result.costliest_blocker == "C"


def test_deadlock_when_time_runs_out(trio):
    trio["max_rounds"] = 1
    _, result = run(trio)
    assert result.outcome == "deadlocked"
    assert result.rounds == 1
    assert result.final[0] == 1.0  # the text on the table when time ran out


def test_first_proposal_adopted_as_is(trio):
    trio["actors"][2]["position"] = {"scope": 0.9}
    _, result = run(trio)
    assert (result.outcome, result.rounds, result.costliest_blocker) == ("adopted", 1, None)


def test_blocking_cost_turns_a_lone_objection_into_an_abstention(trio):
    # C loses 0.6; alone against two supporters it pays its whole blocking cost.
    trio["actors"][2]["blocking_cost"] = 0.7
    _, result = run(trio)
    assert result.outcome == "adopted"
    assert result.responses[0].tolist() == [SUPPORT, SUPPORT, ABSTAIN]
    trio["actors"][2]["blocking_cost"] = 0.5
    assert run(trio)[1].outcome == "adopted_amended"


def test_blocking_cost_shrinks_with_company():
    # Members at 1, 0.1, 0.2; x = 1 against q = 0: losses -1, 0.8 and 0.6; blocking
    # cost 0.7 each. From nobody objecting: B (0.8 > 0.7) objects, C (0.6) does not.
    # With B objecting, C sees 1 of 2 others not objecting: its threshold falls to
    # 0.35 < 0.6 and it objects; B's falls to 0.35 too. Nobody wants to change.
    loss = np.array([[-1.0, 0.8, 0.6]])
    codes, threshold = respond(loss, np.zeros(3), np.full(3, 0.7))
    np.testing.assert_allclose(threshold[0, 1:], [0.35, 0.35])
    assert codes[0].tolist() == [SUPPORT, OBJECT, OBJECT]


def test_unanimity_without_constructive_abstention_needs_a_yes(trio):
    trio["actors"][2]["tolerance"] = 0.7  # C tolerates x = 1 (loss 0.6): it abstains
    trio["actors"].insert(3, {"id": "D", "type": "member", "position": {"scope": 1.0}})
    assert run(trio)[1].outcome == "adopted"
    trio["rule"] = {"type": "unanimity", "constructive_abstention": True}
    assert run(trio)[1].outcome == "adopted"  # one abstainer of four stands aside
    trio["rule"] = {"type": "unanimity", "constructive_abstention": False}
    _, result = run(trio)
    # C must now prefer x to q: x <= 0.4
    assert result.outcome == "adopted_amended"
    assert result.final[0] == pytest.approx(0.4, abs=1e-8)


def test_abstainers_holding_a_third_stop_a_decision_art_31_teu(trio):
    # C tolerates x = 1 (loss 0.6 <= 0.7) and abstains: under consensus it stands
    # aside. Under unanimity with constructive abstention C alone is a third of three
    # members and, with equal weights, of the population: the decision is not adopted
    # and the chair must win C's yes, x <= 0.4 (as without constructive abstention).
    # If C holds only a fifth of the population (weights 2, 2, 1), it stands aside.
    trio["actors"][2]["tolerance"] = 0.7
    trio["rule"] = {"type": "unanimity", "constructive_abstention": True}
    _, result = run(trio)
    assert result.responses[0].tolist() == [1, 1, 0]
    assert result.outcome == "adopted_amended"
    assert result.final[0] == pytest.approx(0.4, abs=1e-8)
    assert result.costliest_blocker == "C"
    for actor, weight in zip(trio["actors"][:3], (2.0, 2.0, 1.0), strict=True):
        actor["weight"] = weight
    assert run(trio)[1].outcome == "adopted"


def test_external_pressure_moves_positions_and_raises_salience(trio):
    trio["defaults"]["salience"] = {"scope": 0.5}
    trio["actors"].append({"id": "X", "type": "external", "position": {"scope": 0.0},
                           "pressure": [{"affects": "position", "strength": 0.5,
                                         "targets": ["B"]},
                                        {"affects": "salience", "strength": 0.5,
                                         "targets": ["A", "C"]}]})
    model = NegotiationModel(scenario_from_dict(trio), rng=0)
    model.step()
    state = model.state
    assert state.position[0, :3, 0].tolist() == [1.0, 0.4, 0.2]  # B pulled halfway to 0
    assert state.salience[0, :3, 0].tolist() == [0.75, 0.5, 0.75]
    model.step()
    assert state.salience[0, :3, 0].tolist() == [1.0, 0.5, 1.0]  # 1.125 capped at 1
    assert isinstance(list(model.agents)[-1], External)


def test_uncertain_inputs_are_drawn_from_the_run_generator(trio):
    trio["uncertainty"] = {"position_sd": 0.1, "salience_sd": 0.1}
    s = scenario_from_dict(trio)
    a = NegotiationModel(s, rng=np.random.default_rng(5))
    b = NegotiationModel(s, rng=np.random.default_rng(5))
    c = NegotiationModel(s, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(a.state.position, b.state.position)
    assert not np.array_equal(a.state.position, c.state.position)
    assert a.state.position.min() >= 0 and a.state.position.max() <= 1
    assert a.run().to_dict() == b.run().to_dict()
    # A (at 1) and the chair (at 1) are certain; B and C vary; all saliences are 1.
    assert list(a.result().drawn) == ["actors.B.position.scope", "actors.C.position.scope"]


def test_member_objects_to_states_the_same_test(trio):
    model = NegotiationModel(scenario_from_dict(trio), rng=0)
    c = model.members[2]
    assert c.objects_to(np.array([1.0])) and not c.objects_to(np.array([0.4]))
    assert c.utility(np.array([0.2])) == 0.0
    model.step()  # the round's recorded response is the same function's answer
    assert [m.objects_to(model.result().proposals[0]) for m in model.members] == [
        m.response == "object" for m in model.members]


def test_datacollector_records_one_row_per_round(trio):
    model, _ = run(trio)
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame["round"].tolist() == [1, 2]
    assert frame["objecting"].tolist() == [1, 0]
    assert frame["proposal_scope"].tolist() == pytest.approx([1.0, 0.4])
    assert frame["outcome"].iloc[-1] == "adopted_amended"


@st.composite
def random_scenarios(draw):
    n = draw(st.integers(2, 6))
    d = draw(st.integers(1, 2))
    dims = [f"d{k}" for k in range(d)]
    unit = st.floats(0.0, 1.0)

    def point():
        return {k: draw(unit) for k in dims}

    actors = [{"id": f"M{i}", "position": point(), "salience": point(),
               "weight": draw(st.floats(0.1, 10.0)),
               "tolerance": draw(st.floats(0.0, 0.2)), "blocking_cost": draw(st.floats(0, 0.3)),
               "gamma": draw(st.sampled_from([1.0, 2.0]))} for i in range(n)]
    actors.append({"id": "CH", "type": "chair", "position": point(), "salience": point()})
    rule = draw(st.sampled_from([
        {"type": "consensus"},
        {"type": "silence"},
        {"type": "unanimity", "constructive_abstention": False},
        {"type": "unanimity", "constructive_abstention": True},
        {"type": "majority"},
        {"type": "qualified_majority", "member_share": 0.5, "weight_share": 0.6},
        {"type": "veto_majority", "threshold": 0.5, "veto": ["M0"]},
    ]))
    return {
        "title": "random",
        "dimensions": [{"id": k, "levels": [{"value": 0, "label": "lo"},
                                            {"value": 1, "label": "hi"}]} for k in dims],
        "status_quo": point(),
        "proposal": {"position": point(), "agenda_setter": "CH",
                     "concession": draw(st.sampled_from(["minimal", "split", "ladder"]))},
        "rule": rule,
        "max_rounds": draw(st.integers(1, 8)),
        "uncertainty": {"position_sd": draw(st.sampled_from([0.0, 0.1]))},
        "actors": actors,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_scenarios(), st.integers(0, 2**32 - 1))
def test_invariants_of_every_run(data, seed):
    model, result = run(data, seed)
    assert result.outcome in OUTCOMES
    assert 1 <= result.rounds <= data["max_rounds"]
    last = result.responses[-1]
    # the rule adopted exactly the runs that ended adopted
    assert model.setup.rule(last).adopted == result.adopted
    if result.adopted and data["rule"]["type"] in ("consensus", "silence", "unanimity"):
        # under consensus nothing adopted has an objector; without constructive
        # abstention everyone said yes
        assert OBJECT not in last
        if data["rule"] == {"type": "unanimity", "constructive_abstention": False}:
            assert np.all(last == SUPPORT)
        if data["rule"] == {"type": "unanimity", "constructive_abstention": True}:
            abstaining = last == 0  # fewer than a third of the members, or of the weight
            weight = np.array([a["weight"] for a in data["actors"][:-1]])
            assert (abstaining.sum() < len(last) / 3
                    or weight[abstaining].sum() < weight.sum() / 3 - 1e-12)
    if not result.adopted:
        assert (last != SUPPORT).any()  # someone stood in the way
    if result.outcome == "deadlocked":
        assert result.rounds == data["max_rounds"]
    assert np.all((result.proposals >= 0) & (result.proposals <= 1))
    np.testing.assert_array_equal(result.final, result.proposals[-1])


def test_salience_noise_leaves_zero_saliences_at_zero(trio):
    trio["dimensions"].append({"id": "aid"})
    trio["status_quo"]["aid"] = 0.0
    trio["proposal"]["position"]["aid"] = 0.0
    trio["defaults"]["salience"] = {"scope": 1.0, "aid": 0.0}
    trio["defaults"]["position"] = {"aid": 0.5}
    trio["uncertainty"] = {"salience_sd": 0.2}
    model = NegotiationModel(scenario_from_dict(trio), rng=1)
    salience = model.state.salience[0]
    assert (salience[:, 1] == 0).all()
    # a stated salience of 1 is the end of the scale: the shorthand keeps it
    assert (salience[:, 0] == 1.0).all()


def test_under_unanimity_the_objection_rate_counts_objections_not_abstentions(trio):
    # C abstains (tolerance 0.7 > its loss 0.6) and, a third of three members, stops
    # the decision (Art. 31(1) TEU); it never objects: its objection rate is 0.
    from consensus_sim import run_ensemble

    trio["actors"][2]["tolerance"] = 0.7
    trio["rule"] = {"type": "unanimity"}
    result = run_ensemble(scenario_from_dict(trio), runs=5, seed=0, jobs=1)
    assert result.objection_rate()["C"] == 0.0
    assert result.opposition_measure == "objected"
