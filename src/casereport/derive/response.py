"""Imaging response per staging, under RECIST 1.1 as the guideline defines its categories.

RECIST 1.1 takes target lesions of at least 10 mm measured on CT or MRI (at
most 5, 2 per organ) and sums their longest diameters: CR, PR, SD or PD from
that sum. Disease that cannot be measured so is non-target and is judged in
words: with no measurable target, a follow-up staging is

- ``PD`` when a new lesion is reported (RECIST 1.1: when it is unequivocal),
- ``non-CR/non-PD`` when the disease is described and no new lesion is,
- ``NE`` (not evaluable) when the staging does not assess the disease.

Every category comes with its reason. Where the paper describes necrosis or
a new lesion, ``mrecist_note`` says what mRECIST for HCC (the viable,
arterially enhancing tumour; a new lesion only when at least 1 cm with the
typical vascular pattern) would need. Each staging can be read against the
baseline and against the last staging before a drug was added
(:func:`response_assessments`).
"""

from __future__ import annotations

import pandas as pd

from casereport.data.case import Case
from casereport.derive.memo import per_case

RECIST_MODALITIES = {"CT", "MRI", "PET-CT"}
MIN_TARGET_MM = 10.0
MAX_TARGETS, MAX_PER_ORGAN = 5, 2
MRECIST_NOTE = "mRECIST would need the viable, enhancing diameter, which is not given"
MRECIST_NEW_LESION = (
    "mRECIST counts a new lesion in HCC only when it is at least 1 cm with the typical vascular pattern"
    " (arterial hyperenhancement with washout)"
)
NON_CR_NON_PD = "non-CR/non-PD"
RESPONSE_COLUMNS = [
    "staging",
    "label",
    "date_text",
    "anchor",
    "anchor_offset_days",
    "date_earliest",
    "date_latest",
    "compared_with",
    "sum_mm",
    "change_from_baseline_pct",
    "change_from_nadir_pct",
    "new_lesion",
    "category",
    "reason",
    "mrecist_note",
]


def _longest(row: pd.Series) -> float:
    return row[["dim1_mm", "dim2_mm", "dim3_mm"]].max()


def _stagings(case: Case) -> pd.DataFrame:
    with_findings = case.events[case.events["id"].isin(case.findings["staging"])]
    return with_findings.sort_values(["date_earliest", "date_latest"], kind="stable")


def target_lesions(case: Case, reference: str | None = None) -> pd.DataFrame:
    """The findings at ``reference`` (the first staging by default) that RECIST 1.1 would take as targets."""
    stagings = _stagings(case)
    if stagings.empty:
        return case.findings.iloc[0:0]
    reference = reference or stagings.iloc[0]["id"]
    baseline = case.findings[case.findings["staging"] == reference].copy()
    baseline["longest_mm"] = baseline.apply(_longest, axis=1) if not baseline.empty else pd.Series(dtype=float)
    eligible = baseline[
        baseline["modality"].isin(RECIST_MODALITIES)
        & (baseline["longest_mm"] >= MIN_TARGET_MM)
        & (baseline["lesion_count"] == 1)
    ].sort_values("longest_mm", ascending=False)
    return eligible.groupby("site_kind", sort=False).head(MAX_PER_ORGAN).head(MAX_TARGETS)


def _why_no_targets(case: Case, reference: str) -> str:
    findings = case.findings[case.findings["staging"] == reference]
    measured = findings[findings[["dim1_mm", "dim2_mm", "dim3_mm"]].notna().any(axis=1)]
    if measured.empty:
        return "no lesion was measured"
    modalities = ", ".join(sorted(set(measured["modality"])))
    return f"the measured lesions were measured by {modalities}, which RECIST 1.1 does not accept (CT or MRI only)"


def _new_lesions(findings: pd.DataFrame) -> pd.DataFrame:
    return findings[findings["new_lesion"].fillna(False).astype(bool)]


def _new_lesion_reason(new: pd.DataFrame) -> str:
    words = "; ".join(f"\u201c{q}\u201d" for q in dict.fromkeys(new["quote"].dropna()))
    return f"new lesion reported ({words}): progression under RECIST 1.1, which counts a new lesion when unequivocal"


