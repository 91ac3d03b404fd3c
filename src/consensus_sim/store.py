"""Crash-safe, streamed results of sweeps, and resuming them.

A results folder holds:

- ``manifest.json`` -- the scenario (hash and full content), the seed, the design
  (every point's values), runs per point, the chunking, the version, the command
  and ``"random_numbers": "common"`` (see :mod:`.sweep`; folders written before
  common random numbers lack it);
- ``parts/`` -- one Parquet file per finished chunk of runs, written to a temporary
  name and renamed, so a Ctrl-C or a ``kill -9`` never leaves a half-written part
  and never loses a finished one. Each part records, in its Parquet metadata, the
  manifest's fingerprint (a hash of what determines the runs: scenario, design,
  runs per point, seed, chunking) and its runs; a part that does not match its
  folder's manifest is refused, never mixed in;
- once every part is in: ``runs.parquet`` and ``runs.csv`` (one row per run, in
  point and run order) and ``points.csv`` (one row per point, with outcome shares
  and their 95% intervals), written part by part so memory stays flat.

``resume`` reads the manifest, runs only the missing parts and writes the same
files an uninterrupted sweep would have written, byte for byte. A folder written
with per-point random streams (no ``random_numbers`` in its manifest) is refused:
completing it now would mix two schemes in one table. So is a manifest edited since
the sweep started (its fingerprint no longer matches it). One process at a time
writes a folder (:func:`.outputs.folder_lock`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import sys
from collections.abc import Callable
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .design import (
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
from .errors import ScenarioError
from .kernel import ADOPTED_OUTCOMES, OUTCOMES
from .outputs import (
    MANIFEST,
    folder_kind,
    folder_lock,
    make_folder,
    read_manifest,
    replaced_file,
    results_garbage,
    temporary,
    whole_number,
    write_text,
)
from .scenario import Scenario, load_scenario, scenario_from_dict

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: How the runs of different points draw their random numbers (see :mod:`.sweep`).
RANDOM_NUMBERS = "common"
#: The manifest's entries that determine every run; their hash is its fingerprint.
RESULT_KEYS = ("scenario_sha256", "seed", "random_numbers", "runs_per_point", "chunk", "design")
#: Keys of a part's Parquet metadata: the fingerprint of its sweep, and its runs.
_PART_SWEEP, _PART_RUNS = b"consensus_sim.sweep", b"consensus_sim.runs"


def fingerprint(manifest: dict[str, Any]) -> str:
    """SHA-256 of the manifest's :data:`RESULT_KEYS`: equal for sweeps whose runs are
    equal, whatever their command line."""
    text = json.dumps({key: manifest.get(key) for key in RESULT_KEYS}, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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

    @property
    def kind(self) -> str:
        """The command whose results these are: sweep or sensitivity."""
        return "sensitivity" if "sensitivity" in self.extra else "sweep"

    def fingerprint(self) -> str:
        """See :func:`fingerprint`."""
        return fingerprint(self._content())

    def manifest(self) -> dict[str, Any]:
        content = self._content()
        return {**content, "fingerprint": fingerprint(content),
                "command": shlex.join(["consensus-sim", *sys.argv[1:]])}

    def _content(self) -> dict[str, Any]:
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
        }

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], source: str) -> SweepSpec:
        """The spec a manifest records; a one-line ScenarioError naming the first entry
        that is missing or of the wrong type (a manifest cut short or edited)."""
        for key, low in (("runs_per_point", 1), ("chunk", 1), ("seed", 0)):
            whole_number(manifest, key, source, low)
        try:
            scenario = scenario_from_dict(manifest["scenario_content"], source=source)
            design = manifest["design"]
            parameters = tuple(
                Parameter(p["path"], tuple(p["values"]) if p["values"] is not None else None,
                          tuple(p["bounds"]) if p["bounds"] is not None else None)
                for p in design["parameters"])
            points = tuple(design["points"])
            paths = [p.path for p in parameters]
            if not paths or not all(isinstance(p, str) for p in paths) or not all(
                    isinstance(point, dict) and list(point) == paths for point in points):
                raise TypeError("'design.points' naming each of 'design.parameters'")
            extra = manifest.get("extra", {})
            if not isinstance(extra, dict):
                raise TypeError("'extra', an object")
            return cls(scenario, parameters, points, manifest["runs_per_point"],
                       manifest["seed"], design["kind"], design["samples"], manifest["chunk"],
                       extra)
        except KeyError as exc:
            raise ScenarioError(source, "", f"not a sweep manifest (missing {exc})") from None
        except (TypeError, ValueError) as exc:
            raise ScenarioError(source, "", f"not a sweep manifest (expected {exc})") from None

    def same_as(self, other: SweepSpec) -> bool:
        """Whether two specs produce the same results (the command line aside)."""
        return self.fingerprint() == other.fingerprint() and self.extra == other.extra


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
                yield task, _read_part(part_path(self.out, task))

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
        self.finals = np.zeros((n, len(spec.scenario.dimension_ids)))  # adopted texts only

    def add(self, task: Task, table: pa.Table) -> None:
        import pyarrow.compute as pc

        for item in pc.value_counts(table.column("outcome")).to_pylist():
            self.counts[task.point, OUTCOMES.index(item["values"])] += item["counts"]
        self.rounds[task.point] += table.column("rounds").to_numpy().sum()
        adopted = np.isin(table.column("outcome").to_numpy(zero_copy_only=False),
                          ADOPTED_OUTCOMES)
        for k, dim in enumerate(self.spec.scenario.dimension_ids):
            final = table.column(f"final_{dim}").to_numpy()
            self.finals[task.point, k] += final[adopted].sum()

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
            won = int(shares["adopted_any"])  # the mean adopted text: of the runs adopting one
            for k, dim in enumerate(dims):
                row[f"mean_final_{dim}"] = round(self.finals[p, k] / won, 6) if won else np.nan
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


def run_sweep(spec: SweepSpec, out: str | Path | None = None, jobs: int | None = 1,
              scheduler: str | None = None, progress: bool | None = False,
              resume: bool = False,
              on_task: Callable[[int, int], None] | None = None) -> SweepResult:
    """Run a sweep, streaming each finished chunk to ``out`` (if given).

    With ``resume``, ``out`` must hold a manifest of the same sweep: only missing
    parts run. Without it, ``out`` must be new or empty. Either way no other
    consensus-sim may be writing ``out`` at the same time (one-line ScenarioError).
    """
    from tqdm.auto import tqdm

    from .ensemble import available_cores

    jobs = available_cores() if jobs is None or jobs < 1 else jobs
    tasks = spec.tasks
    memory: dict[Task, dict[str, Any]] | None = {} if out is None else None
    out = None if out is None else Path(out)
    with nullcontext() if out is None else folder_lock(out) as lock:
        todo, mark = tasks, spec.fingerprint()
        if out is not None:
            manifest = _prepare(spec, out, resume)
            lock.tidy(results_garbage(out))
            done = _finished_parts(spec, out, mark, marked="fingerprint" in manifest)
            todo = [t for t in tasks if t not in done]
        base = base_data(spec.scenario)
        total = len(spec.points) * spec.runs
        done_runs = total - sum(t.stop - t.start for t in todo)
        with tqdm(total=total, initial=done_runs, unit="run", desc="sweep", smoothing=0.1,
                  disable=None if progress is None else not progress, leave=False) as bar:
            for task, columns in execute(base, list(spec.points), todo, spec.seed, jobs,
                                         scheduler):
                if memory is not None:
                    memory[task] = columns
                else:
                    _write_part(spec, out, task, columns, mark)
                bar.update(task.stop - task.start)
                done_runs += task.stop - task.start
                if on_task is not None:
                    on_task(done_runs, total)
        result = SweepResult(spec, out, memory)
        if out is not None:
            _consolidate(result)
    return result


def _prepare(spec: SweepSpec, out: Path, resume: bool) -> dict[str, Any]:
    """Check the manifest in ``out`` against ``spec``, or write it in a new folder;
    return it."""
    manifest_path = out / MANIFEST
    if manifest_path.exists():
        manifest = read_manifest(out)
        _check_manifest(spec, out, manifest, resume)
        return manifest
    if out.exists() and not out.is_dir():
        raise ScenarioError(str(out), "", "is a file, not a folder; use another --out")
    if out.exists() and any(out.iterdir()):
        what = "parts/ of a sweep" if (out / "parts").exists() else "files"
        raise ScenarioError(str(out), "", f"holds {what} but no {MANIFEST}: not a results "
                            "folder whose runs can be told apart, so nothing is written into "
                            "it; use another --out (a new or empty folder)")
    created = not out.exists()
    make_folder(out)
    manifest = spec.manifest()
    try:
        write_text(manifest_path, json.dumps(manifest, indent=2) + "\n")
        (out / "parts").mkdir(exist_ok=True)
    except BaseException:
        if created:
            import shutil

            shutil.rmtree(out, ignore_errors=True)
        raise
    return manifest


def _check_manifest(spec: SweepSpec, out: Path, manifest: dict[str, Any], resume: bool) -> None:
    """Refuse a folder of another command, another sweep, or an edited manifest."""
    source = str(out / MANIFEST)
    kind = folder_kind(manifest)
    if kind != spec.kind:
        raise ScenarioError(str(out), "", f"holds the results of consensus-sim {kind}, not "
                            f"of a {spec.kind}; use another --out")
    if manifest.get("random_numbers") != RANDOM_NUMBERS:
        raise ScenarioError(str(out), "", "holds results run with per-point random "
                            "streams (before common random numbers); adding runs now "
                            "would mix two schemes: run the sweep again into another --out")
    existing = SweepSpec.from_manifest(manifest, source)
    if manifest.get("fingerprint", fingerprint(manifest)) != fingerprint(manifest):
        raise ScenarioError(source, "", "edited since the sweep started (its scenario, "
                            "design, runs, seed or chunking no longer match its fingerprint); "
                            "its finished parts would be mixed with other runs: run the sweep "
                            "again into another --out")
    if existing.scenario.content_hash() != manifest.get("scenario_sha256"):
        raise ScenarioError(source, "scenario_content", "does not match scenario_sha256 "
                            f"(edited, or written by consensus-sim {manifest.get('version')}); "
                            "adding runs now would mix two scenarios: run the sweep again "
                            "into another --out")
    if not existing.same_as(spec):
        raise ScenarioError(str(out), "", "holds the results of a different sweep; "
                            "use another --out, or --resume with the same sweep")
    if not resume:
        raise ScenarioError(str(out), "", "already holds this sweep's results; add "
                            "--resume to complete them, or use another --out")


def _finished_parts(spec: SweepSpec, out: Path, mark: str, marked: bool) -> set[Task]:
    """The tasks whose parts are in ``out/parts``, each checked against the sweep's
    fingerprint ``mark`` (``marked``: parts must carry it; folders of 0.2.0 have
    unmarked parts).

    A part of another sweep (or renamed, or unreadable) is refused in one line rather
    than mixed in or deleted: the user decides what to do with it.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = out / "parts"
    expected = {part_path(out, t).name: t for t in spec.tasks}
    done = set()
    for path in sorted(parts.iterdir()) if parts.is_dir() else ():
        if path.name.startswith("."):  # hidden: not ours (ours were tidied away)
            continue
        task = expected.get(path.name)
        if task is None:
            raise ScenarioError(str(path), "", f"is not a part of the sweep in {MANIFEST}; "
                                f"move it out of {parts} to resume")
        try:
            meta = pq.read_metadata(path)
        except pa.ArrowException as exc:
            raise _unreadable(path, exc) from None
        info = meta.metadata or {}
        runs = f"{task.point} {task.start} {task.stop}".encode()
        if info.get(_PART_SWEEP, None if marked else mark.encode()) != mark.encode():
            raise ScenarioError(str(path), "", f"belongs to another sweep (its inputs differ "
                                f"from {MANIFEST}'s); move the parts that do not belong out of "
                                f"{parts}, or run this sweep into another --out")
        if info.get(_PART_RUNS, runs) != runs or meta.num_rows != task.stop - task.start:
            raise ScenarioError(str(path), "", f"holds other runs than its name says "
                                f"(point {task.point}, runs {task.start}..{task.stop - 1}); "
                                "delete it and resume: its runs will be run again")
        done.add(task)
    return done


