"""The `Writer` protocol, and the small checks and number handling every writer and reader shares.

A writer turns `Curves` into the bytes of one file format. It never opens files itself: `emoanim.export.write`
checks the curves, opens a temporary file through `atomic.py` and hands the writer an open stream, so a failure
half-way leaves nothing behind.
"""
from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import IO, Protocol, Sequence

import numpy as np

from emoanim.errors import InputError
from emoanim.rigs.curves import Curves

# Characters that would split or quote a cell in the CSV formats: a channel name holding one is a bug in the rig.
CSV_UNSAFE_CHARACTERS = ',"\r\n'

# Rates we snap an inferred frame rate to when the written key times match them exactly (NTSC rates included).
COMMON_FPS: tuple[Fraction, ...] = tuple(
    Fraction(n, d) for n, d in [(24000, 1001), (24, 1), (25, 1), (30000, 1001), (30, 1), (48, 1), (50, 1),
                                (60000, 1001), (60, 1), (90, 1), (100, 1), (120, 1)]
)


class Writer(Protocol):
    """One file format. ``binary`` says whether `write` gets a bytes stream or a text stream (UTF-8, no newline
    translation: writers emit ``\\n`` themselves so files are identical on every platform). ``rigs`` lets the CLI
    refuse a format/rig pair before any work is done; `check` is the exact test on the curves themselves."""

    name: str
    extension: str
    binary: bool
    rigs: tuple[str, ...] | None  # the rigs whose curves this format can hold; None: any rig


    def check(self, curves: Curves) -> None:
        """Raise before anything is written if this format cannot hold ``curves``."""

    def write(self, curves: Curves, stream: IO) -> None:
        """Write ``curves`` to the open ``stream``."""


def require_finite(curves: Curves) -> None:
    """NaN or inf in the values, ranges or fps is a bug upstream, not bad user input: refuse with ValueError."""
    if not (math.isfinite(curves.fps) and curves.fps > 0):
        raise ValueError(f"Curves.fps is {curves.fps!r}; expected a finite positive rate")
    bad = ~np.isfinite(curves.values)
    if bad.any():
        frame, column = np.argwhere(bad)[0]
        raise ValueError(
            f"Curves from rig {curves.rig!r} hold {int(bad.sum())} non-finite values (first: frame {frame}, "
            f"channel {curves.names[column]!r} = {curves.values[frame, column]}); refusing to write them"
        )
    if curves.ranges is not None:
        ranges = np.asarray(curves.ranges)
        if ranges.shape != (len(curves.names), 2):
            raise ValueError(f"Curves.ranges has shape {ranges.shape}, expected ({len(curves.names)}, 2)")
        if not np.isfinite(ranges).all():
            raise ValueError(f"Curves.ranges from rig {curves.rig!r} hold non-finite bounds; refusing to write them")


def require_csv_safe_names(names: Sequence[str], unsafe: str = CSV_UNSAFE_CHARACTERS) -> None:
    """Channel names are written unquoted; one holding a separator or quote would shift every column after it."""
    bad = [name for name in names if not name or any(ch in name for ch in unsafe)]
    if bad:
        raise ValueError(f"channel names {bad[:5]} are empty or contain one of {unsafe!r}; cannot write them to CSV")


def row_format(columns: int, decimals: int) -> str:
    """A ``%``-format for one CSV row of ``columns`` floats. ``%`` formatting ignores the locale, so the decimal
    separator is always '.'."""
    return ",".join([f"%.{decimals}f"] * columns)


def read_lines(path: Path, encoding: str = "utf-8") -> list[str]:
    """The non-empty lines of a text file; an unreadable file is an InputError naming it."""
    try:
        return [line for line in path.read_text(encoding=encoding).splitlines() if line]
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read: {err}", path=path) from err


def parse_float(text: str, *, path: Path, line: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"line {line}: {what} {text!r} is not a number", path=path,
                         hint="the file is damaged or not written by emoanim") from None
    if not math.isfinite(value):
        raise InputError(f"line {line}: {what} is {text!r}", path=path, hint="only finite numbers are valid")
    return value


def rational_fps(fps: float) -> Fraction:
    """``fps`` as a fraction with a small denominator: 29.97002997 -> 30000/1001, 30.0 -> 30."""
    return Fraction(fps).limit_denominator(1001)


def infer_fps(times: np.ndarray, *, decimals: int, path: Path) -> float:
    """The frame rate that produced key ``times`` (seconds, one per frame from 0, written with ``decimals``).

    The written times are rounded, so 1/Δt is not exact (30 fps gives 0.033333 s). We try common rates and the
    estimate rounded to 0..3 decimals, and keep the first whose frame times round to exactly what was written.
    """
    frames = len(times)
    if frames < 2:
        raise InputError("cannot infer the frame rate from fewer than 2 frames", path=path,
                         hint="pass fps= explicitly")
    if times[0] != 0 or not np.all(np.diff(times) > 0):
        raise InputError("key times must start at 0 and increase", path=path,
                         hint="the file is damaged or not written by emoanim")
    estimate = (frames - 1) / times[-1]
    candidates = [c for c in COMMON_FPS if abs(float(c) - estimate) < 0.01 * estimate]
    candidates += [Fraction(round(estimate, d)).limit_denominator(10**d) for d in range(4)]
    index = np.arange(frames, dtype=np.float64)
    tolerance = 0.51 * 10.0**-decimals  # half a unit in the last written place, plus float slack
    for candidate in candidates:
        if candidate > 0 and np.all(np.abs(index / float(candidate) - times) <= tolerance):
            return float(candidate)
    raise InputError(
        f"key times are not evenly spaced at one frame rate (about {estimate:.4f} fps)", path=path,
        hint="emoanim only reads files sampled at a fixed rate",
    )
