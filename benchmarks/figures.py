"""Time regenerating every figure in every format against an empty papermill run.

Run on demand, not as a test: ``.venv/bin/python benchmarks/figures.py``.
Both runs go through papermill with the same kernel in this one invocation;
each is repeated and the median taken. Aim: at most 3 times the empty run.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

from casereport.notebooks import run_figures_notebook
from casereport.paths import bundled_cases

REPEATS = 3


def _empty_notebook(folder: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell("x = None")
    cell.metadata["tags"] = ["parameters"]
    notebook.cells = [cell]
    path = folder / "empty.ipynb"
    nbformat.write(notebook, path)
    return path


def main() -> int:
    case = bundled_cases()["gahr2012-hcc"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        empty = _empty_notebook(folder)
        empty_times, figure_times = [], []
        for repeat in range(REPEATS):
            start = time.perf_counter()
            pm.execute_notebook(
                empty, folder / "empty-out.ipynb", parameters={"x": 1}, kernel_name="python3", progress_bar=False
            )
            empty_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            run_figures_notebook(
                case_dir=case,
                output_dir=folder / f"figs{repeat}",
                formats="svg,png,pdf,html",
                axis="calendar",
                width_mm=85,
                dpi=300,
                progress_bar=False,
            )
            figure_times.append(time.perf_counter() - start)
    empty_s, figures_s = statistics.median(empty_times), statistics.median(figure_times)
    print(f"empty papermill run:          {empty_s:6.2f} s (median of {REPEATS})")
    print(f"every figure, every format:   {figures_s:6.2f} s (median of {REPEATS})")
    print(f"ratio:                        {figures_s / empty_s:6.2f} (aim: at most 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
