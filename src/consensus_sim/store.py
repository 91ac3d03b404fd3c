"""Crash-safe, streamed results of sweeps, and resuming them.

A results folder holds:

- ``manifest.json`` -- the scenario (hash and full content), the seed, the design
  (every point's values), runs per point, the chunking, the version, the command
  and ``"random_numbers": "common"`` (see :mod:`.sweep`; folders written before
  common random numbers lack it);
- ``parts/`` -- one Parquet file per finished chunk of runs, written to a temporary
  name and renamed, so a Ctrl-C or a ``kill -9`` never leaves a half-written part
  and never loses a finished one;
- once every part is in: ``runs.parquet`` and ``runs.csv`` (one row per run, in
  point and run order) and ``points.csv`` (one row per point, with outcome shares
  and their 95% intervals), written part by part so memory stays flat.

``resume`` reads the manifest, runs only the missing parts and writes the same
files an uninterrupted sweep would have written, byte for byte. A folder written
with per-point random streams (no ``random_numbers`` in its manifest) is refused:
completing it now would mix two schemes in one table.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ScenarioError
from .kernel import ADOPTED_OUTCOMES, OUTCOMES
from .scenario import Scenario, load_scenario, scenario_from_dict
from .sweep import (
    Parameter,
    Task,
    base_data,
    default_chunk,
    design_points,
    execute,
    parameter,
    tasks_for,
    with_values,
)

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

MANIFEST = "manifest.json"
#: How the runs of different points draw their random numbers (see :mod:`.sweep`).
RANDOM_NUMBERS = "common"


@dataclass(frozen=True)
class SweepSpec:
    """Everything that determines a sweep's results."""

    scenario: Scenario
    parameters: tuple[Parameter, ...]
    points: tuple[dict[str, Any], ...]
    runs: int
    seed: int
    design: str
    samples: int | None
    chunk: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, scenario: Scenario | str, vary: dict[str, Any], runs: int = 100,
               seed: int = 0, design: str = "grid", samples: int | None = None,
               points: list[dict[str, Any]] | None = None, chunk: int | None = None,
               extra: dict[str, Any] | None = None) -> SweepSpec:
        """Check the parameters and build the design; every point is validated now."""
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if runs < 1:
            raise ScenarioError("--runs", "", f"must be at least 1 (got {runs})")
        if not vary:
            raise ScenarioError("--vary", "", "nothing to vary; give at least one PATH=SPEC")
        parameters = tuple(parameter(path, spec) for path, spec in vary.items())
        if points is None:
            points = design_points(parameters, design, samples, seed)
        for point in points:
            with_values(scenario, point)  # raises a one-line ScenarioError
        chunk = chunk or default_chunk(runs)
        return cls(scenario, parameters, tuple(points), runs, seed, design, samples, chunk,
                   extra or {})

    @property
    def tasks(self) -> list[Task]:
        return tasks_for(len(self.points), self.runs, self.chunk)

    def manifest(self) -> dict[str, Any]:
        from . import __version__

        return {
            "kind": "sweep",
            "version": __version__,
            "scenario": self.scenario.id,
            "scenario_sha256": self.scenario.content_hash(),
            "scenario_content": base_data(self.scenario),
            "seed": self.seed,
            "random_numbers": RANDOM_NUMBERS,
            "runs_per_point": self.runs,
            "chunk": self.chunk,
            "design": {
                "kind": self.design,
                "samples": self.samples,
                "parameters": [{"path": p.path, "values": list(p.values) if p.values else None,
                                "bounds": list(p.bounds) if p.bounds else None}
                               for p in self.parameters],
                "points": list(self.points),
            },
            "extra": self.extra,
            "command": shlex.join(["consensus-sim", *sys.argv[1:]]),
        }

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], source: str) -> SweepSpec:
        try:
            scenario = scenario_from_dict(manifest["scenario_content"], source=source)
            design = manifest["design"]
            parameters = tuple(
                Parameter(p["path"], tuple(p["values"]) if p["values"] is not None else None,
                          tuple(p["bounds"]) if p["bounds"] is not None else None)
                for p in design["parameters"])
            return cls(scenario, parameters, tuple(design["points"]),
                       manifest["runs_per_point"], manifest["seed"], design["kind"],
                       design["samples"], manifest["chunk"], manifest.get("extra", {}))
        except (KeyError, TypeError) as exc:
            raise ScenarioError(source, "", f"not a sweep manifest (missing {exc})") from None

    def same_as(self, other: SweepSpec) -> bool:
        """Whether two specs produce the same results (the command line aside)."""
        mine, theirs = self.manifest(), other.manifest()
        keys = ("scenario_sha256", "seed", "runs_per_point", "chunk", "design")
        return all(mine[k] == theirs[k] for k in keys)


