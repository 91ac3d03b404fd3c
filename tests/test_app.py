"""The dashboard rendered without a browser (solara.render), clicked through its widgets."""

from __future__ import annotations

from collections.abc import Iterator

import ipyvuetify as v
import ipywidgets
import pytest
import solara

from consensus_sim.app import SCENARIO_ENV, Dashboard, Page

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
    # seed 4: the stepped run (run 0 of seed 4) has France alone blocking the first
    # text, 30 members supporting it, and France accepting the next
    dashboard = Dashboard(TOKYO, seed=4)
    box, rc = solara.render(Page(dashboard), handle_error=False)
    yield box, rc, dashboard
    rc.close()


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def test_step_one_round_shows_the_round_the_scope_and_the_responses(page):
    box, rc, _ = page
    assert text(one(box, "cs-round")).startswith("Round 0 of 8")
    assert with_class(box, "cs-none"), "members show 'no vote yet' before round 1"

    click(rc, "Step one round")
    status = text(one(box, "cs-round"))
    assert status.startswith("Round 1 of 8: blocked (1 object")
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
    assert text(one(box, "cs-round")).startswith("Round 0 of 8")


def test_salience_slider_changes_the_scenario_and_restarts_the_run(page):
    box, rc, dashboard = page
    click(rc, "Step one round")
    rc.find(v.Select, label="Member").widget.v_model = "France (FRA)"
    slider = rc.find(v.Slider, label="Salience").widget
    assert slider.v_model == pytest.approx(0.8)  # France's salience as the scenario has it

    slider.v_model = 0.1
    assert dashboard.scenario.actor("FRA").salience["office"] == pytest.approx(0.1)
    assert dashboard.edits == {"actors.FRA.salience.office": 0.1}
    assert text(one(box, "cs-round")).startswith("Round 0 of 8")  # restarted
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
    assert "0.39 · ITPP facilitation only" in text(one(box, "cs-scope"))  # halfway to France

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
    assert text(one(box, "cs-round")).startswith("Round 1 of 8")
    assert error_text(box) == ""


def test_a_negative_seed_shows_an_error(page):
    box, rc, dashboard = page
    seed = rc.find(v.TextField, label="Seed").widget
    seed.v_model = "-1"
    seed.fire_event("focusout")
    assert "seed: -1 is not allowed" in error_text(box)
    assert dashboard.seed == 4  # unchanged


def test_run_ensemble_shows_the_outcome_chart(page):
    from consensus_sim import run_ensemble

    box, rc, _ = page
    assert not with_class(box, "cs-chart-outcomes")
    click(rc, "Run ensemble (200 runs)")
    adopted = run_ensemble(TOKYO, runs=200, seed=4, jobs=1).adopted.mean()
    assert 0 < adopted < 1
    assert text(one(box, "cs-ensemble-summary")).startswith(
        f"Ensemble of 200 runs (seed 4): adopted in {100 * adopted:.0f}% of them")
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
