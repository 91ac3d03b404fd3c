"""Classic bargaining models, computed beside the simulation for the same scenario.

Each model is a function ``f(scenario) -> Forecast`` (keyword options aside):

- ``median``: the capability x salience weighted median voter (Black 1948);
- ``compromise``: Achen's capability x salience weighted mean (Achen 2006);
- ``nash``: the Nash bargaining solution (Nash 1950);
- ``expected_utility``: Bueno de Mesquita's expected-utility model, in its own
  module, :mod:`consensus_sim.bargaining.expected_utility`;
- ``exchange``: Stokman's exchange model, Equal Gain solution (Stokman & Van Oosten
  1994).

:data:`MODELS` maps these short names to the functions, in this order, so that a
table or chart lists the models the same way every time. See ``docs/bargaining.md``.

    >>> from consensus_sim import load_scenario
    >>> from consensus_sim.bargaining import MODELS
    >>> scenario = load_scenario("eu_emissions_1994")
    >>> round(float(MODELS["compromise"](scenario).on_scale(scenario)[0]), 2)  # doctest: +SKIP
    7.39
"""

from __future__ import annotations

from collections.abc import Callable

from .compromise import compromise, weighted_mean
from .exchange import exchange
from .forecast import Forecast, dimension_scale, participants
from .median import median_voter, weighted_median
from .nash import nash_bargaining

__all__ = [
    "MODELS",
    "Forecast",
    "compromise",
    "dimension_scale",
    "exchange",
    "median_voter",
    "nash_bargaining",
    "participants",
    "weighted_mean",
    "weighted_median",
]


def _expected_utility(scenario, **options) -> Forecast:
    """Bueno de Mesquita's expected-utility model with its defaults.

    Imported when first called, so the package imports even while that module is
    being written, and its cost is paid only by those who use it.
    """
    from .expected_utility import forecast

    return forecast(scenario, **options)


#: The classic models by short name, in a stable order.
MODELS: dict[str, Callable[..., Forecast]] = {
    "median": median_voter,
    "compromise": compromise,
    "nash": nash_bargaining,
    "expected_utility": _expected_utility,
    "exchange": exchange,
}
