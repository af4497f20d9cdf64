"""Reader-facing tables: the case summary and the timeline of the episode of care."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
from pandas.api.typing import NAType

from casereport.data.case import Case
from casereport.derive.grading import grade_labs
from casereport.derive.timeline import cycle_of, relative_days


def format_when(earliest: pd.Timestamp, latest: pd.Timestamp) -> str:
    """A date range as a reader says it: a day, a month, a year, or the span it may be."""
    if earliest == latest:
        return earliest.strftime("%-d %b %Y")
    if earliest.day == 1 and latest == earliest + pd.offsets.MonthEnd(0):
        return earliest.strftime("%b %Y")
    if (earliest.month, earliest.day, latest.month, latest.day) == (1, 1, 12, 31) and earliest.year == latest.year:
        return str(earliest.year)
    if earliest.year == latest.year:
        return f"{earliest.strftime('%-d %b')} \u2013 {latest.strftime('%-d %b %Y')}"
    return f"{earliest.strftime('%-d %b %Y')} \u2013 {latest.strftime('%-d %b %Y')}"


def coarse_precisions(precisions: Iterable[str]) -> list[str]:
    """Of ``precisions``, those coarser than a day that a paper gives dates to, finest first: ``month``, ``year``."""
    found = set(precisions)
    return [precision for precision in ("month", "year") if precision in found]


def _marked(text: str, made: str | float | None) -> str:
    return text if made == "reported" or pd.isna(made) else f"{text} (date {made})"


def when_text(row: pd.Series) -> str:
    """A record's date as a reader says it, marked where the paper does not give the date."""
    return _marked(format_when(row["date_earliest"], row["date_latest"]), row.get("date_provenance", "reported"))


def when_texts(frame: pd.DataFrame) -> list[str]:
    """:func:`when_text` of every row of ``frame``, without building a Series per row (charts redraw often)."""
    made = frame["date_provenance"] if "date_provenance" in frame else ["reported"] * len(frame)
    return [
        _marked(format_when(a, b), m)
        for a, b, m in zip(frame["date_earliest"], frame["date_latest"], made, strict=True)
    ]


def format_days(earliest: int, latest: int) -> str:
    """A day count or range, such as ``42`` or ``93 to 152``."""
    return f"{earliest}" if earliest == latest else f"{earliest} to {latest}"


def _cycle_text(earliest: int | NAType, latest: int | NAType) -> str:
    """A cycle or range of cycles (``Int64``: ``<NA>`` before the start or after the last cycle)."""
    if pd.isna(earliest) and pd.isna(latest):
        return ""
    if pd.isna(earliest):
        return f"before start or {latest}"
    if pd.isna(latest):
        return f"{earliest} or after the last"
    return format_days(int(earliest), int(latest))


def _first(*values: object) -> object:
    """The first value that is given (not None or NaN)."""
    return next((v for v in values if v is not None and not (isinstance(v, float) and pd.isna(v))), None)


def timeline_table(case: Case, *, reference: str | None = None) -> pd.DataFrame:
    """The dated events in order, with the date as precise as the paper gives it.

    A date the paper does not give is marked (``date illustrative``), as in
    every other table. Columns: event, when, days since the reference event,
    the cycle of each cyclic regimen the event falls in, provenance and the
    paper's words.
    """
    reference = reference or case.reference_event
    events = relative_days(case, case.events, reference=reference)
    table = pd.DataFrame(
        {
            "event": events["label"],
            "when": when_texts(events),
            f"days since {case.event(reference)['label']}": [
                format_days(a, b) for a, b in zip(events["day_earliest"], events["day_latest"], strict=True)
            ],
        }
    )
    for regimen in case.regimens.loc[case.regimens["schedule_kind"] == "cyclic", "id"]:
        cycles = cycle_of(case, case.events, regimen=regimen)
        table[f"{regimen} cycle"] = [
            _cycle_text(a, b) for a, b in zip(cycles["cycle_earliest"], cycles["cycle_latest"], strict=True)
        ]
    table["provenance"] = events["provenance"]
    table["source"] = events["quote"].fillna(events["rule"])
    order = events.sort_values(["date_earliest", "date_latest"], kind="stable").index
    return table.loc[order].reset_index(drop=True)


def regimen_text(regimen: pd.Series) -> str:
    """A regimen as a clinician writes it: drug, dose per dose day, route and schedule."""
    schedule = (
        "daily, continuous"
        if regimen["schedule_kind"] == "continuous"
        else f"days {', '.join(map(str, regimen['dose_days']))} of a {regimen['cycle_length_days']}-day cycle"
    )
    return f"{regimen['drug']} {regimen['dose']:g} {regimen['dose_unit']} {regimen['route']}, {schedule}"


