"""Every bad input ends in one line on stderr, exit status 2 and no traceback, at once.

``tests/data/bad/`` holds one file per family of bad scenario files (YAML that would
crash or surprise, numbers a scenario cannot use, text too long to draw); the other
tests build what a file cannot hold (a 1 MB title, a busy port, command-line options).
"""

from __future__ import annotations

import copy
import socket
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import yaml

from consensus_sim.errors import ScenarioError
from consensus_sim.scenario import bundled_scenarios, load_scenario, scenario_from_dict

from .conftest import DATA, run_cli

BAD = DATA / "bad"

#: Each file of the corpus, and what its one line must say after ``FILE: ``.
EXPECTED = {
    "deep_nesting.yaml": "line 28: nested more than 20 levels deep",
    "complex_key.yaml": "line 28: a list or mapping used as a key; allowed: a name or a number",
    "huge_integer.yaml": "line 17: an integer of 5,000 digits; allowed: at most 18 digits",
    "sexagesimal.yaml": "actors[A].tolerance: '1:30' is text, not a number",
    "yes_for_number.yaml": "actors[A].capability: 'yes' is text, not a number",
    "true_for_number.yaml": "max_rounds: true is not a number",
    "infinite.yaml": "actors[A].capability: inf is not allowed; allowed: a finite number",
    "not_a_number.yaml": "actors[A].blocking_cost: nan is not allowed; allowed: a finite number",
    "huge_weight.yaml": "listens_to.A.B: 1e308 is too large; allowed: at most 1e15",
    "decimal_comma.yaml": "line 11: 0,1 looks like a decimal comma: write 0.1",
    "long_title.yaml": "title: text of 299 characters; allowed: at most 200",
    "aliases.yaml": "line 2: the file expands to more than 1,000,000 values",
    "unknown_speaker.yaml": "listens_to.A.Z: unknown actor",
    "tiny_beta_sd.yaml": "uncertainty.fields.actors.A.position.scope: sd 1e-200 is too small",
    "quoted_number.yaml": "actors[C].position.scope: '0.2' is text, not a number: remove the "
                          "quotes",
    "tagged.yaml": "line 17: the tag 'timestamp' is not allowed in a scenario",
}


def one_line(err: str) -> str:
    """The single line of ``err``, after checking that it is one line."""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err.rstrip("\n")


def test_the_corpus_has_one_file_per_family_and_each_is_named():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_file_is_one_line_naming_the_file_and_where(capsys, name):
    path = BAD / name
    code, out, err = run_cli(capsys, "validate", str(path))
    assert code == 2 and out == ""
    assert one_line(err).startswith(f"{path}: {EXPECTED[name]}")


