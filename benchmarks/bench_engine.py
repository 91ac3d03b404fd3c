"""Benchmark: the rewritten engine (kernel.py) on nato_tokyo_office, against its targets.

Prints five figures, each beside its target:

1. runs/s on one core of ``kernel.simulate`` over the chunks ``ensemble._chunks``
   makes (and of ``run_ensemble(jobs=1)``, which adds building the chunks' results),
   best of 3, for ``information: private`` (as bundled) and a ``complete`` copy;
2. wall time and runs/s of the whole command ``consensus-sim run ... --jobs 2
   --no-charts --quiet`` (streaming runs.csv to disk), private and complete;
3. the peak memory (RSS, and PSS where the system reports it) summed over the
   command's process tree (command, forkserver, workers), sampled every 0.1 s, at a
   small and a large number of runs, to show that it stays flat;
4. CPU time (user + sys) of ``consensus-sim run nato_tokyo_office --runs 1``, best
   of 5;
5. persuasion among 1,000 members (a synthetic scenario): ``kernel.persuade`` in ms
   per run per round, and a whole run through ``kernel.simulate`` in ms per run.

The in-process figures (1 and 5) limit numpy's BLAS to one thread and tune the
allocator as the command does (``consensus_sim._memory``); the commands run with
the environment this script was started with. Other processes using the
CPU lower every figure: run it on an idle machine.

Usage: python benchmarks/bench_engine.py [--quick] [--only 1 3] [--runs N] ...
(``--quick`` runs everything at about 1/20 of the default sizes, as a smoke test.
At the default sizes it takes several minutes, needs about 2 GB of memory for
figure 5 and, for a moment, about 0.8 GB in the temporary folder for the runs.csv
of a million runs.)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import psutil

#: The environment the commands run with: as this script was started.
CHILD_ENV = dict(os.environ)
SCENARIO = "nato_tokyo_office"
SEED = 0
MB = 2**20

#: Default sizes; --quick divides each by QUICK (see sizes()).
DEFAULTS = {
    "runs": 20_000,  # figure 1, per information setting
    "cli_runs": 200_000,  # figure 2, complete information
    "private_cli_runs": 200_000,  # figure 2, private information (about a minute here)
    "memory_runs": 1_000_000,  # figure 3, complete information (also at a tenth)
    "private_memory_runs": 200_000,  # figure 3, private information (also at a quarter)
    "members": 1_000,  # figure 5
    "persuade_runs": 50,  # figure 5
}
QUICK = 20


# ----------------------------------------------------------------- helpers


def one_blas_thread() -> None:
    """Limit numpy's BLAS to one thread in this process (before numpy is imported),
    so that the in-process figures are for one core."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    if "numpy" in sys.modules:  # pragma: no cover - imported by the caller first
        print("warning: numpy was imported before the BLAS thread limit was set")


def verdict(value: float, target: float, at_least: bool) -> str:
    """'met' or 'MISSED' for ``value`` against ``target``."""
    ok = value >= target if at_least else value <= target
    return "met" if ok else "MISSED"


def best_of(repeats: int, fn) -> float:
    """The shortest wall time of ``repeats`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def complete_copy(scenario):
    """``scenario`` with ``information: complete``, validated like a file."""
    from consensus_sim.scenario import scenario_from_dict

    data = scenario.model_dump(mode="json", exclude_none=True)
    return scenario_from_dict({**data, "information": "complete"})


def write_yaml(scenario, path: Path) -> Path:
    """Write ``scenario`` as a YAML file the command can load."""
    import yaml

    data = scenario.model_dump(mode="json", exclude_none=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def command() -> list[str]:
    """The ``consensus-sim`` command of this interpreter's environment."""
    exe = Path(sys.executable).with_name("consensus-sim")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "consensus_sim"]


