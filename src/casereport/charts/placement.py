"""Where text goes on a printed figure: how wide a label is, and a place for it that hides nothing.

Vega places no label for us beyond its axes and legends, so the figures
that write on their plots (event names on the timeline, actions on the
rationale's edges, limits on the lab charts) place their labels here, in
points, before Vega draws them. Widths are those of Arial and its metric
twins (Liberation Sans, Helvetica), the font Vega's ``sans-serif`` is drawn
with in the PDF and PNG figures; a wider font would only make labels
overlap, so a little room is always left.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

# Advance widths in thousandths of an em, characters 32 to 126 (Arial: regular, and bold).
_REGULAR = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
    "278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 "
    "611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 "
    "556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_BOLD = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
    "333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 "
    "611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 "
    "611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_WIDTHS = {
    bold: dict(zip(map(chr, range(32, 127)), map(int, table.split()), strict=True))
    for bold, table in ((False, _REGULAR), (True, _BOLD))
}
_OTHER = {
    "\u00a0": 278,
    "\u00d7": 584,
    "\u2020": 556,
    "\u2264": 549,
    "\u2265": 549,
    "\u2191": 500,
    "\u2193": 500,
    "\u2013": 556,
}
SAFETY = 1.06  # room for a font a little wider than Arial
LINE_HEIGHT = 1.2  # a line of text, in ems


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width in points of one line of ``text`` at ``size`` points (a little more, for safety)."""
    widths = _WIDTHS[bold]
    return sum(widths.get(c, _OTHER.get(c, 1000 if ord(c) > 0x2000 else 556)) for c in text) / 1000 * size * SAFETY


def wrap_to(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` points (a longer word keeps its own line)."""
    lines: list[str] = []
    for word in filter(None, text.split(" ")):  # a no-break space joins what it joins
        if lines and text_width(f"{lines[-1]} {word}", size, bold=bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


class Box(NamedTuple):
    """A rectangle in points: left, top, right, bottom (y grows downwards, as on the page)."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box, gap: float = 0) -> bool:
        return (
            self.left < other.right + gap
            and other.left < self.right + gap
            and self.top < other.bottom + gap
            and other.top < self.bottom + gap
        )

    def crosses(self, segment: Segment) -> bool:
        """Whether the straight line ``segment`` passes through the box (Liang-Barsky clipping)."""
        (x1, y1), (x2, y2) = segment
        dx, dy = x2 - x1, y2 - y1
        low, high = 0.0, 1.0
        for p, q in ((-dx, x1 - self.left), (dx, self.right - x1), (-dy, y1 - self.top), (dy, self.bottom - y1)):
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
            if low > high:
                return False
        return True


Segment = tuple[tuple[float, float], tuple[float, float]]


def text_box(x: float, y: float, lines: Sequence[str], size: float, *, align: str, bold: bool = False) -> Box:
    """The box of text anchored at (x, y): ``align`` left, right or center; ``y`` the middle of its first line."""
    width = max(text_width(line, size, bold=bold) for line in lines)
    left = {"left": x, "right": x - width, "center": x - width / 2}[align]
    half = size * LINE_HEIGHT / 2
    return Box(left, y - half, left + width, y - half + size * LINE_HEIGHT * len(lines))


def first_free(candidates: Iterable[Box], *, boxes: Iterable[Box] = (), segments: Iterable[Segment] = ()) -> int | None:
    """The index of the first candidate that overlaps none of ``boxes`` and crosses none of ``segments``."""
    boxes, segments = list(boxes), list(segments)
    for i, box in enumerate(candidates):
        if not any(box.overlaps(other, gap=1) for other in boxes) and not any(box.crosses(s) for s in segments):
            return i
    return None


class Item(NamedTuple):
    """Something to write on a row of a plot: a mark spanning ``left`` to ``right`` and a label beside it."""

    left: float
    right: float
    label_width: float
    lines: int = 1


class Placed(NamedTuple):
    """Where an :class:`Item` went: its row, and its label's side (``right`` or ``left`` of the mark)."""

    row: int
    side: str


def pack_rows(items: Sequence[Item], width: float, *, gap: float = 3) -> list[Placed]:
    """Each item on the first row where its mark and label fit beside those already there, within ``width``.

    A label goes right of its mark where it fits, else left; one of several
    lines takes the rows below too. Items are taken in the order given (give
    them left to right): the result is a compact stack of rows in which no
    mark or label covers another.
    """
    taken: list[list[tuple[float, float]]] = []
    placed = []
    for item in items:
        row = 0
        while True:
            spot = _fit(item, row, taken, width, gap)
            if spot is not None:
                break
            row += 1
        side, span = spot
        for line in range(item.lines):
            while len(taken) <= row + line:
                taken.append([])
            taken[row + line].append(span if line == 0 else _label_part(span, item, side, gap))
        placed.append(Placed(row, side))
    return placed


def _label_part(span: tuple[float, float], item: Item, side: str, gap: float) -> tuple[float, float]:
    """The part of ``span`` a second line of the label takes (the mark is on the first line only)."""
    return (item.right + gap, span[1]) if side == "right" else (span[0], item.left - gap)


def _fit(
    item: Item, row: int, taken: list[list[tuple[float, float]]], width: float, gap: float
) -> tuple[str, tuple[float, float]] | None:
    """The side and span of ``item`` on ``row`` (and the rows its lines take), or None where it does not fit."""
    sides = {
        "right": (item.left, item.right + gap + item.label_width),
        "left": (item.left - gap - item.label_width, item.right),
    }
    # A label wider than the plot has no side it fits: it goes right, and the plot clips it.
    fitting = {s: span for s, span in sides.items() if span[0] >= 0 and span[1] <= width} or {"right": sides["right"]}
    for side, span in fitting.items():
        parts = [span] + [_label_part(span, item, side, gap)] * (item.lines - 1)
        rows = [taken[row + i] if row + i < len(taken) else [] for i in range(item.lines)]
        if all(
            all(part[1] + gap <= a or b + gap <= part[0] for a, b in used)
            for part, used in zip(parts, rows, strict=True)
        ):
            return side, span
    return None
