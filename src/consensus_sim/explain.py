"""Inference from an observed outcome: which inputs must have been what for it?

An ensemble records each run's drawn inputs (``drawn.parquet``) and its outcome
(``runs.csv``). Keeping only the runs that show what was observed (``outcome=
postponed``, ``final.office=ITPP facilitation only``) is exact rejection sampling:
the kept runs' drawn inputs are a sample of each input's posterior given the
observation, under the scenario's declared distributions (the prior). No new run
is needed, so the ensemble can be simulated once, large, and explained many times
(from a results folder).

Observations are discrete, so rejection is exact: an outcome class, or the level
label nearest a run's final text on a dimension (the runs table's ``label_<dim>``;
on a yes/no dimension without labels, ``as proposed`` or ``status quo (dropped)``).
On any other dimension without labelled levels, a number is matched within
:data:`WINDOW` (rejection with a uniform window: approximate, and the only
approximation here). A sequential
simulation-based-inference library (pyabc, say) would spend fewer runs on
continuous observations; it is not used because every observation this command
takes is discrete or windowed, and the recorded runs already hold the sample.

Each input is ranked by how much the observation informs it: the
Kolmogorov-Smirnov distance between its posterior and prior samples (the largest
gap between the two cumulative distributions, 0 to 1). An input the observation
does not inform still shows some distance, as any subset of the runs would: an
input is marked ``within_noise`` when its distance is below the 95% point of the
distance of a random subset of the same size, 1.358 * sqrt((N - k) / (N k)) for k
kept runs of N (the Kolmogorov distribution's 95% point, for sampling without
replacement).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ScenarioError
from .kernel import ADOPTED_OUTCOMES, OUTCOMES
from .outcomes import BINARY_LABELS
from .tally import nearest_labels

if TYPE_CHECKING:
    import pandas as pd

    from .scenario import Scenario

#: A number observed on a dimension without labelled levels matches a run's final
#: value within this distance.
WINDOW = 0.05


@dataclass(frozen=True)
class Explanation:
    """Posteriors of the uncertain inputs given an observation."""

    scenario: Scenario
    given: dict[str, str]
    runs: int
    kept: int  # runs that show the observation
    table: pd.DataFrame  # one row per input, most informed first
    prior: pd.DataFrame  # drawn inputs of every run
    posterior: pd.DataFrame  # drawn inputs of the kept runs
    noise: float  # the KS distance a random subset of `kept` runs stays below 95% of the time

    @property
    def p_observation(self) -> float:
        return self.kept / self.runs

    def to_dict(self) -> dict[str, Any]:
        rows = self.table.to_dict(orient="records")
        return {"scenario": self.scenario.id, "given": self.given, "runs": self.runs,
                "kept": self.kept, "p_observation": round(self.p_observation, 6),
                "inputs": [{k: (round(v, 6) if isinstance(v, float) else v)
                            for k, v in row.items()} for row in rows]}


def parse_given(scenario: Scenario, items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``KEY=VALUE`` observations, checked: ``outcome=<class>`` (or ``adopted_any``)
    and ``final.<dimension>=<level label or number>``."""
    given: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ScenarioError("--given", item, "expected KEY=VALUE, e.g. outcome=withdrawn "
                                "or final.<dimension>=<level label>")
        if key == "outcome":
            if value not in (*OUTCOMES, "adopted_any"):
                raise ScenarioError("--given", item, f"unknown outcome {value!r}; allowed: "
                                    f"{', '.join((*OUTCOMES, 'adopted_any'))}")
        elif key.startswith("final."):
            dim = key.removeprefix("final.")
            if dim not in scenario.dimension_ids:
                raise ScenarioError("--given", item, f"unknown dimension {dim!r}; allowed: "
                                    f"{', '.join(scenario.dimension_ids)}")
            _final_match(scenario, dim, value, item)
        else:
            raise ScenarioError("--given", item, "unknown observation; allowed: outcome=..., "
                                "final.<dimension>=...")
        if key in given:
            raise ScenarioError("--given", item, f"{key} is given twice; allowed: once")
        given[key] = value
    if not given:
        raise ScenarioError("--given", "", "nothing observed; give at least one KEY=VALUE")
    return given


