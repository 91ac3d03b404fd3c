"""A scenario's results as one self-contained HTML page, to read, print or project.

:func:`build_report` takes a scenario (a path, a bundled name or a
:class:`~consensus_sim.scenario.Scenario`) and runs its ensemble, or takes a results
folder written by ``consensus-sim run`` or ``sweep``/``sensitivity`` and rebuilds
what it needs from the folder's ``manifest.json``. The page holds the scenario (its
dimensions and levels, meetings, events and rival proposals, what varies across
runs, sources, assumptions and actors), the outcome table (and how often each rival
proposal was adopted), every chart and, for a run, the classic bargaining models beside
the simulation.

The page makes no network request, so it opens the same offline, from an e-mail or
on a lecture-hall machine: charts are inline SVG (crisp at any size, and drawn with
the look of :mod:`.plots`, including a :func:`~consensus_sim.plots.chart_style` the
caller has set), the CSS is inline, fonts are the system's. Source URLs are plain
links. Every text from a scenario file is escaped. The same inputs give the same
bytes: nothing in the page depends on the date or the machine.
"""

from __future__ import annotations

import html
import io
import json
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ScenarioError
from .facts import OUTCOME_NAMES, ensemble_facts, named_outcomes, opposition, percent, varied_inputs
from .kernel import ADOPTED_OUTCOMES
from .scenario import Scenario, bundled_scenarios, load_scenario, scenario_from_dict

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from .predict import Prediction
    from .store import SweepSpec

__all__ = ["build_report", "write_report"]

#: At most this many sweep points are listed in the points table (all are charted).
MAX_POINT_ROWS = 40

#: Members listed as top objectors (or not-yes voters) and as the blocker most costly
#: to win over.
TOP_MEMBERS = 5
#: With more uncertain inputs than this, their table is collapsed.
OPEN_INPUTS = 12

_e = html.escape


# --------------------------------------------------------------------------- entry points


def build_report(source: str | Path | Scenario, runs: int = 500, seed: int = 0,
                 jobs: int | None = None) -> str:
    """The HTML report of a scenario or of a results folder, as one document.

    Args:
        source: a scenario (a path, a bundled name or a :class:`Scenario`), whose
            ensemble of ``runs`` runs with ``seed`` is run now; or a results folder
            with a ``manifest.json``: a ``run`` folder is replayed from the recorded
            scenario, seed and runs (so ``runs`` and ``seed`` are ignored), a
            ``sweep`` or ``sensitivity`` folder is charted from its ``points.csv``
            (and ``sensitivity.csv``).
        runs: runs of the ensemble of a scenario.
        seed: root seed of the ensemble of a scenario.
        jobs: worker processes for the ensemble (None: as :func:`run_ensemble`).

    Returns:
        The HTML document: self-contained, no network request, the same bytes for the
        same inputs.

    Raises:
        ScenarioError: the scenario is invalid, or the folder is not a finished
            results folder (one line saying what is missing).
    """
    if isinstance(source, Scenario):
        return _run_report(_RunInput(source, runs, seed, jobs, command_name=None))
    path = Path(source)
    if path.is_dir():
        return _folder_report(path, jobs)
    scenario = load_scenario(source)
    return _run_report(_RunInput(scenario, runs, seed, jobs, command_name=str(source)))


