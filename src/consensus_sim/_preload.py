"""Imported once by the worker processes' forkserver, before it forks any worker.

Each worker is one of ``jobs`` processes, so it keeps to one BLAS thread (numpy reads
these settings when it loads; a user's own setting wins). It imports the engine (not
Mesa: the workers run the batch path only), then freezes the garbage collector's
view of every object created so far: the collector would otherwise write to those
objects in each worker and copy the pages that workers share with the forkserver.
The workers inherit its allocator settings (:mod:`._memory`).
"""

import gc
import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from . import ensemble, kernel, sweep, tally, uncertainty  # noqa: E402, F401
from ._memory import keep_freed_memory  # noqa: E402

keep_freed_memory()

gc.freeze()
