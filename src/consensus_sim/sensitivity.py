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

Every sample row runs with the same random streams (common random numbers, see
:mod:`.sweep`), so a parameter the model ignores gets indices of exactly 0.

Monte Carlo noise: each index comes with SALib's 95% half-width (``S1_conf``,
``ST_conf``, ``mu_star_conf``), a bootstrap over the sample rows: how much the
index would move with another sample of the same size. An index no larger than its
half-width (the interval includes 0) is flagged ``<index>_within_noise``: the
analysis cannot tell it from no effect. The half-width does not include the error
of estimating each row's metric from finitely many runs; common random numbers
reduce that error but do not remove it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .design import parameter
from .errors import ScenarioError
from .scenario import Scenario, load_scenario

if TYPE_CHECKING:
    import pandas as pd

    from .store import SweepResult

METHODS = ("sobol", "morris")
METRICS = ("p_adopted", "mean_scope", "mean_rounds")
#: Per method: SALib's indices, and those of them that come with a 95% half-width.
INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma", "mu")}
WITH_NOISE = {"sobol": ("S1", "ST"), "morris": ("mu_star",)}


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
    """SALib's sample for the method: N (k + 2) rows for Sobol', N (k + 1) for Morris;
    at most :data:`.design.MAX_POINTS` rows, each a design point."""
    from .design import MAX_POINTS

    k = len(problem["names"])
    rows = samples * (k + 2 if method == "sobol" else k + 1)
    if rows > MAX_POINTS:
        parameters = "1 parameter" if k == 1 else f"{k} parameters"
        raise ScenarioError("--samples", "", f"{samples:,} samples of {parameters} make "
                            f"{rows:,} design points; allowed: at most {MAX_POINTS:,} (each "
                            "point is validated as a whole scenario and is a row of "
                            "points.csv)")
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


def _check_ranges(scenario: Scenario, problem: dict[str, Any]) -> None:
    """Both ends of every ``--param`` range must give a valid scenario: a range that
    leaves what its field allows is refused as given, before any point is sampled."""
    import copy

    from .design import base_data, set_path
    from .scenario import scenario_from_dict

    base = base_data(scenario)
    for name, (low, high) in zip(problem["names"], problem["bounds"], strict=True):
        for end in (low, high):
            data = copy.deepcopy(base)
            set_path(data, name, end, "--param")
            try:
                scenario_from_dict(data, source=scenario.id or "scenario")
            except ScenarioError as exc:
                raise ScenarioError("--param", f"{name}={low:g}..{high:g}",
                                    f"its end {end:g} is not allowed: {exc.path}: "
                                    f"{exc.problem}; give a range inside what the field "
                                    "allows") from None


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
        from .kernel import ADOPTED_OUTCOMES

        adopted = table["outcome"].isin(ADOPTED_OUTCOMES).to_numpy()
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

    Columns: ``parameter``; then per index its value, and for those SALib gives a
    95% half-width for (see :data:`WITH_NOISE`) the half-width ``<index>_conf`` and
    ``<index>_within_noise`` (see :func:`within_noise`). Sobol': ``S1``, ``ST``;
    Morris: ``mu_star``, ``sigma``, ``mu``.

    When the metric does not vary at all over the sample, no parameter moves it:
    every index is 0 (SALib's estimators would divide by a zero variance).
    """
    import pandas as pd

    names, k = problem["names"], problem["num_vars"]
    if np.ptp(y) == 0:
        si = {key: np.zeros(k) for key in INDICES[method]}
        si.update({f"{key}_conf": np.zeros(k) for key in WITH_NOISE[method]})
    elif method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=False, seed=salib_seed(seed))
    else:
        from SALib.analyze import morris

        si = morris.analyze(problem, x, y, seed=salib_seed(seed))
    columns: dict[str, Any] = {"parameter": names}
    for key in INDICES[method]:
        # + 0.0 turns -0.0 into 0.0, so files never show "-0.000000"
        columns[key] = np.round(np.asarray(si[key], dtype=float), 6) + 0.0
        if key in WITH_NOISE[method]:
            columns[f"{key}_conf"] = np.round(np.asarray(si[f"{key}_conf"], dtype=float), 6) + 0.0
            columns[f"{key}_within_noise"] = within_noise(columns[key], columns[f"{key}_conf"])
    return pd.DataFrame(columns)


def within_noise(index: np.ndarray, half_width: np.ndarray) -> np.ndarray:
    """Whether each index is within Monte Carlo noise: ``|index| <= half_width``.

    The 95% interval ``index ± half_width`` then includes 0, so the analysis cannot
    tell the parameter's effect from none. An index or half-width that is not a
    number (SALib could not estimate it) counts as within noise too.

    >>> within_noise(np.array([0.0, 0.05, -0.02, 0.3]), np.array([0.0, 0.1, 0.01, 0.1]))
    array([ True,  True, False, False])
    """
    index, half_width = np.asarray(index, dtype=float), np.asarray(half_width, dtype=float)
    return ~(np.abs(index) > np.abs(half_width))


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
        seed: seeds SALib's sample, its bootstrap, and every run (run ``i`` of every
            sample row draws the same numbers: common random numbers).
        out: stream the runs to this folder (resumable), and write
            ``sensitivity.csv`` there (the table of :func:`analyse`).
    """
    from contextlib import nullcontext

    from .outputs import folder_lock, write_text
    from .store import SweepSpec, run_sweep

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if metric not in METRICS:
        raise ScenarioError("--metric", "", f"unknown metric {metric!r}; allowed: "
                            f"{', '.join(METRICS)}")
    problem = problem_for(params)
    _check_ranges(scenario, problem)
    x = sample(problem, method, samples, seed)
    points = [{name: round(float(v), 12) for name, v in zip(problem["names"], row, strict=True)}
              for row in x]
    spec = SweepSpec.create(scenario, {n: f"{b[0]}..{b[1]}" for n, b in
                                       zip(problem["names"], problem["bounds"], strict=True)},
                            runs=runs, seed=seed, design=f"{method} sample", samples=samples,
                            points=points,
                            extra={"sensitivity": {"method": method, "metric": metric}})
    with nullcontext() if out is None else folder_lock(out):  # one writer from here to the end
        result = run_sweep(spec, out=out, jobs=jobs, scheduler=scheduler, progress=progress,
                           resume=resume)
        y = metric_values(result, metric)
        indices = analyse(problem, method, x, y, seed)
        if out is not None:
            write_text(Path(out) / "sensitivity.csv",
                       indices.to_csv(index=False, float_format="%.6f"))
    return SensitivityResult(method, metric, indices, result, y)
