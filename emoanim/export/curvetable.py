"""``unreal-curvetable``: the transposed CSV that Unreal's CSV import turns into a CurveTable asset.

    Name,0.000000,0.033333,0.066667,...
    CTRL_expressions_jawOpen,0.000000,0.120000,0.310000,...

First row: the key times in seconds; then one row per curve: its name, then its value at each key time. Extension
``.curvetable.csv``: it still ends in ``.csv`` as Unreal's importer requires, and does not collide with the
``csv`` format's file for the same take. Unreal names the asset after the file; rename it if you want another name.

Why the layout is exactly this, from Epic's `UCurveTable::CreateTableFromCSVString` (Engine/Source/Runtime/Engine/
Private/CurveTable.cpp, read in the public mirror folgerwang/UnrealEngine): row 0 gives the X values of every
curve and its first cell is skipped (so "Name" is as good as the "---" Epic's own CSV export writes; benui.ca/unreal/curve-tables uses "Name");
every later row is ``<row name>,<y per x>`` and is dropped unless it has exactly as many values as there are
X values; duplicate X values abort the import; numbers are parsed with `FCString::Atof` (C locale, '.').
Row names go through `MakeValidName`, which deletes the characters in ``"' ,\\n\\r\\t`` -- so names holding
them are refused here rather than silently renamed there.
"""
from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np

from emoanim.errors import InputError
from emoanim.export.base import (
    CSV_UNSAFE_CHARACTERS, infer_fps, parse_float, read_lines, require_csv_safe_names, row_format,
)
from emoanim.rigs.curves import Curves

DECIMALS = 6
HEADER_CELL = "Name"
# INVALID_NAME_CHARACTERS in Unreal's UObject/NameTypes.h: Unreal deletes them from row names on import.
UNREAL_NAME_UNSAFE = CSV_UNSAFE_CHARACTERS + "' \t"


class CurveTableWriter:
    name = "unreal-curvetable"
    extension = ".curvetable.csv"
    binary = False
    rigs = None

    def check(self, curves: Curves) -> None:
        require_csv_safe_names(curves.names, UNREAL_NAME_UNSAFE)
        if curves.frames == 0:
            # Unreal rejects a table whose first row has no X values ("Too few rows" / mismatched columns).
            raise ValueError("cannot write an Unreal CurveTable with no frames")

    def write(self, curves: Curves, stream: IO[str]) -> None:
        cells = row_format(curves.frames, DECIMALS)
        stream.write(f"{HEADER_CELL}," + cells % tuple(curves.times.tolist()) + "\n")
        for name, column in zip(curves.names, np.asarray(curves.values, dtype=np.float64).T.tolist()):
            stream.write(f"{name}," + cells % tuple(column) + "\n")


def read_curvetable(path: str | Path, *, fps: float | None = None, rig: str = "unknown") -> Curves:
    """Read a file written by the ``unreal-curvetable`` writer back into `Curves` ``(T, C)``."""
    path = Path(path)
    lines = read_lines(path)
    if len(lines) < 2:
        raise InputError("a CurveTable CSV needs a row of key times and at least one curve row", path=path)
    times = np.array([parse_float(c, path=path, line=1, what="key time") for c in lines[0].split(",")[1:]])
    names, columns = [], []
    for number, text in enumerate(lines[1:], start=2):
        cells = text.split(",")
        if len(cells) != len(times) + 1:
            raise InputError(f"line {number} has {len(cells) - 1} values for {len(times)} key times", path=path)
        names.append(cells[0])
        columns.append([parse_float(c, path=path, line=number, what="value") for c in cells[1:]])
    rate = fps if fps is not None else infer_fps(times, decimals=DECIMALS, path=path)
    return Curves(names=names, fps=rate, values=np.asarray(columns, dtype=np.float64).T.copy(), rig=rig,
                  metadata={"source_file": str(path)})
