"""Many seeded runs of one scenario: outcome probabilities, objection rates, scopes.

Run ``i`` of an ensemble with seed ``S`` draws everything from its own generator,
:func:`~.kernel.run_generator` ``(S, i)``: block ``i`` of a counter-based stream, so
its result does not depend on how runs are split into chunks or spread over
processes (the same seed gives the same bytes for any ``jobs``), and it is the
same run when replayed alone in the Mesa model (:func:`replay`). Runs are played
in chunks, all runs of a chunk at once (:func:`.kernel.simulate`); chunks go to
worker processes (never one task per run), and the global multiprocessing start
method is left alone.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .kernel import ADOPTED_OUTCOMES, NO_RESPONSE, OUTCOMES, run_generator, setup, simulate
from .rules import OBJECT, RESPONSE_NAMES, SUPPORT, is_vote
from .scenario import Scenario, load_scenario
from .tally import Tally, increments, nearest_labels, rival_rows, wilson_interval

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OUTCOMES", "EnsembleResult", "replay", "run_ensemble", "run_generator",
           "wilson_interval"]

_OUTCOME_CODE = {name: code for code, name in enumerate(OUTCOMES)}
_ADOPTED_CODES = [_OUTCOME_CODE[name] for name in ADOPTED_OUTCOMES]
#: The label of a run that adopted nothing, on every dimension (runs.csv).
NO_AGREEMENT = "no agreement"
#: With ``jobs=None``, ensembles smaller than this run in this process.
AUTO_SERIAL_BELOW = 20000


def available_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True, eq=False)
class Chunk:
    """The results of runs ``start .. stop-1``, as compact arrays."""

    start: int
    outcome: np.ndarray  # (n,) int8, index into OUTCOMES
    rounds: np.ndarray  # (n,) int16
    final: np.ndarray  # (n, d)
    costliest: np.ndarray  # (n,) int16 member row, -1 for none
    objected: np.ndarray  # (n, n_members) bool: opposed in some round (see opposed())
    trajectory: np.ndarray  # (n, max_rounds, d) float32, NaN after the last round
    objections_by_round: np.ndarray  # (n_members, max_rounds) int64 counts
    paid: np.ndarray  # (n, d) side payments made per dimension (0 on scope dimensions)
    fired: np.ndarray  # (n, n_events) bool
    drawn: np.ndarray  # (n, n_uncertain) the uncertain inputs' values
    codes: np.ndarray | None = None  # (n, max_rounds, n_members) responses, if recorded
    loss: np.ndarray | None = None  # (n, max_rounds, n_members) losses, if recorded
    payer: np.ndarray | None = None  # (n, d) int16 row of who paid per dimension, -1 none
    csv: str | None = None  # the runs table's rows as CSV text, if asked (see stream)
    counts: dict[str, Any] | None = None  # what the chunk adds to a Tally, if asked


def opposed(codes: np.ndarray, vote: bool) -> np.ndarray:
    """Which responses oppose the text: an objection under consensus-type rules; any
    response but a yes under voting rules (rounds not reached oppose nothing)."""
    if vote:
        return (codes != SUPPORT) & (codes != NO_RESPONSE)
    return codes == OBJECT


def simulate_chunk(scenario: Scenario, seed: int, start: int, stop: int,
                   rounds: bool = False, stream: bool = False) -> Chunk:
    """Run ``start .. stop-1`` of the ensemble with ``seed``, all at once; with
    ``rounds``, keep each member's response and loss in every round; with ``stream``,
    also format the chunk's rows of runs.csv and count what it adds to the tally
    (work the worker processes then share, for :func:`stream_ensemble`)."""
    s = _setup(scenario)
    out = simulate(s, seed, np.arange(start, stop))
    against = opposed(out.codes, is_vote(scenario))  # (n, rounds, members)
    chunk = Chunk(start, out.outcome, out.rounds, out.final, out.costliest,
                  against.any(axis=1), out.trajectory, against.sum(axis=0).T.astype(np.int64),
                  out.paid, out.fired, out.drawn, *((out.codes, out.loss) if rounds else ()),
                  payer=out.payer)
    if not stream:
        return chunk
    c = chunk
    return replace(chunk, csv=csv_rows(scenario, c, header=start == 0),
                   counts=increments(scenario, c.outcome, c.rounds, c.final, c.costliest,
                                     c.objected, c.objections_by_round, c.paid, c.fired))


def csv_rows(scenario: Scenario, chunk: Chunk, header: bool = False) -> str:
    """A chunk's rows of the runs table as CSV text (floats with six decimals), after
    the header line with ``header``."""
    columns = run_columns(scenario, chunk.start, chunk.outcome, chunk.rounds, chunk.final,
                          chunk.costliest, chunk.objected, chunk.paid, chunk.fired, chunk.payer)
    lines = [",".join(map(_quoted, columns))] if header else []
    lines += map(",".join, zip(*(_cells(v) for v in columns.values()), strict=True))
    return "\n".join(lines) + "\n"


_last_setup: tuple[Scenario, Any] | None = None


def _setup(scenario: Scenario):
    """The scenario's :class:`~.kernel.Setup`, kept while chunks of it are run."""
    global _last_setup
    if _last_setup is None or _last_setup[0] is not scenario:
        _last_setup = (scenario, setup(scenario))
    return _last_setup[1]


