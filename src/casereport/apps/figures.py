"""Writing the case's figures to files, with a manifest that says what drew them."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import altair as alt
import pandas as pd
import vl_convert as vlc
from altair.utils.html import INLINE_HTML_TEMPLATE

from casereport import charts
from casereport.apps.explorer import write_explorer
from casereport.apps.report import case_report, render
from casereport.data.case import Case
from casereport.data.load import load_case
from casereport.derive.clinical import adverse_event_table
from casereport.derive.grading import on_treatment_grades
from casereport.derive.panels import analyte_slug, liver_enzymes, tumour_markers
from casereport.derive.response import response_assessments
from casereport.derive.tables import when_texts
from casereport.derive.timeline import Axis
from casereport.exceptions import CaseValidationError, ParameterError

FORMATS = ("svg", "png", "pdf", "html")
AXES = ("calendar", "relative")
# vl-convert lays figures out in points (72 to the inch) and rasterises at
# `ppi`, so a figure `width_mm` wide has that many points, fonts are true
# point sizes, and the PNG at `dpi` is `width_mm` wide (to a point).
POINTS_PER_INCH = 72
MM_PER_INCH = 25.4
FULL_PAGE_MM = 174  # a journal page's full (two-column) width
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


class Figure(NamedTuple):
    """How to draw one figure at a given plot width, how many plots share the width, and the least width it needs."""

    draw: Callable[[int], alt.TopLevelMixin]
    columns: int = 1
    min_width_mm: float = 0


def figure_factories(case: Case, *, axis: Axis, width_points: float) -> dict[str, Figure | str]:
    """Each figure's name and how to draw it, or why the case has no such figure.

    The figures follow the case: the liver enzymes when it has them, and each
    tumour marker it has (AFP, CEA, CA 19-9) on a linear and a log scale,
    named as the case names the marker (``afp``, ``afp_log``; ``cea``, ``cea_log``).
    """
    columns = 1 if width_points < 400 else 2
    figures: dict[str, Figure | str] = {
        "timeline": Figure(lambda w: charts.timeline_chart(case, axis=axis, width=w)),
        "liver_enzymes": Figure(lambda w: charts.liver_enzymes_chart(case, axis=axis, width=w))
        if liver_enzymes(case)
        else "the case has no liver enzyme values (GOT, GPT, gamma-GT or ALP)",
    }
    figures |= _marker_figures(case, axis=axis) or {"tumour_marker": "the case has no tumour marker values"}
    return figures | {
        "imaging": Figure(lambda w: charts.imaging_chart(case, axis=axis, width=w)),
        "all_labs": Figure(
            lambda w: charts.all_labs_chart(case, axis=axis, columns=columns, width=w, height=70), columns
        ),
        # A diagram of labelled boxes in three columns: legible from a page's full width (two columns) on.
        "rationale": Figure(lambda w: charts.rationale_chart(case, width=w), min_width_mm=FULL_PAGE_MM)
        if not case.mechanisms.empty
        else "the case states no rationale (mechanisms.csv has no rows)",
    }


def _marker_figures(case: Case, *, axis: Axis) -> dict[str, Figure | str]:
    """Each tumour marker's figure on a linear and on a log scale, named by the case's name for it."""
    figures: dict[str, Figure | str] = {}
    for loinc in tumour_markers(case):
        name = analyte_slug(case, loinc)
        if name in figures:  # two markers the case names alike: the code tells them apart
            name = f"{name}_{loinc.replace('-', '_')}"
        figures[name] = Figure(_marker_drawing(case, loinc, axis=axis, scale="linear"))
        figures[f"{name}_log"] = Figure(_marker_drawing(case, loinc, axis=axis, scale="log"))
    return figures


def _marker_drawing(case: Case, loinc: str, *, axis: Axis, scale: charts.Scale) -> Callable[[int], alt.LayerChart]:
    """How to draw one marker's figure at a plot width (a function of its own, so each figure keeps its marker)."""
    return lambda width: charts.marker_chart(case, loinc, axis=axis, scale=scale, width=width)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def case_hash(case_dir: Path) -> str:
    """One hash over every file of the case folder, names included."""
    digest = hashlib.sha256()
    for path in sorted(p for p in case_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(case_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _render(spec: dict, fmt: str, dpi: int, vega: dict) -> bytes:
    """One format of a figure; ``vega`` is its spec compiled once for all static formats."""
    if fmt == "svg":
        return vlc.vega_to_svg(vega).encode("utf-8")
    if fmt == "png":
        return vlc.vega_to_png(vega, scale=1, ppi=dpi)
    if fmt == "pdf":
        return vlc.vega_to_pdf(vega)
    # The page embeds Vega, Vega-Lite and vega-embed, so it works offline with its tooltips and zoom.
    # vl-convert builds that bundle once per process; Altair's template places it.
    return INLINE_HTML_TEMPLATE.render(
        # vl-convert's stub makes ``snippet`` required; at run time it defaults to None, the default snippet.
        vegaembed_script=vlc.javascript_bundle(),  # type: ignore[call-arg]
        vegalite_version=vlc.get_vegalite_versions()[-1],
        spec=json.dumps(spec),
        embed_options=json.dumps({"mode": "vega-lite"}),
        output_div="figure",
    ).encode("utf-8")


def _svg_width(vega: dict) -> float:
    found = re.search(r'<svg[^>]* width="([0-9.]+)"', vlc.vega_to_svg(vega))
    if found is None:
        raise ValueError("vl-convert drew an SVG without a width")
    return float(found.group(1))


def _fitted(figure: Figure, width_points: float) -> tuple[dict, dict, int]:
    """The figure's print spec, its Vega and plot width, corrected so the whole is ``width_points`` wide.

    Axis labels, legends and titles take a width only Vega knows, so draw
    once, measure, and redraw with the difference shared among the columns.
    """
    plot_width = round((width_points - AXIS_ALLOWANCE * figure.columns) / figure.columns)
    spec = charts.print_spec(figure.draw(plot_width))
    vega = vlc.vegalite_to_vega(spec)
    drawn = _svg_width(vega)
    if abs(drawn - width_points) <= 1:
        return spec, vega, plot_width
    plot_width = max(60, round(plot_width + (width_points - drawn) / figure.columns))
    spec = charts.print_spec(figure.draw(plot_width))
    return spec, vlc.vegalite_to_vega(spec), plot_width


def companion_tables(case: Case) -> dict[str, pd.DataFrame]:
    """The tables a paper prints beside its figures: adverse events, on-treatment toxicity, response."""
    return {
        "adverse-events": adverse_event_table(case),
        "toxicity-on-treatment": on_treatment_grades(case)
        .assign(date=when_texts)
        .drop(columns=["date_earliest", "date_latest"]),
        "response": response_assessments(case).drop(
            columns=["anchor", "anchor_offset_days", "date_earliest", "date_latest"]
        ),
    }


def write_companion_tables(case: Case, out: Path) -> list[dict]:
    """Each companion table as CSV, and the whole case report as Markdown, beside the figures."""
    written = []
    for name, frame in companion_tables(case).items():
        path = out / f"{case.case_id}-{name}.csv"
        frame.to_csv(path, index=False)
        written.append({"table": name, "file": path.name, "rows": len(frame), "sha256": _sha256(path)})
    path = out / f"{case.case_id}-report.md"
    path.write_text(render(case_report(case), "md"), encoding="utf-8")
    written.append({"table": "report", "file": path.name, "rows": None, "sha256": _sha256(path)})
    return written


def write_explorer_page(case: Case, out: Path, *, axis: Axis) -> dict:
    """The case explorer beside the figures: the linked views in one HTML file that works offline, as they do."""
    path = write_explorer(case, out / f"{case.case_id}-explorer-{axis}.html", axis=axis)
    return {"page": "explorer", "file": path.name, "bytes": path.stat().st_size, "sha256": _sha256(path)}


def write_figures(
    *,
    case_dir: str | Path,
    output_dir: str | Path,
    formats: Iterable[str] | str = FORMATS,
    axis: Axis = "calendar",
    width_mm: float = 85,
    dpi: int = 300,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write every figure of the case in every format, and ``manifest.json``; return the manifest."""
    case, out, chosen = check_parameters(
        case_dir=case_dir, output_dir=output_dir, formats=formats, axis=axis, width_mm=width_mm, dpi=dpi
    )
    width_points = float(width_mm) / MM_PER_INCH * POINTS_PER_INCH
    files, skipped = [], []
    plot_widths, figure_widths = {}, {}
    for name, figure in figure_factories(case, axis=axis, width_points=width_points).items():
        if isinstance(figure, str):
            skipped.append({"figure": name, "reason": figure})
            continue
        figure_widths[name] = max(float(width_mm), figure.min_width_mm)
        spec, vega, plot_widths[name] = _fitted(figure, figure_widths[name] / MM_PER_INCH * POINTS_PER_INCH)
        for fmt in chosen:
            path = out / f"{case.case_id}-{name}-{axis}.{fmt}"
            path.write_bytes(_render(spec, fmt, int(dpi), vega))
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
    tables = write_companion_tables(case, out)
    pages = [write_explorer_page(case, out, axis=axis)] if "html" in chosen else []
    if not pages:
        skipped.append({"figure": "explorer", "reason": "the case explorer is an HTML page: ask for --format html"})
    if progress:
        for written in [*tables, *pages]:
            progress(written["file"])
    manifest = {
        "case_id": case.case_id,
        "case_sha256": case_hash(Path(case_dir)),
        "parameters": {
            "axis": axis,
            "formats": list(chosen),
            "width_mm": float(width_mm),
            "dpi": int(dpi),
            "width_points": round(width_points, 1),
            "plot_width_points": plot_widths,
            "figure_width_mm": figure_widths,
        },
        "packages": {
            name: metadata.version(name)
            for name in ("casereport", "altair", "vl-convert-python", "pandas", "papermill")
        }
        | {"vega-lite": alt.SCHEMA_VERSION},
        "files": files,
        "tables": tables,
        "pages": pages,
        "skipped": skipped,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