def write_report(source: str | Path | Scenario, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`build_report` of ``source`` to ``path`` (UTF-8); return the path.

    Keyword arguments (``runs``, ``seed``, ``jobs``) go to :func:`build_report`. The
    folder of ``path`` is created if missing.
    """
    document = build_report(source, **kwargs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _RunInput:
    """An ensemble to report: the scenario, how it is run and where it came from."""

    scenario: Scenario
    runs: int
    seed: int
    jobs: int | None
    command_name: str | None  # the SCENARIO argument that reproduces it, if known
    folder: Path | None = None
    manifest: dict[str, Any] | None = None


@dataclass(frozen=True)
class _SweepInput:
    """A finished sweep (or sensitivity analysis) read from its results folder."""

    spec: SweepSpec
    points: pd.DataFrame
    indices: pd.DataFrame | None
    folder: Path
    manifest: dict[str, Any]


def _folder_report(folder: Path, jobs: int | None) -> str:
    """The report of a results folder, by the kind its manifest records."""
    from .store import MANIFEST, read_manifest

    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ScenarioError(str(folder), "", f"no {MANIFEST} here: not a results folder "
                            "(make one with consensus-sim run or sweep --out DIR) and not a "
                            "scenario file")
    manifest = read_manifest(folder)
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    if kind == "run":
        try:
            content, runs, seed = manifest["scenario_content"], manifest["runs"], manifest["seed"]
        except KeyError as exc:
            raise ScenarioError(str(manifest_path), "", f"not a run manifest (missing {exc})") \
                from None
        scenario = scenario_from_dict(content, source=str(manifest_path))
        return _run_report(_RunInput(scenario, int(runs), int(seed), jobs, command_name=None,
                                     folder=folder, manifest=manifest))
    if kind == "sweep":
        return _sweep_report(_read_sweep(folder, manifest))
    raise ScenarioError(str(manifest_path), "kind", f"unknown kind {kind!r}; allowed: run, sweep")


def _read_sweep(folder: Path, manifest: dict[str, Any]) -> _SweepInput:
    """The spec, points and (for a sensitivity analysis) indices of a finished sweep."""
    import pandas as pd

    from .store import SweepSpec

    spec = SweepSpec.from_manifest(manifest, str(folder / "manifest.json"))
    if not (folder / "points.csv").is_file():
        raise ScenarioError(str(folder), "", "the sweep is not finished (no points.csv); "
                            f"complete it with consensus-sim sweep --resume {folder}")
    points = pd.read_csv(folder / "points.csv")
    indices = None
    if "sensitivity" in spec.extra:
        if not (folder / "sensitivity.csv").is_file():
            raise ScenarioError(str(folder), "", "the sensitivity analysis is not finished (no "
                                "sensitivity.csv); complete it with consensus-sim sensitivity "
                                f"--resume {folder}")
        indices = pd.read_csv(folder / "sensitivity.csv")
    return _SweepInput(spec, points, indices, folder, manifest)


# --------------------------------------------------------------------------- reports


def _run_report(run: _RunInput) -> str:
    """The report of one ensemble: outcomes, charts, classic models, sources."""
    from .plots import objection_heatmap, outcome_chart, position_map, trajectory_chart
    from .predict import predict

    s = run.scenario
    # predict() runs the ensemble itself (runs, seed, jobs) and keeps it: reusing it
    # gives the classic models' table and every other number from one ensemble, run once.
    prediction = predict(s, runs=run.runs, seed=run.seed, jobs=run.jobs)
    result = prediction.ensemble
    summary = result.summary()
    figures = _Figures()
    notes = _replay_notes(run, result.outcome_counts())

    outcome_figure = figures.html(
        outcome_chart(result), "Share of runs ending in each outcome; whiskers: Wilson 95% "
        "interval.")
    rounds = [figures.html(trajectory_chart(result, k),
                           f"{_dim_name(dim)}: the proposal on the table in each round.")
              for k, dim in enumerate(s.dimensions)]
    words = opposition(result.opposition_measure)
    rounds.append(figures.html(objection_heatmap(result),
                               f"Who {words.does} in which round: share of the runs still "
                               f"negotiating in which each member {words.did}."))
    if s.listens_to:
        from .ensemble import replay
        from .plots import persuasion_chart

        rounds.append(figures.html(persuasion_chart(replay(result, 0)),
                                   "Persuasion in the ensemble's first run, replayed from its "
                                   "seed: members' ideal points at each round's vote."))
    positions = figures.html(position_map(s, result),
                             "Members' ideal points (dot size: capability) against the status "
                             "quo, the initial proposal and the adopted texts.")

    sections = [
        ("scenario", "The scenario", _scenario_section(s)),
        ("outcomes", "Outcomes", _outcomes_section(summary, s) + outcome_figure),
        ("rounds", "Round by round", "\n".join(rounds)),
        ("positions", "Where the members stand", positions),
        ("models", "Classic bargaining models", _models_section(prediction, figures)),
        *_reference_sections(s),
    ]
    meta = (f"{result.runs:,} runs, seed {result.seed}, {len(s.members)} members, "
            f"rule: {_rule_text(s)}")
    return _page(s, meta, notes, sections, _run_footer(run, s))


def _sweep_report(sweep: _SweepInput) -> str:
    """The report of a sweep or sensitivity analysis: design, charts, base scenario."""
    from .sweep_plots import sensitivity_chart, sweep_curve, sweep_heatmap

    spec, points = sweep.spec, sweep.points
    s = spec.scenario
    figures = _Figures()
    paths = [p.path for p in spec.parameters]
    sections = [("design", "The sweep", _design_section(sweep))]
    if sweep.indices is not None:
        settings = spec.extra["sensitivity"]
        chart = figures.html(
            sensitivity_chart(sweep.indices, settings["method"],
                              title=f"{s.title}: sensitivity of {settings['metric']}",
                              scenario=s),
            f"How much each parameter moves {settings['metric']} ({settings['method']}).")
        sections.append(("sensitivity", "Sensitivity",
                         _sensitivity_table(sweep.indices, settings["method"]) + chart))
    charts = [figures.html(sweep_curve(points, path, scenario=s),
                           f"Probability of each outcome against {path}.") for path in paths]
    if len(paths) >= 2:
        charts.append(figures.html(sweep_heatmap(points, paths[0], paths[1], scenario=s),
                                   f"Probability of any agreement over {paths[0]} and "
                                   f"{paths[1]}."))
    sections.append(("charts", "Outcomes across the sweep", "\n".join(charts)))
    sections.append(("points", "Points", _points_table(points, paths)))
    sections.append(("scenario", "The base scenario", _scenario_section(s)))
    sections += _reference_sections(s)
    what = "sensitivity analysis" if sweep.indices is not None else "sweep"
    meta = (f"{what}: {len(spec.points):,} points × {spec.runs:,} runs, seed {spec.seed}, "
            f"{len(s.members)} members, rule: {_rule_text(s)}")
    return _page(s, meta, _version_notes(sweep.manifest), sections, _sweep_footer(sweep))


# --------------------------------------------------------------------------- the page


def _page(s: Scenario, meta: str, notes: list[str],
          sections: list[tuple[str, str, str]], footer: str) -> str:
    """The whole document around its sections (anchor id, heading, body)."""
    from . import __version__

    nav = "".join(f'<li><a href="#{anchor}">{_e(heading)}</a></li>'
                  for anchor, heading, _ in sections)
    body = "\n".join(f'<section id="{anchor}">\n<h2>{_e(heading)}</h2>\n{content}\n</section>'
                     for anchor, heading, content in sections)
    description = f'<p class="lead">{_e(s.description)}</p>' if s.description else ""
    note_html = "".join(f'<p class="note">{_e(note)}</p>' for note in notes)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="consensus-sim {_e(__version__)}">
<title>{_e(s.title)}: consensus-sim report</title>
<style>
{_CSS}
</style>
</head>
<body>
<header>
<p class="kicker">consensus-sim report</p>
<h1>{_e(s.title)}</h1>
{description}
<p class="meta">{_e(meta)}</p>
{note_html}
<nav aria-label="Contents"><ol>{nav}</ol></nav>
</header>
<main>
{body}
</main>
<footer>
{footer}
</footer>
<script>
addEventListener("beforeprint", () => {{
  for (const d of document.querySelectorAll("details")) d.open = true;
}});
</script>
</body>
</html>
"""


#: The page's look: system fonts, a readable measure, high contrast; printed without
#: the contents list, with no figure or table row split over pages, links spelled out.
_CSS = """\
:root { color-scheme: light; --ink: #161616; --muted: #4a4a4a; --rule: #c8c8c8;
  --accent: #005a8c; --band: #f3f5f8; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Noto Sans", "Liberation Sans", sans-serif; font-size: 106.25%; line-height: 1.55;
  color: var(--ink); background: #fff; -webkit-text-size-adjust: 100%; }
body { max-width: 60rem; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
h1 { font-size: 2.4rem; line-height: 1.15; margin: 0.2rem 0 0.8rem; }
h2 { font-size: 1.75rem; line-height: 1.2; margin: 3rem 0 1rem; padding-bottom: 0.25rem;
  border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.3rem; margin: 2rem 0 0.6rem; }
p, li { max-width: 46rem; }
a { color: var(--accent); }
a.url { overflow-wrap: anywhere; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.85rem;
  font-weight: 600; color: var(--muted); margin: 0; }
.lead { font-size: 1.2rem; }
.meta { color: var(--muted); }
.note { background: #fff6e0; border-left: 4px solid #e69f00; padding: 0.5rem 0.8rem; }
nav ol { columns: 2; padding-left: 1.4rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 0.8rem 0 1.4rem;
  font-variant-numeric: tabular-nums; }
table.short { width: auto; min-width: min(100%, 36rem); }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.4rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.6rem;
  border-bottom: 1px solid var(--rule); }
thead th { border-bottom: 2px solid var(--ink); }
.num { text-align: right; white-space: nowrap; }
#actor-table td:nth-child(6) { min-width: 16rem; }
tr.total td { font-weight: 600; border-top: 2px solid var(--ink); }
ul.facts { padding-left: 1.2rem; }
ul.facts li { margin: 0.25rem 0; }
ul.levels { margin: 0; padding-left: 1.1rem; }
figure { margin: 1.6rem 0 2.2rem; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.95rem; margin-top: 0.4rem; }
ol.sources li { margin: 0 0 0.9rem; }
.supports, .cited { display: block; color: var(--muted); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
  monospace; font-size: 0.9em; background: var(--band); padding: 0.05rem 0.3rem;
  border-radius: 3px; overflow-wrap: break-word; }
footer code { overflow-wrap: anywhere; }
details { margin: 1rem 0; }
summary { cursor: pointer; font-weight: 600; font-size: 1.1rem; }
footer { margin-top: 3.5rem; padding-top: 1rem; border-top: 1px solid var(--rule);
  color: var(--muted); font-size: 0.95rem; }
footer p { max-width: none; }
@media print {
  @page { margin: 1.6cm 1.4cm; }
  html { font-size: 10.5pt; }
  body { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { margin-top: 1.6rem; }
  h2, h3, caption, summary { break-after: avoid; }
  figure, tr, .note, ol.sources li { break-inside: avoid; }
  table.short { break-inside: avoid; }
  #actor-table { font-size: 0.9em; }
  #actor-table td:nth-child(6) { min-width: 12rem; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  a[href^="http"]:not(.url)::after { content: " <" attr(href) ">"; font-size: 0.85em;
    color: var(--muted); overflow-wrap: anywhere; }
  details > summary { list-style: none; }
  details::details-content { content-visibility: visible; display: contents; }
}"""


# --------------------------------------------------------------------------- charts


class _Figures:
    """Turns charts into inline SVG figures, each with ids of its own."""

    def __init__(self) -> None:
        self.count = 0

    def html(self, fig: Figure, caption: str) -> str:
        """``fig`` as a ``<figure>``: inline SVG and a caption."""
        self.count += 1
        svg = _inline_svg(fig, f"c{self.count}-", caption)
        return f"<figure>\n{svg}\n<figcaption>{_e(caption)}</figcaption>\n</figure>"


def _inline_svg(fig: Figure, prefix: str, label: str) -> str:
    """The chart as an ``<svg>`` element to put in the page.

    Saved as :func:`~consensus_sim.plots.save_figure` saves SVG files (the charts'
    style, no date), without the XML prologue and metadata; its ids get ``prefix`` so
    that the charts of one page cannot clash; its fixed size gives way to the page's
    width (the viewBox keeps the proportions).
    """
    from .plots import FORMATS, _style

    buffer = io.StringIO()
    with _style():
        fig.savefig(buffer, format="svg", metadata=FORMATS["svg"])
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.DOTALL)
    ids = set(re.findall(r'\bid="([^"]+)"', text))

    def rename(match: re.Match[str]) -> str:
        start, name, end = match.groups()
        return f"{start}{prefix}{name}{end}" if name in ids else match.group(0)

    text = re.sub(r'(\bid="|url\(#|href="#)([^")]+)([")])', rename, text)
    head_end = text.index(">")
    head = re.sub(r'\s(?:width|height)="[^"]*"', "", text[:head_end])
    head += f' role="img" aria-label="{_e(label)}"'
    return head + text[head_end:].rstrip()