def is_hcc(case: Case) -> bool:
    """mRECIST is for hepatocellular carcinoma: its notes appear only for such a case."""
    name = str(case.diagnosis.get("name", "")).lower()
    return "hepatocellular" in name or "hcc" in name.split()


def _mrecist_note(findings: pd.DataFrame, hcc: bool) -> str:
    notes = []
    necrosis = findings["necrosis"].dropna()
    if not necrosis.empty:
        notes.append(
            f"necrosis described ({'; '.join(necrosis)}): "
            + (
                MRECIST_NOTE
                if hcc
                else "RECIST 1.1 measures size only, so a necrotic lesion that keeps its size is not smaller"
            )
        )
    new = _new_lesions(findings)
    if hcc and not new.empty:
        sized = new[new[["dim1_mm", "dim2_mm", "dim3_mm"]].max(axis=1) >= MIN_TARGET_MM]
        enhancing = new["enhancement"].notna()
        if sized.empty or not enhancing.any():
            notes.append(f"{MRECIST_NEW_LESION}; the paper gives neither size nor pattern for this one")
    return "; ".join(notes)


def _unassessed(findings: pd.DataFrame) -> bool:
    """True when no finding at a staging says anything about how the disease changed."""
    return bool(findings.empty or (findings["change"].isin(["not stated"]) & findings["new_lesion"].isna()).all())


def recist_response(case: Case, *, reference: str | None = None) -> pd.DataFrame:
    """One row per staging from ``reference`` on (the first staging by default): the RECIST 1.1 category and why.

    The reference staging's row has category ``baseline``; with measurable
    targets its ``sum_mm`` is their sum, and later rows give the change from
    it and from the smallest sum since (the nadir).
    """
    stagings = _stagings(case)
    if stagings.empty:
        return pd.DataFrame(columns=RESPONSE_COLUMNS)
    reference = reference or stagings.iloc[0]["id"]
    if reference not in set(stagings["id"]):
        raise KeyError(f"'{reference}' is not a staging with findings in case '{case.case_id}'")
    stagings = stagings.iloc[list(stagings["id"]).index(reference) :]
    targets = target_lesions(case, reference)
    hcc = is_hcc(case)
    rows = []
    nadir = baseline_sum = None
    for number, (_, staging) in enumerate(stagings.iterrows()):
        findings = case.findings[case.findings["staging"] == staging["id"]]
        new = _new_lesions(findings)
        row = {
            "staging": staging["id"],
            "label": staging["label"],
            "date_text": staging["date_text"],
            "date_earliest": staging["date_earliest"],
            "date_latest": staging["date_latest"],
            "anchor": staging["anchor"],
            "anchor_offset_days": staging["anchor_offset_days"],
            "compared_with": reference,
            "sum_mm": None,
            "change_from_baseline_pct": None,
            "change_from_nadir_pct": None,
            "new_lesion": not new.empty,
            "category": None,
            "reason": "",
            "mrecist_note": _mrecist_note(findings, hcc),
        }
        if number == 0:
            row["category"] = "baseline"
            if targets.empty:
                row["reason"] = (
                    f"no measurable target lesion ({_why_no_targets(case, reference)}): all disease is non-target,"
                    " so later stagings can only be CR, non-CR/non-PD, PD or NE"
                )
            else:
                baseline_sum = nadir = float(targets["longest_mm"].sum())
                row["sum_mm"] = baseline_sum
                row["reason"] = f"{len(targets)} target lesion(s), sum of longest diameters {baseline_sum:g} mm"
            rows.append(row)
            continue
        if baseline_sum is None:
            row["category"], row["reason"] = _non_target_category(findings, new)
            rows.append(row)
            continue
        measured = findings[findings["site"].isin(targets["site"]) & findings["modality"].isin(RECIST_MODALITIES)]
        measured = measured.assign(longest_mm=measured.apply(_longest, axis=1)) if not measured.empty else measured
        complete = (
            not measured.empty
            and set(measured["site"]) >= set(targets["site"])
            and measured["longest_mm"].notna().all()
        )
        if not complete:
            if not new.empty:
                row["category"], row["reason"] = "PD", _new_lesion_reason(new)
            else:
                row["category"] = "NE"
                row["reason"] = "not evaluable: the target lesions were not all measured on CT or MRI at this staging"
            rows.append(row)
            continue
        total = float(measured["longest_mm"].sum())
        assert nadir is not None
        row["sum_mm"] = total
        row["change_from_baseline_pct"] = 100 * (total - baseline_sum) / baseline_sum
        row["change_from_nadir_pct"] = 100 * (total - nadir) / nadir if nadir else None
        grew = total - nadir >= 5 and (nadir == 0 or 100 * (total - nadir) / nadir >= 20)
        if not new.empty:
            row["category"], row["reason"] = "PD", _new_lesion_reason(new)
        elif grew:
            row["category"] = "PD"
            row["reason"] = f"sum {total:g} mm, up at least 20% and 5 mm over the smallest sum ({nadir:g} mm)"
        elif total == 0:
            row["category"], row["reason"] = "CR", "every target lesion gone"
        elif row["change_from_baseline_pct"] <= -30:
            row["category"] = "PR"
            row["reason"] = f"sum {total:g} mm, {row['change_from_baseline_pct']:.0f}% from {baseline_sum:g} mm"
        else:
            row["category"] = "SD"
            row["reason"] = (
                f"sum {total:g} mm, {row['change_from_baseline_pct']:+.0f}% from {baseline_sum:g} mm:"
                " neither 30% smaller nor 20% larger than the smallest sum"
            )
        nadir = min(nadir, total)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    for column in ("sum_mm", "change_from_baseline_pct", "change_from_nadir_pct"):
        frame[column] = frame[column].astype("float64")
    return frame


