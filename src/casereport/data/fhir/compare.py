"""Whether a bundle says what the case read from it says again: every difference, named by entry and element.

``fhir import`` exports the folder it wrote and compares the two bundles; an
element the case cannot hold (a note another tool added, an edited
Provenance) shows up here instead of being dropped without a word.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from typing import Any

from casereport.data.fhir.to_fhir import canonical
from casereport.data.fhir.vocabulary import resource_label
from casereport.exceptions import BundleError, BundleProblem

MAX_REPORTED = 20  # differences named one by one; more are counted


def _differences(
    given: Any, made: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Where two JSON values differ: (path, what a reader should know)."""
    if isinstance(given, dict) and isinstance(made, dict):
        for key in dict.fromkeys([*given, *made]):
            if key not in made:
                yield (*path, key), "is not read back by casereport; it would be lost"
            elif key not in given:
                yield (*path, key), "is missing; the rest of the bundle gives it"
            else:
                yield from _differences(given[key], made[key], (*path, key))
    elif isinstance(given, list) and isinstance(made, list):
        # Items matched by content, so that one item taken out is one difference, not every later one.
        keys = [json.dumps(v, sort_keys=True) for v in given], [json.dumps(v, sort_keys=True) for v in made]
        matcher = difflib.SequenceMatcher(None, keys[0], keys[1], autojunk=False)
        for op, g1, g2, m1, m2 in matcher.get_opcodes():
            if op == "replace" and g2 - g1 == m2 - m1:
                for offset in range(g2 - g1):
                    yield from _differences(given[g1 + offset], made[m1 + offset], (*path, g1 + offset))
            elif op != "equal":
                for index in range(g1, g2):
                    yield (*path, index), "is not read back by casereport; it would be lost"
                for index in range(m1, m2):
                    yield (*path, g1), f"is missing: {json.dumps(made[index], ensure_ascii=False)[:80]}"
    elif given != made:
        yield (
            path,
            f"is {json.dumps(given, ensure_ascii=False)[:80]}, but the rest of the bundle gives {json.dumps(made, ensure_ascii=False)[:80]}",
        )


def _element(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def compare_bundles(bundle: dict[str, Any], again: dict[str, Any], source: str) -> None:
    """Raise :class:`BundleError` naming where ``bundle`` differs from ``again``, the export of what was read."""
    given = canonical(bundle)
    entries = given.get("entry") or []
    problems = []
    for path, reason in _differences(given, again):
        if len(path) >= 2 and path[0] == "entry" and isinstance(path[1], int) and path[1] < len(entries):
            label = resource_label(entries[path[1]].get("resource"))
            problems.append(BundleProblem(path[1] + 1, label, _element(path[3:]) or None, reason))
        else:
            problems.append(BundleProblem(None, None, _element(path) or None, reason))
    if len(problems) > MAX_REPORTED:
        more = len(problems) - MAX_REPORTED
        problems = [*problems[:MAX_REPORTED], BundleProblem(None, None, None, f"and {more} more difference(s)")]
    if problems:
        raise BundleError(source, problems)