# --------------------------------------------------------------------------- sections


def _scenario_section(s: Scenario) -> str:
    """The dimensions and their levels, the proposal, the rule and any events, meetings
    and rival proposals."""
    a = s.arrays
    setter = s.actor(s.proposal.agenda_setter).label
    parts = [f"<p>{len(s.members)} members decide under the <strong>{_e(_rule_text(s))}"
             f"</strong> rule, in at most {s.max_rounds} rounds. The agenda setter, "
             f"{_e(setter)}, tables the initial proposal and changes it when it is blocked "
             f"(concession: {_e(s.proposal.concession)}).</p>"]
    rows = []
    for k, dim in enumerate(s.dimensions):
        name = f"<strong>{_e(_dim_name(dim))}</strong> <code>{_e(dim.id)}</code>"
        if dim.side:
            name += "<br>side payment"
        if dim.description:
            name += f"<br>{_e(dim.description)}"
        if dim.scale is not None:
            unit = f" {dim.scale.unit}" if dim.scale.unit else ""
            name += f"<br>original scale {dim.scale.min:g} to {dim.scale.max:g}{_e(unit)}"
        levels = ("<ul class=\"levels\">" + "".join(
            f"<li>{float(lv.value):.2f} {_e(lv.label)}</li>" for lv in dim.levels) + "</ul>"
            if dim.levels else "scale 0 to 1, no named levels")
        rows.append([name, levels, _point(s, k, float(a.status_quo[k])),
                     _point(s, k, float(a.proposal[k]))])
    parts.append(_table(["Dimension", "Levels", "Status quo", "Initial proposal"], rows,
                        caption="Dimensions of the decision (0 to 1)", short=True))
    if s.events:
        rows = [[f"<code>{_e(e.id)}</code>", _e(e.description),
                 _e(f"{100 * float(e.probability):.1f}%"),
                 f"per {_e(e.per)}", _e(f"{e.affects} {e.change:+g}")] for e in s.events]
        parts.append(_table(["Event", "What", "Probability", "Drawn", "Change"], rows,
                            caption="Events that may fire during a negotiation",
                            numeric={2}))
    if s.meetings:
        rows = [[f"<code>{_e(m.id)}</code>", _e(m.name), _e(str(m.round)),
                 _e(", ".join(f"{a.id} {m.failure_cost[a.id]:g}" for a in s.ordered_actors
                              if a.id in m.failure_cost) or "none")] for m in s.meetings]
        parts.append(_table(["Meeting", "Name", "Round", "Cost of failing there"], rows,
                            caption="Meetings at which the decision is due", numeric={2}))
    if s.rivals:
        parts.append(_rivals(s))
    if s.proposal.postponement > 0:
        parts.append(f"<p>The agenda setter may postpone the proposal: keeping it alive for "
                     f"a later meeting is worth to it {s.proposal.postponement:g} of what "
                     f"adopting it as proposed would gain it.</p>")
    if s.history is not None:
        h = s.history
        text = ("" if h.text is None else "; text " + ", ".join(
            f"{d} {s.level_label(d, h.text[d])}" for d in s.dimension_ids if d in h.text))
        parts.append(f'<p id="history">What happened ({_e(h.decided)}): '
                     f'<strong>{_e(h.outcome)}</strong>{_e(text)}. Inputs fixed on '
                     f'{_e(h.inputs_fixed)}; sources: {_e(", ".join(h.sources))}.</p>')
    parts.append(_uncertain_inputs(s))
    return "\n".join(parts)


