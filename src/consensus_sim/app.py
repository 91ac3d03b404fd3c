"""The live classroom dashboard: play a negotiation round by round and change who
cares about what.

The page shows one negotiation (a :class:`~.model.NegotiationModel`) of a chosen
scenario: the proposal's scope in the current round, how every member responds,
and the outcome once the run is over. The class can change a member's position or
salience on a dimension, the decision rule and the agenda setter's concession
strategy; every change builds a new, validated scenario (:func:`.sweep.with_values`)
and restarts the run. "Run ensemble" plays the edited scenario
:data:`ENSEMBLE_RUNS` times and charts how often each outcome occurred.

Start it with ``consensus-sim dashboard [SCENARIO]`` or :func:`serve`; for
development, ``solara run consensus_sim.app`` (the scenario shown first comes from
the environment variable :data:`SCENARIO_ENV`). See ``docs/dashboard.md``.

The logic lives in :class:`Dashboard`, a plain object with no Solara in it, so it
can be read and tested on its own; the components below only draw it and forward
clicks to it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import solara

from .errors import ScenarioError
from .scenario import Scenario, bundled_scenarios, load_scenario
from .sweep import with_values

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .ensemble import EnsembleResult
    from .model import NegotiationModel

__all__ = ["DEFAULT_SCENARIO", "ENSEMBLE_RUNS", "SCENARIO_ENV", "Dashboard", "Page", "serve"]

#: Environment variable naming the scenario the page shows first (a bundled name or
#: a path to a YAML file); :func:`serve` sets it.
SCENARIO_ENV = "CONSENSUS_SIM_SCENARIO"
#: The scenario shown when :data:`SCENARIO_ENV` is not set.
DEFAULT_SCENARIO = "nato_tokyo_office"
#: Runs of one "Run ensemble" click: 200 runs of the Tokyo case take about 0.1 s.
ENSEMBLE_RUNS = 200
#: Decision rules that need nothing but their type, so any scenario can switch to them.
SIMPLE_RULES = ("consensus", "silence", "unanimity", "majority")
#: The agenda setter's concession strategies (see :func:`.kernel.amend`).
CONCESSIONS = ("minimal", "split", "ladder")
#: How each outcome reads on the page.
OUTCOME_TEXT = {
    "adopted": "adopted as proposed",
    "adopted_amended": "adopted with a scope change",
    "adopted_paid": "adopted as proposed, with side payments",
    "withdrawn": "withdrawn by the agenda setter",
    "deadlocked": "deadlocked (no rounds left)",
    "postponed": "postponed to a later meeting",
}
#: Response chips: symbol and Okabe–Ito colour, so the grid reads without colour too.
RESPONSE_LOOK = {
    "support": ("✓", "#009E73", "white"),
    "abstain": ("–", "#F0E442", "black"),
    "object": ("✗", "#D55E00", "white"),
    "": ("·", "#E0E0E0", "#555555"),
}


# ----------------------------------------------------------------------- state


class Dashboard:
    """What one browser tab is doing: a scenario, the class's edits to it, the run
    being stepped through and the last ensemble.

    Every edit is checked by building the whole edited scenario; an edit that makes
    it invalid raises :class:`~.errors.ScenarioError` and changes nothing.

    Args:
        scenario: a bundled scenario's name or a path to a scenario file.
        seed: seed of the stepped run and of the ensemble.
    """

    def __init__(self, scenario: str, seed: int = 0) -> None:
        self.seed = seed
        self.ensemble: EnsembleResult | None = None
        #: Bumped whenever the scenario or the ensemble changes, so the page knows
        #: when to redraw its charts.
        self.version = 0
        self.choose_scenario(scenario)

    # -- edits ------------------------------------------------------------

    def choose_scenario(self, name: str) -> None:
        """Show another scenario, as written (edits are dropped)."""
        base = load_scenario(name)
        self.name = name
        self.base = base
        self.edits: dict[str, Any] = {}
        self._apply(base)

    def edit(self, path: str, value: Any) -> None:
        """Set one field of the scenario (``actors.FRA.salience.office``,
        ``proposal.concession``, ``rule``) and restart the run.

        Raises:
            ScenarioError: the edited scenario is not valid; nothing changes.
        """
        edits = {**self.edits, path: value}
        self._apply(with_values(self.base, edits, source="dashboard"))
        self.edits = edits

    def set_member_value(self, actor_id: str, field: str, dimension: str, value: float) -> None:
        """Set a member's ``position`` or ``salience`` on a dimension."""
        self.edit(f"actors.{actor_id}.{field}.{dimension}", round(float(value), 4))

    def set_rule(self, rule_type: str) -> None:
        """Decide by another rule. Going back to the scenario's own rule restores its
        settings (a veto list, weights); any other rule starts from its defaults."""
        if rule_type == self.base.rule.type:
            self.edit("rule", self.base.rule.model_dump(mode="json"))
        else:
            self.edit("rule", {"type": rule_type})

    def set_concession(self, strategy: str) -> None:
        self.edit("proposal.concession", strategy)

    def set_postponement(self, share: float) -> None:
        """What keeping the proposal alive for a later meeting is worth to the setter
        (0: it never postpones)."""
        self.edit("proposal.postponement", round(float(share), 4))

    def set_seed(self, seed: int | None) -> None:
        """Use another seed for the stepped run and the ensemble; restarts the run."""
        if seed is None or seed < 0:
            raise ValueError(f"seed: {seed} is not allowed; give a whole number 0 or more")
        self.seed = int(seed)
        self._apply(self.scenario)

    def undo_edits(self) -> None:
        """Back to the scenario as written."""
        self.edits = {}
        self._apply(self.base)

    def _apply(self, scenario: Scenario) -> None:
        """Make ``scenario`` the current one: a new run from round 0, no ensemble yet."""
        from .kernel import run_generator
        from .model import NegotiationModel

        # the stepped run is run 0 of the ensemble with the same seed
        model = NegotiationModel(scenario, rng=run_generator(self.seed, 0))
        self.scenario = scenario
        self._arrays = scenario.arrays
        self.model: NegotiationModel = model
        self.ensemble = None
        self.version += 1

    # -- the run ----------------------------------------------------------

    def step(self) -> None:
        """Play one round (nothing when the run is over)."""
        if self.model.running:
            self.model.step()

    def run_to_end(self) -> None:
        self.model.run()

    def reset(self) -> None:
        """Start the run again from round 0, keeping the edits (and the ensemble)."""
        from .kernel import run_generator
        from .model import NegotiationModel

        self.model = NegotiationModel(self.scenario, rng=run_generator(self.seed, 0))

    def run_ensemble(self, runs: int = ENSEMBLE_RUNS) -> EnsembleResult:
        """Play the scenario ``runs`` times from :attr:`seed` (in this process)."""
        from .ensemble import run_ensemble

        self.ensemble = run_ensemble(self.scenario, runs, self.seed, jobs=1)
        self.version += 1
        return self.ensemble

    # -- reading ----------------------------------------------------------

    @property
    def over(self) -> bool:
        return not self.model.running

    def status(self) -> str:
        """One line: the round, and how it went or how the run ended."""
        m, last = self.model, self.scenario.max_rounds
        if m.round == 0:
            return (f"Round 0 of {last}: nothing voted yet. "
                    "Press “Step one round”.")
        if self.over:
            return f"Over after round {m.round}: {OUTCOME_TEXT.get(m.outcome, m.outcome)}."
        counts = {name: sum(member.response == name for member in m.members)
                  for name in ("object", "abstain", "support")}
        costliest = self.scenario.actor(m.costliest_blocker)
        return (f"Round {m.round} of {last}: blocked "
                f"({counts['object']} object, {counts['abstain']} abstain, "
                f"{counts['support']} support); the agenda setter tables a new text. "
                f"The blocker most costly to win over: {costliest.label}.")

    def scope_rows(self) -> list[dict[str, str]]:
        """The proposal per dimension: what was voted on this round and what is on
        the table now, each with the label of its nearest level."""
        s, m = self.scenario, self.model
        voted = m.result().proposals[-1] if m.round else None
        rows = []
        for k, dim in enumerate(s.dimensions):
            row = {"dimension": dim.name or dim.id, "id": dim.id,
                   "status_quo": _point(s, k, float(s.arrays.status_quo[k]))}
            row["voted"] = "—" if voted is None else _point(s, k, float(voted[k]))
            if self.over and not m.outcome.startswith("adopted"):
                row["now"] = "no agreement: the status quo stays"
            elif self.over:
                row["now"] = f"adopted: {row['voted']}"
            else:
                row["now"] = _point(s, k, float(m.proposal[k]))
            if dim.side:
                row["dimension"] += " (side payment)"
            rows.append(row)
        return rows

    def responses(self) -> list[tuple[str, str, str]]:
        """Each member's (id, name, response) this round; response '' before round 1."""
        return [(member.actor_id, member.name or member.actor_id, member.response)
                for member in self.model.members]

    def member_value(self, actor_id: str, field: str, dimension: str) -> float:
        """A member's ``position`` or ``salience`` on a dimension in the edited scenario
        (through its group and the defaults, before any run's noise)."""
        a = self._arrays
        table = a.position if field == "position" else a.salience
        k = self.scenario.dimension_ids.index(dimension)
        return float(table[a.actor_ids.index(actor_id), k])

    def rule_choices(self) -> list[str]:
        """The rules any scenario can switch to, plus this scenario's own."""
        own = self.base.rule.type
        return [*SIMPLE_RULES, own] if own not in SIMPLE_RULES else list(SIMPLE_RULES)


