"""casereport: a published clinical case report as checkable data.

The public API: load and validate a case folder, and the derivations most
callers want. Layers below (``casereport.data``, ``.derive``, ``.charts``,
``.apps``) are importable too, but only the names here are kept stable.
"""

from casereport.data.case import Case
from casereport.data.dates import CaseDate, parse_date
from casereport.data.load import load_case, validate_case
from casereport.derive.audit import Check, Disagreement, audit_case, audit_checks, audit_frame
from casereport.derive.grading import grade_labs, on_treatment_grades
from casereport.derive.response import response_assessments
from casereport.derive.timeline import cycle_of, relative_days
from casereport.exceptions import CaseReportError, CaseValidationError, ParameterError, Problem, UnknownCaseError

__version__ = "0.1.0"

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
