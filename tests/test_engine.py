"""The engine on the cases of docs/model.md, worked by hand, and the two drivers agree.

B1-B6: consensus rule, gamma = 2, tolerance and blocking cost 0 unless stated,
nothing uncertain (so private and complete information coincide).
"""

from __future__ import annotations

import numpy as np
import pytest

from consensus_sim import NegotiationModel, bundled_scenarios, load_scenario, scenario_from_dict
from consensus_sim.kernel import OUTCOMES, run_generator, run_uniforms, setup, simulate, type_values


def council(members, chair, status_quo, proposal, dims=("a", "b"), concession="minimal",
            max_rounds=5, levels=None, rule=None):
    """A scenario from {id: (position, salience, extra)} and the chair's (position, salience)."""
    def point(values):
        return dict(zip(dims, values, strict=True))

    actors = [{"id": i, "position": point(p), "salience": point(s), **extra}
              for i, (p, s, extra) in members.items()]
    actors.append({"id": "CH", "type": "chair", "position": point(chair[0]),
                   "salience": point(chair[1])})
    dimensions = [{"id": d, **({"levels": [{"value": v, "label": f"{d}{v}"} for v in levels]}
                               if levels else {})} for d in dims]
    return scenario_from_dict({
        "title": "hand case", "dimensions": dimensions, "status_quo": point(status_quo),
        "proposal": {"position": point(proposal), "agenda_setter": "CH",
                     "concession": concession},
        "rule": rule or {"type": "consensus"}, "max_rounds": max_rounds,
        "defaults": {"tolerance": 0.0, "blocking_cost": 0.0, "gamma": 2.0},
        "actors": actors,
    })


def play(scenario):
    return NegotiationModel(scenario, rng=0).run()


def loss(position, salience, q, x):
    position, salience = np.asarray(position), np.asarray(salience)
    return float((salience * (np.square(np.asarray(x) - position)
                              - np.square(np.asarray(q) - position))).sum())


def test_b1_no_false_withdrawal():
    # B accepts x when (x_a)^2 + 0.9 (x_b)^2 <= 0.3^2 + 0.8 = 0.89. (0.9, 0.2) is such a
    # text: 0.81 + 0.036 = 0.846; the chair prefers it to q: -(0.01 + 0.1*0.64) = -0.074
    # against -(0.49 + 0.1) = -0.59. Its best such text maximises
    # -(1 - x_a)^2 - 0.1 (1 - x_b)^2 on B's ellipse: about (0.861, 0.407).
    s = council({"A": ((1, 1), (1, 1), {}), "B": ((0, 0), (1, 0.9), {"tolerance": 0.8})},
                ((1, 1), (1, 0.1)), (0.3, 0), (1, 1))
    result = play(s)
    assert result.outcome == "adopted_amended" and result.rounds == 2
    np.testing.assert_allclose(result.final, [0.861, 0.407], atol=1e-3)
    assert loss((0, 0), (1, 0.9), (0.3, 0), result.final) <= 0.8 + 1e-9


def test_b2_the_setter_concedes_where_it_cares_least():
    # B's tolerance 0.5, q = (0, 0): B accepts x_a^2 + 0.9 x_b^2 <= 0.5. The chair's best
    # text on that ellipse is about (0.683, 0.193), its loss 0.317^2 + 0.1 * 0.807^2
    # = 0.166 (where conceding on b first, as before, gave (0, 0.745), loss 1.006).
    s = council({"A": ((1, 1), (1, 1), {}), "B": ((0, 0), (1, 0.9), {"tolerance": 0.5})},
                ((1, 1), (1, 0.1)), (0, 0), (1, 1))
    result = play(s)
    np.testing.assert_allclose(result.final, [0.683, 0.193], atol=1e-3)
    chair_loss = np.square(1 - result.final[0]) + 0.1 * np.square(1 - result.final[1])
    assert chair_loss == pytest.approx(0.166, abs=1e-3)


def test_b3_a_lone_member_does_not_block_below_its_threshold():
    # Losses from x = 1 against q = 0: A 0.5 (0.36 - 0.16) = 0.1, B 0.5 (0.49 - 0.09) =
    # 0.2, C -1. From nobody objecting: A's threshold is its whole blocking cost 0.15 >
    # 0.1 and B's 0.5 > 0.2: nobody objects, which is an equilibrium; the proposal
    # passes (A would object only if B did: 0.15 * 1/2 = 0.075 < 0.1, but B never does,
    # since even alone with A its threshold 0.25 exceeds 0.2).
    s = council({"A": ((0.4,), (0.5,), {"blocking_cost": 0.15}),
                 "B": ((0.3,), (0.5,), {"blocking_cost": 0.5}),
                 "C": ((1.0,), (1.0,), {})},
                ((1.0,), (1.0,)), (0,), (1,), dims=("a",), max_rounds=1)
    result = play(s)
    assert (result.outcome, result.rounds) == ("adopted", 1)
    assert result.responses[0].tolist() == [0, 0, 1]  # A and B abstain, C supports
    np.testing.assert_allclose(result.losses[0], [0.1, 0.2, -1.0])


