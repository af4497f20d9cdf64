"""The print workers (apps/printing.py): each figure printed and its files written, a figure that does not fit
sent back, a worker's error or death told as an error naming the figure, and no worker left behind."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from casereport.apps import printing
from casereport.apps.figures import write_figures
from casereport.apps.printing import Printers, PrintJob, svg_width
from casereport.exceptions import FigureError, OutputError

from .conftest import CASES, SYNTHETIC

SPEC = {
    "data": {"values": [{"day": 1, "value": 3}, {"day": 2, "value": 5}]},
    "mark": "line",
    "encoding": {"x": {"field": "day", "type": "quantitative"}, "y": {"field": "value", "type": "quantitative"}},
    "width": 200,
    "height": 100,
}


def _job(tmp_path: Path, *, width_points: float, redrawn: bool = False, spec: dict | None = None) -> PrintJob:
    paths = {fmt: str(tmp_path / f"line.{fmt}") for fmt in ("svg", "pdf", "png")}
    return PrintJob("line", spec or SPEC, 200, width_points, 1, 72, paths, redrawn=redrawn)


# Workers started afresh: this test process may have drawn already, and then cannot fork (printing.can_fork).
METHODS = ["spawn", "here"]


@pytest.mark.parametrize("METHOD", METHODS)
def test_a_figure_as_wide_as_asked_is_written_and_one_that_is_not_is_sent_back(tmp_path, METHOD):
    with Printers(1, method=METHOD) as printers:
        printers.submit(_job(tmp_path, width_points=2000))
        (missed,) = printers.done(block=True)
        assert not missed.fitted
        assert not missed.files
        assert not list(tmp_path.iterdir())
        # Asked again as wide as it was drawn, it fits and is written.
        printers.submit(_job(tmp_path, width_points=missed.svg_width))
        (printed,) = printers.done(block=True)
    assert printed.fitted
    assert sorted(Path(p).name for p in printed.files.values()) == ["line.pdf", "line.png", "line.svg"]
    assert svg_width((tmp_path / "line.svg").read_text(encoding="utf-8")) == printed.svg_width
    assert (tmp_path / "line.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "line.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("METHOD", METHODS)
def test_a_figure_drawn_again_is_written_whatever_its_width(tmp_path, METHOD):
    with Printers(1, method=METHOD) as printers:
        printers.submit(_job(tmp_path, width_points=2000, redrawn=True))
        (printed,) = printers.done(block=True)
    assert printed.fitted
    assert (tmp_path / "line.svg").is_file()


@pytest.mark.parametrize("METHOD", METHODS)
def test_a_spec_vega_cannot_draw_is_an_error_naming_the_figure(tmp_path, METHOD):
    """The error as Vega gives it, without the JavaScript stack (its lines name the modules' web addresses)."""
    broken = {**SPEC, "mark": "no-such-mark"}
    with Printers(1, method=METHOD) as printers:
        printers.submit(_job(tmp_path, width_points=2000, spec=broken))
        (printed,) = printers.done(block=True)
        assert printed.error
        assert printed.error.startswith("ValueError: Vega-Lite to SVG conversion failed")
        assert " at " not in printed.error
        # The worker goes on to the next figure.
        printers.submit(_job(tmp_path, width_points=2000, redrawn=True))
        (next_one,) = printers.done(block=True)
    assert next_one.fitted
    assert not next_one.error


@pytest.mark.parametrize("WORKER", ["layout", "writer"])
def test_a_worker_that_dies_is_an_error_naming_the_figure_not_a_wait(tmp_path, WORKER):
    """Either worker of a printer: the layout worker while it lays the figure out, or the writer, which has
    the figure once it fits (stopped, then killed with the drawing waiting for it)."""
    printers = Printers(1, method="spawn")
    try:
        layout, writer = printers.processes
        if WORKER == "writer":
            os.kill(writer.pid, signal.SIGSTOP)
        printers.submit(_job(tmp_path, width_points=2000, redrawn=True))
        os.kill((layout if WORKER == "layout" else writer).pid, signal.SIGKILL)
        with pytest.raises(RuntimeError, match=r"print worker stopped \(exit code -9\) while drawing the line figure"):
            list(printers.done(block=True))
    finally:
        started = time.monotonic()
        printers.close()
    assert time.monotonic() - started < 4  # no wait for a worker that will not answer
    assert not any(process.is_alive() for process in (layout, writer))


def _every_answer(printers: Printers) -> None:
    while printers.pending():
        list(printers.done(block=True))


def test_closing_after_the_writer_died_with_drawings_waiting_for_it_does_not_hang(tmp_path):
    """Drawings larger than a pipe holds, sent to a writer that is dead: neither the layout worker nor this
    process may wait forever to hand them on (the layout worker is killed after a few seconds)."""
    many = {**SPEC, "data": {"values": [{"day": d, "value": d % 7} for d in range(3000)]}, "mark": "point"}
    printers = Printers(1, method="spawn")
    layout, writer = printers.processes
    try:
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        for _ in range(3):
            printers.submit(_job(tmp_path, width_points=2000, redrawn=True, spec=many))
        with pytest.raises(RuntimeError, match="print worker stopped"):
            _every_answer(printers)
    finally:
        started = time.monotonic()
        printers.close()
    assert time.monotonic() - started < 10
    assert not layout.is_alive()


def test_closing_leaves_no_worker_running():
    printers = Printers(2, method="spawn")
    processes = printers.processes
    assert len(processes) == 4  # two printers: each a layout worker and a writer
    assert all(process.is_alive() for process in processes)
    printers.close()
    assert not any(process.is_alive() for process in processes)


def test_closing_leaves_no_thread_behind(tmp_path):
    """Jobs go to a printer through a queue whose feeder thread runs in this process: closing waits for it to end
    (a notebook that writes figures again forks its printers anew, and a fork copies no thread but its own)."""
    before = set(threading.enumerate())
    with Printers(1, method="spawn") as printers:
        printers.submit(_job(tmp_path, width_points=2000, redrawn=True))
        (printed,) = printers.done(block=True)
        assert set(threading.enumerate()) > before  # the feeder thread, while the printer runs
    assert printed.fitted
    assert set(threading.enumerate()) == before


def test_a_printer_writes_one_figure_while_it_lays_out_the_next(tmp_path):
    """The layout worker hands a drawing to its writer and goes on: the next figure is laid out (and, as it
    does not fit, told back) while the writer, held stopped here, has not written the first."""
    printers = Printers(1, method="spawn")
    try:
        _, writer = printers.processes
        os.kill(writer.pid, signal.SIGSTOP)
        first = tmp_path / "first"
        first.mkdir()
        printers.submit(_job(first, width_points=2000, redrawn=True))
        printers.submit(_job(tmp_path, width_points=2000))
        (missed,) = printers.done(block=True)
        assert not missed.fitted
        assert not list(first.iterdir())  # the writer has not written the first figure yet
        assert printers.pending() == 1
        os.kill(writer.pid, signal.SIGCONT)
        (printed,) = printers.done(block=True)
        assert printed.fitted
        assert sorted(path.name for path in first.iterdir()) == ["line.pdf", "line.png", "line.svg"]
    finally:
        printers.close()


def test_a_process_that_cannot_fork_prints_here_and_starts_no_process(tmp_path, monkeypatch):
    """Where this process cannot fork, the figures are printed in it: a spawned worker would run an author's
    script anew, and one without an ``if __name__ == "__main__":`` guard would start itself again."""
    monkeypatch.setattr(printing, "can_fork", lambda: False)
    before = set(multiprocessing.active_children())
    with Printers(2) as printers:
        assert printers.here
        assert set(multiprocessing.active_children()) == before
        printers.submit(_job(tmp_path, width_points=2000, redrawn=True))
        assert printers.pending() == 1
        (printed,) = printers.done(block=False)
    assert printed.fitted
    assert printers.pending() == 0


def test_write_figures_raises_a_figure_error_from_a_worker(tmp_path, monkeypatch):
    """An error in a print worker reaches the author as the figure's name and the error, and no file is left half
    written: write_figures stops there."""
    from casereport.apps import figures

    real = figures.print_vega_lite

    def broken(chart):
        spec = real(chart)
        return (
            spec if "Case timeline" not in str(spec.get("title")) else {"data": {"values": []}, "mark": "no-such-mark"}
        )

    monkeypatch.setattr(figures, "print_vega_lite", broken)
    message = r"^the timeline figure could not be drawn: ValueError: Vega-Lite to SVG conversion failed:\n[^\n]+$"
    with pytest.raises(FigureError, match=message) as raised:
        write_figures(case_dir=CASES[SYNTHETIC], output_dir=tmp_path, formats="svg", only="timeline", workers=1)
    assert raised.value.figure == "timeline"
    assert not (tmp_path / "manifest.json").exists()


def test_the_command_says_which_figure_failed_without_a_traceback(tmp_path, monkeypatch, capsys):
    from casereport.apps import figures
    from casereport.apps.cli import main

    monkeypatch.setattr(figures, "print_vega_lite", lambda chart: {"data": {"values": []}, "mark": "no-such-mark"})
    status = main(
        ["figures", "--case", str(CASES[SYNTHETIC]), "--out", str(tmp_path), "--only", "timeline", "--format", "svg"]
    )
    err = capsys.readouterr().err
    assert status == 1
    assert "casereport figures: the timeline figure could not be drawn: ValueError: Vega-Lite to SVG conversion" in err
    assert "Traceback" not in err


def test_the_command_gives_the_cycle_collector_back(tmp_path, capsys):
    """casereport figures runs without Python's cycle collector (a tenth of its start), and a caller of main (a
    test, a script) gets it back, whether the command succeeds or refuses its arguments."""
    import gc

    from casereport.apps.cli import main

    assert gc.isenabled()
    assert main(["figures", "--out", str(tmp_path), "--format", "svg,gif"]) == 2
    assert gc.isenabled()
    assert main(["figures", "--case", str(CASES[SYNTHETIC]), "--out", str(tmp_path), "--only", "timeline"]) == 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # only the program, about to exit, freezes what it made
    assert "--format: unknown format(s)" in capsys.readouterr().err


def test_the_program_freezes_what_it_made_then_exits_with_the_status(monkeypatch):
    """The installed program is run: main's status, after freezing the objects left, so that Python's exit does
    not pass its cycle collector over them (a tenth of a figures run)."""
    from importlib import metadata

    from casereport.apps import cli

    (program,) = metadata.entry_points(group="console_scripts", name="casereport")
    assert program.value == "casereport.apps.cli:run"
    frozen: list[bool] = []
    monkeypatch.setattr(cli, "main", lambda: 3)
    monkeypatch.setattr(cli.gc, "freeze", lambda: frozen.append(True))
    with pytest.raises(SystemExit) as exited:
        cli.run()
    assert exited.value.code == 3
    assert frozen == [True]


@pytest.mark.parametrize("METHOD", METHODS)
def test_a_file_that_cannot_be_written_is_named_with_the_reason(tmp_path, METHOD):
    """A folder where a figure's PNG goes (or a full disk): the error names that file and the system's reason, and
    does not say the figure could not be drawn (it was)."""
    job = _job(tmp_path, width_points=2000, redrawn=True)
    Path(job.paths["png"]).mkdir()
    with Printers(1, method=METHOD) as printers:
        printers.submit(job)
        (printed,) = printers.done(block=True)
    assert printed.unwritten == job.paths["png"]
    assert printed.error == "Is a directory"


@pytest.mark.parametrize(
    ("blocked", "workers"),
    [
        ("synthetic-weekly-gemcitabine-timeline-calendar.png", 1),  # written by this process's printer
        ("synthetic-weekly-gemcitabine-timeline-calendar.html", 1),  # a figure's page, written here from its spec
        ("synthetic-weekly-gemcitabine-response.csv", 1),  # a companion table
        ("manifest.json", 1),
        ("synthetic-weekly-gemcitabine-report.md", 2),  # by the side worker when this process can fork
    ],
)
def test_write_figures_names_the_file_it_could_not_write(tmp_path, blocked, workers):
    (tmp_path / blocked).mkdir()
    with pytest.raises(OutputError) as raised:
        write_figures(case_dir=CASES[SYNTHETIC], output_dir=tmp_path, only="timeline", workers=workers)
    assert raised.value.path == str(tmp_path / blocked)
    assert raised.value.reason == "Is a directory"
    assert str(raised.value) == f"cannot write {tmp_path / blocked}: Is a directory"


def test_an_output_error_raised_in_a_worker_is_raised_again_with_its_fields():
    again = pickle.loads(pickle.dumps(OutputError("/out/a.pdf", "No space left on device")))
    assert isinstance(again, OutputError)
    assert (again.path, again.reason) == ("/out/a.pdf", "No space left on device")
    assert str(again) == "cannot write /out/a.pdf: No space left on device"


def test_the_command_names_the_file_it_could_not_write_without_a_traceback(tmp_path):
    """Run as an author runs it (its own process, the workers forked): the forked side worker's error too."""
    (tmp_path / "synthetic-weekly-gemcitabine-response.csv").mkdir()
    command = [sys.executable, "-m", "casereport.apps.cli", "figures", "--case", str(CASES[SYNTHETIC])]
    run = subprocess.run(
        [*command, "--out", str(tmp_path), "--only", "timeline"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 1
    assert f"casereport figures: cannot write {tmp_path}/synthetic-weekly-gemcitabine-response.csv: Is a directory" in (
        run.stderr
    )
    assert "Traceback" not in run.stderr
    assert "could not be drawn" not in run.stderr


@pytest.mark.parametrize("asking", ["--help", "-h", "--he"])
def test_asking_for_the_figures_help_starts_no_printer(asking, monkeypatch, capsys):
    """Help is read at once: no print worker (nor its JavaScript runtime) is started for it."""
    from casereport.apps import cli

    started: list[int | None] = []

    class Counted(Printers):
        def __init__(self, count: int | None = None, **options) -> None:
            started.append(count)
            super().__init__(count, **options)

    monkeypatch.setattr(printing, "Printers", Counted)
    with pytest.raises(SystemExit) as exited:
        cli.main(["figures", asking])
    assert exited.value.code == 0
    assert "--only" in capsys.readouterr().out
    assert started == []
    # A command that draws does start them (the counting is seen to work).
    assert cli.main(["figures", "--out", "x", "--width", "3"]) == 2
    assert len(started) == 1


def test_the_texts_the_print_font_cannot_print_are_found_in_the_drawing():
    """Only text drawn (not a mark's aria-label), whole across its lines, entities read; the font's Latin, Greek
    and symbols it has are printable."""
    spec = {
        "data": {"values": [{"t": "α ≥ 3 µm \u2013 †"}, {"t": "Staging: 中文 ✓"}, {"t": "a & b"}]},
        "mark": {"type": "text", "lineBreak": "|"},
        "encoding": {"text": {"field": "t"}, "y": {"field": "t", "type": "nominal", "axis": None}},
        "title": ["Two lines,", "the second ✓"],
    }
    svg = printing.lay_out(spec)
    assert printing.unprintable(svg) == ("Staging: 中文 ✓", "Two lines, the second ✓")
    assert printing.missing_characters(printing.unprintable(svg)) == "中文✓"