def _point(s: Scenario, k: int, value: float) -> str:
    label = s.level_label(k, value)
    return f"{value:.2f}" if label == f"{value:.2f}" else f"{value:.2f} · {label}"


def first_scenario() -> str:
    """The scenario the page shows first: :data:`SCENARIO_ENV`, else the default."""
    return os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


def _charts(dashboard: Dashboard) -> dict[str, tuple[str, Figure]]:
    """The charts to show, by CSS name: (card title, figure)."""
    from .plots import outcome_chart, position_map, trajectory_chart

    s, result = dashboard.scenario, dashboard.ensemble
    charts = {}
    if result is not None:
        scope = next(k for k, dim in enumerate(s.dimensions) if not dim.side)
        charts["outcomes"] = ("Outcomes of the ensemble", outcome_chart(result))
        charts["trajectory"] = (f"Scope round by round: {s.dimensions[scope].id}",
                                trajectory_chart(result, scope))
    charts["positions"] = ("Where the members stand", position_map(s, result))
    return charts


def _describe(s: Scenario) -> str:
    """One line under the title: who decides, how, for how long."""
    setter = s.actor(s.proposal.agenda_setter)
    return (f"{len(s.members)} members decide by {s.rule.type.replace('_', ' ')} within "
            f"{s.max_rounds} rounds; {setter.name or setter.id} tables the proposal.")


