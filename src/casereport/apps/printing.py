"""Laying a figure out with Vega and writing its SVG, PDF and PNG: in this process, or in print workers.

A figure's Vega-Lite spec is compiled to Vega and laid out once, as SVG, by
vl-convert's JavaScript runtime; the PDF is made from that SVG (vl-convert's
svg2pdf, the fonts embedded), and the PNG is that PDF printed at the
resolution asked for by PDFium (what a printer makes of the PDF, in a sixth
of the time resvg takes to rasterise the SVG at 300 dpi).

:class:`Printers` are processes that do this for ``casereport figures``,
one printer for every two cores: a layout worker, which runs the runtime,
and a writer beside it, which makes the PDF and PNG. The command starts
them before it imports pandas and Altair, so that the runtime's start
(about a third of a second) falls on a core the imports leave idle; the
package's process builds each figure's spec and sends it on. Only the
workers start a runtime, as a process with one running cannot fork
(:func:`can_fork`); where this process cannot fork (not Linux, or a
runtime already started, as in a kernel that has drawn), it prints the
figures itself. This module imports no more than a worker
needs: vl-convert, PDFium, Pillow and fontTools, when first used.
"""

from __future__ import annotations

import collections
import functools
import html
import io
import itertools
import multiprocessing
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Literal, NamedTuple, Self, TypeVar

from casereport.exceptions import OutputError

FONTS = Path(__file__).parent / "fonts"
# vl-convert lays figures out in points (72 to the inch) and rasterises at `ppi`, so a figure
# `width_mm` wide has that many points, fonts are true point sizes, and the PNG at `dpi` is
# `width_mm` wide (to a point).
POINTS_PER_INCH = 72
WIDTH_TOLERANCE = 1  # points a drawing may fall short of the width asked for, a column (never more than asked)
STATIC_FORMATS = ("svg", "pdf", "png")
WARMING_WAIT = 3  # seconds a print worker waits for another to start its runtime before starting its own
WHITE = (255, 255, 255, 255)
Done = TypeVar("Done")  # what a worker's step makes of its work: a drawing, or a figure printed
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


