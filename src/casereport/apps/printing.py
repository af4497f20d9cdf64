"""Laying a figure out with Vega and writing its SVG, PDF and PNG: in this process, or in print workers.

A figure's Vega-Lite spec is compiled to Vega and laid out once, as SVG, by
vl-convert's JavaScript runtime; the PDF is made from that SVG (vl-convert's
svg2pdf, the fonts embedded), and the PNG is that PDF printed at the
resolution asked for by PDFium (what a printer makes of the PDF, in a sixth
of the time resvg takes to rasterise the SVG at 300 dpi).

:class:`Printers` are processes that do this for ``casereport figures``,
one a core. The command starts them before it imports pandas and Altair, so
that each runtime's start (about a third of a second) falls on a core the
imports leave idle; the package's process builds each figure's spec and
sends it on. Only the workers start a runtime, as a process with one
running cannot fork (:func:`can_fork`); where this process cannot fork
(not Linux, or a runtime already started, as in a kernel that has drawn),
it prints the figures itself. This module imports no more than a worker
needs: vl-convert, PDFium and Pillow, when first used.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import multiprocessing
import os
import re
import sys
import traceback
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Literal, NamedTuple, Self

FONTS = Path(__file__).parent / "fonts"
# vl-convert lays figures out in points (72 to the inch) and rasterises at `ppi`, so a figure
# `width_mm` wide has that many points, fonts are true point sizes, and the PNG at `dpi` is
# `width_mm` wide (to a point).
POINTS_PER_INCH = 72
WIDTH_TOLERANCE = 1  # points a drawing may fall short of the width asked for, a column (never more than asked)
STATIC_FORMATS = ("svg", "pdf", "png")
WARMING_WAIT = 3  # seconds a print worker waits for another to start its runtime before starting its own
WHITE = (255, 255, 255, 255)
# Threads vl-convert's JavaScript runtime starts on first use (Linux names them so in /proc).
_RUNTIME_THREADS = ("V8 ", "tokio-runtime")


@functools.cache
def use_package_fonts() -> None:
    """Register the package's fonts with vl-convert, once a process, before the first drawing."""
    import vl_convert

    vl_convert.register_font_directory(str(FONTS))


_CLIP = re.compile(r'(id="|url\(#)clip(\d+)')


def numbered_clips(svg: str) -> str:
    """The SVG with its clip paths numbered from 1 in the order they appear.

    Vega numbers clip paths with a counter that runs on over every chart a
    process draws, so the same figure's SVG would differ with what was drawn
    before it (and with which worker drew it); numbered within the figure,
    it is the same every time.
    """
    numbers: dict[str, int] = {}

    def renumbered(found: re.Match[str]) -> str:
        number = numbers.setdefault(found.group(2), len(numbers) + 1)
        return f"{found.group(1)}clip{number}"

    return _CLIP.sub(renumbered, svg)


def lay_out(spec: dict) -> str:
    """A Vega-Lite spec compiled to Vega and laid out once, as SVG, in the package's fonts.

    In one call to the runtime: the Vega spec does not come back to Python between the two steps
    (the same SVG; a tenth less time than two calls).
    """
    import vl_convert

    use_package_fonts()
    return numbered_clips(vl_convert.vegalite_to_svg(spec))


def svg_width(svg: str) -> float:
    """The width an SVG drawing takes, in points."""
    found = re.search(r'<svg[^>]* width="([0-9.]+)"', svg)
    if found is None:
        raise ValueError("vl-convert drew an SVG without a width")
    return float(found.group(1))


def fits(svg: str, *, columns: int, width_points: float) -> bool:
    """Whether a drawing is as wide as asked: not wider, and short by less than a point a column."""
    return 0 <= width_points - svg_width(svg) <= WIDTH_TOLERANCE * columns


