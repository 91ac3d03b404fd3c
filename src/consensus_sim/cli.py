"""The ``consensus-sim`` command line: it parses, calls the library and prints.

Heavy modules (mesa, scipy, matplotlib, pydantic) are imported inside the commands
that need them, so ``consensus-sim --help`` starts in a fraction of a second.
Every bad input ends with one line on stderr and exit status 2.

The command's parallelism is its worker processes (``--jobs``): numpy's BLAS runs
one thread in it unless the environment says otherwise (starting a pool of BLAS
threads costs more CPU than a short command's arithmetic).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import __version__

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # before numpy is imported (by a command)

class InputError(click.ClickException):
    """Bad input from the user: one line, exit status 2."""

    exit_code = 2


class _OutputPath(click.Path):
    """A path to write to; an empty one is refused (it would name the current folder)."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("empty path; give a name, e.g. results/mine", param, ctx)
        return super().convert(value, param, ctx)


#: The most runs a command (or each point of a sweep) may ask for: 10 million runs take
#: from minutes to hours, and their 95% intervals are already within ±0.03 percentage
#: points; a billion would take days, and its list of tasks alone gigabytes.
MAX_RUNS = 10_000_000
#: Seeds go to numpy's SeedSequence, which keeps 128 bits of a seed.
MAX_SEED = 2**128 - 1
#: Seconds to wait for a Dask scheduler to answer before giving up.
SCHEDULER_TIMEOUT = 5.0


class _Whole(click.IntRange):
    """A whole number from ``min`` to ``max``: "not an integer" when it is not one, and
    the reason for ``max`` when it is larger (below ``min``, click's own message)."""

    name = "integer"

    def __init__(self, least: int, most: int, shown: str, why: str) -> None:
        super().__init__(min=least)
        self.most, self.shown, self.why = most, shown, why

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        allowed = f"allowed: a whole number from {self.min} to {self.shown}"
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("+-").isdigit() and len(text) > 4000:  # Python reads no more
                self.fail(f"{text[:12]}… is more than {self.shown}; {allowed} ({self.why})",
                          param, ctx)
            try:
                value = int(text)
            except ValueError:
                self.fail(f"{value!r} is not an integer; {allowed}", param, ctx)
        number = super().convert(value, param, ctx)
        if number > self.most:
            self.fail(f"{number:,} is more than {self.shown}; {allowed} ({self.why})",
                      param, ctx)
        return number


#: ``--runs``: the runs of a command, or of each point of a sweep.
RUNS = _Whole(1, MAX_RUNS, f"{MAX_RUNS:,}", "10 million runs take from minutes to hours, "
              "and their 95% intervals are already within ±0.03 percentage points")
#: ``--jobs``: local worker processes (0: one per core).
JOBS = _Whole(0, 1024, "1,024", "each worker is a Python process of about 100 MB")
#: ``power --samples``: Monte Carlo samples.
POWER_SAMPLES = _Whole(1, 100_000_000, "100,000,000", "the standard error of an index is "
                       "then below 0.00005, and more samples take hours")
#: ``--seed``: the root of every random number.
SEED = _Whole(0, MAX_SEED, "2^128 − 1", "numpy's SeedSequence keeps 128 bits of a seed")


def _scheduler_address(ctx: Any, param: Any, value: str | None) -> str | None:
    """Check ``--scheduler`` at once, before any work starts: an address of the form dask
    prints (``tcp://HOST:PORT``; also tls, ws or wss, or ``HOST:PORT``), and a Dask
    scheduler there that answers Dask's handshake within :data:`SCHEDULER_TIMEOUT`
    seconds (a wrong port may belong to another server, such as Dask's own dashboard)."""
    import re
    import socket

    if value is None:
        return None
    form = re.fullmatch(r"(?:(tcp|tls|ws|wss)://)?(\[[0-9a-fA-F:.]+\]|[\w.-]+):(\d{1,5})/?",
                        value.strip())
    if not form or not 0 < int(form[3]) < 65536:
        raise click.BadParameter(f"{value!r} is not a scheduler address; allowed: "
                                 "tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786 (the address "
                                 "`dask scheduler` prints)", ctx, param)
    import asyncio

    try:  # a plain connection first: a refusal or an unknown host is known at once
        socket.create_connection((form[2].strip("[]"), int(form[3])),
                                 timeout=SCHEDULER_TIMEOUT).close()
        asyncio.run(_handshake(value.strip(), SCHEDULER_TIMEOUT))
    except Exception as exc:  # whatever answers there, the reason is one line
        if isinstance(exc, TimeoutError):
            reason = "no answer"
        elif isinstance(exc, OSError) and exc.strerror:
            reason = exc.strerror.lower()
        else:
            reason = "what answers there is not a Dask scheduler"
        raise click.BadParameter(f"cannot reach a Dask scheduler at {value} within "
                                 f"{SCHEDULER_TIMEOUT:g} s ({reason}); start one (dask "
                                 f"scheduler --port {form[3]}) or check the address",
                                 ctx, param) from None
    return value


async def _handshake(address: str, timeout: float) -> None:
    """Connect to a Dask scheduler and exchange Dask's handshake, within ``timeout`` s."""
    import asyncio

    from distributed.comm import connect

    comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
    await comm.close()


def _style_option(command):
    """Add ``--style default|talk`` to a command that draws charts."""
    import functools

    @functools.wraps(command)
    def wrapper(*args, style: str = "default", **kwargs):
        if style == "default":
            return command(*args, **kwargs)
        from .plots import chart_style

        with chart_style(style):
            return command(*args, **kwargs)

    return click.option("--style", type=click.Choice(["default", "talk"]), default="default",
                        show_default=True,
                        help="Chart style; talk: large fonts and thick lines for a "
                             "lecture hall.")(wrapper)