class SweepResult:
    """A sweep's results, in a folder or in memory."""

    def __init__(self, spec: SweepSpec, out: Path | None,
                 memory: dict[Task, dict[str, Any]] | None = None) -> None:
        self.spec = spec
        self.out = out
        self._memory = memory
        self._points: pd.DataFrame | None = None

    def _parts(self):
        for task in self.spec.tasks:
            if self._memory is not None:
                yield task, _arrow(self.spec, task, self._memory[task])
            else:
                import pyarrow.parquet as pq

                yield task, pq.read_table(part_path(self.out, task))

    def table(self) -> pd.DataFrame:
        """Every run, one row each, in point and run order."""
        import pyarrow as pa

        if self.out is not None and (self.out / "runs.parquet").exists():
            import pyarrow.parquet as pq

            return pq.read_table(self.out / "runs.parquet").to_pandas()
        return pa.concat_tables([t for _, t in self._parts()]).to_pandas()

    def points(self) -> pd.DataFrame:
        """One row per design point: its values, outcome shares with Wilson 95%
        intervals, mean rounds and the mean final text per dimension (computed once)."""
        if self._points is None:
            totals = _PointTotals(self.spec)
            for task, table in self._parts():
                totals.add(task, table)
            self._points = totals.frame()
        return self._points


class _PointTotals:
    """Counts and sums per design point, added one part of runs at a time."""

    def __init__(self, spec: SweepSpec) -> None:
        self.spec = spec
        n = len(spec.points)
        self.counts = np.zeros((n, len(OUTCOMES)), dtype=np.int64)
        self.rounds = np.zeros(n)
        self.finals = np.zeros((n, len(spec.scenario.dimension_ids)))

    def add(self, task: Task, table: pa.Table) -> None:
        import pyarrow.compute as pc

        for item in pc.value_counts(table.column("outcome")).to_pylist():
            self.counts[task.point, OUTCOMES.index(item["values"])] += item["counts"]
        self.rounds[task.point] += table.column("rounds").to_numpy().sum()
        for k, dim in enumerate(self.spec.scenario.dimension_ids):
            self.finals[task.point, k] += table.column(f"final_{dim}").to_numpy().sum()

    def frame(self) -> pd.DataFrame:
        import pandas as pd
        from scipy.stats import binomtest

        dims = self.spec.scenario.dimension_ids
        counts, runs = self.counts, self.spec.runs
        adopted = [OUTCOMES.index(name) for name in ADOPTED_OUTCOMES]
        rows = []
        for p, point in enumerate(self.spec.points):
            row: dict[str, Any] = {"point": p, **point, "runs": runs}
            shares = {**{name: counts[p, k] for k, name in enumerate(OUTCOMES)},
                      "adopted_any": counts[p, adopted].sum()}  # adopted in any way
            for name, k in shares.items():
                interval = binomtest(int(k), runs).proportion_ci(0.95, method="wilson")
                row[f"p_{name}"] = round(k / runs, 6)
                row[f"p_{name}_low"] = round(float(interval.low), 6)
                row[f"p_{name}_high"] = round(float(interval.high), 6)
            row["mean_rounds"] = round(self.rounds[p] / runs, 6)
            for k, dim in enumerate(dims):
                row[f"mean_final_{dim}"] = round(self.finals[p, k] / runs, 6)
            rows.append(row)
        return pd.DataFrame(rows)


def part_path(out: Path, task: Task) -> Path:
    return out / "parts" / f"point-{task.point:06d}-run-{task.start:09d}.parquet"


def _arrow(spec: SweepSpec, task: Task, columns: dict[str, Any]) -> pa.Table:
    """A task's columns as an Arrow table, with the point's values as columns."""
    import pyarrow as pa

    n = task.stop - task.start
    data: dict[str, Any] = {"point": columns["point"]}
    for p in spec.parameters:
        value = spec.points[task.point][p.path]
        data[p.path] = pa.array([value] * n)
    for key in ("run", "outcome", "rounds"):
        data[key] = columns[key]
    for key, value in columns.items():
        if key.startswith("final_"):
            data[key] = value
    data["costliest_blocker"] = columns["costliest_blocker"]
    return pa.table(data)


