"""Where the project's bundled cases, notebooks and dashboards live."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CASE = "gahr2012-hcc"
CASE_ENV = "CASEREPORT_CASE"


def project_root() -> Path:
    """The project folder: ``CASEREPORT_ROOT`` if set, else the checkout this package was installed from."""
    if root := os.environ.get("CASEREPORT_ROOT"):
        return Path(root)
    return Path(__file__).resolve().parents[2]


def bundled_cases() -> dict[str, Path]:
    """The cases shipped in ``data/``, by folder name."""
    data = project_root() / "data"
    if not data.is_dir():
        return {}
    return {p.name: p for p in sorted(data.iterdir()) if (p / "case.yaml").is_file()}


def default_case_dir() -> Path:
    """The case a notebook or dashboard shows when given none: ``CASEREPORT_CASE`` or the seed case."""
    if chosen := os.environ.get(CASE_ENV):
        return Path(chosen)
    return project_root() / "data" / DEFAULT_CASE