def run_args(scenario: str, runs: int, out: Path, jobs: int | None = 2) -> list[str]:
    """``consensus-sim run SCENARIO --runs N [--jobs J] --no-charts --quiet --out DIR``."""
    args = [*command(), "run", scenario, "--runs", str(runs)]
    if jobs is not None:
        args += ["--jobs", str(jobs)]
    return [*args, "--no-charts", "--quiet", "--out", str(out)]


def start(args: list[str], tmp: Path) -> tuple[subprocess.Popen, Path]:
    """Start a command, its stderr to a file (read if it fails)."""
    log = tmp / "stderr.txt"
    with log.open("w") as stderr:
        child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr, env=CHILD_ENV)
    return child, log


def check(child: subprocess.Popen, log: Path, out: Path) -> None:
    """Stop the benchmark if the command failed; remove its output folder."""
    if child.returncode != 0:
        raise SystemExit(
            f"command failed with exit status {child.returncode}:\n{log.read_text()[-2000:]}"
        )
    shutil.rmtree(out, ignore_errors=True)


def timed_command(args: list[str], out: Path, tmp: Path) -> float:
    """Run a command to its end; its wall time."""
    begin = time.perf_counter()
    child, log = start(args, tmp)
    child.wait()
    seconds = time.perf_counter() - begin
    check(child, log, out)
    return seconds


def tree_memory(process: psutil.Process) -> tuple[int, int | None]:
    """(RSS, PSS) summed over the process and its descendants; PSS is None where the
    system does not report it. PSS splits the pages that forked workers share with
    their forkserver, so it does not count them in every process as RSS does."""
    rss, pss = 0, 0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            info = p.memory_full_info()
            rss += info.rss
            pss = None if pss is None or not hasattr(info, "pss") else pss + info.pss
    return rss, pss


def watched_command(args: list[str], out: Path, tmp: Path) -> tuple[float, int, int | None]:
    """Run a command, sampling its process tree's memory every 0.1 s; its wall time
    and peak RSS and PSS (reading PSS costs CPU: these timings run a little slow)."""
    begin = time.perf_counter()
    child, log = start(args, tmp)
    watched = psutil.Process(child.pid)
    peak_rss, peak_pss = 0, 0
    while child.poll() is None:
        try:
            rss, pss = tree_memory(watched)
        except psutil.NoSuchProcess:
            break
        peak_rss = max(peak_rss, rss)
        peak_pss = None if pss is None or peak_pss is None else max(peak_pss, pss)
        time.sleep(0.1)
    child.wait()
    seconds = time.perf_counter() - begin
    check(child, log, out)
    return seconds, peak_rss, peak_pss


# ----------------------------------------------------------------- figure 1


def kernel_rate(scenario, runs: int, repeats: int = 3) -> float:
    """Runs/s of ``kernel.simulate`` over the ensemble's chunks (setup built once)."""
    import numpy as np

    from consensus_sim import kernel
    from consensus_sim.ensemble import _chunks

    s = kernel.setup(scenario)
    chunks = _chunks(scenario, runs)

    def play() -> None:
        for begin, stop in chunks:
            kernel.simulate(s, SEED, np.arange(begin, stop))

    return runs / best_of(repeats, play)


def ensemble_rate(scenario, runs: int, repeats: int = 3) -> float:
    """Runs/s of ``run_ensemble(jobs=1)``: the kernel plus each chunk's results."""
    from consensus_sim import run_ensemble

    return runs / best_of(repeats, lambda: run_ensemble(scenario, runs=runs, seed=SEED, jobs=1))


def figure_1(scenarios: dict, runs: int) -> None:
    from consensus_sim.ensemble import _chunks

    print(f"\n1. One core, {runs:,} runs, best of 3 (target >= 25,000 runs/s)")
    for name, scenario in scenarios.items():
        chunks = _chunks(scenario, runs)
        rate = kernel_rate(scenario, runs)
        whole = ensemble_rate(scenario, runs)
        print(
            f"   {name:8} kernel.simulate: {rate:9,.0f} runs/s "
            f"({len(chunks)} chunks of up to {chunks[0][1] - chunks[0][0]:,} runs; "
            f"{verdict(rate, 25_000, True)}); run_ensemble(jobs=1): {whole:9,.0f} runs/s"
        )


