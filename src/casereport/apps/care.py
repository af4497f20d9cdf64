"""``casereport care``: the CARE checklist against a case, for an author (text) or a tool (JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

MARKS = {"covered": "covered", "partly covered": "partly", "not covered": "NOT COVERED"}


def _care(args: argparse.Namespace) -> int:
    from casereport.data.load import load_case
    from casereport.derive.care import care_checklist

    case = load_case(args.case_dir)  # an invalid case: cli.main says so, exit 2
    items = care_checklist(case)
    if args.format == "json":
        json.dump(
            {"case_id": case.case_id, "items": [i.as_dict() for i in items]}, sys.stdout, indent=2, ensure_ascii=False
        )
        sys.stdout.write("\n")
        return 0
    counts = Counter(i.status for i in items)
    print(
        f"CARE checklist for {case.case_id}: {counts['covered']} of {len(items)} items covered,"
        f" {counts['partly covered']} partly, {counts['not covered']} not covered"
    )
    for item in items:
        print(f"\n{item.number:2}. {item.item}: {MARKS[item.status]}  (CARE asks: {item.asks})")
        for where in item.where:
            print(f"    - {where}")
        if item.missing:
            print(f"    missing: {item.missing}")
    return 0


def add_care_command(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Register ``care`` on the command line's subcommands."""
    care = commands.add_parser(
        "care",
        formatter_class=formatter,
        help="the CARE checklist: where the case's data cover each item, or that they do not",
        description="List the 13 items of the CARE guideline for case reports and, for each, which files and"
        " fields of the case cover it, or what is missing. Exit status: 0 listed, 2 the case folder is not valid.",
    )
    care.add_argument("case_dir", type=Path, help="the case folder")
    care.add_argument("--format", choices=["text", "json"], default="text", help="text for people, json for tools")
    care.set_defaults(run=_care)
