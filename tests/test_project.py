"""Promises the repository makes about itself."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("dashboards/*.ipynb")])


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_name(r) for r in extra}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed = {_name(d) for d in environment["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    # What conda-forge lacks comes from PyPI through pip, beside the project itself.
    from_pypi = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d]
    listed |= {_name(r) for requirements in from_pypi for r in requirements if not r.startswith("-e")}
    assert listed == declared


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path: Path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], "outputs committed"
            assert cell.execution_count is None
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "one cell tagged 'parameters'"


def test_there_are_notebooks():
    assert any(p.parent.name == "dashboards" for p in NOTEBOOKS)


TEACHING = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def test_the_teaching_series_is_numbered_from_one():
    assert [int(p.name[:2]) for p in TEACHING] == list(range(1, len(TEACHING) + 1))
    assert len(TEACHING) >= 6


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.name)
def test_teaching_notebook_takes_the_three_parameters(path: Path):
    notebook = nbformat.read(path, as_version=4)
    (cell,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assigned = {line.split("=")[0].strip() for line in cell.source.splitlines() if "=" in line}
    assert assigned == {"case_dir", "reveal_until", "show_answers"}
    # Thin: prose for the reader, a few calls into the package.
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert sum(c.source.count("\n") + 1 for c in code) < 60
    assert sum(c.cell_type == "markdown" for c in notebook.cells) >= 3


def test_importing_the_package_or_the_voila_server_part_loads_no_pandas():
    """Voila's server imports the kernel manager (apps/voila_app.py); pandas there would cost every server ~50 MB."""
    probe = "import sys, casereport, casereport.apps.voila_app; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
