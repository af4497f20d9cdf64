"""The ``casereport`` command line."""

from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from casereport import __version__
from casereport.apps.command_help import ENVIRONMENT, HelpFormatter
from casereport.exceptions import CaseValidationError, FigureError, OutputError, ParameterError

# The commands' modules (and pandas, Altair) are imported once the command line is read, in main: so that
# `casereport figures` starts its print workers first, to start up while this process imports them.


def _validate(args: argparse.Namespace) -> int:
    from casereport.data.load import validate_case

    problems = validate_case(args.case_dir)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if args.format == "json":
        # For tools and editors: the problems alone, errors first; the exit status says whether the case is valid.
        print(json.dumps([p.as_dict() for p in [*errors, *warnings]], indent=2, ensure_ascii=False))
        return 1 if errors else 0
    if errors:
        print(f"{args.case_dir}: {len(errors)} problem(s)", file=sys.stderr)
    for problem in [*errors, *warnings]:
        print(f"  {problem.location()}: {problem.reason}", file=sys.stderr)
        if problem.hint:
            print(f"      hint: {problem.hint}", file=sys.stderr)
    if errors:
        return 1
    print(f"{args.case_dir}: valid" + (f", with {len(warnings)} warning(s)" if warnings else ""))
    return 0


def _audit(args: argparse.Namespace) -> int:
    from casereport.data.load import load_case
    from casereport.derive.audit import audit_case, audit_checks

    case = load_case(args.case_dir)  # an invalid case: main says so, exit 2
    checks = audit_checks(case, cycle_reading=args.cycle_reading)
    disagreements = audit_case(case, cycle_reading=args.cycle_reading)
    counts = Counter(c.status for c in checks)
    print(
        f"{case.case_id}: {len(case.statements)} statement(s) checked, {len(disagreements)} disagreement(s)"
        f" ({sum(d.severity == 'contradiction' for d in disagreements)} contradiction(s),"
        f" {sum(d.severity == 'tension' for d in disagreements)} tension(s))"
    )
    for number, d in enumerate(disagreements, start=1):
        print(f"\n{number}. [{d.kind}, {d.severity}] {d.detail}")
        for statement, quote in zip(d.statements, d.quotes, strict=True):
            print(f"   {statement}: \u201c{quote}\u201d")
        if d.also_under_other_reading is False:
            print(
                "   (consistent if a cycle counts once its last dose is given)"
                if args.cycle_reading == "full"
                else "   (consistent if a cycle counts only once all its days pass)"
            )
    print(
        f"\nOther checks: {counts['agrees']} agree with stated data, {counts['consistent_by_construction']} hold only"
        f" by construction (they rest on illustrative values made to satisfy them), {counts['undetermined']}"
        " undetermined by the dates."
    )
    if args.verbose:
        for c in checks:
            if c.status in ("agrees", "consistent_by_construction", "undetermined"):
                print(f"  - {', '.join(c.statements)}: {c.status.replace('_', ' ')}: {c.detail}")
    # Like a linter: 1 when the paper disagrees with itself or its data, so scripts can act on it.
    return 1 if disagreements else 0


def _report(args: argparse.Namespace) -> int:
    from casereport.apps.report import case_report, render
    from casereport.data.load import load_case

    case = load_case(args.case_dir)  # an invalid case: main says so, exit 2
    text = render(case_report(case), args.format)
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as err:
            return _unwritable_out(args, err)
        print(f"{case.case_id}: report written to {args.out}", file=sys.stderr)
    return 0


def _unwritable_out(args: argparse.Namespace, err: OSError) -> int:
    """A file given with --out that cannot be written (a folder, no room): the flag, the path and why; status 2."""
    reason = OutputError.from_os_error(err, args.out).reason
    print(f"casereport {args.command}: --out: cannot write '{args.out}': {reason}", file=sys.stderr)
    return 2


