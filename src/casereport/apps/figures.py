"""Writing the case's figures to files, with their captions and a manifest that says what drew them.

Each figure's spec is built in the package's process (no notebook kernel)
and sent to the printers (:mod:`casereport.apps.printing`: a layout worker
and a writer, one for every two cores), which lay it out once and write
every format from that drawing. The
explorer page (with ``html``) and the companion tables are written
meanwhile by one more worker, forked, or here after the specs are sent. The
notebook ``notebooks/figures.ipynb`` calls the same :func:`write_figures`,
for an author who wants the executed record.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from importlib import metadata
from pathlib import Path
from typing import NamedTuple, Protocol

import altair as alt
import pandas as pd

from casereport import charts
from casereport.apps.explorer import write_explorer
from casereport.apps.parameters import WIDTHS_MM
from casereport.apps.printing import (
    Printed,
    Printers,
    PrintJob,
    can_fork,
    usable_cores,
    write_file,
)
from casereport.apps.rendering import (
    FONT_FAMILY,
    first_plot_width,
    html_page,
    points,
    print_vega_lite,
    second_plot_width,
    vega_embed_bundle,
)
from casereport.apps.report import case_report, render
from casereport.data.case import Case
from casereport.data.formats import ALL_FILES
from casereport.data.load import load_case
from casereport.derive import captions
from casereport.derive.clinical import adverse_event_table
from casereport.derive.grading import on_treatment_grades
from casereport.derive.panels import analyte_slug, liver_enzymes, liver_enzymes_title, log_scale_note, tumour_markers
from casereport.derive.response import response_assessments
from casereport.derive.tables import when_texts
from casereport.derive.timeline import Axis, check_axis
from casereport.exceptions import CaseValidationError, FigureError, OutputError, ParameterError

FORMATS = ("svg", "png", "pdf", "html")
WIDTH_RANGE_MM = (20, 500)
FULL_PAGE_MM = WIDTHS_MM["double"]
EXPLORER = "explorer"  # the page --only may name beside the figures
TABLES = "tables"  # the job that writes the companion tables and the report
MARKER_SCALES: tuple[tuple[str, charts.Scale], ...] = (("", "linear"), ("_log", "log"))  # name suffix, y scale
# The figures that take longest to draw, longest first (measured on the seed case: a figure with a plot per
# analyte, the timeline, one with several analytes); the others take about as long as each other.
LONGEST_FIRST = ("all_labs", "liver_enzymes", "timeline", "imaging")
CAPTIONS = "captions.md"
MANIFEST = "manifest.json"


def figure_width_mm(width: float | str) -> float:
    """A figure width in millimetres from a journal preset's name (``single``, ``onehalf``, ``double``) or a number.

    Raises :class:`ParameterError` (``width_mm``) naming the presets and the range.
    """
    allowed = (
        ", ".join(f"{name} ({mm:g} mm)" for name, mm in WIDTHS_MM.items())
        + f" or millimetres from {WIDTH_RANGE_MM[0]} to {WIDTH_RANGE_MM[1]}"
    )
    text = str(width).strip().lower()
    if text in WIDTHS_MM:
        return WIDTHS_MM[text]
    try:
        mm = float(text.removesuffix("mm").strip()) if isinstance(width, str) else float(width)
    except (TypeError, ValueError):
        raise ParameterError("width_mm", f"'{width}' is not a width; give {allowed}") from None
    if not WIDTH_RANGE_MM[0] <= mm <= WIDTH_RANGE_MM[1]:
        raise ParameterError("width_mm", f"{width} mm is not a figure width; give {allowed}")
    return mm


def check_parameters(
    *,
    case_dir: str | Path,
    output_dir: str | Path,
    formats: Iterable[str] | str,
    axis: str,
    width_mm: float | str,
    dpi: int,
) -> tuple[Case, Path, tuple[str, ...]]:
    """Check the figure parameters; raise :class:`ParameterError` naming the first bad one."""
    # Each format once, in the order asked: "svg,SVG" is one format, its files listed once in the manifest.
    try:
        chosen = tuple(
            dict.fromkeys(f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats))
        )
    except (TypeError, AttributeError):  # not text, nor a list of texts
        raise ParameterError("formats", f"{formats!r} names no format; choose from {', '.join(FORMATS)}") from None
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ParameterError("formats", f"unknown format(s) {unknown or chosen}; choose from {', '.join(FORMATS)}")
    check_axis(axis)
    figure_width_mm(width_mm)
    try:
        resolution = int(dpi)
    except (TypeError, ValueError):
        resolution = 0
    if not 50 <= resolution <= 1200:
        raise ParameterError("dpi", f"{dpi} is not a resolution (50 to 1200 dpi)")
    case_path = Path(case_dir)
    if not case_path.is_dir():
        raise ParameterError("case_dir", f"'{case_path}' is not a folder")
    try:
        case = load_case(case_path)
    except CaseValidationError as err:
        raise ParameterError("case_dir", str(err)) from None
    out = Path(output_dir)
    if out.exists() and not out.is_dir():
        raise ParameterError("output_dir", f"'{out}' is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ParameterError(
            "output_dir", f"cannot create '{out}': {OutputError.from_os_error(err, out).reason}"
        ) from None
    if not os.access(out, os.W_OK):
        raise ParameterError("output_dir", f"'{out}' cannot be written")
    return case, out, chosen


class Figure(NamedTuple):
    """How to draw one figure at a given plot width, how many plots share the width, the least width it needs,
    its caption (written from the case's data, :mod:`casereport.derive.captions`), and the points it takes
    beside its plots (:data:`casereport.charts.PRINT_MARGIN`), from which its plot width is first guessed."""

    draw: Callable[[int], alt.TopLevelMixin]
    columns: int = 1
    min_width_mm: float = 0
    caption: str = ""
    margin: float | None = None


def figure_factories(case: Case, *, axis: Axis, width_points: float) -> dict[str, Figure | str]:
    """Each figure's name and how to draw it, or why the case has no such figure.

    The figures follow the case: the liver enzymes when it has them, all its
    labs when it has any, and each tumour marker it has (AFP, CEA, CA 19-9)
    on a linear and a log scale (a marker with a value of 0, which a log
    scale has no place for, on the linear one), named as the case names the
    marker (``afp``, ``afp_log``; ``cea``, ``cea_log``).
    """
    columns = 1 if width_points < 400 else 2
    margin = charts.PRINT_MARGIN
    enzymes = liver_enzymes(case)
    figures: dict[str, Figure | str] = {
        "timeline": Figure(
            lambda w: charts.timeline_chart(case, axis=axis, width=w),
            caption=captions.timeline_caption(case, axis),
            margin=margin["timeline"],
        ),
        "liver_enzymes": Figure(
            lambda w: charts.liver_enzymes_chart(case, axis=axis, width=w),
            caption=captions.labs_caption(case, enzymes, axis, title=liver_enzymes_title(case)),
            margin=charts.lab_figure_margin(case, enzymes),
        )
        if enzymes
        else "the case has no liver enzyme values (GOT, GPT, gamma-GT or ALP)",
    }
    figures |= _marker_figures(case, axis=axis) or {"tumour_marker": "the case has no tumour marker values"}
    return figures | {
        "imaging": Figure(
            lambda w: charts.imaging_chart(case, axis=axis, width=w),
            caption=captions.imaging_caption(case, axis),
            margin=margin["imaging"],
        )
        if not case.findings.empty
        else "the case records no imaging findings (findings.csv has no rows)",
        "all_labs": Figure(
            lambda w: charts.all_labs_chart(case, axis=axis, columns=columns, width=w),
            columns,
            caption=captions.all_labs_caption(case, axis),
            margin=charts.all_labs_margin(case, columns=columns),
        )
        if not case.labs.empty
        else "the case records no lab values (labs.csv has no rows)",
        # A diagram of labelled boxes in three columns: legible from a page's full width (two columns) on.
        "rationale": Figure(
            lambda w: charts.rationale_chart(case, width=w),
            min_width_mm=FULL_PAGE_MM,
            caption=captions.rationale_caption(case),
            margin=margin["rationale"],
        )
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
        for suffix, scale in MARKER_SCALES:
            note = log_scale_note(case, loinc) if scale == "log" else None
            figures[f"{name}{suffix}"] = (
                f"{note}; the {name} figure shows it on a linear scale"
                if note
                else Figure(
                    _marker_drawing(case, loinc, axis=axis, scale=scale),
                    caption=captions.labs_caption(case, [loinc], axis, scale=scale),
                    margin=charts.lab_figure_margin(case, [loinc], scale=scale),
                )
            )
    return figures


def _marker_drawing(case: Case, loinc: str, *, axis: Axis, scale: charts.Scale) -> Callable[[int], alt.LayerChart]:
    """How to draw one marker's figure at a plot width (a function of its own, so each figure keeps its marker)."""
    return lambda width: charts.marker_chart(case, loinc, axis=axis, scale=scale, width=width)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def case_hash(case: Case) -> str:
    """One hash over the files the case is read from, names included.

    Not over what else its folder holds: figures written into it (whose PDFs
    differ from run to run), an editor's backups; so that a figure redrawn
    alone (``only``) keeps the folder's record of the others.
    """
    digest = hashlib.sha256()
    names = {*ALL_FILES, case.source.get("text") or ""} - {""}
    for name in sorted(name for name in names if (case.path / name).is_file()):
        digest.update(name.encode())
        digest.update((case.path / name).read_bytes())
    return digest.hexdigest()


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


class Progress(Protocol):
    """What :func:`write_figures` tells as it goes: how many figures (and pages) it will draw, then each one done."""

    def start(self, total: int) -> None: ...

    def done(self, name: str) -> None: ...


def _file_entry(figure: str, fmt: str, path: Path) -> dict:
    return {"figure": figure, "format": fmt, "file": path.name, "bytes": path.stat().st_size, "sha256": _sha256(path)}


def figure_file(case: Case, name: str, axis: Axis, fmt: str) -> str:
    """The name of a figure's file: ``gahr2012-hcc-afp-calendar.svg``."""
    return f"{case.case_id}-{name}-{axis}.{fmt}"


class _Side(NamedTuple):
    """What the side jobs (the explorer page, the tables) need: set before the worker is forked, so it inherits
    it (nothing is pickled)."""

    case: Case
    out: Path
    axis: Axis


_SIDE: _Side | None = None


def _side_job(name: str) -> dict:
    """The explorer page or the companion tables, in a forked worker or in this process."""
    side = _SIDE
    if side is None:
        raise RuntimeError("no case to write: write_figures sets it before its jobs run")
    try:
        if name == EXPLORER:
            return {"job": name, "page": write_explorer_page(side.case, side.out, axis=side.axis)}
        return {"job": name, "tables": write_companion_tables(side.case, side.out)}
    except OSError as err:
        raise OutputError.from_os_error(err, side.out) from None


class _SideJobs:
    """The explorer page and the tables: written by one forked worker while this process builds the figures'
    specs, or here, once the specs are sent to the print workers, where this process cannot fork."""

    def __init__(self, names: list[str], *, fork: bool) -> None:
        self.names = names
        self.pool = (
            ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) if fork and can_fork() else None
        )
        self.futures: list[Future] = [self.pool.submit(_side_job, name) for name in names] if self.pool else []

    @property
    def forked(self) -> bool:
        """Whether a forked worker writes them (else they are written here, when their results are asked for)."""
        return self.pool is not None

    def results(self) -> Iterator[dict]:
        if self.pool is None:
            yield from map(_side_job, self.names)
            return
        for future in as_completed(self.futures):
            yield future.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