def test_b4_ladder_never_retables_the_same_text():
    # Levels 0 and 1; q = 0.55; B (at 0.6) loses 0.16 - 0.0025 at 1 and 0.36 - 0.0025 at 0:
    # no level but the one just blocked passes: the chair withdraws at once.
    s = council({"A": ((1,), (1,), {}), "B": ((0.6,), (1,), {})}, ((1,), (1,)),
                (0.55,), (1,), dims=("a",), concession="ladder", max_rounds=6, levels=[0, 1])
    result = play(s)
    assert (result.outcome, result.rounds) == ("withdrawn", 1)


def test_b5_persuasion_keeps_pressure():
    def scenario(listens):
        data = {
            "title": "pressure", "dimensions": [{"id": "a"}], "status_quo": {"a": 0.0},
            "proposal": {"position": {"a": 0.0}, "agenda_setter": "A"},
            "defaults": {"salience": {"a": 1.0}},
            "actors": [{"id": "A", "position": {"a": 0.2}}, {"id": "B", "position": {"a": 0.9}},
                       {"id": "X", "type": "external", "position": {"a": 1.0},
                        "pressure": [{"affects": "position", "strength": 0.5,
                                      "targets": ["A"]}]}],
        }
        if listens:
            data["listens_to"] = {"A": {"B": 1e-6}}
        return scenario_from_dict(data)

    positions = []
    for listens in (False, True):
        model = NegotiationModel(scenario(listens), rng=0)
        model.step()
        positions.append(model.state.position[0, 0, 0])
    # 0.2 + 0.5 (1 - 0.2) = 0.6, with or without a listening weight of 1e-6: a fully
    # stubborn member keeps its own view, and its own view includes the pressure.
    assert positions[0] == positions[1] == pytest.approx(0.6, abs=1e-15)


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_b6_no_result_depends_on_the_order_of_dimensions(order):
    # B at (0, 0), tolerance 0.5: it accepts |x|^2 <= 0.5; the chair (1, 1), equal
    # saliences, takes the point of that disc nearest its ideal: (0.5, 0.5).
    s = council({"A": ((1, 1), (1, 1), {}), "B": ((0, 0), (1, 1), {"tolerance": 0.5})},
                ((1, 1), (1, 1)), (0, 0), (1, 1), dims=order)
    np.testing.assert_allclose(play(s).final, [0.5, 0.5], atol=1e-9)


def test_no_result_depends_on_the_order_of_actors():
    members = {"A": ((1, 1), (1, 1), {}), "B": ((0, 0), (1, 0.9), {"tolerance": 0.5}),
               "C": ((0.2, 0.9), (0.4, 1), {"tolerance": 0.1})}
    forward = play(council(members, ((1, 1), (1, 0.1)), (0, 0), (1, 1)))
    backward = play(council(dict(reversed(members.items())), ((1, 1), (1, 0.1)), (0, 0),
                            (1, 1)))
    np.testing.assert_allclose(forward.final, backward.final, atol=1e-9)
    assert forward.outcome == backward.outcome


def test_run_uniforms_are_each_runs_own_generator():
    runs = np.array([7, 0, 3])
    together = run_uniforms(11, runs, 5)
    for row, i in zip(together, runs, strict=True):
        np.testing.assert_array_equal(row, run_generator(11, i).random(5))


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_mesa_path_and_batch_path_agree_run_by_run(name):
    scenario = load_scenario(name)
    runs = 8 if name == "nato_ap4_itpp" else 30
    batch = simulate(setup(scenario), 3, np.arange(runs))
    for i in range(runs):
        model = NegotiationModel(scenario, rng=run_generator(3, i), collect=False).run()
        assert model.outcome == OUTCOMES[batch.outcome[i]], i
        assert model.rounds == batch.rounds[i], i
        np.testing.assert_array_equal(model.final, batch.final[i])
        np.testing.assert_array_equal(model.responses, batch.codes[i, : model.rounds])
        np.testing.assert_array_equal(list(model.drawn.values()), batch.drawn[i])


def private_case(information):
    s = council({"A": ((1,), (1,), {}), "B": ((0.2,), (1,), {})}, ((1,), (1,)), (0,), (1,),
                dims=("a",), concession="ladder", levels=[0, 0.5, 1])
    data = s.model_dump(exclude_none=True)
    data["information"] = information
    data["uncertainty"] = {"fields": {"actors.B.position.a": {
        "dist": "discrete", "values": [0.2, 0.6]}}}
    return scenario_from_dict(data)


