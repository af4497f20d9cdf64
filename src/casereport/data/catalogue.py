"""The reference tables casereport knows: LOINC analytes, CTCAE v5.0 rules, and clinical groupings.

Read from ``reference/*.csv`` inside the package (``importlib.resources``),
so they travel with an installed wheel.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

# LOINC codes the figures and lessons single out: the transaminases and gamma-GT, and alpha-fetoprotein.
LIVER_ENZYMES = ("1920-8", "1742-6", "2324-2")
AFP = "1834-1"


def _reference(name: str) -> list[dict[str, str]]:
    text = resources.files("casereport.data").joinpath("reference", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Analyte:
    """An analyte this package knows: its LOINC code and the UCUM units that fit it."""

    loinc: str
    name: str
    units: tuple[str, ...]


def known_analytes() -> dict[str, Analyte]:
    """The LOINC codes casereport knows, with the units that fit each."""
    rows = _reference("analytes.csv")
    return {r["loinc"]: Analyte(r["loinc"], r["name"], tuple(r["units"].split("|"))) for r in rows}


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
