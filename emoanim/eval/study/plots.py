"""PNG charts for the study report, drawn with Pillow: bars with 95% interval whiskers, and a count heat map.

Pillow rather than matplotlib: the charts are simple, and Pillow is already needed by the preview renderer.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

WIDTH = 760
ROW = 30  # pixels per bar
LABEL_WIDTH = 260
MARGIN = 20
FONT_SIZE = 14
BAR = (70, 120, 190)
WHISKER = (30, 30, 30)
GRID = (205, 205, 205)
REFERENCE = (200, 60, 60)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float | None = None  # whisker ends; None draws no whisker
    high: float | None = None
    note: str = ""  # printed at the right end, e.g. "12/20"


def _font(size: int = FONT_SIZE):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _fit(draw, text: str, font, width: int) -> str:
    """``text`` cut to fit ``width`` pixels, ending in "..." (the default font has no ellipsis glyph)."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "...", font=font) > width:
        text = text[:-1]
    return text + "..."


def bar_chart(path: str | Path, title: str, bars: Sequence[Bar], *, axis: tuple[float, float],
              reference: float | None = None, axis_label: str = "") -> Path:
    """Horizontal bars from ``reference`` (or the axis start) to each value over ``axis`` = (min, max)."""
    from PIL import Image, ImageDraw

    lo, hi = axis
    if not hi > lo:
        raise ValueError(f"axis must increase, got {axis}")
    font, small = _font(), _font(FONT_SIZE - 2)
    plot_left, plot_right = LABEL_WIDTH, WIDTH - MARGIN - 70
    top = MARGIN + 30
    height = top + ROW * max(1, len(bars)) + 50
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), title, fill="black", font=font)

    def x_of(value: float) -> float:
        return plot_left + (min(max(value, lo), hi) - lo) / (hi - lo) * (plot_right - plot_left)

    bottom = top + ROW * max(1, len(bars))
    for tick in range(5):
        value = lo + (hi - lo) * tick / 4
        x = x_of(value)
        draw.line([(x, top), (x, bottom)], fill=GRID)
        draw.text((x, bottom + 4), f"{value:.2g}", fill="black", font=small, anchor="ma")
    if axis_label:
        draw.text(((plot_left + plot_right) / 2, bottom + 22), axis_label, fill="black", font=small, anchor="ma")
    base = x_of(reference if reference is not None else lo)
    for row, bar in enumerate(bars):
        y0 = top + row * ROW + 6
        y1 = y0 + ROW - 12
        middle = (y0 + y1) / 2
        draw.text((MARGIN, middle), _fit(draw, bar.label, font, LABEL_WIDTH - MARGIN - 10), fill="black",
                  font=font, anchor="lm")
        x = x_of(bar.value)
        draw.rectangle([min(base, x), y0, max(base, x), y1], fill=BAR)
        if bar.low is not None and bar.high is not None:
            a, b = x_of(bar.low), x_of(bar.high)
            draw.line([(a, middle), (b, middle)], fill=WHISKER, width=2)
            draw.line([(a, y0 + 2), (a, y1 - 2)], fill=WHISKER, width=2)
            draw.line([(b, y0 + 2), (b, y1 - 2)], fill=WHISKER, width=2)
        if bar.note:
            draw.text((plot_right + 8, middle), bar.note, fill="black", font=small, anchor="lm")
    if reference is not None:
        draw.line([(base, top - 4), (base, bottom)], fill=REFERENCE, width=2)
    image.save(path)
    return Path(path)


def count_grid(path: str | Path, title: str, rows: Sequence[str], columns: Sequence[str],
               counts: Sequence[Sequence[int]], *, marked: Sequence[int | None] = ()) -> Path:
    """A table of counts shaded by each row's share; ``marked[r]`` outlines the expected column of row r."""
    from PIL import Image, ImageDraw

    font, small = _font(), _font(FONT_SIZE - 2)
    cell = max(44, (WIDTH - LABEL_WIDTH - MARGIN) // max(1, len(columns)))
    top = MARGIN + 50
    width = LABEL_WIDTH + cell * len(columns) + MARGIN
    image = Image.new("RGB", (width, top + ROW * len(rows) + MARGIN), "white")
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), title, fill="black", font=font)
    for c, name in enumerate(columns):
        draw.text((LABEL_WIDTH + c * cell + cell / 2, top - 6), _fit(draw, name, small, cell - 2), fill="black",
                  font=small, anchor="md")
    for r, (name, row) in enumerate(zip(rows, counts)):
        y = top + r * ROW
        draw.text((MARGIN, y + ROW / 2), _fit(draw, name, font, LABEL_WIDTH - MARGIN - 10), fill="black", font=font,
                  anchor="lm")
        total = max(1, sum(row))
        for c, count in enumerate(row):
            share = count / total
            shade = tuple(int(255 - share * (255 - channel)) for channel in BAR)
            box = [LABEL_WIDTH + c * cell, y, LABEL_WIDTH + (c + 1) * cell - 1, y + ROW - 1]
            draw.rectangle(box, fill=shade, outline=GRID)
            if r < len(marked) and marked[r] == c:
                draw.rectangle(box, outline=REFERENCE, width=2)
            draw.text(((box[0] + box[2]) / 2, y + ROW / 2), str(count), font=small, anchor="mm",
                      fill="white" if share > 0.55 else "black")
    image.save(path)
    return Path(path)
