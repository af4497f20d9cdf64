"""The parameters a notebook takes, checked as papermill hands them over.

Papermill passes ``-p name value`` as it comes: ``-p show_answers false``
arrives as the text "false", which Python counts as true, and a misspelt
name just defines a variable nobody reads. A notebook's first cell after its
parameters therefore calls :func:`checked` with its own spec: every value is
checked for type and value, the texts "true" and "false" are read as
booleans, and a name the notebook does not take is named in a
:class:`~casereport.exceptions.ParameterError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casereport.exceptions import ParameterError

# A figure's width by a journal's name for it, in millimetres: one column, one and a half, the full page.
WIDTHS_MM = {"single": 85.0, "onehalf": 114.0, "double": 174.0}
# Names IPython puts in every namespace; not parameters.
_IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})
# What papermill can inject: values of these types are parameters; modules, functions and classes are not.
_INJECTABLE = (str, int, float, bool, list, dict, tuple, type(None))


@dataclass(frozen=True)
class Parameter:
    """One parameter: what it accepts, in words, and the function that checks and converts a value."""

    accepts: str
    convert: Callable[[Any], Any]


def _optional_path(value: Any) -> Path | None:
    if value is None:
        return None
    if isinstance(value, str | Path) and str(value).strip():
        return Path(value)
    raise TypeError


def _optional_text(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip()):
        return value
    raise TypeError


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise TypeError


def _text(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value
    raise TypeError


def _texts(value: Any) -> str | list[str]:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError
    return float(value)


def _width(value: Any) -> float | str:
    if isinstance(value, str) and value.strip().lower() in WIDTHS_MM:
        return value.strip().lower()
    return _number(value)


def _optional_texts(value: Any) -> str | list[str] | None:
    return None if value is None else _texts(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise TypeError
    return int(value)


TEACHING: dict[str, Parameter] = {
    "case_dir": Parameter("a case folder, or None for the bundled case", _optional_path),
    "reveal_until": Parameter("an event id of the case, or None to show all of it", _optional_text),
    "show_answers": Parameter("True or False (the text 'true' or 'false' is read as such)", _boolean),
}
FIGURES: dict[str, Parameter] = {
    "case_dir": Parameter("a case folder, or None for the bundled case", _optional_path),
    "output_dir": Parameter("a folder for the figures, or None for a temporary one", _optional_path),
    "formats": Parameter("formats as text ('svg,png') or a list of them", _texts),
    "axis": Parameter("'calendar' or 'relative'", _text),
    "width_mm": Parameter("a width in millimetres (a number) or a journal's: 'single', 'onehalf' or 'double'", _width),
    "dpi": Parameter("a resolution in dots per inch (a whole number)", _whole),
    "only": Parameter(
        "figure names as text ('timeline,afp') or a list of them, or None for every figure", _optional_texts
    ),
}


def checked(namespace: Mapping[str, Any], spec: Mapping[str, Parameter]) -> tuple[Any, ...]:
    """The notebook's parameters from ``namespace`` (its ``globals()``), checked, in the spec's order.

    Raises :class:`ParameterError` naming the first parameter that is not
    one the notebook takes, or whose value it cannot use.
    """
    for name, value in namespace.items():
        if name.startswith("_") or name in _IPYTHON_NAMES or name in spec or value is spec:
            continue
        if isinstance(value, _INJECTABLE):
            raise ParameterError(name, f"is not a parameter of this notebook; it takes {', '.join(spec)}")
    values = []
    for name, parameter in spec.items():
        value = namespace.get(name)
        try:
            values.append(parameter.convert(value))
        except (TypeError, ValueError):
            raise ParameterError(name, f"{value!r} is not {parameter.accepts}") from None
    return tuple(values)
