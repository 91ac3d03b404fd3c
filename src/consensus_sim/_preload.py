"""Imported once by the worker processes' forkserver, before it forks any worker.

It imports the model, then freezes the garbage collector's view of every object
created so far: the collector would otherwise write to those objects in each
worker and copy the pages that workers share with the forkserver.
"""

import gc

from . import ensemble, model, sweep  # noqa: F401

gc.freeze()
