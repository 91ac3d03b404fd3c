"""Importers: DECIDE and BDM CSV files into valid scenarios, and one-line errors."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose

from consensus_sim import ScenarioError, importers, load_scenario, run_ensemble, scenario_from_dict
from consensus_sim.bargaining import MODELS, compromise, exchange, median_voter, nash_bargaining
from consensus_sim.bargaining.nash import status_quo_is_assumed
from consensus_sim.importers import import_bdm_csv, import_decide, write_scenario
from consensus_sim.scenario import Dimension, Scenario

from .conftest import run_cli

ROOT = Path(__file__).parent.parent

SCALE_IN_SCHEMA = "scale" in Dimension.model_fields


def validated(data: dict[str, Any]) -> Scenario:
    """Validate imported data, with each dimension's recorded original scale.

    Until the schema has ``dimensions[].scale`` the scale is validated apart from the
    rest and attached afterwards, as the field will be once it exists.
    """
    if SCALE_IN_SCHEMA:
        return scenario_from_dict(data)
    data = copy.deepcopy(data)
    scales = {d["id"]: d.pop("scale") for d in data["dimensions"]}
    scenario = scenario_from_dict(data)
    dims = tuple(d.model_copy(update={"scale": scales[d.id]}) for d in scenario.dimensions)
    return scenario.model_copy(update={"dimensions": dims})


# A DECIDE file in the layout of the DECIDE software's sample data (tab-separated,
# rows padded with empty columns, a title row and comment rows).
DECIDE = "\n".join([
    "#O\tA toll for the city centre\t\t\t\t",
    "#/\tID\tFull name\t\t\t",
    "#A\tWillems\tCollege, i.c. Willems\t\t\t",
    "#A\tGroen Links!\tFractie Groen Links\t\t\t",
    "#A\tKvK\tKamer van Koophandel\t\t\t",
    "#A\t2B\tÖsterreich Bank",
    "#P\ttoll\tIssue 1: a toll for the centre?\tShould there be a toll?\t",
    "#M\ttoll\t0\tNo, never\t\t",
    "#M\ttoll\t100\tYes\t\t",
    "#M\ttoll\t50\tOnly with conditions\t\t",
    "#P\theight\tIssue 2: how high (euro)\t\t",
    "#/\tactor\tissue\tposition\tsalience\tpower",
    "#D\tWillems\ttoll\t100\t95\t1",
    "#D\tGroen Links!\ttoll\t50\t80\t0.6",
    "#D\tKvK\ttoll\t25\t80\t1",
    "#D\t2B\ttoll\t0\t20\t0.2",
    "",
    "#D\tWillems\theight\t3\t70\t1",
    "#D\tGroen Links!\theight\t5\t90\t0.6",
    "#D\tKvK\theight\t0.5\t60\t1\ta comment",
    "",
])

EMISSIONS_CSV = """Actor,Capability,Position,Salience
Netherlands,0.08,4,0.8
Belgium,0.08,7,0.4
Luxembourg,0.03,4,0.2
Germany,0.16,4,0.8
France,0.16,10,0.6
Italy,0.16,10,0.6
United Kingdom,0.16,10,0.9
Ireland,0.05,7,0.1
Denmark,0.05,4,1.0
Greece,0.08,7,0.7
"""  # Bueno de Mesquita 1994, Table 1 (Scholz, Calbert & Smith 2011, Table 1)


def write(tmp_path: Path, text: str, name: str = "data.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- DECIDE


def test_decide_file_imports_into_a_valid_scenario(tmp_path):
    data = import_decide(write(tmp_path, DECIDE, "toll city.txt"))
    scenario = validated(data)
    assert scenario.title == "A toll for the city centre"
    assert scenario.id == "toll_city"
    assert scenario.rule.type == "consensus"
    ids = scenario.arrays.actor_ids
    assert ids == ("Willems", "Groen_Links", "KvK", "A_2B")
    names = {a.id: a.name for a in scenario.actors}
    assert names == {"Willems": "College, i.c. Willems", "Groen_Links": "Fractie Groen Links",
                     "KvK": "Kamer van Koophandel", "A_2B": "Österreich Bank"}
    assert all(a.type == "member" for a in scenario.actors)
    toll, height = scenario.dimensions
    assert (toll.id, toll.name, toll.description) == (
        "toll", "Issue 1: a toll for the centre?", "Should there be a toll?")
    # #M points give the scale 0..100 and the levels; without #M the observed 0.5..5
    assert data["dimensions"][0]["scale"] == {"min": 0.0, "max": 100.0}
    assert data["dimensions"][1]["scale"] == {"min": 0.5, "max": 5.0}
    assert [(lv.value, lv.label) for lv in toll.levels] == [
        (0.0, "No, never"), (0.5, "Only with conditions"), (1.0, "Yes")]
    assert height.levels == ()
    a = scenario.arrays
    assert_allclose(a.position[:, 0], [1.0, 0.5, 0.25, 0.0])
    assert_allclose(a.position[:, 1], [2.5 / 4.5, 1.0, 0.0, 0.0])  # 2B: no height row
    assert_allclose(a.salience[:, 0], [0.95, 0.8, 0.8, 0.2])  # 0..100 read as percent
    assert_allclose(a.salience[:, 1], [0.7, 0.9, 0.6, 0.0])
    assert_allclose(a.capability, [1.0, 0.6, 1.0, 0.2])
    # defaults: status quo at the lower end; the most capable actor (first on a tie)
    # is the agenda setter and tables its own position
    assert scenario.status_quo == {"toll": 0.0, "height": 0.0}
    assert scenario.proposal.agenda_setter == "Willems"
    assert scenario.proposal.position == {"toll": 1.0, "height": pytest.approx(2.5 / 4.5)}
    text = " ".join(scenario.assumptions)
    assert "most capable actor" in text and "lower end" in text and "0..100" in text
    assert "Österreich Bank has no position on height" in text
    assert "No data on height" in scenario.actor("A_2B").notes


def test_forecasts_come_back_on_the_original_scale(tmp_path):
    scenario = validated(import_decide(write(tmp_path, DECIDE)))
    forecast = compromise(scenario)
    # height: weights c*s = 0.7, 0.54, 0.6 (2B cares 0) on 3, 5, 0.5 euro
    expected = (0.7 * 3 + 0.54 * 5 + 0.6 * 0.5) / (0.7 + 0.54 + 0.6)
    assert forecast.on_scale(scenario)[1] == pytest.approx(expected)


def test_decide_options_override_the_defaults(tmp_path):
    path = write(tmp_path, DECIDE)
    data = import_decide(path, status_quo={"toll": 50, "height": "upper"},
                         proposal={"toll": 25}, agenda_setter="KvK",
                         rule={"type": "unanimity"}, title="Toll")
    scenario = validated(data)
    assert scenario.title == "Toll"
    assert scenario.status_quo == {"toll": 0.5, "height": 1.0}
    assert scenario.proposal.agenda_setter == "KvK"
    # the proposal names the toll; on height it is the setter's own position (0.5 euro)
    assert scenario.proposal.position == {"toll": 0.25, "height": 0.0}
    assert validated(import_decide(path, proposal=0.5, status_quo=5)).status_quo == {
        "toll": 0.05, "height": 1.0}
    assert scenario.rule.type == "unanimity"
    assert validated(import_decide(path, status_quo="upper")).status_quo == {"toll": 1.0,
                                                                            "height": 1.0}
    # the sanitised id and the file's own id both name an actor
    assert import_decide(path, agenda_setter="Groen Links!")["proposal"]["agenda_setter"] \
        == "Groen_Links"
    with pytest.raises(ScenarioError, match=r"status_quo\.toll: 120 lies outside the scale"):
        import_decide(path, status_quo={"toll": 120})
    with pytest.raises(ScenarioError, match="agenda_setter: unknown actor 'Nobody'"):
        import_decide(path, agenda_setter="Nobody")
    with pytest.raises(ScenarioError, match=r"status_quo\.speed: unknown issue"):
        import_decide(path, status_quo={"speed": 1})


def test_a_semicolon_separated_decide_file(tmp_path):
    text = "#A;a;Alpha\n#A;b;Beta\n#P;x;X\n#P;y;Y\n#D;a;x;0;0.5;1\n#D;b;x;10;0.5;1\n" \
           "#D;a;y;2;0.9;1\n#D;b;y;4;0.1;1\n"
    scenario = validated(import_decide(write(tmp_path, text)))
    assert_allclose(scenario.arrays.position, [[0.0, 0.0], [1.0, 1.0]])
    assert_allclose(scenario.arrays.salience, [[0.5, 0.9], [0.5, 0.1]])  # 0..1 kept


# DECIDE's own files wrap every text cell in single quotes, end rows in a tab and may
# leave the #M label out; a comment row may come first, with no tab in it.
QUOTED = "\n".join([
    "#/ A comment line written by hand: no tabs, a comma, a quote's apostrophe",
    "'#A'\t'USA'\t'USA'\t''",
    "'#A'\t'EU (incl Norway)'\t'EU (incl Norway)'\t''",
    "'#A'\t'AOSIS'\t'Alliance of Small Island States'\t''\t",
    "'#P'\t'Newtreaty'\t'Newtreaty'\t''",
    "'#M'\t'Newtreaty'\t0",
    "'#M'\t'Newtreaty'\t100\t",
    "'#P'\t'Finance'\t'Finance'\t'who pays'\t",
    "'#M'\t'Finance'\t0\t'nobody'",
    "'#M'\t'Finance'\t100\t'the rich'",
    "'#D'\t'USA'\t'Newtreaty'\t10.0\t0.9\t0.26\t",
    "'#D'\t'USA'\t'Finance'\t20.0\t0.8\t0.26\t",
    "'#D'\t'EU (incl Norway)'\t'Newtreaty'\t50.0\t0.4\t0.156\t",
    "'#D'\t'EU (incl Norway)'\t'Finance'\t70.0\t0.9\t0.156\t",
    "'#D'\t'AOSIS'\t'Newtreaty'\t100.0\t0.9\t0.078\t",
    "",
])


def test_decide_files_in_decides_own_quoted_layout_import_unedited(tmp_path):
    data = import_decide(write(tmp_path, QUOTED, "cop.csv"))
    scenario = validated(data)
    assert scenario.arrays.actor_ids == ("USA", "EU_incl_Norway", "AOSIS")
    assert scenario.actor("AOSIS").name == "Alliance of Small Island States"
    assert list(scenario.dimension_ids) == ["Newtreaty", "Finance"]
    assert scenario.dimensions[1].description == "who pays"
    assert [lv.label for lv in scenario.dimensions[1].levels] == ["nobody", "the rich"]
    assert_allclose(scenario.arrays.position[:, 0], [0.1, 0.5, 1.0])
    assert_allclose(scenario.arrays.capability, [0.26, 0.156, 0.078])
    # the same file with ; and with double quotes reads the same
    for n, (separator, quote) in enumerate(((";", "'"), ("\t", '"'))):
        (tmp_path / str(n)).mkdir()
        text = QUOTED.replace("\t", separator).replace("'", quote)
        again = import_decide(write(tmp_path / str(n), text, "cop.csv"))
        assert again["actors"] == data["actors"]


def test_a_leading_comment_without_tabs_does_not_decide_the_separator(tmp_path):
    text = "#/ exported by hand\n" + HEAD + GOOD_D
    scenario = validated(import_decide(write(tmp_path, text)))
    assert scenario.arrays.actor_ids == ("NL", "DE")


def test_a_stray_quote_in_a_decide_file_names_the_line_where_it_opened(tmp_path):
    lines = QUOTED.splitlines()
    lines[2] = "'#A'\t'EU (incl Norway)'\t'EU (incl Norway)"  # line 3: a quote lost
    path = write(tmp_path, "\n".join(lines))
    assert error_line(path) == (f"{path}: line 3: a quote (') opens a cell here that is not "
                                "closed on this line (it runs on to line 4); close it, or "
                                "remove the stray '")


# --------------------------------------------------------------------------- gaps

# Setter is the most capable actor and has no data on "b": an invented position there
# would become the proposal, and so the simulated text. The #M scale of "b" is wider
# than the positions, so a placeholder at its end lies outside the others' range.
GAPS = "#A\tSetter\tSetter\n#A\tX\tX\n#A\tY\tY\n#A\tZ\tZ\n#P\ta\tA\n#P\tb\tB\n" \
       "#M\tb\t0\tnone\n#M\tb\t100\tall\n#D\tSetter\ta\t80\t0.9\t3\n" \
       "#D\tX\ta\t20\t0.4\t1\n#D\tX\tb\t40\t0.8\t1\n" \
       "#D\tY\ta\t60\t0.7\t1\n#D\tY\tb\t70\t0.3\t1\n" \
       "#D\tZ\ta\t30\t0.5\t2\n#D\tZ\tb\t90\t0.5\t2\n"


def test_an_actor_without_data_has_no_stake_and_waits_at_the_status_quo(tmp_path):
    path = write(tmp_path, GAPS)
    for status_quo, at in (("lower", 0.0), ("upper", 1.0), (50, 0.5)):
        scenario = validated(import_decide(path, status_quo=status_quo))
        assert scenario.actor("Setter").salience["b"] == 0.0
        assert scenario.actor("Setter").position["b"] == pytest.approx(at)
        assert scenario.status_quo["b"] == pytest.approx(at)
        # the default proposal is the setter's view: the status quo where it has none
        assert scenario.proposal.position == {"a": 1.0, "b": pytest.approx(at)}
        assert "No data on b" in scenario.actor("Setter").notes
        assert any("Setter has no position on b" in line for line in scenario.assumptions)


def moved(data: dict[str, Any], actor: str, dim: str, value: float) -> Scenario:
    """The scenario with one actor's (placeholder) position changed."""
    data = copy.deepcopy(data)
    next(a for a in data["actors"] if a["id"] == actor)["position"][dim] = value
    return validated(data)