class _Figures:
    """The figures' specs, built here and sent to the print workers; each figure's result as it comes back."""

    def __init__(
        self,
        figures: dict[str, Figure],
        widths: dict[str, float],
        printers: Printers,
        *,
        case: Case,
        out: Path,
        axis: Axis,
        formats: tuple[str, ...],
        dpi: int,
    ) -> None:
        self.figures, self.widths, self.printers = figures, widths, printers
        self.case, self.out, self.axis, self.dpi = case, out, axis, dpi
        self.static = [fmt for fmt in formats if fmt != "html"]  # the HTML pages are written here, from the specs
        self.specs: dict[str, dict] = {}
        self.redrawn: set[str] = set()

    def send(self, name: str, plot_width: int | None = None) -> None:
        """Build the figure's spec at ``plot_width`` (its first guess when not given) and send it to be printed."""
        figure = self.figures[name]
        width_points = points(self.widths[name])
        if plot_width is None:
            plot_width = first_plot_width(columns=figure.columns, width_points=width_points, margin=figure.margin)
        with charts.unchecked():
            spec = print_vega_lite(figure.draw(plot_width))
        self.specs[name] = spec
        self.printers.submit(
            PrintJob(
                name,
                spec,
                plot_width,
                width_points,
                figure.columns,
                redrawn=name in self.redrawn,
                dpi=self.dpi,
                paths={fmt: str(self.out / figure_file(self.case, name, self.axis, fmt)) for fmt in self.static},
            )
        )

    def printed(self, *, block: bool) -> Iterator[Printed]:
        """The figures printed since last asked (drawing again, once, each that missed its width)."""
        for printed in self.printers.done(block=block):
            if printed.unwritten:
                raise OutputError(printed.unwritten, str(printed.error))
            if printed.error:
                raise FigureError(printed.name, printed.error)
            if printed.fitted:
                yield printed
                continue
            figure = self.figures[printed.name]
            self.redrawn.add(printed.name)
            self.send(
                printed.name,
                second_plot_width(
                    printed.plot_width,
                    printed.svg_width,
                    columns=figure.columns,
                    width_points=points(self.widths[printed.name]),
                ),
            )


