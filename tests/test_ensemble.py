"""Ensembles: seeding, identical results for any number of processes, summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus_sim import load_scenario, run_ensemble, scenario_from_dict
from consensus_sim.ensemble import OUTCOMES, _chunks, replay, run_generator
from consensus_sim.rules import OBJECT

from .conftest import DATA, trio_data

ARRAYS = ("outcome", "rounds", "final", "costliest", "objected", "trajectory",
          "objections_by_round", "drawn")


def noisy_trio():
    data = trio_data()
    data["uncertainty"] = {"position_sd": 0.15, "salience_sd": 0.1}
    data["proposal"]["concession"] = "split"
    return scenario_from_dict(data)


def assert_same(a, b):
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_replay_of_run_i_is_run_i_of_the_ensemble():
    s = noisy_trio()
    ensemble = run_ensemble(s, runs=5, seed=42, jobs=1)
    member_ids = s.arrays.member_ids
    for i in range(5):
        alone = replay(ensemble, i)
        assert OUTCOMES[ensemble.outcome[i]] == alone.outcome
        assert alone.rounds == ensemble.rounds[i]
        np.testing.assert_array_equal(ensemble.final[i], alone.final)
        np.testing.assert_array_equal(ensemble.trajectory[i, : alone.rounds],
                                      alone.proposals.astype(np.float32))
        costliest = ensemble.costliest[i]
        assert alone.costliest_blocker == (member_ids[costliest] if costliest >= 0 else None)
        np.testing.assert_array_equal(ensemble.objected[i], (alone.responses == OBJECT).any(0))
        assert list(alone.drawn) == [x.path for x in s.uncertain]
        np.testing.assert_array_equal(ensemble.drawn[i], list(alone.drawn.values()))


def test_run_generator_draws_of_a_run_do_not_depend_on_other_runs():
    first = run_generator(42, 3).random(8)
    for other in (0, 2, 4, 1000):  # drawing other runs' numbers first changes nothing
        run_generator(42, other).random(100)
    np.testing.assert_array_equal(run_generator(42, 3).random(8), first)
    assert not np.array_equal(run_generator(42, 4).random(8), first)
    assert not np.array_equal(run_generator(43, 3).random(8), first)


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**63), runs=st.integers(1, 300))
def test_same_seed_same_results_at_jobs_1_and_2(seed, runs):
    s = noisy_trio()
    assert_same(run_ensemble(s, runs=runs, seed=seed, jobs=1),
                run_ensemble(s, runs=runs, seed=seed, jobs=2))


def test_runs_are_chunked_not_one_task_per_run():
    # chunks depend on the number of runs only, never on the processes
    s = scenario_from_dict(trio_data())
    tasks = _chunks(s, 10_000)
    assert len(tasks) == 16 and tasks[0] == (0, 625) and tasks[-1][1] == 10_000
    assert _chunks(s, 5) == [(0, 5)]


def test_a_streamed_run_writes_the_same_table_and_summary(tmp_path):
    import io

    from consensus_sim.ensemble import stream_ensemble

    s = noisy_trio()
    whole = run_ensemble(s, runs=300, seed=5, jobs=1)
    text = io.StringIO()
    streamed = stream_ensemble(s, 300, 5, 2, text)
    assert streamed.summary() == whole.summary()
    table = pd.read_csv(io.StringIO(text.getvalue()))
    assert table["outcome"].tolist() == whole.runs_table()["outcome"].tolist()
    np.testing.assert_allclose(table["final_scope"], whole.final[:, 0], atol=5e-7)


def test_different_seeds_differ_and_same_seed_repeats():
    s = noisy_trio()
    a = run_ensemble(s, runs=200, seed=1, jobs=1)
    assert_same(a, run_ensemble(s, runs=200, seed=1, jobs=1))
    assert not np.array_equal(a.final, run_ensemble(s, runs=200, seed=2, jobs=1).final)


def test_summary_numbers_agree_with_the_runs():
    s = noisy_trio()
    result = run_ensemble(s, runs=400, seed=7, jobs=1)
    summary = result.summary()
    counts = np.bincount(result.outcome, minlength=len(OUTCOMES))
    assert summary["counts"] == dict(zip(OUTCOMES, counts.tolist(), strict=True))
    assert sum(summary["outcomes"].values()) == pytest.approx(1.0)
    for name, (lo, hi) in summary["ci95"].items():
        assert lo <= summary["outcomes"][name] <= hi
    assert summary["objection_rate"]["C"] == pytest.approx(result.objected[:, 2].mean(), abs=1e-6)
    assert summary["mean_rounds"] == pytest.approx(result.rounds.mean(), abs=1e-6)
    dist = summary["final_scope"]["scope"]["distribution"]
    assert sum(dist.values()) == pytest.approx(1.0, abs=1e-5)
    assert dist["no agreement"] == pytest.approx(1 - summary["p_adopted_any"], abs=1e-6)
    assert summary["runs"] == 400 and summary["seed"] == 7
    assert summary["scenario_sha256"] == s.content_hash()
    costliest = np.bincount(result.costliest[result.costliest >= 0], minlength=3) / 400
    assert summary["costliest_blocker_rate"] == pytest.approx(
        {m: c for m, c in zip("ABC", costliest, strict=True) if c}, abs=1e-6)
    assert summary["opposition_measure"] == "objected" and summary["information"] == "private"
    assert summary["uncertain_inputs"] == {x.path: x.describe() for x in s.uncertain}
    assert len(summary["uncertain_inputs"]) == result.drawn.shape[1] > 0


def test_under_a_voting_rule_any_response_but_yes_counts_as_opposition():
    data = trio_data()
    data["actors"][2]["tolerance"] = 0.7  # C loses 0.6 by the proposal, so only abstains
    consensus = run_ensemble(scenario_from_dict(data), runs=10, seed=0, jobs=1)
    assert consensus.opposition_measure == "objected"
    assert consensus.objection_rate() == {"A": 0.0, "B": 0.0, "C": 0.0}
    data["rule"] = {"type": "majority"}
    majority = run_ensemble(scenario_from_dict(data), runs=10, seed=0, jobs=1)
    assert majority.opposition_measure == "did not vote yes"
    assert majority.objection_rate() == {"A": 0.0, "B": 0.0, "C": 1.0}
    assert majority.summary()["opposition_measure"] == "did not vote yes"


def test_wilson_interval_matches_the_formula():
    # 0 of 50 adopted as proposed: the Wilson upper bound is z^2 / (n + z^2)
    data = trio_data()
    data["actors"][2]["position"] = {"scope": 0.0}  # always withdrawn
    result = run_ensemble(scenario_from_dict(data), runs=50, seed=0, jobs=1)
    summary = result.summary()
    z2 = 1.959963984540054**2
    assert summary["outcomes"]["withdrawn"] == 1.0
    assert summary["ci95"]["adopted"][1] == pytest.approx(z2 / (50 + z2), abs=1e-6)
    assert summary["modal_adopted_scope"] is None


def test_objection_rate_by_round_counts_only_runs_that_reached_the_round():
    result = run_ensemble(load_scenario(DATA / "trio.yaml"), runs=10, seed=0, jobs=1)
    by_round = result.objection_rate_by_round()
    # every run: C objects in round 1, nobody in round 2, no round 3
    assert by_round[2, 0] == 1.0 and by_round[2, 1] == 0.0
    assert np.isnan(by_round[:, 2]).all()


def test_runs_table_has_one_row_per_run():
    result = run_ensemble(noisy_trio(), runs=30, seed=3, jobs=1)
    table = result.runs_table()
    assert len(table) == 30
    assert list(table.columns) == ["run", "outcome", "rounds", "final_scope", "label_scope",
                                   "given_up_scope", "costliest_blocker", "objectors"]
    drawn = result.drawn_table()
    assert list(drawn.columns) == ["run", *(x.path for x in result.scenario.uncertain)]
    np.testing.assert_array_equal(drawn.iloc[:, 1:].to_numpy(), result.drawn)
    assert set(table["outcome"]) <= set(OUTCOMES)
    adopted = result.adopted
    assert (table["given_up_scope"][adopted] == 1.0 - table["final_scope"][adopted]).all()


def test_a_run_that_adopted_nothing_is_labelled_no_agreement_and_keeps_its_last_text(trio):
    # C at 0 accepts nothing but the status quo: every run is withdrawn after round 1,
    # with the full proposal (1) still the last text on the table
    trio["actors"][2]["position"] = {"scope": 0.0}
    trio["actors"][2].pop("tolerance", None)
    trio["actors"][2].pop("blocking_cost", None)
    result = run_ensemble(scenario_from_dict(trio), runs=4, seed=0, jobs=1)
    table = result.runs_table()
    assert set(table["outcome"]) == {"withdrawn"}
    assert set(table["label_scope"]) == {"no agreement"}
    assert (table["final_scope"] == 1.0).all() and table["given_up_scope"].isna().all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="runs must be at least 1"):
        run_ensemble(noisy_trio(), runs=0)


def test_adding_runs_keeps_the_first_ones():
    s = noisy_trio()
    small, large = (run_ensemble(s, runs=n, seed=11, jobs=1) for n in (50, 120))
    np.testing.assert_array_equal(small.final, large.final[:50])
    np.testing.assert_array_equal(small.outcome, large.outcome[:50])


def test_replay_gives_the_same_run_in_full():
    s = noisy_trio()
    result = run_ensemble(s, runs=30, seed=5, jobs=1)
    again = replay(result, 17)
    np.testing.assert_array_equal(again.final, result.final[17])
    assert again.rounds == result.rounds[17]
    with pytest.raises(IndexError):
        replay(result, 30)


def test_worker_processes_leave_the_global_start_method_alone():
    import multiprocessing

    before = multiprocessing.get_start_method(allow_none=True)
    run_ensemble(noisy_trio(), runs=64, seed=0, jobs=2)
    assert multiprocessing.get_start_method(allow_none=True) == before


def test_a_script_without_a_main_guard_gets_a_clear_error(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "no_guard.py"
    script.write_text("from consensus_sim import run_ensemble\n"
                      f"run_ensemble({str(DATA / 'trio.yaml')!r}, runs=64, seed=0, jobs=2)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode != 0
    # the traceback ends with our error (a resource-tracker warning may follow it)
    assert 'WorkersFailed: worker processes stopped before finishing. In a script, put the ' \
           'code that runs ensembles or sweeps under `if __name__ == "__main__":`' in done.stderr
    guarded = tmp_path / "guarded.py"
    guarded.write_text("from consensus_sim import run_ensemble\n"
                       "if __name__ == '__main__':\n"
                       f"    r = run_ensemble({str(DATA / 'trio.yaml')!r}, runs=64, seed=0, "
                       "jobs=2)\n    print(r.runs)\n")
    done = subprocess.run([sys.executable, str(guarded)], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "64"
