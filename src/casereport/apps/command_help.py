"""How ``casereport --help`` reads: every argument on a line of its own with its default, said once.

argparse's ``ArgumentDefaultsHelpFormatter`` appends "(default: ...)" to
every option, also where the help already names the default and where there
is none to name ("(default: None)"), and it wraps a description into one
paragraph, so that a list of environment variables runs together. This
formatter names a default only when there is one and the help does not, and
keeps a description's lines: each is wrapped on its own, a "NAME  text" line
with a hanging indent.
"""

from __future__ import annotations

import argparse
import re
import textwrap

from casereport.data.bundled import CASE_ENV, DEFAULT_CASE, ROOT_ENV

ENVIRONMENT = (
    "environment variables:\n"
    f"  {CASE_ENV}  the case folder a notebook or the dashboard shows when given none"
    f" (default: the bundled case {DEFAULT_CASE})\n"
    f"  {ROOT_ENV}  a folder holding data/, notebooks/, dashboards/ and voila.json, used instead of the"
    " package's own"
)

_NAMED = re.compile(r"^(\s*\S+\s{2,})")


class HelpFormatter(argparse.HelpFormatter):
    """Defaults shown once and only when there is one; descriptions and epilogs keep their lines."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text.lower() or action.required or action.default in (None, False, argparse.SUPPRESS):
            return text
        if not action.option_strings and action.nargs not in ("?", "*"):
            return text
        return text + " (default: %(default)s)"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            named = _NAMED.match(line)
            hanging = " " * len(named.group(1)) if named else " " * (len(line) - len(line.lstrip()))
            lines.append(textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent + hanging))
        return "\n".join(lines)


__all__ = ["ENVIRONMENT", "HelpFormatter"]
