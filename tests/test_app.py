"""The dashboard rendered without a browser (solara.render), clicked through its widgets."""

from __future__ import annotations

from collections.abc import Iterator

import ipyvuetify as v
import ipywidgets
import pytest
import solara

from consensus_sim import scenario_from_dict
from consensus_sim.app import (
    ABSTAINER_SHARES,
    SCENARIO_ENV,
    Dashboard,
    Page,
    _charts,
    _trajectory_dimension,
)

from .conftest import headquarters_data, linkage_data

TOKYO = "nato_tokyo_office"


def walk(widget: object) -> Iterator[ipywidgets.Widget]:
    """Every widget under ``widget``, depth first."""
    if isinstance(widget, ipywidgets.Widget):
        yield widget
        for child in getattr(widget, "children", None) or ():
            yield from walk(child)


def with_class(root: ipywidgets.Widget, css_class: str) -> list[ipywidgets.Widget]:
    return [w for w in walk(root) if css_class in (getattr(w, "class_", None) or "").split()]


def one(root: ipywidgets.Widget, css_class: str) -> ipywidgets.Widget:
    found = with_class(root, css_class)
    assert len(found) == 1, f"expected one widget of class {css_class!r}, found {len(found)}"
    return found[0]


def text(widget: ipywidgets.Widget) -> str:
    """All the text shown inside ``widget``."""
    return " ".join(c for w in walk(widget) for c in getattr(w, "children", None) or ()
                    if isinstance(c, str))


def error_text(root: ipywidgets.Widget) -> str:
    return " ".join(text(w) for w in walk(root) if isinstance(w, v.Alert))


@pytest.fixture
def page():
    """The page of a fresh Tokyo dashboard: (root widget, render context, dashboard)."""
    # seed 72: the stepped run (run 0 of seed 72) has France alone blocking the first
    # text, 30 members supporting it, and France accepting the next. That is one of
    # the few Tokyo runs that adopt an office (about 5%); most are postponed after
    # round 1 (test_tokyo.py), which shows too little of the page to test it.
    dashboard = Dashboard(TOKYO, seed=72)
    box, rc = solara.render(Page(dashboard), handle_error=False)
    yield box, rc, dashboard
    rc.close()


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def test_step_one_round_shows_the_round_the_scope_and_the_responses(page):
    box, rc, _ = page
    assert text(one(box, "cs-round")).startswith("Round 0 of 5")
    assert with_class(box, "cs-none"), "members show 'no vote yet' before round 1"

    click(rc, "Step one round")
    status = text(one(box, "cs-round"))
    assert status.startswith("Round 1 of 5: blocked (1 object, 0 abstain, 30 support)")
    assert status.endswith("The blocker most costly to win over: France.")
    scope = text(one(box, "cs-scope"))
    assert "0.67 · political liaison" in scope  # voted on in round 1
    assert "0.33 · ITPP facilitation only" in scope  # the ladder's next rung
    assert [text(chip) for chip in with_class(box, "cs-object")] == ["✗ FRA"]
    assert len(with_class(box, "cs-support")) == 30

    click(rc, "Step one round")
    assert text(one(box, "cs-round")) == "Over after round 2: adopted with a scope change."
    assert rc.find(v.Btn, children=["Step one round"]).widget.disabled

    click(rc, "Reset")
    assert text(one(box, "cs-round")).startswith("Round 0 of 5")


def test_salience_slider_changes_the_scenario_and_restarts_the_run(page):
    box, rc, dashboard = page
    click(rc, "Step one round")
    rc.find(v.Select, label="Member").widget.v_model = "France (FRA)"
    slider = rc.find(v.Slider, label="Salience").widget
    assert slider.v_model == pytest.approx(0.8)  # France's salience as the scenario has it

    slider.v_model = 0.1
    assert dashboard.scenario.actor("FRA").salience["office"] == pytest.approx(0.1)
    assert dashboard.edits == {"actors.FRA.salience.office": 0.1}
    assert text(one(box, "cs-round")).startswith("Round 0 of 5")  # restarted
    click(rc, "Run to the end")
    # France hardly cares now: the first text passes.
    assert text(one(box, "cs-round")) == "Over after round 1: adopted as proposed."

    click(rc, "Undo all edits")
    assert dashboard.edits == {}
    assert rc.find(v.Slider, label="Salience").widget.v_model == pytest.approx(0.8)