def case_summary(case: Case) -> pd.DataFrame:
    """Patient, diagnosis and regimens as one table of facts with provenance."""
    rows = [
        {
            "fact": r["field"].replace("_", " "),
            "value": r["value"],
            "provenance": r["provenance"],
            "source": _first(r["quote"], r["rule"]),
        }
        for _, r in case.patient.iterrows()
    ]
    diagnosis = case.event(case.diagnosis["event"])
    rows.append(
        {
            "fact": "diagnosis",
            "value": f"{case.diagnosis['name']} ({diagnosis['date_text']})",
            "provenance": case.diagnosis["provenance"],
            "source": case.diagnosis["quote"],
        }
    )
    rows += [
        {
            "fact": "metastatic site",
            "value": f"{m['site']}: {m['detail']}" if _first(m["detail"]) else m["site"],
            "provenance": m["provenance"],
            "source": _first(m["quote"], m["rule"]),
        }
        for _, m in case.metastatic_sites.iterrows()
    ]
    for _, r in case.regimens.iterrows():
        value = regimen_text(r)
        if _first(r["stop"]):
            value += f"; stopped: {r['stop_reason']}"
        rows.append({"fact": "regimen", "value": value, "provenance": r["provenance"], "source": r["quote"]})
    return pd.DataFrame(rows, columns=["fact", "value", "provenance", "source"])


# Superscript digits the figures' font (Liberation Sans) has: it lacks a raised 0 and minus sign.
_SUPERSCRIPTS = dict(zip("123456789", "\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079", strict=True))


def _power_of_ten(power: str) -> str:
    if all(digit in _SUPERSCRIPTS for digit in power):
        return "10" + "".join(_SUPERSCRIPTS[digit] for digit in power)
    return f"10^{power}"


def unit_text(unit: str) -> str:
    """A UCUM unit as clinicians write it: "10*3/uL" is "10\u00b3/\u00b5L", "u[IU]/mL" is "\u00b5IU/mL".

    Cases store units as UCUM spells them (plain ASCII, so that a unit is
    spelt one way); readers expect the typeset form: powers of ten raised
    (``10^-3`` where the font has no raised digit for it), micro as
    \u00b5, no brackets or braces.
    """
    text = re.sub(r"10\*(-?\d+)", lambda power: _power_of_ten(power[1]), unit)
    # UCUM's micro prefix: a u before a unit it scales (uL, umol/L, ug/L, u[IU]/mL), not the u of "units".
    text = re.sub(r"(?<![A-Za-z])u(?=(?:L|g|mol|m|s|eq|kat|U|IU|\[IU\])(?![a-z]))", "\u00b5", text)
    return re.sub(r"[\[\]{}]", "", text)


def quantity_text(value: float, unit: str) -> str:
    """A value as clinicians write it, on one line: "130 U/L", not "130.0 U/L"; "" for no value."""
    return "" if pd.isna(value) else f"{value:g}\u00a0{unit_text(unit)}"


def lab_table(case: Case, loincs: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """The values of ``loincs`` in date order, as a chart of them shows them: the data behind a lab chart.

    Values as clinicians write them (130 U/L), the date as precise as the
    paper gives it, the CTCAE v5.0 grade on treatment, the provenance and the
    paper's words (or the rule of an illustrative value).
    """
    graded = grade_labs(case)
    labs = graded[graded["loinc"].isin(loincs)].sort_values(["date_earliest", "analyte"], kind="stable")
    return pd.DataFrame(
        {
            "analyte": labs["analyte"],
            "when": when_texts(labs),
            "value": [quantity_text(v, u) for v, u in zip(labs["value"], labs["unit"], strict=True)],
            "upper limit": [quantity_text(v, u) for v, u in zip(labs["upper_limit"], labs["unit"], strict=True)],
            "CTCAE v5.0": ["" if pd.isna(g) else f"grade {int(g)}" for g in labs["ctcae_grade"]],
            "provenance": labs["provenance"],
            "paper's words or rule": labs["quote"].fillna(labs["rule"]).fillna(""),
        }
    ).reset_index(drop=True)


def dimensions_text(findings: pd.DataFrame, *, space: str = " ") -> list[str]:
    """Each finding's measured diameters as a reader writes them (94 by 80 by 75 mm, with a multiplication sign).

    "" where the paper gives none.

    ``space`` goes around the multiplication sign and before "mm": a no-break space keeps a cell on one line.
    """
    dims = findings[["dim1_mm", "dim2_mm", "dim3_mm"]]
    return [
        f"{space}\u00d7{space}".join(f"{v:g}" for v in row if pd.notna(v)) + f"{space}mm"
        if any(pd.notna(v) for v in row)
        else ""
        for row in dims.itertuples(index=False)
    ]


def lesions_text(findings: pd.DataFrame) -> pd.Series:
    """Each finding's lesion count, "" where the paper gives none."""
    return findings["lesion_count"].map(lambda n: "" if pd.isna(n) else f"{n:g}")


def imaging_table(case: Case) -> pd.DataFrame:
    """Every imaging finding by staging, in date order: the data behind the imaging chart."""
    stagings = case.events[case.events["kind"] == "staging"].sort_values("date_earliest", kind="stable")
    findings = case.findings.merge(
        stagings[["id", "label", "date_earliest", "date_latest"]], left_on="staging", right_on="id", suffixes=("", "_s")
    )
    findings["order"] = findings["staging"].map({s: n for n, s in enumerate(stagings["id"])})
    findings = findings.sort_values(["order"], kind="stable")
    return pd.DataFrame(
        {
            "staging": [
                format_when(a, b) for a, b in zip(findings["date_earliest_s"], findings["date_latest_s"], strict=True)
            ],
            "modality": findings["modality"],
            "site": findings["site"],
            "change": findings["change"],
            "dimensions": dimensions_text(findings, space="\u00a0"),
            "lesions": lesions_text(findings),
            "finding": findings["description"],
            "provenance": findings["provenance"],
        }
    ).reset_index(drop=True)