def _rivals(s: Scenario) -> str:
    """The rival proposals: name, sponsor, first round, text, notes and sources."""

    several = len(s.dimensions) > 1
    rows = []
    for r in s.rivals:
        name = _e(r.label) + (f" <code>{_e(r.id)}</code>" if r.name else "")
        sponsor = _e(s.actor(r.sponsor).label) if r.sponsor is not None else "none"
        text = "<br>".join((f"{_e(dim.id)} " if several else "")
                           + _point(s, k, float(r.text[dim.id]))
                           for k, dim in enumerate(s.dimensions))
        rows.append([name, sponsor, _e(str(r.round)), text, _e(r.notes),
                     _source_refs(s, r.sources)])
    intro = ("<p>Rival proposals are fixed texts tabled beside the agenda setter's: from "
             "the round a rival is tabled in, the members respond to it as to the setter's "
             "text; where several texts pass, the one a majority of the members prefers is "
             f"adopted (the run ends <em>{_e(OUTCOME_NAMES['adopted_rival'])}</em>).</p>")
    return intro + _table(["Rival", "Sponsor", "From round", "Text", "Notes", "Sources"],
                          rows, caption="Rival proposals", numeric={2},
                          table_id="rivals-table")


def _uncertain_inputs(s: Scenario) -> str:
    """What varies across runs, and every uncertain input with its distribution
    (collapsed when there are more than :data:`OPEN_INPUTS`)."""
    sentence = f'<p id="varies">{varied_inputs(s, escape=_e, short=False)}</p>'
    if not s.uncertain:
        return sentence
    rows = [[f"<code>{_e(x.path)}</code>", _e(x.describe())] for x in s.uncertain]
    caption = "Uncertain inputs, each drawn once per run"
    table = _table(["Input", "Distribution"], rows, caption=caption, table_id="inputs-table",
                   short=len(rows) <= OPEN_INPUTS)
    if len(rows) <= OPEN_INPUTS:
        return sentence + "\n" + table
    return (f"{sentence}\n<details>\n<summary>{_e(caption)}: all {len(rows)}</summary>\n"
            f"{table}\n</details>")