def test_rule_and_concession_dropdowns_edit_the_scenario(page):
    box, rc, dashboard = page
    rc.find(v.Select, label="Concession strategy").widget.v_model = "split"
    assert dashboard.scenario.proposal.concession == "split"
    click(rc, "Run to the end")
    assert text(one(box, "cs-round")) == "Over after round 2: adopted with a scope change."
    assert "0.38 · ITPP facilitation only" in text(one(box, "cs-scope"))  # halfway to France

    rc.find(v.Select, label="Decision rule").widget.v_model = "majority"
    assert dashboard.scenario.rule.type == "majority"
    click(rc, "Run to the end")
    assert text(one(box, "cs-round")) == "Over after round 1: adopted as proposed."


def test_a_rule_the_scenario_lacks_data_for_shows_an_error_not_a_crash(page):
    box, rc, dashboard = page
    assert error_text(box) == ""
    # Not offered in the list (Tokyo names no veto holders), but a client can send it.
    rc.find(v.Select, label="Decision rule").widget.v_model = "veto_majority"
    shown = error_text(box)
    assert "rule.veto" in shown and "required field is missing" in shown
    assert dashboard.scenario.rule.type == "consensus"  # the bad edit changed nothing
    assert rc.find(v.Select, label="Decision rule").widget.v_model == "consensus"

    click(rc, "Step one round")  # the page still works, and the message goes away
    assert text(one(box, "cs-round")).startswith("Round 1 of 5")
    assert error_text(box) == ""


def test_a_negative_seed_shows_an_error(page):
    box, rc, dashboard = page
    seed = rc.find(v.TextField, label="Seed").widget
    seed.v_model = "-1"
    seed.fire_event("focusout")
    assert "seed: -1 is not allowed" in error_text(box)
    assert dashboard.seed == 72  # unchanged


def test_run_ensemble_shows_the_outcome_chart(page):
    from consensus_sim import run_ensemble

    box, rc, _ = page
    assert not with_class(box, "cs-chart-outcomes")
    click(rc, "Run ensemble (200 runs)")
    adopted = run_ensemble(TOKYO, runs=200, seed=72, jobs=1).adopted.mean()
    assert 0 < adopted < 1
    assert text(one(box, "cs-ensemble-summary")).startswith(
        f"Ensemble of 200 runs (seed 72): adopted in {100 * adopted:.0f}% of them")
    chart = one(box, "cs-chart-outcomes")
    (image,) = [w for w in walk(chart) if isinstance(w, ipywidgets.Image)]
    assert bytes(image.value).startswith(b"\x89PNG")
    assert with_class(box, "cs-chart-trajectory")


def test_switching_scenario_keeps_its_own_rule_on_offer(page):
    box, rc, dashboard = page
    rc.find(v.Select, label="Scenario").widget.v_model = "unsc_resolution"
    assert dashboard.scenario.id == "unsc_resolution"
    rule = rc.find(v.Select, label="Decision rule").widget
    assert rule.items == ["consensus", "silence", "unanimity", "majority", "veto_majority"]
    rule.v_model = "majority"
    assert dashboard.scenario.rule.model_dump() == {"type": "majority", "threshold": 0.5,
                                                    "inclusive": False}
    rule.v_model = "veto_majority"  # back to the scenario's own, veto list and all
    assert dashboard.scenario.rule == dashboard.base.rule
    assert error_text(box) == ""


def test_page_starts_with_the_scenario_from_the_environment(monkeypatch):
    monkeypatch.setenv(SCENARIO_ENV, "classroom_trio")
    box, rc = solara.render(Page(), handle_error=False)
    assert rc.find(v.Select, label="Scenario").widget.v_model == "classroom_trio"
    assert len(with_class(box, "cs-chip")) == 3
    rc.close()


def test_an_unknown_scenario_in_the_environment_is_reported(monkeypatch):
    monkeypatch.setenv(SCENARIO_ENV, "no_such_scenario")
    box, rc = solara.render(Page(), handle_error=False)
    assert "no such file or bundled scenario" in error_text(box)
    assert rc.find(v.Select, label="Scenario").widget.v_model == TOKYO
    rc.close()