@pytest.mark.parametrize("name", [*MODELS, "exchange (decide)"])
def test_the_classic_models_leave_an_actor_without_data_out_of_that_issue(tmp_path, name):
    model = (lambda s: exchange(s, compat="decide")) if name == "exchange (decide)" \
        else MODELS[name]
    data = import_decide(write(tmp_path, GAPS))
    forecasts = [model(moved(data, "Setter", "b", x)).position for x in (0.0, 0.5, 1.0)]
    assert_allclose(forecasts[1], forecasts[0], atol=1e-9)
    assert_allclose(forecasts[2], forecasts[0], atol=1e-9)


def test_the_simulation_ignores_the_placeholder_position(tmp_path):
    data = import_decide(write(tmp_path, GAPS))
    runs = [run_ensemble(moved(data, "Setter", "b", x), runs=12, seed=4, jobs=1)
            for x in (0.0, 1.0)]
    assert np.array_equal(runs[0].final, runs[1].final)
    assert np.array_equal(runs[0].adopted, runs[1].adopted)


# --------------------------------------------------------------------------- samples


@pytest.mark.parametrize(("name", "kind"), [("decide_example.csv", "decide"),
                                            ("bdm_example.csv", "bdm-csv")])
def test_the_sample_files_import_unedited_and_validate(tmp_path, capsys, name, kind):
    sample = ROOT / "samples" / name
    assert "illustrative" in (ROOT / "samples" / "README.md").read_text().lower()
    out = tmp_path / "case.yaml"
    code, printed, err = run_cli(capsys, "import", str(sample), "--from", kind, "-o", str(out))
    assert code == 0 and err == ""
    scenario = load_scenario(out)
    assert printed.startswith(f"{out}: {len(scenario.members)} members")
    assert len(scenario.members) >= 6


