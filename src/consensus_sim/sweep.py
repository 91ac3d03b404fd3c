"""Sweeps: vary any scenario field over a design, run every point many times.

A sweep takes a base scenario and one or more *parameters*, each a field path
(``actors.FRA.salience.office``, ``rule.threshold``, ``uncertainty.position_sd``,
``proposal.concession``, ``defaults.tolerance``) with the values to try:

- ``a:b:n`` -- n evenly spaced numbers from a to b;
- ``v1,v2,v3`` -- a list (numbers, or words for categorical fields);
- ``lo..hi`` -- a range, sampled with a Latin hypercube (``design="lhs"``).

The grid design takes every combination of the values; the LHS design draws
``samples`` points (``scipy.stats.qmc.LatinHypercube``). Every point is validated
as a whole scenario before any run starts.

Random numbers are common to all points (common random numbers, CRN): run ``i``
of every point draws the numbers of run ``i`` of a plain ensemble with the same seed
(see :mod:`.ensemble`), which derive from the seed and ``i`` only. A point's runs
therefore do not depend on which other points the sweep has, nor on their order,
and a point whose values are those of the base scenario gives exactly the ensemble
of ``consensus-sim run`` with that seed. Two points meet the same draws run by run,
so a difference between them comes from their inputs, not from different draws: a
parameter the model ignores changes no run at all. CRN is the classic
variance-reduction technique for comparing simulated alternatives (Law & Kelton,
*Simulation Modeling and Analysis*, 5th ed., 2015, ch. 11). Points are then
correlated (usually positively): compare two of them run by run, not through their
separate 95% intervals. The pairing is tightest when every point draws the same
numbers for the same purposes; a point that changes what is drawn (adds or removes
a source of noise) is still right, only less tightly paired with the others.

Results stream to disk while the sweep runs (see :mod:`.store`) and do not depend on
the executor: serial, local processes, or a Dask cluster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .design import (
    MAX_POINTS,
    Parameter,
    Task,
    base_data,
    default_chunk,
    design_points,
    execute,
    parameter,
    parse_parameter,
    parse_parameters,
    run_task,
    set_path,
    tasks_for,
    with_values,
)
from .scenario import Scenario
from .store import SweepSpec, run_sweep

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MAX_POINTS", "Parameter", "Task", "base_data", "default_chunk", "design_points",
           "execute", "parameter", "parse_parameter", "parse_parameters", "run_task",
           "set_path", "sweep", "tasks_for", "with_values"]


def sweep(scenario: Scenario | str, vary: dict[str, Any], runs: int = 100, seed: int = 0,
          design: str = "grid", samples: int | None = None, jobs: int | None = 1,
          scheduler: str | None = None, out: str | None = None,
          progress: bool | None = False) -> pd.DataFrame:
    """Run a sweep and return its tidy table: one row per run.

    Args:
        scenario: the base scenario (or a path or bundled name).
        vary: ``{path: spec}``; spec as in the module docstring, or a list of values.
        runs: runs per design point.
        seed: the root seed.
        design: ``"grid"`` or ``"lhs"`` (with ``samples``).
        jobs: worker processes (None: all cores).
        scheduler: a Dask scheduler address, instead of local processes.
        out: also stream the results to this folder (see :mod:`.store`).

    Returns:
        Columns ``point``, each varied path, ``run``, ``outcome``, ``rounds``,
        ``final_<dimension>`` for each dimension, ``costliest_blocker`` (the blocker the
        setter found most costly to win over in the last blocked round; empty when the
        first text passed).
    """
    spec = SweepSpec.create(scenario, vary, runs=runs, seed=seed, design=design,
                            samples=samples)
    return run_sweep(spec, out=out, jobs=jobs, scheduler=scheduler, progress=progress).table()
