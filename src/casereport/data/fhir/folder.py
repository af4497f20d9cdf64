"""A case folder's records as written, for the bundle: read after the loader has checked them; written back.

The loader (``load.py``) answers whether a folder is a valid case and builds
the :class:`~casereport.data.case.Case`; its tables resolve dates and merge
files, which a faithful export must not. This module reads the records as the
files give them (a date as written, an offset, a blank ``date_provenance``)
and writes records back into the files of the format, in its column order.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from casereport.data.formats import CASE_FILE, CSV_FILES, FILE_MODELS, YAML_LISTS
from casereport.data.schema import CaseRecord

DATE_FIELDS = ("date", "relative_to", "offset", "date_provenance", "date_rule")
PROVENANCE_FIELDS = ("provenance", "quote", "rule")


@dataclass(frozen=True)
class FolderRecords:
    """``case.yaml`` and every table of a folder, one record model per row, in the files' order."""

    case: CaseRecord
    tables: dict[str, list[Any]]


def _dates_as_text(value: Any) -> Any:
    """YAML reads ``2009-09-15`` as a date; a case keeps dates as the text the paper gives."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    return value


def _yaml(path: Path) -> Any:
    return _dates_as_text(yaml.safe_load(path.read_text(encoding="utf-8-sig")))


def read_records(case_dir: Path) -> FolderRecords:
    """The records of a folder that ``load_case`` accepted (so every one validates)."""
    tables: dict[str, list[Any]] = {}
    for name, model in CSV_FILES.items():
        with (case_dir / name).open(encoding="utf-8-sig", newline="") as handle:
            tables[name] = [model.model_validate(row) for row in csv.DictReader(handle)]
    for name, model in YAML_LISTS.items():
        tables[name] = [model.model_validate(item) for item in _yaml(case_dir / name) or []]
    return FolderRecords(CaseRecord.model_validate(_yaml(case_dir / CASE_FILE)), tables)


def columns(name: str) -> list[str]:
    """The columns of a file of the format: the record's own fields, then its date, then its provenance."""
    model: type[BaseModel] = FILE_MODELS[name]
    names = [info.alias or field for field, info in model.model_fields.items()]
    dated = [n for n in DATE_FIELDS if n in names]
    provenance = [n for n in PROVENANCE_FIELDS if n in names]
    return [n for n in names if n not in dated and n not in provenance] + dated + provenance


def cell(value: Any) -> str:
    """A value as a CSV cell: blank for none, ``true``/``false``, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _tidy(value: Any) -> Any:
    """A YAML value as an author writes it: no blank keys, whole numbers without ``.0``."""
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _in_order(case: dict[str, Any]) -> dict[str, Any]:
    """``case.yaml``'s keys in the order its model declares them."""
    return {key: case[key] for key in (*CaseRecord.model_fields, *case) if key in case}


def write_folder(
    folder: Path, case: dict[str, Any], tables: dict[str, list[dict[str, Any]]], texts: dict[str, bytes]
) -> None:
    """Write a case folder: ``case.yaml``, each table in its format's columns, and files kept verbatim."""
    folder.mkdir(parents=True, exist_ok=True)
    dump: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 100}
    (folder / CASE_FILE).write_text(yaml.safe_dump(_tidy(_in_order(case)), **dump), encoding="utf-8")
    for name, rows in tables.items():
        if name in YAML_LISTS:
            (folder / name).write_text(yaml.safe_dump(_tidy(rows), **dump) if rows else "[]\n", encoding="utf-8")
            continue
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns(name), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: cell(row.get(k)) for k in columns(name)} for row in rows)
        (folder / name).write_text(out.getvalue(), encoding="utf-8")
    for name, data in texts.items():
        (folder / name).write_bytes(data)
