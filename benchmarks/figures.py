"""Time drawing every figure in every format against an empty papermill run.

Run on demand, not as a test: ``.venv/bin/python benchmarks/figures.py``
(``--notebook`` also times the figures notebook through papermill, the
executed-record path). One invocation prints the ratio the issue asks about:
``casereport figures`` for the seed case, every figure in every format, as an
author runs it (its own process: Python's start and the imports included),
over an empty notebook run through papermill (the kernel's start). Each is
repeated and the median taken. Aim: at most 3. It also times the same
command drawing the figures alone (``--only`` them: no explorer page).

The command keeps the vega-embed script it bundles in the user's cache
folder; the timed runs find it there (it is built before them if need be),
and one more run with an empty cache folder shows the first run on a machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
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
    """One run of the notebook, as papermill runs it by default (the kernel on TCP, as the issue measured)."""
    start = time.perf_counter()
    pm.execute_notebook(
        path, path.with_suffix(".out.ipynb"), parameters={"x": 1}, kernel_name="python3", progress_bar=False
    )
    return time.perf_counter() - start


def _processor_time() -> float:
    """Seconds of processor time (user and system) this process's ended children and theirs have used so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(command: list[str], *, used: list[float] | None = None, **environment: str) -> float:
    """The command's wall time; its processor time (its workers' included) appended to ``used``."""
    before = _processor_time()
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=os.environ | environment)
    elapsed = time.perf_counter() - start
    if used is not None:
        used.append(_processor_time() - before)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebook", action="store_true", help="also time the figures notebook through papermill")
    options = parser.parse_args()
    case = bundled_cases()["gahr2012-hcc"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        empty = _notebook(folder, "empty")
        figures = [sys.executable, "-m", "casereport.apps.cli", "figures", "--case", str(case), "--out"]
        # The floor no figure code goes below: Python's start, the imports and reading the case.
        # As the command starts and ends: without the cycle collector or the imports it leaves out, with its
        # commands' modules, and what it made frozen before Python's exit (cli.run).
        imports = (
            "import gc\ngc.disable()\n"
            "from casereport.apps.lean_imports import leave_out_unused_checkers, leave_out_widgets\n"
            "leave_out_unused_checkers()\nleave_out_widgets()\n"
            "import casereport.apps.authoring, casereport.apps.care, casereport.apps.fhir, casereport.apps.cli\n"
            "import casereport.apps.figures as f\n"
        )
        floor = [sys.executable, "-c", imports + f"f.load_case({str(case)!r})\ngc.freeze()"]
        _timed([*figures, str(folder / "warm-up")])  # builds the cached script bundle if this machine has none
        # The figures alone: the same command without the explorer page (an HTML page, not a figure).
        drawn = json.loads((folder / "warm-up" / "manifest.json").read_text(encoding="utf-8"))["files"]
        alone = [*figures[:-1], "--only", ",".join(dict.fromkeys(entry["figure"] for entry in drawn)), "--out"]
        first = _timed([*figures, str(folder / "first")], XDG_CACHE_HOME=str(folder / "empty-cache"))
        empty_times, floor_times, figure_times, alone_times, processor = [], [], [], [], []
        for repeat in range(REPEATS):
            empty_times.append(_papermill(empty))
            floor_times.append(_timed(floor))
            figure_times.append(_timed([*figures, str(folder / f"figs{repeat}")], used=processor))
            alone_times.append(_timed([*alone, str(folder / f"alone{repeat}")]))
        notebook_s = None
        if options.notebook:
            start = time.perf_counter()
            run_figures_notebook(
                case_dir=case,
                output_dir=folder / "notebook",
                formats="svg,png,pdf,html",
                axis="calendar",
                width_mm=85,
                dpi=300,
                progress_bar=False,
            )
            notebook_s = time.perf_counter() - start
    empty_s, figures_s, floor_s, alone_s = (
        statistics.median(t) for t in (empty_times, figure_times, floor_times, alone_times)
    )
    print(f"cores:                        {len(os.sched_getaffinity(0))}")
    print(f"empty papermill run:          {empty_s:6.2f} s (median of {REPEATS})")
    print(f"start, imports and case:      {floor_s:6.2f} s (the floor; {floor_s / empty_s:.2f} x empty)")
    print(f"every figure, every format:   {figures_s:6.2f} s (casereport figures; median of {REPEATS})")
    print(f"ratio:                        {figures_s / empty_s:6.2f} (aim: at most 3)")
    print(f"drawing and writing alone:    {figures_s - floor_s:6.2f} s")
    # The command's processor time over the cores: no order of its work on them ends sooner.
    cores = len(os.sched_getaffinity(0))
    processor_s = statistics.median(processor)
    print(
        f"processor time:               {processor_s:6.2f} s (all its processes; over {cores} cores at best"
        f" {processor_s / cores:.2f} s, {processor_s / cores / empty_s:.2f} x empty)"
    )
    print(
        f"the figures without the page: {alone_s:6.2f} s (--only the figures, no explorer; {alone_s / empty_s:.2f} x)"
    )
    print(f"first run on a machine:       {first:6.2f} s (the script bundle built and kept)")
    if notebook_s is not None:
        print(f"through the notebook:         {notebook_s:6.2f} s (papermill, executed record; once)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