def _chart_output_options(what: str):
    """``--out DIR`` (also write ``what`` and the chart there) and ``--format``."""

    def decorate(command):
        command = click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]),
                               default="png", show_default=True,
                               help="Chart file format.")(command)
        return click.option("--out", "-o", "out_dir",
                            type=click.Path(file_okay=False, path_type=Path), default=None,
                            help=f"Also write {what} and the chart to this folder.")(command)

    return decorate


def _load(name: str):
    from .errors import ScenarioError
    from .scenario import load_scenario

    try:
        return load_scenario(name)
    except ScenarioError as exc:
        raise InputError(exc.line()) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="consensus-sim")
def cli() -> None:
    """Simulate decisions taken by consensus in alliances and councils.

    A SCENARIO is a YAML file or the name of a bundled scenario
    (e.g. nato_tokyo_office).
    """
    from ._memory import keep_freed_memory

    keep_freed_memory()


@cli.command()
@click.argument("scenario")
@click.option("--runs", "-n", type=RUNS, default=500, show_default=True,
              help="Number of seeded runs.")
@click.option("--seed", "-s", type=SEED, default=0, show_default=True,
              help="Root seed; the same seed gives the same results.")
@click.option("--jobs", "-j", type=JOBS, default=0,
              help="Worker processes (0 = all cores, 1 = no subprocess).")
@click.option("--out", "-o", "out_dir", type=_OutputPath(file_okay=False, path_type=Path),
              default=None, help="Output folder, replaced as a whole when the run ends "
                                 "[default: results/<scenario id>].")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png",
              show_default=True, help="Chart file format.")
@click.option("--no-charts", is_flag=True, help="Write summary.json and runs.csv only.")
@click.option("--rounds", "record_rounds", is_flag=True,
              help="Also write rounds.parquet: each member's response and loss in every "
                   "round of every run.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the output folder.")
