"""Whether a finished results folder's files agree with its manifest.

Before ``plot`` or ``report`` read a folder, :func:`check_folder` checks it: as many
runs in ``runs.csv`` as the manifest says, the points and indices of a sweep or a
sensitivity analysis, every file readable. The first file that is missing, cut
short, edited or unreadable is named in one line (see docs/outputs.md). This module
sits above :mod:`.outputs`, :mod:`.store` and :mod:`.sensitivity`: none imports it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import ScenarioError
from .outputs import MANIFEST, folder_kind, read_manifest, whole_number


def check_folder(folder: Path) -> dict[str, Any]:
    """Read a finished results folder's manifest and check its files agree with it.

    Raises a one-line ScenarioError naming the first file that is missing, cannot be
    read, or does not agree: e.g. a ``runs.csv`` with fewer rows than the manifest's
    runs (a folder mixing two runs, or a file cut short). Returns the manifest.
    """
    manifest = read_manifest(folder)
    kind = manifest.get("kind")
    if kind == "run":
        _check_run(folder, manifest)
    elif kind == "sweep":
        _check_sweep(folder, manifest)
    else:
        raise ScenarioError(str(folder / MANIFEST), "kind", f"unknown kind {kind!r}; allowed: "
                            "run, sweep")
    return manifest


def _check_run(folder: Path, manifest: dict[str, Any]) -> None:
    source = folder / MANIFEST
    runs = whole_number(manifest, "runs", source, 1)
    seed = whole_number(manifest, "seed", source, 0)
    if not isinstance(manifest.get("scenario_content"), dict):
        raise ScenarioError(str(source), "scenario_content", "missing or not an object")
    path = _present(folder, "summary.json", "run")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ScenarioError(str(path), "", "not valid JSON (edited or cut short)") from None
    if not isinstance(summary, dict):
        raise ScenarioError(str(path), "", "not a summary: not a JSON object")
    for key, value in (("runs", runs), ("seed", seed),
                       ("scenario_sha256", manifest.get("scenario_sha256"))):
        if summary.get(key) != value:
            raise _disagree(path, key, summary.get(key), value, "run")
    rows = _csv_rows(_present(folder, "runs.csv", "run"))
    if rows != runs:
        raise _disagree(folder / "runs.csv", "rows", rows, runs, "run")
    for name in ("drawn.parquet", "rounds.parquet"):
        if (folder / name).exists():
            count = _parquet_rows(folder / name)
            if name == "drawn.parquet" and count != runs:
                raise _disagree(folder / name, "rows", count, runs, "run")


def _check_sweep(folder: Path, manifest: dict[str, Any]) -> None:
    import pandas as pd

    from .store import SweepSpec, fingerprint

    spec = SweepSpec.from_manifest(manifest, str(folder / MANIFEST))
    if manifest.get("fingerprint", fingerprint(manifest)) != fingerprint(manifest):
        raise ScenarioError(str(folder / MANIFEST), "", "edited since the sweep ran (its "
                            "scenario, design, runs, seed or chunking no longer match its "
                            "fingerprint), so it no longer describes the folder's results")
    kind = folder_kind(manifest)
    n, total = len(spec.points), len(spec.points) * spec.runs
    if not (folder / "points.csv").is_file():
        raise ScenarioError(str(folder), "", f"the {kind} is not finished (no points.csv); "
                            f"complete it with consensus-sim {kind} --resume {folder}")
    points = _read_csv(folder / "points.csv")
    paths = [p.path for p in spec.parameters]
    needed = ["point", *paths, "runs", "p_adopted_any", "p_adopted_any_low",
              "p_adopted_any_high", "mean_rounds"]
    _columns(folder / "points.csv", points, needed)
    if len(points) != n or points["point"].tolist() != list(range(n)):
        raise _disagree(folder / "points.csv", "rows", len(points), n, kind,
                        what="design points")
    numbers = needed[1 + len(paths):]
    if not all(pd.api.types.is_numeric_dtype(points[c]) for c in numbers):
        raise ScenarioError(str(folder / "points.csv"), "", "holds text where numbers belong "
                            f"({', '.join(numbers)}); the file was edited")
    for name, count_rows in (("runs.parquet", _parquet_rows), ("runs.csv", _csv_rows)):
        path = _present(folder, name, kind)
        if (count := count_rows(path)) != total:
            raise _disagree(path, "rows", count, total, kind)
    if kind == "sensitivity":
        from .sensitivity import INDICES, WITH_NOISE

        if not (folder / "sensitivity.csv").is_file():
            raise ScenarioError(str(folder), "", "the sensitivity analysis is not finished "
                                "(no sensitivity.csv); complete it with consensus-sim "
                                f"sensitivity --resume {folder}")
        method = spec.extra["sensitivity"].get("method") if isinstance(
            spec.extra.get("sensitivity"), dict) else None
        if method not in INDICES:
            raise ScenarioError(str(folder / MANIFEST), "extra.sensitivity.method",
                                f"unknown method {method!r}; allowed: {', '.join(INDICES)}")
        indices = _read_csv(folder / "sensitivity.csv")
        _columns(folder / "sensitivity.csv", indices,
                 ["parameter", *INDICES[method], *(f"{k}_conf" for k in WITH_NOISE[method])])
        if indices["parameter"].astype(str).tolist() != paths:
            raise ScenarioError(str(folder / "sensitivity.csv"), "parameter",
                                f"lists {indices['parameter'].astype(str).tolist()}, not the "
                                f"parameters of {MANIFEST} ({paths}); the file was edited "
                                "or belongs to another analysis")
        if not all(pd.api.types.is_numeric_dtype(indices[k]) for k in INDICES[method]):
            raise ScenarioError(str(folder / "sensitivity.csv"), "", "holds text where "
                                "indices belong; the file was edited")


def _present(folder: Path, name: str, kind: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise ScenarioError(str(folder), "", f"incomplete: {name} is missing; run "
                            f"consensus-sim {kind} into it again")
    return path


def _disagree(path: Path, key: str, found: Any, expected: Any, kind: str,
              what: str = "runs") -> ScenarioError:
    def shown(value: Any) -> str:
        return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) \
            else repr(value)

    if key == "rows":
        problem = (f"has {shown(found)} rows but {MANIFEST} says {shown(expected)} {what}")
    else:
        problem = f"says {shown(found)} but {MANIFEST} says {shown(expected)}"
    return ScenarioError(str(path), "" if key == "rows" else key,
                         f"{problem}: the folder mixes results of two commands, or a file "
                         f"was cut short or edited; run consensus-sim {kind} into it again")


def _csv_rows(path: Path) -> int:
    """Rows of a CSV file after its header (quoted line breaks counted right)."""
    lines, quoted = 0, False
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            quoted |= b'"' in block
            last = block
    if lines == 0:
        return 0
    if not last.endswith(b"\n"):
        lines += 1
    if not quoted:
        return lines - 1
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _parquet_rows(path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_metadata(path).num_rows
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise ScenarioError(str(path), "", f"not a readable Parquet file ({_first_line(exc)}); "
                            "the file was cut short or edited") from None


def _read_csv(path: Path) -> Any:
    import pandas as pd

    try:
        return pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), "", f"not a readable CSV table ({_first_line(exc)}); "
                            "the file was cut short or edited") from None


def _columns(path: Path, table: Any, needed: list[str]) -> None:
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ScenarioError(str(path), "", f"lacks the columns {', '.join(missing)}; the file "
                            "was cut short or edited")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0].rstrip(".") if text else type(exc).__name__
