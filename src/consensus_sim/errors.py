"""Errors meant for people: one line that says where, what is wrong and what is allowed."""

from __future__ import annotations

#: The most characters of a path, and of a problem, that an error line shows. Paths
#: and problems echo what the user wrote (a key, a value); a file can hold a key of a
#: million characters, and one line on a terminal should stay one line.
PATH_CHARS = 160
PROBLEM_CHARS = 600


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
        """The error as one line: ``file: path: problem``.

        Line breaks become spaces, and an overlong path or problem is shortened in
        its middle, so the line stays one line whatever the input echoed in it.
        """
        path = shorten(self.path, PATH_CHARS)
        where = f"{self.source}: {path}" if path else self.source
        return f"{where}: {shorten(self.problem, PROBLEM_CHARS)}"


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters: an overlong middle becomes "…"."""
    text = " ".join(text.splitlines())
    if len(text) <= limit:
        return text
    keep = limit - 1
    return f"{text[: keep - keep // 3]}…{text[len(text) - keep // 3:]}"
