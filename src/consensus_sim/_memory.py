"""Allocator settings for the processes that run the engine.

The engine works on numpy arrays of a few hundred kilobytes to a few megabytes, and
makes many short-lived temporaries of that size. By default glibc serves each from a
fresh ``mmap`` (or returns freed memory at the top of the heap to the system at
once), so every temporary is page-faulted in again: on a virtual machine that alone
can cost a quarter of a run's time. :func:`keep_freed_memory` asks glibc to keep up
to 128 MB of freed memory for reuse instead. It changes no result, only where freed
memory waits; elsewhere than on Linux with glibc it does nothing.

The command line and the worker processes call it; the library leaves the allocator
of a user's own process (a notebook, a script) alone.
"""

from __future__ import annotations

import sys

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # glibc's malloc.h
_done = False


def keep_freed_memory() -> bool:
    """Tune this process's allocator (see the module's doc); True if it was tuned."""
    global _done
    if _done or not sys.platform.startswith("linux"):
        return _done
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's largest allowed value
                 and mallopt(_M_TRIM_THRESHOLD, 128 << 20)
                 and mallopt(_M_TOP_PAD, 16 << 20))
    return _done
