"""Errors the user can act on. Every one maps to exit code 2 and an `error:` line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a file: 1-based line and column, as editors count them."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


class AicostError(Exception):
    """Bad input: a sheet, a workload, a flag. The message names the place and, where known, the fix."""

    def __init__(self, message: str, *, where: Location | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of `validate`: an error or a warning at a place."""

    where: Location
    severity: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message}"


class SheetErrors(AicostError):
    """Several problems found in one file; raised by the loader so `validate` can list them all."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        more = (
            f" (and {len(problems) - 1} more; run `aicost validate`)" if len(problems) > 1 else ""
        )
        super().__init__(first.message + more, where=first.where)
        self.problems = problems
