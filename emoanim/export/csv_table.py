"""``csv``: the plain game-engine table, one row per frame.

    frame,time,<channel names exactly as in Curves.names>
    0,0.000000,0.000000,0.125000,...

``frame`` is the integer frame index from 0, ``time`` is ``frame / fps`` in seconds; both time and values carry
6 decimals with '.' as the separator whatever the locale. UTF-8, ``\\n`` line ends, no quoting (channel names
holding ``,`` or ``"`` are refused). The fps is not stored: `read_csv` recovers it from the time column.
"""
from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np

from emoanim.errors import InputError
from emoanim.export.base import infer_fps, parse_float, read_lines, require_csv_safe_names, row_format
from emoanim.rigs.curves import Curves

DECIMALS = 6
FIXED_COLUMNS = ("frame", "time")


class CsvTableWriter:
    name = "csv"
    extension = ".csv"
    binary = False
    rigs = None

    def check(self, curves: Curves) -> None:
        require_csv_safe_names(curves.names)

    def write(self, curves: Curves, stream: IO[str]) -> None:
        stream.write(",".join([*FIXED_COLUMNS, *curves.names]) + "\n")
        line = "%d," + row_format(len(curves.names) + 1, DECIMALS) + "\n"
        rows = np.asarray(curves.values, dtype=np.float64).tolist()  # Python floats format fastest
        for frame, (time, row) in enumerate(zip(curves.times.tolist(), rows)):
            stream.write(line % (frame, time, *row))


def read_csv(path: str | Path, *, fps: float | None = None, rig: str = "unknown") -> Curves:
    """Read a file written by the ``csv`` writer back into `Curves` ``(T, C)``.

    ``fps`` defaults to the rate the time column was written at; ``rig`` is not stored in the file.
    """
    path = Path(path)
    lines = read_lines(path)
    if not lines or lines[0].split(",")[:2] != list(FIXED_COLUMNS):
        raise InputError("not an emoanim curve CSV: the header must start with 'frame,time'", path=path,
                         hint="write it with --format csv")
    names = lines[0].split(",")[2:]
    width = len(names) + 2
    rows = []
    for number, text in enumerate(lines[1:], start=2):
        cells = text.split(",")
        if len(cells) != width:
            raise InputError(f"line {number} has {len(cells)} cells, the header has {width}", path=path)
        if cells[0] != str(len(rows)):
            raise InputError(f"line {number}: frame {cells[0]!r}, expected {len(rows)}", path=path,
                             hint="frames must count up from 0 without gaps")
        rows.append([parse_float(cell, path=path, line=number, what="value") for cell in cells[1:]])
    table = np.asarray(rows, dtype=np.float64).reshape(len(rows), width - 1)
    rate = fps if fps is not None else infer_fps(table[:, 0], decimals=DECIMALS, path=path)
    return Curves(names=names, fps=rate, values=table[:, 1:], rig=rig,
                  metadata={"source_file": str(path)})