# ----------------------------------------------------------------- figure 2


def figure_2(paths: dict, runs: dict, tmp: Path) -> None:
    print(
        "\n2. consensus-sim run --jobs 2 --no-charts --quiet, whole command, "
        "wall time (target >= 45,000 runs/s)"
    )
    for name, path in paths.items():
        n = runs[name]
        out = tmp / f"cli-{name}"
        seconds = timed_command(run_args(path, n, out), out, tmp)
        print(
            f"   {name:8} {n:>9,} runs: {seconds:6.1f} s, {n / seconds:9,.0f} runs/s "
            f"({verdict(n / seconds, 45_000, True)})"
        )


# ----------------------------------------------------------------- figure 3


def figure_3(paths: dict, sizes: dict, tmp: Path) -> None:
    print(
        "\n3. Peak memory of the process tree, consensus-sim run --jobs 2 --no-charts "
        "--quiet, sampled every 0.1 s (target <= 300 MB, flat in the runs)"
    )
    for name, path in paths.items():
        peaks = []
        for n in sizes[name]:
            out = tmp / f"mem-{name}-{n}"
            seconds, rss, pss = watched_command(run_args(path, n, out), out, tmp)
            peak = pss if pss is not None else rss
            peaks.append(peak)
            shown = "n/a" if pss is None else f"{pss / MB:5.0f} MB"
            print(
                f"   {name:8} {n:>9,} runs: PSS {shown} (RSS {rss / MB:5.0f} MB), "
                f"{seconds:6.1f} s with the probe ({verdict(peak / MB, 300, False)})"
            )
        growth = peaks[-1] / peaks[0]
        print(
            f"   {name:8} {'RSS' if pss is None else 'PSS'} at "
            f"{sizes[name][-1]:,} over {sizes[name][0]:,} runs: {growth:.2f}x "
            f"(flat: about 1x)"
        )


# ----------------------------------------------------------------- figure 4


def figure_4(tmp: Path, repeats: int = 5) -> None:
    best_cpu = best_wall = float("inf")
    out = tmp / "one-run"
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = timed_command(run_args(SCENARIO, 1, out, jobs=None), out, tmp)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_cpu, best_wall = min(best_cpu, cpu), min(best_wall, wall)
    print(
        f"\n4. consensus-sim run {SCENARIO} --runs 1 --no-charts --quiet, best of {repeats}: "
        f"CPU (user + sys) {best_cpu:.2f} s (target <= 0.5 s: "
        f"{verdict(best_cpu, 0.5, False)}); wall {best_wall:.2f} s"
    )


# ----------------------------------------------------------------- figure 5


def persuasion_scenario(members: int):
    """One dimension; ``members`` members spread evenly over [0, 1], each listening
    to all the others (stubbornness 0.5); a chair proposing 1 against a status quo of
    0; complete information and nothing uncertain."""
    import numpy as np

    from consensus_sim.scenario import scenario_from_dict

    actors = [
        {"id": f"M{i:05d}", "type": "member", "position": {"x": float(p)}}
        for i, p in enumerate(np.linspace(0.0, 1.0, members))
    ]
    actors.append({"id": "CHAIR", "type": "chair", "position": {"x": 1.0}})
    return scenario_from_dict(
        {
            "id": "persuasion_bench",
            "title": f"{members} members who all listen to each other",
            "dimensions": [{"id": "x", "name": "one dimension"}],
            "status_quo": {"x": 0.0},
            "proposal": {"position": {"x": 1.0}, "agenda_setter": "CHAIR"},
            "rule": {"type": "consensus"},
            "information": "complete",
            "defaults": {"salience": {"x": 1.0}, "stubbornness": 0.5},
            "actors": actors,
            "listens_to": {"all": {"all": 1.0}},
        }
    )