def test_the_real_command_gives_one_line_per_bad_file_and_no_traceback():
    files = [str(BAD / name) for name in sorted(EXPECTED)]
    done = subprocess.run([sys.executable, "-m", "consensus_sim", "validate", *files],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == files


# ------------------------------------------------------------------ YAML 1.2


def test_yaml_12_words_are_text_and_true_false_still_answer_yes_no_fields(write_yaml):
    text = (DATA / "trio.yaml").read_text().replace(
        "name: Scope of the proposal", "name: on\n    binary: true").replace(
        "      - {value: 0.5, label: half}\n", "").replace(
        "label: none", "label: no").replace("label: full", "label: yes")
    spec = load_scenario(write_yaml(text))
    dim = spec.dimensions[0]  # YAML 1.1 read on, no and yes as booleans, then refused them
    assert (dim.name, [level.label for level in dim.levels]) == ("on", ["no", "yes"])
    assert dim.binary is True


def test_an_unquoted_date_is_text_and_an_exponent_without_a_dot_is_a_number(write_yaml):
    text = (DATA / "trio.yaml").read_text()
    text = text.replace("max_rounds: 5", "max_rounds: 5\nsources:\n  - {id: s, citation: c}\n"
                        "history: {decided: 2023-07-11, outcome: adopted, inputs_fixed: "
                        "2024-01-31, sources: [s]}")
    text = text.replace("{id: A, type: member,", "{id: A, tolerance: 1e-3, type: member,")
    spec = load_scenario(write_yaml(text))
    assert spec.history.decided == "2023-07-11"
    assert spec.actor("A").tolerance == 0.001


def test_a_decimal_comma_in_block_style_gets_the_same_plain_message(write_yaml):
    text = (DATA / "trio.yaml").read_text().replace(
        "{id: C, type: member, position: {scope: 0.2}}",
        "{id: C, type: member, position: {scope: 0.2}}\n  - id: D\n    position:\n"
        "      scope: 0,5")
    path = write_yaml(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.line() == f"{path}: actors[D].position.scope: 0,5 looks like a " \
                                "decimal comma: write 0.5"


def test_booleans_and_text_are_refused_where_numbers_are_expected_in_plain_data(trio):
    for value, shown in ((True, "true is not a number"), ("0.5", "'0.5' is text")):
        data = copy.deepcopy(trio)
        data["actors"][0]["salience"] = {"scope": value}
        with pytest.raises(ScenarioError, match=f"actors\\[A\\].salience.scope: {shown}"):
            scenario_from_dict(data, "data")


# ------------------------------------------------------------------ numbers


def test_a_capability_past_the_bound_is_refused_and_one_at_it_runs(trio):
    from consensus_sim.ensemble import run_ensemble
    from consensus_sim.predict import predict

    trio["actors"][0]["capability"] = 1e16
    with pytest.raises(ScenarioError, match=r"actors\[A\].capability: 1e16 is too large; "
                                            r"allowed: at most 1e15"):
        scenario_from_dict(trio, "data")
    for actor in trio["actors"]:
        actor["capability"] = 1e15
    trio["listens_to"] = {"all": {"all": 1e15}}
    spec = scenario_from_dict(trio, "data")
    assert np.allclose(spec.arrays.influence.sum(axis=1), 1.0)
    assert run_ensemble(spec, runs=20, seed=0, jobs=1).runs == 20
    assert np.isfinite(predict(spec, runs=20, seed=0, jobs=1).table.select_dtypes("number")
                       .to_numpy(dtype=float)).all()


def test_influence_is_the_plain_normalisation_bit_for_bit(trio):
    """The overflow-safe normalisation (rows and capabilities scaled by powers of two)
    gives the bits of raw / row sum, so results stay the same bytes."""
    trio["listens_to"] = {"A": {"B": 0.3, "C": 0.7}, "B": {"A": 2.5}, "all": {"CHAIR": 0.1}}
    for actor, capability in zip(trio["actors"], (3.7, 0.2, 11.0, 1.3), strict=True):
        actor["capability"] = capability
    spec = scenario_from_dict(trio, "data")
    capability = spec.arrays.capability
    raw = np.array([[1.0, 0.3, 0.7, 0.1], [2.5, 1.0, 0.0, 0.1], [0.0, 0.0, 1.0, 0.1]])
    raw = raw * capability[None, :]
    assert np.array_equal(spec.arrays.influence, raw / raw.sum(axis=1, keepdims=True))


def test_a_tiny_shorthand_sd_leaves_positions_fixed_instead_of_crashing(trio):
    from consensus_sim.ensemble import run_ensemble

    trio["uncertainty"] = {"position_sd": 1e-300}
    spec = scenario_from_dict(trio, "data")
    assert spec.uncertain == ()
    assert run_ensemble(spec, runs=10, seed=0, jobs=1).runs == 10


# ------------------------------------------------------------------ sizes


@pytest.mark.parametrize(("args", "expected"), [
    (("run", "classroom_trio", "--runs", "1000000000000"),
     "Invalid value for '--runs' / '-n': 1,000,000,000,000 is more than 10,000,000; "
     "allowed: a whole number from 1 to 10,000,000"),
    (("run", "classroom_trio", "--runs", "1e12"), "'1e12' is not an integer"),
    (("run", "classroom_trio", "--seed", "abc"),
     "Invalid value for '--seed' / '-s': 'abc' is not an integer; allowed: a whole number "
     "from 0 to 2^128 − 1"),
    (("sweep", "classroom_trio", "--vary", "defaults.tolerance=0:1:10000000"),
     "--vary: defaults.tolerance: '0:1:10000000' asks for 10000000 values; allowed: a:b:n "
     "with n from 1 to 100,000"),
    (("sweep", "classroom_trio", "--vary", "defaults.tolerance=0:1:99999999999999999999"),
     "asks for 99999999999999999999 values"),
    (("sweep", "classroom_trio", "--vary", "defaults.tolerance=0:1:1000", "--vary",
      "defaults.blocking_cost=0:1:1000"),
     "--vary: the grid has 1000 x 1000 = 1,000,000 points; allowed: at most 100,000"),
    (("sweep", "classroom_trio", "--vary", "defaults.tolerance=0..1", "--design", "lhs",
      "--samples", "1000000000"), "--samples: asks for 1,000,000,000 points"),
    (("sweep", "classroom_trio", "--vary", "defaults.tolerance=0,1e999"),
     "--vary: defaults.tolerance: a number beyond the largest float"),
])
def test_oversized_or_malformed_options_are_one_line_before_any_work(capsys, tmp_path, args,
                                                                    expected):
    code, out, err = run_cli(capsys, *args, "--out", str(tmp_path / "out"))
    assert code == 2 and out == ""
    assert expected in one_line(err)
    assert not (tmp_path / "out").exists()


def test_a_megabyte_title_is_refused_with_the_limit_and_why(write_yaml):
    text = (DATA / "trio.yaml").read_text().replace("Three members and a chair", "x" * 10**6)
    path = write_yaml(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.line() == (f"{path}: title: text of 1,000,000 characters; allowed: at "
                                 "most 200 (it is drawn on charts and printed in summaries)")


# ------------------------------------------------------------------ text drawn in charts


def dollar_scenario(title: str = "US$5bn to US$10bn") -> dict:
    data = yaml.safe_load((DATA / "trio.yaml").read_text())
    data["title"] = title
    data["dimensions"][0]["levels"][1]["label"] = r"$\foo$ half"
    data["actors"][2]["name"] = r"$\bar$ C"  # C objects, so it is on the heatmap
    return data


def test_dollars_in_titles_names_and_labels_are_drawn_as_typed(tmp_path):
    from consensus_sim.ensemble import run_ensemble
    from consensus_sim.plots import save_charts

    result = run_ensemble(scenario_from_dict(dollar_scenario(), "data"), runs=20, seed=0,
                          jobs=1)
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text as text, to read back
        paths = save_charts(result, tmp_path, "svg")
    svg = {p.stem: p.read_text() for p in paths}
    assert all("US$5bn to US$10bn" in text for text in svg.values())
    assert r"$\foo$ half" in svg["trajectory_scope"] and r"$\foo$ half" in svg["positions"]
    assert r"$\bar$ C" in svg["objections"]


def test_dollars_stay_literal_on_axes_the_caller_made_and_on_sweep_charts(tmp_path):
    import pandas as pd
    from matplotlib.figure import Figure

    from consensus_sim.ensemble import run_ensemble
    from consensus_sim.plots import outcome_chart, save_figure
    from consensus_sim.sweep_plots import sensitivity_chart

    result = run_ensemble(scenario_from_dict(dollar_scenario(r"Costs $\foo$"), "data"),
                          runs=20, seed=0, jobs=1)
    ax = Figure().add_subplot()  # made outside the charts' style
    save_figure(outcome_chart(result, ax=ax), tmp_path / "outcomes.png")
    indices = pd.DataFrame({"parameter": [r"$\foo$"], "S1": [0.5], "S1_conf": [0.1],
                            "ST": [0.6], "ST_conf": [0.1]})
    fig = sensitivity_chart(indices, "sobol", title=r"$\foo$: sensitivity")
    save_figure(fig, tmp_path / "sensitivity.png")
    assert (tmp_path / "sensitivity.png").stat().st_size > 0


def test_a_mathtext_title_no_longer_loses_a_finished_run(capsys, write_yaml, tmp_path):
    data = dollar_scenario(r"Costs $\foo$")
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "run", str(write_yaml(data)), "--runs", "10", "--out",
                           str(out), "--quiet")
    assert code == 0, err
    assert (out / "outcomes.png").exists() and (out / "runs.csv").exists()


# ------------------------------------------------------------------ ids and names


@pytest.mark.parametrize("name", ["...yaml", "my scenario.yaml", "2023.yaml"])
def test_an_id_taken_from_the_file_name_is_checked(write_yaml, name):
    path = write_yaml((DATA / "trio.yaml").read_text(), name)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.line().startswith(f"{path}: id: missing, and the file's name ")
    assert "add `id:`" in info.value.line()


def test_a_bundled_name_with_yaml_is_found_and_a_near_miss_is_suggested(tmp_path,
                                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_scenario("classroom_trio.yaml").id == "classroom_trio"
    with pytest.raises(ScenarioError, match=r"no such file or bundled scenario; did you mean "
                                            r"nato_tokyo_office\?"):
        load_scenario("nato_tokio_office")
    with pytest.raises(ScenarioError, match=r"did you mean classroom_trio\?"):
        load_scenario("trio")
    assert set(bundled_scenarios()) >= {"classroom_trio", "nato_tokyo_office"}


def test_a_device_is_not_a_regular_file_and_a_folder_is_a_directory(capsys, tmp_path):
    code, _, err = run_cli(capsys, "validate", "/dev/null", str(tmp_path))
    assert code == 2
    assert err.splitlines() == [
        "/dev/null: is not a regular file (a device, pipe or socket); allowed: a scenario "
        "file or a bundled scenario's name",
        f"{tmp_path}: is a directory, not a scenario file"]


# ------------------------------------------------------------------ servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_scheduler_address_is_checked_at_once(capsys, tmp_path):
    sweep = ("sweep", "classroom_trio", "--vary", "defaults.tolerance=0,0.1", "--out",
             str(tmp_path / "out"))
    code, _, err = run_cli(capsys, *sweep, "--scheduler", "notaurl")
    assert code == 2
    assert "Invalid value for '--scheduler': 'notaurl' is not a scheduler address; " \
           "allowed: tcp://HOST:PORT" in one_line(err)
    code, _, err = run_cli(capsys, *sweep, "--scheduler", f"tcp://127.0.0.1:{free_port()}")
    assert code == 2
    assert "cannot reach a Dask scheduler at tcp://127.0.0.1:" in one_line(err)
    assert not (tmp_path / "out").exists()


def test_a_dashboard_on_a_busy_port_says_so_and_prints_no_address(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, out, err = run_cli(capsys, "dashboard", "--port", str(port))
    assert code == 2 and out == ""
    assert one_line(err) == (f"--port: port {port} is in use on 127.0.0.1 (another dashboard "
                             f"or server); allowed: a free port, e.g. --port {port + 1}")


def test_errors_after_a_listens_to_block_name_the_file(trio, write_yaml):
    trio["listens_to"] = {"A": {"B": 0.5}}
    trio["proposal"]["agenda_setter"] = "NOBODY"
    path = write_yaml(trio)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.line().startswith(f"{path}: proposal.agenda_setter: unknown actor")
    trio["proposal"]["agenda_setter"] = "CHAIR"
    trio["events"] = [{"id": "e", "probability": 0.5, "change": 0.1, "targets": ["Z"]}]
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(trio))
    assert info.value.line().startswith(f"{path}: events[e].targets: unknown member 'Z'")


def test_an_overlong_key_is_shortened_in_the_one_line(trio):
    trio["status_quo"]["x" * 10_000] = 0.5
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(trio, "data")
    line = info.value.line()
    assert "\n" not in line and len(line) < 1000 and "…" in line


def test_the_real_entry_point_never_shows_a_traceback(tmp_path):
    path = Path(tmp_path) / "deep.yaml"
    path.write_text("title: x\ngroups: " + "[" * 100_000 + "]" * 100_000 + "\n")
    done = subprocess.run([sys.executable, "-m", "consensus_sim", "run", str(path)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2 and one_line(done.stderr).startswith(f"{path}: line 2: ")


@pytest.mark.parametrize(("args", "message"), [
    (("run", "classroom_trio", "--jobs", "5000"), "5,000 is more than 1,024"),
    (("power", "unsc_resolution", "--samples", "1000000000"),
     "1,000,000,000 is more than 100,000,000"),
    (("sensitivity", "classroom_trio", "--param", "actors.C.tolerance=0..0.5", "--samples",
      "65536"), "65,536 samples of 1 parameter make 196,608 design points"),
])
def test_jobs_and_samples_are_bounded_before_any_work(capsys, args, message):
    from .conftest import run_cli

    code, _, err = run_cli(capsys, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
