"""Results folders that are whole or absent: never lost, mixed or silently stale.

What the commands that write results rely on (see docs/outputs.md):

- :func:`folder_lock`: one consensus-sim at a time writes a results folder. The lock
  is ``.<folder name>.lock`` beside the folder, held with ``flock`` (so the kernel
  releases it however the process ends) and removed when the command ends.
- :func:`replaced_folder`: ``run`` writes its whole folder under a temporary name
  beside the old one and swaps it in at the end, so a results folder is complete or
  absent, never a mix of two runs.
- a *janitor*: a tiny process started with the lock that waits for the command to
  end, however it ends. If the command was killed (``kill -9`` included) before it
  could tidy up, the janitor removes its temporary files and the lock.
- :mod:`.checks` (above this module and the stores) checks that a finished
  folder's files agree with its manifest.

This module imports nothing heavy at load time; the janitor (:mod:`._janitor`) imports
nothing of the package at all.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from ._janitor import lock as _lock
from ._janitor import remove as _remove_pairs
from ._janitor import unlock as _unlock
from .errors import ScenarioError

MANIFEST = "manifest.json"
#: The files ``consensus-sim run`` writes (charts in any format); a folder holding
#: anything else is not replaced.
_RUN_FILE = re.compile(r"(summary\.json|manifest\.json|runs\.csv|drawn\.parquet|rounds\.parquet"
                       r"|(outcomes|objections|positions|persuasion|trajectory_.+)\.(png|svg|pdf)"
                       r"|.+\.partial)")  # .partial: left by consensus-sim 0.2.0
#: Temporary files of a sweep written by consensus-sim 0.2.0.
_LEGACY_TEMPORARY = ("runs.parquet.tmp", "runs.csv.tmp", "points.csv.tmp", "manifest.json.tmp")
Garbage = list[tuple[Path, str]]  # (folder, glob pattern) pairs


def real_path(path: str | Path) -> Path:
    """``path`` made absolute with every symbolic link resolved (a loop is left as it
    is: writing there then fails with ELOOP, reported in one line)."""
    return Path(os.path.realpath(path))


def make_folder(folder: Path) -> None:
    """Create ``folder`` and its parents. A part of the path that exists but is not a
    folder raises the error that says why (ENOTDIR, or ELOOP for a symlink loop)
    rather than Python's bare "File exists"."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        os.stat(folder)  # ELOOP, ENOTDIR, EACCES, ... if that is what stands in the way
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder)) \
            from None


@contextmanager
def replaced_file(path: Path) -> Iterator[Path]:
    """Yield the temporary name to write ``path`` under; rename it to ``path`` when the
    block ends, or remove it if the block fails (a full disk, Ctrl-C), so that
    ``path`` is whole or as it was."""
    tmp = temporary(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise


def temporary(path: Path) -> Path:
    """The hidden name a file is written under before it is renamed to ``path``."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def results_garbage(folder: str | Path) -> Garbage:
    """What a command writing the results folder ``folder`` may leave if killed (as
    absolute paths: the janitor runs elsewhere)."""
    folder = real_path(folder)
    parts = folder / "parts"
    return [(folder, ".*.tmp"), (parts, ".*.tmp"), (folder, ".staging-*"), (parts, "*.tmp"),
            *((folder, name) for name in _LEGACY_TEMPORARY)]


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of results folder ``out``, as a JSON object."""
    path = Path(out) / MANIFEST
    if not path.is_file():
        raise ScenarioError(str(out), "", f"no {MANIFEST} here: not a results folder "
                            "(make one with consensus-sim run, sweep or sensitivity --out)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ScenarioError(str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}") \
            from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), "", "not valid JSON: not UTF-8 text") from None
    if not isinstance(manifest, dict):
        raise ScenarioError(str(path), "", f"not a results manifest: a JSON "
                            f"{type(manifest).__name__}, not an object")
    return manifest


def folder_kind(manifest: dict[str, Any]) -> str:
    """The command whose results a manifest describes: run, sweep or sensitivity."""
    kind = manifest.get("kind")
    extra = manifest.get("extra")
    if kind == "sweep" and isinstance(extra, dict) and "sensitivity" in extra:
        return "sensitivity"
    return str(kind)


# ----------------------------------------------------------------------- the lock


