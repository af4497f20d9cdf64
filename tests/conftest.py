from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casereport.data.bundled import bundled_cases

from .voila_server import CHROMIUM, CHROMIUM_ARGS, dashboard_server

CASES = bundled_cases()
SEED = "gahr2012-hcc"
SYNTHETIC = "synthetic-weekly-gemcitabine"


@pytest.fixture(params=sorted(CASES))
def case_dir(request: pytest.FixtureRequest) -> Path:
    """Each bundled case folder in turn."""
    return CASES[request.param]


def replace(path: Path, old: str, new: str) -> None:
    """The first ``old`` in a copied case's file made ``new`` (a test that edits no file fails here)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def editable_case(tmp_path: Path):
    """A function copying a bundled case into a temporary folder to break it."""

    def copy(name: str = SYNTHETIC) -> Path:
        target = tmp_path / name
        shutil.copytree(CASES[name], target)
        return target

    return copy


@pytest.fixture
def no_imaging_case(editable_case) -> Path:
    """A copy of the synthetic case with no imaging findings: findings.csv keeps only its header."""
    case_dir = editable_case(SYNTHETIC)
    findings = case_dir / "findings.csv"
    findings.write_text(findings.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return case_dir


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Tall enough for the timeline and the views its brush links to be on screen together.
    return {**browser_context_args, "viewport": {"width": 1280, "height": 3200}}


@pytest.fixture(scope="session")
def dashboard_url(tmp_path_factory):
    """One server for the whole run; the synthetic case is reached with ``?case=``."""
    with dashboard_server(None, tmp_path_factory.mktemp("voila") / "voila.log") as url:
        yield url
