"""The classic bargaining models beside the simulation, for one scenario.

:func:`predict` runs every model of :data:`consensus_sim.bargaining.MODELS` and an
ensemble of the agent-based model, and returns one table: a row per model, a
column per dimension, every number on the dimension's original scale (see
``dimensions[].scale``). The simulation contributes two rows: the *modal adopted
text* (the most frequent final text, to two decimals of the [0, 1] scale, among
runs that adopted one) and the *mean adopted text*; its share of runs adopting
anything is reported beside them, since the classic models always forecast an
outcome and the simulation need not. The expected-utility model iterates rounds; its
weighted median and mean of every round come with the JSON
(:meth:`Prediction.expected_utility_rounds`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .scenario import Scenario, load_scenario

if TYPE_CHECKING:
    import pandas as pd

    from .bargaining import Forecast
    from .ensemble import EnsembleResult


@dataclass(frozen=True, eq=False)
class Prediction:
    """Every model's forecast and the simulation's, per dimension."""

    scenario: Scenario
    table: pd.DataFrame  # rows: models; columns: "model", then one per dimension
    p_adopted: float
    ensemble: EnsembleResult
    forecasts: dict[str, Forecast] = field(default_factory=dict)  # by model name

    def to_dict(self) -> dict[str, Any]:
        rows = self.table.to_dict(orient="records")
        return {
            "scenario": self.scenario.id,
            "runs": self.ensemble.runs,
            "seed": self.ensemble.seed,
            "p_adopted_any": round(self.p_adopted, 6),
            "forecasts": [{k: (None if isinstance(v, float) and np.isnan(v) else v)
                           for k, v in row.items()} for row in rows],
            "expected_utility_rounds": self.expected_utility_rounds(),
        }

    def expected_utility_rounds(self) -> dict[str, dict[str, list[float]]]:
        """The expected-utility model's capability x salience weighted median and mean
        of every round (round 0 is the input), per dimension, on its original scale."""
        from .bargaining import dimension_scale

        if "expected_utility" not in self.forecasts:
            return {}
        detail = self.forecasts["expected_utility"].detail
        rounds = {}
        for dimension in self.scenario.dimensions:
            low, high = dimension_scale(dimension) or (0.0, 1.0)
            rounds[dimension.id] = {
                series: [low + value * (high - low) for value in detail[series][dimension.id]]
                for series in ("median", "mean")}
        return rounds


def predict(scenario: Scenario | str, runs: int = 500, seed: int = 0,
            jobs: int | None = None, compat: str | None = None) -> Prediction:
    """Forecasts of every classic model beside the simulation's (see the module doc).

    ``compat="decide"`` runs the exchange model as the DECIDE software does
    (:func:`~consensus_sim.bargaining.exchange`).
    """
    import pandas as pd

    from .bargaining import MODELS
    from .ensemble import run_ensemble

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    dims = scenario.dimension_ids
    rows = []
    forecasts: dict[str, Forecast] = {}
    for name, model in MODELS.items():
        forecast = model(scenario, compat=compat) if name == "exchange" else model(scenario)
        forecasts[name] = forecast
        rows.append({"model": name, **dict(zip(dims, map(float, forecast.on_scale(scenario)),
                                               strict=True))})
    ensemble = run_ensemble(scenario, runs=runs, seed=seed, jobs=jobs)
    adopted = ensemble.final[ensemble.adopted]
    modal = np.full(len(dims), np.nan)
    mean = np.full(len(dims), np.nan)
    if len(adopted):
        mean = adopted.mean(axis=0)
        for k in range(len(dims)):
            counts = Counter(np.round(adopted[:, k], 2).tolist())
            modal[k] = min(counts, key=lambda v: (-counts[v], v))
    for name, values in (("simulation (modal adopted)", modal),
                         ("simulation (mean adopted)", mean)):
        rows.append({"model": name, **dict(zip(dims, map(float, _on_scale(scenario, values)),
                                               strict=True))})
    return Prediction(scenario, pd.DataFrame(rows), float(ensemble.adopted.mean()), ensemble,
                      forecasts)


def _on_scale(scenario: Scenario, values: np.ndarray) -> np.ndarray:
    from .bargaining import Forecast

    return Forecast("simulation", values).on_scale(scenario)