def _chosen_figures(figures: dict[str, Figure | str], only: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """The figure (and page) names ``only`` names, checked against the case's figures; ``None`` for all."""
    if only is None:
        return None
    names = tuple(dict.fromkeys(n.strip() for n in (only.split(",") if isinstance(only, str) else only)))
    allowed = [*figures, EXPLORER]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names or "" in names:
        raise ParameterError("only", f"unknown figure(s) {unknown or list(names)}; this case has {', '.join(allowed)}")
    missing = [f"{n}: {figures[n]}" for n in names if isinstance(figures.get(n), str)]
    if missing:
        raise ParameterError("only", f"the case has no such figure: {'; '.join(missing)}")
    return names


def _unchanged(out: Path, entry: dict) -> bool:
    """Whether a file a manifest lists is still in the folder as it was written."""
    path = out / str(entry["file"])
    return path.is_file() and _sha256(path) == entry["sha256"]


def _with_earlier(manifest: dict, out: Path, order: list[str]) -> dict:
    """A manifest of some figures (``only``), with what the folder's earlier manifest says of the others.

    The others' files, captions and widths are kept when that manifest was
    written from the same case data on the same axis, width and resolution,
    and each file is still as it was written; so the folder's record stays
    whole after a figure is redrawn.
    """
    try:
        earlier = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        if earlier["case_sha256"] != manifest["case_sha256"] or any(
            earlier["parameters"][key] != manifest["parameters"][key] for key in ("axis", "width_mm", "dpi")
        ):
            return manifest
        drawn = {entry["figure"] for entry in manifest["files"]}
        kept = [entry for entry in earlier["files"] if entry["figure"] not in drawn and _unchanged(out, entry)]
        pages = manifest["pages"] or [page for page in earlier["pages"] if _unchanged(out, page)]
    except (OSError, ValueError, KeyError, TypeError):
        return manifest  # no earlier manifest, or not one this package wrote
    rank = {name: number for number, name in enumerate(order)}
    files = sorted(kept + manifest["files"], key=lambda entry: rank.get(entry["figure"], len(rank)))
    figures = sorted({entry["figure"] for entry in files}, key=lambda name: rank.get(name, len(rank)))
    parameters = manifest["parameters"]
    for key in ("plot_width_points", "figure_width_mm"):
        merged = earlier["parameters"].get(key, {}) | parameters[key]
        parameters[key] = {name: merged[name] for name in figures if name in merged}
    captions = earlier.get("captions", {}) | manifest["captions"]
    unprintable = [e for e in earlier.get("unprintable", []) if e["figure"] in figures and e["figure"] not in drawn]
    return manifest | {
        "files": files,
        "captions": {name: captions[name] for name in figures if name in captions},
        "pages": pages,
        "unprintable": sorted(
            unprintable + manifest["unprintable"], key=lambda entry: rank.get(entry["figure"], len(rank))
        ),
    }


def captions_markdown(case: Case, texts: dict[str, str], files: list[dict], skipped: Iterable[dict] = ()) -> str:
    """``captions.md``: each figure's caption under its name and files, to paste into a paper, then the figures
    the case cannot have (``skipped``, as the manifest lists them) and why."""
    lines = [
        f"# Figure captions: {case.title}",
        "",
        (
            "Written from the case data by casereport; each says what the figure shows, which values are"
            " illustrative and why, and the source."
        ),
    ]
    for name, text in texts.items():
        names = ", ".join(f"`{entry['file']}`" for entry in files if entry["figure"] == name)
        lines += ["", f"## {name}", "", f"Files: {names}" if names else "", "", text]
    absent = [f"- {entry['figure']}: {entry['reason']}" for entry in skipped if entry["figure"] != EXPLORER]
    if absent:
        lines += ["", "Not drawn, as the case has no such figure:", "", *absent]
    return "\n".join(line for i, line in enumerate(lines) if line or lines[i - 1]) + "\n"


def write_figures(
    *,
    case_dir: str | Path,
    output_dir: str | Path,
    formats: Iterable[str] | str = FORMATS,
    axis: Axis = "calendar",
    width_mm: float | str = 85,
    dpi: int = 300,
    only: Iterable[str] | str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    printers: Printers | None = None,
) -> dict:
    """Write the case's figures in every format, their captions and ``manifest.json``; return the manifest.

    ``width_mm`` is millimetres or a journal preset (``single``, ``onehalf``,
    ``double``); ``only`` names the figures to draw (and ``explorer`` for the
    page), the rest of an earlier run's record in the folder being kept;
    ``workers`` is how many cores the drawing may use (default: those there
    are): a printer (a layout worker and a writer) for every two, and, with
    more than one, a worker for the explorer page and the tables; or
    ``printers`` the printers to use (started early, as the command line
    does: :class:`~casereport.apps.printing.Printers`).
    """
    global _SIDE
    case, out, chosen = check_parameters(
        case_dir=case_dir, output_dir=output_dir, formats=formats, axis=axis, width_mm=width_mm, dpi=dpi
    )
    width = figure_width_mm(width_mm)
    factories = figure_factories(case, axis=axis, width_points=points(width))
    subset = _chosen_figures(factories, only)
    skipped = [{"figure": name, "reason": why} for name, why in factories.items() if isinstance(why, str)]
    figures = {
        name: figure
        for name, figure in factories.items()
        if isinstance(figure, Figure) and (subset is None or name in subset)
    }
    explorer = "html" in chosen and (subset is None or EXPLORER in subset)
    if "html" not in chosen:
        skipped.append({"figure": EXPLORER, "reason": "the case explorer is an HTML page: ask for --format html"})
    # The longest first, so that no print worker is left with a long figure at the end.
    ranked = sorted(
        figures, key=lambda name: LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
    )
    # A figure that needs more room than asked (the rationale diagram) is drawn that much wider.
    widths = {name: max(width, figure.min_width_mm) for name, figure in figures.items()}
    cores = usable_cores() if workers is None else max(1, workers)
    # Started before the side jobs' worker is forked (a fork while a pool's thread runs could copy a held lock).
    started = Printers(max(1, cores // 2)) if figures and printers is None else None
    workers_used = printers or started
    drawing = (
        _Figures(figures, widths, workers_used, case=case, out=out, axis=axis, formats=chosen, dpi=int(dpi))
        if workers_used
        else None
    )
    _SIDE = _Side(case=case, out=out, axis=axis)
    side = _SideJobs([EXPLORER] * explorer + [TABLES], fork=cores > 1)
    if progress:  # once the workers are forked: a progress bar may start a thread of its own
        progress.start(len(figures) + explorer)  # the figures and the page: the tables are no figure
    printed: dict[str, Printed] = {}
    side_results: dict[str, dict] = {}

    def done(figure: Printed) -> None:
        printed[figure.name] = figure
        if progress:
            progress.done(figure.name)

    try:
        if drawing:
            for name in ranked:
                drawing.send(name)
                for figure in drawing.printed(block=False):
                    done(figure)

        def side_done() -> None:
            for result in side.results():
                side_results[result["job"]] = result
                if progress and result["job"] == EXPLORER:
                    progress.done(EXPLORER)

        if not side.forked:  # written here, while the printers work
            side_done()
        while drawing and drawing.printers.pending():  # each figure that misses its width drawn again meanwhile
            for figure in drawing.printed(block=True):
                done(figure)
        if side.forked:  # waited for last: a figure that misses its width is not held back by it
            side_done()
    finally:
        side.close()
        if started:
            started.close()
        _SIDE = None
    files, plot_widths = [], {}
    for name in figures:  # the manifest in the figures' own order, whichever finished first
        assert drawing is not None
        plot_widths[name] = printed[name].plot_width
        for fmt in chosen:
            path = out / figure_file(case, name, axis, fmt)
            if fmt == "html":
                write_file(path, html_page(drawing.specs[name], vega_embed_bundle()))
            files.append(_file_entry(name, fmt, path))
    texts = {name: figure.caption for name, figure in figures.items()}
    manifest = {
        "case_id": case.case_id,
        "case_sha256": case_hash(case),
        "parameters": {
            "axis": axis,
            "formats": list(chosen),
            "width": str(width_mm).strip(),
            "width_mm": width,
            "dpi": int(dpi),
            "only": list(subset) if subset is not None else None,
            "font": f"{FONT_FAMILY} (embedded in the PDF files)",
            "width_points": round(points(width), 1),
            "plot_width_points": plot_widths,
            "figure_width_mm": widths,
        },
        "packages": {
            name: metadata.version(name)
            for name in ("casereport", "altair", "vl-convert-python", "pandas", "papermill")
        }
        | {"vega-lite": alt.SCHEMA_VERSION},
        "files": files,
        "captions": texts,
        "tables": side_results[TABLES]["tables"],
        "pages": [side_results[EXPLORER]["page"]] if explorer else [],
        "skipped": skipped,
        # Texts with characters the print font lacks: an empty box each in the PDF and PNG.
        "unprintable": [
            {"figure": name, "characters": printed[name].missing, "texts": list(printed[name].unprintable)}
            for name in figures
            if printed[name].unprintable
        ],
    }
    if subset is not None:
        manifest = _with_earlier(manifest, out, list(factories))
    captions_text = captions_markdown(case, manifest["captions"], manifest["files"], manifest["skipped"])
    write_file(out / CAPTIONS, captions_text.encode("utf-8"))
    write_file(out / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    return manifest
