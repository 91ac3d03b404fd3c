"""Errors meant for people: one line that says where, what is wrong and what is allowed."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario (or a value meant for one) is not valid.

    Attributes:
        source: the file, or another name for where the data came from.
        path: the field path, e.g. ``actors[FRA].salience.office``; empty for the whole file.
        problem: what is wrong and, where it helps, what is allowed.
    """

    def __init__(self, source: str, path: str, problem: str) -> None:
        self.source = source
        self.path = path
        self.problem = problem
        super().__init__(self.line())

    def line(self) -> str:
        """The error as one line: ``file: path: problem``."""
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{where}: {self.problem}"
