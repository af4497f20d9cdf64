"""Running the project's notebooks with papermill."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import papermill as pm
from traitlets.config import Config

from casereport.apps.figures import check_parameters, figure_width_mm
from casereport.data.bundled import default_case_dir, project_root

FIGURES_NOTEBOOK = Path("notebooks") / "figures.ipynb"


def execute_quietly(notebook: Path, executed: Path, **options: Any) -> None:
    """Run a notebook with papermill, its kernel reached over a local socket file rather than TCP.

    A kernel on TCP warns on the terminal that it is "running over TCP
    without encryption" (ipykernel 7); on IPC transport (a socket file only
    this user can open, in a folder removed afterwards) there is nothing to
    warn about.
    """
    with tempfile.TemporaryDirectory(prefix="casereport-kernel-") as sockets:
        local = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})
        pm.execute_notebook(notebook, executed, config=local, **options)


def run_figures_notebook(
    *,
    case_dir: str | Path | None,
    output_dir: str | Path,
    formats: str,
    axis: str,
    width_mm: float | str,
    dpi: int,
    only: Iterable[str] | str | None = None,
    progress_bar: bool = True,
) -> Path:
    """Execute ``notebooks/figures.ipynb`` with papermill; the executed copy is left beside the figures.

    The notebook calls :func:`casereport.apps.figures.write_figures`, as
    ``casereport figures`` does without a kernel: this is for an author who
    wants the executed record.
    """
    case_path = Path(case_dir or default_case_dir()).resolve()
    case, out, chosen = check_parameters(
        case_dir=case_path, output_dir=output_dir, formats=formats, axis=axis, width_mm=width_mm, dpi=dpi
    )
    executed = out / f"figures-{case.case_id}-{axis}.ipynb"
    execute_quietly(
        project_root() / FIGURES_NOTEBOOK,
        executed,
        parameters={
            "case_dir": str(case_path),
            "output_dir": str(out.resolve()),
            "formats": ",".join(chosen),
            "axis": axis,
            "width_mm": figure_width_mm(width_mm),
            "dpi": int(dpi),
            "only": only if only is None or isinstance(only, str) else ",".join(only),
        },
        kernel_name="python3",
        progress_bar=progress_bar,
        cwd=str(project_root() / "notebooks"),
    )
    return executed
