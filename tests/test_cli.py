"""End to end: `consensus-sim run` writes the summary, the table and the charts."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from .conftest import DATA, run_cli

SUMMARY_KEYS = {"scenario", "runs", "seed", "outcomes", "ci95", "objection_rate", "mean_rounds",
                "final_scope", "version", "modal_adopted_scope", "p_adopted_any", "command",
                "costliest_blocker_rate", "opposition_measure", "information",
                "uncertain_inputs"}



def test_run_writes_summary_runs_and_charts(tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, out, err = run_cli(capsys, "run", str(DATA / "trio.yaml"), "--runs", "40",
                             "--seed", "5", "--jobs", "1", "--out", str(out_dir))
    assert code == 0, err
    summary = json.loads((out_dir / "summary.json").read_text())
    assert set(summary) >= SUMMARY_KEYS
    assert summary["runs"] == 40 and summary["seed"] == 5 and summary["scenario"] == "trio"
    assert set(summary["outcomes"]) == {"adopted", "adopted_amended", "withdrawn", "deadlocked",
                                       "postponed", "adopted_paid", "adopted_rival"}
    assert summary["outcomes"]["adopted_amended"] == 1.0  # the hand-worked case, every run
    assert summary["objection_rate"] == {"A": 0.0, "B": 0.0, "C": 1.0}
    with (out_dir / "runs.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40 and rows[0]["label_scope"] == "half"
    assert rows[0]["costliest_blocker"] == "C"
    for name in ("outcomes.png", "trajectory_scope.png", "objections.png"):
        assert (out_dir / name).read_bytes()[:4] == b"\x89PNG"
    # the terminal summary
    assert "adopted, scope changed" in out and "100.0%" in out
    assert "Most frequent adopted scope: scope = 'half'" in out
    assert "Top objectors (share of runs with an objection): C 100.0%" in out
    assert "Blocker most costly to win over: C 100.0%" in out
    assert "Varies across runs: nothing; every run is the same." in out


def test_terminal_summary_says_what_varies_and_who_voted_not_yes(trio):
    from consensus_sim import run_ensemble, scenario_from_dict
    from consensus_sim.cli import format_summary

    trio["rule"] = {"type": "majority"}
    trio["uncertainty"] = {"position_sd": 0.1, "fields": {
        "actors.C.tolerance": {"dist": "uniform", "low": 0.0, "high": 0.05}}}
    s = scenario_from_dict(trio)
    text = format_summary(run_ensemble(s, runs=30, seed=0, jobs=1).summary(), s)
    positions = sum(x.field == "position" for x in s.uncertain)
    assert (f"Varies across runs: {positions + 1} uncertain inputs ({positions} positions: "
            f"{s.uncertain[0].dist}, sd ≤ 0.1; actors.C.tolerance: uniform on [0, 0.05]); "
            "information: private.") in text
    assert "Voted not yes (share of runs with a vote other than yes): C 100.0%" in text
    assert "objector" not in text


def test_run_is_byte_for_byte_reproducible_across_jobs(tmp_path, capsys):
    outputs = []
    for jobs in ("1", "2"):
        out_dir = tmp_path / jobs
        code, _, err = run_cli(capsys, "run", "nato_tokyo_office", "--runs", "300", "--seed", "9",
                               "--jobs", jobs, "--out", str(out_dir), "--format", "svg")
        assert code == 0, err
        outputs.append(out_dir)
    for name in ("runs.csv", "outcomes.svg", "trajectory_office.svg", "objections.svg"):
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name
    one, two = (json.loads((d / "summary.json").read_text()) for d in outputs)
    one.pop("command"), two.pop("command")
    assert one == two


def test_no_charts_and_quiet(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "run", str(DATA / "trio.yaml"), "-n", "5", "--no-charts",
                           "--quiet", "--out", str(tmp_path))
    assert code == 0 and out.strip() == str(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["manifest.json", "runs.csv", "summary.json"]


def test_help_and_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "consensus_sim", "--help"], capture_output=True,
                          text=True, check=True)
    for command in ("run", "validate", "schema"):
        assert command in done.stdout


def test_cli_does_not_import_heavy_modules_for_help():
    code = ("import sys; from consensus_sim.cli import cli; "
            "heavy = {'mesa', 'matplotlib', 'scipy', 'pandas', 'pydantic', 'numpy'}; "
            "print(sorted(heavy & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_plot_redraws_the_charts_of_a_run(tmp_path, capsys):
    out = tmp_path / "r"
    code, _, err = run_cli(capsys, "run", str(DATA / "trio.yaml"), "-n", "20", "--seed", "4",
                           "--jobs", "1", "--out", str(out), "--format", "svg")
    assert code == 0, err
    before = (out / "outcomes.svg").read_bytes()
    (out / "outcomes.svg").unlink()
    code, printed, _ = run_cli(capsys, "plot", str(out), "--format", "svg")
    assert code == 0 and "outcomes.svg" in printed
    assert (out / "outcomes.svg").read_bytes() == before
    code, _, err = run_cli(capsys, "plot", str(tmp_path))
    assert code == 2 and "no manifest.json here" in err


def test_counts_of_one_are_singular(capsys, write_yaml):
    from .conftest import trio_data

    code, out, err = run_cli(capsys, "validate", str(DATA / "trio.yaml"))
    assert code == 0 and "3 members, 1 other actor, 1 dimension," in out, out
    code, out, err = run_cli(capsys, "run", str(DATA / "trio.yaml"), "--runs", "1",
                             "--jobs", "1", "--no-charts", "--out",
                             str(write_yaml(trio_data()).parent / "one"))
    assert code == 0 and "1 run, seed 0, 3 members," in out, err
