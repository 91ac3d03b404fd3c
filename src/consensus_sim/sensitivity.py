"""Global sensitivity analysis with SALib: which parameters move the outcome.

The workflow is SALib's: a *problem* names the parameters and their ranges; SALib
draws the sample (Saltelli/Sobol' or Morris trajectories); every sample row is a
design point of a sweep (:mod:`.sweep`), run ``runs`` times; the *metric* of each
point is computed from its runs; SALib analyses the metric and returns the indices
with their confidence intervals:

- ``sobol``: first-order ``S1`` and total-order ``ST`` indices (Sobol' 2001;
  Saltelli et al. 2010), with bootstrap confidence intervals;
- ``morris``: elementary effects ``mu_star`` (with a confidence interval) and
  ``sigma`` (Morris 1991; Campolongo et al. 2007).

Metrics: ``p_adopted`` (share of runs adopting any version), ``mean_scope`` (mean
scope in force after the negotiation: the adopted text, or the status quo when
nothing is adopted, averaged over the scope dimensions), ``mean_rounds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ScenarioError
from .scenario import Scenario, load_scenario
from .sweep import parameter

if TYPE_CHECKING:
    import pandas as pd

    from .store import SweepResult

METHODS = ("sobol", "morris")
METRICS = ("p_adopted", "mean_scope", "mean_rounds")


@dataclass(frozen=True)
class SensitivityResult:
    """Sensitivity indices and the sweep behind them."""

    method: str
    metric: str
    indices: pd.DataFrame
    sweep: SweepResult
    values: np.ndarray  # the metric per sample row


def problem_for(params: dict[str, Any]) -> dict[str, Any]:
    """The SALib problem for ``{path: "lo..hi"}`` (ranges only)."""
    names, bounds = [], []
    for path, spec in params.items():
        p = parameter(path, spec, "--param")
        if p.bounds is None:
            raise ScenarioError("--param", path, "needs a range lo..hi (e.g. 0..1)")
        names.append(path)
        bounds.append(list(p.bounds))
    if not names:
        raise ScenarioError("--param", "", "nothing to vary; give at least one PATH=lo..hi")
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def salib_seed(seed: int) -> int:
    """The seed handed to SALib: derived from the root seed and never 0, which SALib's
    Sobol' bootstrap would take for "no seed" (and draw fresh intervals each time)."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0] % (2**31 - 1)) + 1


def sample(problem: dict[str, Any], method: str, samples: int, seed: int) -> np.ndarray:
    """SALib's sample for the method: N (k + 2) rows for Sobol', N (k + 1) for Morris."""
    if method == "sobol":
        if samples < 2 or samples & (samples - 1):
            raise ScenarioError("--samples", "", f"must be a power of 2 for sobol (got "
                                f"{samples}); e.g. 64, 128, 256")
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=False, seed=salib_seed(seed))
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, samples, num_levels=4, seed=salib_seed(seed))
    raise ScenarioError("--method", "", f"unknown method {method!r}; allowed: sobol, morris")


def metric_values(result: SweepResult, metric: str) -> np.ndarray:
    """The metric of every design point, from its runs."""
    if metric not in METRICS:
        raise ScenarioError("--metric", "", f"unknown metric {metric!r}; allowed: "
                            f"{', '.join(METRICS)}")
    table = result.table()
    spec = result.spec
    n = len(spec.points)
    point = table["point"].to_numpy()
    if metric == "mean_rounds":
        values = table["rounds"].to_numpy(dtype=float)
    else:
        adopted = table["outcome"].isin(["adopted", "adopted_amended"]).to_numpy()
        if metric == "p_adopted":
            values = adopted.astype(float)
        else:
            a = spec.scenario.arrays
            scope = [k for k in range(len(a.dimension_ids)) if not a.side[k]]
            final = np.column_stack([table[f"final_{a.dimension_ids[k]}"].to_numpy()
                                     for k in scope])
            in_force = np.where(adopted[:, None], final, a.status_quo[scope][None, :])
            values = in_force.mean(axis=1)
    return np.bincount(point, weights=values, minlength=n) / np.bincount(point, minlength=n)


def analyse(problem: dict[str, Any], method: str, x: np.ndarray, y: np.ndarray,
            seed: int) -> pd.DataFrame:
    """SALib's analysis of ``y``, as one row per parameter.

    When the metric does not vary at all over the sample, no parameter moves it:
    every index is 0 (SALib's estimators would divide by a zero variance).
    """
    import pandas as pd

    if np.ptp(y) == 0:
        keys = ("S1", "S1_conf", "ST", "ST_conf") if method == "sobol" else (
            "mu_star", "mu_star_conf", "sigma", "mu")
        return pd.DataFrame({"parameter": problem["names"],
                             **{k: np.zeros(problem["num_vars"]) for k in keys}})
    if method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=False, seed=salib_seed(seed))
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris

        si = morris.analyze(problem, x, y, seed=salib_seed(seed))
        keys = ("mu_star", "mu_star_conf", "sigma", "mu")
    # + 0.0 turns -0.0 into 0.0, so files never show "-0.000000"
    columns = {k: np.round(np.asarray(si[k], dtype=float), 6) + 0.0 for k in keys}
    return pd.DataFrame({"parameter": problem["names"], **columns})


def sensitivity(scenario: Scenario | str, params: dict[str, Any], method: str = "sobol",
                samples: int = 64, metric: str = "p_adopted", runs: int = 50, seed: int = 0,
                jobs: int | None = 1, scheduler: str | None = None,
                out: str | Path | None = None, resume: bool = False,
                progress: bool | None = False) -> SensitivityResult:
    """Global sensitivity of ``metric`` to the parameters' ranges.

    Args:
        scenario: the base scenario (or a path or bundled name).
        params: ``{path: "lo..hi"}``.
        method: ``"sobol"`` or ``"morris"``.
        samples: SALib's N (a power of 2 for Sobol').
        metric: ``"p_adopted"``, ``"mean_scope"`` or ``"mean_rounds"``.
        runs: runs per sample row.
        seed: seeds SALib's sample, its bootstrap, and every run.
        out: stream the runs to this folder (resumable), and write
            ``sensitivity.csv`` there.
    """
    from .store import SweepSpec, run_sweep

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if metric not in METRICS:
        raise ScenarioError("--metric", "", f"unknown metric {metric!r}; allowed: "
                            f"{', '.join(METRICS)}")
    problem = problem_for(params)
    x = sample(problem, method, samples, seed)
    points = [{name: round(float(v), 12) for name, v in zip(problem["names"], row, strict=True)}
              for row in x]
    spec = SweepSpec.create(scenario, {n: f"{b[0]}..{b[1]}" for n, b in
                                       zip(problem["names"], problem["bounds"], strict=True)},
                            runs=runs, seed=seed, design=f"{method} sample", samples=samples,
                            points=points,
                            extra={"sensitivity": {"method": method, "metric": metric}})
    result = run_sweep(spec, out=out, jobs=jobs, scheduler=scheduler, progress=progress,
                       resume=resume)
    y = metric_values(result, metric)
    indices = analyse(problem, method, x, y, seed)
    if out is not None:
        indices.to_csv(Path(out) / "sensitivity.csv", index=False, float_format="%.6f")
    return SensitivityResult(method, metric, indices, result, y)
