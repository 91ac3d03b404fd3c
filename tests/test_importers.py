"""Importers: DECIDE and BDM CSV files into valid scenarios, and one-line errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from numpy.testing import assert_allclose

from consensus_sim import ScenarioError, load_scenario, scenario_from_dict
from consensus_sim.bargaining import compromise, median_voter
from consensus_sim.importers import import_bdm_csv, import_decide, write_scenario
from consensus_sim.scenario import Dimension, Scenario

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
    assert_allclose(a.position[:, 1], [2.5 / 4.5, 1.0, 0.0, 0.5])  # 2B has no height row
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


def test_unreadable_and_empty_files(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        import_decide(tmp_path / "missing.txt")
    with pytest.raises(ScenarioError, match="the file is empty"):
        import_bdm_csv(write(tmp_path, "\n\n", "empty.csv"))
    with pytest.raises(ScenarioError, match="no actors"):
        import_decide(write(tmp_path, "#/\tnothing here\n"))