# --------------------------------------------------------------------------- BDM CSV


def test_bdm_csv_imports_and_reproduces_the_published_figures(tmp_path):
    data = import_bdm_csv(write(tmp_path, EMISSIONS_CSV, "emissions.csv"), dimension="delay",
                          status_quo="upper")
    scenario = validated(data)
    assert data["dimensions"] == [{"id": "delay", "scale": {"min": 4.0, "max": 10.0}}]
    assert scenario.arrays.actor_ids[6] == "United_Kingdom"
    assert scenario.actor("United_Kingdom").name == "United Kingdom"
    assert scenario.actor("Greece").name == "Greece"
    assert_allclose(scenario.arrays.position[:, 0], [0, 0.5, 0, 0, 1, 1, 1, 0.5, 0, 0.5])
    assert_allclose(scenario.arrays.capability[:3], [0.08, 0.08, 0.03])
    assert scenario.status_quo == {"delay": 1.0}
    assert scenario.proposal.agenda_setter == "Germany"  # the first of the 0.16s
    assert_allclose(compromise(scenario).on_scale(scenario), [7.38996], atol=1e-4)
    assert_allclose(median_voter(scenario).on_scale(scenario), [7.0])


def test_bdm_csv_with_a_given_scale_and_percent_saliences(tmp_path):
    text = "actor, capability, position, salience\n\"Smith, J.\",2,30,80\nJones,1,60,40\n"
    data = import_bdm_csv(write(tmp_path, text, "two.csv"), scale=(0, 100), status_quo=50)
    scenario = validated(data)
    assert data["dimensions"][0]["scale"] == {"min": 0.0, "max": 100.0}
    assert scenario.actor("Smith_J").name == "Smith, J."
    assert_allclose(scenario.arrays.position[:, 0], [0.3, 0.6])
    assert_allclose(scenario.arrays.salience[:, 0], [0.8, 0.4])
    assert scenario.status_quo == {"issue": 0.5}


