"""Backtests: the simulation, and the classic models, against decisions that happened.

A historical case is a scenario file with a ``history`` section: the real outcome
class, the text adopted, the sources, and the date its inputs were fixed
(``scenarios/history/``, and the bundled Tokyo and Nordic scenarios). For each
case :func:`score_case` runs an ensemble and reports:

- ``p_outcome``: the share of runs ending in the real outcome class;
- ``p_text``: where a text was adopted, the share of runs adopting a text that
  matches it (:func:`same_text`), whatever the class;
- ``modal`` and ``hit``: the most frequent outcome class and whether it is the real
  one (ties: the order of :data:`~.kernel.OUTCOMES`);
- ``brier``: the Brier score of the outcome shares, sum over the classes of
  (share - [class is the real one])^2, 0 (perfect) to 2;
- ``log_score``: -ln of the real class's share, smoothed as (count + 1/2) /
  (runs + K/2) (Jeffreys) over the K classes the case can end in (those its summary
  lists, :func:`.tally.shown_outcomes`, and the real one), so that a class no run
  reached scores finitely.

The classic models (:data:`.bargaining.MODELS`) forecast a text, always assuming
agreement: they give a forecast of the text where a text was adopted (``hit`` when
it matches), and none of the outcome class.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .kernel import ADOPTED_OUTCOMES, OUTCOMES
from .scenario import Scenario, bundled_scenarios, load_scenario
from .tally import nearest_labels

#: A text matches the real one when, on every dimension with labelled levels or a
#: yes/no one, both have the same nearest label (:func:`~.tally.nearest_labels`); on
#: any other dimension, when they differ by at most this.
TEXT_TOLERANCE = 0.05


def history_folder() -> Path:
    """The backtest library installed with the package (``scenarios/history``)."""
    from .scenario import scenario_folder

    return scenario_folder() / "history"


def load_cases(folder: str | Path | None = None) -> list[tuple[Path, Scenario]]:
    """The cases of a backtest, each file loaded once, in the order of their names:
    every YAML file in ``folder`` with a ``history`` section; by default the installed
    library and the bundled scenarios with one."""
    if folder is None:
        paths = [*sorted(history_folder().glob("*.y*ml")), *bundled_scenarios().values()]
    else:
        paths = sorted(Path(folder).glob("*.y*ml"))
    loaded = [(path, load_scenario(path)) for path in paths]
    return sorted([(path, s) for path, s in loaded if s.history is not None],
                  key=lambda case: case[0].stem)


def cases(folder: str | Path | None = None) -> list[Path]:
    """The case files of a backtest (see :func:`load_cases`)."""
    return [path for path, _ in load_cases(folder)]


def real_text(scenario: Scenario) -> np.ndarray | None:
    """The text really adopted, (d,), or None when none was."""
    h = scenario.history
    if h is None or h.outcome not in ADOPTED_OUTCOMES:
        return None
    if h.text is None:  # adopted as proposed
        return scenario.arrays.proposal.copy()
    return np.array([h.text[d] for d in scenario.dimension_ids], dtype=float)


def same_text(scenario: Scenario, texts: np.ndarray, real: np.ndarray) -> np.ndarray:
    """Whether each text (n, d) matches ``real`` (d,): the same nearest label on every
    dimension with labelled levels or a yes/no one (:func:`~.tally.nearest_labels`),
    within :data:`TEXT_TOLERANCE` on the others."""
    texts = np.asarray(texts, dtype=float)
    real = np.asarray(real, dtype=float)
    labels = nearest_labels(scenario, texts)
    truth = nearest_labels(scenario, real[None])
    match = np.ones(len(texts), dtype=bool)
    for k, dim in enumerate(scenario.dimensions):
        if dim.levels or dim.binary:
            match &= np.asarray(labels[k], dtype=object) == truth[k][0]
        else:
            match &= np.abs(texts[:, k] - real[k]) <= TEXT_TOLERANCE + 1e-12
    return match


@dataclass(frozen=True)
class CaseScore:
    """How one case's ensemble scores against what happened (see the module doc)."""

    case: str
    title: str
    decided: str
    real_outcome: str
    runs: int
    seed: int
    shares: dict[str, float]
    p_outcome: float
    p_text: float | None
    modal: str
    hit: bool
    brier: float
    log_score: float
    classic: dict[str, bool | None]  # per classic model: text matches (None: no text)

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else v)
                for k, v in self.__dict__.items()}