# Each worker process keeps the scenario it was started with.
_worker_scenario: Scenario | None = None


def _init_worker(scenario: Scenario) -> None:
    global _worker_scenario
    _worker_scenario = scenario


def _worker_chunk(seed: int, start: int, stop: int, rounds: bool = False,
                  stream: bool = False) -> Chunk:
    assert _worker_scenario is not None
    return simulate_chunk(_worker_scenario, seed, start, stop, rounds, stream)


def _chunks(scenario: Scenario, runs: int) -> list[tuple[int, int]]:
    """The ensemble's chunks of runs. Their bounds depend on the scenario and the number
    of runs only (never on the number of processes), so every sum over runs is added
    up in the same order on every executor: the same bytes out."""
    size = min(2500, max(16, math.ceil(runs / 16)))
    if _setup(scenario).private:  # the setter's weights take memory: about 8 MB a chunk
        from .kernel import HYPOTHESES

        size = min(size, max(16, 8_000_000 // (scenario.arrays.n_members * HYPOTHESES * 8)))
    return [(i, min(i + size, runs)) for i in range(0, runs, size)]


def _process_context():
    """A start method for our own pool only (the global default is left alone).

    ``forkserver`` where available: workers fork from a clean server process that has
    imported the model once, so they start fast without inheriting this process's
    threads (``fork`` would, and numpy's BLAS runs threads). ``spawn`` elsewhere.
    """
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # pragma: no cover - Windows
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["consensus_sim._preload"])
    return context


class WorkersFailed(RuntimeError):
    """The worker processes died before finishing (see :func:`worker_pool`)."""


def _start_worker(initializer: Callable[..., None], initargs: tuple) -> None:
    """A worker's first act: tie its life to the command's, then ``initializer``."""
    _die_with_parent()
    initializer(*initargs)


def _die_with_parent() -> None:
    """End this worker when the command that started it ends, however it ends.

    A ``kill -9`` of the command gives its workers no chance to exit by themselves:
    they would compute on, unseen, holding their memory. On Linux the worker asks the
    kernel to kill it when its parent, the forkserver, exits (``PR_SET_PDEATHSIG``).
    The forkserver exits when no process holds its "alive" pipe any more: the command
    and, until now, every worker, which inherits one end of it. So the worker closes
    its end: then the command's death ends the forkserver, and the forkserver's its
    workers. The forkserver cannot exit before the signal is armed (this worker still
    holds the pipe), so no death is missed. Elsewhere this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal
    from multiprocessing import forkserver

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return
    pr_set_pdeathsig = 1
    prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    server = getattr(forkserver, "_forkserver", None)
    alive = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(alive, int):
        with suppress(OSError):
            os.close(alive)
        server._forkserver_alive_fd = None


@contextmanager
def worker_pool(jobs: int, initializer: Callable[..., None], initargs: tuple) -> Iterator[Any]:
    """A pool of ``jobs`` worker processes of our own (forkserver), shut down on exit.

    Python starts such workers by importing the ``__main__`` script again; a script
    that runs ensembles at import time then starts them inside the workers, which
    break. That, or a worker killed (e.g. out of memory), raises :class:`WorkersFailed`
    with a message that says what to do. Workers end with the command that started
    them, even when it is killed with ``kill -9`` (:func:`_die_with_parent`).
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_process_context(),
                               initializer=_start_worker, initargs=(initializer, initargs))
    try:
        yield pool
    except BrokenProcessPool:
        raise WorkersFailed(
            "worker processes stopped before finishing. In a script, put the code that "
            "runs ensembles or sweeps under `if __name__ == \"__main__\":` (workers start "
            "by importing the script), or use jobs=1; otherwise a worker may have run out "
            "of memory") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def iter_chunks(scenario: Scenario, runs: int, seed: int, jobs: int = 1,
                rounds: bool = False, stream: bool = False) -> Iterator[Chunk]:
    """Yield the ensemble's chunks as they finish (in any order when ``jobs > 1``);
    ``rounds`` and ``stream`` as in :func:`simulate_chunk`."""
    tasks = _chunks(scenario, runs)
    if jobs <= 1 or len(tasks) == 1:
        for start, stop in tasks:
            yield simulate_chunk(scenario, seed, start, stop, rounds, stream)
        return
    from concurrent.futures import FIRST_COMPLETED, wait

    # At most a few chunks per worker are in flight: when the caller (writing to
    # disk) is slower than the workers, they wait instead of piling results up.
    window = 3 * jobs
    pending = iter(tasks)
    with worker_pool(min(jobs, len(tasks)), _init_worker, (scenario,)) as pool:
        running = {pool.submit(_worker_chunk, seed, start, stop, rounds, stream)
                   for start, stop in itertools.islice(pending, window)}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: f.result().start):
                yield future.result()
            running |= {pool.submit(_worker_chunk, seed, start, stop, rounds, stream)
                        for start, stop in itertools.islice(pending, window - len(running))}