def test_write_scenario_round_trips(tmp_path):
    data = import_decide(write(tmp_path, DECIDE))
    path = write_scenario(data, tmp_path / "toll.yaml")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Written by consensus-sim")
    assert "Österreich Bank" in text
    assert yaml.safe_load(text) == data
    if SCALE_IN_SCHEMA:
        assert load_scenario(path).dimensions[0].scale is not None


def test_a_placeholder_status_quo_is_still_known_as_one_after_writing_and_reading(
        tmp_path, capsys):
    sample = str(ROOT / "samples" / "decide_example.csv")
    for options, placeholder in (([], True), (["--status-quo", "upper"], True),
                                 (["--status-quo", "30"], False)):
        out = tmp_path / "case.yaml"
        code, _, err = run_cli(capsys, "import", sample, "--from", "decide", "-o", str(out),
                               *options)
        assert code == 0 and err == ""
        scenario = load_scenario(out)
        assert (importers.STATUS_QUO_PLACEHOLDER in scenario.assumptions) is placeholder
        assert status_quo_is_assumed(scenario) is placeholder
        assert nash_bargaining(scenario).detail["disagreement"] == (
            "worst" if placeholder else "status_quo")


def test_a_real_status_quo_is_not_taken_for_a_placeholder(tmp_path):
    # written by hand, with a status quo and assumptions of its own
    assert not status_quo_is_assumed(load_scenario("eu_emissions_1994"))
    # imported, then given a real status quo: deleting the marking line is all it takes
    data = import_decide(write(tmp_path, DECIDE))
    data["status_quo"] = {"toll": 0.5, "height": 0.2}
    data["assumptions"].remove(importers.STATUS_QUO_PLACEHOLDER)
    assert not status_quo_is_assumed(scenario_from_dict(data))


