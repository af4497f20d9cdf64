"""The reference tables casereport knows: LOINC analytes, CTCAE v5.0 rules, and clinical groupings.

Read from ``reference/*.csv`` inside the package (``importlib.resources``),
so they travel with an installed wheel.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, get_args

# The clinical panels an analyte belongs to, as a laboratory request groups them. The figures and the
# dashboard give the liver enzymes one view together and each tumour marker a view of its own
# (derive/panels.py); a case declares the panel of an analyte the catalogue lacks (own_analytes.csv).
Panel = Literal[
    "liver enzymes",
    "liver function",
    "pancreatic enzymes",
    "coagulation",
    "blood count",
    "kidney function",
    "electrolytes",
    "inflammation",
    "thyroid function",
    "tumour marker",
]
PANELS: tuple[Panel, ...] = get_args(Panel)


def _reference(name: str) -> list[dict[str, str]]:
    text = resources.files("casereport.data").joinpath("reference", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Analyte:
    """An analyte this package knows: its LOINC code, the UCUM units that fit it, and typical adult limits.

    ``loinc_name`` is LOINC's long common name, to check a code against;
    ``panel`` the clinical panel it is requested in (``None`` for one that
    stands alone, such as LDH); ``also_called`` the names and abbreviations papers use (GOT, CEA), by
    which a wrong code finds the right one. ``typical_lower`` and
    ``typical_upper`` are typical adult reference limits in the first unit,
    for orientation only (``typical_note`` says where they differ by sex or
    method): a case gives the limits its paper or laboratory used.
    """

    loinc: str
    name: str
    units: tuple[str, ...]
    loinc_name: str = ""
    panel: Panel | None = None
    also_called: tuple[str, ...] = ()
    typical_lower: float | None = None
    typical_upper: float | None = None
    typical_note: str = ""


def _number(text: str) -> float | None:
    return float(text) if text else None


def _panel(text: str, loinc: str) -> Panel | None:
    """A panel's name from the reference table; a name not in ``PANELS`` is a slip in the table, not a new panel."""
    if not text:
        return None
    if text not in PANELS:
        raise ValueError(f"analytes.csv: LOINC {loinc} names the panel '{text}'; the panels are {', '.join(PANELS)}")
    return text


@cache
def known_analytes() -> dict[str, Analyte]:
    """The LOINC codes casereport knows, with the units that fit each."""
    return {
        r["loinc"]: Analyte(
            loinc=r["loinc"],
            name=r["name"],
            units=tuple(r["units"].split("|")),
            loinc_name=r["loinc_name"],
            panel=_panel(r["panel"], r["loinc"]),
            also_called=tuple(n for n in r["also_called"].split("|") if n),
            typical_lower=_number(r["typical_lower"]),
            typical_upper=_number(r["typical_upper"]),
            typical_note=r["typical_note"],
        )
        for r in _reference("analytes.csv")
    }


_LOINC_SHAPE = re.compile(r"^(\d{1,7})-(\d)$")


def loinc_check_digit(number: str) -> int:
    """The check digit LOINC puts after the hyphen (its Mod 10 algorithm, as Luhn's): 2039 -> 6."""
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def loinc_code_problem(code: str) -> str | None:
    """Why ``code`` cannot be a LOINC code (its shape, or its check digit), or ``None`` when it can be.

    A mistyped digit or two swapped digits fail the check digit, so a code that
    passes is at least a code LOINC could have issued; only loinc.org says
    whether it names what the paper measured.
    """
    shape = _LOINC_SHAPE.match(code)
    if shape is None:
        return f"'{code}' is not shaped like a LOINC code (digits, a hyphen and a check digit, as 2039-6)"
    number, check = shape.groups()
    expected = loinc_check_digit(number)
    if int(check) != expected:
        return f"'{code}' is not a LOINC code: its check digit would be {expected} ({number}-{expected})"
    return None


def panel_members(panel: Panel) -> tuple[str, ...]:
    """The catalogue's LOINC codes in ``panel``, in the catalogue's order."""
    return tuple(loinc for loinc, analyte in known_analytes().items() if analyte.panel == panel)


# The codes of the bundled case's Figure 5, kept for the teaching notebooks and older code. The figures and
# the dashboard do not use them: they choose from the case's own panels (derive/panels.py).
LIVER_ENZYMES = panel_members("liver enzymes")
AFP = "1834-1"


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^\w.-]+", text.casefold()) if w}


def nearest_analytes(code: str, name: str | None = None, *, limit: int = 3) -> list[Analyte]:
    """The catalogue's analytes nearest to an unknown ``code`` (and the ``name`` the case gives it).

    The code with its check digit put right, and the analytes the name names
    (GOT, CEA, "total bilirubin"), are all a hint needs; without them, the
    codes that differ from ``code`` by a typing slip.
    """
    catalogue = known_analytes()
    scores: dict[str, int] = {}
    if name:
        wanted, given = name.casefold().strip(), _words(name)
        for analyte in catalogue.values():
            for alias in (analyte.name, *analyte.also_called):
                if alias.casefold() == wanted:
                    score = 100
                elif len(alias) >= 3 and _words(alias) <= given:  # "CA 19-9 (serum)"; not "K" in "vitamin K"
                    score = len(_words(alias))
                else:
                    continue
                scores[analyte.loinc] = max(score, scores.get(analyte.loinc, 0))
    named = sorted(scores, key=lambda loinc: -scores[loinc])
    shape = _LOINC_SHAPE.match(code)
    corrected = f"{shape.group(1)}-{loinc_check_digit(shape.group(1))}" if shape else None
    strong = [*([corrected] if corrected in catalogue else []), *named]
    if strong:  # the code with its check digit put right, or the analyte the name names: nothing else is near
        return [catalogue[c] for c in dict.fromkeys(strong)][:limit]
    return [catalogue[c] for c in difflib.get_close_matches(code, list(catalogue), n=limit, cutoff=0.6)]


@dataclass(frozen=True)
class Plausible:
    """The values of an analyte in a unit that a case may hold: outside the warning bounds a value is
    reported as unusual; above ``error_above`` it cannot be a human value (or a unit is wrong)."""

    warn_below: float | None
    warn_above: float
    error_above: float


@cache
def plausible_ranges() -> dict[tuple[str, str], Plausible]:
    """Plausible values by (LOINC code, unit)."""
    return {
        (r["loinc"], r["unit"]): Plausible(
            float(r["warn_below"]) if r["warn_below"] else None, float(r["warn_above"]), float(r["error_above"])
        )
        for r in _reference("plausibility.csv")
    }


@cache
def ctcae_rules() -> dict[str, dict[str, str]]:
    """CTCAE v5.0 grading rules by LOINC code."""
    return {row["loinc"]: row for row in _reference("ctcae.csv")}


# CTCAE v5.0 terms for abnormal laboratory values (Investigations, and the metabolic
# and blood terms defined by a lab value): what "serologic" or "laboratory" claims speak of.
LABORATORY_TERMS = frozenset(
    {
        "Alanine aminotransferase increased",
        "Aspartate aminotransferase increased",
        "GGT increased",
        "Blood bilirubin increased",
        "Alkaline phosphatase increased",
        "Creatinine increased",
        "INR increased",
        "White blood cell decreased",
        "Neutrophil count decreased",
        "Lymphocyte count decreased",
        "Platelet count decreased",
        "Anemia",
        "Hypoalbuminemia",
        "Hypocalcemia",
        "Hypercalcemia",
        "Hypokalemia",
        "Hyponatremia",
        "Hypomagnesemia",
        "Hypophosphatemia",
    }
)