def _outcomes_section(summary: dict[str, Any], s: Scenario) -> str:
    """The outcome table and the ensemble's key figures, from ``summary()``."""

    rows = []
    for key, name in named_outcomes(s, summary["counts"]).items():
        low, high = summary["ci95"][key]
        rows.append([_e(name), _e(f"{summary['counts'][key]:,}"),
                     _e(_pct(summary["outcomes"][key])),
                     _e(_interval(low, high))])
    adopted = sum(summary["counts"][name] for name in ADOPTED_OUTCOMES)
    rows.append([_e("any agreement"), _e(f"{adopted:,}"),
                 _e(_pct(summary["p_adopted_any"])), ""])
    table = _table(["Outcome", "Runs", "Share", "95% interval (Wilson)"], rows,
                   caption=f"Outcomes of {summary['runs']:,} runs", numeric={1, 2, 3},
                   table_id="outcome-table", short=True, total_last=True)
    if "rivals" in summary:
        table += "\n" + _rival_shares(summary)

    facts = []
    modal = summary["modal_adopted_scope"]
    if modal:
        what = "; ".join(f"{_e(_dim_name(s.dimensions[s.dimension_ids.index(dim)]))} = "
                         f"<strong>{_e(label)}</strong>" for dim, label in modal["labels"].items())
        facts.append(f"Most frequent adopted scope: {what} ({_pct(modal['share_of_runs'])} of "
                     f"runs, {_pct(modal['share_of_adopted'])} of adopted runs)")
    else:
        facts.append("No run adopted the proposal.")
    facts.extend(ensemble_facts(summary, s, escape=_e, top=TOP_MEMBERS))
    fact_list = '<ul class="facts">' + "".join(f"<li>{f}</li>" for f in facts) + "</ul>"

    scope_rows = []
    for dim, info in summary["final_scope"].items():
        for label, share in info["distribution"].items():
            scope_rows.append([_e(_dim_name(s.dimensions[s.dimension_ids.index(dim)])),
                               _e(label), _e(_pct(share))])
    scope = _table(["Dimension", "Adopted text (nearest level)", "Share of runs"], scope_rows,
                   caption="Where the adopted texts fell", numeric={2}, short=True)
    return "\n".join([table, fact_list, scope])


def _rival_shares(summary: dict[str, Any]) -> str:
    """How often each rival proposal was adopted, from ``summary()["rivals"]``."""
    runs = summary["runs"]
    rows = []
    for rival_id, info in summary["rivals"].items():
        name = _e(info["name"]) + (f" <code>{_e(rival_id)}</code>"
                                   if info["name"] != rival_id else "")
        rows.append([name, _e(f"{info['runs']:,}"), _e(_pct(info["adopted"])),
                     _e(_interval(*info["ci95"]))])
    return _table(["Rival proposal", "Runs adopted", "Share", "95% interval (Wilson)"], rows,
                  caption=f"Rival proposals adopted, of {runs:,} runs", numeric={1, 2, 3},
                  table_id="rival-table", short=True)


