"""Derivations worked out once a case: a loaded case is read-only, so what follows from it does not change.

A figure, the explorer and the report each grade the labs and read the
response, often several times over; the first answer is kept on the case
itself (so it goes when the case goes, and a case made anew, as
the revealed case of a teaching step is one, starts afresh),
and each caller gets its own copy to change as it likes.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Hashable
from typing import Concatenate, ParamSpec, TypeVar

from casereport.data.case import Case

P = ParamSpec("P")
R = TypeVar("R")
_KEPT = "_derived"  # the entry of the case's own __dict__ the answers are kept in


def per_case(derivation: Callable[Concatenate[Case, P], R]) -> Callable[Concatenate[Case, P], R]:
    """``derivation`` (a function of a case and hashable options) answering from the case's kept answers."""

    signature = inspect.signature(derivation)

    @functools.wraps(derivation)
    def kept(case: Case, /, *args: P.args, **options: P.kwargs) -> R:
        # One key however the options are given: f(case) and f(case, reading="full") are one question.
        asked = signature.bind(case, *args, **options)
        asked.apply_defaults()
        key: Hashable = (derivation.__qualname__, tuple(asked.arguments.items())[1:])
        try:
            hash(key)
        except TypeError:  # an option that cannot be a key: worked out each time
            return derivation(case, *args, **options)
        answers: dict[Hashable, object] = case.__dict__.setdefault(_KEPT, {})
        if key not in answers:
            answers[key] = derivation(case, *args, **options)
        return copy.deepcopy(answers[key])  # type: ignore[return-value]

    return kept
