"""Count papermill runs that stall in a widget cell: Output widget against HTML widget, and teaching notebook 1.

Run on demand, not as a test: ``.venv/bin/python benchmarks/kernel_stalls.py [runs] [--load]``.

Why it exists: a full ``make test`` now and then hung forever in a teaching
notebook's step-control cell. The kernel had replied and gone idle; papermill
never saw the reply. papermill (nbclient) mimics an ``Output`` widget by
sending comm messages to the kernel on the shell socket while it waits for the
cell's reply on that same socket, and the reply's wake-up is sometimes lost
(jupyter/nbclient#312, open). With a cell timeout the reply is found when the
timeout expires, so a stall shows as a cell that took exactly ``CELL_TIMEOUT``.
``teaching.step_through`` therefore draws into an HTML widget. ``--load`` adds
one busy process, as the other tests are in ``make test``; the stalls need it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path

import nbformat
import papermill as pm
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.exceptions import PapermillExecutionError

from casereport.data.bundled import project_root

CELL_TIMEOUT = 60  # s; a healthy cell here takes under 5
PARALLEL = 2  # the machine's cores, as in `make test`
SETUP = """import ipywidgets as widgets
import vl_convert
import casereport
from casereport.charts import timeline_chart
from casereport.data.bundled import default_case_dir
picture = vl_convert.vegalite_to_svg(timeline_chart(casereport.load_case(default_case_dir())).to_dict())
slider = widgets.IntSlider(min=1, max=8, value=5)
play = widgets.Play(min=1, max=8, value=5)
widgets.jslink((play, 'value'), (slider, 'value'))"""
VARIANTS = {
    "output-widget": """from IPython.display import SVG, display
out = widgets.Output()
out.clear_output(wait=True)
with out:
    display(SVG(picture))
widgets.VBox([widgets.HBox([play, slider]), out])""",
    "html-widget": """view = widgets.HTML(value=picture)
widgets.VBox([widgets.HBox([play, slider]), view])""",
}


def _notebooks(folder: Path) -> list[Path]:
    paths = []
    for name, cell in VARIANTS.items():
        notebook = nbformat.v4.new_notebook()
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebook.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(cell)]
        path = folder / f"{name}.ipynb"
        nbformat.write(notebook, path)
        paths.append(path)
    return [*paths, project_root() / "notebooks" / "01-presentation-and-timeline.ipynb"]


def _run(notebook: Path) -> float | str:
    """The slowest cell's seconds, or what went wrong."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            executed = pm.execute_notebook(
                notebook,
                Path(folder) / notebook.name,
                kernel_name="python3",
                progress_bar=False,
                execution_timeout=CELL_TIMEOUT,
                cwd=notebook.parent,
            )
        except (PapermillExecutionError, DeadKernelError, CellTimeoutError) as error:  # counted, not fatal
            return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        return max(c.metadata.get("papermill", {}).get("duration") or 0 for c in executed.cells)


def main(runs: int, *, load: bool) -> None:
    print(f"ipykernel {version('ipykernel')}, pyzmq {version('pyzmq')}, nbclient {version('nbclient')}")
    print(f"{runs} papermill runs of each, {PARALLEL} at a time{', one busy process beside them' if load else ''}:")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if load else None
    try:
        with tempfile.TemporaryDirectory() as folder, ProcessPoolExecutor(PARALLEL) as pool:
            for notebook in _notebooks(Path(folder)):
                start = time.perf_counter()
                results = list(pool.map(_run, [notebook] * runs))
                errors = sorted({r for r in results if isinstance(r, str)})
                stalls = sum(1 for r in results if not isinstance(r, str) and r >= CELL_TIMEOUT - 1)
                print(
                    f"  {notebook.stem}: {stalls} stalled (a cell waited {CELL_TIMEOUT} s), {len(errors)} other"
                    f" failures {errors or ''}; {time.perf_counter() - start:.0f} s in all"
                )
    finally:
        if busy:
            busy.kill()


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(numbers[0]) if numbers else 40, load="--load" in sys.argv[1:])