def _models_section(prediction: Prediction, figures: _Figures) -> str:
    """The classic models' forecasts beside the simulation's, as a table and charts."""
    from .plots import models_chart

    s = prediction.scenario
    table = prediction.table
    headers = ["Model"]
    for dim in s.dimensions:
        unit = f" ({dim.scale.unit})" if dim.scale is not None and dim.scale.unit else ""
        headers.append(f"{_dim_name(dim)}{unit}")
    rows = []
    for _, row in table.iterrows():
        cells = [_e(str(row["model"]).replace("_", " "))]
        for dim_id in s.dimension_ids:
            value = float(row[dim_id])
            cells.append(_e("no text" if value != value else f"{value:.3f}"))
        rows.append(cells)
    runs = prediction.ensemble.runs
    intro = (f"<p>Each classic model forecasts one outcome per dimension, on the dimension's "
             f"original scale; the simulation adds its modal and mean adopted texts "
             f"({runs:,} runs, seed {prediction.ensemble.seed}; "
             f"{_pct(prediction.p_adopted)} of them adopt a text, while a classic model "
             f"always forecasts one).</p>")
    parts = [intro, _table(headers, rows, caption="Forecasts per dimension",
                           numeric=set(range(1, len(headers))), table_id="models-table",
                           short=True)]
    for k, dim in enumerate(s.dimensions):
        parts.append(figures.html(models_chart(prediction, k),
                                  f"{_dim_name(dim)}: the classic models' forecasts beside the "
                                  "simulation's, with members' ideal points along the bottom."))
    return "\n".join(parts)


def _reference_sections(s: Scenario) -> list[tuple[str, str, str]]:
    """Sources, assumptions and the actors' table (collapsed), as sections."""
    return [("sources", "Sources", _sources(s)),
            ("assumptions", "Assumptions", _assumptions(s)),
            ("actors", "Actors", _actors(s))]


def _sources(s: Scenario) -> str:
    """Every source: citation, link (http and https only), what it supports, who cites it."""
    if not s.sources:
        return "<p>The scenario lists no sources.</p>"
    cited: dict[str, list[str]] = {src.id: [] for src in s.sources}
    for actor in s.actors:
        for ref in actor.sources:
            cited.setdefault(ref, []).append(actor.label)
    for event in s.events:
        for ref in event.sources:
            cited.setdefault(ref, []).append(f"event {event.id}")
    for meeting in s.meetings:
        for ref in meeting.sources:
            cited.setdefault(ref, []).append(f"meeting {meeting.id}")
    for rival in s.rivals:
        for ref in rival.sources:
            cited.setdefault(ref, []).append(f"rival {rival.id}")
    if s.history is not None:
        for ref in s.history.sources:
            cited.setdefault(ref, []).append("what happened")
    items = []
    for src in s.sources:
        text = f'<span class="citation">{_e(src.citation)}</span>'
        if src.url:
            text += " " + _link(src.url)
        if src.supports:
            text += f'<span class="supports">Supports: {_e(src.supports)}</span>'
        if cited[src.id]:
            text += f'<span class="cited">Cited for: {_e(", ".join(cited[src.id]))}</span>'
        items.append(f'<li id="source-{_e(src.id)}">{text}</li>')
    return '<ol class="sources">\n' + "\n".join(items) + "\n</ol>"


def _assumptions(s: Scenario) -> str:
    if not s.assumptions:
        return "<p>The scenario lists no assumptions.</p>"
    return "<ul>" + "".join(f"<li>{_e(text)}</li>" for text in s.assumptions) + "</ul>"


def _actors(s: Scenario) -> str:
    """Every actor's resolved ideal point, salience, capability, notes and sources,
    in a collapsed ``<details>`` (opened for printing)."""
    a = s.arrays
    row_of = {actor_id: row for row, actor_id in enumerate(a.actor_ids)}
    several = len(s.dimensions) > 1
    rows = []
    for actor in s.ordered_actors:
        row = row_of[actor.id]

        def per_dim(values: Any) -> str:
            if not several:
                return f"{float(values[0]):.2f}"
            return "<br>".join(f"{_e(d)} {float(v):.2f}"
                               for d, v in zip(s.dimension_ids, values, strict=True))

        name = f"{_e(actor.label)}" + (f" <code>{_e(actor.id)}</code>" if actor.name else "")
        rows.append([name, _e(actor.type), per_dim(a.position[row]), per_dim(a.salience[row]),
                     _e(f"{float(a.capability[row]):.3g}"), _e(actor.notes),
                     _source_refs(s, actor.sources)])
    table = _table(["Actor", "Type", "Ideal point", "Salience", "Capability", "Notes",
                    "Sources"], rows, caption="Actors, with defaults and groups applied",
                   numeric={4} if several else {2, 3, 4}, table_id="actor-table")
    members = len(s.members)
    return (f"<details>\n<summary>Actor notes: {members} members, {len(s.actors) - members} "
            f"other actors</summary>\n{table}\n</details>")


def _source_refs(s: Scenario, refs: Iterable[str]) -> str:
    """Links to sources in the list of sources, numbered as there ("[2]"); an id the
    list lacks as plain text."""
    number = {src.id: n for n, src in enumerate(s.sources, start=1)}
    return " ".join(f'<a href="#source-{_e(ref)}" title="{_e(ref)}">[{number[ref]}]</a>'
                    if ref in number else _e(ref) for ref in refs)


