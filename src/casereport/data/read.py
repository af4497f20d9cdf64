"""Reading the files of a case folder: text, CSV and YAML, each record validated on its own.

The :class:`CaseReader` collects every problem it meets instead of stopping
at the first, and says what a spreadsheet or an editor did to a file when it
can tell (semicolons, UTF-16, a byte-order mark in the middle, Latin-1
bytes), because that is what an author must undo. Nothing outside the case
folder is ever read, and nothing is dropped without a problem saying so.
Checks across records and files live in ``load.py``.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from casereport.data.formats import KEYS
from casereport.data.schema import NO_DATE, NO_DATE_HINT, OptionalColumn
from casereport.exceptions import Problem

MAX_FILE_BYTES = 16 * 2**20  # a case file larger than this is not a case report's data
SAVE_AS_UTF8 = (
    "save it as UTF-8 (Excel: Save As 'CSV UTF-8 (Comma delimited)'; LibreOffice: character set 'Unicode (UTF-8)')"
)
# A byte-order mark in the middle of a text: spreadsheets write one at the start, and joining two files or
# saving one twice leaves the second where a reader cannot see it (in a column's name, in an id).
BOM = "\ufeff"


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice (PyYAML would keep the last one silently)."""


def _no_duplicate_keys(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"the key '{key}' is given twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicate_keys)
# Dates stay text, checked by casereport's own parser: YAML would turn 2009-09-15 into a date object and
# fail on 2009-02-30 with a traceback of its own.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Located:
    """A validated record and where it stood."""

    record: Any
    row: int | None
    line: int | None


def nearest(value: str, known: Iterable[str]) -> str | None:
    """'did you mean ...?' for ``value`` among ``known``, or ``None`` when nothing is close."""
    options = sorted({str(k) for k in known})
    folded = {o.casefold(): o for o in options}
    if value.casefold() in folded and folded[value.casefold()] != value:
        return f"did you mean '{folded[value.casefold()]}'?"
    close = difflib.get_close_matches(value, options, n=2, cutoff=0.75)
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def _wrong_encoding(data: bytes) -> tuple[str, str] | None:
    """What a file that is not UTF-8 text is, when its first bytes tell: (reason, hint)."""
    for boms, encoding in (
        ((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), "UTF-32"),  # before UTF-16: its mark begins like UTF-16's
        ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "UTF-16"),
    ):
        if data.startswith(boms):
            return f"is {encoding} text (it begins with a {encoding} byte-order mark), not UTF-8", SAVE_AS_UTF8
    if b"\x00" in data[:4096]:
        return "holds NUL bytes: it is UTF-16 text without a byte-order mark, or not text at all", SAVE_AS_UTF8
    return None


