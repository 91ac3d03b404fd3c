"""Results are never lost, mixed or silently stale: atomic run folders, locks, folders
of other commands, outputs that would destroy inputs, parts tied to their sweep,
resume checks, workers that die with their command, full disks and bad paths.

Fault tests start real ``consensus-sim`` processes and kill them mid-run.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import DATA, run_cli

TRIO = str(DATA / "trio.yaml")
LINUX = sys.platform.startswith("linux")
# A run long enough to be killed midway: workers write for minutes.
ENDLESS_RUN = ["run", "nato_tokyo_office", "--runs", "3000000", "--jobs", "2", "--no-charts"]
SLOW_SWEEP = ["sweep", TRIO, "--vary", "actors.C.position.scope=0:0.5:40", "--vary",
              "uncertainty.position_sd=0.1,0.2", "--runs", "400", "--seed", "3", "--jobs", "2",
              "--no-charts"]


def one_line(code: int, err: str, *fragments: str) -> None:
    """A refusal: exit status 2, one line on stderr holding every fragment."""
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def small_run(capsys, out: Path, runs: str = "20") -> dict[str, bytes]:
    code, _, err = run_cli(capsys, "run", TRIO, "-n", runs, "--jobs", "1", "--format", "svg",
                           "--out", str(out))
    assert code == 0, err
    return files(out)


def start(args: list[str], out: Path) -> subprocess.Popen:
    """``consensus-sim ARGS --out OUT`` in a process group of its own."""
    return subprocess.Popen([sys.executable, "-m", "consensus_sim", *args, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def wait_for(condition, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def staged_rows(out: Path) -> int:
    """Bytes of runs.csv written so far in a run's temporary folder beside ``out``."""
    return sum(p.stat().st_size for p in out.parent.glob(f".{out.name}.tmp-*/runs.csv"))


