"""The case's analytes against casereport's catalogue: LOINC codes it knows, units that fit them, and the
analytes a case declares itself (``own_analytes.csv``) because the catalogue lacks them.

A wrong LOINC code is worse than none: a code the catalogue does not know is
an error until the case declares it, with LOINC's own name for it and a check
digit that holds, and a declared code may not contradict the catalogue.
"""

from __future__ import annotations

import re

from casereport.data.catalogue import Analyte, known_analytes, loinc_code_problem, nearest_analytes
from casereport.data.read import CaseReader, Located
from casereport.data.schema import OWN_ANALYTES, AnalyteRecord, LabRecord, OwnAnalyteRecord

ANALYTES = "analytes.csv"
HOW_TO_DECLARE = (
    f"if the code is right and casereport's catalogue lacks it, move the row to {OWN_ANALYTES} and add LOINC's name"
    " for the code in 'loinc_name' (docs/add-your-case.md)"
)


def _described(analyte: Analyte) -> str:
    return f"{analyte.loinc} {analyte.name} ({' or '.join(analyte.units)})"


def unknown_code_hint(code: str, name: str | None = None) -> str:
    """The catalogue's codes nearest to an unknown one, and how a case declares an analyte the catalogue lacks."""
    near = nearest_analytes(code, name)
    known = f"nearest known: {'; '.join(_described(a) for a in near)}" if near else ""
    slip = loinc_code_problem(code)
    if slip is not None:  # a typing slip: the code cannot be right, so declaring it is no way out
        return "; ".join(filter(None, (slip, known)))
    return "; ".join(filter(None, (known, HOW_TO_DECLARE)))


# UCUM writes micro as 'u', powers of ten as 10*9, and no spaces: what a paper's typesetting gives instead.
_UCUM_SLIPS = (
    (re.compile(r"[µμ]"), "UCUM writes micro as 'u' (umol/L, ug/L)"),
    (re.compile("\\^|[x\u00d7]\\s*10|10e"), "UCUM writes powers of ten as 10*9/L or 10*3/uL"),
    (re.compile(r"\s"), "a UCUM unit has no spaces"),
    (re.compile(r"[^\x21-\x7e]"), "a UCUM unit is plain ASCII"),
)


def ucum_slip(unit: str) -> str | None:
    """How ``unit`` departs from UCUM's spelling, where the slip is a common one; ``None`` otherwise.

    Not a full UCUM parser: it catches what a unit copied from a paper most
    often carries (µ, x10^9, spaces), since a unit spelt two ways is two units.
    """
    for pattern, advice in _UCUM_SLIPS:
        if pattern.search(unit):
            return advice
    return None


def check_analytes(
    reader: CaseReader,
    analytes: dict[str, Located],
    own: dict[str, Located] | None,
    labs: dict[str, Located],
) -> None:
    """LOINC codes the catalogue knows (or the case declares), with units that fit them, in every file.

    ``own`` is ``None`` when own_analytes.csv could not be read: a lab's code
    may then be declared there, so a code the catalogue lacks is not called
    unknown until the file reads.
    """
    catalogue = known_analytes()
    for item in analytes.values():
        a: AnalyteRecord = item.record
        if a.loinc not in catalogue:
            reader.add(
                ANALYTES,
                item.row,
                item.line,
                "loinc",
                f"unknown LOINC code '{a.loinc}'",
                hint=unknown_code_hint(a.loinc, a.name),
            )
        elif a.unit not in catalogue[a.loinc].units:
            reader.add(
                ANALYTES,
                item.row,
                item.line,
                "unit",
                f"'{a.unit}' does not fit {catalogue[a.loinc].name} (LOINC {a.loinc})",
                hint=_unit_hint(a.loinc, a.unit),
            )
    _check_own(reader, own or {}, analytes, catalogue)
    limits = {
        **{k: (ANALYTES, v) for k, v in analytes.items()},
        **{k: (OWN_ANALYTES, v) for k, v in (own or {}).items()},
    }
    for item in labs.values():
        lab: LabRecord = item.record
        if lab.loinc not in catalogue and own is not None and lab.loinc not in own:
            reader.add(
                "labs.csv",
                item.row,
                item.line,
                "loinc",
                f"unknown LOINC code '{lab.loinc}'",
                hint=unknown_code_hint(lab.loinc),
            )
        elif lab.loinc in limits and lab.unit != limits[lab.loinc][1].record.unit:
            file, analyte = limits[lab.loinc][0], limits[lab.loinc][1].record
            fits = lab.loinc in catalogue and lab.unit in catalogue[lab.loinc].units
            reader.add(
                "labs.csv",
                item.row,
                item.line,
                "unit",
                f"'{lab.unit}' "
                + ("differs from the unit of its reference limits" if fits else "does not fit")
                + f" {analyte.name if file == OWN_ANALYTES else catalogue[lab.loinc].name}; {file} gives '{analyte.unit}'",
                hint="give the value in the unit of its reference limits (convert it, and say so in 'rule')",
            )


def _unit_hint(loinc: str, unit: str) -> str:
    """The units that fit a code, and the catalogue's code for the same analyte in ``unit`` where there is one."""
    catalogue = known_analytes()
    analyte = catalogue[loinc]
    other = [
        a
        for a in catalogue.values()
        if a.loinc != loinc and unit in a.units and set(a.also_called) & set(analyte.also_called)
    ]
    hint = f"use {' or '.join(analyte.units)}"
    if other:
        hint += f"; for values in {unit} the LOINC code is {' or '.join(a.loinc for a in other)} ({other[0].name})"
    return hint


def _check_own(
    reader: CaseReader, own: dict[str, Located], analytes: dict[str, Located], catalogue: dict[str, Analyte]
) -> None:
    """An analyte the case declares: a code LOINC could have issued, that the catalogue lacks, in a UCUM unit."""
    for item in own.values():
        a: OwnAnalyteRecord = item.record
        problem = loinc_code_problem(a.loinc)
        if problem is not None:
            reader.add(
                OWN_ANALYTES,
                item.row,
                item.line,
                "loinc",
                problem,
                hint="copy the code from loinc.org; a typing slip changes the check digit",
            )
        elif a.loinc in catalogue:
            known = catalogue[a.loinc]
            if a.unit in known.units:
                reason = f"LOINC {a.loinc} is in casereport's catalogue ({known.name}); it needs no declaring"
                hint = f"move the row to {ANALYTES} and drop its 'loinc_name'"
            else:
                reason = (
                    f"LOINC {a.loinc} is {known.name} in casereport's catalogue, measured in"
                    f" {' or '.join(known.units)}, not '{a.unit}'"
                )
                hint = _unit_hint(a.loinc, a.unit) + f"; then move the row to {ANALYTES}"
            reader.add(OWN_ANALYTES, item.row, item.line, "loinc", reason, hint=hint)
        if a.loinc in analytes:
            reader.add(
                OWN_ANALYTES,
                item.row,
                item.line,
                "loinc",
                f"LOINC {a.loinc} is given in {ANALYTES} too",
                hint="give an analyte once, in one of the two files",
            )
        slip = ucum_slip(a.unit)
        if slip is not None:
            reader.add(OWN_ANALYTES, item.row, item.line, "unit", f"'{a.unit}' is not a UCUM unit", hint=slip)


__all__ = ["check_analytes", "ucum_slip", "unknown_code_hint"]