def static_files(svg: str, formats: Iterable[str], dpi: int) -> dict[str, bytes]:
    """The drawing in each of ``formats``: SVG; PDF, the fonts embedded; PNG, ``dpi`` pixels to the inch.

    All from its one SVG: the PNG is the PDF printed (:func:`printed_png`),
    so the PDF is made once for both.
    """
    chosen = tuple(formats)
    unknown = [fmt for fmt in chosen if fmt not in STATIC_FORMATS]
    if unknown:
        raise ValueError(f"{', '.join(unknown)} is not a static format")
    files: dict[str, bytes] = {}
    if "svg" in chosen:
        files["svg"] = svg.encode("utf-8")
    if "pdf" in chosen or "png" in chosen:
        import vl_convert

        use_package_fonts()
        pdf = bytes(vl_convert.svg_to_pdf(svg))
        if "pdf" in chosen:
            files["pdf"] = pdf
        if "png" in chosen:
            files["png"] = printed_png(pdf, dpi)
    return {fmt: files[fmt] for fmt in chosen}


def printed_png(pdf: bytes, dpi: int) -> bytes:
    """A one-page PDF printed on white at ``dpi`` by PDFium, as PNG (RGB, its resolution recorded).

    PDFium rounds the page up to whole pixels.
    """
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / POINTS_PER_INCH, fill_color=WHITE).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    # zlib's fastest level: two thirds of the time of Pillow's default (6), the files 2 % larger (the seed's figures).
    image.save(out, format="PNG", dpi=(dpi, dpi), compress_level=1)
    return out.getvalue()


class PrintJob(NamedTuple):
    """One figure to lay out and, if it is as wide as asked (or ``redrawn``: drawn again to be so, whatever
    its width now), write: a file for each format (``paths``)."""

    name: str
    spec: dict
    plot_width: int
    width_points: float
    columns: int
    dpi: int
    paths: dict[str, str]
    redrawn: bool = False


class Printed(NamedTuple):
    """What became of a :class:`PrintJob`: the drawing's width; the files written, or none when it did not fit
    (the spec is then drawn again at another plot width); or the error that stopped it."""

    name: str
    plot_width: int
    svg_width: float
    fitted: bool
    files: dict[str, str]
    error: str | None = None


def print_figure(job: PrintJob) -> Printed:
    """Lay the figure out, and write its files if the drawing is as wide as asked."""
    svg = lay_out(job.spec)
    width = svg_width(svg)
    if not job.redrawn and not fits(svg, columns=job.columns, width_points=job.width_points):
        return Printed(job.name, job.plot_width, width, fitted=False, files={})
    for fmt, content in static_files(svg, job.paths, job.dpi).items():
        Path(job.paths[fmt]).write_bytes(content)
    return Printed(job.name, job.plot_width, width, fitted=True, files=job.paths)


def _serve(connection: Connection, warming: Any) -> None:
    """A print worker: start the runtime, then print each job sent until ``None`` comes (or the pipe closes).

    The workers start their runtimes one after another (``warming``, a lock): started together, while the
    package's process imports pandas and Altair, three processes would share two cores and slow the imports
    every figure waits for (``casereport figures`` took 3.27 s so, 3.14 s one after another). A worker
    that died holding the lock holds the others back for no more than :data:`WARMING_WAIT` seconds.
    """
    try:
        held = warming.acquire(timeout=WARMING_WAIT)
        try:
            lay_out({"mark": "point"})  # the runtime's start, before the first figure is sent
        finally:
            if held:
                warming.release()
        while (job := connection.recv()) is not None:
            connection.send(_printed(job))
    except (EOFError, KeyboardInterrupt, OSError):
        pass  # the package's process has gone, or was interrupted: nothing is left to print for


def _printed(job: PrintJob) -> Printed:
    """The job printed, or the error that stopped it (for the package's process to raise)."""
    try:
        return print_figure(job)
    except Exception as err:  # noqa: BLE001 -- told to the package's process, which raises it with the figure's name
        return Printed(job.name, job.plot_width, 0.0, fitted=False, files={}, error=_told(err))