def _final_match(scenario: Scenario, dim: str, value: str, item: str):
    """A function of a runs table -> which runs' final text on ``dim`` matches ``value``.

    On a dimension with labelled levels, or a yes/no one, ``value`` is one of the
    labels :func:`~.tally.nearest_labels` gives (the runs table's ``label_<dim>``); on
    any other, a number matched within :data:`WINDOW`."""
    spec = scenario.dimensions[scenario.dimension_ids.index(dim)]
    labels = _labels(spec)
    if labels:
        if value not in labels:
            raise ScenarioError("--given", item, f"unknown level {value!r} of {dim}; allowed: "
                                f"{', '.join(repr(x) for x in labels)}")
        return lambda runs: _run_labels(scenario, runs, dim) == value
    try:
        number = float(value)
    except ValueError:
        raise ScenarioError("--given", item, f"{dim} has no labelled levels; allowed: a "
                            "number in [0, 1]") from None
    if not 0.0 <= number <= 1.0:
        raise ScenarioError("--given", item, f"{number} is off the scale; allowed: 0 to 1")
    return lambda runs: np.abs(runs[f"final_{dim}"].to_numpy(dtype=float) - number) \
        <= WINDOW + 1e-12


def _labels(spec) -> tuple[str, ...]:
    """The labels :func:`~.tally.nearest_labels` can give a dimension's final text;
    none for a continuous dimension without labelled levels."""
    if spec.levels:
        return tuple(lv.label for lv in spec.levels)
    return BINARY_LABELS if spec.binary else ()


def _run_labels(scenario: Scenario, runs: pd.DataFrame, dim: str) -> np.ndarray:
    """Each run's ``label_<dim>`` (computed from the final texts where the table has
    no such column)."""
    column = f"label_{dim}"
    if column in runs.columns:
        return runs[column].astype(str).to_numpy()
    final = np.column_stack([runs[f"final_{d}"].to_numpy(dtype=float)
                             for d in scenario.dimension_ids])
    return np.array(nearest_labels(scenario, final)[scenario.dimension_ids.index(dim)])


def kept_runs(scenario: Scenario, runs: pd.DataFrame, given: dict[str, str]) -> np.ndarray:
    """Which runs (rows of a runs table) show every observation, (n,) bool."""
    keep = np.ones(len(runs), dtype=bool)
    for key, value in given.items():
        if key == "outcome":
            outcome = runs["outcome"].to_numpy()
            keep &= (np.isin(outcome, ADOPTED_OUTCOMES) if value == "adopted_any"
                     else outcome == value)
        else:
            dim = key.removeprefix("final.")
            keep &= _final_match(scenario, dim, value, f"{key}={value}")(runs)
    return keep


def explain(scenario: Scenario, runs: pd.DataFrame, drawn: pd.DataFrame,
            given: dict[str, str]) -> Explanation:
    """Posteriors of every uncertain input given ``given``, from an ensemble's runs
    table and drawn-inputs table (rows in the same run order)."""
    import pandas as pd
    from scipy.stats import ks_2samp

    inputs = [c for c in drawn.columns if c != "run"]
    if not inputs:
        raise ScenarioError("uncertainty", "", "nothing is declared uncertain, so there is "
                            "nothing to infer; allowed: a scenario with uncertain inputs")
    keep = kept_runs(scenario, runs, given)
    kept = int(keep.sum())
    shown = ", ".join(f"{k}={v}" for k, v in given.items())
    if kept == 0:
        raise ScenarioError("--given", shown, f"no run of {len(runs):,} shows this; allowed: "
                            "an observation some run shows (try more runs)")
    noise = noise_distance(len(runs), kept)
    rows = []
    for name in inputs:
        prior = drawn[name].to_numpy(dtype=float)
        post = prior[keep]
        distance = float(ks_2samp(post, prior).statistic) if kept < len(prior) else 0.0
        spread = prior.std()
        rows.append({"input": name, "prior_mean": float(prior.mean()),
                     "prior_sd": float(spread), "posterior_mean": float(post.mean()),
                     "posterior_sd": float(post.std()),
                     "shift_in_sd": float((post.mean() - prior.mean()) / spread)
                     if spread > 0 else 0.0,
                     "ks_distance": distance, "within_noise": distance < noise})
    table = pd.DataFrame(rows).sort_values(["ks_distance", "input"], ascending=[False, True],
                                           kind="stable").reset_index(drop=True)
    return Explanation(scenario, dict(given), len(runs), kept, table,
                       drawn[inputs], drawn.loc[keep, inputs], noise)


