"""Dates as precise as the paper gives them.

A month is kept as a month: ``CaseDate`` holds the text as written, its
precision, and the first and last day it may mean. Arithmetic on such dates
gives ranges, never a false single day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import pandas as pd

Precision = Literal["day", "month", "year"]

_PATTERNS: tuple[tuple[re.Pattern[str], Precision, str], ...] = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "day", "D"),
    (re.compile(r"^\d{4}-\d{2}$"), "month", "M"),
    (re.compile(r"^\d{4}$"), "year", "Y"),
)
_OFFSET = re.compile(r"^([+-])(\d+)([dw])$")
# A case report tells of the recent past: dates from 1900 to today, offsets of at most a century.
EARLIEST_YEAR = 1900
MAX_OFFSET_DAYS = 36525


@dataclass(frozen=True)
class CaseDate:
    """A date known to a day, a month or a year: the range it may mean."""

    text: str
    precision: Precision
    earliest: date
    latest: date

    def shifted(self, days: int) -> CaseDate:
        """The same uncertainty, ``days`` later (earlier when negative)."""
        sign = "+" if days >= 0 else "-"
        return CaseDate(
            text=f"{self.text} {sign}{abs(days)}d",
            precision=self.precision,
            earliest=self.earliest + timedelta(days=days),
            latest=self.latest + timedelta(days=days),
        )


def parse_date(text: str) -> CaseDate:
    """Parse ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` into a :class:`CaseDate`.

    Raises ``ValueError`` with a reader's reason for anything else, including
    dates that do not exist (``2010-02-30``).
    """
    text = text.strip()
    for pattern, precision, freq in _PATTERNS:
        if pattern.match(text):
            try:
                period = pd.Period(text, freq=freq)
                # pandas accepts some impossible days; a round trip catches them.
                if precision == "day":
                    date.fromisoformat(text)
            except ValueError as err:
                raise ValueError(f"'{text}' is not a date that exists ({err})") from None
            earliest = period.start_time.date()
            if earliest.year < EARLIEST_YEAR:
                raise ValueError(f"'{text}' is before {EARLIEST_YEAR}: not a date a case report can give")
            if earliest > date.today():
                raise ValueError(f"'{text}' lies in the future")
            return CaseDate(text=text, precision=precision, earliest=earliest, latest=period.end_time.date())
    raise ValueError(f"'{text}' is not a date: write YYYY-MM-DD, or YYYY-MM when the paper gives only the month")


def parse_offset(text: str) -> int:
    """Parse an offset such as ``+6w``, ``-3d`` or ``+0d`` into days."""
    match = _OFFSET.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not an offset: write a sign, a whole number and d or w, such as +6w or -3d")
    sign, number, unit = match.groups()
    if len(number) > 6:
        raise ValueError(f"'{text}' is more than {MAX_OFFSET_DAYS // 365} years: not an offset within one case")
    days = int(number) * (7 if unit == "w" else 1)
    if days > MAX_OFFSET_DAYS:
        raise ValueError(f"'{text}' is more than {MAX_OFFSET_DAYS // 365} years: not an offset within one case")
    return -days if sign == "-" else days


# From the surest to the least sure: a date is as sure as the least sure thing it rests on.
_SURENESS = ("reported", "derived", "illustrative")


@dataclass(frozen=True)
class ResolvedDate:
    """An event's date with the chain it hangs from: ``anchor`` + ``anchor_offset`` days.

    ``provenance`` is where the date comes from (``rule``: how it was placed,
    where it was not stated).
    """

    date: CaseDate
    anchor: str
    anchor_offset: int
    provenance: str = "reported"
    rule: str | None = None

    def shifted(self, record: Any, base_name: str) -> ResolvedDate:
        """The date of ``record``, dated ``record.offset`` days from this one (the event ``base_name``)."""
        return ResolvedDate(
            self.date.shifted(record.offset),
            self.anchor,
            self.anchor_offset + record.offset,
            *_inherit(record, self, base_name),
        )


def own_date_provenance(record: Any) -> tuple[str, str | None]:
    """Where an absolutely dated record's date comes from: said in ``date_provenance``, or as the record."""
    if record.date_provenance is not None:
        return record.date_provenance, record.date_rule
    return record.provenance, record.rule if record.provenance != "reported" else None


def _inherit(record: Any, base: ResolvedDate, base_name: str) -> tuple[str, str | None]:
    """A relative date is no surer than its own placing or the event it hangs from."""
    own, rule = own_date_provenance(record)
    if _SURENESS.index(base.provenance) > _SURENESS.index(own):
        return base.provenance, f"Dated from '{base_name}', whose date is {base.provenance}" + (
            f": {base.rule}" if base.rule else ""
        )
    return own, rule
