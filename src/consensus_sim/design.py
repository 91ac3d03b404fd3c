"""The machinery of sweeps: field paths, parameters, designs, tasks and executors.

:mod:`.sweep` is the public entry point and says what a sweep is; :mod:`.store`
streams the results to disk. This module sits below both: it imports neither.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ScenarioError, shorten
from .scenario import Scenario, scenario_from_dict

#: Lists in a scenario whose items are addressed by their ``id`` in a path.
_KEYED_LISTS = ("actors", "dimensions", "events", "sources")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
#: The most points a design may have, and so the most values one parameter may take:
#: every point is validated as a whole scenario before the first run starts (about a
#: millisecond each for a 31-member scenario), and each is a row of points.csv.
MAX_POINTS = 100_000
#: Seconds to wait for a Dask scheduler to answer (the command checks it first, too).
SCHEDULER_TIMEOUT = 10.0


@dataclass(frozen=True)
class Parameter:
    """One varied field: its path and either the values to try or a range.

    Attributes:
        path: the field path, e.g. ``actors.FRA.salience.office``.
        values: values to try (grid design), or None for a range.
        bounds: (low, high) for a range, or None.
    """

    path: str
    values: tuple[Any, ...] | None = None
    bounds: tuple[float, float] | None = None

    @property
    def numeric(self) -> bool:
        if self.bounds is not None:
            return True
        return all(isinstance(v, int | float) and not isinstance(v, bool) for v in self.values)


def parse_parameter(text: str, source: str = "--vary") -> Parameter:
    """Parse ``PATH=SPEC`` (see the module docstring for SPEC)."""
    path, sep, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    if not sep or not path or not spec:
        raise ScenarioError(source, text, "expected PATH=SPEC, e.g. actors.FRA.salience.office="
                            "0:1:11, rule.threshold=0.5,0.6 or defaults.tolerance=0..0.2")
    return parameter(path, spec, source)


def parse_parameters(texts: Sequence[str], source: str = "--vary") -> list[Parameter]:
    """Parse each ``PATH=SPEC``; a path given twice is refused, since one of its two
    specs would otherwise be silently dropped."""
    parameters = [parse_parameter(text, source) for text in texts]
    seen: set[str] = set()
    for p in parameters:
        if p.path in seen:
            raise ScenarioError(source, p.path, "given twice; give each path once, with all "
                                "its values (e.g. PATH=v1,v2,v3 or PATH=a:b:n)")
        seen.add(p.path)
    return parameters


def parameter(path: str, spec: Any, source: str = "--vary") -> Parameter:
    """A :class:`Parameter` from a path and a spec (text, a list of values, or a range)."""
    if isinstance(spec, Parameter):
        return spec
    if isinstance(spec, list | tuple | np.ndarray):
        values = _uniform(tuple(v.item() if isinstance(v, np.generic) else v for v in spec))
        if not values:
            raise ScenarioError(source, path, "no values to try; give at least one")
        return Parameter(path, values=_bounded(values, source, path))
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return Parameter(path, values=_bounded((spec,), source, path))
    text = str(spec).strip()
    if m := re.fullmatch(rf"({_NUMBER})\s*\.\.\s*({_NUMBER})", text):
        low, high = _bounded((float(m[1]), float(m[2])), source, path)
        if not low < high:
            raise ScenarioError(source, path, f"range {text!r} is empty; allowed: lo..hi with "
                                "lo < hi")
        return Parameter(path, bounds=(low, high))
    if m := re.fullmatch(rf"({_NUMBER}):({_NUMBER}):(\d+)", text):
        n = int(m[3]) if len(m[3]) <= 9 else MAX_POINTS + 1  # more would only be refused
        if not 1 <= n <= MAX_POINTS:
            raise ScenarioError(source, path, f"{_shown(text)} asks for {m[3]} values; "
                                f"allowed: a:b:n with n from 1 to {MAX_POINTS:,}, as every "
                                "point is validated before the first run and written to "
                                "points.csv")
        low, high = _bounded((float(m[1]), float(m[2])), source, path)
        values = np.linspace(low, high, n)
        return Parameter(path, values=tuple(round(float(v), 12) for v in values))
    if ":" in text and not re.fullmatch(r"[\w.\-,]+", text):
        raise ScenarioError(source, path, f"cannot read {_shown(text)}; allowed: a:b:n, "
                            "v1,v2,v3 or lo..hi")
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise ScenarioError(source, path, f"empty value in {_shown(text)}; allowed: v1,v2,v3")
    return Parameter(path, values=_bounded(_uniform(tuple(_scalar(item) for item in items)),
                                           source, path))


def _bounded(values: tuple[Any, ...], source: str, path: str) -> tuple[Any, ...]:
    """``values``, after checking that there are at most :data:`MAX_POINTS` of them and
    that every number is finite (``1e999`` reads as infinity)."""
    if len(values) > MAX_POINTS:
        raise ScenarioError(source, path, f"{len(values):,} values; allowed: at most "
                            f"{MAX_POINTS:,}, as every point is validated before the first "
                            "run and written to points.csv")
    for v in values:
        if isinstance(v, float) and not math.isfinite(v):
            raise ScenarioError(source, path, "a number beyond the largest float (about "
                                "1.8e308) reads as infinity; allowed: finite numbers")
    return values


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted for an error line, shortened to ``limit`` characters."""
    return repr(shorten(text, limit))


