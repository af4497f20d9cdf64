"""Running the project's notebooks with papermill."""

from __future__ import annotations

from pathlib import Path

import papermill as pm

from casereport.apps.figures import check_parameters
from casereport.data.bundled import default_case_dir, project_root

FIGURES_NOTEBOOK = Path("notebooks") / "figures.ipynb"


def run_figures_notebook(
    *,
    case_dir: Path | None,
    output_dir: Path,
    formats: str,
    axis: str,
    width_mm: float,
    dpi: int,
    progress_bar: bool = True,
) -> Path:
    """Execute ``notebooks/figures.ipynb`` with papermill; the executed copy is left beside the figures."""
    case_path = (case_dir or default_case_dir()).resolve()
    case, out, chosen = check_parameters(
        case_dir=case_path, output_dir=output_dir, formats=formats, axis=axis, width_mm=width_mm, dpi=dpi
    )
    executed = out / f"figures-{case.case_id}-{axis}.ipynb"
    pm.execute_notebook(
        project_root() / FIGURES_NOTEBOOK,
        executed,
        parameters={
            "case_dir": str(case_path),
            "output_dir": str(out.resolve()),
            "formats": ",".join(chosen),
            "axis": axis,
            "width_mm": float(width_mm),
            "dpi": int(dpi),
        },
        kernel_name="python3",
        progress_bar=progress_bar,
        cwd=str(project_root() / "notebooks"),
    )
    return executed