def score_case(scenario: Scenario | str | Path, runs: int = 500, seed: int = 0,
               jobs: int | None = None) -> CaseScore:
    """Run one historical case and score it (see the module doc)."""
    from .bargaining import MODELS
    from .ensemble import run_ensemble

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    h = scenario.history
    if h is None:
        raise ValueError(f"{scenario.id}: no history section; a backtest case records "
                         "what really happened")
    result = run_ensemble(scenario, runs=runs, seed=seed, jobs=jobs)
    counts = result.outcome_counts()
    shares = {name: counts[name] / runs for name in OUTCOMES}
    real = real_text(scenario)
    p_text = None
    if real is not None:
        p_text = float(np.mean(result.adopted & same_text(scenario, result.final, real)))
    modal = max(OUTCOMES, key=lambda name: (counts[name], -OUTCOMES.index(name)))
    brier = sum((shares[name] - (name == h.outcome)) ** 2 for name in OUTCOMES)
    from .tally import shown_outcomes

    classes = len({*shown_outcomes(scenario, counts), h.outcome})
    smoothed = (counts[h.outcome] + 0.5) / (runs + 0.5 * classes)
    classic: dict[str, bool | None] = {}
    for name, model in MODELS.items():
        if real is None:
            classic[name] = None
        else:
            forecast = model(scenario).position
            classic[name] = bool(same_text(scenario, np.asarray(forecast)[None], real)[0])
    return CaseScore(case=scenario.id or "", title=scenario.title, decided=h.decided,
                     real_outcome=h.outcome, runs=runs, seed=seed, shares=shares,
                     p_outcome=shares[h.outcome], p_text=p_text, modal=modal,
                     hit=modal == h.outcome, brier=float(brier),
                     log_score=float(-math.log(smoothed)), classic=classic)


@dataclass(frozen=True)
class Backtest:
    """Every case's score and their means."""

    scores: list[CaseScore]

    def summary(self) -> dict[str, Any]:
        """Means over the cases: P(real class), hits, Brier and log scores; per classic
        model, the share of its text forecasts that match (cases with a text)."""
        n = len(self.scores)
        texts = [s for s in self.scores if s.p_text is not None]
        classic = {}
        for name in (self.scores[0].classic if self.scores else {}):
            forecasts = [s.classic[name] for s in texts]
            classic[name] = round(sum(forecasts) / len(forecasts), 6) if forecasts else None
        return {
            "cases": n,
            "mean_p_outcome": round(float(np.mean([s.p_outcome for s in self.scores])), 6),
            "hits": sum(s.hit for s in self.scores),
            "mean_brier": round(float(np.mean([s.brier for s in self.scores])), 6),
            "mean_log_score": round(float(np.mean([s.log_score for s in self.scores])), 6),
            "cases_with_text": len(texts),
            "mean_p_text": round(float(np.mean([s.p_text for s in texts])), 6) if texts
            else None,
            "classic_text_hits": classic,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "cases": [s.to_dict() for s in self.scores]}

    def table(self):
        """One row per case (a pandas DataFrame)."""
        import pandas as pd

        rows = [{"case": s.case, "decided": s.decided, "real": s.real_outcome,
                 "p_real": s.p_outcome, "p_text": s.p_text, "modal": s.modal,
                 "hit": s.hit, "brier": s.brier, "log_score": s.log_score,
                 **{f"{m}_text": hit for m, hit in s.classic.items()}} for s in self.scores]
        return pd.DataFrame(rows)


def backtest(folder: str | Path | None = None, runs: int = 500, seed: int = 0,
             jobs: int | None = None,
             scenarios: Iterable[Scenario | str | Path] | None = None) -> Backtest:
    """Score every case of ``folder`` (see :func:`load_cases`), or the ``scenarios``
    given (loaded already, or files), with the same runs and seed."""
    if scenarios is None:
        scenarios = [s for _, s in load_cases(folder)]
    scenarios = list(scenarios)
    if not scenarios:
        raise ValueError(f"no scenario with a history section in {folder}")
    return Backtest([score_case(s, runs=runs, seed=seed, jobs=jobs) for s in scenarios])


def backtest_chart(result: Backtest):
    """Per case, the share of runs in the real outcome class (bars) and, where a text
    was adopted, in the real text (diamonds); the modal class is named under each."""
    from .plots import OUTCOME_COLOURS, _axes, _style, _title

    scores = result.scores
    width = max(7.0, 1.1 * len(scores) + 3.0)
    with _style():
        fig, ax = _axes(None, (width, 5.5))
        x = np.arange(len(scores))
        ax.bar(x, [100 * s.p_outcome for s in scores], width=0.6,
               color=[OUTCOME_COLOURS[s.real_outcome] for s in scores],
               label="runs in the real outcome class")
        texts = [(i, s.p_text) for i, s in enumerate(scores) if s.p_text is not None]
        if texts:
            ax.scatter([i for i, _ in texts], [100 * p for _, p in texts], marker="D",
                       color="black", zorder=3, label="runs adopting the real text")
        ax.set_xticks(x, [f"{s.case}\nreal: {s.real_outcome}\nmodal: {s.modal}"
                          for s in scores], rotation=0, fontsize=8)
        ax.set_ylim(0, 105)
        ax.set_ylabel("Share of runs (%)")
        ax.legend(loc="upper right", frameon=False)
        ax.grid(axis="y", color="#dddddd")
        summary = result.summary()
        _title(ax, "Backtest: the simulation against real decisions",
               f"{summary['cases']} cases, {scores[0].runs:,} runs each; mean Brier "
               f"{summary['mean_brier']:.2f}; modal class right in {summary['hits']} of "
               f"{summary['cases']}", width=int(7 * width))
    return fig
