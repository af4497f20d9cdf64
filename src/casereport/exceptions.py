"""Exceptions raised by casereport. Each carries the facts a caller needs as fields."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


class CaseReportError(Exception):
    """Base class for every error casereport raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case folder: where it is, and why it is wrong.

    ``row`` counts data rows (CSV) or list items (YAML) from 1; ``line`` is the
    line in the file, as an editor shows it. Either may be ``None`` when the
    problem concerns the whole file or column. ``reason`` says what is wrong,
    ``hint`` (where there is one) how to put it right: an author reads both,
    a tool or an editor may show the hint apart (``as_dict``).
    """

    file: str
    row: int | None
    line: int | None
    field: str | None
    reason: str
    # A warning (an implausible but possible value) is reported and does not stop the case from loading.
    severity: Literal["error", "warning"] = "error"
    hint: str | None = None

    def location(self) -> str:
        """Where the problem is, as an author looks for it: ``labs.csv, row 3 (line 4), field 'unit'``."""
        where = [("warning: " if self.severity == "warning" else "") + self.file]
        if self.row is not None:
            where.append(f"row {self.row}" + (f" (line {self.line})" if self.line else ""))
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        return ", ".join(where)

    def __str__(self) -> str:
        return f"{self.location()}: {self.reason}" + (f"; {self.hint}" if self.hint else "")

    def as_dict(self) -> dict[str, str | int | None]:
        """The problem for tools and editors (``casereport validate --format json``): every field by name."""
        return {
            "file": self.file,
            "row": self.row,
            "line": self.line,
            "field": self.field,
            "message": self.reason,
            "hint": self.hint,
            "severity": self.severity,
        }


class CaseValidationError(CaseReportError):
    """A case folder does not hold a valid case; ``problems`` lists every reason."""

    def __init__(self, case_dir: str, problems: list[Problem]) -> None:
        self.case_dir = case_dir
        self.problems = [p for p in problems if p.severity == "error"]
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{case_dir}: {len(self.problems)} problem(s)\n{lines}")


class ParameterError(CaseReportError):
    """A parameter given by a user is not usable; names the parameter and why."""

    def __init__(self, parameter: str, reason: str) -> None:
        self.parameter = parameter
        self.reason = reason
        super().__init__(f"parameter '{parameter}': {reason}")


class FigureError(CaseReportError):
    """A figure could not be drawn; names the ``figure`` and the ``reason`` (the drawing's error)."""

    def __init__(self, figure: str, reason: str) -> None:
        self.figure = figure
        self.reason = reason
        super().__init__(f"the {figure} figure could not be drawn: {reason}")


class OutputError(CaseReportError):
    """A file could not be written (a folder in its place, a full disk, no permission); the ``path`` and the
    ``reason`` (the system's words)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # Raised in a worker process and raised again here: pickled by its fields, not by its message.
        return (OutputError, (self.path, self.reason))

    @classmethod
    def from_os_error(cls, err: OSError, path: str | Path) -> OutputError:
        """The error an ``OSError`` met writing ``path`` (the file it names, when it names one) makes.

        A file where one of the path's folders should be is named as such: the
        system says only "File exists" or "Not a directory".
        """
        named = Path(err.filename or path)
        # The path itself too when making it as a folder failed ("File exists"), not when writing it as a file did.
        folders = [*reversed(named.parents), *([named] if err.errno in (errno.EEXIST, errno.ENOTDIR) else [])]
        blocking = next((folder for folder in folders if folder.exists() and not folder.is_dir()), None)
        reason = f"'{blocking}' is a file, not a folder" if blocking else err.strerror or str(err)
        return cls(str(named), reason)


class UnknownCaseError(CaseReportError):
    """A visitor asked for a case that is not bundled; ``asked`` and the ``known`` names, and a kind message."""

    def __init__(self, asked: str, known: list[str]) -> None:
        self.asked = asked
        self.known = sorted(known)
        # A visitor's value is echoed back cut short: a page is no place for 20,000 characters of it.
        shown = asked if len(asked) <= 60 else asked[:60] + "\u2026"
        super().__init__(f"There is no case called \u201c{shown}\u201d here. Bundled cases: {', '.join(self.known)}.")


class MissingAssetError(CaseReportError):
    """A file the page must serve itself (never from a CDN) is not there yet; ``asset``, ``path`` and the fix."""

    def __init__(self, asset: str, path: str, fix: str) -> None:
        self.asset = asset
        self.path = path
        self.fix = fix
        super().__init__(f"{asset} is not in {path}: {fix}")


class FolderNotEmptyError(CaseReportError):
    """``casereport new`` was pointed at a folder that already holds files; nothing of them is overwritten."""

    def __init__(self, folder: str, present: list[str]) -> None:
        self.folder = folder
        self.present = sorted(present)
        shown = ", ".join(self.present[:5]) + (", ..." if len(self.present) > 5 else "")
        super().__init__(
            f"{folder} is not empty ({shown}); nothing was written. Choose a new folder name, or empty this one first."
        )


@dataclass(frozen=True)
class BundleProblem:
    """One thing wrong with a FHIR bundle: the entry (counted from 1), the resource, the element, and why.

    ``entry`` is ``None`` when the problem concerns the whole bundle; ``resource``
    names it as a reader finds it (``Observation labs.csv lab005``).
    """

    entry: int | None
    resource: str | None
    element: str | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.entry is not None:
            where.append(f"entry {self.entry}" + (f" ({self.resource})" if self.resource else ""))
        if self.element:
            where.append(f"element '{self.element}'")
        return (", ".join(where) + ": " if where else "") + self.reason


class BundleError(CaseReportError):
    """A FHIR bundle cannot be read into a case; ``source`` names the bundle, ``problems`` every reason."""

    def __init__(self, source: str, problems: list[BundleProblem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")