def figure_5(members: int, runs: int, repeats: int = 3, calls: int = 20) -> None:
    import numpy as np

    from consensus_sim import kernel
    from consensus_sim.ensemble import _chunks

    scenario = persuasion_scenario(members)
    s = kernel.setup(scenario)
    state = kernel.initial_state(s, np.empty((runs, s.n_uniforms)), np.arange(runs))
    per_round = best_of(repeats, lambda: [kernel.persuade(s, state) for _ in range(calls)])
    per_round /= calls * runs
    chunks = _chunks(scenario, runs)
    rounds = []

    def play() -> None:
        rounds.clear()
        for begin, stop in chunks:
            rounds.append(kernel.simulate(s, SEED, np.arange(begin, stop)).rounds)

    per_run = best_of(repeats, play) / runs
    mean_rounds = float(np.concatenate(rounds).mean())
    tracemalloc.start()  # numpy reports its arrays to tracemalloc
    kernel.simulate(s, SEED, np.arange(*chunks[0]))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"\n5. Persuasion, {members:,} members all listening to each other, one core, "
        f"{runs} runs, best of {repeats}"
    )
    print(f"   kernel.persuade: {per_round * 1e3:8.3f} ms per run per round")
    print(
        f"   kernel.simulate, a whole run: {per_run * 1e3:8.1f} ms per run "
        f"({mean_rounds:.1f} rounds on average; {len(chunks)} chunks) "
        f"(target <= 1 ms per run: {verdict(per_run * 1e3, 1.0, False)})"
    )
    print(
        f"   peak memory of the arrays of one chunk of {chunks[0][1] - chunks[0][0]} runs: "
        f"{peak / MB:,.0f} MB"
    )


# ----------------------------------------------------------------- main


def sizes(args: argparse.Namespace) -> dict[str, int]:
    """The sizes to run: those given, else the defaults (divided by QUICK with --quick)."""
    scale = QUICK if args.quick else 1
    return {
        name: getattr(args, name) or max(1, default // scale) for name, default in DEFAULTS.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"run every figure at 1/{QUICK} of its default size"
    )
    parser.add_argument(
        "--only",
        type=int,
        nargs="+",
        choices=range(1, 6),
        metavar="N",
        help="run only these figures (1 to 5)",
    )
    for name, default in DEFAULTS.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=int,
            default=None,
            metavar="N",
            help=f"default {default:,}",
        )
    args = parser.parse_args()
    size = sizes(args)
    only = set(args.only or range(1, 6))

    one_blas_thread()
    from consensus_sim._memory import keep_freed_memory

    keep_freed_memory()  # as the command and its workers do
    from consensus_sim import __version__, load_scenario
    from consensus_sim.ensemble import available_cores

    private = load_scenario(SCENARIO)
    complete = complete_copy(private)
    print(
        f"consensus-sim {__version__}, Python {platform.python_version()}, "
        f"{available_cores()} cores, {SCENARIO} ({len(private.members)} members, "
        f"{len(private.uncertain)} uncertain inputs){' [--quick]' if args.quick else ''}"
    )
    print(
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        "(other processes on the CPU lower every figure)"
    )
    scenarios = {"private": private, "complete": complete}
    with tempfile.TemporaryDirectory(prefix="bench_engine-") as folder:
        tmp = Path(folder)
        paths = {"private": SCENARIO, "complete": str(write_yaml(complete, tmp / "complete.yaml"))}
        if 1 in only:
            figure_1(scenarios, size["runs"])
        if 2 in only:
            figure_2(
                paths, {"private": size["private_cli_runs"], "complete": size["cli_runs"]}, tmp
            )
        if 3 in only:
            figure_3(
                paths,
                {
                    "private": [size["private_memory_runs"] // 4, size["private_memory_runs"]],
                    "complete": [size["memory_runs"] // 10, size["memory_runs"]],
                },
                tmp,
            )
        if 4 in only:
            figure_4(tmp)
        if 5 in only:
            figure_5(size["members"], size["persuade_runs"])


if __name__ == "__main__":
    main()