# ------------------------------------------------------------------ components

_CSS = """
.cs-chips { display: grid; grid-template-columns: repeat(auto-fill, minmax(92px, 1fr));
            gap: 6px; }
.cs-chip { border-radius: 14px; padding: 3px 10px; font-size: 15px; font-weight: 600;
           white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.cs-status { font-size: 20px; font-weight: 600; }
.cs-scope table { border-collapse: collapse; font-size: 16px; width: 100%; }
.cs-scope td, .cs-scope th { border-bottom: 1px solid #ddd; padding: 4px 10px;
                             text-align: left; }
.cs-chart img { max-width: 100%; height: auto; }
.cs-legend { font-size: 14px; color: #444; }
"""


@solara.component
def Controls(dashboard: Dashboard, tick: int, act: Callable[..., None]) -> None:
    """The left-hand column: scenario, member edits, rule, strategy, seed.

    ``dashboard`` changes in place; ``tick`` (bumped by every action) tells the
    component it did. ``act(method, *args)`` runs a dashboard method for a control.
    """
    s = dashboard.scenario
    names = list(bundled_scenarios())
    if dashboard.name not in names:
        names.append(dashboard.name)
    members = {f"{a.name or a.id} ({a.id})": a.id for a in s.members}
    member_label, set_member_label = solara.use_state(next(iter(members)))
    if member_label not in members:  # another scenario: start from its first member
        member_label = next(iter(members))
    dimension, set_dimension = solara.use_state(s.dimension_ids[0])
    if dimension not in s.dimension_ids:
        dimension = s.dimension_ids[0]
    actor_id = members[member_label]
    k = s.dimension_ids.index(dimension)

    with solara.Card("Scenario", margin=0):
        solara.Select("Scenario", values=names, value=dashboard.name,
                      on_value=lambda name: act(dashboard.choose_scenario, name),
                      classes=["cs-scenario"])
    with solara.Card("Change a member", margin=0):
        solara.Select("Member", values=list(members), value=member_label,
                      on_value=set_member_label, classes=["cs-member"])
        solara.Select("Dimension", values=s.dimension_ids, value=dimension,
                      on_value=set_dimension, classes=["cs-dimension"])
        for key, legend in (
                ("position", lambda v: f"ideal point {v:.2f} · {s.level_label(k, v)}"),
                ("salience", lambda v: f"cares {v:.2f} (0 = not at all, 1 = most)")):
            value = dashboard.member_value(actor_id, key, dimension)
            with solara.Div(classes=[f"cs-{key}"]):
                solara.SliderFloat(key.capitalize(), value=value, min=0.0, max=1.0, step=0.01,
                                   on_value=lambda v, key=key: act(
                                       dashboard.set_member_value, actor_id, key, dimension, v))
                solara.Text(legend(value), classes=["cs-legend"])
    with solara.Card("Rules of the game", margin=0):
        solara.Select("Decision rule", values=dashboard.rule_choices(), value=s.rule.type,
                      on_value=lambda rule: act(dashboard.set_rule, rule), classes=["cs-rule"])
        solara.Select("Concession strategy", values=list(CONCESSIONS),
                      value=s.proposal.concession,
                      on_value=lambda c: act(dashboard.set_concession, c),
                      classes=["cs-concession"])
        with solara.Div(classes=["cs-postponement"]):
            solara.SliderFloat("Postponement", value=s.proposal.postponement, min=0.0,
                               max=1.0, step=0.05,
                               on_value=lambda share: act(dashboard.set_postponement, share))
            solara.Text("what keeping the proposal alive for a later meeting is worth to "
                        "the setter (share of its gain; 0 = never postpones)",
                        classes=["cs-legend"])
        solara.InputInt("Seed", value=dashboard.seed,
                        on_value=lambda seed: act(dashboard.set_seed, seed), classes=["cs-seed"])
        if dashboard.edits:
            edited = ", ".join(f"{path} = {_shown(value)}"
                               for path, value in dashboard.edits.items())
            solara.Text(f"Edited: {edited}", classes=["cs-legend", "cs-edits"])
            solara.Button("Undo all edits", on_click=lambda: act(dashboard.undo_edits),
                          text=True, classes=["cs-undo"])