def test_a_status_quo_left_to_a_scales_end_on_some_issues_is_a_placeholder(tmp_path):
    path = write(tmp_path, DECIDE)
    for status_quo in ({"toll": 50}, {"toll": 50, "height": "upper"}):
        scenario = scenario_from_dict(import_decide(path, status_quo=status_quo))
        assert status_quo_is_assumed(scenario)
        assert ("The status quo was given when importing (not in the data), except on "
                "height, where it is an end of the scale.") in scenario.assumptions
    given = scenario_from_dict(import_decide(path, status_quo={"toll": 50, "height": 1}))
    assert not status_quo_is_assumed(given)


def test_files_imported_by_earlier_versions_are_still_recognised(tmp_path):
    data = import_decide(write(tmp_path, DECIDE))
    data["assumptions"].remove(importers.STATUS_QUO_PLACEHOLDER)
    for end in ("lower", "upper"):  # the line the importers of 0.1 and 0.2 wrote
        old = {**data, "assumptions": [*data["assumptions"], f"The status quo is the {end} "
                                       "end of every scale (an assumption: the data give none)."]}
        assert status_quo_is_assumed(scenario_from_dict(old))


# --------------------------------------------------------------------------- errors


def error_line(path: Path, reader=import_decide) -> str:
    with pytest.raises(ScenarioError) as info:
        reader(path)
    line = info.value.line()
    assert "\n" not in line and line.startswith(str(path))
    return line


