"""Benchmark: Tokyo ensembles against mesa.batch_run, and the CLI's start-up time.

Prints runs per second for

- ``run_ensemble`` on ``nato_tokyo_office`` at jobs=1 and jobs=2, cold (the first
  call, which starts the worker processes) and warm;
- the same model swept the way a Mesa user would, with ``mesa.batch_run`` at
  number_processes=1 and 2 (it runs the model's DataCollector, as batch_run needs);
- ``consensus-sim --help`` wall time (best of 5).

Usage: python benchmarks/bench_ensemble.py [--runs 10000] [--batch-runs 2000]
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--batch-runs", type=int, default=2_000)
    args = parser.parse_args()

    from consensus_sim import __version__, load_scenario, run_ensemble
    from consensus_sim.ensemble import available_cores

    scenario = load_scenario("nato_tokyo_office")
    print(f"consensus-sim {__version__}, Python {platform.python_version()}, "
          f"{available_cores()} cores, scenario {scenario.id} "
          f"({len(scenario.members)} members)")
    figures = {}
    for jobs in (1, 2):
        cold = timed(lambda j=jobs: run_ensemble(scenario, runs=args.runs, seed=1, jobs=j))
        warm = timed(lambda j=jobs: run_ensemble(scenario, runs=args.runs, seed=2, jobs=j))
        figures[jobs] = args.runs / warm
        print(f"run_ensemble jobs={jobs}: {args.runs} runs in {cold:.2f} s cold "
              f"({args.runs / cold:,.0f} runs/s), {warm:.2f} s warm "
              f"({args.runs / warm:,.0f} runs/s)")

    import mesa

    from consensus_sim import NegotiationModel

    batch = {}
    for processes in (1, 2):
        seconds = timed(lambda p=processes: mesa.batch_run(
            NegotiationModel, parameters={"scenario": [scenario]},
            rng=list(range(args.batch_runs)), number_processes=p,
            max_steps=scenario.max_rounds, display_progress=False))
        batch[processes] = args.batch_runs / seconds
        print(f"mesa.batch_run number_processes={processes}: {args.batch_runs} runs in "
              f"{seconds:.2f} s ({batch[processes]:,.0f} runs/s)")

    best_batch = max(batch.values())
    print(f"run_ensemble jobs=2 / best batch_run: {figures[2] / best_batch:.1f}x "
          f"(goal >= 1.8x)")
    print(f"run_ensemble jobs=2: {figures[2]:,.0f} runs/s (goal >= 2,500); "
          f"jobs=2 / jobs=1: {figures[2] / figures[1]:.2f}x")

    exe = Path(sys.executable).with_name("consensus-sim")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "consensus_sim"]
    best = min(timed(lambda: subprocess.run([*command, "--help"], check=True,
                                            capture_output=True)) for _ in range(5))
    print(f"consensus-sim --help: {best:.3f} s (best of 5; goal <= 0.25 s)")


if __name__ == "__main__":
    main()