def _shown(value: Any) -> str:
    return value["type"] if isinstance(value, dict) and "type" in value else str(value)


@solara.component
def RunView(dashboard: Dashboard, tick: int, act: Callable[..., None]) -> None:
    """The right-hand column: buttons, round and outcome, scope, responses, charts."""
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
        solara.Button("Step one round", on_click=lambda: act(dashboard.step), color="primary",
                      disabled=dashboard.over, classes=["cs-step"])
        solara.Button("Run to the end", on_click=lambda: act(dashboard.run_to_end),
                      disabled=dashboard.over, classes=["cs-run"])
        solara.Button("Reset", on_click=lambda: act(dashboard.reset), classes=["cs-reset"])
        solara.Button(f"Run ensemble ({ENSEMBLE_RUNS} runs)",
                      on_click=lambda: act(dashboard.run_ensemble), classes=["cs-ensemble"])
    solara.Text(dashboard.status(), classes=["cs-status", "cs-round"])
    with solara.Card("Proposal on the table", margin=0, classes=["cs-scope"]):
        html = solara.v.Html
        head = html(tag="tr", children=[html(tag="th", children=[text]) for text in (
            "Dimension", "Voted on this round", "On the table now", "Status quo")])
        rows = [html(tag="tr", children=[html(tag="td", children=[r[key]]) for key in (
            "dimension", "voted", "now", "status_quo")]) for r in dashboard.scope_rows()]
        html(tag="table", children=[head, *rows])
    with solara.Card("How the members respond", margin=0, classes=["cs-responses"]):
        with solara.Div(classes=["cs-chips"]):
            for actor_id, name, response in dashboard.responses():
                symbol, background, colour = RESPONSE_LOOK[response]
                solara.Div(children=[f"{symbol} {actor_id}"],
                           classes=["cs-chip", f"cs-{response or 'none'}"],
                           style={"background": background, "color": colour},
                           attributes={"title": f"{name}: {response or 'no vote yet'}"})
        solara.Text("✓ support   – abstain   ✗ object   · no vote yet "
                    "(hover a member for its name)", classes=["cs-legend"])
    Charts(dashboard, tick)


