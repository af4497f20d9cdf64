"""A new case folder for an author: every file with its header and one example record, valid from the start.

The CSV format has no comment syntax (a line beginning with ``#`` is a
record), so the examples are real records, explained by a README in the
folder and, in the YAML files, by comments. The folder validates as written,
so that an author who replaces one file at a time sees only the problems of
what they changed. Nothing is ever written over: a folder that holds anything
is refused.
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources
from pathlib import Path

from casereport.data.formats import CASE_FILE
from casereport.exceptions import CaseReportError, FolderNotEmptyError

TEMPLATE = ("templates", "new-case")
EXAMPLE_ID = "case_id: example-case "


def case_id_for(folder: str | Path) -> str:
    """A case id (a slug) from the folder's name: ``Müller 2024`` -> ``muller-2024``."""
    ascii_name = unicodedata.normalize("NFKD", Path(folder).name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_-]+", "-", ascii_name.lower()).strip("-_")[:80].strip("-_")
    return slug or "new-case"


def new_case_folder(folder: str | Path) -> list[Path]:
    """Write a new case folder at ``folder`` (made if absent) and return the files written.

    Raises :class:`FolderNotEmptyError` when ``folder`` already holds
    anything, and :class:`CaseReportError` when it is a file.
    """
    folder = Path(folder)
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir():
            raise CaseReportError(f"{folder} is a file, not a folder; nothing was written")
        present = [p.name for p in folder.iterdir()]
        if present:
            raise FolderNotEmptyError(str(folder), present)
    folder.mkdir(parents=True, exist_ok=True)
    template = resources.files("casereport.data").joinpath(*TEMPLATE)
    written = []
    for entry in sorted(template.iterdir(), key=lambda e: e.name):
        target = folder / entry.name
        if entry.name == CASE_FILE:
            text = entry.read_text(encoding="utf-8").replace(EXAMPLE_ID, f"case_id: {case_id_for(folder)} ", 1)
            target.write_text(text, encoding="utf-8")
        else:
            target.write_bytes(entry.read_bytes())
        written.append(target)
    return written


__all__ = ["case_id_for", "new_case_folder"]
