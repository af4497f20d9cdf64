"""Which of a case's analytes the figures and the dashboard single out: its tumour markers and its liver enzymes.

A colorectal cancer is followed by CEA, a pancreatic one by CA 19-9, a
hepatocellular carcinoma by AFP: whichever marker a case has gets a view of
its own, where a log scale shows a fall from the hundreds to single digits as
plainly as a rise. The liver enzymes share one view, and a case without them
has none. Each analyte's panel comes from the catalogue, or from the case for
an analyte it declares itself (``own_analytes.csv``): nothing here knows a code.
"""

from __future__ import annotations

import re

from casereport.data.case import Case
from casereport.data.catalogue import Panel, known_analytes
from casereport.derive.tables import quantity_text, when_texts

# The specimen a catalogue name ends with: a chart's title names the analyte, its unit says the rest.
_SPECIMEN = re.compile(r" (?:in|of) (?:serum|plasma|blood)\b")


def panel_analytes(case: Case, panel: Panel) -> list[str]:
    """The LOINC codes of the case's analytes in ``panel`` that have values, in the order the case lists them."""
    with_values = set(case.labs["loinc"])
    listed = case.analytes.loc[case.analytes["panel"] == panel, "loinc"]
    return [loinc for loinc in listed if loinc in with_values]


def tumour_markers(case: Case) -> list[str]:
    """The case's tumour markers with values: each gets a figure and a dashboard view of its own."""
    return panel_analytes(case, "tumour marker")


def liver_enzymes(case: Case) -> list[str]:
    """The case's liver enzymes with values (GOT, GPT, gamma-GT, ALP): they share one figure and view."""
    return panel_analytes(case, "liver enzymes")


def liver_enzymes_title(case: Case) -> str:
    """The liver enzymes' figure title, as what it draws: "Liver enzymes" for several, an enzyme's own title
    ("Alanine aminotransferase (ALT; GPT)") for a case with one."""
    enzymes = liver_enzymes(case)
    return analyte_title(case, enzymes[0]) if len(enzymes) == 1 else "Liver enzymes"


def shared_view_analytes(case: Case) -> list[str]:
    """The analytes with values that the shared lab view may show: all but the tumour markers, which have their own."""
    markers = set(tumour_markers(case))
    return [loinc for loinc in dict.fromkeys(case.labs["loinc"]) if loinc not in markers]


def default_lab_view(case: Case) -> tuple[str, ...]:
    """What the shared lab view shows unless asked: the liver enzymes, else the first analyte it may show."""
    return tuple(liver_enzymes(case)) or tuple(shared_view_analytes(case)[:1])


def analyte_title(case: Case, loinc: str) -> str:
    """An analyte as a figure's title names it: the catalogue's name without its specimen
    ("Carcinoembryonic antigen (CEA)"), or the case's own name for an analyte it declares."""
    known = known_analytes().get(loinc)
    if known is not None:
        return _SPECIMEN.sub("", known.name)
    return analyte_name(case, loinc)


def analyte_name(case: Case, loinc: str) -> str:
    """An analyte's name as the case gives it (AFP, CEA): what its checkbox, axis and scale toggle say."""
    names = case.analytes.set_index("loinc")["name"]
    return str(names[loinc]) if loinc in names.index else loinc


def analyte_slug(case: Case, loinc: str) -> str:
    """The case's name for an analyte as a file name or a link's key takes it: "CA 19-9" is ``ca_19_9``."""
    return re.sub(r"[^0-9a-z]+", "_", analyte_name(case, loinc).casefold()).strip("_") or loinc.replace("-", "_")


def off_log_scale(case: Case, loinc: str) -> list[str]:
    """The analyte's values a log scale has no place for (zero: a marker below detection, as a paper may give
    it), as a reader reads them: "0 ng/mL in Jan 2010". A chart on a log scale would leave them out unsaid."""
    values = case.labs[(case.labs["loinc"] == loinc) & (case.labs["value"] <= 0)]
    return [
        f"{quantity_text(value, unit)} in {when}"
        for value, unit, when in zip(values["value"], values["unit"], when_texts(values), strict=True)
    ]


def log_scale_note(case: Case, loinc: str) -> str | None:
    """Why the analyte is not drawn on a log scale, when it cannot be: its values a log scale has no place for."""
    off = off_log_scale(case, loinc)
    return f"a log scale cannot show {analyte_name(case, loinc)} {', '.join(off)}" if off else None