def first_run_with(scenario, value):
    """The first run of seed 0 in which B's position was drawn as ``value``."""
    for i in range(100):
        model = NegotiationModel(scenario, rng=run_generator(0, i))
        if model.state.position[0, 1, 0] == value:
            return model
    raise AssertionError("no such run")  # pragma: no cover


def test_private_setter_learns_by_bayes_and_never_retables():
    # B is at 0.2 or 0.6, equally likely; here it is at 0.2. It objects to x = 1 (loss
    # 0.64 - 0.04 = 0.6), which a type at 0.6 would not (it supports: loss 0.16 - 0.36).
    # Bayes with a tremble of 0.02: the 0.2-types keep 0.5 * 0.98, the 0.6-types
    # 0.5 * 0.01, so the weights become 0.98/0.99 = 0.989899 and 0.01/0.99 = 0.010101.
    model = first_run_with(private_case("private"), 0.2)
    model.step()
    belief = model.agenda_setter.belief[1]  # B's types
    at_02 = type_values(model.setup, model.state, "position", 0)[:, 0, 1] == 0.2
    assert belief[at_02].sum() == pytest.approx(0.98 / 0.99, abs=1e-12)
    assert belief[~at_02].sum() == pytest.approx(0.01 / 0.99, abs=1e-12)
    # Expected gain of 0.5: only the 0.6-types accept it (0.01 - 0.36 < 0; a 0.2-type
    # loses 0.09 - 0.04 = 0.05): 0.010101 * (-(0.5)^2 - (-(1)^2)) = 0.007576 > 0, the
    # status quo gains nothing: the chair tables 0.5 and learns it fails.
    assert model.proposal.tolist() == [0.5]
    result = model.run()
    # Then every level is either blocked before or the status quo: it withdraws.
    assert (result.outcome, result.rounds) == ("withdrawn", 2)
    assert result.proposals[:, 0].tolist() == [1.0, 0.5]


def test_complete_information_setter_knows_the_draw():
    # The same run with complete information: the chair knows B is at 0.2, so 0.5
    # cannot pass and it withdraws at once.
    result = first_run_with(private_case("complete"), 0.2).run()
    assert (result.outcome, result.rounds) == ("withdrawn", 1)
    assert first_run_with(private_case("complete"), 0.6).run().outcome == "adopted"


def listening_council():
    members = {f"M{i}": (((i % 7) / 6,), (1.0,), {"stubbornness": 0.4}) for i in range(40)}
    s = council(members, ((1.0,), (1.0,)), (0,), (1,), dims=("a",), max_rounds=4)
    data = s.model_dump(exclude_none=True)
    data["listens_to"] = {"all": {"all": 1.0}}
    data["uncertainty"] = {"position_sd": 0.1}
    return scenario_from_dict(data)


def test_persuasion_gives_the_same_bits_on_every_path():
    # Persuasion multiplies by blocks of runs in one BLAS thread: run i is the same in
    # the Mesa model (a batch of one), in a batch of 40 and in worker processes.
    from consensus_sim import run_ensemble

    scenario = listening_council()
    batch = simulate(setup(scenario), 5, np.arange(40))
    for i in (0, 17, 39):
        model = NegotiationModel(scenario, rng=run_generator(5, i), collect=False).run()
        np.testing.assert_array_equal(model.final, batch.final[i])
        assert model.outcome == OUTCOMES[batch.outcome[i]]
    one = run_ensemble(scenario, runs=40, seed=5, jobs=1)
    two = run_ensemble(scenario, runs=40, seed=5, jobs=2)
    np.testing.assert_array_equal(one.final, two.final)
    np.testing.assert_array_equal(one.final, batch.final)


@pytest.mark.parametrize("name", ["nato_tokyo_office", "unsc_resolution", "eu_council_qmv",
                                  "nato_nordic_accession"])
def test_screening_the_setters_types_changes_no_bit(name, monkeypatch):
    # The engine skips members whose types all answer alike (kernel._unsure); weighing
    # every type one by one must give the same weights and runs, bit for bit.
    from consensus_sim import kernel

    s = setup(load_scenario(name))
    runs = np.arange(200)
    screened = simulate(s, 4, runs)
    monkeypatch.setattr(kernel, "_unsure", lambda low, high, cuts: np.ones(low.shape, bool))
    full = simulate(s, 4, runs)
    for field in ("outcome", "rounds", "final", "codes", "costliest"):
        np.testing.assert_array_equal(getattr(screened, field), getattr(full, field))
    # and the pass probabilities the setter weighs, screened or not
    state = kernel.initial_state(s, run_uniforms(4, runs, s.n_uniforms), runs)
    kernel.play_round(s, state, 1)
    texts = kernel._private_texts(s, state)
    unscreened = kernel.pass_probability(s, state, texts)
    monkeypatch.undo()
    np.testing.assert_array_equal(kernel.pass_probability(s, state, texts), unscreened)