@dataclass
class CaseReader:
    """Reads the files of one case folder and keeps every problem it finds."""

    case_dir: Path
    problems: list[Problem] = field(default_factory=list)
    # Ids of every record read, valid or not: a reference to a record that is
    # itself invalid is not reported a second time as a missing id.
    seen: dict[str, set[str]] = field(default_factory=dict)

    def add(
        self,
        file: str,
        row: int | None,
        line: int | None,
        fld: str | None,
        reason: str,
        *,
        warning: bool = False,
        hint: str | None = None,
    ) -> None:
        self.problems.append(Problem(file, row, line, fld, reason, "warning" if warning else "error", hint))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    # -- text ----------------------------------------------------------------
    def present(self, name: str) -> bool:
        """Whether the folder holds something called ``name`` (a file, or a link that ``read_text`` refuses)."""
        path = self.case_dir / name
        return path.is_symlink() or path.exists()

    def read_text(self, name: str, *, what: str = "file") -> str | None:
        """A file of the case folder as text; ``None`` (and a problem) when it is missing, outside the folder,
        a link, too large or not UTF-8. Nothing outside the folder is ever read."""
        path = self.case_dir / name
        if path.is_symlink():
            self.add(name, None, None, None, f"{what} is a link", hint="copy the file into the case folder instead")
            return None
        folder = self.case_dir.resolve()
        if not path.resolve().is_relative_to(folder):
            self.add(name, None, None, None, f"{what} lies outside the case folder", hint="keep it inside")
            return None
        if not path.is_file():
            self.add(name, None, None, None, f"{what} is missing", hint=_MISSING_HINT)
            return None
        if path.stat().st_size > MAX_FILE_BYTES:
            self.add(name, None, None, None, f"{what} is larger than {MAX_FILE_BYTES // 2**20} MiB")
            return None
        return self._decode(name, path.read_bytes())

    def _decode(self, name: str, data: bytes) -> str | None:
        wrong = _wrong_encoding(data)
        if wrong is not None:
            self.add(name, None, 1, None, wrong[0], hint=wrong[1])
            return None
        # A byte-order mark at the start (as spreadsheets write) is read as what it is, not as part of the first
        # column; it is taken off before decoding, so that a bad byte's position is counted in the file's bytes.
        body = data.removeprefix(codecs.BOM_UTF8)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as err:
            line = body[: err.start].count(b"\n") + 1
            bad = body[err.start]
            as_latin = bytes([bad]).decode("cp1252", errors="replace")
            self.add(
                name,
                None,
                line,
                None,
                f"is not UTF-8 text (byte 0x{bad:02x} on line {line}, '{as_latin}' in Windows-1252 or Latin-1)",
                hint=SAVE_AS_UTF8,
            )
            return None
        for number, content in enumerate(text.splitlines(), start=1):
            if BOM in content:
                self.add(
                    name,
                    None,
                    number,
                    None,
                    f"line {number} holds a byte-order mark (U+FEFF, invisible) inside the text",
                    hint="two files were joined, or the file was saved with a byte-order mark twice: delete the"
                    " invisible character (or save the file again as UTF-8)",
                )
        # Reported above as an error; taken out so that it does not turn up again in a column's name or an id.
        return text.replace(BOM, "")

    # -- CSV -------------------------------------------------------------------
    def read_csv(self, name: str, model: type[BaseModel], *, optional: bool = False) -> list[Located] | None:
        """Every valid record of a CSV file; ``None`` when the file or its header cannot be read.

        With ``optional`` a file that is not there is an empty file. A header
        with an unknown column is reported and its rows are still checked
        (without that column); a header that lacks a column is reported, and
        its rows are checked once it is complete.
        """
        if optional and not self.present(name):
            return []
        text = self.read_text(name)
        if text is None:
            return None
        with io.StringIO(text, newline="") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            expected = [f.alias or n for n, f in model.model_fields.items()]
            may_lack = {
                f.alias or n
                for n, f in model.model_fields.items()
                if any(isinstance(m, OptionalColumn) for m in f.metadata)
            }
            if not self._header_fits(name, header, expected, may_lack):
                return None
            located: list[Located] = []
            line = reader.line_num + 1
            for row_number, raw in enumerate(reader, start=1):
                self.seen.setdefault(name, set()).add(str(raw.get(KEYS.get(name, "id")) or ""))
                if None in raw:
                    self.add(name, row_number, line, None, "row has more cells than the header", hint=_CELLS_HINT)
                elif any(v is None for v in raw.values()):
                    self.add(name, row_number, line, None, "row has fewer cells than the header", hint=_CELLS_HINT)
                else:
                    cells = {k: v for k, v in raw.items() if k in expected}
                    record = self.validate(model, cells, name, row_number, line)
                    if record is not None:
                        located.append(Located(record, row_number, line))
                line = reader.line_num + 1
        return located

    def _header_fits(self, name: str, header: list[str], expected: list[str], may_lack: set[str]) -> bool:
        """Report what is wrong with a header; ``False`` when the rows cannot be read by it.

        ``may_lack`` are the columns it may leave out (:class:`OptionalColumn`).
        """
        if not header:
            # As the bundled files and `casereport new` write it: the record's own columns, its provenance last.
            tail = [c for c in expected if c in ("provenance", "quote", "rule")]
            usual = [c for c in expected if c not in tail] + tail
            self.add(name, None, 1, None, "is empty", hint=f"its first line is the header: {','.join(usual)}")
            return False
        if len(header) == 1:
            for separator, word in ((";", "';'"), ("\t", "tabs")):
                if separator in header[0]:
                    self.add(
                        name,
                        None,
                        1,
                        None,
                        f"this file uses {word} between cells",
                        hint="save it as comma-separated (CSV): in Excel 'CSV UTF-8 (Comma delimited)', in"
                        " LibreOffice field delimiter ','",
                    )
                    return False
        missing = [c for c in expected if c not in header and c not in may_lack]
        unknown = [c for c in header if c not in expected]
        columns = f"{name} has the columns {', '.join(expected)}"
        for column in unknown:
            self.add(
                name,
                None,
                1,
                column,
                "column is not part of this file's format",
                hint=nearest(column, missing) or columns,
            )
        for column in missing:
            self.add(
                name,
                None,
                1,
                column,
                "column is missing",
                hint=f"add it to the header (a column may be empty); {name}'s rows and the references to them are"
                " checked once the header is complete",
            )
        return not missing

    # -- YAML ------------------------------------------------------------------
    def read_yaml(self, name: str) -> tuple[Any, yaml.Node | None] | None:
        text = self.read_text(name)
        if text is None:
            return None
        try:
            return yaml.load(text, Loader=_StrictLoader), yaml.compose(text, Loader=yaml.SafeLoader)
        except (yaml.YAMLError, ValueError) as err:
            mark = getattr(err, "problem_mark", None)
            self.add(
                name,
                None,
                mark.line + 1 if mark else None,
                None,
                f"not valid YAML: {err}",
                hint="indent with spaces, never tabs; put text with ':' or '#' in quotes",
            )
            return None

    def read_yaml_list(self, name: str, model: type[BaseModel]) -> list[Located] | None:
        loaded = self.read_yaml(name)
        if loaded is None:
            return None
        data, node = loaded
        if not isinstance(data, list):
            self.add(name, None, 1, None, "must be a list of records", hint="begin each record with '- '")
            return None
        located = []
        for index, item in enumerate(data):
            item_node = node.value[index] if isinstance(node, yaml.SequenceNode) else None
            line = item_node.start_mark.line + 1 if item_node else None
            if not isinstance(item, dict):
                self.add(name, index + 1, line, None, "must be a mapping of field: value")
                continue
            self.seen.setdefault(name, set()).add(str(item.get("id")))
            record = self.validate(model, item, name, index + 1, line, item_node)
            if record is not None:
                located.append(Located(record, index + 1, line))
        return located

    # -- records ---------------------------------------------------------------
    def validate(
        self,
        model: type[BaseModel],
        raw: dict[str, Any],
        name: str,
        row: int | None,
        line: int | None,
        node: yaml.Node | None = None,
    ) -> BaseModel | None:
        try:
            return model.model_validate(raw)
        except ValidationError as err:
            for error in err.errors():
                loc = error["loc"]
                reason = error["msg"].removeprefix("Value error, ")
                if _is_missing(error):
                    reason = "is required"
                if _is_no_date(error):
                    loc = ("date",)  # checked beside the offset (the last of the date's fields), missing as a date
                self.add(
                    name,
                    row,
                    _line_of(node, loc) or line,
                    ".".join(map(str, loc)) or None,
                    reason,
                    hint=_field_hint(model, error),
                )
            return None