class FolderLock:
    """The right to write one results folder, held by one process at a time.

    Taken with :func:`folder_lock`. While held, :meth:`tidy` removes what an earlier,
    killed command left behind and has the janitor remove the same should this one
    be killed.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder.parent / f".{folder.name}.lock"
        self.depth = 0
        self._fd: int | None = None
        self._janitor: Any = None  # subprocess.Popen

    def acquire(self) -> None:
        make_folder(self.folder.parent)
        fd = _lock(self.path, create=True)
        if fd is None:
            raise ScenarioError(str(self.folder), "", f"another consensus-sim is writing "
                                f"{self.folder} (pid {_holder(self.path)}); wait until it "
                                "ends, or use another --out")
        self._fd = fd

    def tidy(self, garbage: Garbage) -> None:
        """Remove ``garbage`` (left by a killed command) now, and again when this
        process ends without having removed it."""
        _remove(garbage)
        if self._janitor is None:
            self._janitor = _start_janitor(self.path)
        if self._janitor is not None:
            with suppress(OSError):
                self._janitor.stdin.write(json.dumps([[str(d), p] for d, p in garbage])
                                          .encode() + b"\n")
                self._janitor.stdin.flush()

    def release(self) -> None:
        if self._fd is not None:
            _unlock(self.path, self._fd)
            self._fd = None
        if self._janitor is not None:
            with suppress(OSError):
                self._janitor.stdin.close()
            with suppress(Exception):
                self._janitor.wait(timeout=10)
            self._janitor = None


_held: dict[Path, FolderLock] = {}


@contextmanager
def folder_lock(folder: str | Path) -> Iterator[FolderLock]:
    """Hold the lock of results folder ``folder`` (its parent is created if missing).

    Re-entrant within a process: a command that holds it may call a library function
    that takes it again. Raises a one-line ScenarioError naming the other process
    when another consensus-sim holds it.
    """
    folder = real_path(folder)
    if not folder.name:
        raise ScenarioError(str(folder), "", "not a folder for results; allowed: a new or "
                            "empty folder, or a results folder")
    lock = _held.get(folder)
    if lock is None:
        lock = FolderLock(folder)
        lock.acquire()
        _held[folder] = lock
    lock.depth += 1
    try:
        yield lock
    finally:
        lock.depth -= 1
        if lock.depth == 0:
            del _held[folder]
            lock.release()


def _remove(garbage: Garbage) -> None:
    _remove_pairs([(str(folder), pattern) for folder, pattern in garbage])


def _holder(path: Path) -> str:
    """The pid written in a lock file, as text ("unknown" if none yet)."""
    try:
        return path.read_text().strip() or "unknown"
    except OSError:
        return "unknown"


# -------------------------------------------------------------------- the janitor


def _start_janitor(lock: Path) -> Any:
    """Start the janitor of ``lock`` (:mod:`._janitor`, run as a script in a bare
    Python: it imports nothing of the package), or None where processes cannot be
    started."""
    import subprocess

    from . import _janitor

    try:
        return subprocess.Popen([sys.executable, "-I", "-S", _janitor.__file__, str(lock)],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, close_fds=True, cwd="/")
    except OSError:
        return None


# ------------------------------------------------------------- writing whole folders


@contextmanager
def replaced_folder(target: str | Path, kind: str,
                    inputs: Sequence[str | Path] = ()) -> Iterator[Path]:
    """Write the results folder ``target`` whole, or leave it as it was.

    Yields an empty folder beside ``target`` (same parent, so renaming it is atomic)
    to write everything into; when the block ends without an exception, that folder
    takes ``target``'s place in one step (Linux's ``renameat2(RENAME_EXCHANGE)``;
    elsewhere two renames) and the old one is removed. On any exception, Ctrl-C
    included, the new folder is removed and ``target`` is untouched.

    ``target`` must be absent, empty, or a results folder of ``kind`` holding only
    the files such a command writes; ``inputs`` (files the command reads) must not
    be inside it. Otherwise a one-line ScenarioError says why and what to do.
    """
    shown, target = str(target), real_path(target)
    _refuse_inputs(target, shown, inputs)
    _check_replaceable(target, shown, kind)
    with folder_lock(target) as lock:
        _check_replaceable(target, shown, kind)  # again, now that no one else may write it
        lock.tidy([(target.parent, f".{_glob_escape(target.name)}.tmp-*")])
        staging = target.parent / f".{target.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}"
        staging.mkdir()
        try:
            yield staging
            if target.is_dir():
                shutil.copymode(target, staging)
            _swap(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # the new folder, or now the old one


def _glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def _refuse_inputs(target: Path, shown: str, inputs: Sequence[str | Path]) -> None:
    for given in inputs:
        path = real_path(given)
        if path == target or target in path.parents:
            raise ScenarioError("--out", shown, f"holds the input {given}, which writing the "
                                "results would replace; use another --out")


def _check_replaceable(target: Path, shown: str, kind: str) -> None:
    """Refuse a ``target`` that is not absent, empty or a folder of ``kind``'s results
    (``shown`` as the user named it)."""
    if not target.exists():
        return
    if not target.is_dir():
        raise ScenarioError("--out", shown, "is a file, not a folder; use another --out")
    names = sorted(p.name for p in target.iterdir())
    if not names:
        return
    if MANIFEST not in names:
        raise ScenarioError("--out", shown, f"is not empty and holds no {MANIFEST}: "
                            "not a results folder, so nothing is written into it; use "
                            "another --out (a new or empty folder)")
    try:
        found = folder_kind(read_manifest(target))
    except ScenarioError as exc:
        raise ScenarioError(exc.source, exc.path, f"{exc.problem}; cannot tell whose results "
                            "these are, so nothing is written here: use another --out") \
            from None
    if found != kind:
        raise ScenarioError("--out", shown, f"holds the results of consensus-sim "
                            f"{found}, which consensus-sim {kind} would replace; use another "
                            "--out")
    foreign = [name for name in names if not _RUN_FILE.fullmatch(name)]
    if foreign:
        listed = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise ScenarioError("--out", shown, f"holds files consensus-sim {kind} did not "
                            f"write ({listed}), which replacing the folder would delete; move "
                            "them out, or use another --out")


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; the old ``target`` (if any) ends at ``staging``."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        return
    # Two renames: should the command be killed between them, the old results wait in
    # .<name>.old-*, which no janitor removes.
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{os.urandom(4).hex()}")
    os.rename(target, old)
    os.rename(staging, target)
    os.rename(old, staging)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where not supported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # this file system cannot
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextmanager
def staged_files(folder: Path) -> Iterator[Path]:
    """A hidden folder inside ``folder`` to write files into; on success each file is
    moved into ``folder`` (a rename: each file appears whole), on failure none is."""
    staging = folder / f".staging-{os.getpid()}-{os.urandom(4).hex()}"
    staging.mkdir()
    try:
        yield staging
        for path in sorted(staging.iterdir()):
            os.replace(path, folder / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all: under a temporary name
    first, then renamed. A path that is not a regular file (``/dev/stdout``, a pipe)
    is written directly."""
    path = Path(path)
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as handle:
            handle.write(text)
        return path
    real = real_path(path)
    make_folder(real.parent)
    with replaced_file(real) as tmp:
        tmp.write_text(text, encoding="utf-8")
        if real.is_file():
            shutil.copymode(real, tmp)
    return path


