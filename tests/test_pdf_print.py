"""A figure's PDF prints as its PNG shows (issue 14): the PDF page rasterised by PDFium, as a printer would,
against the PNG the package writes beside it from the same drawing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageFilter

from casereport.apps.figures import write_figures

from .conftest import CASES, SEED

DPI = 150
WIDTH_MM = 85
FIGURES = ("timeline", "afp")
# Measured on the seed case's timeline and AFP figures (the PDF rasterised against the PNG, both in grey):
# mean absolute difference 4.6 to 5.6 grey levels, all of it antialiasing at the edges of text and marks;
# against another figure's PNG of the same size, 11.7 to 17.8; a PDF whose text did not print, 9.1 to 10.8.
MAX_MEAN_DIFFERENCE = 8
# Pixels at least half dark (text, rules, symbols, the darker fills): the PDF had 0.6 to 8.1 % more when the
# timeline drew a rectangle per dose day (each renderer left seams of its own), and 11.9 % more on the timeline
# with a bar per run of days: PDFium sets the edges of fills and thin lines darker than resvg's antialiasing
# does, and the even-cycle bars (grey 119) sit just under the cut; a PDF without its text, 48 to 74 % fewer.
MAX_DARK_CHANGE = 0.15
DARK = 128
# A few missing glyphs hide in the mean: so both images are blurred by 2 px (about 1 pt, which leaves the
# antialiasing noise behind) and the share of pixels still 32 or more grey levels apart is counted: 0 to 0.10 %
# for the faithful PDFs; 0.48 to 1.09 % with 5 % of the glyphs gone; with 2 % gone, 0.48 % on the timeline and
# 0.19 % on the AFP figure (which passes).
BLUR_PX = 2
BLUR_LEVELS = 32
MAX_BLURRED_SHARE = 0.003


def grey(image: Image.Image) -> np.ndarray:
    """The image on white, in grey levels."""
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, "white")
    white.alpha_composite(rgba)
    return np.asarray(white.convert("L"), dtype=float)


def printed(pdf: Path, dpi: int) -> tuple[np.ndarray, tuple[float, float]]:
    """The PDF's only page rasterised at ``dpi`` in grey, and the page's size in pixels at that resolution."""
    document = pdfium.PdfDocument(pdf)
    try:
        assert len(document) == 1, f"{pdf.name} has {len(document)} pages"
        page = document[0]
        width, height = page.get_size()
        image = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255)).to_pil()
    finally:
        document.close()
    return grey(image), (width * dpi / 72, height * dpi / 72)


def blurred(image: np.ndarray) -> np.ndarray:
    picture = Image.fromarray(image.astype(np.uint8))
    return np.asarray(picture.filter(ImageFilter.GaussianBlur(BLUR_PX)), dtype=float)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """The seed case's timeline and AFP figures at one column's width, each as PDF and PNG: name -> (pdf, png)."""
    out = tmp_path_factory.mktemp("pdf-print")
    manifest = write_figures(
        case_dir=CASES[SEED], output_dir=out, formats="pdf,png", width_mm=WIDTH_MM, dpi=DPI, only=",".join(FIGURES)
    )
    files = {(entry["figure"], entry["format"]): out / entry["file"] for entry in manifest["files"]}
    return {name: (files[name, "pdf"], files[name, "png"]) for name in FIGURES}


@pytest.mark.parametrize("figure", FIGURES)
def test_pdf_prints_as_the_png_shows(drawn: dict[str, tuple[Path, Path]], figure: str) -> None:
    """The PDF page, rasterised at the PNG's resolution, is the PNG's size (within a pixel) and looks like it.

    Shown to fail (a scratch script calling this test on altered files): the timeline's PDF against the AFP
    figure's PNG (the page 62 px taller); the AFP PDF against the AFP-on-a-log-scale or liver-enzyme PNG of the
    same size (mean difference 11.7 and 17.8); the PDF with all its text objects removed by pypdfium2 (9.1 and
    10.8; dark pixels 48 and 74 % fewer), or 5 % of its glyphs (blurred share 0.48 and 1.09 %); the PNG shifted
    2 px sideways (11.9 and 14.5). It passes a 1 px shift of the AFP PNG and 2 % of the AFP glyphs removed.
    """
    pdf, png = drawn[figure]
    printed_image, page_px = printed(pdf, DPI)
    shown = grey(Image.open(png))
    png_px = (shown.shape[1], shown.shape[0])
    assert all(abs(p - q) <= 1 for p, q in zip(page_px, png_px, strict=True)), (
        f"{pdf.name}: the page is {page_px[0]:.1f} x {page_px[1]:.1f} px at {DPI} dpi, the PNG {png_px}"
    )
    # PDFium rounds the page up to whole pixels: compare the part both have.
    height, width = min(printed_image.shape[0], shown.shape[0]), min(printed_image.shape[1], shown.shape[1])
    printed_image, shown = printed_image[:height, :width], shown[:height, :width]
    difference = float(np.abs(printed_image - shown).mean())
    assert difference < MAX_MEAN_DIFFERENCE, f"{pdf.name} differs from its PNG by {difference:.1f} grey levels"
    dark_printed, dark_shown = int((printed_image < DARK).sum()), int((shown < DARK).sum())
    change = dark_printed / dark_shown - 1
    assert abs(change) < MAX_DARK_CHANGE, f"{pdf.name}: {dark_printed} dark pixels, its PNG {dark_shown}"
    share = float((np.abs(blurred(printed_image) - blurred(shown)) >= BLUR_LEVELS).mean())
    assert share < MAX_BLURRED_SHARE, f"{pdf.name}: {share:.2%} of the blurred page differs from its PNG"
