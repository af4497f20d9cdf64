"""Imaging response per staging, under RECIST 1.1 where the measurements allow.

RECIST 1.1 takes target lesions of at least 10 mm measured on CT or MRI (at
most 5, 2 per organ) and sums their longest diameters. Where that is not
possible the result says why, rather than inventing a number; where the paper
describes necrosis, it says that mRECIST would need the viable part.
"""

from __future__ import annotations

import pandas as pd

from .case import Case

RECIST_MODALITIES = {"CT", "MRI", "PET-CT"}
MIN_TARGET_MM = 10.0
MAX_TARGETS, MAX_PER_ORGAN = 5, 2
MRECIST_NOTE = "mRECIST would need the viable, enhancing diameter, which is not given"
RESPONSE_COLUMNS = [
    "staging",
    "label",
    "date_text",
    "anchor",
    "anchor_offset_days",
    "date_earliest",
    "date_latest",
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


def target_lesions(case: Case) -> pd.DataFrame:
    """The baseline findings RECIST 1.1 would take as targets."""
    stagings = _stagings(case)
    if stagings.empty:
        return case.findings.iloc[0:0]
    baseline = case.findings[case.findings["staging"] == stagings.iloc[0]["id"]].copy()
    baseline["longest_mm"] = baseline.apply(_longest, axis=1)
    eligible = baseline[
        baseline["modality"].isin(RECIST_MODALITIES)
        & (baseline["longest_mm"] >= MIN_TARGET_MM)
        & (baseline["lesion_count"] == 1)
    ].sort_values("longest_mm", ascending=False)
    eligible = eligible.groupby("site_kind", sort=False).head(MAX_PER_ORGAN).head(MAX_TARGETS)
    return eligible


def _stagings(case: Case) -> pd.DataFrame:
    with_findings = case.events[case.events["id"].isin(case.findings["staging"])]
    return with_findings.sort_values(["date_earliest", "date_latest"], kind="stable")


def _why_no_targets(case: Case, baseline_id: str) -> str:
    baseline = case.findings[case.findings["staging"] == baseline_id]
    measured = baseline[baseline[["dim1_mm", "dim2_mm", "dim3_mm"]].notna().any(axis=1)]
    if measured.empty:
        return "no lesion was measured at baseline"
    modalities = ", ".join(sorted(set(measured["modality"])))
    return (
        f"no target lesion at baseline: the measured lesions were measured by {modalities}, "
        "which RECIST 1.1 does not accept (CT or MRI only)"
    )


def recist_response(case: Case) -> pd.DataFrame:
    """One row per staging: sum of diameters, change, RECIST 1.1 category, and why where none."""
    stagings = _stagings(case)
    targets = target_lesions(case)
    rows = []
    nadir = None
    baseline_sum = None
    for number, (_, staging) in enumerate(stagings.iterrows()):
        findings = case.findings[case.findings["staging"] == staging["id"]]
        new = bool(findings["new_lesion"].fillna(False).astype(bool).any())
        necrosis = findings["necrosis"].dropna()
        row = {
            "staging": staging["id"],
            "label": staging["label"],
            "date_text": staging["date_text"],
            "date_earliest": staging["date_earliest"],
            "date_latest": staging["date_latest"],
            "anchor": staging["anchor"],
            "anchor_offset_days": staging["anchor_offset_days"],
            "sum_mm": None,
            "change_from_baseline_pct": None,
            "change_from_nadir_pct": None,
            "new_lesion": new,
            "category": None,
            "reason": "",
            "mrecist_note": (
                f"necrosis described ({'; '.join(necrosis)}): {MRECIST_NOTE}" if not necrosis.empty else ""
            ),
        }
        if number == 0:
            if targets.empty:
                row["reason"] = _why_no_targets(case, staging["id"])
            else:
                baseline_sum = nadir = float(targets["longest_mm"].sum())
                row["sum_mm"] = baseline_sum
                row["category"] = "baseline"
            rows.append(row)
            continue
        measured = findings[findings["site"].isin(targets["site"]) & findings["modality"].isin(RECIST_MODALITIES)]
        measured = measured.assign(longest_mm=measured.apply(_longest, axis=1)) if not measured.empty else measured
        complete = (
            baseline_sum is not None
            and not measured.empty
            and set(measured["site"]) >= set(targets["site"])
            and measured["longest_mm"].notna().all()
        )
        if complete:
            total = float(measured["longest_mm"].sum())
            row["sum_mm"] = total
            row["change_from_baseline_pct"] = 100 * (total - baseline_sum) / baseline_sum
            row["change_from_nadir_pct"] = 100 * (total - nadir) / nadir
            grew = total - nadir >= 5 and row["change_from_nadir_pct"] >= 20
            if new or grew:
                row["category"] = "PD"
                row["reason"] = "new lesion" if new else "sum up at least 20% and 5 mm over the nadir"
            elif total == 0:
                row["category"] = "CR"
            elif row["change_from_baseline_pct"] <= -30:
                row["category"] = "PR"
            else:
                row["category"] = "SD"
            nadir = min(nadir, total)
        elif new:
            row["category"] = "PD"
            row["reason"] = "new lesion reported; a new lesion is progression whatever the measurements"
        else:
            row["category"] = "NE"
            row["reason"] = (
                _why_no_targets(case, stagings.iloc[0]["id"])
                if baseline_sum is None
                else "the target lesions were not all measured on CT or MRI at this staging"
            )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    for column in ("sum_mm", "change_from_baseline_pct", "change_from_nadir_pct"):
        frame[column] = frame[column].astype("float64")
    return frame
