"""Writing the case's figures to files, with a manifest that says what drew them."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path

import altair as alt
import vl_convert as vlc

from . import charts
from .case import Case
from .exceptions import CaseValidationError, ParameterError
from .load import load_case

FORMATS = ("svg", "png", "pdf", "html")
AXES = ("calendar", "relative")
# vl-convert lays figures out in points (72 to the inch) and rasterises at
# `ppi`, so a figure `width_mm` wide has that many points, fonts are true
# point sizes, and the PNG at `dpi` is exactly `width_mm` wide.
POINTS_PER_INCH = 72
MM_PER_INCH = 25.4
AXIS_ALLOWANCE = 55  # points taken by the y axis, its title and padding


def check_parameters(
    *, case_dir: str | Path, output_dir: str | Path, formats: Iterable[str] | str, axis: str, width_mm: float, dpi: int
) -> tuple[Case, Path, tuple[str, ...]]:
    """Check the figure parameters; raise :class:`ParameterError` naming the first bad one."""
    chosen = tuple(f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ParameterError("formats", f"unknown format(s) {unknown or chosen}; choose from {', '.join(FORMATS)}")
    if axis not in AXES:
        raise ParameterError("axis", f"'{axis}' is not an axis; choose calendar or relative")
    if not 20 <= float(width_mm) <= 500:
        raise ParameterError("width_mm", f"{width_mm} mm is not a figure width (20 to 500 mm)")
    if not 50 <= int(dpi) <= 1200:
        raise ParameterError("dpi", f"{dpi} is not a resolution (50 to 1200 dpi)")
    case_path = Path(case_dir)
    if not case_path.is_dir():
        raise ParameterError("case_dir", f"'{case_path}' is not a folder")
    try:
        case = load_case(case_path)
    except CaseValidationError as err:
        raise ParameterError("case_dir", str(err)) from None
    out = Path(output_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ParameterError("output_dir", f"cannot create '{out}': {err.strerror}") from None
    if not os.access(out, os.W_OK):
        raise ParameterError("output_dir", f"'{out}' cannot be written")
    return case, out, chosen


def figure_factories(case: Case, *, axis: str, width_px: int) -> dict[str, Callable[[], alt.TopLevelMixin] | str]:
    """Each figure's name and the call that draws it, or why the case has no such figure."""
    loincs = set(case.labs["loinc"])
    figures: dict[str, Callable[[], alt.TopLevelMixin] | str] = {
        "timeline": lambda: charts.timeline_chart(case, axis=axis, width=width_px),
        "liver_enzymes": (lambda: charts.liver_enzymes_chart(case, axis=axis, width=width_px))
        if loincs & set(charts.LIVER_ENZYMES)
        else "the case has no GOT, GPT or gamma-GT values",
        "afp": (lambda: charts.afp_chart(case, axis=axis, width=width_px))
        if charts.AFP in loincs
        else "the case has no AFP values",
        "afp_log": (lambda: charts.afp_chart(case, axis=axis, scale="log", width=width_px))
        if charts.AFP in loincs
        else "the case has no AFP values",
        "imaging": lambda: charts.imaging_chart(case, axis=axis, width=width_px),
        "all_labs": lambda: charts.all_labs_chart(
            case,
            axis=axis,
            columns=1 if width_px < 400 else 2,
            width=width_px if width_px < 400 else width_px // 2 - AXIS_ALLOWANCE,
        ),
    }
    return figures


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def case_hash(case_dir: Path) -> str:
    """One hash over every file of the case folder, names included."""
    digest = hashlib.sha256()
    for path in sorted(p for p in case_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(case_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _write(chart: alt.TopLevelMixin, spec: dict, path: Path, fmt: str, dpi: int) -> None:
    """Write one format; ``spec`` is the chart's print spec, built once for all static formats."""
    if fmt == "svg":
        path.write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    elif fmt == "png":
        path.write_bytes(vlc.vegalite_to_png(spec, scale=1, ppi=dpi))
    elif fmt == "pdf":
        path.write_bytes(vlc.vegalite_to_pdf(spec))
    else:
        # inline=True embeds Vega itself, so the file works offline with its tooltips.
        chart.save(path, format="html", inline=True)


def write_figures(
    *,
    case_dir: str | Path,
    output_dir: str | Path,
    formats: Iterable[str] | str = FORMATS,
    axis: str = "calendar",
    width_mm: float = 85,
    dpi: int = 300,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write every figure of the case in every format, and ``manifest.json``; return the manifest."""
    case, out, chosen = check_parameters(
        case_dir=case_dir, output_dir=output_dir, formats=formats, axis=axis, width_mm=width_mm, dpi=dpi
    )
    width_px = round(float(width_mm) / MM_PER_INCH * POINTS_PER_INCH) - AXIS_ALLOWANCE
    files, skipped = [], []
    for name, factory in figure_factories(case, axis=axis, width_px=width_px).items():
        if isinstance(factory, str):
            skipped.append({"figure": name, "reason": factory})
            continue
        chart = factory()
        spec = charts.print_spec(chart)
        for fmt in chosen:
            path = out / f"{case.case_id}-{name}-{axis}.{fmt}"
            _write(chart, spec, path, fmt, int(dpi))
            files.append(
                {
                    "figure": name,
                    "format": fmt,
                    "file": path.name,
                    "bytes": path.stat().st_size,
                    "sha256": _sha256(path),
                }
            )
            if progress:
                progress(path.name)
    manifest = {
        "case_id": case.case_id,
        "case_sha256": case_hash(Path(case_dir)),
        "parameters": {
            "axis": axis,
            "formats": list(chosen),
            "width_mm": float(width_mm),
            "dpi": int(dpi),
            "width_px": width_px,
        },
        "packages": {
            name: metadata.version(name)
            for name in ("casereport", "altair", "vl-convert-python", "pandas", "papermill")
        }
        | {"vega-lite": alt.SCHEMA_VERSION},
        "files": files,
        "skipped": skipped,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