def noise_distance(runs: int, kept: int) -> float:
    """The 95% point of the Kolmogorov-Smirnov distance between a random subset of
    ``kept`` of ``runs`` draws and all of them (see the module doc)."""
    if kept >= runs:
        return 0.0
    return 1.358 * float(np.sqrt((runs - kept) / (runs * kept)))


def explain_ensemble(scenario: Scenario, given: dict[str, str], runs: int = 2000,
                     seed: int = 0, jobs: int | None = None) -> Explanation:
    """Run an ensemble and explain ``given`` from it."""
    from .ensemble import run_ensemble

    result = run_ensemble(scenario, runs=runs, seed=seed, jobs=jobs)
    return explain(scenario, result.runs_table(), result.drawn_table(), given)


def explain_folder(folder: str | Path, given_items: list[str]) -> Explanation:
    """Explain an observation from the results folder of ``consensus-sim run``
    (``runs.csv``, ``drawn.parquet`` and the scenario it records)."""
    import pandas as pd

    from .scenario import scenario_from_dict
    from .store import MANIFEST, read_manifest

    folder = Path(folder)
    missing = [f for f in ("runs.csv", MANIFEST) if not (folder / f).exists()]
    if missing:
        raise ScenarioError(str(folder), "", f"not a results folder of `consensus-sim run`: "
                            f"{', '.join(missing)} missing")
    manifest = read_manifest(folder)
    if not isinstance(manifest, dict) or manifest.get("kind") != "run" \
            or not isinstance(manifest.get("scenario_content"), dict):
        raise ScenarioError(str(folder / MANIFEST), "kind", "not the manifest of "
                            "`consensus-sim run`; allowed: a folder `run` wrote")
    scenario = scenario_from_dict(manifest["scenario_content"], source=str(folder / MANIFEST))
    given = parse_given(scenario, given_items)
    runs = pd.read_csv(folder / "runs.csv", keep_default_na=False,
                       dtype={f"label_{d}": str for d in scenario.dimension_ids})
    if (folder / "drawn.parquet").exists():
        drawn = pd.read_parquet(folder / "drawn.parquet")
    elif not scenario.uncertain:  # `run` writes no drawn inputs: explain() says why
        drawn = pd.DataFrame({"run": runs["run"]})
    else:
        raise ScenarioError(str(folder), "", "not a complete results folder of "
                            "`consensus-sim run`: drawn.parquet missing")
    return explain(scenario, runs, drawn, given)


def explain_chart(result: Explanation, top: int = 6):
    """Prior and posterior of the ``top`` most informed inputs, one panel each.

    A panel is titled with its input in words, the actor named
    (``actors.FRA.position.office`` is "France: position on office"); long names and
    titles are shortened or wrapped to fit the figure."""
    from matplotlib.figure import Figure

    from .plots import _parameter_label, _style, _wrap

    names = result.table["input"].tolist()[:top]
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    with _style():
        fig = Figure(figsize=(4.2 * cols, 3.2 * rows + 0.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
        for ax, name in zip(axes, names, strict=False):
            prior = result.prior[name].to_numpy()
            post = result.posterior[name].to_numpy()
            bins = np.histogram_bin_edges(prior, bins=20)
            ax.hist(prior, bins=bins, density=True, color="#cccccc", label="prior")
            ax.hist(post, bins=bins, density=True, histtype="step", linewidth=2,
                    color="#0072B2", label="given the observation")
            distance = result.table.set_index("input").loc[name, "ks_distance"]
            ax.set_title(f"{_parameter_label(result.scenario, name, 50)}\n"
                         f"KS distance {distance:.2f}", fontsize=9, loc="left")
            ax.set_yticks([])
        for ax in axes[len(names):]:
            ax.set_visible(False)
        axes[0].legend(fontsize=8, frameon=False)
        shown = ", ".join(f"{k} = {v}" for k, v in result.given.items())
        width = int(10 * 4.2 * cols)  # characters: about ten an inch at 11 pt
        fig.suptitle(_wrap(result.scenario.title, width) + "\n" + textwrap.fill(
            f"given {shown} ({result.kept:,} of {result.runs:,} runs, "
            f"{100 * result.p_observation:.1f}%)", width), fontsize=11)
    return fig