def test_dashboard_command_rejects_a_bad_scenario_in_one_line(capsys):
    from consensus_sim.cli import main

    with pytest.raises(SystemExit) as info:
        main(["dashboard", "no_such_scenario"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1 and "no such file" in err


def test_postponement_slider_lets_the_setter_postpone(page):
    # Tokyo: the chair values the office as proposed; if keeping it alive for a later
    # summit is worth all of that, it postpones after France's first objection.
    box, rc, dashboard = page
    rc.find(v.Slider, label="Postponement").widget.v_model = 1.0
    assert dashboard.scenario.proposal.postponement == 1.0
    click(rc, "Run to the end")
    assert text(one(box, "cs-round")) == "Over after round 1: postponed to a later meeting."


# ------------------------------------------------ the model's mechanisms, on small cases
# The three-member council of tests/data/trio.yaml (A at 1, B at 0.8, C at 0.2,
# salience 1, gamma 2, status quo 0, proposal 1, `minimal`, max_rounds 5): C loses
# 0.6 from the proposal and, with tolerance and blocking cost 0, accepts only
# (x - 0.2)^2 <= 0.04, x <= 0.4. Each case is worked by hand in docs/model.md.


@pytest.fixture
def open_page(write_yaml):
    """Render the dashboard of a scenario given as data; yields a function returning
    (root widget, render context, dashboard)."""
    contexts = []

    def open_(data, seed=0):
        dashboard = Dashboard(str(write_yaml(data)), seed=seed)
        box, rc = solara.render(Page(dashboard), handle_error=False)
        contexts.append(rc)
        return box, rc, dashboard

    yield open_
    for rc in contexts:
        rc.close()


def status(box) -> str:
    return text(one(box, "cs-round"))


def notes(box) -> str:
    return " ".join(text(w) for w in with_class(box, "cs-round-note"))


def table_row(box, dimension: str) -> list[str]:
    """The cells of the row of ``dimension`` in "Proposal on the table"."""
    for row in walk(one(box, "cs-scope")):
        cells = [text(c) for c in getattr(row, "children", None) or ()
                 if isinstance(c, ipywidgets.Widget) and getattr(c, "tag", "") == "td"]
        if cells and cells[0] == dimension:
            return cells
    raise AssertionError(f"no row {dimension!r}")


def test_meetings_are_listed_and_their_failure_costs_change_the_vote(trio, open_page):
    # Round 2 is a summit where failing costs C 0.7: its threshold there is 0.7 >= 0.6,
    # the chair tables 1 again and C abstains: adopted as proposed in round 2.
    trio["meetings"] = [{"id": "summit", "name": "Summit", "round": 2,
                         "failure_cost": {"C": 0.7}}]
    box, rc, dashboard = open_page(trio)
    assert text(one(box, "cs-meeting")) == "Round 2: Summit; failing costs C 0.70."
    assert notes(box) == "Next meeting: round 2, Summit."
    click(rc, "Run to the end")
    assert status(box) == "Over after round 2: adopted as proposed."
    assert notes(box) == "Round 2 was voted at Summit, where failing costs C 0.70."

    # Failing costs nobody anything: C accepts no more than 0.4.
    rc.find(v.Slider, label="All failure costs ×").widget.v_model = 0.0
    assert dashboard.scenario.meetings[0].failure_cost == {"C": 0.0}
    assert "meeting failure costs × 0" in text(one(box, "cs-edits"))
    click(rc, "Run to the end")
    assert status(box) == "Over after round 2: adopted with a scope change."
    assert table_row(box, "Scope of the proposal")[2] == "adopted: 0.40 · half"

    # C's cost set to 0.5 (and kept when the costs are scaled again): at the summit C
    # accepts (x - 0.2)^2 - 0.04 <= 0.5, and the chair tables 0.2 + sqrt(0.54).
    rc.find(v.Select, label="Who fails").widget.v_model = "C (C)"
    rc.find(v.Slider, label="Failure cost").widget.v_model = 0.5
    rc.find(v.Slider, label="All failure costs ×").widget.v_model = 2.0
    assert dashboard.scenario.meetings[0].failure_cost == {"C": 0.5}
    click(rc, "Run to the end")
    assert dashboard.model.result().final[0] == pytest.approx(0.2 + 0.54 ** 0.5, abs=1e-9)
    assert table_row(box, "Scope of the proposal")[2] == "adopted: 0.93 · full"


def test_moving_a_meeting_moves_the_vote_it_decides(trio, open_page):
    trio["meetings"] = [{"id": "summit", "name": "Summit", "round": 2,
                         "failure_cost": {"C": 0.7}}]
    box, rc, dashboard = open_page(trio)
    rc.find(v.Slider, label="Meeting round").widget.v_model = 1  # the first text at the summit
    assert dashboard.scenario.meetings[0].round == 1
    click(rc, "Run to the end")
    assert status(box) == "Over after round 1: adopted as proposed."

    rc.find(v.Slider, label="Meeting round").widget.v_model = 9  # after max_rounds (5)
    shown = error_text(box)
    assert "meetings[summit].round" in shown and "allowed: 1 to 5" in shown
    assert dashboard.scenario.meetings[0].round == 1  # the bad edit changed nothing


def test_the_meeting_line_lists_failure_costs_in_the_actors_order(trio, open_page):
    # The file lists C before A; the line follows the scenario's actors, and a cost
    # set for B takes its place between them rather than at the end.
    trio["meetings"] = [{"id": "summit", "name": "Summit", "round": 2,
                         "failure_cost": {"C": 0.7, "A": 0.2}}]
    box, rc, _ = open_page(trio)
    assert text(one(box, "cs-meeting")) == "Round 2: Summit; failing costs A 0.20, C 0.70."
    rc.find(v.Select, label="Who fails").widget.v_model = "B (B)"
    rc.find(v.Slider, label="Failure cost").widget.v_model = 0.1
    assert text(one(box, "cs-meeting")) == (
        "Round 2: Summit; failing costs A 0.20, B 0.10, C 0.70.")
    click(rc, "Run to the end")
    assert notes(box) == "Round 2 was voted at Summit, where failing costs A 0.20, B 0.10, C 0.70."


def test_without_failure_costs_there_is_nothing_to_scale(trio, open_page):
    trio["meetings"] = [{"id": "summit", "name": "Summit", "round": 2}]
    box, rc, dashboard = open_page(trio)
    assert text(one(box, "cs-meeting")) == "Round 2: Summit; failing costs nobody anything."
    assert rc.find(v.Slider, label="Failure cost").widgets
    assert not rc.find(v.Slider, label="All failure costs ×").widgets
    dashboard.set_failure_scale(2.0)  # as a notebook could: no edit, no factor
    assert (dashboard.failure_scale, dashboard.edits) == (1.0, {})
    assert dashboard.edit_summary() == []
    with pytest.raises(ValueError, match="failure cost factor: -1 is not allowed"):
        dashboard.set_failure_scale(-1.0)
    # a cost set for one actor is not one as written, so there is still nothing to scale
    rc.find(v.Select, label="Who fails").widget.v_model = "C (C)"
    rc.find(v.Slider, label="Failure cost").widget.v_model = 0.7
    assert dashboard.edits == {"meetings.summit.failure_cost.C": 0.7}
    assert not rc.find(v.Slider, label="All failure costs ×").widgets
    dashboard.set_failure_scale(0.0)
    assert dashboard.failure_scale == 1.0
    assert dashboard.scenario.meetings[0].failure_cost == {"C": 0.7}


def test_tolerance_lets_a_member_stand_aside_and_unanimity_counts_the_abstainers(
        trio, open_page):
    box, rc, dashboard = open_page(trio)
    assert not rc.find(v.Select, label="Abstainers stop it at").widgets  # not under consensus
    rc.find(v.Select, label="Member").widget.v_model = "C (C)"
    rc.find(v.Slider, label="Tolerance").widget.v_model = 0.7
    assert dashboard.scenario.actor("C").tolerance == 0.7
    # C loses 0.6, within its tolerance: it stands aside and the proposal passes.
    click(rc, "Run to the end")
    assert status(box) == "Over after round 1: adopted as proposed."
    assert [text(chip) for chip in with_class(box, "cs-abstain")] == ["– C"]

    # Unanimity, Art. 31(1) TEU: C alone is a third of the members and of the weight,
    # so its abstention stops the text; the chair must win its yes: 0.4.
    rc.find(v.Select, label="Decision rule").widget.v_model = "unanimity"
    shares = rc.find(v.Select, label="Abstainers stop it at").widget
    assert shares.v_model == "a third (Art. 31(1) TEU)"
    click(rc, "Run to the end")
    assert status(box) == "Over after round 2: adopted with a scope change."
    assert table_row(box, "Scope of the proposal")[2] == "adopted: 0.40 · half"

    # Art. 238(4) TFEU: abstentions never stop it.
    shares.v_model = "never (Art. 238(4) TFEU)"
    assert dashboard.scenario.rule.abstainers_stop_at is None
    assert "rule.abstainers_stop_at = null" in text(one(box, "cs-edits"))
    click(rc, "Run to the end")
    assert status(box) == "Over after round 1: adopted as proposed."
    rc.find(v.Select, label="Abstainers stop it at").widget.v_model = "a half"  # 1/3 < 1/2
    assert dashboard.scenario.rule.abstainers_stop_at == 0.5
    click(rc, "Run to the end")
    assert status(box) == "Over after round 1: adopted as proposed."

    # Without constructive abstention C must say yes.
    rc.find(v.Switch, label="Constructive abstention").widget.v_model = False
    assert not rc.find(v.Select, label="Abstainers stop it at").widgets
    click(rc, "Run to the end")
    assert status(box) == "Over after round 2: adopted with a scope change."

    # Back to consensus: the unanimity settings go with the rule.
    rc.find(v.Select, label="Decision rule").widget.v_model = "consensus"
    assert error_text(box) == ""
    assert not any(path.startswith("rule.") for path in dashboard.edits)


def test_an_edit_keeps_abstentions_that_never_stop_a_decision(trio, open_page):
    # The scenario says `abstainers_stop_at: null`; an unrelated edit must not bring
    # back the default third (which would make C's abstention block round 1).
    trio["rule"] = {"type": "unanimity", "abstainers_stop_at": None}
    trio["actors"][2]["tolerance"] = 0.7
    box, rc, dashboard = open_page(trio)
    assert rc.find(v.Select, label="Abstainers stop it at").widget.v_model == (
        "never (Art. 238(4) TFEU)")
    rc.find(v.Select, label="Concession strategy").widget.v_model = "split"
    assert dashboard.scenario.rule.abstainers_stop_at is None
    click(rc, "Run to the end")
    assert status(box) == "Over after round 1: adopted as proposed."


def test_a_share_of_abstainers_outside_the_list_is_offered_as_a_number(trio, open_page):
    # C (tolerance 0.7) stands aside. It is a third of the members and of the weight:
    # under the file's 0.40 its abstention does not stop the text, at a quarter it does.
    trio["rule"] = {"type": "unanimity", "abstainers_stop_at": 0.4}
    trio["actors"][2]["tolerance"] = 0.7
    box, rc, dashboard = open_page(trio)
    shares = rc.find(v.Select, label="Abstainers stop it at").widget
    assert shares.items == [*ABSTAINER_SHARES, "0.40"]
    assert shares.v_model == "0.40"
    click(rc, "Run to the end")
    assert status(box) == "Over after round 1: adopted as proposed."

    shares.v_model = "a quarter"
    assert dashboard.scenario.rule.abstainers_stop_at == 0.25
    assert shares.items == list(ABSTAINER_SHARES)
    click(rc, "Run to the end")
    assert status(box) == "Over after round 2: adopted with a scope change."

    shares.v_model = "0.40"  # the number sets that share again
    assert dashboard.scenario.rule.abstainers_stop_at == 0.4
    assert shares.v_model == "0.40"
    click(rc, "Run to the end")
    assert status(box) == "Over after round 1: adopted as proposed."


def test_blocking_cost_slider(trio, open_page):
    # C's blocking cost 0.3: it accepts (x - 0.2)^2 - 0.04 <= 0.3, x = 0.2 + sqrt(0.34).
    _, rc, dashboard = open_page(trio)
    rc.find(v.Select, label="Member").widget.v_model = "C (C)"
    rc.find(v.Slider, label="Blocking cost").widget.v_model = 0.3
    assert dashboard.edits == {"actors.C.blocking_cost": 0.3}
    click(rc, "Run to the end")
    assert dashboard.model.result().final[0] == pytest.approx(0.2 + 0.34 ** 0.5, abs=1e-9)


def test_a_yes_no_dimension_shows_answers_and_offers_only_its_two_values(open_page):
    box, rc, dashboard = open_page(headquarters_data())
    rc.find(v.Select, label="Member").widget.v_model = "B (B)"
    rc.find(v.Select, label="Dimension").widget.v_model = "hq"
    assert not rc.find(v.Slider, label="Position").widgets
    position = rc.find(v.Select, label="Position").widget
    assert position.items == ["status quo (0)", "as proposed (1)"]
    assert position.v_model == "status quo (0)"

    click(rc, "Step one round")
    assert table_row(box, "hq (yes/no)") == [
        "hq (yes/no)", "as proposed", "status quo (dropped)", "status quo"]
    assert table_row(box, "scope")[1:3] == ["1.00", "0.40"]
    click(rc, "Run to the end")
    assert status(box) == "Over after round 2: adopted with a scope change."
    assert table_row(box, "hq (yes/no)")[2] == "adopted: status quo (dropped)"

    # B wants the headquarters too: it gains 0.4 from (1, 1) and supports it.
    position.v_model = "as proposed (1)"
    assert dashboard.scenario.actor("B").position["hq"] == 1.0
    click(rc, "Run to the end")
    assert status(box) == "Over after round 1: adopted as proposed."


def test_a_yes_no_dimension_is_charted_by_its_answers(open_page):
    data = headquarters_data()
    data["dimensions"] = [{"id": "hq", "binary": True}]
    data["status_quo"], data["proposal"]["position"] = {"hq": 0.0}, {"hq": 1.0}
    data["defaults"]["salience"] = {"hq": 1.0}
    for actor, hq in zip(data["actors"], (1.0, 0.3, 1.0), strict=True):
        actor["position"] = {"hq": hq}
        actor.pop("salience", None)
    _, rc, dashboard = open_page(data)
    rc.find(v.Select, label="Member").widget.v_model = "B (B)"
    # B's ideal point is neither answer: the control says so rather than snap it
    assert rc.find(v.Select, label="Position").widget.items == [
        "status quo (0)", "as proposed (1)", "0.30 (as written)"]
    click(rc, "Run ensemble (200 runs)")
    title, figure = _charts(dashboard)["trajectory"]
    assert title == "Scope round by round: hq"
    axis = figure.axes[0]
    assert list(axis.get_yticks()) == [0.0, 1.0]
    assert [t.get_text() for t in axis.get_yticklabels()] == ["status quo", "as proposed"]


def test_yes_no_choices_are_labelled_by_the_dimension_s_levels(open_page):
    data = headquarters_data()
    data["dimensions"][1]["levels"] = [{"value": 0.0, "label": "no seat"},
                                       {"value": 1.0, "label": "a seat"}]
    box, rc, _ = open_page(data)
    rc.find(v.Select, label="Member").widget.v_model = "B (B)"
    rc.find(v.Select, label="Dimension").widget.v_model = "hq"
    position = rc.find(v.Select, label="Position").widget
    assert position.items == ["no seat (0)", "a seat (1)"]
    assert position.v_model == "no seat (0)"
    assert table_row(box, "hq (yes/no)") == ["hq (yes/no)", "—", "a seat", "no seat"]


def test_the_trajectory_charts_a_later_dimension_rather_than_a_yes_no_one(write_yaml):
    data = headquarters_data()
    data["dimensions"].reverse()  # hq, a yes/no question, first; then scope
    scenario = scenario_from_dict(data)
    assert scenario.dimension_ids == ["hq", "scope"]
    assert _trajectory_dimension(scenario) == 1
    dashboard = Dashboard(str(write_yaml(data)))
    dashboard.run_ensemble(runs=20)
    assert _charts(dashboard)["trajectory"][0] == "Scope round by round: scope"


def linkage() -> dict:
    """The linkage council of tests/conftest.py, its actors named for the page: the
    chair pays C (Corvia) about 0.324 on aid and keeps the scope near 0.963."""
    data = linkage_data()
    data["actors"][1]["name"] = "Corvia"
    data["actors"][2]["name"] = "The chair"
    return data


def test_side_payments_switch(open_page, trio):
    box, rc, _ = open_page(trio)
    assert not rc.find(v.Switch, label="Side payments").widgets  # no side dimension

    box, rc, dashboard = open_page(linkage())
    click(rc, "Step one round")
    assert notes(box) == "Side payment: The chair gives Corvia 0.32 on aid."
    assert table_row(box, "scope")[2] == "0.96"
    rc.find(v.Switch, label="Side payments").widget.v_model = False
    assert dashboard.scenario.proposal.side_payments is False
    click(rc, "Step one round")
    assert notes(box) == ""
    assert table_row(box, "scope")[2] == "0.40"
    assert table_row(box, "aid (side payment)")[2] == "0.00"


def test_a_deal_won_only_by_payments_reads_as_adopted_with_side_payments(open_page):
    # The linkage council on a ladder, worked in test_mechanics.py: C accepts the full
    # scope when paid aid 0.5, cheaper for the chair than any narrower rung.
    data = linkage()
    data["proposal"]["concession"] = "ladder"
    for dim in data["dimensions"]:
        dim["levels"] = [{"value": v, "label": f"{dim['id']} {v}"} for v in (0.0, 0.5, 1.0)]
    box, rc, _ = open_page(data)
    click(rc, "Step one round")
    assert notes(box) == "Side payment: The chair gives Corvia 0.50 on aid."
    click(rc, "Run to the end")
    assert status(box) == "Over after round 2: adopted as proposed, with side payments."
    assert table_row(box, "scope")[2] == "adopted: 1.00 · scope 1.0"
    assert table_row(box, "aid (side payment)")[2] == "adopted: 0.50 · aid 0.5"
    click(rc, "Run ensemble (200 runs)")
    assert text(one(box, "cs-ensemble-summary")) == (
        "Ensemble of 200 runs (seed 0): adopted in 100% of them.")


def test_event_controls_change_the_event(trio, open_page):
    # Every round C's blocking cost grows by 0.3: in round 1 (cost 0.3) the chair
    # tables the most C then accepts, 0.2 + sqrt(0.34), which passes in round 2.
    trio["events"] = [{"id": "isolation", "description": "C is isolated", "probability": 1.0,
                       "per": "round", "targets": ["C"], "affects": "blocking_cost",
                       "change": 0.3}]
    box, rc, dashboard = open_page(trio)
    assert text(one(box, "cs-event")) == (
        "isolation: every round, probability 1.00: +0.30 on the blocking cost of C")
    click(rc, "Step one round")
    assert notes(box) == ("Events this round: C is isolated (every round, probability 1.00: "
                          "+0.30 on the blocking cost of C).")
    click(rc, "Run to the end")
    assert dashboard.model.result().final[0] == pytest.approx(0.2 + 0.34 ** 0.5, abs=1e-9)

    rc.find(v.Slider, label="Change").widget.v_model = 0.7  # 0.7 > C's loss of 0.6
    click(rc, "Run to the end")
    assert status(box) == "Over after round 1: adopted as proposed."
    rc.find(v.Slider, label="Probability").widget.v_model = 0.0
    assert dashboard.edits == {"events.isolation.change": 0.7,
                               "events.isolation.probability": 0.0}
    click(rc, "Run to the end")
    assert table_row(box, "Scope of the proposal")[2] == "adopted: 0.40 · half"


# ------------------------------------------------------------------ rival proposals
# scenarios/classroom_rivals.yaml works these by hand: the classroom trio, and
# Corvia's plan (patrols 0.6) tabled in round 2 beside the chair's 0.7, which B and C
# prefer to it.

RIVALS = "classroom_rivals"


@pytest.fixture
def rivals_page():
    """The page of a fresh classroom_rivals dashboard: (root widget, render context,
    dashboard)."""
    dashboard = Dashboard(RIVALS)
    box, rc = solara.render(Page(dashboard), handle_error=False)
    yield box, rc, dashboard
    rc.close()


def test_the_rival_card_lists_the_rival_and_the_run_names_the_one_adopted(rivals_page):
    box, rc, _ = rivals_page
    assert text(one(box, "cs-rival")) == (
        "Corvia's plan, sponsored by Corvia: tabled from round 2; patrols 0.60 · regular "
        "joint patrols.")
    assert rc.find(v.Select, label="Rival").widget.v_model == "Corvia's plan (corvia_plan)"
    assert rc.find(v.Slider, label="Tabled in round").widget.v_model == 2
    assert rc.find(v.Slider, label="Text: patrols").widget.v_model == pytest.approx(0.6)
    assert notes(box) == "Next rival proposal: round 2, Corvia's plan."

    click(rc, "Run to the end")
    assert status(box) == ("Over after round 2: a rival proposal adopted (Corvia's plan, "
                           "sponsored by Corvia).")
    assert notes(box) == "Rival proposals also voted on: Corvia's plan."
    # voted on: the chair's text; adopted: the rival's
    assert table_row(box, "Joint coastal patrols")[1:3] == [
        "0.70 · regular joint patrols", "adopted (Corvia's plan): 0.60 · regular joint patrols"]

    click(rc, "Run ensemble (200 runs)")
    assert text(one(box, "cs-ensemble-rivals")) == (
        "Rival proposals adopted: Corvia's plan in 100% of the runs.")


def test_moving_the_rival_s_text_lets_the_chair_s_text_win(rivals_page):
    # At 0.4, A and B prefer the chair's 0.7: adopted with a scope change.
    box, rc, dashboard = rivals_page
    rc.find(v.Slider, label="Text: patrols").widget.v_model = 0.4
    assert dashboard.edits == {"rivals.corvia_plan.text.patrols": 0.4}
    assert dashboard.scenario.rivals[0].text["patrols"] == 0.4
    assert "rivals.corvia_plan.text.patrols = 0.4" in text(one(box, "cs-edits"))
    click(rc, "Run to the end")
    assert status(box) == "Over after round 2: adopted with a scope change."
    assert dashboard.model.result().rival is None
    assert table_row(box, "Joint coastal patrols")[2] == "adopted: 0.70 · regular joint patrols"


def test_tabling_the_rival_in_round_1_adopts_it_in_round_1(rivals_page):
    box, rc, dashboard = rivals_page
    rc.find(v.Slider, label="Tabled in round").widget.v_model = 1
    assert dashboard.scenario.rivals[0].round == 1
    click(rc, "Step one round")
    assert status(box) == ("Over after round 1: a rival proposal adopted (Corvia's plan, "
                           "sponsored by Corvia).")
    assert dashboard.model.result().rival == "corvia_plan"

    rc.find(v.Slider, label="Tabled in round").widget.v_model = 9  # after max_rounds (5)
    shown = error_text(box)
    assert "rivals[corvia_plan].round" in shown and "allowed: 1 to 5" in shown
    assert dashboard.scenario.rivals[0].round == 1  # the bad edit changed nothing


def test_a_scenario_without_rivals_has_no_rival_card(trio, open_page):
    box, rc, dashboard = open_page(trio)
    assert not with_class(box, "cs-rivals")
    assert not rc.find(v.Slider, label="Tabled in round").widgets
    assert dashboard.rival_rows() == []
    click(rc, "Run ensemble (200 runs)")
    assert not with_class(box, "cs-ensemble-rivals")


def test_a_rival_s_yes_no_text_is_one_of_the_two_answers(open_page):
    # B (at 0.2, no headquarters) blocks the chair's (1, 1) but supports a rival at
    # (0.3, no headquarters), which passes alone in round 1. With the headquarters
    # B loses 0.97 from the rival too: both are blocked, and the chair drops the
    # headquarters, (0.4, 0), in round 2.
    data = headquarters_data()
    data["rivals"] = [{"id": "lean", "name": "Lean text", "text": {"scope": 0.3, "hq": 0.0}}]
    box, rc, dashboard = open_page(data)
    assert text(one(box, "cs-rival")) == (
        "Lean text: tabled from round 1; scope 0.30; hq status quo (dropped).")
    hq = rc.find(v.Select, label="Text: hq").widget
    assert hq.items == ["status quo (0)", "as proposed (1)"]
    assert hq.v_model == "status quo (0)"
    click(rc, "Run to the end")
    assert status(box) == "Over after round 1: a rival proposal adopted (Lean text)."

    hq.v_model = "as proposed (1)"
    assert dashboard.scenario.rivals[0].text["hq"] == 1.0
    click(rc, "Run to the end")
    assert status(box) == "Over after round 2: adopted with a scope change."
    assert table_row(box, "hq (yes/no)")[2] == "adopted: status quo (dropped)"