def run_ensemble(scenario: Scenario | str, runs: int = 500, seed: int = 0,
                 jobs: int | None = None, progress: bool | None = False,
                 on_chunk: Callable[[int], None] | None = None) -> EnsembleResult:
    """Run ``runs`` seeded negotiations of ``scenario`` and collect their results.

    Args:
        scenario: a :class:`Scenario`, or a path or bundled name.
        runs: number of runs.
        seed: root of every run's seed (see the module docstring).
        jobs: worker processes; 1 runs in this process. None means all cores, except
            below ``AUTO_SERIAL_BELOW`` runs, which finish sooner in this process
            than worker processes take to start.
        progress: show a progress bar (None: only when stderr is a terminal).
        on_chunk: called with the number of runs done after each finished chunk.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if runs < 1:
        raise ValueError(f"runs must be at least 1 (got {runs})")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer (got {seed})")
    if jobs is None or jobs < 1:
        jobs = 1 if runs < AUTO_SERIAL_BELOW else available_cores()
    from tqdm.auto import tqdm

    chunks: list[Chunk] = []
    with tqdm(total=runs, unit="run", disable=None if progress is None else not progress,
              desc=scenario.id or "runs", leave=False) as bar:
        for chunk in iter_chunks(scenario, runs, seed, jobs):
            chunks.append(chunk)
            bar.update(chunk.outcome.size)
            if on_chunk is not None:
                on_chunk(sum(c.outcome.size for c in chunks))
    return EnsembleResult.from_chunks(scenario, seed, chunks)


def replay(result: EnsembleResult, index: int):
    """Run ``index`` of an ensemble again, in full (a :class:`~.model.RunResult` with its
    history, payments, events and positions), from its seed."""
    from .model import NegotiationModel

    if not 0 <= index < result.runs:
        raise IndexError(f"run {index} is not in this ensemble of {result.runs} runs")
    return NegotiationModel(result.scenario, rng=run_generator(result.seed, index),
                            collect=False).run()


@dataclass(frozen=True, eq=False)
class EnsembleResult:
    """The results of an ensemble, one row per run, in run order.

    ``tally`` holds the counts behind the summary, over every run. A result streamed
    to disk by ``consensus-sim run`` keeps per-run arrays for its first runs only (a
    sample for the charts that draw runs) while its tally covers them all.
    """

    scenario: Scenario
    seed: int
    outcome: np.ndarray
    rounds: np.ndarray
    final: np.ndarray
    costliest: np.ndarray
    objected: np.ndarray
    trajectory: np.ndarray
    objections_by_round: np.ndarray
    paid: np.ndarray
    fired: np.ndarray
    drawn: np.ndarray
    tally: Tally
    payer: np.ndarray | None = None  # (n, d) row of who paid per dimension, -1 none

    @classmethod
    def from_chunks(cls, scenario: Scenario, seed: int, chunks: list[Chunk],
                    tally: Tally | None = None) -> EnsembleResult:
        """Join chunks in run order; count them into a tally unless one is given."""
        chunks = sorted(chunks, key=lambda c: c.start)
        if tally is None:
            tally = Tally(scenario, seed)
            for c in chunks:
                tally.add(c.outcome, c.rounds, c.final, c.costliest, c.objected,
                          c.objections_by_round, c.paid, c.fired)

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(c, name) for c in chunks])

        return cls(scenario, seed, cat("outcome"), cat("rounds"), cat("final"), cat("costliest"),
                   cat("objected"), cat("trajectory"),
                   sum(c.objections_by_round for c in chunks), cat("paid"), cat("fired"),
                   cat("drawn"), tally, cat("payer"))

    @property
    def runs(self) -> int:
        """Runs in the ensemble (a streamed result keeps arrays for fewer)."""
        return self.tally.runs

    @property
    def adopted(self) -> np.ndarray:
        """Per run kept: whether a text was adopted (in any form)."""
        return np.isin(self.outcome, _ADOPTED_CODES)

    def outcome_counts(self) -> dict[str, int]:
        return self.tally.outcome_counts()

    @property
    def opposition_measure(self) -> str:
        """What :meth:`objection_rate` counts: objections under consensus-type rules,
        any response but yes under voting rules."""
        from .rules import is_vote

        return "did not vote yes" if is_vote(self.scenario) else "objected"

    def objection_rate(self) -> dict[str, float]:
        """Per member, the share of runs in which it opposed the text at least once."""
        return self.tally.objection_rate()

    def objection_rate_by_round(self) -> np.ndarray:
        """(members, rounds): share of the runs that reached a round in which a member
        opposed the text."""
        return self.tally.objection_rate_by_round()

    def final_labels(self) -> list[list[str]]:
        """Per dimension, the level label nearest each run's final text."""
        return nearest_labels(self.scenario, self.final)

    def summary(self) -> dict[str, Any]:
        """The ensemble in numbers, JSON-ready (see docs/outputs.md for every key)."""
        return self.tally.summary()

    def runs_table(self) -> pd.DataFrame:
        """One row per run: outcome, rounds, final text per dimension, the blocker most
        costly to win over, objectors, events, and each uncertain input's drawn value."""
        import pandas as pd

        return pd.DataFrame(run_columns(self.scenario, 0, self.outcome, self.rounds, self.final,
                                        self.costliest, self.objected, self.paid, self.fired,
                                        self.payer))

    def drawn_table(self) -> pd.DataFrame:
        """One row per run: ``run`` and each uncertain input's drawn value, a column per
        input named by its path (e.g. ``actors.FRA.position.office``)."""
        import pandas as pd

        return pd.DataFrame(drawn_columns(self.scenario, 0, self.drawn))


