"""Contact sheets of the printed figures, for looking at them as a journal's figure editor would (issue 14).

A developer's proof tool, run on demand, not a test:
``.venv/bin/python benchmarks/contact_sheet.py [--out /tmp/contact-pdf]``.

For each bundled case and each width (85 mm, one column; 174 mm, a page's
width) every figure is written as PDF by ``write_figures``, as
``casereport figures`` writes it; each PDF page is then rasterised at
300 dpi with PDFium (what a printer's RIP does; the package's PNG files
are made so too), kept as PNG beside a greyscale copy, and laid out on one contact
sheet per case and one for all: a row per figure, its 85 and 174 mm prints
in colour and grey, each tile labelled with the figure, the width asked
for and the PDF page's size in millimetres. Tiles are at ``--tile-dpi``
(200 by default: 6 pt text is about 17 px tall, readable when zoomed in).
The paths are printed; the 300 dpi PNGs are under ``<out>/<case>-<width>/``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NamedTuple

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont, ImageOps

from casereport.apps.figures import write_figures
from casereport.data.bundled import bundled_cases

WIDTHS_MM = (85, 174)
DPI = 300
MM_PER_POINT = 25.4 / 72
GAP = 24  # pixels between tiles
LABEL_HEIGHT = 44
LABEL_FONT = ImageFont.load_default(size=30)
TITLE_FONT = ImageFont.load_default(size=48)


class Print(NamedTuple):
    """One PDF page rasterised: the figure's name, the width asked for, the page's size, and its two PNGs."""

    figure: str
    width_mm: int
    page_mm: tuple[float, float]
    colour: Path
    grey: Path


def rasterise(pdf: Path, dpi: int = DPI) -> tuple[Image.Image, tuple[float, float]]:
    """The PDF's one page as an RGB image at ``dpi`` on white, and the page's size in millimetres."""
    document = pdfium.PdfDocument(pdf)
    try:
        if len(document) != 1:
            raise ValueError(f"{pdf} has {len(document)} pages; a figure has one")
        page = document[0]
        width, height = page.get_size()
        image = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255)).to_pil().convert("RGB")
    finally:
        document.close()
    return image, (width * MM_PER_POINT, height * MM_PER_POINT)


def print_case(case: str, case_dir: Path, out: Path) -> list[Print]:
    """Every figure of one case at both widths, as PDF and as its 300 dpi rasterisation in colour and grey."""
    prints = []
    for width in WIDTHS_MM:
        folder = out / f"{case}-{width}"
        manifest = write_figures(case_dir=case_dir, output_dir=folder, formats="pdf", width_mm=width, dpi=DPI)
        for entry in manifest["files"]:
            pdf = folder / entry["file"]
            image, page_mm = rasterise(pdf)
            colour = pdf.with_name(f"{pdf.stem}-{DPI}dpi.png")
            grey = pdf.with_name(f"{pdf.stem}-{DPI}dpi-grey.png")
            image.save(colour, dpi=(DPI, DPI))
            ImageOps.grayscale(image).save(grey, dpi=(DPI, DPI))
            prints.append(Print(entry["figure"], width, page_mm, colour, grey))
    return prints


def tile(path: Path, label: str, scale: float) -> Image.Image:
    """One print at ``scale``, framed by a hairline, under its label."""
    image = Image.open(path).convert("RGB")
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    framed = Image.new("RGB", (image.width + 2, image.height + LABEL_HEIGHT + 2), "white")
    draw = ImageDraw.Draw(framed)
    draw.text((1, 4), label, fill="black", font=LABEL_FONT)
    framed.paste(image, (1, LABEL_HEIGHT + 1))
    draw.rectangle((0, LABEL_HEIGHT, framed.width - 1, framed.height - 1), outline=(200, 0, 0))
    return framed


def sheet(title: str, prints: list[Print], scale: float) -> Image.Image:
    """A row per figure: each width's print in colour, then in grey, left to right."""
    rows: list[list[Image.Image]] = []
    for figure in dict.fromkeys(p.figure for p in prints):
        row = []
        for p in (p for p in prints if p.figure == figure):
            size = f"page {p.page_mm[0]:.1f} x {p.page_mm[1]:.1f} mm"
            row.append(tile(p.colour, f"{figure} | {p.width_mm} mm | {size}", scale))
            row.append(tile(p.grey, f"{figure} | {p.width_mm} mm | grey", scale))
        rows.append(row)
    width = max(sum(t.width for t in row) + GAP * (len(row) + 1) for row in rows)
    height = 80 + sum(max(t.height for t in row) + GAP for row in rows)
    canvas = Image.new("RGB", (width, height), (236, 236, 236))
    ImageDraw.Draw(canvas).text((GAP, 16), title, fill="black", font=TITLE_FONT)
    y = 80
    for row in rows:
        x = GAP
        for t in row:
            canvas.paste(t, (x, y))
            x += t.width + GAP
        y += max(t.height for t in row) + GAP
    return canvas


def stack(sheets: list[Image.Image]) -> Image.Image:
    """The cases' sheets one under another."""
    canvas = Image.new("RGB", (max(s.width for s in sheets), sum(s.height for s in sheets)), (236, 236, 236))
    y = 0
    for s in sheets:
        canvas.paste(s, (0, y))
        y += s.height
    return canvas


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("/tmp/contact-pdf"), help="folder for everything written")
    parser.add_argument("--tile-dpi", type=int, default=200, help="resolution of the tiles on the sheets")
    options = parser.parse_args()
    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    scale = options.tile_dpi / DPI
    sheets = []
    for case, case_dir in bundled_cases().items():
        prints = print_case(case, case_dir, out)
        for p in prints:
            print(f"{p.colour}  ({p.page_mm[0]:.1f} x {p.page_mm[1]:.1f} mm)")
        sheets.append(
            sheet(f"{case}: PDF pages rasterised at {DPI} dpi, shown at {options.tile_dpi} dpi", prints, scale)
        )
        path = out / f"contact-{case}.png"
        sheets[-1].save(path, dpi=(options.tile_dpi, options.tile_dpi))
        print(f"contact sheet: {path}")
    path = out / "contact-all.png"
    stack(sheets).save(path, dpi=(options.tile_dpi, options.tile_dpi))
    print(f"contact sheet: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