def read_manifest(out: Path) -> dict[str, Any]:
    path = out / MANIFEST
    if not path.is_file():
        raise ScenarioError(str(out), "", f"no {MANIFEST} here: not a results folder "
                            "(run a sweep with --out first)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ScenarioError(str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}") \
            from None


def run_sweep(spec: SweepSpec, out: str | Path | None = None, jobs: int | None = 1,
              scheduler: str | None = None, progress: bool | None = False,
              resume: bool = False,
              on_task: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run a sweep, streaming each finished chunk to ``out`` (if given).

    With ``resume``, ``out`` must hold a manifest of the same sweep: only missing
    parts run. Without it, ``out`` must not hold another sweep's results.
    """
    from tqdm.auto import tqdm

    from .ensemble import available_cores

    jobs = available_cores() if jobs is None or jobs < 1 else jobs
    tasks = spec.tasks
    memory: dict[Task, dict[str, Any]] | None = None
    if out is None:
        memory = {}
        todo = tasks
    else:
        out = Path(out)
        todo = _prepare(spec, out, resume)
    base = base_data(spec.scenario)
    total = len(spec.points) * spec.runs
    done_runs = total - sum(t.stop - t.start for t in todo)
    with tqdm(total=total, initial=done_runs, unit="run", desc="sweep", smoothing=0.1,
              disable=None if progress is None else not progress, leave=False) as bar:
        for task, columns in execute(base, list(spec.points), todo, spec.seed, jobs, scheduler):
            if memory is not None:
                memory[task] = columns
            else:
                _write_part(spec, out, task, columns)
            bar.update(task.stop - task.start)
            done_runs += task.stop - task.start
            if on_task is not None:
                on_task(done_runs, total)
    result = SweepResult(spec, out, memory)
    if out is not None:
        _consolidate(result)
    return result


def _prepare(spec: SweepSpec, out: Path, resume: bool) -> list[Task]:
    """Check or write the manifest; return the tasks still to run."""
    manifest_path = out / MANIFEST
    if manifest_path.exists():
        manifest = read_manifest(out)
        if manifest.get("random_numbers") != RANDOM_NUMBERS:
            raise ScenarioError(str(out), "", "holds results run with per-point random "
                                "streams (before common random numbers); adding runs now "
                                "would mix two schemes: run the sweep again into another --out")
        existing = SweepSpec.from_manifest(manifest, str(manifest_path))
        if not existing.same_as(spec):
            raise ScenarioError(str(out), "", "holds the results of a different sweep; "
                                "use another --out, or --resume with the same sweep")
        if not resume:
            raise ScenarioError(str(out), "", "already holds this sweep's results; add "
                                "--resume to complete them, or use another --out")
    else:
        out.mkdir(parents=True, exist_ok=True)
        _atomic_write(manifest_path, json.dumps(spec.manifest(), indent=2) + "\n")
    parts = out / "parts"
    parts.mkdir(exist_ok=True)
    for stale in parts.glob("*.tmp"):
        stale.unlink()
    return [t for t in spec.tasks if not part_path(out, t).exists()]


def _write_part(spec: SweepSpec, out: Path, task: Task, columns: dict[str, Any]) -> None:
    import pyarrow.parquet as pq

    path = part_path(out, task)
    tmp = path.with_suffix(".tmp")
    pq.write_table(_arrow(spec, task, columns), tmp)
    os.replace(tmp, path)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _consolidate(result: SweepResult) -> None:
    """Write runs.parquet, runs.csv and points.csv from the parts, in canonical order."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    out = result.out
    writer = None
    tmp_parquet = out / "runs.parquet.tmp"
    tmp_csv = out / "runs.csv.tmp"
    totals = _PointTotals(result.spec)  # the points' totals in the same pass
    with tmp_csv.open("wb") as csv_file:
        for i, (task, table) in enumerate(result._parts()):
            if writer is None:
                writer = pq.ParquetWriter(tmp_parquet, table.schema)
            writer.write_table(table)
            options = pacsv.WriteOptions(include_header=i == 0)
            pacsv.write_csv(_rounded(table), csv_file, options)
            totals.add(task, table)
    writer.close()
    os.replace(tmp_parquet, out / "runs.parquet")
    os.replace(tmp_csv, out / "runs.csv")
    points = result._points = totals.frame()
    _atomic_write(out / "points.csv", points.to_csv(index=False, float_format="%.6f"))


def _rounded(table: pa.Table) -> pa.Table:
    """Floats printed with six decimals in CSV, as everywhere else."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_floating(column.type):
            column = pc.round(column, 6)
        columns.append(column)
    return pa.table(columns, names=table.column_names)
