"""casereport: a published clinical case report as checkable data.

The public API: load and validate a case folder, and the derivations most
callers want. Layers below (``casereport.data``, ``.derive``, ``.charts``,
``.apps``) are importable too, but only the names here are kept stable.

Names are imported when first used: a process that needs one module of the
package (Voila's server, for its kernel manager) does not load pandas and the
rest of the API with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from casereport.data.case import Case
    from casereport.data.dates import CaseDate, parse_date
    from casereport.data.load import load_case, validate_case
    from casereport.derive.audit import Check, Disagreement, audit_case, audit_checks, audit_frame
    from casereport.derive.grading import grade_labs, on_treatment_grades
    from casereport.derive.response import response_assessments
    from casereport.derive.timeline import cycle_of, relative_days
    from casereport.exceptions import (
        CaseReportError,
        CaseValidationError,
        ParameterError,
        Problem,
        UnknownCaseError,
    )

__version__ = "0.1.0"

# Each public name and the module that defines it.
_WHERE = {
    "Case": "casereport.data.case",
    "CaseDate": "casereport.data.dates",
    "parse_date": "casereport.data.dates",
    "load_case": "casereport.data.load",
    "validate_case": "casereport.data.load",
    "Check": "casereport.derive.audit",
    "Disagreement": "casereport.derive.audit",
    "audit_case": "casereport.derive.audit",
    "audit_checks": "casereport.derive.audit",
    "audit_frame": "casereport.derive.audit",
    "grade_labs": "casereport.derive.grading",
    "on_treatment_grades": "casereport.derive.grading",
    "response_assessments": "casereport.derive.response",
    "cycle_of": "casereport.derive.timeline",
    "relative_days": "casereport.derive.timeline",
    "CaseReportError": "casereport.exceptions",
    "CaseValidationError": "casereport.exceptions",
    "ParameterError": "casereport.exceptions",
    "Problem": "casereport.exceptions",
    "UnknownCaseError": "casereport.exceptions",
}

__all__ = [
    "Case",
    "CaseDate",
    "CaseReportError",
    "CaseValidationError",
    "Check",
    "Disagreement",
    "ParameterError",
    "Problem",
    "UnknownCaseError",
    "audit_case",
    "audit_checks",
    "audit_frame",
    "cycle_of",
    "grade_labs",
    "load_case",
    "on_treatment_grades",
    "parse_date",
    "relative_days",
    "response_assessments",
    "validate_case",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'casereport' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # once found, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
