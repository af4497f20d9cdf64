"""Where the bundled cases, notebooks and dashboard files live: in the checkout, or inside the installed package.

A wheel carries them as package data under ``casereport/_bundled`` (see
``pyproject.toml``); a checkout (an editable install) uses its own folders.
``CASEREPORT_ROOT`` points somewhere else entirely.

Voila needs a folder it can write to (Font Awesome, reveal.js's style sheets and
the charts' offline bundle are copied beside its templates): a checkout is one;
an installed package is not, so :func:`site_root` names a copy in the user's
cache folder instead (``apps/serve.py`` makes it).
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata, resources
from pathlib import Path

import platformdirs

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


def is_packaged(root: Path) -> bool:
    """Whether ``root`` is the package data of an installed wheel (read-only, and replaced on upgrade)."""
    return root == Path(str(resources.files("casereport"))) / PACKAGED


def site_root() -> Path:
    """The folder Voila runs in: the project root if it is a writable checkout, else a copy's folder.

    The copy lives in the user's cache folder, one per package version and
    project root, so that an upgrade or another ``CASEREPORT_ROOT`` never
    serves stale templates.
    """
    root = project_root()
    if not is_packaged(root) and os.access(root, os.W_OK):
        return root
    try:
        version = metadata.version("casereport")
    except metadata.PackageNotFoundError:
        version = "unknown"
    where = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]
    return Path(platformdirs.user_cache_dir("casereport")) / f"site-{version}-{where}"


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