def _design_section(sweep: _SweepInput) -> str:
    """What the sweep varied and how often each point ran."""
    spec = sweep.spec
    rows = []
    for p in spec.parameters:
        if p.values is not None:
            shown = [_value_text(v) for v in p.values[:12]]
            if len(p.values) > 12:
                shown.append(f"… ({len(p.values)} values)")
            values = ", ".join(shown)
        else:
            values = f"{p.bounds[0]:g} to {p.bounds[1]:g}"
        rows.append([f"<code>{_e(p.path)}</code>", _e(values)])
    if sweep.indices is not None:
        design = (f"SALib's {spec.extra['sensitivity']['method']} sample of N = "
                  f"{spec.samples}")
    elif spec.design == "lhs":
        design = f"a Latin hypercube of {spec.samples} samples"
    else:
        design = "every combination of the values"
    intro = (f"<p>{len(spec.points):,} points ({_e(design)}), {spec.runs:,} runs per point, "
             f"seed {spec.seed}. Every point is the base scenario below with the parameters "
             f"set to the point's values.</p>")
    return intro + _table(["Parameter", "Values"], rows, caption="Parameters varied",
                          short=True)


def _sensitivity_table(indices: pd.DataFrame, method: str) -> str:
    """The sensitivity indices, largest effect first."""
    names = {"S1": "S1 (alone)", "S1_conf": "± S1", "ST": "ST (total)", "ST_conf": "± ST",
             "mu": "μ", "mu_star": "μ*", "mu_star_conf": "± μ*", "sigma": "σ"}
    frame = indices if "parameter" in indices.columns else \
        indices.rename_axis("parameter").reset_index()
    main = "ST" if method == "sobol" else "mu_star"
    if main in frame.columns:
        frame = frame.sort_values(main, ascending=False, kind="stable")
    flags = [c for c in frame.columns if c.endswith("_within_noise")]
    columns = [c for c in frame.columns if c != "parameter" and c not in flags]

    def cell(row: pd.Series, column: str) -> str:
        text = f"{float(row[column]):.3f}"
        if row.get(f"{column}_within_noise", False):
            text += " ~"  # within Monte Carlo noise
        return _e(text)

    rows = [[f"<code>{_e(str(row['parameter']))}</code>", *(cell(row, c) for c in columns)]
            for _, row in frame.iterrows()]
    note = (" (~: within Monte Carlo noise, the 95% interval includes 0)"
            if any(frame[c].any() for c in flags) else "")
    return _table(["Parameter", *(names.get(c, c) for c in columns)], rows,
                  caption=f"{method} indices{note}", numeric=set(range(1, len(columns) + 1)),
                  table_id="sensitivity-table", short=True)


def _points_table(points: pd.DataFrame, paths: list[str]) -> str:
    """The first points of the sweep: values, any agreement with its interval, rounds."""
    rows = []
    for _, row in points.head(MAX_POINT_ROWS).iterrows():
        rows.append([*(_e(_value_text(row[p])) for p in paths),
                     _e(_pct(row["p_adopted_any"])),
                     _e(_interval(row["p_adopted_any_low"], row["p_adopted_any_high"])),
                     _e(_pct(row["p_withdrawn"])),
                     _e(f"{row['mean_rounds']:.2f}")])
    n = len(paths)
    table = _table([*paths, "Any agreement", "95% interval", "Withdrawn", "Mean rounds"], rows,
                   caption="Outcomes at each point", numeric=set(range(n, n + 4)),
                   table_id="points-table")
    if len(points) > MAX_POINT_ROWS:
        table += (f"<p>… and {len(points) - MAX_POINT_ROWS:,} more points in "
                  "<code>points.csv</code>.</p>")
    return table


# --------------------------------------------------------------------------- footers


def _run_footer(run: _RunInput, s: Scenario) -> str:
    from . import __version__

    name, is_file = _scenario_argument(s, run.command_name)
    command = shlex.join(["consensus-sim", "run", name, "--runs", str(run.runs),
                          "--seed", str(run.seed)])
    lines = [f"Made by consensus-sim {_e(__version__)} · {run.runs:,} runs · seed {run.seed} · "
             f"scenario SHA-256 <code>{s.content_hash()}</code>",
             f"Reproduce: <code>{_e(command)}</code>" + _file_note(name, is_file)]
    if run.folder is not None:
        again = shlex.join(["consensus-sim", "report", str(run.folder)])
        lines.append(f"Replayed from the results folder <code>{_e(str(run.folder))}</code>; "
                     f"this page: <code>{_e(again)}</code>")
    return "\n".join(f"<p>{line}</p>" for line in lines)


def _sweep_footer(sweep: _SweepInput) -> str:
    from . import __version__

    spec = sweep.spec
    s = spec.scenario
    name, is_file = _scenario_argument(s, None)
    if sweep.indices is not None:
        settings = spec.extra["sensitivity"]
        words = ["consensus-sim", "sensitivity", name]
        for p in spec.parameters:
            words += ["--param", f"{p.path}={_range_text(p)}"]
        words += ["--method", settings["method"], "--samples", str(spec.samples),
                  "--metric", settings["metric"]]
    else:
        words = ["consensus-sim", "sweep", name]
        for p in spec.parameters:
            words += ["--vary", f"{p.path}={_range_text(p)}"]
        if spec.design != "grid":
            words += ["--design", spec.design, "--samples", str(spec.samples)]
    words += ["--runs", str(spec.runs), "--seed", str(spec.seed)]
    lines = [f"Made by consensus-sim {_e(__version__)} · {len(spec.points):,} points × "
             f"{spec.runs:,} runs · seed {spec.seed} · scenario SHA-256 "
             f"<code>{s.content_hash()}</code>",
             f"Reproduce: <code>{_e(shlex.join(words))}</code>" + _file_note(name, is_file),
             f"Charted from the results folder <code>{_e(str(sweep.folder))}</code>"]
    return "\n".join(f"<p>{line}</p>" for line in lines)