def _uniform(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Numbers of one kind: a list mixing whole and decimal numbers becomes all floats."""
    numbers = [isinstance(v, int | float) and not isinstance(v, bool) for v in values]
    if all(numbers) and any(isinstance(v, float) for v in values):
        return tuple(float(v) for v in values)
    return values


def _scalar(text: str) -> Any:
    if re.fullmatch(_NUMBER, text):
        if re.fullmatch(r"[-+]?\d{1,18}", text):  # a whole number, exactly
            return int(text)
        return float(text)
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return text


# --------------------------------------------------------------------- paths


def set_path(data: dict[str, Any], path: str, value: Any, source: str = "--vary") -> None:
    """Set ``path`` in scenario ``data`` (plain dicts and lists) to ``value``.

    Items of ``actors``, ``dimensions``, ``events`` and ``sources`` are addressed by
    their id (``actors.FRA``); everything else by key. A key that the scenario leaves
    to its defaults (``actors.FRA.tolerance``) is created. Whether the value is
    allowed is checked when the scenario is validated.

    A field the scenario declares uncertain under ``uncertainty.fields``
    (``actors.FRA.position.office: {dist: triangular, ...}``) would ignore a stated
    value, since the declaration replaces it. Setting such a field therefore drops
    its declaration (and those of the fields inside it): the value set is then the
    field's stated value, drawn as any stated value is (by the ``position_sd`` and
    ``salience_sd`` shorthands, if the scenario has them). Without this, varying
    France's position in ``nato_tokyo_office`` would change no run at all.
    """
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            node = _item(node, part, source, path, where)
            continue
        if not isinstance(node, dict):
            raise ScenarioError(source, path, f"{where} is not a section with fields")
        if part not in node:
            if parts[depth - 1:depth] == ["actors"] or part in _KEYED_LISTS:
                raise ScenarioError(source, path, f"unknown section {where!r}")
            node[part] = {}
        node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        raise ScenarioError(source, path, f"{'.'.join(parts[:-1])} is a list: name an item by "
                            f"its id, then a field (e.g. {parts[0]}.ID.FIELD)")
    if not isinstance(node, dict):
        raise ScenarioError(source, path, f"{'.'.join(parts[:-1])} is a value, not a section")
    node[last] = value
    if parts[0] == "actors":
        _drop_declarations(data, path)


def _drop_declarations(data: dict[str, Any], path: str) -> None:
    """Remove the ``uncertainty.fields`` declarations of ``path`` and of the fields
    inside it: a value set for a field replaces what was declared for it."""
    uncertainty = data.get("uncertainty")
    fields = uncertainty.get("fields") if isinstance(uncertainty, dict) else None
    if isinstance(fields, dict):
        for key in [k for k in fields if k == path or k.startswith(path + ".")]:
            del fields[key]


def _item(items: list[Any], key: str, source: str, path: str, where: str) -> dict[str, Any]:
    for item in items:
        if isinstance(item, dict) and item.get("id") == key:
            return item
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    shown = ", ".join(map(str, ids[:8])) + (", …" if len(ids) > 8 else "")
    raise ScenarioError(source, path, f"unknown id {key!r} in {where.rsplit('.', 1)[0]}; "
                        f"allowed: {shown}")


def with_values(base: Scenario, assignments: dict[str, Any], source: str = "--vary") -> Scenario:
    """The base scenario with each path set to its value, validated."""
    data = copy.deepcopy(base_data(base))
    for path, value in assignments.items():
        set_path(data, path, value, source)
    try:
        return scenario_from_dict(data, source=base.id or "scenario")
    except ScenarioError as exc:
        shown = ", ".join(f"{p}={v!r}" for p, v in assignments.items())
        raise ScenarioError(source, exc.path or "", f"{exc.problem} (with {shown})") from None


def base_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data, ready to be modified and validated again. Fields
    set to null stay null (``abstainers_stop_at: null`` is not the default third)."""
    return scenario.model_dump(mode="json")