def group(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        state, _, pgrp = text[text.rindex(")") + 2:].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            alive.append(int(stat.parent.name))
    return alive


# ------------------------------------------------------------ 1, 5, 6: atomic run


@pytest.mark.skipif(not LINUX, reason="process groups read from /proc")
def test_kill_9_of_a_run_keeps_the_earlier_results_and_ends_every_process(tmp_path, capsys):
    out = tmp_path / "tokyo"
    before = small_run(capsys, out)
    process = start(ENDLESS_RUN, out)
    try:
        wait_for(lambda: staged_rows(out) > 100_000, "the workers' first runs")
        assert len(group(process.pid)) >= 4  # the command, forkserver, workers, ...
        # a second writer of the same folder is refused at once, naming the first
        code, _, err = run_cli(capsys, "run", TRIO, "-n", "3", "--jobs", "1", "--out", str(out))
        one_line(code, err, "another consensus-sim is writing", f"(pid {process.pid})")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    wait_for(lambda: not group(process.pid), "the workers to exit", seconds=10)
    wait_for(lambda: [p.name for p in tmp_path.iterdir()] == ["tokyo"],
             "the janitor to remove the temporary folder and the lock", seconds=10)
    assert files(out) == before


@pytest.mark.skipif(not LINUX, reason="process groups read from /proc")
def test_ctrl_c_of_a_run_leaves_the_folder_as_it_was(tmp_path, capsys):
    out = tmp_path / "tokyo"
    before = small_run(capsys, out)
    process = start(ENDLESS_RUN, out)
    wait_for(lambda: staged_rows(out) > 100_000, "the workers' first runs")
    os.killpg(process.pid, signal.SIGINT)  # as a terminal does
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.decode().strip().splitlines()[-1] == (f"interrupted: {out} was left as it was")
    wait_for(lambda: not group(process.pid), "every process to exit", seconds=10)
    assert [p.name for p in tmp_path.iterdir()] == ["tokyo"]
    assert files(out) == before


def test_a_new_run_replaces_the_whole_folder(tmp_path, capsys):
    """Today's charts in PNG never sit beside yesterday's in SVG."""
    out = tmp_path / "r"
    small_run(capsys, out)
    code, _, err = run_cli(capsys, "run", TRIO, "-n", "7", "--jobs", "1", "--no-charts",
                           "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "runs.csv",
                                                     "summary.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_without_an_atomic_exchange_the_folder_is_replaced_by_two_renames(tmp_path, capsys,
                                                                          monkeypatch):
    """File systems without renameat2(RENAME_EXCHANGE) (NFS) get the same result."""
    import consensus_sim.outputs

    monkeypatch.setattr(consensus_sim.outputs, "_exchange", lambda a, b: False)
    out = tmp_path / "r"
    small_run(capsys, out, runs="9")
    again = small_run(capsys, out, runs="20")
    assert json.loads(again["summary.json"])["runs"] == 20
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


@pytest.mark.parametrize("command", ["report", "plot"])
@pytest.mark.parametrize(("edit", "fragment"), [
    ("runs.csv", "runs.csv: has 7 rows but manifest.json says 20 runs"),
    ("summary.json", "summary.json: runs: says 7 but manifest.json says 20"),
])
def test_report_and_plot_refuse_a_run_folder_whose_files_disagree(tmp_path, capsys, command,
                                                                   edit, fragment):
    """A folder mixing two runs (as a crashed run of 0.2.0 left them) is refused."""
    out, other = tmp_path / "r", tmp_path / "other"
    small_run(capsys, out)
    small_run(capsys, other, runs="7")
    shutil.copy(other / edit, out / edit)
    args = ["report", str(out), "-o", str(tmp_path / "r.html")] if command == "report" \
        else ["plot", str(out)]
    code, _, err = run_cli(capsys, *args)
    one_line(code, err, fragment)
    assert not (tmp_path / "r.html").exists()


# ------------------------------------------------------- 2, 3: whose folder it is


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished sweep and a finished sensitivity analysis (copied by each test)."""
    from consensus_sim.cli import main

    root = tmp_path_factory.mktemp("finished")
    for args in (["sweep", TRIO, "--vary", "actors.C.tolerance=0,0.5", "--runs", "20"],
                 ["sensitivity", TRIO, "--param", "actors.C.position.scope=0..0.5",
                  "--samples", "2", "--runs", "3"]):
        with pytest.raises(SystemExit) as info:
            main([*args, "--jobs", "1", "--format", "svg", "--out", str(root / args[0])])
        assert info.value.code == 0
    return root


def copy_of(finished: Path, kind: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(finished / kind, tmp_path / kind))


@pytest.mark.parametrize(("command", "into", "fragment"), [
    (["run", TRIO, "-n", "3"], "sweep", "holds the results of consensus-sim sweep"),
    (["sweep", TRIO, "--vary", "actors.C.tolerance=0,0.5", "-n", "3"], "run",
     "holds the results of consensus-sim run"),
    (["sensitivity", TRIO, "--param", "actors.C.position.scope=0..0.5", "--samples", "2",
      "-n", "3"], "sweep", "holds the results of consensus-sim sweep"),
    (["run", TRIO, "-n", "3"], "notes", "not a results folder"),
    (["sweep", TRIO, "--vary", "actors.C.tolerance=0,0.5", "-n", "3"], "notes",
     "no manifest.json"),
    (["run", TRIO, "-n", "3"], "run+report", "did not write (report.html)"),
])
def test_a_folder_of_another_kind_is_never_written_into(tmp_path, capsys, finished, command,
                                                        into, fragment):
    if into == "sweep":
        target = copy_of(finished, "sweep", tmp_path)
    elif into == "notes":
        target = tmp_path / "notes"
        target.mkdir()
        (target / "notes.txt").write_text("my notes\n")
    else:
        target = tmp_path / "r"
        small_run(capsys, target)
        if into == "run+report":
            (target / "report.html").write_text("<p>an old report</p>")
    before = files(target)
    code, _, err = run_cli(capsys, *command, "--jobs", "1", "--out", str(target))
    one_line(code, err, fragment, "another --out")
    assert files(target) == before


def test_outputs_that_would_destroy_inputs_are_refused(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    shutil.copy(TRIO, scenario)
    text = scenario.read_text()
    code, _, err = run_cli(capsys, "report", str(scenario), "-o", str(scenario), "-n", "3")
    one_line(code, err, "is a file the report reads")
    code, _, err = run_cli(capsys, "run", str(scenario), "-n", "3", "--out", str(tmp_path))
    one_line(code, err, "holds the input", "another --out")
    assert scenario.read_text() == text
    run_folder = tmp_path / "r"
    before = small_run(capsys, run_folder)
    code, _, err = run_cli(capsys, "report", str(run_folder), "-o",
                           str(run_folder / "summary.json"))
    one_line(code, err, "is a file the report reads")
    assert files(run_folder) == before
    for args in (["run", TRIO, "--out", ""], ["sweep", "--resume", ""],
                 ["sweep", TRIO, "--vary", "actors.C.tolerance=0,1", "--out", ""],
                 ["report", TRIO, "-o", ""]):
        code, _, err = run_cli(capsys, *args)
        one_line(code, err, "empty path")


# ----------------------------------------------------------- 4: parts of a sweep


def test_a_sweep_never_reuses_parts_of_other_inputs(tmp_path, capsys, finished):
    folder = copy_of(finished, "sweep", tmp_path)
    for path in folder.iterdir():  # rm -f folder/*: parts/ stays
        if path.is_file():
            path.unlink()
    parts = files(folder)
    code, _, err = run_cli(capsys, "sweep", TRIO, "--vary", "actors.C.tolerance=0.1,0.3",
                           "-n", "20", "--jobs", "1", "--out", str(folder))
    one_line(code, err, "holds parts/ of a sweep but no manifest.json", "another --out")
    assert files(folder) == parts

    # a part of another sweep copied into an interrupted one is refused, not mixed in
    other = tmp_path / "other"
    code, _, err = run_cli(capsys, "sweep", TRIO, "--vary", "actors.C.tolerance=0.1,0.3",
                           "-n", "20", "--jobs", "1", "--no-charts", "--out", str(other))
    assert code == 0, err
    for name in ("runs.csv", "runs.parquet", "points.csv"):
        (other / name).unlink()
    stray = sorted(folder.glob("parts/*.parquet"))[0]
    shutil.copy(stray, other / "parts" / stray.name)
    code, _, err = run_cli(capsys, "sweep", "--resume", str(other), "--no-charts")
    one_line(code, err, stray.name, "belongs to another sweep")


def test_a_manifest_edited_since_the_sweep_ran_is_refused(tmp_path, capsys, finished):
    folder = copy_of(finished, "sweep", tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["runs_per_point"] = 10
    (folder / "manifest.json").write_text(json.dumps(manifest))
    for args in (["sweep", "--resume", str(folder)], ["plot", str(folder)],
                 ["report", str(folder), "-o", str(tmp_path / "r.html")]):
        code, _, err = run_cli(capsys, *args)
        one_line(code, err, "manifest.json: edited since the sweep")


# ------------------------------------------------------------------ 5: --resume


@pytest.mark.parametrize(("kind", "option", "fragment"), [
    ("sweep", ["--runs", "21"], "--runs: 21 differs from"),
    ("sweep", ["--seed", "1"], "--seed: 1 differs from"),
    ("sweep", ["--vary", "actors.C.tolerance=0,0.4"], "--vary: actors.C.tolerance=0.0,0.4 "
                                                      "differs from"),
    ("sweep", ["--design", "lhs"], "--design: lhs differs from"),
    ("sensitivity", ["--param", "actors.C.position.scope=0..0.4"], "--param:"),
    ("sensitivity", ["--metric", "mean_rounds"], "--metric: mean_rounds differs from"),
    ("sensitivity", ["--samples", "4"], "--samples: 4 differs from"),
])
def test_resume_refuses_options_that_differ_from_the_manifest(tmp_path, capsys, finished,
                                                              kind, option, fragment):
    folder = copy_of(finished, kind, tmp_path)
    before = files(folder)
    code, _, err = run_cli(capsys, kind, "--resume", str(folder), *option)
    one_line(code, err, fragment, "leave it out")
    assert files(folder) == before


def test_resume_refuses_another_scenario(tmp_path, capsys, finished, write_yaml, trio):
    folder = copy_of(finished, "sweep", tmp_path)
    trio["title"] = "another council"
    code, _, err = run_cli(capsys, "sweep", str(write_yaml(trio)), "--resume", str(folder))
    one_line(code, err, "differs from the scenario recorded", "leave it out")


def test_resume_accepts_the_options_it_records(tmp_path, capsys, finished):
    folder = copy_of(finished, "sweep", tmp_path)
    (folder / "points.csv").unlink()
    code, _, err = run_cli(capsys, "sweep", TRIO, "--resume", str(folder), "--vary",
                           "actors.C.tolerance=0,0.5", "--runs", "20", "--seed", "0",
                           "--format", "svg")
    assert code == 0, err
    assert files(folder) == files(finished / "sweep")


@pytest.mark.skipif(not LINUX, reason="process groups read from /proc")
def test_two_writers_of_one_sweep_folder(tmp_path, capsys):
    out = tmp_path / "slow"
    process = start(SLOW_SWEEP, out)
    try:
        wait_for(lambda: len(list((out / "parts").glob("*.parquet"))) >= 2, "the first parts")
        for args in (["sweep", "--resume", str(out), "--no-charts"], ["plot", str(out)]):
            code, _, err = run_cli(capsys, *args)
            assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
        code, _, err = run_cli(capsys, "sweep", "--resume", str(out), "--no-charts")
        one_line(code, err, f"another consensus-sim is writing {out} (pid {process.pid})")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    wait_for(lambda: not group(process.pid), "every process to exit", seconds=10)
    assert not list(tmp_path.glob(".*")) and not list(out.rglob(".*"))  # no lock, no .tmp


# ------------------------------------------------------------- 7: disk full


def _full(error: int):
    """A writer that writes a little, then finds the disk full."""

    def write(*args, **kwargs):
        target = next((a for a in args if isinstance(a, str | Path)), None)
        if target is not None and Path(target).parent.is_dir():
            Path(target).write_bytes(b"half a file")
        raise OSError(error, os.strerror(error))

    return write


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_during_a_run_leaves_the_earlier_results(tmp_path, capsys, monkeypatch,
                                                            error):
    import consensus_sim.plots

    out = tmp_path / "r"
    before = small_run(capsys, out)

    def save_charts(result, folder, fmt):
        return _full(error)(Path(folder) / f"outcomes.{fmt}")

    monkeypatch.setattr(consensus_sim.plots, "save_charts", save_charts)
    code, _, err = run_cli(capsys, "run", TRIO, "-n", "30", "--jobs", "1", "--out", str(out))
    one_line(code, err, f"{out}: cannot write:", f"{out} was left as it was")
    assert files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_a_full_disk_during_a_sweep_keeps_finished_parts_and_no_temporary_file(
        tmp_path, capsys, monkeypatch, finished):
    import pyarrow.csv
    import pyarrow.parquet

    out = tmp_path / "s"
    sweep = ["sweep", TRIO, "--vary", "actors.C.tolerance=0,0.5", "--runs", "20", "--jobs",
             "1", "--format", "svg", "--out", str(out)]
    with monkeypatch.context() as patch:
        patch.setattr(pyarrow.parquet, "write_table", _full(errno.ENOSPC))
        code, _, err = run_cli(capsys, *sweep)
    one_line(code, err, f"{out}: cannot write: no space left", f"--resume {out}")
    assert sorted(p.name for p in out.rglob("*")) == ["manifest.json", "parts"]
    with monkeypatch.context() as patch:  # the parts are in; the full tables are not
        patch.setattr(pyarrow.csv, "write_csv", _full(errno.ENOSPC))
        code, _, err = run_cli(capsys, *sweep[:-2], "--resume", str(out))
    one_line(code, err, "no space left", f"--resume {out}")
    assert not [p for p in out.rglob("*") if p.name.startswith(".") or "tmp" in p.name]
    assert len(list(out.glob("parts/*.parquet"))) == 4 and not (out / "runs.csv").exists()
    code, _, err = run_cli(capsys, "sweep", "--resume", str(out), "--format", "svg")
    assert code == 0, err
    assert files(out) == files(finished / "sweep")  # same bytes as if never interrupted


def test_a_report_to_a_full_device_is_one_line(capsys):
    code, _, err = run_cli(capsys, "report", TRIO, "-n", "3", "-o", "/dev/full")
    one_line(code, err, "/dev/full: cannot write: no space left on the device")


# ---------------------------------------------------------------- 8: bad paths


def test_names_too_long_symlink_loops_and_paths_through_files(tmp_path, capsys, finished):
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    (tmp_path / "file").write_text("a file\n")
    long = tmp_path / ("x" * 300)
    cases = [
        (["run", TRIO, "-n", "3", "--out", str(long)], "too long"),
        (["sweep", TRIO, "--vary", "actors.C.tolerance=0,1", "-n", "3", "--out",
          str(tmp_path / "loop1" / "s")], "symbolic links"),
        (["sensitivity", TRIO, "--param", "actors.C.position.scope=0..0.5", "--samples", "2",
          "-n", "3", "--out", str(tmp_path / "file" / "s")], "is a file, not a folder"),
        (["report", TRIO, "-n", "3", "-o", str(tmp_path / "loop1" / "r.html")],
         "symbolic links"),
        (["report", TRIO, "-n", "3", "-o", str(tmp_path / "file" / "r.html")],
         "is a file, not a folder"),
        (["plot", str(tmp_path / "file" / "s")], "not a results folder"),
    ]
    for args, fragment in cases:
        code, _, err = run_cli(capsys, *args, "--jobs", "1") if args[0] != "plot" \
            else run_cli(capsys, *args)
        one_line(code, err, fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "loop1", "loop2"]


def test_plot_into_a_read_only_file_system_is_one_line(tmp_path, capsys, monkeypatch,
                                                       finished):
    from matplotlib.figure import Figure

    folder = copy_of(finished, "sweep", tmp_path)
    before = files(folder)
    monkeypatch.setattr(Figure, "savefig", _full(errno.EROFS))
    code, _, err = run_cli(capsys, "plot", str(folder), "--format", "svg")
    one_line(code, err, f"{folder}: cannot write: read-only file system")
    assert files(folder) == before and not list(folder.glob(".*"))


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: chmod 0o500 does not stop "
                                               "root from writing")
def test_a_read_only_folder_is_one_line(tmp_path, capsys, finished):
    folder = copy_of(finished, "sweep", tmp_path)
    folder.chmod(0o500)
    try:
        code, _, err = run_cli(capsys, "run", TRIO, "-n", "3", "--out", str(folder / "r"))
        one_line(code, err, "permission denied")
    finally:
        folder.chmod(0o700)


# --------------------------------------------------------------- 9: corrupt files


def _garble(path: Path, how: str) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] if how == "truncate" else b"\x00\xff garbage" * 9)


@pytest.mark.parametrize("how", ["truncate", "garble"])
@pytest.mark.parametrize(("kind", "name"), [("sweep", "manifest.json"),
                                            ("sweep", "points.csv"),
                                            ("sensitivity", "sensitivity.csv")])
def test_plot_and_report_name_a_corrupt_file(tmp_path, capsys, finished, kind, name, how):
    folder = copy_of(finished, kind, tmp_path)
    _garble(folder / name, how)
    for args in (["plot", str(folder)], ["report", str(folder), "-o", str(tmp_path / "r.html")]):
        code, _, err = run_cli(capsys, *args)
        one_line(code, err, str(folder / name))


@pytest.mark.parametrize("how", ["truncate", "garble"])
@pytest.mark.parametrize("name", ["manifest.json", "parts"])
def test_resume_names_a_corrupt_file(tmp_path, capsys, finished, name, how):
    folder = copy_of(finished, "sweep", tmp_path)
    (folder / "points.csv").unlink()
    path = folder / name if name != "parts" else sorted(folder.glob("parts/*.parquet"))[1]
    _garble(path, how)
    code, _, err = run_cli(capsys, "sweep", "--resume", str(folder))
    one_line(code, err, str(path))


# --------------------------------------------------------- 10, 11: the command line


@pytest.mark.parametrize("args", [
    ["sweep", TRIO, "--vary", "actors.C.tolerance=0,0.5", "--vary", "actors.C.tolerance=0.2"],
    ["sensitivity", TRIO, "--param", "actors.C.position.scope=0..0.5", "--param",
     "actors.C.position.scope=0..0.2"],
])
def test_a_path_given_twice_is_refused(tmp_path, capsys, args):
    code, _, err = run_cli(capsys, *args, "--out", str(tmp_path / "x"))
    one_line(code, err, "actors.C.", "given twice")
    assert not (tmp_path / "x").exists()


def test_sweep_quiet_prints_only_the_folder(tmp_path, capsys):
    out = tmp_path / "q"
    code, printed, err = run_cli(capsys, "sweep", TRIO, "--vary", "actors.C.tolerance=0,0.5",
                                 "-n", "3", "--jobs", "1", "--no-charts", "-q", "--out",
                                 str(out))
    assert code == 0, err
    assert printed == f"{out}\n"
