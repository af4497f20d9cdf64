"""Dates in a bundle as precise as the paper: a month stays a month, never an invented day.

A FHIR ``dateTime`` may be partial (``2009-09``), so a date the paper gives to
the month is written as the month. A date counted from an event that is known
only to the month (``sorafenib_start +6w``) is a span of days that is no
calendar month; it becomes a ``Period`` from its first to its last possible
day where the element allows one, and otherwise a period in the case-date
extension, which also keeps how the case wrote the date (as written, or the
event and offset it counts from) and where the date comes from.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from casereport.data.fhir.vocabulary import EXT_DATE, UCUM, extension


def partial_date(earliest: date, latest: date) -> str | None:
    """The span as one FHIR date when it is exactly a day, a month or a year; else ``None``."""
    if earliest == latest:
        return earliest.isoformat()
    month_end = (earliest.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if earliest.day == 1 and latest == month_end:
        return earliest.strftime("%Y-%m")
    if (earliest.month, earliest.day, latest.month, latest.day) == (1, 1, 12, 31) and earliest.year == latest.year:
        return str(earliest.year)
    return None


def period(earliest: date, latest: date) -> dict[str, str]:
    return {"start": earliest.isoformat(), "end": latest.isoformat()}


def duration(days: int) -> dict[str, Any]:
    """An offset as a UCUM duration, in weeks when it is whole weeks (as papers count: "6 weeks after")."""
    if days and days % 7 == 0:
        return {"value": days // 7, "unit": "wk", "system": UCUM, "code": "wk"}
    return {"value": days, "unit": "d", "system": UCUM, "code": "d"}


def offset_text(value: dict[str, Any]) -> str:
    """A duration back as the case writes an offset: ``+6w``, ``-3d``, ``+0d``."""
    amount = int(value["value"])
    unit = {"wk": "w", "d": "d"}.get(value.get("code") or "")
    if unit is None or amount != value["value"]:
        raise ValueError(f"an offset is a whole number of days (d) or weeks (wk), not {value}")
    return f"{'-' if amount < 0 else '+'}{abs(amount)}{unit}"


def date_extension(record: Any, *, relative_to: dict[str, str] | None, span: dict[str, str] | None) -> dict[str, Any]:
    """How the case wrote a record's date; ``span`` where the resource has no element for the period."""
    return extension(
        EXT_DATE,
        {
            "date": {"valueString": record.date.text} if record.date is not None else None,
            "relativeTo": {"valueReference": relative_to} if relative_to else None,
            "offset": {"valueDuration": duration(record.offset)} if record.offset is not None else None,
            "provenance": {"valueCode": record.date_provenance} if record.date_provenance else None,
            "rule": {"valueString": record.date_rule} if record.date_rule else None,
            "period": {"valuePeriod": span} if span else None,
        },
    )


def when(
    earliest: date, latest: date, element: str, *, allows_period: bool = True
) -> tuple[dict[str, Any], dict[str, str] | None]:
    """``{elementDateTime: ...}`` or ``{elementPeriod: ...}``, and the period left for the extension, if any."""
    single = partial_date(earliest, latest)
    if single is not None:
        return {f"{element}DateTime" if allows_period else element: single}, None
    if allows_period:
        return {f"{element}Period": period(earliest, latest)}, None
    return {}, period(earliest, latest)
