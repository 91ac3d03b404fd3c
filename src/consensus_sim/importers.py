"""Importers: scenarios from the data files of the bargaining literature.

Two formats are read into plain scenario data (a dict that
:func:`consensus_sim.scenario_from_dict` validates); :func:`write_scenario` saves it
as YAML for people to read, annotate and run.

**DECIDE** (Stokman's exchange-model software), rows tagged in the first column::

    #A  id  name                                  an actor
    #P  id  name  description                     an issue (description optional)
    #M  issue  position  label                    a labelled point of an issue's scale
    #D  actor  issue  position  salience  power   an actor's data on an issue
    #O  text                                      the data set's title (optional)
    #/  ...                                       a comment (ignored)

A row may end in empty columns; ``#D`` may carry a sixth, comment column. The csv
module reads the rows, as DECIDE does, so cells may be quoted: DECIDE writes
``'#A'<tab>'USA'<tab>'USA'``. The first row that is not a comment decides the
separator (a tab if it holds one, else ``;``, else ``,``) and the quote (``'`` if
it starts with one, else ``"``).

**BDM CSV** (one issue, as in Bueno de Mesquita's forecasting tables), with the
header ``Actor,Capability,Position,Salience`` and one row per actor.

How the data become a scenario:

- *Positions* are rescaled to [0, 1] from the issue's scale: the ``#M`` points'
  min..max when given (positions outside it are an error), else the observed
  min..max. The original scale is recorded as ``dimensions[].scale: {min, max}``,
  so :meth:`Forecast.on_scale <consensus_sim.bargaining.Forecast.on_scale>` can
  report forecasts in the original units. An issue on which every actor takes the
  same position, with no ``#M`` scale, gets positions 0 and the scale v..v+1.
  ``#M`` points become the dimension's labelled ``levels``.
- *Saliences* on 0..100 or 0..1 are scaled to [0, 1]: if any salience in the file
  exceeds 1, all are read as 0..100.
- *Capability* (DECIDE's ``power``) is kept as it is and must be >= 0. The scenario
  format has one capability per actor, so an actor's power must be the same on
  every issue.
- *Names* are kept as actor ``name``; ids are made to fit the scenario's id pattern
  (letters, digits, ``_``, ``-``, starting with a letter; accents dropped, other
  characters replaced by ``_``, duplicates numbered).
- An actor with no ``#D`` row for an issue has no stake in it: salience 0 there,
  and the status quo as a placeholder position (a midpoint would be an invented
  view, and would become the proposal if the actor sets the agenda). Its ``notes``
  and ``assumptions`` say so.
- Every actor is a voting ``member``; the rule is consensus (``rule=`` overrides).
- *Status quo.* The data have none. The default is each scale's lower end
  (``status_quo="lower"``); ``"upper"``, one number, or a mapping from issue id to
  number (on the original scale) override it. Where a scale's end stands in for the
  missing status quo, ``assumptions`` holds the line :data:`STATUS_QUO_PLACEHOLDER`,
  so that models which would bargain from it (Nash) know it is not data.
- *Proposal and agenda setter.* The data have none. By default the most capable
  actor (the first in the file on a tie) is the agenda setter and tables its own
  position: in the classic models' world the strongest stakeholder moves first.
  ``agenda_setter=`` names another actor; ``proposal=`` (a number or a mapping, on
  the original scale) tables something else.
- Every default used is written into ``assumptions``.

Malformed input raises :class:`~consensus_sim.errors.ScenarioError` naming the file
and the line: ``data.txt: line 12: #D has 4 columns; expected actor, issue,
position, salience, power``. Reading takes time in proportion to the file's rows.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from .errors import ScenarioError

__all__ = [
    "STATUS_QUO_PLACEHOLDER",
    "STATUS_QUO_PLACEHOLDER_LINES",
    "import_bdm_csv",
    "import_decide",
    "write_scenario",
]

#: The line of ``assumptions`` that marks an imported status quo as a placeholder: the
#: data give none, and on some or all issues the importer put it at a scale's end. It
#: is an exact sentence, so it survives writing the scenario as YAML and reading it
#: back; :func:`consensus_sim.bargaining.nash.status_quo_is_assumed` looks for it, and
#: so the Nash solution does not bargain from the placeholder. Delete the line from a
#: scenario once it holds a real status quo.
STATUS_QUO_PLACEHOLDER = ("Placeholder status quo: the data give none, so a scale's end "
                          "stands in for it; delete this line once you enter a real status "
                          "quo, or the Nash solution will not bargain from it.")

#: Every line that marks the status quo as a placeholder: :data:`STATUS_QUO_PLACEHOLDER`
#: and the lines the importers of consensus-sim 0.1 and 0.2 wrote instead, so that the
#: files imported then are still recognised. Frozen text: never reword these.
STATUS_QUO_PLACEHOLDER_LINES = frozenset({
    STATUS_QUO_PLACEHOLDER,
    "The status quo is the lower end of every scale (an assumption: the data give none).",
    "The status quo is the upper end of every scale (an assumption: the data give none).",
})

ScaleValue = str | float | Mapping[str, float]

_DECIDE_COLUMNS = {  # tag: (fewest, most columns after the tag, the form allowed)
    "#A": (1, 3, "#A, id, name"),
    "#P": (1, 3, "#P, id, name, description (optional)"),
    "#M": (2, 3, "#M, issue, position, label"),
    "#D": (5, 6, "#D, actor, issue, position, salience, power"),
}
_BDM_HEADER = ("actor", "capability", "position", "salience")


@dataclass
class _Issue:
    key: str
    line: int
    name: str = ""
    description: str = ""
    marks: list[tuple[float, str, int]] = field(default_factory=list)
    bounds: tuple[float, float] | None = None  # a scale given when importing


@dataclass
class _Actor:
    key: str
    line: int
    name: str = ""
    capability: float | None = None
    capability_line: int = 0


@dataclass
class _Cell:
    position: float
    salience: float
    line: int


@dataclass
class _Data:
    """What a file says, before it becomes a scenario."""

    source: str
    fmt: str
    title: str
    actors: dict[str, _Actor] = field(default_factory=dict)
    issues: dict[str, _Issue] = field(default_factory=dict)
    cells: dict[tuple[str, str], _Cell] = field(default_factory=dict)


# --------------------------------------------------------------------------- DECIDE


def import_decide(
    path: str | Path,
    *,
    status_quo: ScaleValue = "lower",
    proposal: float | Mapping[str, float] | None = None,
    agenda_setter: str | None = None,
    rule: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """Read a DECIDE data file (``#A``/``#P``/``#M``/``#D`` rows) into scenario data.

    Args:
        path: the file.
        status_quo: ``"lower"`` (default) or ``"upper"`` end of each scale, one
            number for every issue, or ``{issue id: number}``; on the original scale.
        proposal: the proposal tabled, as a number or ``{issue id: number}`` on the
            original scale; by default the agenda setter's own position.
        agenda_setter: an actor id; by default the most capable actor.
        rule: the decision rule as scenario data; default ``{"type": "consensus"}``.
        title: the scenario's title; default the ``#O`` row's text or the file name.

    Returns:
        Scenario data for :func:`~consensus_sim.scenario_from_dict`.

    Raises:
        ScenarioError: the file's name, the line and what is wrong with it.
    """
    source = str(path)
    text = _read(path)
    data = _Data(source, "DECIDE", title or "")
    titles: list[str] = []
    for number, cells in _rows(source, text, *_decide_dialect(text)):
        while cells and not cells[-1]:
            cells.pop()
        tag, values = cells[0], cells[1:]
        if tag.startswith("#/"):
            continue
        if tag == "#O":
            titles.append(" ".join(v for v in values if v))
            continue
        if tag not in _DECIDE_COLUMNS:
            _fail(source, number, f"unknown row tag {tag[:20]!r}; allowed: #A (actor), "
                  "#P (issue), #M (scale point), #D (actor data), #O (title), #/ (comment)")
        fewest, most, form = _DECIDE_COLUMNS[tag]
        if not fewest <= len(values) <= most:
            _fail(source, number, f"{tag} has {len(values)} column"
                  f"{'s' * (len(values) != 1)} after the tag; expected {form}")
        _decide_row(data, tag, values, number)
    if not data.title:
        data.title = titles[0] if titles and titles[0] else Path(source).stem
    return _scenario(data, status_quo, proposal, agenda_setter, rule)


def _decide_dialect(text: str) -> tuple[str, str]:
    """The separator and the quote character of a DECIDE file.

    Both are judged on the first row that is not blank and not a ``#/`` comment (a
    comment may hold free text, and DECIDE writes one without tabs): the separator
    is a tab if that row holds one, else ``;`` if it holds one, else ``,``; the quote
    is ``'`` if the row starts with one (DECIDE writes ``'#A'<tab>'USA'``), else ``"``.
    """
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.lstrip("'\"").startswith("#/"):
            continue
        separator = "\t" if "\t" in line else ";" if ";" in line else ","
        return separator, "'" if line.startswith("'") else '"'
    return "\t", "'"


def _decide_row(data: _Data, tag: str, values: list[str], number: int) -> None:
    source = data.source
    if tag == "#A":
        key = _required(source, number, values[0], "actor id")
        if key in data.actors:
            _fail(source, number, f"actor {key!r} is defined twice (first on line "
                  f"{data.actors[key].line}); each #A id must be unique")
        data.actors[key] = _Actor(key, number, values[1] if len(values) > 1 else "")
    elif tag == "#P":
        key = _required(source, number, values[0], "issue id")
        if key in data.issues:
            _fail(source, number, f"issue {key!r} is defined twice (first on line "
                  f"{data.issues[key].line}); each #P id must be unique")
        data.issues[key] = _Issue(key, number, values[1] if len(values) > 1 else "",
                                  values[2] if len(values) > 2 else "")
    elif tag == "#M":
        key = values[0]
        if key not in data.issues:
            _fail(source, number, f"#M names unknown issue {key!r}; allowed: an issue "
                  f"defined by a #P row ({_few(data.issues)})")
        value = _number(source, number, values[1], "#M position")
        issue = data.issues[key]
        for other, _, line in issue.marks:
            if other == value:
                _fail(source, number, f"issue {key!r} has a second #M for position "
                      f"{_show(value)} (first on line {line}); each point once")
        issue.marks.append((value, values[2] if len(values) > 2 else "", number))
    else:  # "#D"
        actor, issue = values[0], values[1]
        position = _number(source, number, values[2], "position")
        salience = _salience(source, number, values[3])
        power = _capability(source, number, values[4], "power")
        if actor not in data.actors:
            _fail(source, number, f"#D names unknown actor {actor!r}; allowed: an actor "
                  f"defined by an #A row ({_few(data.actors)})")
        if issue not in data.issues:
            _fail(source, number, f"#D names unknown issue {issue!r}; allowed: an issue "
                  f"defined by a #P row ({_few(data.issues)})")
        if (actor, issue) in data.cells:
            _fail(source, number, f"actor {actor!r} has a second #D row for issue {issue!r} "
                  f"(first on line {data.cells[actor, issue].line}); one row per pair")
        entry = data.actors[actor]
        if entry.capability is not None and power != entry.capability:
            _fail(source, number, f"power {_show(power)} differs from the "
                  f"{_show(entry.capability)} given for actor {actor!r} on line "
                  f"{entry.capability_line}; a scenario has one capability per actor, "
                  "so give the same power on every issue")
        if entry.capability is None:
            entry.capability, entry.capability_line = power, number
        data.cells[actor, issue] = _Cell(position, salience, number)


# --------------------------------------------------------------------------- BDM CSV


def import_bdm_csv(
    path: str | Path,
    *,
    dimension: str = "issue",
    scale: tuple[float, float] | None = None,
    status_quo: ScaleValue = "lower",
    proposal: float | Mapping[str, float] | None = None,
    agenda_setter: str | None = None,
    rule: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """Read a one-issue table ``Actor,Capability,Position,Salience`` into scenario data.

    Args:
        path: the CSV file (comma-separated, header first).
        dimension: the id of the one dimension.
        scale: the original scale's (min, max); default the observed min..max.
        status_quo, proposal, agenda_setter, rule, title: as for :func:`import_decide`.

    Returns:
        Scenario data for :func:`~consensus_sim.scenario_from_dict`.

    Raises:
        ScenarioError: the file's name, the line and what is wrong with it.
    """
    source = str(path)
    text = _read(path)
    data = _Data(source, "BDM CSV", title or Path(source).stem)
    issue = _Issue(dimension, 0, dimension)
    data.issues[dimension] = issue
    header_seen = False
    for number, cells in _rows(source, text, ",", '"'):
        if not header_seen:
            if tuple(c.lower() for c in cells) != _BDM_HEADER:
                _fail(source, number, f"the header is {','.join(cells)[:60]!r}; expected "
                      "Actor,Capability,Position,Salience")
            header_seen = True
            continue
        if len(cells) != 4:
            _fail(source, number, f"the row has {len(cells)} column{'s' * (len(cells) != 1)}; "
                  "expected 4: Actor,Capability,Position,Salience")
        name = _required(source, number, cells[0], "actor name")
        if name in data.actors:
            _fail(source, number, f"actor {name!r} appears twice (first on line "
                  f"{data.actors[name].line}); one row per actor")
        capability = _capability(source, number, cells[1], "capability")
        position = _number(source, number, cells[2], "position")
        salience = _salience(source, number, cells[3])
        data.actors[name] = _Actor(name, number, name, capability, number)
        data.cells[name, dimension] = _Cell(position, salience, number)
    if not header_seen:
        raise ScenarioError(source, "", "the file is empty; expected the header "
                            "Actor,Capability,Position,Salience and one row per actor")
    if scale is not None:
        low, high = float(scale[0]), float(scale[1])
        if not low < high:
            raise ScenarioError(source, "scale", f"({_show(low)}, {_show(high)}) is not a "
                                "scale; give (min, max) with min < max")
        issue.bounds = (low, high)
    return _scenario(data, status_quo, proposal, agenda_setter, rule)


# --------------------------------------------------------------------------- output


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's: faster
    """Writes text that YAML 1.2 would read as something else (``1e3``, ``True``)
    quoted, so that a written scenario reads back as it was written."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    from .scenario import reads_as_text

    style = None if reads_as_text(value) else "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def write_scenario(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write scenario data as a YAML file (keys in the order given); return the path."""
    path = Path(path)
    header = ("# Written by consensus-sim's importer. Check it with "
              "`consensus-sim validate` and\n# add sources and assumptions "
              "before you rely on it.\n")
    text = yaml.dump(dict(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- building


def _scenario(data: _Data, status_quo: ScaleValue, proposal: Any, agenda_setter: str | None,
              rule: Mapping[str, Any] | None) -> dict[str, Any]:
    source = data.source
    if not data.actors:
        raise ScenarioError(source, "", f"no actors; a {data.fmt} file needs at least one")
    if not data.issues:
        raise ScenarioError(source, "", f"no issues; a {data.fmt} file needs at least one #P row")
    cells_of = _cells_by_issue(data)
    with_data = {actor for actor, _ in data.cells}
    for actor in data.actors.values():
        if actor.key not in with_data:
            _fail(source, actor.line, f"actor {actor.key!r} has no #D row; give its "
                  "position, salience and power on at least one issue")
    for issue in data.issues.values():
        if not cells_of[issue.key]:
            _fail(source, issue.line, f"issue {issue.key!r} has no #D row; give at least "
                  "one actor's position on it")
    hundred = any(cell.salience > 1 for cell in data.cells.values())
    actor_ids = _identifiers(data.actors, "A")
    dim_ids = _identifiers(data.issues, "D")
    flat = {key for key, issue in data.issues.items() if _flat(issue, cells_of[key])}
    scales = {key: _scale(data, issue, cells_of[key], key in flat)
              for key, issue in data.issues.items()}
    assumptions = [
        f"Imported from {Path(source).name} ({data.fmt}); positions rescaled to [0, 1] "
        "from each issue's scale (recorded as `scale`)"
        + ("; saliences read as 0..100 and divided by 100." if hundred else "."),
    ]
    lower = dict.fromkeys(dim_ids.values(), 0.0)
    quo = _on_scale_option(data, status_quo, "status_quo", scales, dim_ids, flat, lower)

    def unit(issue: str, value: float) -> float:
        low, high = scales[issue]
        return 0.0 if issue in flat else (value - low) / (high - low)

    actors_out = []
    gaps: dict[str, list[str]] = {}  # actor id: the issues it has no data on
    for key, actor in data.actors.items():
        position, salience = {}, {}
        for issue in data.issues:
            dim = dim_ids[issue]
            cell = data.cells.get((key, issue))
            if cell is None:  # no stake: out of this issue's models, no invented view
                position[dim], salience[dim] = quo[dim], 0.0
                gaps.setdefault(actor_ids[key], []).append(issue)
                assumptions.append(f"{actor.name or key} has no position on {issue} in the "
                                   "data: salience 0 there (it takes no part in that issue), "
                                   "and the status quo as a placeholder position.")
            else:
                position[dim] = unit(issue, cell.position)
                salience[dim] = cell.salience / 100.0 if hundred else cell.salience
        entry: dict[str, Any] = {"id": actor_ids[key], "name": actor.name or key}
        entry.update(type="member", capability=actor.capability, position=position,
                     salience=salience)
        if entry["id"] in gaps:
            entry["notes"] = (f"No data on {', '.join(gaps[entry['id']])} in "
                              f"{Path(source).name}: salience 0 and the status quo as "
                              "position there are placeholders, not data.")
        actors_out.append(entry)

    setter = _setter(data, agenda_setter, actor_ids, assumptions)
    placeholders = _placeholder_issues(data, status_quo, dim_ids)
    assumptions.append(_describe_status_quo(status_quo, placeholders))
    if placeholders:
        assumptions.append(STATUS_QUO_PLACEHOLDER)
    own = dict(next(a for a in actors_out if a["id"] == setter)["position"])
    if proposal is None:
        tabled = own
        assumptions.append(f"The proposal is the agenda setter's own position ({setter}; "
                           "an assumption: the data give no proposal)"
                           + ("; the status quo on the issues it has no data on."
                              if setter in gaps else "."))
    else:
        tabled = _on_scale_option(data, proposal, "proposal", scales, dim_ids, flat, own)
        assumptions.append("The proposal was given when importing (not in the data); on "
                           "issues it does not name, it is the agenda setter's position.")

    dimensions = []
    for key, issue in data.issues.items():
        low, high = scales[key]
        dim: dict[str, Any] = {"id": dim_ids[key]}
        if issue.name and issue.name != dim_ids[key]:
            dim["name"] = issue.name
        if issue.description:
            dim["description"] = issue.description
        levels = [{"value": unit(key, v), "label": label or _show(v)}
                  for v, label, _ in sorted(issue.marks)]
        if len(levels) > 1:
            dim["levels"] = levels
        dim["scale"] = {"min": low, "max": high}
        dimensions.append(dim)
    return {
        "id": _identifiers({Path(source).stem: None}, "S")[Path(source).stem],
        "title": data.title,
        "description": f"Imported from {Path(source).name} ({data.fmt}).",
        "dimensions": dimensions,
        "status_quo": quo,
        "proposal": {"position": tabled, "agenda_setter": setter},
        "rule": dict(rule) if rule is not None else {"type": "consensus"},
        "actors": actors_out,
        "sources": [{"id": "data", "citation": f"{Path(source).name}, {data.fmt} data file"}],
        "assumptions": assumptions,
    }


def _cells_by_issue(data: _Data) -> dict[str, list[_Cell]]:
    """Each issue's cells, in file order: one pass over the data, not one per issue."""
    out: dict[str, list[_Cell]] = {key: [] for key in data.issues}
    for (_, issue), cell in data.cells.items():
        out[issue].append(cell)
    return out


def _flat(issue: _Issue, cells: list[_Cell]) -> bool:
    """The issue's scale has no width: one position, and no wider scale is given."""
    values = {c.position for c in cells} | {m[0] for m in issue.marks} | set(issue.bounds or ())
    return len(values) == 1


def _scale(data: _Data, issue: _Issue, cells: list[_Cell], flat: bool) -> tuple[float, float]:
    """The issue's original (min, max): as given, its #M points, or the positions observed."""
    given = issue.bounds or (
        (min(m[0] for m in issue.marks), max(m[0] for m in issue.marks)) if issue.marks else None)
    if given is not None:
        low, high = given
        where = "#M scale" if issue.marks else "scale"
        for cell in cells:
            if not low <= cell.position <= high:
                _fail(data.source, cell.line, f"position {_show(cell.position)} lies outside "
                      f"the {where} {_show(low)}..{_show(high)} of issue {issue.key!r}; "
                      "allowed: a position on the scale")
    else:
        low = min(c.position for c in cells)
        high = max(c.position for c in cells)
    return (low, low + 1.0) if flat else (low, high)


def _setter(data: _Data, agenda_setter: str | None, actor_ids: dict[str, str],
            assumptions: list[str]) -> str:
    if agenda_setter is None:
        strongest = max(data.actors.values(), key=lambda a: a.capability or 0.0)
        assumptions.append(f"The agenda setter is the most capable actor, "
                           f"{actor_ids[strongest.key]} (the first in the file on a tie; an "
                           "assumption: the data name none).")
        return actor_ids[strongest.key]
    for key, sanitised in actor_ids.items():
        if agenda_setter in (key, sanitised):
            return sanitised
    raise ScenarioError(data.source, "agenda_setter", f"unknown actor {agenda_setter!r}; "
                        f"allowed: an actor id ({_few(actor_ids.values())})")


def _on_scale_option(data: _Data, value: Any, name: str, scales: dict[str, tuple[float, float]],
                     dim_ids: dict[str, str], flat: set[str],
                     default: dict[str, float]) -> dict[str, float]:
    """A status quo or proposal given on the original scale, as [0, 1] per dimension.

    ``value`` is ``"lower"``, ``"upper"``, a number for every issue, or a mapping from
    issue id to one of these; issues a mapping leaves out take ``default`` ([0, 1]).
    """
    out: dict[str, float] = {}
    given: dict[str, Any] = {}
    if isinstance(value, Mapping):
        for k, v in value.items():
            key = next((i for i, d in dim_ids.items() if k in (i, d)), None)
            if key is None:
                raise ScenarioError(data.source, f"{name}.{k}", "unknown issue; allowed: "
                                    f"{_few(dim_ids.values())}")
            given[key] = v
    for key in data.issues:
        low, high = scales[key]
        if isinstance(value, Mapping) and key not in given:
            out[dim_ids[key]] = default[dim_ids[key]]
            continue
        v = given[key] if isinstance(value, Mapping) else value
        if v == "lower":
            out[dim_ids[key]] = 0.0
            continue
        if v == "upper":
            out[dim_ids[key]] = 0.0 if key in flat else 1.0
            continue
        if isinstance(v, str) or not isinstance(v, int | float):
            raise ScenarioError(data.source, name, f"{v!r} is not allowed; give 'lower', "
                                "'upper', a number on the original scale or {issue: number}")
        if key in flat:
            if v != low:
                raise ScenarioError(data.source, f"{name}.{dim_ids[key]}", f"{_show(v)} is "
                                    f"off the scale; every actor is at {_show(low)}")
            out[dim_ids[key]] = 0.0
            continue
        if not low <= v <= high:
            raise ScenarioError(data.source, f"{name}.{dim_ids[key]}", f"{_show(v)} lies "
                                f"outside the scale; allowed: {_show(low)} to {_show(high)}")
        out[dim_ids[key]] = (v - low) / (high - low)
    return out


def _placeholder_issues(data: _Data, value: ScaleValue, dim_ids: dict[str, str]) -> list[str]:
    """The issues on which the status quo is only a scale's end: ``"lower"`` or
    ``"upper"`` for every issue, or, in a mapping, the issues it sets so or leaves out."""
    if not isinstance(value, Mapping):
        return list(data.issues) if value in ("lower", "upper") else []
    given = {key: v for k, v in value.items() for key in data.issues if k in (key, dim_ids[key])}
    return [key for key in data.issues if given.get(key, "lower") in ("lower", "upper")]


def _describe_status_quo(value: ScaleValue, placeholders: list[str]) -> str:
    """The assumption line that says where the status quo comes from."""
    if value in ("lower", "upper"):
        return f"The status quo is the {value} end of every scale."
    if not placeholders:
        return "The status quo was given when importing (not in the data)."
    return (f"The status quo was given when importing (not in the data), except on "
            f"{', '.join(placeholders)}, where it is an end of the scale.")


# --------------------------------------------------------------------------- small parts


def _read(path: str | Path) -> str:
    source = str(path)
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(source, "", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(source, "", f"cannot read: {exc}") from None


def _rows(source: str, text: str, separator: str, quote: str) -> Iterator[tuple[int, list[str]]]:
    """Each row that is not blank, as (its line number, its cells stripped of spaces).

    The csv module reads the rows, so a cell may be quoted (``'USA'``, ``"Smith, J."``).
    A quote that opens a cell and is not closed on the same line would swallow the
    lines after it into that cell; that is an error naming the line where it opened.
    """
    reader = csv.reader(io.StringIO(text), delimiter=separator, quotechar=quote)
    while True:
        number = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" not in str(exc):
                _fail(source, number, f"cannot read this row ({exc})")
            # an open quote swallowed lines until the cell outgrew the csv module's limit
            _fail(source, number, _unclosed(quote, f"it runs on past line {reader.line_num}"))
        if reader.line_num > number:
            _fail(source, number, _unclosed(quote, f"it runs on to line {reader.line_num}"))
        cells = [c.strip() for c in row]
        if any(cells):
            yield number, cells


def _unclosed(quote: str, where: str) -> str:
    """The problem of a cell whose opening quote is not closed on its line."""
    return (f"a quote ({quote}) opens a cell here that is not closed on this line ({where}); "
            f"close it, or remove the stray {quote}")


def _fail(source: str, number: int, problem: str) -> NoReturn:
    raise ScenarioError(source, f"line {number}", problem)


def _required(source: str, number: int, text: str, what: str) -> str:
    if not text:
        _fail(source, number, f"the {what} is empty; give one")
    return text


def _number(source: str, number: int, text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        _fail(source, number, f"{what} {text[:30]!r} is not a number; give a number "
              "such as 4 or 0.75")
    if value != value or value in (float("inf"), float("-inf")):
        _fail(source, number, f"{what} {text!r} is not a finite number")
    return value


def _salience(source: str, number: int, text: str) -> float:
    value = _number(source, number, text, "salience")
    if not 0.0 <= value <= 100.0:
        _fail(source, number, f"salience {_show(value)} is out of range; allowed: 0 to 1, "
              "or 0 to 100")
    return value


def _capability(source: str, number: int, text: str, what: str) -> float:
    value = _number(source, number, text, what)
    if value < 0:
        _fail(source, number, f"{what} {_show(value)} is negative; allowed: a number >= 0")
    return value


def _identifiers(keys: Mapping[str, Any], prefix: str) -> dict[str, str]:
    """Scenario ids for the data's ids: letters, digits, _ and -, starting with a letter."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    suffixes: dict[str, int] = {}  # the next number to try per id, so duplicates stay linear
    for key in keys:
        ascii_text = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
        text = re.sub(r"[^A-Za-z0-9_\-]+", "_", ascii_text).strip("_")
        if not text or not text[0].isalpha():
            text = f"{prefix}_{text}" if text else prefix
        text = text[:64]
        candidate, n = text, suffixes.get(text, 2)
        while candidate in taken:
            suffix = f"_{n}"
            candidate, n = text[: 64 - len(suffix)] + suffix, n + 1
        suffixes[text] = n
        taken.add(candidate)
        out[key] = candidate
    return out


def _few(names: Any, limit: int = 8) -> str:
    names = list(names)
    if not names:
        return "none defined"
    more = f", … ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _show(value: float) -> str:
    return f"{value:g}"