@solara.component
def Charts(dashboard: Dashboard, tick: int) -> None:
    """The ensemble's charts and the position map; redrawn only when they change."""
    result = dashboard.ensemble
    charts = solara.use_memo(lambda: _charts(dashboard), [dashboard.version])
    if result is not None:
        counts = result.outcome_counts()
        adopted = counts["adopted"] + counts["adopted_amended"] + counts["adopted_paid"]
        solara.Text(f"Ensemble of {result.runs} runs (seed {result.seed}): adopted in "
                    f"{100 * adopted / result.runs:.0f}% of them.",
                    classes=["cs-status", "cs-ensemble-summary"])
    else:
        solara.Text(f"Press “Run ensemble” to play this scenario {ENSEMBLE_RUNS} times "
                    "and see how often each outcome occurs.", classes=["cs-legend"])
    if result is not None:
        # one chart per row, full width: legible from the back of a lecture hall
        Chart(charts, "outcomes", dashboard.version)
        Chart(charts, "trajectory", dashboard.version)
    Chart(charts, "positions", dashboard.version)


@solara.component
def Chart(charts: dict[str, tuple[str, Figure]], name: str, version: int) -> None:
    title, figure = charts[name]
    with solara.Card(title, margin=0, classes=["cs-chart", f"cs-chart-{name}"]):
        solara.FigureMatplotlib(figure, dependencies=[version, name], format="png", dpi=80)


@solara.component
def Page(dashboard: Dashboard | None = None) -> None:
    """The dashboard (the entry point of ``solara run consensus_sim.app``).

    Args:
        dashboard: the state to show, e.g. ``Dashboard("unsc_resolution", seed=3)`` in
            a notebook; by default a new one of :func:`first_scenario` per browser tab.
    """
    given = dashboard
    dashboard, problem = solara.use_memo(
        lambda: (given, None) if given is not None else _open(first_scenario()), [])
    tick, set_tick = solara.use_state(0)
    error, set_error = solara.use_state(problem)

    def act(action, *args) -> None:
        """Do what a control asks; show a bad value as a message, not a crash."""
        try:
            action(*args)
        except (ScenarioError, ValueError) as exc:
            set_error(exc.line() if isinstance(exc, ScenarioError) else str(exc))
        else:
            set_error(None)
        set_tick(lambda t: t + 1)

    solara.Title("consensus-sim dashboard")
    solara.Style(_CSS)
    with solara.Column(margin=2, classes=["cs-dashboard"]):
        with solara.Div(classes=["cs-title"]):
            solara.v.Html(tag="h2", children=[dashboard.scenario.title])
            solara.Text(_describe(dashboard.scenario), classes=["cs-legend"])
        if error:
            solara.Error(error, classes=["cs-error"])
        with solara.Columns([1, 3]):
            with solara.Column():
                Controls(dashboard, tick, act)
            with solara.Column():
                RunView(dashboard, tick, act)


def _open(name: str) -> tuple[Dashboard, str | None]:
    """A dashboard of ``name``, or of the default scenario and why ``name`` failed."""
    try:
        return Dashboard(name), None
    except ScenarioError as exc:
        return Dashboard(DEFAULT_SCENARIO), exc.line()


# ---------------------------------------------------------------------- server


def serve(scenario: str | None = None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Start the dashboard's web server and block until it is stopped (Ctrl+C).

    Args:
        scenario: the scenario shown first: a bundled name or a path to a YAML file
            (default: :data:`DEFAULT_SCENARIO`). It is loaded before the server starts,
            so a bad one fails at once with a :class:`~.errors.ScenarioError`.
        host: interface to listen on; the default serves this machine only. Use
            ``0.0.0.0`` to let a classroom's devices connect.
        port: TCP port.
    """
    import uvicorn
    from solara.server import settings

    if scenario is not None:
        load_scenario(scenario)
        path = Path(scenario)
        os.environ[SCENARIO_ENV] = str(path.resolve()) if path.is_file() else scenario
    os.environ["SOLARA_APP"] = __name__
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    # A classroom tool sends nothing home; SOLARA_TELEMETRY_MIXPANEL_ENABLE=true turns
    # Solara's usage statistics back on.
    if "SOLARA_TELEMETRY_MIXPANEL_ENABLE" not in os.environ:
        settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"
    # Plain http on this machine or a classroom network is expected; Solara warns
    # about its session cookie on every page load otherwise.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    shown = f"[{host}]" if ":" in host else host
    print(f"consensus-sim dashboard: http://{shown}:{port}/  (Ctrl+C stops it)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")
