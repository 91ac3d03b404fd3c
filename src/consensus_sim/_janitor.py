"""The janitor of a results folder's lock: stdlib only, so that the small process
that runs it (``python -I -S _janitor.py LOCK``) starts in a few milliseconds.

:mod:`.outputs` starts it with every lock it takes (see there) and shares its
locking functions.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from contextlib import suppress


def lock(path: str | os.PathLike, create: bool, wait: float = 0.0) -> int | None:
    """An open, ``flock``-ed descriptor of ``path``, or None if another process holds
    it (for ``wait`` seconds). A holder removes the file before it lets go, so a lock
    taken on a file that has meanwhile left ``path`` is dropped and taken again on
    the new one."""
    import fcntl
    import time

    deadline = time.monotonic() + wait
    while True:
        flags = os.O_RDWR | os.O_CLOEXEC | (os.O_CREAT if create else 0)
        fd = os.open(path, flags, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise
                    time.sleep(0.02)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        mine = os.fstat(fd)
        if current is not None and (current.st_ino, current.st_dev) == (mine.st_ino,
                                                                        mine.st_dev):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)
        if not create:
            return None


def unlock(path: str | os.PathLike, fd: int) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)
    os.close(fd)


def remove(garbage: list[tuple[str, str]]) -> None:
    """Remove what matches each (folder, glob pattern) pair."""
    import glob

    for folder, pattern in garbage:
        for path in glob.glob(os.path.join(glob.escape(str(folder)), pattern),
                              include_hidden=True):
            with suppress(FileNotFoundError):
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)


def janitor(lock_path: str) -> None:
    """Wait for the command to end (its end of our stdin closes, however it ends);
    then, if its lock was left behind (it was killed), take the lock and remove the
    lock and the garbage the command declared, one JSON list of pairs a line.

    The janitor outlives Ctrl-C, ``kill`` and a closed terminal sent to the whole
    process group; it does nothing while another consensus-sim holds the lock (that
    one tidies up itself).
    """
    import signal

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    garbage: list[tuple[str, str]] = []
    for line in sys.stdin.buffer:
        with suppress(ValueError):
            garbage += [(d, p) for d, p in json.loads(line)]
    try:
        # The system may close our stdin before it releases the dead command's lock:
        # give it a moment.
        fd = lock(lock_path, create=False, wait=2.0)
    except OSError:  # no lock left: the command ended normally
        return
    if fd is not None:
        with suppress(OSError):
            remove(garbage)
        unlock(lock_path, fd)


if __name__ == "__main__":
    janitor(sys.argv[1])
