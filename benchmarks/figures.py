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

from casereport.apps.notebooks import run_figures_notebook
from casereport.data.bundled import bundled_cases

REPEATS = 3


def _notebook(folder: Path, name: str, *code: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell("x = None")
    cell.metadata["tags"] = ["parameters"]
    notebook.cells = [cell, *(nbformat.v4.new_code_cell(c) for c in code)]
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


def _papermill(path: Path) -> float:
    start = time.perf_counter()
    pm.execute_notebook(
        path, path.with_suffix(".out.ipynb"), parameters={"x": 1}, kernel_name="python3", progress_bar=False
    )
    return time.perf_counter() - start


def main() -> int:
    case = bundled_cases()["gahr2012-hcc"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        empty = _notebook(folder, "empty")
        # The floor no figure code can go below: the kernel, the imports and reading the case.
        imports = _notebook(folder, "imports", f"import casereport.apps.figures\ncasereport.load_case({str(case)!r})")
        empty_times, import_times, figure_times = [], [], []
        for repeat in range(REPEATS):
            empty_times.append(_papermill(empty))
            import_times.append(_papermill(imports))
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
    imports_s = statistics.median(import_times)
    print(f"empty papermill run:          {empty_s:6.2f} s (median of {REPEATS})")
    print(f"imports and case only:        {imports_s:6.2f} s (the floor; {imports_s / empty_s:.2f} x empty)")
    print(f"every figure, every format:   {figures_s:6.2f} s (median of {REPEATS})")
    print(f"ratio:                        {figures_s / empty_s:6.2f} (aim: at most 3)")
    print(f"drawing and writing alone:    {figures_s - imports_s:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