_MISSING_HINT = "`casereport new FOLDER` writes every file of a case with its header; copy the one missing from there"
_CELLS_HINT = 'a cell holding a comma must stand in double quotes ("1,5 cm"); a spreadsheet does this when it saves CSV'


def _is_missing(error: ErrorDetails) -> bool:
    """A required field left out, or given as an empty cell (which is read as not given)."""
    return error["type"] == "missing" or (error["type"].endswith("_type") and error.get("input", "") is None)


def _is_no_date(error: ErrorDetails) -> bool:
    """A record with neither a date nor an event to count from."""
    return error["type"] == "value_error" and error["msg"].removeprefix("Value error, ") == NO_DATE


def _field_hint(model: type[BaseModel], error: ErrorDetails) -> str | None:
    """How to fix one pydantic error: the field's meaning when it is missing, the allowed value meant."""
    loc = error["loc"]
    info = model.model_fields.get(str(loc[0])) if len(loc) == 1 else None
    given = error.get("input")
    if _is_missing(error) and info is not None:
        return info.description
    if error["type"] == "literal_error" and isinstance(given, str):
        allowed = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        return nearest(given, allowed)
    if error["type"] in ("float_parsing", "int_parsing"):
        return "write the number alone, with '.' as the decimal point; its unit has a column of its own"
    if _is_no_date(error):
        return NO_DATE_HINT
    if error["type"] == "bool_parsing":
        return "write true or false, or leave the cell empty when the paper does not say"
    return None


def _line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """The line of the deepest YAML node that ``loc`` reaches."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            matches = [v for k, v in node.value if k.value == key]
            if not matches:
                break
            node = matches[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


__all__ = ["MAX_FILE_BYTES", "CaseReader", "Located", "nearest"]
