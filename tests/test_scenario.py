"""Scenario files: loading, resolution through defaults and groups, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from consensus_sim import ScenarioError, bundled_scenarios, load_scenario, scenario_from_dict

from .conftest import DATA, run_cli


def error_line(data, write_yaml) -> str:
    path = write_yaml(data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    line = info.value.line()
    assert "\n" not in line
    assert line.startswith(str(path))
    return line


def test_trio_resolves_defaults_into_arrays():
    s = load_scenario(DATA / "trio.yaml")
    a = s.arrays
    assert a.actor_ids == ("A", "B", "C", "CHAIR")  # members first
    assert a.n_members == 3
    assert a.setter == 3
    np.testing.assert_array_equal(a.position[:, 0], [1.0, 0.8, 0.2, 1.0])
    np.testing.assert_array_equal(a.salience[:, 0], [1.0, 1.0, 1.0, 1.0])
    assert s.id == "trio"  # defaults to the file name
    assert s.level_label(0, 0.4) == "half"
    assert s.level_label("scope", 0.1) == "none"


def test_groups_override_defaults_and_actor_overrides_groups(trio):
    trio["groups"] = {"hawks": {"salience": {"scope": 0.4}, "tolerance": 0.3},
                      "doves": {"salience": {"scope": 0.6}}}
    trio["actors"][0]["groups"] = ["hawks"]
    trio["actors"][1]["groups"] = ["hawks", "doves"]
    trio["actors"][1]["tolerance"] = 0.7
    a = scenario_from_dict(trio).arrays
    np.testing.assert_allclose(a.salience[:3, 0], [0.4, 0.6, 1.0])
    np.testing.assert_allclose(a.tolerance[:3], [0.3, 0.7, 0.0])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # a negative salience
        (lambda d: d["actors"][2].update(salience={"scope": -0.5}),
         "actors[C].salience.scope: Input should be greater than or equal to 0 (got -0.5)"),
        # an out-of-range position
        (lambda d: d["actors"][2].update(position={"scope": 1.2}),
         "actors[C].position.scope: Input should be less than or equal to 1 (got 1.2)"),
        # an unknown dimension name
        (lambda d: d["actors"][1].update(salience={"budget": 0.5}),
         "actors[B].salience.budget: unknown dimension; allowed: scope"),
        (lambda d: d["status_quo"].update(budget=0.1),
         "status_quo.budget: unknown dimension; allowed: scope"),
        # duplicate ids
        (lambda d: d["actors"][1].update(id="A"),
         "actors[A].id: duplicate actor id"),
        (lambda d: d["dimensions"].append(dict(d["dimensions"][0])),
         "dimensions[scope].id: duplicate dimension id"),
        # an agenda setter that does not exist
        (lambda d: d["proposal"].update(agenda_setter="SG"),
         "proposal.agenda_setter: unknown actor 'SG'; allowed: an actor id (A, B, C, CHAIR)"),
        # an unknown actor id as a pressure target
        (lambda d: d["actors"].append({"id": "CHN", "type": "external", "position": {"scope": 0},
                                       "pressure": [{"affects": "salience", "strength": 0.1,
                                                     "targets": ["FRA"]}]}),
         "actors[CHN].pressure[0].targets: unknown member 'FRA'; allowed: a member id (A, B, C)"),
        # an unknown field, naming what is allowed
        (lambda d: d["actors"][0].update(colour="red"),
         "actors[A].colour: unknown field; allowed here: position, salience"),
        # an unknown rule
        (lambda d: d.update(rule={"type": "plurality"}),
         "rule.type: unknown type 'plurality'; allowed: 'consensus', 'unanimity', 'silence'"),
        # a missing required value with no default
        (lambda d: d["defaults"].pop("salience"),
         "actors[A].salience.scope: missing, and no default or group sets it"),
        (lambda d: d.pop("proposal"), "proposal: required field is missing"),
        # an unknown group
        (lambda d: d["actors"][0].update(groups=["hawks"]),
         "actors[A].groups: unknown group 'hawks'; allowed: none defined"),
        # levels out of order
        (lambda d: d["dimensions"][0]["levels"].reverse(),
         "dimensions[scope]: level values must increase strictly"),
        # pressure from a member
        (lambda d: d["actors"][0].update(pressure=[{"affects": "position", "strength": 0.1}]),
         "actors[A].pressure: only partners and external actors apply pressure"),
    ],
)
def test_each_error_is_one_line_with_path_problem_and_allowed(trio, write_yaml, change, expected):
    change(trio)
    assert expected in error_line(trio, write_yaml)


def test_yaml_syntax_error_names_the_line(write_yaml):
    path = write_yaml("title: x\nactors: [\n  {id: A\nrule: {type: consensus}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert f"{path}: line 4: YAML syntax error" in info.value.line()


def test_duplicate_yaml_key_is_an_error(write_yaml):
    text = (DATA / "trio.yaml").read_text().replace("max_rounds: 5", "max_rounds: 5\nmax_rounds: 6")
    path = write_yaml(text)
    with pytest.raises(ScenarioError, match=r"line \d+: YAML syntax error: duplicate key "
                                            r"'max_rounds' \(first on line \d+\)"):
        load_scenario(path)


def test_missing_file_and_not_a_mapping(tmp_path, write_yaml):
    with pytest.raises(ScenarioError, match="no such file or bundled scenario"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match=r"a scenario must be a mapping of fields \(got list\)"):
        load_scenario(write_yaml("- 1\n- 2\n"))
    with pytest.raises(ScenarioError, match=r"\(got empty\)"):
        load_scenario(write_yaml(""))


def test_bundled_scenarios_are_found_by_name_and_valid():
    bundled = bundled_scenarios()
    assert "nato_tokyo_office" in bundled
    for name in bundled:
        assert load_scenario(name).id == name


def test_content_hash_changes_with_content(trio):
    one = scenario_from_dict(trio)
    assert one.content_hash() == scenario_from_dict(trio).content_hash()
    trio["actors"][2]["position"]["scope"] = 0.3
    assert scenario_from_dict(trio).content_hash() != one.content_hash()



def test_validate_cli_exit_codes(capsys, trio, write_yaml):
    code, out, _ = run_cli(capsys, "validate", str(DATA / "trio.yaml"))
    assert code == 0 and "ok (3 members" in out
    trio["actors"][2]["salience"] = {"scope": -1}
    bad = write_yaml(trio)
    code, out, err = run_cli(capsys, "validate", str(DATA / "trio.yaml"), str(bad))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"{bad}: actors[C].salience.scope")


def test_bad_input_through_the_real_command_has_no_traceback(tmp_path):
    missing = tmp_path / "missing.yaml"
    done = subprocess.run([sys.executable, "-m", "consensus_sim", "run", str(missing)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == f"{missing}: no such file or bundled scenario " \
                                  f"(bundled: {', '.join(bundled_scenarios())})"
    assert "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "consensus_sim", "run", "trio", "--runs", "-3"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--runs" in done.stderr and "x>=1" in done.stderr


def test_schema_is_json_schema_naming_every_section(capsys):
    code, out, _ = run_cli(capsys, "schema")
    assert code == 0
    document = json.loads(out)
    for key in ("dimensions", "status_quo", "proposal", "rule", "actors", "uncertainty",
                "defaults", "groups", "sources", "assumptions", "max_rounds"):
        assert key in document["properties"]
    assert set(document["required"]) >= {"title", "dimensions", "status_quo", "proposal",
                                          "actors"}


def test_schema_describes_every_field_for_editors(capsys):
    code, out, _ = run_cli(capsys, "schema")
    assert code == 0
    document = json.loads(out)
    models = {"Scenario": document, **document["$defs"]}
    for name, model in models.items():
        for field, prop in model.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field} has no description"