HEAD = "#A\tNL\tNetherlands\n#A\tDE\tGermany\n#P\tyears\tYears\n"  # lines 1-3
GOOD_D = "#D\tNL\tyears\t4\t0.8\t0.08\n#D\tDE\tyears\t10\t0.8\t0.16\n"  # lines 4-5


@pytest.mark.parametrize(("row", "message"), [
    ("#X\tNL\tyears\t4\t0.8\t0.08", "unknown row tag '#X'; allowed: #A"),
    ("D\tNL\tyears\t4\t0.8\t0.08", "unknown row tag 'D'"),
    ("#D\tNL\tyears\t4\t0.8", "#D has 4 columns after the tag; expected #D, actor, issue, "
                              "position, salience, power"),
    ("#M\tyears", "#M has 1 column after the tag"),
    ("#D\tNL\tyears\tfour\t0.8\t0.08", "position 'four' is not a number"),
    ("#D\tNL\tyears\t4\thigh\t0.08", "salience 'high' is not a number"),
    ("#D\tNL\tyears\t4\t0.8\t-0.1", "power -0.1 is negative; allowed: a number >= 0"),
    ("#D\tFR\tyears\t4\t0.8\t0.08", "#D names unknown actor 'FR'; allowed: an actor defined "
                                    "by an #A row (NL, DE)"),
    ("#D\tNL\tspeed\t4\t0.8\t0.08", "#D names unknown issue 'speed'"),
    ("#D\tNL\tyears\t4\t120\t0.08", "salience 120 is out of range"),
    ("#D\tNL\tyears\t5\t0.8\t0.08", "actor 'NL' has a second #D row for issue 'years' "
                                    "(first on line 4)"),
    ("#A\tNL\tNederland", "actor 'NL' is defined twice (first on line 1)"),
    ("#M\tspeed\t4\tslow", "#M names unknown issue 'speed'"),
])
def test_malformed_decide_rows_name_their_line(tmp_path, row, message):
    path = write(tmp_path, HEAD + GOOD_D + row + "\n")
    assert error_line(path).startswith(f"{path}: line 6: {message}")


def test_decide_errors_found_after_reading_name_their_line(tmp_path):
    # a position off the #M scale: the #D row's line
    path = write(tmp_path, HEAD + "#M\tyears\t4\tsoon\n#M\tyears\t10\tlate\n"
                 "#D\tNL\tyears\t4\t0.8\t0.08\n#D\tDE\tyears\t12\t0.8\t0.16\n")
    assert "line 7: position 12 lies outside the #M scale 4..10" in error_line(path)
    # one actor, two powers
    path = write(tmp_path, HEAD + "#P\tspeed\tSpeed\n" + GOOD_D
                 + "#D\tNL\tspeed\t1\t0.5\t0.09\n#D\tDE\tspeed\t2\t0.5\t0.16\n")
    assert "line 7: power 0.09 differs from the 0.08 given for actor 'NL' on line 5" \
        in error_line(path)
    # an actor without data: its #A line
    path = write(tmp_path, HEAD + "#A\tFR\tFrance\n" + GOOD_D)
    assert "line 4: actor 'FR' has no #D row" in error_line(path)
    # an issue without data: its #P line
    path = write(tmp_path, HEAD + "#P\tspeed\tSpeed\n" + GOOD_D)
    assert "line 4: issue 'speed' has no #D row" in error_line(path)


@pytest.mark.parametrize(("text", "message"), [
    ("Actor,Power,Position,Salience\nNL,1,4,0.8\n",
     "line 1: the header is 'Actor,Power,Position,Salience'; expected "
     "Actor,Capability,Position,Salience"),
    ("Actor,Capability,Position,Salience\nNL,1,4,0.8\nDE,1,10\n",
     "line 3: the row has 3 columns; expected 4: Actor,Capability,Position,Salience"),
    ("Actor,Capability,Position,Salience\nNL,1,4,0.8\n\nDE,one,10,0.8\n",
     "line 4: capability 'one' is not a number"),
    ("Actor,Capability,Position,Salience\nNL,-2,4,0.8\n",
     "line 2: capability -2 is negative; allowed: a number >= 0"),
    ("Actor,Capability,Position,Salience\nNL,1,4,0.8\nNL,1,5,0.8\n",
     "line 3: actor 'NL' appears twice (first on line 2)"),
    ("Actor,Capability,Position,Salience\nNL,1,4,-0.5\n",
     "line 2: salience -0.5 is out of range"),
])
def test_malformed_bdm_rows_name_their_line(tmp_path, text, message):
    path = write(tmp_path, text, "bad.csv")
    assert f"{path}: {message}" in error_line(path, import_bdm_csv)