def _told(err: BaseException) -> str:
    """The error as a reader wants it: its message, without the JavaScript stack vl-convert adds."""
    lines = "".join(traceback.format_exception_only(err)).strip().splitlines()
    return "\n".join(itertools.takewhile(lambda line: not line.lstrip().startswith("at "), lines))


def can_fork() -> bool:
    """Whether this process may fork: on Linux, and before vl-convert's runtime has started in it.

    A forked child gets a copy of the runtime without the threads that
    serve it, and would wait on them forever.
    """
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return False
    try:
        threads = [path.read_text().strip() for path in Path("/proc/self/task").glob("*/comm")]
    except OSError:
        return False
    return not any(name.startswith(_RUNTIME_THREADS) for name in threads)


def usable_cores() -> int:
    """How many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Printers:
    """Print workers, one a core: each lays out and writes one figure at a time, sent as a :class:`PrintJob`.

    ``method``: ``fork`` starts them at once, with no more than this process
    has imported; ``spawn`` starts each afresh (its Python, then vl-convert);
    ``here`` prints each figure in this process as it is sent, one after
    another. By default they are forked where this process can fork
    (:func:`can_fork`), else the figures are printed here: a spawned worker
    runs the script that started this process again, and an author's script
    without an ``if __name__ == "__main__":`` guard would start itself anew.
    Jobs wait here until a worker is free, so a long spec never waits in a pipe.
    """

    def __init__(self, count: int | None = None, *, method: Literal["fork", "spawn", "here"] | None = None) -> None:
        method = method or ("fork" if can_fork() else "here")
        self._workers: list[tuple[Any, Connection]] = []
        self._waiting: list[PrintJob] = []
        self._busy: dict[Connection, PrintJob] = {}
        self._printed_here: list[Printed] = []
        self.here = method == "here"
        if self.here:
            return
        context: Any = multiprocessing.get_context(method)
        # Kept while the workers run: a spawned worker finds the lock by name, gone once this process drops it.
        self._warming = warming = context.Lock()
        for _ in range(max(1, count or usable_cores())):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, warming), daemon=True, name="casereport-printer")
            process.start()
            theirs.close()
            self._workers.append((process, ours))

    def submit(self, job: PrintJob) -> None:
        """Send the job to a free worker, or keep it until one is free (or print it now, ``here``)."""
        if self.here:
            self._printed_here.append(_printed(job))
            return
        self._waiting.append(job)
        self._send()

    def _send(self) -> None:
        for process, connection in self._workers:
            if self._waiting and connection not in self._busy:
                job = self._waiting.pop(0)
                try:
                    connection.send(job)
                except (BrokenPipeError, OSError):
                    raise RuntimeError(self._stopped(process, job)) from None
                self._busy[connection] = job

    def pending(self) -> int:
        """Jobs sent or waiting whose result has not been asked for."""
        return len(self._waiting) + len(self._busy) + len(self._printed_here)

    def done(self, *, block: bool) -> Iterator[Printed]:
        """The jobs printed since last asked; with ``block``, waiting for at least one if any is pending."""
        while self._printed_here:
            yield self._printed_here.pop(0)
        if not self._busy:
            return
        ready = wait(list(self._busy), timeout=None if block else 0)
        for connection in ready:
            assert isinstance(connection, Connection)
            job = self._busy.pop(connection)
            try:
                printed: Printed = connection.recv()
            except (EOFError, OSError):
                process = next(p for p, c in self._workers if c is connection)
                process.join(timeout=1)
                raise RuntimeError(self._stopped(process, job)) from None
            yield printed
        self._send()

    @staticmethod
    def _stopped(process: Any, job: PrintJob) -> str:
        return f"the print worker stopped (exit code {process.exitcode}) while drawing the {job.name} figure"

    def close(self) -> None:
        """Stop the workers: each finishes its job, if any, and exits."""
        for _, connection in self._workers:
            with contextlib.suppress(BrokenPipeError, OSError):
                connection.send(None)
            connection.close()
        for process, _ in self._workers:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
        self._workers = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
