"""The result every classic bargaining model returns, and who takes part in it.

A :class:`Forecast` is a point on the scenario's [0, 1] dimensions, the model's
name, and a ``detail`` mapping of whatever the model wants to show (rounds,
exchanges, gains), kept JSON-ready so the CLI can print it and a notebook can
tabulate it. :meth:`Forecast.on_scale` turns the point back into the units the
data came in (years, euros, a 0-100 scale) when a dimension records its original
scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from ..scenario import Scenario

__all__ = ["Actors", "Forecast", "dimension_scale", "participants"]

#: Who takes part in a classic model: every actor, or the voting members only.
Actors = Literal["all", "members"]


@dataclass(frozen=True, eq=False)
class Forecast:
    """A classic model's forecast of the outcome.

    Attributes:
        model: the model's short name, e.g. ``"compromise"``.
        position: the forecast per dimension, on [0, 1] (read-only).
        detail: model-specific facts (rounds, exchanges, gains), JSON-ready.
    """

    model: str
    position: np.ndarray
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        position = np.array(self.position, dtype=float).reshape(-1)
        position.setflags(write=False)
        object.__setattr__(self, "position", position)

    def on_scale(self, scenario: Scenario) -> np.ndarray:
        """The forecast on each dimension's original scale.

        A dimension imported from data on another scale (say 4 to 10 years)
        records it as ``scale: {min: 4, max: 10}``; the forecast x on [0, 1] is then
        ``min + x * (max - min)``. Dimensions without a recorded scale are returned
        as they are.
        """
        out = self.position.copy()
        for k, dimension in enumerate(scenario.dimensions):
            bounds = dimension_scale(dimension)
            if bounds is not None:
                low, high = bounds
                out[k] = low + out[k] * (high - low)
        return out


def dimension_scale(dimension: Any) -> tuple[float, float] | None:
    """The (min, max) of a dimension's original scale, or None if it records none.

    Reads ``dimension.scale`` defensively, so that it works whether the scenario
    schema has the field or not, and whether the scale is a model with ``min`` and
    ``max`` attributes or a plain mapping.
    """
    scale = getattr(dimension, "scale", None)
    if scale is None:
        return None
    if isinstance(scale, Mapping):
        low, high = scale.get("min"), scale.get("max")
    else:
        low, high = getattr(scale, "min", None), getattr(scale, "max", None)
    if low is None or high is None:
        return None
    return float(low), float(high)


def participants(scenario: Scenario, actors: Actors = "all") -> np.ndarray:
    """Rows of :attr:`Scenario.arrays` that take part in a classic model.

    The classic models know no difference between voting and non-voting
    stakeholders: every actor counts with its capability (Bueno de Mesquita's
    stakeholders, the Commission and Parliament in Thomson et al. 2006). Give an
    actor capability 0 to leave it out, or pass ``actors="members"``.
    """
    arrays = scenario.arrays
    if actors == "all":
        return np.arange(len(arrays.actor_ids))
    if actors == "members":
        return np.arange(arrays.n_members)
    raise ValueError(f"actors must be 'all' or 'members' (got {actors!r})")