# -------------------------------------------------------------------- designs


def design_points(parameters: Sequence[Parameter], design: str = "grid",
                  samples: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """The points of a design, each a mapping from path to value.

    ``grid``: every combination of the parameters' values (ranges are not allowed).
    ``lhs``: ``samples`` points of a Latin hypercube over the ranges; a parameter
    given as a list of values is sampled over its values, stratified likewise.
    """
    if design == "grid":
        for p in parameters:
            if p.values is None:
                raise ScenarioError("--vary", p.path, "a range lo..hi needs --design lhs "
                                    "--samples K; for a grid give a:b:n or v1,v2,v3")
        sizes = [len(p.values) for p in parameters]
        _check_points(math.prod(sizes), "--vary", f"the grid has {' x '.join(map(str, sizes))} =")
        combos = itertools.product(*(p.values for p in parameters))
        return [dict(zip((p.path for p in parameters), combo, strict=True)) for combo in combos]
    if design == "lhs":
        if not samples or samples < 1:
            raise ScenarioError("--samples", "", "the lhs design needs --samples K with K >= 1")
        _check_points(samples, "--samples", "asks for")
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(parameters), seed=np.random.default_rng(seed)).random(
            samples)
        points = []
        for row in unit:
            point = {}
            for u, p in zip(row, parameters, strict=True):
                if p.bounds is not None:
                    low, high = p.bounds
                    point[p.path] = round(float(low + u * (high - low)), 12)
                else:
                    point[p.path] = p.values[min(int(u * len(p.values)), len(p.values) - 1)]
            points.append(point)
        return points
    raise ScenarioError("--design", "", f"unknown design {design!r}; allowed: grid, lhs")


def _check_points(points: int, source: str, what: str) -> None:
    """Refuse a design of more than :data:`MAX_POINTS` points before it is built."""
    if points > MAX_POINTS:
        raise ScenarioError(source, "", f"{what} {points:,} points; allowed: at most "
                            f"{MAX_POINTS:,}, as every point is validated before the first "
                            "run and written to points.csv")


@dataclass(frozen=True)
class Task:
    """Runs ``start .. stop-1`` of design point ``point``."""

    point: int
    start: int
    stop: int


def tasks_for(n_points: int, runs: int, chunk: int) -> list[Task]:
    """Every chunk of every point, in canonical order."""
    return [Task(p, s, min(s + chunk, runs)) for p in range(n_points)
            for s in range(0, runs, chunk)]


def default_chunk(runs: int) -> int:
    """Runs per task: about eight tasks per point, 16 to 1,000 runs each (never one
    task per run). It depends on nothing but ``runs``, so the stored parts -- and the
    files assembled from them -- are the same whatever the executor."""
    return max(1, min(runs, 1000, max(16, math.ceil(runs / 8))))


# -------------------------------------------------------------------- running


