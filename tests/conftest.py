from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casereport.data.bundled import bundled_cases

CASES = bundled_cases()
SEED = "gahr2012-hcc"
SYNTHETIC = "synthetic-weekly-gemcitabine"


@pytest.fixture(params=sorted(CASES))
def case_dir(request: pytest.FixtureRequest) -> Path:
    """Each bundled case folder in turn."""
    return CASES[request.param]


@pytest.fixture
def editable_case(tmp_path: Path):
    """A function copying a bundled case into a temporary folder to break it."""

    def copy(name: str = SYNTHETIC) -> Path:
        target = tmp_path / name
        shutil.copytree(CASES[name], target)
        return target

    return copy