def test_the_setters_types_follow_public_changes_and_their_range_is_exact():
    # Types are kept as one sample and a composed map per run, member and dimension;
    # moving a materialised copy step by step gives the same values (to rounding),
    # and the range the engine screens with is exactly that of the values.
    from consensus_sim import kernel

    s = setup(load_scenario("nato_tokyo_office"))
    runs = np.arange(64)
    state = kernel.initial_state(s, run_uniforms(1, runs, s.n_uniforms), runs)
    rng = np.random.default_rng(5)
    values = {f: type_values(s, state, f, 0) for f in ("position", "salience")}
    for step in range(12):
        field = "position" if step % 2 else "salience"
        g = rng.uniform(-0.5, 1.5, size=state.position_map.shape[1:])
        c = rng.uniform(-0.3, 0.6, size=g.shape)
        maps = state.position_map if field == "position" else state.salience_map
        moved = kernel._move_types(maps, g, c)
        if field == "position":
            state.position_map = moved
        else:
            state.salience_map = moved
        state.type_box = None
        values[field] = np.clip(g[None, ..., 0] * values[field] + c[None, ..., 0], 0.0, 1.0)
        now = type_values(s, state, field, 0)
        np.testing.assert_allclose(now, values[field], rtol=0, atol=1e-12)
        box = kernel._TypeBox.of(s, state)
        low, high = getattr(box, field)
        np.testing.assert_array_equal(low[..., 0], now.min(axis=0))
        np.testing.assert_array_equal(high[..., 0], now.max(axis=0))


def test_private_setter_weighs_failing_at_a_meeting_and_may_postpone():
    # As in test_private_setter_learns_by_bayes_and_never_retables: after B (at 0.2)
    # objects to 1, the level 0.5 passes with probability 0.010101 and gains the chair
    # 0.75: expected gain 0.007576. If round 2 is a summit where failing costs the
    # chair 0.01, tabling 0.5 is worth 0.007576 - (1 - 0.010101) * 0.01 = -0.002323 < 0:
    # it withdraws in round 1. If keeping the proposal alive is worth a tenth of its
    # gain (0.1 * 1 = 0.1), it postpones instead.
    data = private_case("private").model_dump(exclude_none=True)
    data["meetings"] = [{"id": "summit", "round": 2, "failure_cost": {"CH": 0.01}}]
    model = first_run_with(scenario_from_dict(data), 0.2)
    result = model.run()
    assert (result.outcome, result.rounds) == ("withdrawn", 1)
    data["proposal"]["postponement"] = 0.1
    assert first_run_with(scenario_from_dict(data), 0.2).run().outcome == "postponed"


@pytest.mark.parametrize("gamma", [2.0, 1.5])
def test_the_setters_types_weigh_texts_against_each_members_outside_option(gamma):
    # Under private information each of the setter's types of a member measures its
    # loss from the member's outside option, as the member does; the bounds the types
    # are screened with hold.
    from consensus_sim import kernel

    data = load_scenario("nato_tokyo_office").model_dump(mode="json", exclude_none=True)
    data["defaults"]["gamma"] = gamma
    for actor in data["actors"][:6]:
        actor["outside_option"] = {"office": 0.5}
    s = setup(scenario_from_dict(data))
    assert s.private and s.outside
    runs = np.arange(16)
    state = kernel.initial_state(s, run_uniforms(3, runs, s.n_uniforms), runs)
    x = np.random.default_rng(0).uniform(size=(16, 1))
    p = type_values(s, state, "position", 0)  # (K, R, M)
    sal = type_values(s, state, "salience", 0)
    o = s.reversion[:, 0]
    optioned = sum(a.get("type", "member") == "member" for a in data["actors"][:6])
    assert (o == 0.5).sum() == optioned and np.all((o == 0.5) | (o == s.status_quo[0]))
    expected = sal * (np.abs(x[None, :, :1] - p) ** gamma - np.abs(o - p) ** gamma)
    typed = kernel._type_loss(s, state, x)
    np.testing.assert_allclose(typed, expected, rtol=0, atol=1e-12)
    low, high = kernel._loss_bounds(s, kernel._TypeBox.of(s, state), x)
    assert np.all(typed >= low[None]) and np.all(typed <= high[None])