def drawn_columns(s: Scenario, start: int, drawn: np.ndarray) -> dict[str, Any]:
    """The drawn-inputs table's columns for runs ``start ..`` (see docs/outputs.md)."""
    return {"run": np.arange(start, start + drawn.shape[0]),
            **{x.path: drawn[:, j] for j, x in enumerate(s.uncertain)}}


def run_columns(s: Scenario, start: int, outcome: np.ndarray, rounds: np.ndarray,
                final: np.ndarray, costliest: np.ndarray, objected: np.ndarray,
                paid: np.ndarray, fired: np.ndarray,
                payer: np.ndarray | None = None) -> dict[str, Any]:
    """The runs table's columns for runs ``start ..`` (see docs/outputs.md)."""
    member_ids = np.array(s.arrays.member_ids)
    table: dict[str, Any] = {
        "run": np.arange(start, start + outcome.size),
        "outcome": np.array(OUTCOMES)[outcome],
        "rounds": rounds,
    }
    adopted = np.isin(outcome, _ADOPTED_CODES)
    for k, (dim, labels) in enumerate(zip(s.dimension_ids, nearest_labels(s, final),
                                          strict=True)):
        table[f"final_{dim}"] = final[:, k]  # the last text on the table, adopted or not
        table[f"label_{dim}"] = np.where(adopted, np.asarray(labels, dtype=object),
                                         NO_AGREEMENT)
        table[f"given_up_{dim}"] = np.where(adopted, s.arrays.proposal[k] - final[:, k],
                                            np.nan)
    for k in np.flatnonzero(s.arrays.side):
        table[f"paid_{s.dimension_ids[k]}"] = paid[:, k]
        if payer is not None and len(s.arrays.payers[k]) > 1:  # several may pay: who did
            ids = np.array(["", *s.arrays.actor_ids])
            table[f"payer_{s.dimension_ids[k]}"] = ids[payer[:, k] + 1]
    if s.rivals:
        ids = np.array(["", *s.arrays.rival_ids])
        table["rival"] = ids[rival_rows(s, outcome, final) + 1]
    table["costliest_blocker"] = np.where(costliest >= 0, member_ids[np.maximum(costliest, 0)],
                                          "")
    table["objectors"] = _joined(member_ids, objected)
    if s.events:
        table["events"] = _joined(np.array([e.id for e in s.events]), fired)
    return table


