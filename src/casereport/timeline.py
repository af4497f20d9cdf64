"""Time on the case's own axis: days since a reference event, and cycles.

Two dates that hang from the same event by stated offsets (a staging "6 weeks
after treatment start") are an exact number of days apart even when that
event is known only to the month. Other pairs give a range of days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .case import Case


def _reference(case: Case, reference: str | None) -> pd.Series:
    return case.event(reference or case.reference_event)


def relative_days(case: Case, frame: pd.DataFrame, *, reference: str | None = None) -> pd.DataFrame:
    """``frame`` with ``day_earliest`` and ``day_latest``: days since ``reference``.

    ``reference`` is an event id, the case's reference event by default (for
    the seed case, the start of sorafenib). A date that is exactly known
    relative to the reference gives equal bounds.
    """
    ref = _reference(case, reference)
    same_chain = frame["anchor"] == ref["anchor"]
    exact = frame["anchor_offset_days"] - ref["anchor_offset_days"]
    earliest = (frame["date_earliest"] - ref["date_latest"]).dt.days
    latest = (frame["date_latest"] - ref["date_earliest"]).dt.days
    out = frame.copy()
    out["day_earliest"] = np.where(same_chain, exact, earliest).astype(int)
    out["day_latest"] = np.where(same_chain, exact, latest).astype(int)
    return out


def cycle_of(case: Case, frame: pd.DataFrame, *, regimen: str) -> pd.DataFrame:
    """``frame`` with ``cycle_earliest`` and ``cycle_latest`` of a cyclic ``regimen``.

    A date before the regimen's start, or after its last possible cycle, has
    no cycle (``<NA>``); a range of dates may fall in a range of cycles.
    """
    row = case.regimen(regimen)
    if row["schedule_kind"] != "cyclic":
        raise ValueError(f"regimen '{regimen}' has no cycles (it is {row['schedule_kind']})")
    length = int(row["cycle_length_days"])
    last_cycle = case.administrations.loc[case.administrations["regimen"] == regimen, "cycle"].max()
    days = relative_days(case, frame, reference=row["start"])
    out = frame.copy()
    for bound in ("earliest", "latest"):
        elapsed = days[f"day_{bound}"]
        cycle = (elapsed // length + 1).astype("Int64")
        out[f"cycle_{bound}"] = cycle.where((elapsed >= 0) & (cycle <= last_cycle))
    return out
