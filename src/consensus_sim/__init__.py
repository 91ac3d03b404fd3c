"""consensus-sim: an agent-based simulator of decisions taken by consensus.

The public API is importable from here; heavy modules (mesa, scipy, matplotlib) load
only when first used, so the command line starts fast.

    >>> from consensus_sim import load_scenario, run_ensemble
    >>> result = run_ensemble(load_scenario("nato_tokyo_office"), runs=200, seed=1)
    >>> result.summary()["outcomes"]  # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

_EXPORTS = {
    "load_scenario": "scenario",
    "scenario_from_dict": "scenario",
    "bundled_scenarios": "scenario",
    "Scenario": "scenario",
    "ScenarioError": "errors",
    "NegotiationModel": "model",
    "RunResult": "model",
    "run_ensemble": "ensemble",
    "EnsembleResult": "ensemble",
}

__all__ = [
    "EnsembleResult",
    "NegotiationModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "bundled_scenarios",
    "load_scenario",
    "run_ensemble",
    "scenario_from_dict",
]

if TYPE_CHECKING:
    from .ensemble import EnsembleResult, run_ensemble
    from .errors import ScenarioError
    from .model import NegotiationModel, RunResult
    from .scenario import Scenario, bundled_scenarios, load_scenario, scenario_from_dict


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