# ------------------------------------------------------------------------- errors

_ALLOWED = {
    errno.ENOSPC: "no space left on the device; free some, or use another {option}",
    errno.EDQUOT: "disk quota exceeded; free some space, or use another {option}",
    errno.EACCES: "permission denied; allowed: a folder you may write to (use another "
                  "{option})",
    errno.EPERM: "not permitted; allowed: a folder you may write to (use another {option})",
    errno.EROFS: "read-only file system; use another {option}",
    errno.ENAMETOOLONG: "a name in the path is too long for the file system (most allow 255 "
                        "bytes); use a shorter {option}",
    errno.ELOOP: "too many levels of symbolic links (a symlink loop?); use another {option}",
    errno.ENOTDIR: "a part of the path is a file, not a folder; use another {option}",
    errno.EISDIR: "is a folder; allowed: a file name",
}


def os_error_line(exc: OSError, where: Path | str, after: str = "", verb: str = "write",
                  option: str = "--out") -> str:
    """One line for a file-system error while writing (or reading: ``verb``) ``where``:
    what went wrong and what to do (naming ``option``), then ``after`` (e.g. what was
    kept)."""
    what = _ALLOWED.get(exc.errno) if exc.errno is not None else None
    if what is None or verb != "write":
        what = exc.strerror or str(exc)
    if verb != "write" and exc.filename:
        where = exc.filename
    line = f"{where}: cannot {verb}: {what.format(option=option)}"
    return f"{line}; {after}" if after else line


# ------------------------------------------------------------ checking a folder


def whole_number(manifest: dict[str, Any], key: str, source: Path | str, low: int) -> int:
    """``manifest[key]``, checked to be a whole number of at least ``low``."""
    value = manifest.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ScenarioError(str(source), key, f"must be a whole number >= {low} (got "
                            f"{value!r}); the file was edited or cut short")
    return value