def _write_part(spec: SweepSpec, out: Path, task: Task, columns: dict[str, Any],
                mark: str) -> None:
    """Write a task's part (marked with the sweep's fingerprint ``mark``) atomically."""
    import pyarrow.parquet as pq

    path = part_path(out, task)
    table = _arrow(spec, task, columns).replace_schema_metadata({
        _PART_SWEEP: mark.encode(),
        _PART_RUNS: f"{task.point} {task.start} {task.stop}".encode()})
    with replaced_file(path) as tmp:
        pq.write_table(table, tmp)


def _read_part(path: Path) -> pa.Table:
    """A part's runs (without the metadata that ties it to its sweep)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path).replace_schema_metadata(None)
    except pa.ArrowException as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: Exception) -> Exception:
    """The error for a part that cannot be read: the file-system error itself (one
    line from the command line), or a one-line ScenarioError for a damaged file."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc
    return ScenarioError(str(path), "", f"not a readable Parquet file ({exc}); delete it and "
                         "resume: its runs will be run again")


def _consolidate(result: SweepResult) -> None:
    """Write runs.parquet, runs.csv and points.csv from the parts, in canonical order
    (each under a temporary name, renamed once whole; none is left on failure)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    out = result.out
    writer = None
    tmp_parquet, tmp_csv = temporary(out / "runs.parquet"), temporary(out / "runs.csv")
    totals = _PointTotals(result.spec)  # the points' totals in the same pass
    try:
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
    except BaseException:
        if writer is not None:
            with suppress(Exception):
                writer.close()
        for tmp in (tmp_parquet, tmp_csv):
            with suppress(OSError):
                tmp.unlink()
        raise
    points = result._points = totals.frame()
    write_text(out / "points.csv", points.to_csv(index=False, float_format="%.6f"))


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