@functools.cache
def _printable() -> frozenset[int]:
    """The characters every face of the print font has a glyph for."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    faces = []
    for path in sorted(FONTS.glob("*.ttf")):
        with TTFont(path, lazy=True) as face:
            faces.append(set(face.getBestCmap()))
    return frozenset(set.intersection(*faces))


_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def unprintable(svg: str) -> tuple[str, ...]:
    """The drawing's texts with a character the print font has no glyph for, in the order drawn.

    Such a character prints as an empty box in the PDF and the PNG (an SVG or
    HTML viewer may find it in a font of the reader's machine).
    """
    texts = (" ".join(html.unescape(_TAG.sub(" ", found)).split()) for found in _TEXT.findall(svg))
    return tuple(dict.fromkeys(t for t in texts if _lacking(t)))


def missing_characters(texts: Iterable[str]) -> str:
    """The characters of ``texts`` the print font has no glyph for, each once, in the order met."""
    return "".join(dict.fromkeys(c for t in texts for c in _lacking(t)))


def _lacking(text: str) -> list[str]:
    printable = _printable()
    return [c for c in text if ord(c) not in printable and not c.isspace()]


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
    unwritten: str | None = None  # with ``error``: the file that could not be written (the figure was drawn)
    unprintable: tuple[str, ...] = ()  # texts the PDF and PNG print with empty boxes (:func:`unprintable`)
    missing: str = ""  # the characters of those texts the font lacks (:func:`missing_characters`)


class LaidOut(NamedTuple):
    """A figure laid out as wide as asked (or ``redrawn``), for its files to be written: its SVG drawing, where
    each format goes (``paths``) and the PNG's resolution."""

    name: str
    plot_width: int
    svg: str
    svg_width: float
    dpi: int
    paths: dict[str, str]


def laid_out(job: PrintJob) -> LaidOut | Printed:
    """The figure laid out: its drawing, or, when the drawing is not as wide as asked (and not ``redrawn``), what
    it missed by (:class:`Printed`, not fitted, with no files), for the spec to be drawn again at another width."""
    svg = lay_out(job.spec)
    width = svg_width(svg)
    if not job.redrawn and not fits(svg, columns=job.columns, width_points=job.width_points):
        return Printed(job.name, job.plot_width, width, fitted=False, files={})
    return LaidOut(job.name, job.plot_width, svg, width, job.dpi, job.paths)


def write_file(path: str | Path, content: bytes) -> None:
    """``content`` written to ``path``; what stops it raised as :class:`~casereport.exceptions.OutputError`."""
    try:
        Path(path).write_bytes(content)
    except OSError as err:
        raise OutputError.from_os_error(err, path) from None


def write_drawing(drawing: LaidOut) -> Printed:
    """A drawing's files, one a format."""
    for fmt, content in static_files(drawing.svg, drawing.paths, drawing.dpi).items():
        write_file(drawing.paths[fmt], content)
    lacking = unprintable(drawing.svg) if {"pdf", "png"} & set(drawing.paths) else ()
    return Printed(
        drawing.name,
        drawing.plot_width,
        drawing.svg_width,
        fitted=True,
        files=drawing.paths,
        unprintable=lacking,
        missing=missing_characters(lacking),
    )


def print_figure(job: PrintJob) -> Printed:
    """Lay the figure out, and write its files if the drawing is as wide as asked."""
    drawing = laid_out(job)
    return drawing if isinstance(drawing, Printed) else write_drawing(drawing)


WRITING = "writing"  # a layout worker's word to the package's process: the figure fits, its writer has it


def _lay_out_jobs(jobs: Any, answers: Connection, drawings: Any, warming: Any) -> None:
    """A layout worker: start the runtime, then lay out each job from ``jobs`` (a queue) until ``None`` comes.

    A drawing as wide as asked goes to the worker's writer (``drawings``, a queue: the worker goes on to the next
    figure while the writer makes the last one's files), the package's process told :data:`WRITING` first; a
    miss or an error goes back to the package's process (``answers``). The workers start their runtimes one
    after another (``warming``, a lock): started together, while the package's process imports pandas and
    Altair, they would share the cores with the imports every figure waits for (``casereport figures`` took
    3.27 s so, 3.14 s one after another). A worker that died holding the lock holds the others back for no
    more than :data:`WARMING_WAIT` seconds.
    """
    try:
        held = warming.acquire(timeout=WARMING_WAIT)
        try:
            lay_out({"mark": "point"})  # the runtime's start, before the first figure is sent
        finally:
            if held:
                warming.release()
        while (job := jobs.get()) is not None:
            drawing = _told_if_failed(laid_out, job)
            if isinstance(drawing, LaidOut):
                answers.send(WRITING)  # before the writer can answer: the package's process hears it first
                drawings.put(drawing)
            else:
                answers.send(drawing)
    except (EOFError, KeyboardInterrupt, OSError):
        # The package's process has gone, or was interrupted: nothing to wait for, and it is told (status 1)
        # that jobs sent may be left unread.
        drawings.cancel_join_thread()
        drawings.put(None)
        sys.exit(1)
    drawings.put(None)


def _write_drawings(drawings: Any, connection: Connection) -> None:
    """A writer: each drawing its layout worker hands on, written in every format, until ``None`` comes."""
    try:
        use_package_fonts()  # and the PDF and PNG libraries imported, while no drawing is waiting
        import PIL.PngImagePlugin  # noqa: F401
        import pypdfium2  # noqa: F401

        _printable()

        while (drawing := drawings.get()) is not None:
            connection.send(_told_if_failed(write_drawing, drawing))
    except (EOFError, KeyboardInterrupt, OSError):
        pass  # the package's process has gone, or was interrupted: nothing is left to write for


def _printed(job: PrintJob) -> Printed:
    """The job printed, or the error that stopped it (for the package's process to raise)."""
    return _told_if_failed(print_figure, job)


def _told_if_failed(step: Callable[[Any], Done], work: PrintJob | LaidOut) -> Done | Printed:
    """``step`` done on a job or a drawing, or the error that stopped it, as a :class:`Printed` naming the figure."""
    try:
        return step(work)
    except OutputError as err:
        return Printed(work.name, work.plot_width, 0.0, fitted=False, files={}, error=err.reason, unwritten=err.path)
    except Exception as err:  # noqa: BLE001 -- told to the package's process, which raises it with the figure's name
        return Printed(work.name, work.plot_width, 0.0, fitted=False, files={}, error=_told(err))


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


def _stop(process: Any) -> None:
    """Wait for a worker to exit, and kill it if it has not within a few seconds."""
    process.join(timeout=5)
    if process.is_alive():
        process.kill()
        process.join()


class _Printer(NamedTuple):
    """One printer: a layout worker (``jobs``, the queue it takes jobs from; ``answers``, the pipe it answers on)
    and its writer (``drawings``, the queue it takes drawings from; ``written``, the pipe it answers on), with
    the figures each has been given and not yet answered for, in order."""

    layout: Any
    jobs: Any
    answers: Connection
    writer: Any
    drawings: Any
    written: Connection
    laying_out: collections.deque[PrintJob]
    writing: collections.deque[PrintJob]


class Printers:
    """Print workers: each printer lays out one figure at a time, sent as a :class:`PrintJob`, and writes its files.

    A printer is two processes, pipelined: a layout worker (vl-convert's
    JavaScript runtime: the Vega layout) and a writer beside it (the PDF and
    PNG), so the runtime lays the next figure out while the last one's files
    are written. One runtime for two cores, where there were two: each
    runtime's start is a third of a second of a core, and a layout worker
    kept busy lays the seed's figures out as fast as the specs come.

    A job goes to the printer with the fewest in hand, through a queue that
    this process's feeder thread writes, so that sending a spec never waits
    for a busy worker to read it, nor a worker for this process to send it.

    ``count`` printers (default: one for every two cores). ``method``:
    ``fork`` starts them at once, with no more than this process has
    imported; ``spawn`` starts each afresh (its Python, then vl-convert);
    ``here`` prints each figure in this process as it is sent, one after
    another. By default they are forked where this process can fork
    (:func:`can_fork`), else the figures are printed here: a spawned worker
    runs the script that started this process again, and an author's script
    without an ``if __name__ == "__main__":`` guard would start itself anew.
    """

    def __init__(self, count: int | None = None, *, method: Literal["fork", "spawn", "here"] | None = None) -> None:
        method = method or ("fork" if can_fork() else "here")
        self._printers: list[_Printer] = []
        self._printed_here: list[Printed] = []
        self.here = method == "here"
        if self.here:
            return
        context: Any = multiprocessing.get_context(method)
        # Kept while the workers run: a spawned worker finds the lock by name, gone once this process drops it.
        self._warming = warming = context.Lock()
        for _ in range(max(1, count or usable_cores() // 2)):
            drawings, jobs = context.Queue(), context.Queue()
            written, writers_end = context.Pipe(duplex=False)
            writer = context.Process(
                target=_write_drawings, args=(drawings, writers_end), daemon=True, name="casereport-writer"
            )
            writer.start()
            writers_end.close()
            answers, layouts_end = context.Pipe(duplex=False)
            layout = context.Process(
                target=_lay_out_jobs,
                args=(jobs, layouts_end, drawings, warming),
                daemon=True,
                name="casereport-layout",
            )
            layout.start()
            layouts_end.close()
            self._printers.append(
                _Printer(layout, jobs, answers, writer, drawings, written, collections.deque(), collections.deque())
            )

    @property
    def processes(self) -> list[Any]:
        """The workers' processes: each printer's layout worker, then its writer."""
        return [process for printer in self._printers for process in (printer.layout, printer.writer)]

    def submit(self, job: PrintJob) -> None:
        """Send the job to the printer with the fewest jobs in hand (or print it now, ``here``)."""
        if self.here:
            self._printed_here.append(_printed(job))
            return
        printer = min(self._printers, key=lambda p: len(p.laying_out) + len(p.writing))
        if not printer.layout.is_alive():
            raise RuntimeError(self._stopped(printer.layout, job))
        printer.jobs.put(job)
        printer.laying_out.append(job)

    def pending(self) -> int:
        """Jobs sent whose result has not been asked for."""
        in_hand = sum(len(printer.laying_out) + len(printer.writing) for printer in self._printers)
        return in_hand + len(self._printed_here)

    def done(self, *, block: bool) -> Iterator[Printed]:
        """The jobs printed since last asked; with ``block``, waiting for at least one if any is pending."""
        while self._printed_here:
            yield self._printed_here.pop(0)
        answered = False
        while not answered:
            laying_out: dict[Any, _Printer] = {p.answers: p for p in self._printers if p.laying_out}
            writing: dict[Any, _Printer] = {p.written: p for p in self._printers if p.writing}
            if not laying_out and not writing:
                return
            # The layout workers' answers first: a layout worker's WRITING is sent before its writer can answer.
            ready = sorted(wait([*laying_out, *writing], timeout=None if block else 0), key=lambda c: c in writing)
            answers = [
                answer
                for connection in ready
                if (answer := self._answered(laying_out.get(connection), writing.get(connection))) is not None
            ]
            yield from answers
            answered = bool(answers) or not block

    def _answered(self, laying_out: _Printer | None, writing: _Printer | None) -> Printed | None:
        """A worker's answer: a job printed (or missed, or failed), or ``None`` for a drawing handed to a writer."""
        if laying_out is not None:
            job = laying_out.laying_out.popleft()
            answer = self._answer(laying_out.answers, laying_out.layout, job)
            if answer == WRITING:
                laying_out.writing.append(job)
                return None
        else:
            assert writing is not None
            answer = self._answer(writing.written, writing.writer, writing.writing.popleft())
        assert isinstance(answer, Printed)
        return answer

    def _answer(self, connection: Connection, process: Any, job: PrintJob) -> Printed | str:
        try:
            answer: Printed | str = connection.recv()
        except (EOFError, OSError):
            process.join(timeout=1)
            raise RuntimeError(self._stopped(process, job)) from None
        return answer

    @staticmethod
    def _stopped(process: Any, job: PrintJob) -> str:
        return f"the print worker stopped (exit code {process.exitcode}) while drawing the {job.name} figure"

    def close(self) -> None:
        """Stop the workers: each finishes its job, if any (a writer, the drawings it has been given), and exits."""
        for printer in self._printers:
            printer.jobs.put(None)
        for printer in self._printers:
            _stop(printer.layout)
            printer.jobs.close()
            if printer.layout.exitcode:  # it stopped before the end: what was sent to it, left unread, is not
                printer.jobs.cancel_join_thread()  # waited for, and its writer, if alive, is told here to stop
                if printer.writer.is_alive():
                    printer.drawings.cancel_join_thread()  # (nor is the word, were the writer to die first)
                    printer.drawings.put(None)
            else:  # it read every job, the last one included: the feeder thread has ended, or is ending
                printer.jobs.join_thread()
            _stop(printer.writer)
            printer.answers.close()
            printer.written.close()
        self._printers = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
