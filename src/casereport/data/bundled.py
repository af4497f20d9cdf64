"""Where the bundled cases, notebooks and dashboard files live: in the checkout, or inside the installed package.

A wheel carries them as package data under ``casereport/_bundled`` (see
``pyproject.toml``); a checkout (an editable install) uses its own folders.
``CASEREPORT_ROOT`` points somewhere else entirely.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

DEFAULT_CASE = "gahr2012-hcc"
CASE_ENV = "CASEREPORT_CASE"
ROOT_ENV = "CASEREPORT_ROOT"
PACKAGED = "_bundled"


def project_root() -> Path:
    """The folder holding ``data/``, ``notebooks/``, ``dashboards/`` and ``voila.json``.

    ``CASEREPORT_ROOT`` if set; else the package data of an installed wheel;
    else the checkout this package was installed from.
    """
    if root := os.environ.get(ROOT_ENV):
        return Path(root)
    packaged = Path(str(resources.files("casereport"))) / PACKAGED
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3]


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