def _explorer(args: argparse.Namespace) -> int:
    from casereport.apps.explorer import write_explorer
    from casereport.data.load import load_case

    case = load_case(args.case_dir)  # an invalid case: main says so, exit 2
    try:
        write_explorer(case, args.out, axis=args.axis)
    except OSError as err:
        return _unwritable_out(args, err)
    print(f"{case.case_id}: explorer written to {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from casereport.data.formats import write_format_docs

    for path in write_format_docs(args.docs):
        print(path)
    return 0


FIGURE_FLAGS = {
    "case_dir": "--case",
    "output_dir": "--out",
    "formats": "--format",
    "axis": "--axis",
    "width_mm": "--width",
    "dpi": "--dpi",
    "only": "--only",
}


class _FigureBar:
    """The progress of ``casereport figures`` on standard error: one step a figure (and the explorer page)."""

    def __init__(self) -> None:
        self.bar: Any = None

    def start(self, total: int) -> None:
        from tqdm import tqdm  # type: ignore[import-untyped]

        # Each figure shown as it is done (tqdm would skip those done within a tenth of a second of the last).
        self.bar = tqdm(total=total, unit="figure", desc="figures", file=sys.stderr, leave=False, mininterval=0)

    def done(self, name: str) -> None:
        self.bar.set_postfix_str(name, refresh=False)
        self.bar.update()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _figures(args: argparse.Namespace) -> int:
    from casereport.apps.figures import EXPLORER, write_figures
    from casereport.data.bundled import default_case_dir

    bar = _FigureBar()
    try:
        manifest = write_figures(
            case_dir=(args.case or default_case_dir()).resolve(),
            output_dir=args.out,
            formats=args.format,
            axis=args.axis,
            width_mm=args.width,
            dpi=args.dpi,
            only=args.only,
            progress=bar,
            printers=getattr(args, "printers", None),
        )
    except ParameterError as err:
        # Name the flag the user typed, not the parameter behind it.
        flag = FIGURE_FLAGS.get(err.parameter, err.parameter)
        print(f"casereport figures: {flag}: {err.reason}", file=sys.stderr)
        return 2
    except FigureError as err:
        print(f"casereport figures: {err}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    for entry in manifest["skipped"]:
        if entry["figure"] != EXPLORER:  # the page follows the formats asked for, not the case
            print(f"casereport figures: not drawn: {entry['figure']}: {entry['reason']}", file=sys.stderr)
    only = manifest["parameters"]["only"]
    for entry in manifest["unprintable"]:
        if only is not None and entry["figure"] not in only:
            continue  # told when it was drawn; the manifest keeps it
        characters = ", ".join(entry["characters"])
        print(
            f"casereport figures: {entry['figure']}: the print font has no glyph for {characters}"
            f" (in \u201c{entry['texts'][0]}\u201d): the PDF and PNG show an empty box for each;"
            " write them otherwise in the case files (the SVG and HTML leave them to the reader's fonts)",
            file=sys.stderr,
        )
    drawn = len({entry["figure"] for entry in manifest["files"]})
    print(
        f"{drawn} figure(s) in {len(manifest['parameters']['formats'])} format(s), their captions (captions.md)"
        f" and manifest.json are in {args.out}"
    )
    return 0


def _port(text: str) -> int:
    """A TCP port number, for argparse."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1 to 65535)")
    return port


def _port_in_use(port: int) -> bool:
    """True when something already listens on the loopback port (Voila would then quietly take another)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server binds (tornado sets SO_REUSEADDR): only a listening socket makes the port busy,
        # not a closed connection's TIME_WAIT or another probe at the same moment.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _refuse_busy(command: str, port: int) -> bool:
    if _port_in_use(port):
        print(f"casereport {command}: port {port} on 127.0.0.1 is in use; choose another with --port", file=sys.stderr)
        return True
    return False


def _dashboard(args: argparse.Namespace) -> int:
    from casereport.apps.serve import serve

    if _refuse_busy("dashboard", args.port):
        return 2
    return serve(case_dir=args.case_dir, port=args.port)


def _is_notebook(path: Path) -> bool:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(content, dict) and isinstance(content.get("cells"), list) and "nbformat" in content


def _slides(args: argparse.Namespace) -> int:
    from casereport.apps.serve import serve_slides

    if not args.notebook.is_file():
        print(f"casereport slides: no notebook at {args.notebook}", file=sys.stderr)
        return 2
    if args.notebook.suffix != ".ipynb" or not _is_notebook(args.notebook):
        print(f"casereport slides: {args.notebook} is not a Jupyter notebook (.ipynb)", file=sys.stderr)
        return 2
    if _refuse_busy("slides", args.port):
        return 2
    return serve_slides(notebook=args.notebook, port=args.port)


def run() -> NoReturn:
    """The program ``casereport`` (and ``python -m casereport.apps.cli``): :func:`main`, then exit with its status.

    What the command made is frozen first (:func:`gc.freeze`): Python's exit passes its cycle collector over
    every object still alive, those pandas and Altair made included, even with the collector disabled; that
    was a tenth of ``casereport figures`` (0.2 to 0.27 s of 3.0 s). A caller of :func:`main` keeps its collector.
    """
    status = main()
    gc.freeze()
    sys.exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] != ["figures"] or _asks_for_help(arguments):
        return _command(arguments)
    from casereport.apps.lean_imports import leave_out_unused_checkers, leave_out_widgets
    from casereport.apps.printing import Printers

    # A command of a few seconds: the cycle collector's passes over the objects pandas and Altair import took
    # a tenth of its start (0.12 s of 1.0 s), and freed nothing it needs (its memory peaks alike without them).
    collecting = gc.isenabled()
    gc.disable()
    try:
        # The figures' printers first: each layout worker starts its JavaScript runtime while this process
        # imports pandas and Altair. And this process draws figures and nothing else: it leaves out jsonschema's IRI
        # checker (a third of the command's time went to it) and the widgets.
        with Printers() as printers:
            leave_out_unused_checkers()
            leave_out_widgets()
            return _command(arguments, printers=printers)
    finally:
        if collecting:
            gc.enable()


def _asks_for_help(arguments: list[str]) -> bool:
    """Whether the command line asks for help (``-h``, ``--help`` or a prefix argparse takes for it), which
    starts no print worker."""
    options = arguments[: arguments.index("--")] if "--" in arguments else arguments
    return any(a == "-h" or (len(a) > 2 and "--help".startswith(a)) for a in options)


def _command(argv: list[str], **context: Any) -> int:
    """Read the command line and run the command, with ``context`` (the figures' print workers) in its arguments."""
    from casereport.apps.authoring import add_new_command
    from casereport.apps.care import add_care_command
    from casereport.apps.fhir import add_fhir_commands

    parser = argparse.ArgumentParser(
        prog="casereport",
        description="A published clinical case report as checkable data, figures, a report and a dashboard.",
        epilog=ENVIRONMENT,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    formatter = HelpFormatter

    validate = commands.add_parser(
        "validate",
        formatter_class=formatter,
        help="check a case folder; list every problem",
        description="Check a case folder and list every problem at once: the file, the row (and line), the field,"
        " what is wrong and, where it can, how to fix it. Warnings (an unusual but possible value) do not make"
        " the case invalid.\nExit status: 0 valid, 1 not valid (the problems are listed).",
    )
    validate.add_argument("case_dir", type=Path, help="the case folder")
    validate.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text: one problem a line, with a hint below it (standard error); json: a list of problems with"
        " file, row, line, field, message, hint and severity (standard output)",
    )
    validate.set_defaults(run=_validate)

    audit = commands.add_parser(
        "audit",
        formatter_class=formatter,
        help="compare the case with the paper's own statements",
        description="Compare the case with the paper's own statements. Exit status: 0 no disagreement,"
        " 1 disagreements found (listed), 2 the case folder is not valid.",
    )
    audit.add_argument("case_dir", type=Path, help="the case folder")
    audit.add_argument(
        "--cycle-reading",
        choices=["full", "last_dose"],
        default="full",
        help="when a cycle counts as completed (default: once all its days pass)",
    )
    audit.add_argument("--verbose", action="store_true", help="also list every check that holds, and why")
    audit.set_defaults(run=_audit)

    report = commands.add_parser(
        "report",
        formatter_class=formatter,
        help="the case as a clinician summarises it (Markdown, HTML or JSON)",
        description="Write the case report: presentation, baseline, regimens with planned doses, stagings with"
        " response categories and reasons, on-treatment toxicity, adverse events, outcome, the audit and every"
        " value's provenance.",
    )
    report.add_argument("case_dir", type=Path, help="the case folder")
    report.add_argument("--format", choices=["md", "html", "json"], default="md", help="Markdown, HTML or JSON")
    report.add_argument("--out", type=Path, default=None, help="file to write (default: standard output)")
    report.set_defaults(run=_report)

    explorer = commands.add_parser(
        "explorer",
        formatter_class=formatter,
        help="the case's linked views as one HTML file that works offline, without Python",
        description="Write the case explorer: one HTML file with the data, Vega and the page inside, which opens"
        " from disk in a browser with no network. Brush the timeline to narrow the lab, tumour marker and imaging"
        " views and the summary of the range; click a staging for its findings in the paper's words. Exit status: 0"
        " written, 2 the case folder is not valid or the file cannot be written.",
    )
    explorer.add_argument("case_dir", type=Path, help="the case folder")
    explorer.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    explorer.add_argument(
        "--axis", choices=["calendar", "relative"], default="calendar", help="calendar dates or days since the start"
    )
    explorer.set_defaults(run=_explorer)

    schema = commands.add_parser(
        "schema",
        formatter_class=formatter,
        help="write the field reference (docs/data-format.md), the allowed values and analyte catalogue"
        " (docs/add-your-case.md) and the JSON Schemas from the record models",
    )
    schema.add_argument("--docs", type=Path, default=Path("docs"), help="the docs folder (default: docs)")
    schema.set_defaults(run=_schema)

    figures = commands.add_parser(
        "figures",
        formatter_class=formatter,
        help="draw every figure in every format, with captions and a manifest",
        description="Draw the case's figures for a paper: each in every format asked for, laid out to the width"
        " asked for, with a caption written from the case data (captions.md) and a manifest of what drew them."
        " No notebook kernel is started; run notebooks/figures.ipynb with papermill for an executed record."
        " Exit status: 0 written, 2 an argument or the case folder is not valid.",
        epilog=ENVIRONMENT,
    )
    figures.add_argument(
        "--case", type=Path, default=None, help="case folder (default: $CASEREPORT_CASE, or else the bundled case)"
    )
    figures.add_argument("--out", type=Path, required=True, help="folder for the figures")
    figures.add_argument("--format", default="svg,png,pdf,html", help="any of svg,png,pdf,html, comma-separated")
    figures.add_argument("--axis", default="calendar", help="calendar or relative")
    figures.add_argument(
        "--width",
        "--width-mm",
        dest="width",
        default="single",
        help="figure width: single (85 mm, one journal column), onehalf (114 mm), double (174 mm, the full page)"
        " or millimetres from 20 to 500",
    )
    figures.add_argument("--dpi", type=int, default=300, help="resolution of the PNG files")
    figures.add_argument(
        "--only",
        default=None,
        help="draw only these figures, comma-separated (such as timeline,afp; 'explorer' for the HTML page);"
        " the folder's manifest keeps the others from an earlier run (default: every figure)",
    )
    figures.set_defaults(run=_figures)

    dashboard = commands.add_parser(
        "dashboard",
        formatter_class=formatter,
        help="serve the case dashboard with Voila on loopback",
        epilog=ENVIRONMENT,
    )
    dashboard.add_argument(
        "case_dir",
        type=Path,
        nargs="?",
        default=None,
        help="case folder (default: $CASEREPORT_CASE, or else the bundled case)",
    )
    dashboard.add_argument("--port", type=_port, default=8866, help="loopback port to serve on")
    dashboard.set_defaults(run=_dashboard)

    slides = commands.add_parser(
        "slides",
        formatter_class=formatter,
        help="run a teaching notebook as slides (Voila's reveal template)",
        epilog=ENVIRONMENT,
    )
    slides.add_argument("notebook", type=Path, help="a notebook, e.g. notebooks/01-presentation-and-timeline.ipynb")
    slides.add_argument("--port", type=_port, default=8867, help="loopback port to serve on")
    slides.set_defaults(run=_slides)

    add_new_command(commands, formatter)
    add_fhir_commands(commands, formatter)
    add_care_command(commands, formatter)

    args = parser.parse_args(argv)
    vars(args).update(context)
    try:
        return int(args.run(args))
    except CaseValidationError as err:
        # Every command that reads a case refuses an invalid one alike: its problems, exit status 2.
        print(err, file=sys.stderr)
        return 2
    except OutputError as err:
        # A file that could not be written (a folder in its place, a full disk): which, and why; no traceback.
        print(f"casereport {args.command}: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (`| head`) closed the pipe: stop quietly, as Python's docs advise, not with a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    run()