def _joined(ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per row of a boolean table, the ids it marks, joined by ';' (each distinct row
    joined once: most runs share a few)."""
    packed = np.packbits(rows, axis=1)
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    texts = np.array([";".join(ids[rows[i]]) for i in first], dtype=object)
    return texts[inverse.ravel()]


#: A streamed ensemble keeps the per-run arrays of its first runs, for the charts that
#: draw runs one by one.
SAMPLE_RUNS = 2000


def stream_ensemble(scenario: Scenario, runs: int, seed: int, jobs: int | None,
                    runs_csv: Any, progress: bool | None = None,
                    rounds_parquet: Any = None, drawn_parquet: Any = None) -> EnsembleResult:
    """Run an ensemble and write its runs table to ``runs_csv`` (an open text file) as
    the runs finish, in run order, keeping only counts and the first runs in memory.

    Memory stays flat however many runs: finished chunks wait only until the chunks
    before them are written. Floats are written with six decimals. With
    ``rounds_parquet`` (a path), each member's response and loss in every round of
    every run are written there too, as a long table (:func:`round_columns`); with
    ``drawn_parquet``, each run's drawn inputs (:func:`drawn_columns`).

    Returns:
        A result whose tally covers every run and whose per-run arrays hold the first
        :data:`SAMPLE_RUNS` runs.
    """
    from tqdm import tqdm  # the plain bar: the command runs in a terminal

    if jobs is None or jobs < 1:
        jobs = 1 if runs < AUTO_SERIAL_BELOW else available_cores()
    tally = Tally(scenario, seed)
    kept: list[Chunk] = []
    waiting: dict[int, Chunk] = {}
    following = 0
    by_round = inputs = None
    drawn_rows: list[Chunk] = []  # drawn inputs waiting to fill a row group
    if rounds_parquet is not None or drawn_parquet is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq
    if rounds_parquet is not None:
        by_round = pq.ParquetWriter(rounds_parquet, pa.schema([
            ("run", pa.int64()), ("round", pa.int16()), ("member", pa.string()),
            ("response", pa.string()), ("loss", pa.float64())]))
    if drawn_parquet is not None:
        # drawn values are all distinct: dictionaries and statistics would only cost time
        inputs = pq.ParquetWriter(drawn_parquet, pa.schema(
            [("run", pa.int64())] + [(x.path, pa.float64()) for x in scenario.uncertain]),
            use_dictionary=False, write_statistics=False)

    def write_drawn() -> None:
        if drawn_rows:
            drawn = np.concatenate([c.drawn for c in drawn_rows])
            inputs.write_batch(_numeric_batch(
                drawn_columns(scenario, drawn_rows[0].start, drawn), inputs.schema))
            drawn_rows.clear()

    with tqdm(total=runs, unit="run", disable=None if progress is None else not progress,
              desc=scenario.id or "runs", leave=False) as bar:
        for chunk in iter_chunks(scenario, runs, seed, jobs, rounds=by_round is not None,
                                 stream=True):
            waiting[chunk.start] = chunk
            bar.update(chunk.outcome.size)
            while following in waiting:
                c = waiting.pop(following)
                tally.absorb(c.counts)
                runs_csv.write(c.csv)
                if by_round is not None:
                    by_round.write_table(pa.table(round_columns(scenario, c),
                                                  schema=by_round.schema))
                if inputs is not None:
                    drawn_rows.append(c)
                    if sum(x.outcome.size for x in drawn_rows) >= ROW_GROUP:
                        write_drawn()
                if c.start < SAMPLE_RUNS:
                    kept.append(replace(c, csv=None, counts=None))
                following = c.start + c.outcome.size
    if inputs is not None:
        write_drawn()
    for writer_ in (by_round, inputs):
        if writer_ is not None:
            writer_.close()
    return EnsembleResult.from_chunks(scenario, seed, kept, tally)


#: drawn.parquet is written in row groups of at least this many runs (a row group per
#: chunk would make small ones, slow to write and to read).
ROW_GROUP = 16384


def _numeric_batch(columns: dict[str, np.ndarray], schema: Any) -> Any:
    """A record batch of numeric columns, built from their memory directly
    (``pyarrow.array`` would import pandas, a quarter of a second, to check whether it
    was given a pandas object)."""
    import pyarrow as pa

    arrays = []
    for field, values in zip(schema, columns.values(), strict=True):
        data = np.ascontiguousarray(values, dtype=field.type.to_pandas_dtype())
        arrays.append(pa.Array.from_buffers(field.type, len(data), [None, pa.py_buffer(data)]))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def round_columns(s: Scenario, chunk: Chunk) -> dict[str, Any]:
    """Each member's response and loss in every round a run reached, one row per run,
    round and member (from a chunk simulated with ``rounds=True``)."""
    _, rmax, m = chunk.codes.shape
    reached = np.arange(1, rmax + 1)[None, :] <= chunk.rounds[:, None]  # (n, rmax)
    run, round_ = np.nonzero(reached)
    names = np.array([RESPONSE_NAMES[OBJECT], RESPONSE_NAMES[0], RESPONSE_NAMES[SUPPORT]])
    codes = chunk.codes[run, round_]  # (rows, m)
    return {
        "run": np.repeat(chunk.start + run, m),
        "round": np.repeat(round_ + 1, m).astype(np.int16),
        "member": np.tile(np.array(s.arrays.member_ids), run.size),
        "response": names[codes.ravel() + 1],
        "loss": chunk.loss[run, round_].ravel().astype(float),
    }


def _cells(values: Any) -> list[str]:
    """A column as CSV cells: floats with six decimals, everything else as it is,
    quoted where needed (as Python's csv module quotes them). Each distinct value is
    formatted once: most columns take a few values only."""
    array = np.asarray(values)
    if array.dtype.kind in "OU":  # text: a dictionary (sorting strings costs more)
        cells: dict[Any, str] = {}
        return [cells[v] if v in cells else cells.setdefault(v, _quoted(str(v)))
                for v in array.tolist()]
    if array.dtype.kind == "f":
        array = array + 0.0  # -0.0 as 0.0 (np.unique would merge them anyway)
    distinct, where = np.unique(array, return_inverse=True)
    if array.dtype.kind == "f":  # NaN (nothing to report) as an empty cell
        texts = [f"{v:.6f}" if v == v else "" for v in distinct.tolist()]
    else:
        texts = [_quoted(str(v)) for v in distinct.tolist()]
    return np.array(texts, dtype=object)[where.ravel()].tolist()


def _quoted(text: str) -> str:
    """A CSV cell as the csv module writes it (minimal quoting, quotes doubled)."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
