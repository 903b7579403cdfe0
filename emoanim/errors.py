"""Errors a user can act on.

Every error that reaches the CLI is an :class:`EmoanimError`; the CLI prints ``str(err)`` as one line and exits 2.
Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

from pathlib import Path


class EmoanimError(Exception):
    """A problem with the user's input or set-up, explained in one line."""


class InputError(EmoanimError):
    """Bad input: names the file (if any), what is wrong with it, and what to do."""

    def __init__(self, problem: str, *, path: str | Path | None = None, hint: str | None = None):
        self.path = None if path is None else Path(path)
        self.problem = problem
        self.hint = hint
        super().__init__(self._line())

    def _line(self) -> str:
        text = f"{self.path}: {self.problem}" if self.path is not None else self.problem
        if self.hint:
            text = f"{text} ({self.hint})"
        # One line, always: a multi-line message would break the CLI's contract.
        return " ".join(text.split())