def run_task(base: dict[str, Any], assignments: dict[str, Any], task: Task,
             seed: int) -> dict[str, Any]:
    """Run one task; return its columns (numpy arrays), ready to be stored.

    Runs ``start .. stop-1`` are those of the plain ensemble of the point's scenario
    with ``seed``: the same random streams at every point (see the module docstring).
    """
    from .ensemble import OUTCOMES, simulate_chunk

    scenario = _scenario_for(base, assignments, task.point)
    chunk = simulate_chunk(scenario, seed, task.start, task.stop)
    a = scenario.arrays
    member_ids = np.array([*a.member_ids, ""])
    columns: dict[str, Any] = {
        "point": np.full(task.stop - task.start, task.point, dtype=np.int32),
        "run": np.arange(task.start, task.stop, dtype=np.int64),
        "outcome": np.array(OUTCOMES)[chunk.outcome],
        "rounds": chunk.rounds.astype(np.int16),
    }
    for k, dim in enumerate(scenario.dimension_ids):
        columns[f"final_{dim}"] = chunk.final[:, k]
    columns["costliest_blocker"] = member_ids[chunk.costliest]
    return columns


# A worker process keeps the scenarios of the points it ran last.
_worker_base: dict[str, Any] | None = None
_worker_cache: dict[int, Scenario] = {}


def _scenario_for(base: dict[str, Any], assignments: dict[str, Any], point: int) -> Scenario:
    scenario = _worker_cache.get(point) if base is _worker_base else None
    if scenario is None:
        data = copy.deepcopy(base)
        for path, value in assignments.items():
            set_path(data, path, value)
        scenario = scenario_from_dict(data)
        if base is _worker_base:
            if len(_worker_cache) >= 16:
                _worker_cache.pop(next(iter(_worker_cache)))
            _worker_cache[point] = scenario
    return scenario


def _init_worker(base: dict[str, Any]) -> None:
    global _worker_base
    _worker_base = base
    _worker_cache.clear()


def _worker_task(assignments: dict[str, Any], task: Task, seed: int) -> tuple[Task, dict]:
    assert _worker_base is not None
    return task, run_task(_worker_base, assignments, task, seed)


def _dask_task(base: dict[str, Any], assignments: dict[str, Any], task: Task,
               seed: int) -> tuple[Task, dict]:
    return task, run_task(base, assignments, task, seed)


def execute(base: dict[str, Any], points: list[dict[str, Any]], tasks: list[Task], seed: int,
            jobs: int = 1, scheduler: str | None = None) -> Iterator[tuple[Task, dict]]:
    """Run ``tasks``, yielding each with its columns as it finishes.

    ``scheduler`` (``tcp://host:port``) sends tasks to a Dask distributed cluster;
    otherwise ``jobs > 1`` uses local worker processes and ``jobs == 1`` this one.
    """
    if scheduler is not None:
        yield from _execute_dask(base, points, tasks, seed, scheduler)
        return
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield task, run_task(base, points[task.point], task, seed)
        return
    from concurrent.futures import FIRST_COMPLETED, wait

    from .ensemble import worker_pool

    with worker_pool(min(jobs, len(tasks)), _init_worker, (base,)) as pool:
        pending = set()
        queue = iter(tasks)
        # Keep a bounded number of tasks in flight, so memory stays flat.
        for task in itertools.islice(queue, 4 * jobs):
            pending.add(pool.submit(_worker_task, points[task.point], task, seed))
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                task = next(queue, None)
                if task is not None:
                    pending.add(pool.submit(_worker_task, points[task.point], task, seed))


def _execute_dask(base: dict[str, Any], points: list[dict[str, Any]], tasks: list[Task],
                  seed: int, scheduler: str) -> Iterator[tuple[Task, dict]]:
    from distributed import Client, as_completed

    with Client(scheduler, set_as_default=False, timeout=SCHEDULER_TIMEOUT) as client:
        shared = client.scatter(base, broadcast=True)

        def submit(task: Task):
            return client.submit(_dask_task, shared, points[task.point], task, seed, pure=False)

        queue = iter(tasks)
        # Keep a bounded number of tasks in flight, so memory stays flat.
        in_flight = max(8, 4 * sum(client.nthreads().values()))
        futures = as_completed([submit(t) for t in itertools.islice(queue, in_flight)],
                               loop=client.loop)
        for future in futures:
            yield future.result()
            future.release()
            task = next(queue, None)
            if task is not None:
                futures.add(submit(task))