def lines_run(reader, path: Path) -> int:
    """How many lines of importers.py run to import ``path``: the work, not the time."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        count += event == "line"
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename == importers.__file__ else None

    sys.settrace(calls)
    try:
        reader(path)
    finally:
        sys.settrace(None)
    return count


def bdm_rows(n: int) -> str:
    return "Actor,Capability,Position,Salience\n" + "".join(
        f"Actor {i},{1 + i % 7},{i % 101},{(i % 10) / 10}\n" for i in range(n))


def test_importing_grows_in_proportion_to_the_rows(tmp_path):
    small = lines_run(import_bdm_csv, write(tmp_path, bdm_rows(600), "small.csv"))
    large = lines_run(import_bdm_csv, write(tmp_path, bdm_rows(1200), "large.csv"))
    assert large < 2.2 * small  # twice the rows, about twice the work (not four times)
    data = import_bdm_csv(write(tmp_path, bdm_rows(50_000), "big.csv"))
    assert len(data["actors"]) == 50_000 and data["actors"][-1]["name"] == "Actor 49999"


def test_importing_many_names_that_make_the_same_id_stays_linear(tmp_path):
    def table(n: int) -> str:  # names without a letter the ids may keep: all become "A"
        return "Actor,Capability,Position,Salience\n" + "".join(
            f"{chr(0x4E00 + i)},1,{i % 5},0.5\n" for i in range(n))

    small = lines_run(import_bdm_csv, write(tmp_path, table(400), "small.csv"))
    large = lines_run(import_bdm_csv, write(tmp_path, table(800), "large.csv"))
    assert large < 2.2 * small
    ids = [a["id"] for a in import_bdm_csv(write(tmp_path, table(400), "ids.csv"))["actors"]]
    assert ids[:3] == ["A", "A_2", "A_3"] and len(set(ids)) == 400


@pytest.mark.parametrize("size", [10, 200_000])
def test_a_stray_quote_in_a_bdm_file_is_one_line_naming_the_line(tmp_path, capsys, size):
    text = ("Actor,Capability,Position,Salience\nNL,1,4,0.8\n\"Germany,1,10,0.8\n"
            + "".join(f"A{i},1,5,0.5\n" for i in range(size)))
    path = write(tmp_path, text, "stray.csv")
    line = error_line(path, import_bdm_csv)
    assert line.startswith(f"{path}: line 3: a quote (\") opens a cell here that is not "
                           "closed on this line")
    code, out, err = run_cli(capsys, "import", str(path), "--from", "bdm-csv", "-o",
                             str(tmp_path / "x.yaml"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "line 3" in err
    assert "Traceback" not in err and not (tmp_path / "x.yaml").exists()


def test_an_unwritable_output_is_one_line(tmp_path, capsys):
    code, _, err = run_cli(capsys, "import", str(write(tmp_path, EMISSIONS_CSV, "e.csv")),
                           "--from", "bdm-csv", "-o", str(tmp_path / "no" / "such" / "x.yaml"))
    assert code == 2 and err.count("\n") == 1 and "--output" in err and "cannot write" in err


def test_unreadable_and_empty_files(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        import_decide(tmp_path / "missing.txt")
    with pytest.raises(ScenarioError, match="the file is empty"):
        import_bdm_csv(write(tmp_path, "\n\n", "empty.csv"))
    with pytest.raises(ScenarioError, match="no actors"):
        import_decide(write(tmp_path, "#/\tnothing here\n"))


def test_written_text_that_yaml_1_2_would_read_as_a_number_reads_back_as_text(tmp_path):
    from consensus_sim.importers import write_scenario
    from consensus_sim.scenario import _UniqueKeyLoader

    data = {"title": "1e3", "description": "True", "notes": ["0x1F", "-.5", "plain words", ""]}
    path = write_scenario(data, tmp_path / "s.yaml")
    assert yaml.load(path.read_text(), Loader=_UniqueKeyLoader) == data
