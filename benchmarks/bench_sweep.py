"""Benchmark: large sweeps, their memory, and their executors.

Prints, for a sweep of the small ``classroom_trio`` scenario (10 points of
``uncertainty.position_sd``):

- runs/s and the peak memory of the whole process tree (main process, forkserver
  and workers, sampled every 0.1 s; PSS, which counts shared pages once) for
  growing sweeps streamed to disk with ``consensus-sim sweep --jobs 2`` -- memory
  should stay flat as runs grow;
- ``--jobs 2`` against ``--jobs 1``;
- a Dask ``LocalCluster`` with 1 worker and with 2 workers.

Usage: python benchmarks/bench_sweep.py [--max-runs 1000000] [--executor-runs 200000]
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

POINTS = 10
VARY = [f"uncertainty.position_sd=0:0.2:{POINTS}"]


def tree_memory(process: psutil.Process) -> tuple[int, int]:
    """(RSS, PSS) summed over the process and its descendants. PSS splits pages that
    forked workers share with their parent, so it does not count them twice."""
    rss = pss = 0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            info = p.memory_full_info()
            rss += info.rss
            pss += info.pss
    return rss, pss


def cli_sweep(runs_per_point: int, jobs: int, out: Path,
              watch: bool = True) -> tuple[float, int, int]:
    """Run the sweep command; return its wall time and the tree's peak RSS and PSS.

    Reading PSS costs CPU (the kernel walks every mapping), so timings that compare
    executors are taken with ``watch=False``.
    """
    args = [sys.executable, "-m", "consensus_sim", "sweep", "classroom_trio",
            *[a for v in VARY for a in ("--vary", v)], "--runs", str(runs_per_point),
            "--jobs", str(jobs), "--out", str(out), "--no-charts"]
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    watched = psutil.Process(child.pid)
    peak_rss = peak_pss = 0
    if not watch:
        child.wait()
    while child.poll() is None:
        try:
            rss, pss = tree_memory(watched)
        except psutil.NoSuchProcess:
            break
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        time.sleep(0.1)
    if child.returncode != 0:
        raise SystemExit(f"sweep failed with exit status {child.returncode}")
    return time.perf_counter() - start, peak_rss, peak_pss


def dask_sweep(runs_per_point: int, workers: int) -> float:
    from distributed import LocalCluster

    from consensus_sim.store import SweepSpec, run_sweep

    spec = SweepSpec.create("classroom_trio", {VARY[0].split("=")[0]: VARY[0].split("=")[1]},
                            runs=runs_per_point, seed=0)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=50) as cluster:
        run_sweep(spec, scheduler=cluster.scheduler_address, jobs=1)  # warm the workers
        start = time.perf_counter()
        run_sweep(spec, scheduler=cluster.scheduler_address)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-runs", type=int, default=1_000_000)
    parser.add_argument("--executor-runs", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"sweep of classroom_trio, {POINTS} points, streamed to disk, --jobs 2")
        sizes = sorted({args.max_runs // 10, args.max_runs})
        for total in sizes:
            seconds, rss, pss = cli_sweep(total // POINTS, 2, tmp / f"s{total}")
            print(f"  {total:>9,} runs: {seconds:6.1f} s, {total / seconds:8,.0f} runs/s, "
                  f"peak memory of the process tree: PSS {pss / 2**20:5.0f} MB "
                  f"(RSS {rss / 2**20:5.0f} MB, which counts shared pages in every process)")
        total = args.executor_runs
        one = cli_sweep(total // POINTS, 1, tmp / "j1", watch=False)[0]
        two = cli_sweep(total // POINTS, 2, tmp / "j2", watch=False)[0]
        print(f"--jobs 1: {total / one:8,.0f} runs/s; --jobs 2: {total / two:8,.0f} runs/s; "
              f"speed-up {one / two:.2f}x (goal >= 1.8x)")
        holder = {}

        def run_dask() -> None:
            holder[1] = dask_sweep(total // POINTS, 1)
            holder[2] = dask_sweep(total // POINTS, 2)

        thread = threading.Thread(target=run_dask)
        thread.start()
        thread.join()
        print(f"LocalCluster 1 worker: {total / holder[1]:8,.0f} runs/s; 2 workers: "
              f"{total / holder[2]:8,.0f} runs/s; speed-up {holder[1] / holder[2]:.2f}x "
              f"(goal >= 1.7x)")


if __name__ == "__main__":
    main()