def _non_target_category(findings: pd.DataFrame, new: pd.DataFrame) -> tuple[str, str]:
    """RECIST 1.1 for a staging with non-target disease only."""
    if not new.empty:
        return "PD", _new_lesion_reason(new)
    if _unassessed(findings):
        return "NE", "not evaluable: no finding at this staging says how the disease changed"
    increased = findings[findings["change"] == "increased"]
    said = "; ".join(dict.fromkeys(findings.loc[findings["change"] != "not stated", "description"]))
    reason = f"non-target disease only, described as: {said}"
    if not increased.empty:
        reason += "; PD instead if the growth of non-target disease was unequivocal, which the words do not say"
    # new_lesion is tri-state: False (none found) is not missing (not said).
    looked = findings["new_lesion"].eq(False).any()
    reason += "; no new lesion found" if looked else "; no new lesion reported (the paper does not say one was sought)"
    return NON_CR_NON_PD, reason


@per_case
def response_assessments(case: Case) -> pd.DataFrame:
    """RECIST 1.1 against the baseline, and against the last staging before each drug added later.

    The added drug's response is read from the staging before its start (for
    the seed case, the 6-week staging before panobinostat), over the stagings
    that follow its start; ``compared_with`` names the reference and
    ``regimen`` the drug whose effect the row reads.
    """
    first = recist_response(case).assign(regimen="all treatment")
    progressed = first.index[first["category"] == "PD"]
    if len(progressed):
        # RECIST ends a response assessment at progression; later rows describe, they do not assess.
        at = str(first.at[progressed[0], "label"])
        after = first.index > progressed[0]
        first.loc[after, "reason"] = first.loc[after, "reason"] + (
            f"; after progression at \u201c{at}\u201d, a category against the first baseline only describes:"
            " a treatment begun after it is read from the scan before its start"
        )
    parts = [first]
    stagings = _stagings(case)
    starts = case.events[case.events["id"].isin(case.regimens["start"])].sort_values("date_earliest")
    for _, start in starts.iloc[1:].iterrows():
        before = stagings[stagings["date_earliest"] < start["date_latest"]]
        after = stagings[stagings["date_earliest"] > start["date_latest"]]
        if len(before) < 2 or after.empty:
            continue
        drug = case.regimens.loc[case.regimens["start"] == start["id"], "drug"].iloc[0]
        reference = before.iloc[-1]["id"]
        read = recist_response(case, reference=reference)
        read = read[read["staging"].isin(after["id"]) | (read["staging"] == reference)]
        parts.append(read.assign(regimen=f"{drug} added"))
    return pd.concat(parts, ignore_index=True)