def _scenario_argument(s: Scenario, given: str | None) -> tuple[str, bool]:
    """The SCENARIO argument that reproduces ``s``, and whether it names a file to make.

    The path or name the report was made from; else the bundled scenario of the same id
    if its content is the same; else ``<id>.yaml``, a file holding the scenario.
    """
    if given is not None:
        return given, False
    if s.id in bundled_scenarios():
        try:
            if load_scenario(s.id).content_hash() == s.content_hash():
                return s.id, False
        except ScenarioError:  # a bundled file that no longer validates
            pass
    return f"{s.id or 'scenario'}.yaml", True


def _file_note(name: str, is_file: bool) -> str:
    if not is_file:
        return ""
    return (f" (with <code>{_e(name)}</code> a file holding this scenario: the SHA-256 above "
            "checks it)")


def _range_text(p: Any) -> str:
    """A parameter as ``--vary`` reads it back to the same values (and seeds)."""
    if p.values is not None:
        return ",".join(_value_arg(v) for v in p.values)
    return f"{p.bounds[0]!r}..{p.bounds[1]!r}"


def _value_arg(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _replay_notes(run: _RunInput, counts: dict[str, int]) -> list[str]:
    """Warnings when a replayed folder does not match what it recorded."""
    if run.folder is None or run.manifest is None:
        return []
    notes = _version_notes(run.manifest)
    try:
        recorded = json.loads((run.folder / "summary.json").read_text())["counts"]
    except (OSError, ValueError, KeyError, TypeError):
        return notes
    if recorded != counts:
        notes.append(f"The replay differs from the folder's summary.json (recorded outcome "
                     f"counts {recorded}, replayed {counts}): the model changed since the run.")
    return notes


def _version_notes(manifest: dict[str, Any]) -> list[str]:
    from . import __version__

    recorded = manifest.get("version")
    if recorded and recorded != __version__:
        return [f"The results were recorded by consensus-sim {recorded}; this page was made "
                f"by {__version__}."]
    return []


# --------------------------------------------------------------------------- small pieces


def _table(headers: list[str], rows: Iterable[list[str]], caption: str = "",
           numeric: set[int] | None = None, table_id: str | None = None, short: bool = False,
           total_last: bool = False) -> str:
    """An HTML table; ``rows`` hold ready (escaped) cell HTML, headers plain text.

    Columns in ``numeric`` are right-aligned. A ``short`` table is never split over two
    printed pages; ``total_last`` sets the last row off as a total.
    """
    numeric = numeric or set()
    rows = list(rows)

    def cls(j: int) -> str:
        return ' class="num"' if j in numeric else ""

    # field paths in headers may wrap after their dots
    head = "".join(f'<th scope="col"{cls(j)}>{_e(h).replace(".", ".<wbr>")}</th>'
                   for j, h in enumerate(headers))
    body = []
    for i, row in enumerate(rows):
        total = ' class="total"' if total_last and i == len(rows) - 1 else ""
        body.append(f"<tr{total}>" + "".join(f"<td{cls(j)}>{cell}</td>"
                                             for j, cell in enumerate(row)) + "</tr>")
    attrs = (f' id="{table_id}"' if table_id else "") + (' class="short"' if short else "")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return (f'<div class="table-wrap"><table{attrs}>{cap}<thead><tr>{head}</tr></thead>'
            "<tbody>\n" + "\n".join(body) + "\n</tbody></table></div>")


_pct = percent


def _interval(low: float, high: float) -> str:
    return f"{100 * float(low):.1f}% – {100 * float(high):.1f}%"


def _dim_name(dim: Any) -> str:
    return dim.name or dim.id


def _point(s: Scenario, k: int, value: float) -> str:
    """A point on dimension ``k``: its value and, with named levels, the nearest one."""
    text = f"{value:.2f}"
    if s.dimensions[k].levels:
        text += f" ({s.level_label(k, value)})"
    return _e(text)


def _rule_text(s: Scenario) -> str:
    """The decision rule and its settings, e.g. ``majority (threshold 0.5)``."""
    settings = s.rule.model_dump(mode="json")
    kind = settings.pop("type")
    if not settings:
        return kind.replace("_", " ")
    shown = ", ".join(f"{k.replace('_', ' ')} {', '.join(v) if isinstance(v, list) else v}"
                      for k, v in settings.items())
    return f"{kind.replace('_', ' ')} ({shown})"


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _link(url: str) -> str:
    """A source's URL as a link when it is a web address, as plain text otherwise."""
    if re.match(r"https?://", url, flags=re.IGNORECASE):
        return f'<a class="url" href="{_e(url)}">{_e(url)}</a>'
    return f"<code>{_e(url)}</code>"
