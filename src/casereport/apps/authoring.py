"""``casereport new``: a case folder for an author to fill, valid from the start."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from casereport.data.new_case import new_case_folder
from casereport.exceptions import CaseReportError


def _new(args: argparse.Namespace) -> int:
    try:
        written = new_case_folder(args.folder)
    except CaseReportError as err:
        print(f"casereport new: {err}", file=sys.stderr)
        return 2
    print(f"{args.folder}: a new case folder, {len(written)} files, each with an example record:")
    for path in written:
        print(f"  {path.name}")
    print(
        f"Start with {args.folder / 'README.md'}; replace the examples file by file, and check as you go:\n"
        f"  casereport validate {args.folder}"
    )
    return 0


def add_new_command(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Register ``new`` on the command line's subcommands."""
    new = commands.add_parser(
        "new",
        formatter_class=formatter,
        help="write a new case folder to fill: every file with its header and an example record",
        description="Write a new case folder: every file a case needs, each with its header and one example"
        " record (a made-up patient), a README that walks through them, and the paper's text to replace. The"
        " folder validates as written. A folder that already holds files is refused; nothing is overwritten."
        "\nExit status: 0 written, 2 the folder holds files (or is a file).",
    )
    new.add_argument("folder", type=Path, help="the new case folder (made if absent; must be empty)")
    new.set_defaults(run=_new)


__all__ = ["add_new_command"]