@_style_option
def run(scenario: str, runs: int, seed: int, jobs: int, out_dir: Path | None, fmt: str,
        no_charts: bool, record_rounds: bool, quiet: bool) -> None:
    """Run SCENARIO many times and summarise the outcomes.

    Writes summary.json, runs.csv (one row per run), drawn.parquet (each run's drawn
    uncertain inputs) and the charts to the output folder, and prints a summary.
    Runs stream to disk as they finish, so memory stays flat however many runs. The
    folder appears complete or not at all: it is written beside the old one and
    swapped in at the end (see docs/outputs.md).
    """
    spec = _load(scenario)
    out_dir = out_dir or Path("results") / (spec.id or "scenario")
    from .ensemble import stream_ensemble
    from .outputs import replaced_folder

    inputs = [scenario] if Path(scenario).is_file() else []
    after = f"{out_dir} was left as it was" if os.path.isdir(out_dir) else "nothing was written"
    try:
        with _writing(out_dir, after), \
                replaced_folder(out_dir, "run", inputs) as staging:
            with (staging / "runs.csv").open("w", encoding="utf-8", newline="") as table:
                result = stream_ensemble(
                    spec, runs, seed, jobs or None, table, progress=None,
                    rounds_parquet=staging / "rounds.parquet" if record_rounds else None,
                    drawn_parquet=staging / "drawn.parquet" if spec.uncertain else None)
            summary = result.summary()
            summary["command"] = _command_line()
            (staging / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
            from .design import base_data

            manifest = {"kind": "run", "version": __version__, "scenario": spec.id,
                        "scenario_sha256": spec.content_hash(),
                        "scenario_content": base_data(spec), "seed": seed, "runs": runs,
                        "command": summary["command"]}
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
            written = ["summary.json", "manifest.json", "runs.csv"]
            if spec.uncertain:
                written.append("drawn.parquet")
            if record_rounds:
                written.append("rounds.parquet")
            if not no_charts:
                from .plots import save_charts

                written += [p.name for p in save_charts(result, staging, fmt)]
    except KeyboardInterrupt:
        _interrupted(out_dir, "run", after)
    if quiet:
        click.echo(out_dir)
        return
    click.echo(format_summary(summary, spec))
    click.echo(f"\nWrote {len(written)} files to {out_dir}/: " + ", ".join(written))


def _vary_options(command):
    """Options shared by sweep and sensitivity: executors, output, charts."""
    options = [
        click.option("--runs", "-n", type=RUNS, default=100, show_default=True,
                     help="Runs per design point."),
        click.option("--seed", "-s", type=SEED, default=0, show_default=True,
                     help="Root seed of the design and of every run."),
        click.option("--jobs", "-j", type=JOBS, default=0,
                     help="Local worker processes (0 = all cores, 1 = no subprocess)."),
        click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
                     callback=_scheduler_address,
                     help="Run on a Dask distributed cluster instead of local processes."),
        click.option("--out", "-o", "out_dir", type=_OutputPath(file_okay=False, path_type=Path),
                     default=None, help="Results folder, new or empty "
                                        "[default: results/<scenario id>-<command>]."),
        click.option("--resume", "resume_dir",
                     type=_OutputPath(file_okay=False, path_type=Path), default=None,
                     help="Complete an interrupted run of this command in DIR; options "
                          "given with it must match DIR's manifest."),
        click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png",
                     show_default=True, help="Chart file format."),
        click.option("--no-charts", is_flag=True, help="Write the tables only."),
        click.option("--quiet", "-q", is_flag=True, help="Print only the results folder."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _results_dir(kind: str, scenario: str | None, out_dir: Path | None,
                 resume_dir: Path | None):
    """The base scenario, the folder and whether to resume, from the command line."""
    from .outputs import folder_kind, read_manifest, real_path

    if resume_dir is not None:
        if out_dir is not None and real_path(out_dir) != real_path(resume_dir):
            raise InputError(f"--out {out_dir} and --resume {resume_dir} name different "
                             "folders; give one")
        manifest = _guard(read_manifest, resume_dir)
        found = folder_kind(manifest)
        if found != kind:
            what = "cannot be resumed (run it again)" if found == "run" else \
                f"resume it with consensus-sim {found}"
            raise InputError(f"{resume_dir}: holds the results of consensus-sim {found}; "
                             + what)
        return manifest, resume_dir, True
    if scenario is None:
        raise InputError(f"consensus-sim {kind}: missing SCENARIO (or --resume DIR)")
    spec = _load(scenario)
    return spec, out_dir or Path("results") / f"{spec.id}-{kind}", False


def _check_resume(folder: Path, scenario: str | None, recorded: dict[str, Any],
                  given: dict[str, Any]) -> None:
    """Refuse a --resume whose command line names other inputs than DIR's manifest.

    ``given`` maps a parameter of the command to its value here, ``recorded`` to the
    manifest's; only options typed on the command line are compared (one left at
    its default says nothing).
    """
    from click.core import ParameterSource

    ctx = click.get_current_context()
    where = folder / "manifest.json"
    if scenario is not None:
        spec = _load(scenario)
        if spec.content_hash() != recorded["scenario"]:
            raise InputError(f"SCENARIO {scenario}: differs from the scenario recorded in "
                             f"{where}; leave it out to resume {folder}, or give another "
                             "--out to start anew")
    for name, value in given.items():
        if ctx.get_parameter_source(name) not in (ParameterSource.COMMANDLINE,
                                                  ParameterSource.ENVIRONMENT):
            continue
        if value != recorded[name]:
            option = next(p.opts[0] for p in ctx.command.params if p.name == name)
            raise InputError(f"{option}: {_shown(value)} differs from {where} "
                             f"({_shown(recorded[name])}); leave it out to resume {folder}, or "
                             "give another --out to start anew")


def _shown(value: Any) -> str:
    """A command-line value as typed: parameters as PATH=SPEC."""
    if isinstance(value, tuple) and all(hasattr(p, "path") for p in value):
        return " ".join(f"{p.path}=" + (",".join(map(str, p.values)) if p.values is not None
                                        else f"{p.bounds[0]}..{p.bounds[1]}") for p in value)
    return str(value)


def _guard(function, *args, **kwargs):
    """Call ``function``; turn a ScenarioError into one line and exit status 2."""
    with _writing(None):
        return function(*args, **kwargs)


@contextmanager
def _writing(folder: Path | None, after: str = "", resumable: str | None = None,
             verb: str = "write", option: str = "--out") -> Iterator[None]:
    """Turn a ScenarioError, or a file-system error while writing ``folder`` (given
    as ``option``), into one line and exit status 2. The line ends with ``after``, or
    for a ``resumable`` command whose folder has a manifest, with how to complete the
    finished runs."""
    from .errors import ScenarioError

    try:
        yield
    except ScenarioError as exc:
        raise InputError(exc.line()) from None
    except OSError as exc:
        if folder is None:
            raise
        from .outputs import os_error_line

        if resumable and os.path.isfile(folder / "manifest.json"):
            after = (f"finished runs are kept in {folder}/parts: complete them with "
                     f"consensus-sim {resumable} --resume {folder}")
        raise InputError(os_error_line(exc, folder, after, verb, option)) from None


def _interrupted(out_dir: Path, kind: str, after: str = "") -> None:
    """Say what an interrupted command kept, and how to go on; exit status 130."""
    if kind == "run":
        click.echo(f"interrupted: {after}", err=True)
    else:
        click.echo(f"interrupted: finished runs are saved in {out_dir}/parts; complete them "
                   f"with consensus-sim {kind} --resume {out_dir}", err=True)
    sys.exit(130)


@cli.command()
@click.argument("scenario", required=False)
@click.option("--vary", "-v", "vary", multiple=True, metavar="PATH=SPEC",
              help="A field and its values: a:b:n, v1,v2,v3, or lo..hi with --design lhs. "
                   "Repeat for more fields.")
@click.option("--design", type=click.Choice(["grid", "lhs"]), default="grid", show_default=True,
              help="Every combination of the values, or a Latin hypercube over the ranges.")
@click.option("--samples", type=click.IntRange(min=1), default=None,
              help="Points of the lhs design.")
@_vary_options
@_style_option
def sweep(scenario: str | None, vary: tuple[str, ...], design: str, samples: int | None,
          runs: int, seed: int, jobs: int, scheduler: str | None, out_dir: Path | None,
          resume_dir: Path | None, fmt: str, no_charts: bool, quiet: bool) -> None:
    """Vary scenario fields over a design; run every point; stream a tidy table.

    PATH names any field: actors.FRA.salience.office, rule.threshold,
    uncertainty.position_sd, proposal.concession, defaults.tolerance, ...
    Results go to DIR as they finish (parts/, then runs.parquet, runs.csv,
    points.csv, charts); an interrupted sweep resumes with --resume DIR.
    """
    from .design import parse_parameters
    from .outputs import folder_lock, staged_files
    from .store import SweepSpec, run_sweep

    base, out_dir, resume = _results_dir("sweep", scenario, out_dir, resume_dir)
    parameters = tuple(_guard(parse_parameters, vary))
    if resume:
        spec = _guard(SweepSpec.from_manifest, base, str(out_dir / "manifest.json"))
        _check_resume(out_dir, scenario, {
            "scenario": base.get("scenario_sha256"), "vary": spec.parameters, "runs": spec.runs,
            "seed": spec.seed, "design": spec.design, "samples": spec.samples}, {
            "vary": parameters, "runs": runs, "seed": seed, "design": design,
            "samples": samples})
    else:
        if not parameters:
            raise InputError("consensus-sim sweep: give at least one --vary PATH=SPEC")
        spec = _guard(SweepSpec.create, base, {p.path: p for p in parameters}, runs=runs,
                      seed=seed, design=design, samples=samples)
    with _writing(out_dir, resumable="sweep"), folder_lock(out_dir):
        try:
            result = run_sweep(spec, out=out_dir, jobs=jobs or None, scheduler=scheduler,
                               progress=None, resume=resume)
        except KeyboardInterrupt:
            _interrupted(out_dir, "sweep")
        points = result.points()
        written = ["manifest.json", "runs.parquet", "runs.csv", "points.csv"]
        if not no_charts:
            from .sweep_plots import save_sweep_charts

            with staged_files(out_dir) as staging:
                written += [p.name for p in save_sweep_charts(
                    points, [p.path for p in spec.parameters], staging, fmt,
                    scenario=spec.scenario)]
    if quiet:
        click.echo(out_dir)
        return
    click.echo(format_points(points, spec))
    click.echo(f"\nWrote {len(written)} files to {out_dir}/: " + ", ".join(written))


def format_points(points, spec) -> str:
    """The terminal summary of a sweep: one line per point (at most 20)."""
    paths = [p.path for p in spec.parameters]
    from .facts import count

    lines = [f"{spec.scenario.title}: {count(len(spec.points), 'point')} x "
             f"{count(spec.runs, 'run')}, "
             f"seed {spec.seed}, design {spec.design}", ""]
    widths = [max(len(p), 8) for p in paths]
    header = "  ".join(f"{p:>{w}}" for p, w in zip(paths, widths, strict=True))
    lines.append(f"{header}  {'any agreement':>13}  {'95% interval':>15}  {'rounds':>6}")
    for _, row in points.head(20).iterrows():
        values = "  ".join(f"{_short(row[p]):>{w}}" for p, w in zip(paths, widths, strict=True))
        low, high = 100 * row["p_adopted_any_low"], 100 * row["p_adopted_any_high"]
        lines.append(f"{values}  {100 * row['p_adopted_any']:12.1f}%  "
                     f"{low:6.1f}–{high:5.1f}%  {row['mean_rounds']:6.2f}")
    if len(points) > 20:
        lines.append(f"  … {len(points) - 20} more points in points.csv")
    return "\n".join(lines)


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


@cli.command()
@click.argument("scenario", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="PATH=lo..hi",
              help="A field and its range. Repeat for more fields.")
@click.option("--method", type=click.Choice(["sobol", "morris"]), default="sobol",
              show_default=True)
@click.option("--samples", type=click.IntRange(min=2), default=64, show_default=True,
              help="SALib's N (a power of 2 for sobol).")
@click.option("--metric", type=click.Choice(["p_adopted", "mean_scope", "mean_rounds"]),
              default="p_adopted", show_default=True)
@_vary_options
@_style_option
def sensitivity(scenario: str | None, params: tuple[str, ...], method: str, samples: int,
                metric: str, runs: int, seed: int, jobs: int, scheduler: str | None,
                out_dir: Path | None, resume_dir: Path | None, fmt: str,
                no_charts: bool, quiet: bool) -> None:
    """Global sensitivity (Sobol' or Morris, via SALib) of an outcome metric."""
    from .design import parse_parameters
    from .outputs import folder_lock, staged_files
    from .sensitivity import sensitivity as analyse

    base, out_dir, resume = _results_dir("sensitivity", scenario, out_dir, resume_dir)
    parsed = tuple(_guard(parse_parameters, params, "--param"))
    if resume:
        from .store import SweepSpec

        spec = _guard(SweepSpec.from_manifest, base, str(out_dir / "manifest.json"))
        settings = spec.extra["sensitivity"]
        if not isinstance(settings, dict) or not {"method", "metric"} <= set(settings):
            raise InputError(f"{out_dir}/manifest.json: extra.sensitivity: expected its method "
                             "and metric; the file was edited")
        _check_resume(out_dir, scenario, {
            "scenario": base.get("scenario_sha256"), "params": spec.parameters,
            "runs": spec.runs, "seed": spec.seed, "samples": spec.samples, **settings}, {
            "params": parsed, "runs": runs, "seed": seed, "samples": samples,
            "method": method, "metric": metric})
        method, metric = settings["method"], settings["metric"]
        samples, runs, seed = spec.samples, spec.runs, spec.seed
        ranges = {p.path: f"{p.bounds[0]}..{p.bounds[1]}" for p in spec.parameters}
        base = spec.scenario
    else:
        ranges = {p.path: p for p in parsed}
    with _writing(out_dir, resumable="sensitivity"), folder_lock(out_dir):
        try:
            result = analyse(base, ranges, method=method, samples=samples, metric=metric,
                             runs=runs, seed=seed, jobs=jobs or None, scheduler=scheduler,
                             out=out_dir, resume=resume, progress=None)
        except KeyboardInterrupt:
            _interrupted(out_dir, "sensitivity")
        written = ["manifest.json", "runs.parquet", "runs.csv", "points.csv", "sensitivity.csv"]
        if not no_charts:
            from .plots import save_figure
            from .sweep_plots import sensitivity_chart

            with staged_files(out_dir) as staging:
                path = save_figure(sensitivity_chart(
                    result.indices, method,
                    title=f"{result.sweep.spec.scenario.title}: sensitivity of {metric}",
                    scenario=result.sweep.spec.scenario),
                    staging / f"sensitivity.{fmt}")
            written.append(path.name)
    if quiet:
        click.echo(out_dir)
        return
    from .facts import count

    click.echo(f"{result.sweep.spec.scenario.title}: {method} sensitivity of {metric} "
               f"({count(len(result.values), 'sample point')} x {count(runs, 'run')}, "
               f"seed {seed})")
    click.echo(format_indices(result.indices, method))
    click.echo(f"\nWrote {len(written)} files to {out_dir}/: " + ", ".join(written))


def format_indices(indices, method: str) -> str:
    """The terminal table of sensitivity indices: each index with its 95% half-width;
    those within Monte Carlo noise marked ``~`` (and greyed on a terminal)."""
    from .sensitivity import INDICES, WITH_NOISE

    keys = INDICES[method]
    widths = [17 if k in WITH_NOISE[method] else 8 for k in keys]
    names = [str(p) for p in indices["parameter"]]
    first = max(9, *map(len, names))
    heads = [f"{k} ± 95%" if k in WITH_NOISE[method] else f"{k:>8}" for k in keys]
    lines = ["", "  ".join([f"{'parameter':<{first}}",
                            *(f"{h:<{w}}" for h, w in zip(heads, widths, strict=True))]).rstrip()]
    noisy = False
    for name, (_, row) in zip(names, indices.iterrows(), strict=True):
        cells = [f"{name:<{first}}"]
        for j, (key, w) in enumerate(zip(keys, widths, strict=True)):
            if key not in WITH_NOISE[method]:
                cells.append(f"{row[key]:>8.3f}")
                continue
            within = bool(row[f"{key}_within_noise"])
            text = f"{row[key]:>6.3f} ± {row[f'{key}_conf']:.3f}" + (" ~" if within else "")
            text = text if j == len(keys) - 1 else text.ljust(w)
            cells.append(click.style(text, fg="bright_black") if within else text)
            noisy |= within
        lines.append("  ".join(cells))
    if noisy:
        lines.append("\n~ within Monte Carlo noise: the 95% interval includes 0 (a bootstrap "
                     "over the sample rows; see docs/sweeps.md)")
    return "\n".join(lines)


@cli.command()
@click.argument("results", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png",
              show_default=True, help="Chart file format.")
@_style_option
def plot(results: Path, fmt: str) -> None:
    """Re-draw the charts of a results folder (from run, sweep or sensitivity).

    The folder's files must agree with its manifest; each chart is replaced whole.
    """
    from .checks import check_folder
    from .outputs import folder_lock, results_garbage, staged_files

    with _writing(results, verb="read"):
        manifest = check_folder(results)
    with _writing(results, f"{results} was left as it was"), folder_lock(results) as lock:
        lock.tidy(results_garbage(results))
        with staged_files(results) as staging:
            paths = _draw(manifest, results, staging, fmt)
    click.echo(f"Wrote {len(paths)} charts to {results}/: " + ", ".join(p.name for p in paths))


def _draw(manifest: dict[str, Any], results: Path, out: Path, fmt: str) -> list[Path]:
    """Draw the charts of the (checked) results folder ``results`` into ``out``."""
    source = str(results / "manifest.json")
    if manifest["kind"] == "run":
        from .ensemble import run_ensemble
        from .plots import save_charts
        from .scenario import scenario_from_dict

        spec = scenario_from_dict(manifest["scenario_content"], source)
        ensemble = run_ensemble(spec, runs=manifest["runs"], seed=manifest["seed"], jobs=None)
        return save_charts(ensemble, out, fmt)
    import pandas as pd

    from .store import SweepSpec

    spec = SweepSpec.from_manifest(manifest, source)
    if spec.kind == "sensitivity":
        from .plots import save_figure
        from .sweep_plots import sensitivity_chart

        settings = spec.extra["sensitivity"]
        indices = pd.read_csv(results / "sensitivity.csv")
        return [save_figure(sensitivity_chart(
            indices, settings["method"],
            title=f"{spec.scenario.title}: sensitivity of {settings['metric']}",
            scenario=spec.scenario),
            out / f"sensitivity.{fmt}")]
    from .sweep_plots import save_sweep_charts

    points = pd.read_csv(results / "points.csv")
    return save_sweep_charts(points, [p.path for p in spec.parameters], out, fmt,
                             scenario=spec.scenario)


@cli.command()
@click.argument("files", nargs=-1, required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES; print one line per file."""
    from .errors import ScenarioError
    from .scenario import load_scenario

    failed = False
    for name in files:
        try:
            spec = load_scenario(name)
        except ScenarioError as exc:
            click.echo(exc.line(), err=True)
            failed = True
            continue
        from .facts import count

        kinds = [a.type for a in spec.actors]
        members = kinds.count("member")
        click.echo(f"{name}: ok ({count(members, 'member')}, "
                   f"{count(len(kinds) - members, 'other actor')}, "
                   f"{count(len(spec.dimensions), 'dimension')}, rule {spec.rule.type})")
    if failed:
        sys.exit(2)


@cli.command()
@click.argument("scenario")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--method", type=click.Choice(["auto", "exact", "monte-carlo"]), default="auto",
              show_default=True,
              help="Exact (dynamic programming) or a seeded Monte Carlo estimate; auto picks "
                   "exact up to 30 members.")
@click.option("--samples", type=POWER_SAMPLES, default=100_000, show_default=True,
              help="Monte Carlo samples.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@_chart_output_options("power.csv")
@_style_option
def power(scenario: str, as_json: bool, method: str, samples: int, seed: int,
          out_dir: Path | None, fmt: str) -> None:
    """Voting power of each member under SCENARIO's rule (Banzhaf, Shapley-Shubik)."""
    import warnings

    spec = _load(scenario)
    from .power import power_indices

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            indices = power_indices(spec, method=method.replace("-", " "), samples=samples,
                                    seed=seed)
    except ValueError as exc:
        raise InputError(f"{scenario}: {exc}") from None
    for warning in caught:  # e.g. weights rounded to fit the exact method's table
        click.echo(f"{scenario}: {warning.message}", err=True)
    if out_dir is not None:
        _prepare_dir(out_dir)
        indices.to_frame().to_csv(out_dir / "power.csv", index=False, float_format="%.6f")
        from .plots import power_chart, save_figure

        save_figure(power_chart(indices, scenario=spec), out_dir / f"power.{fmt}")
    if as_json:
        click.echo(json.dumps(indices.to_dict(), indent=2))
        return
    how = (indices.method if indices.samples is None
           else f"{indices.method}, {indices.samples:,} samples, seed {seed}")
    click.echo(f"{spec.title}: voting power under {indices.rule} ({how})")
    has_se = indices.banzhaf_se is not None
    click.echo(f"  {'member':<28} {'Banzhaf':>9} {'Shapley-Shubik':>15}")
    order = sorted(range(len(indices.members)), key=lambda i: -indices.shapley_shubik[i])
    for i in order:
        name = spec.actor(indices.members[i]).label[:28]
        line = f"  {name:<28} {indices.banzhaf[i]:9.4f} {indices.shapley_shubik[i]:15.4f}"
        if has_se:
            line += (f"   (± {1.96 * indices.banzhaf_se[i]:.4f}, "
                     f"± {1.96 * indices.shapley_shubik_se[i]:.4f})")
        click.echo(line)


@cli.command()
@click.argument("scenario")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--runs", "-n", type=RUNS, default=500, show_default=True,
              help="Runs of the simulation beside the classic models.")
@click.option("--seed", "-s", type=SEED, default=0, show_default=True)
@click.option("--jobs", "-j", type=JOBS, default=0,
              help="Worker processes (0 = all cores, 1 = no subprocess).")
@click.option("--compat", type=click.Choice(["decide"]), default=None,
              help="Run the exchange model as the DECIDE software does "
                   "(decide-exchange-model 2025.3.1, deterministic), round by round.")
@_chart_output_options("predictions.csv")
@_style_option
def predict(scenario: str, as_json: bool, runs: int, seed: int, jobs: int,
            compat: str | None, out_dir: Path | None, fmt: str) -> None:
    """Classic bargaining models' forecasts beside the simulation's outcome.

    Weighted median, Achen's compromise, the Nash bargaining solution, Bueno de
    Mesquita's expected-utility model and Stokman's exchange model, per dimension,
    on the dimension's original scale.
    """
    spec = _load(scenario)
    from .predict import predict as forecast

    prediction = forecast(spec, runs=runs, seed=seed, jobs=jobs or None, compat=compat)
    if out_dir is not None:
        _prepare_dir(out_dir)
        prediction.table.to_csv(out_dir / "predictions.csv", index=False, float_format="%.6f")
        from .plots import models_chart, save_figure

        for k, dim in enumerate(spec.dimension_ids):
            save_figure(models_chart(prediction, k), out_dir / f"models_{dim}.{fmt}")
    if as_json:
        click.echo(json.dumps(prediction.to_dict(), indent=2))
        return
    from .facts import count

    click.echo(f"{spec.title}: forecasts per dimension (simulation: {count(runs, 'run')}, "
               f"seed {seed}; "
               f"{100 * prediction.p_adopted:.1f}% adopt a text)")
    if compat == "decide":
        from .bargaining.exchange import DECIDE_ROUNDS

        click.echo("exchange: DECIDE's rules (decide-exchange-model 2025.3.1, deterministic, "
                   f"{DECIDE_ROUNDS} rounds)")
    click.echo(prediction.table.to_string(index=False, float_format=lambda v: f"{v:.3f}",
                                          na_rep="no text"))


@cli.command()
@click.argument("folder", required=False,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--runs", "-n", type=RUNS, default=500, show_default=True,
              help="Runs per case.")
@click.option("--seed", "-s", type=SEED, default=0, show_default=True)
@click.option("--jobs", "-j", type=JOBS, default=0,
              help="Worker processes (0 = all cores, 1 = no subprocess).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_chart_output_options("backtest.csv, backtest.json")
@_style_option
def backtest(folder: Path | None, runs: int, seed: int, jobs: int, as_json: bool,
             out_dir: Path | None, fmt: str) -> None:
    """Score the simulation, and the classic models, against real decisions.

    Runs every case of FOLDER (scenario files with a `history` section; by default
    the historical library installed with the package, and the bundled Tokyo and
    Nordic scenarios) and reports, per case, the share of runs in the real outcome
    class and with the real text, whether the real class is the modal one, and the
    Brier and log scores; the classic models' text forecasts where a text was
    adopted.
    """
    from .backtest import backtest as run_backtest
    from .backtest import load_cases

    scenarios = [s for _, s in _guard(load_cases, folder)]
    if not scenarios:
        raise InputError(f"{folder}: no scenario file with a `history` section; allowed: "
                         "a folder of scenario files that record what happened "
                         "(see docs/validation.md)")
    result = _guard(run_backtest, runs=runs, seed=seed, jobs=jobs or None,
                    scenarios=scenarios)
    if out_dir is not None:
        _prepare_dir(out_dir)
        result.table().to_csv(out_dir / "backtest.csv", index=False, float_format="%.6f")
        (out_dir / "backtest.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
        from .backtest import backtest_chart
        from .plots import save_figure

        save_figure(backtest_chart(result), out_dir / f"backtest.{fmt}")
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.echo(format_backtest(result))


def format_backtest(result) -> str:
    """The backtest as a table for the terminal."""
    lines = [f"{'case':<40} {'real':<16} {'P(real)':>8} {'P(text)':>8}  {'modal':<16} "
             f"{'Brier':>6} {'log':>6}"]
    for s in result.scores:
        text = "" if s.p_text is None else f"{100 * s.p_text:.1f}%"
        lines.append(f"{s.case[:40]:<40} {s.real_outcome:<16} {100 * s.p_outcome:7.1f}% "
                     f"{text:>8}  {s.modal + (' ✓' if s.hit else ''):<16} {s.brier:6.3f} "
                     f"{s.log_score:6.2f}")
    summary = result.summary()
    lines.append("")
    mean_p = 100 * summary["mean_p_outcome"]
    from .facts import count

    lines.append(f"{count(summary['cases'], 'case')}, {count(result.scores[0].runs, 'run')} "
                 "each: modal class "
                 f"right in {summary['hits']}; mean P(real) {mean_p:.1f}%, "
                 f"mean Brier {summary['mean_brier']:.3f}, mean log score "
                 f"{summary['mean_log_score']:.2f}")
    classic = {m: v for m, v in summary["classic_text_hits"].items() if v is not None}
    if classic:
        shown = ", ".join(f"{m} {100 * v:.0f}%" for m, v in classic.items())
        lines.append(f"Classic models' text forecasts right ({summary['cases_with_text']} "
                     f"cases with a text): {shown}")
    return "\n".join(lines)


@cli.command()
@click.argument("source")
@click.option("--given", "-g", "given", multiple=True, required=True, metavar="KEY=VALUE",
              help="What was observed: outcome=<class> (or adopted_any), or "
                   "final.<dimension>=<level label>. Repeat: every one must hold.")
@click.option("--runs", "-n", type=RUNS, default=2000, show_default=True,
              help="Runs to simulate when SOURCE is a scenario.")
@click.option("--seed", "-s", type=SEED, default=0, show_default=True)
@click.option("--jobs", "-j", type=JOBS, default=0,
              help="Worker processes (0 = all cores, 1 = no subprocess).")
@click.option("--top", type=click.IntRange(min=1, max=30), default=6, show_default=True,
              help="Inputs drawn on the chart, the most informed first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_chart_output_options("explain.csv, explain.json")
@_style_option
def explain(source: str, given: tuple[str, ...], runs: int, seed: int, jobs: int, top: int,
            as_json: bool, out_dir: Path | None, fmt: str) -> None:
    """What must the uncertain inputs have been for what was observed?

    Keeps the runs that show every observation (exact rejection on the runs' drawn
    inputs) and sets each uncertain input's posterior beside its prior, the inputs the
    observation informs most first (Kolmogorov-Smirnov distance). SOURCE is a
    scenario (simulated here) or the results folder of `consensus-sim run` (its
    recorded runs, simulated once).
    """
    from . import explain as inference

    if Path(source).is_dir():
        ctx = click.get_current_context()
        given_options = [f"--{name}" for name in ("runs", "seed", "jobs")
                         if ctx.get_parameter_source(name) is not
                         click.core.ParameterSource.DEFAULT]
        if given_options:  # a folder's runs are simulated already: they would be ignored
            raise InputError(f"{source}: a results folder's runs are already simulated; "
                             f"{', '.join(given_options)} apply only to a scenario "
                             "(leave them out, or give the scenario instead)")
        result = _guard(inference.explain_folder, source, list(given))
    else:
        spec = _load(source)
        observed = _guard(inference.parse_given, spec, given)
        result = _guard(inference.explain_ensemble, spec, observed, runs=runs, seed=seed,
                        jobs=jobs or None)
    if out_dir is not None:
        _prepare_dir(out_dir)
        result.table.to_csv(out_dir / "explain.csv", index=False, float_format="%.6f")
        (out_dir / "explain.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
        from .plots import save_figure

        save_figure(inference.explain_chart(result, top), out_dir / f"explain.{fmt}")
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    shown = ", ".join(f"{k} = {v}" for k, v in result.given.items())
    click.echo(f"{result.scenario.title}: given {shown}, {result.kept:,} of {result.runs:,} "
               f"runs ({100 * result.p_observation:.1f}%)")
    table = result.table.rename(columns={"ks_distance": "informed (KS)"})
    click.echo(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    click.echo(f"Within noise: a KS distance below {result.noise:.3f}, what a random subset "
               f"of {result.kept:,} runs shows 95% of the time.")


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--from", "kind", type=click.Choice(["decide", "bdm-csv"]), required=True,
              help="decide: #A/#P/#M/#D rows, tab-separated, cells quoted or not (as DECIDE "
                   "writes them); bdm-csv: Actor,Capability,Position,Salience.")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="The scenario file to write.")
@click.option("--title", default=None, help="The scenario's title [default: the file name].")
@click.option("--status-quo", default="lower", show_default=True,
              help="lower or upper end of each scale, or a number on the original scale.")
def import_(file: Path, kind: str, output: Path, title: str | None, status_quo: str) -> None:
    """Turn a DECIDE or BDM-style data file into a scenario (positions rescaled to
    [0, 1], the original scale recorded)."""
    from .importers import import_bdm_csv, import_decide, write_scenario
    from .scenario import scenario_from_dict

    try:
        value: str | float = float(status_quo)
    except ValueError:
        if status_quo not in ("lower", "upper"):
            raise InputError(f"--status-quo: {status_quo!r} is not allowed; allowed: lower, "
                             "upper or a number") from None
        value = status_quo
    reader = import_decide if kind == "decide" else import_bdm_csv
    data = _guard(reader, file, status_quo=value, title=title)
    spec = _guard(scenario_from_dict, data, str(file))
    try:
        write_scenario(data, output)
    except OSError as exc:
        raise InputError(f"--output {output}: cannot write the scenario ({exc.strerror or exc})"
                         ) from None
    from .facts import count

    click.echo(f"{output}: {count(len(spec.members), 'member')}, "
               f"{count(len(spec.dimensions), 'dimension')} from {file}")


@cli.command()
@click.argument("source")
@click.option("--output", "-o", "output", type=_OutputPath(dir_okay=False, path_type=Path),
              default=Path("report.html"), show_default=True,
              help="The HTML file to write (replaced whole; never one of SOURCE's files).")
@click.option("--runs", "-n", type=RUNS, default=500, show_default=True,
              help="Runs, when SOURCE is a scenario.")
@click.option("--seed", "-s", type=SEED, default=0, show_default=True)
@click.option("--jobs", "-j", type=JOBS, default=0,
              help="Worker processes (0 = all cores, 1 = no subprocess).")
@_style_option
def report(source: str, output: Path, runs: int, seed: int, jobs: int) -> None:
    """One self-contained HTML page: SOURCE's summary, every chart, the classic models,
    sources and assumptions. SOURCE is a scenario, or a results folder of run, sweep
    or sensitivity (whose files must agree with its manifest)."""
    from .checks import check_folder
    from .outputs import real_path, write_text
    from .report import build_report

    folder = Path(source) if Path(source).is_dir() else None
    inputs = ([p for p in folder.rglob("*") if p.is_file() and p.suffix != ".html"]
              if folder is not None else [Path(source)] if Path(source).is_file() else [])
    if any(real_path(output) == real_path(p) for p in inputs):
        raise InputError(f"--output {output}: is a file the report reads ({source}); writing "
                         "the report would replace it: give another -o")
    if folder is not None:
        with _writing(folder, verb="read"):
            check_folder(folder)
    document = _guard(build_report, folder or _load(source), runs=runs, seed=seed,
                      jobs=jobs or None)
    with _writing(output, f"{output} was left as it was" if os.path.isfile(output) else "",
                  option="-o"):
        path = write_text(output, document)
    click.echo(f"Wrote {path} ({len(document.encode()) / 1024:.0f} kB)")


@cli.command()
@click.argument("scenario", required=False)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; 0.0.0.0 lets a classroom's devices connect.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
def dashboard(scenario: str | None, host: str, port: int) -> None:
    """A live dashboard in the browser: change preferences, the rule and the concession
    strategy, step through the negotiation, run a small ensemble."""
    if scenario is not None:
        _load(scenario)  # a bad scenario is one line, before the server starts
    from .app import serve

    _guard(serve, scenario, host=host, port=port)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_scenarios(as_json: bool) -> None:
    """List the bundled scenarios: id, title, rule, members and description."""
    from .scenario import bundled_scenarios, load_scenario

    rows = []
    for name in bundled_scenarios():
        spec = load_scenario(name)
        rows.append({"id": spec.id, "title": spec.title, "rule": spec.rule.type,
                     "members": len(spec.members), "description": spec.description})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["id"]) for r in rows)
    rule_width = max(len(r["rule"]) for r in rows)
    for r in rows:
        click.echo(f"{r['id']:<{width}}  {r['rule']:<{rule_width}}  {r['members']:>3} members  "
                   f"{r['title']}")
        if r["description"]:
            click.echo(f"{'':<{width}}  {r['description']}")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors and validators)."""
    from .schema_docs import described_schema

    click.echo(json.dumps(described_schema(), indent=2))


def _prepare_dir(out_dir: Path) -> None:
    """Create the ``--out`` folder of a command that writes a few files into it."""
    from .outputs import make_folder

    with _writing(out_dir):
        make_folder(out_dir)


def _command_line() -> str:
    import shlex

    return shlex.join(["consensus-sim", *sys.argv[1:]])


def format_summary(summary: dict[str, Any], spec) -> str:
    """The terminal summary of an ensemble: what a reader needs at a glance."""
    from .facts import count, ensemble_facts, named_outcomes, varied_inputs

    lines = []
    members = len(spec.members)
    lines.append(f"{spec.title}")
    lines.append(f"{count(summary['runs'], 'run')}, seed {summary['seed']}, "
                 f"{count(members, 'member')}, "
                 f"rule: {spec.rule.type}")
    lines.append(varied_inputs(spec))
    lines.append("")
    shown = named_outcomes(spec, summary["counts"])
    width = max(24, *(len(label) for label in shown.values()))  # the column stays aligned
    lines.append(f"  {'outcome':<{width}} {'share':>7}   95% interval")
    for key, label in shown.items():
        lo, hi = summary["ci95"][key]
        lines.append(f"  {label:<{width}} {100 * summary['outcomes'][key]:6.1f}%   "
                     f"{100 * lo:5.1f}% – {100 * hi:5.1f}%")
    lines.append(f"  {'any agreement':<{width}} {100 * summary['p_adopted_any']:6.1f}%")
    lines.append("")
    modal = summary["modal_adopted_scope"]
    if modal:
        what = "; ".join(f"{dim} = {label!r}" for dim, label in modal["labels"].items())
        lines.append(f"Most frequent adopted scope: {what} "
                     f"({100 * modal['share_of_runs']:.1f}% of runs)")
    else:
        lines.append("No run adopted the proposal.")
    for dim, info in summary["final_scope"].items():
        parts = ", ".join(f"{label} {100 * share:.1f}%" for label, share
                          in info["distribution"].items())
        lines.append(f"  {dim}: {parts}")
    lines.extend(ensemble_facts(summary, spec, top=5))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning every input error into one line and exit 2."""
    try:
        cli.main(args=argv, prog_name="consensus-sim", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "consensus-sim"
        click.echo(f"{where}: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(exc.format_message(), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except RuntimeError as exc:
        from .ensemble import WorkersFailed

        if not isinstance(exc, WorkersFailed):
            raise
        click.echo(f"consensus-sim: {exc}", err=True)
        sys.exit(1)
    sys.exit(0)
