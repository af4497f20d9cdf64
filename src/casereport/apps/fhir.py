"""``casereport fhir export`` and ``casereport fhir import``: the case as a FHIR R4B Bundle, and back."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from casereport.exceptions import BundleError, OutputError, ParameterError


def _export(args: argparse.Namespace) -> int:
    from casereport.data.fhir import case_bundle  # fhir.resources loads only for these commands

    bundle = case_bundle(args.case_dir)  # an invalid case: cli.main says so, exit 2
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as err:  # a folder in its place, no room: cli.main says which and why, exit 1
            raise OutputError.from_os_error(err, args.out) from None
        print(f"{args.case_dir}: {len(bundle['entry'])} resources written to {args.out}", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace) -> int:
    from casereport.data.fhir import import_bundle

    try:
        folder = import_bundle(args.bundle, args.out)
    except ParameterError as err:
        flag = {"out": "--out", "bundle": "BUNDLE"}.get(err.parameter, err.parameter)
        print(f"casereport fhir import: {flag}: {err.reason}", file=sys.stderr)
        return 2
    except BundleError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"{folder}: a valid case, read from {args.bundle}")
    return 0


def add_fhir_commands(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Register ``fhir export`` and ``fhir import`` on the command line's subcommands."""
    fhir = commands.add_parser(
        "fhir",
        formatter_class=formatter,
        help="the case as a FHIR R4B Bundle, and such a Bundle back into a case folder",
    )
    actions = fhir.add_subparsers(dest="fhir_command", required=True)
    export = actions.add_parser(
        "export",
        formatter_class=formatter,
        help="write the case as a FHIR R4B Bundle (JSON)",
        description="Write the case as a FHIR R4B Bundle: Patient, Condition, MedicationStatement, Observations"
        " (LOINC, UCUM), DiagnosticReports for stagings, AdverseEvents, and Provenance saying which values the"
        " paper states. Exit status: 0 written, 1 the file cannot be written, 2 the case folder is not valid.",
    )
    export.add_argument("case_dir", type=Path, help="the case folder")
    export.add_argument("--out", type=Path, default=None, help="file to write (default: standard output)")
    export.set_defaults(run=_export)
    read = actions.add_parser(
        "import",
        formatter_class=formatter,
        help="read a bundle from 'fhir export' into a new case folder",
        description="Read a bundle written by 'casereport fhir export' into a new case folder, which is checked"
        " like 'casereport validate'. Exit status: 0 written, 1 the bundle has problems (each named; nothing is"
        " written), 2 --out already holds files or the bundle cannot be read.",
    )
    read.add_argument("bundle", type=Path, help="the bundle (JSON)")
    read.add_argument("--out", type=Path, required=True, help="the new case folder (must not hold files)")
    read.set_defaults(run=_import)
