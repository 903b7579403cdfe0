"""The rig data tables in the repository's ``rigs/`` folder, each read once and cached.

Every table is a tab-separated file: ``#`` comment lines (its sources) first, then a header row, then data rows.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

import emoanim
from emoanim.errors import InputError

# The one place that knows where the data lives: ``rigs/`` at the repository root (the package is installed editable).
RIGS_DIR = Path(emoanim.__file__).resolve().parents[1] / "rigs"

# Rows of metahuman_raw_curves.tsv that RigLogic drives from the neck joints, not from the face board.
NECK_DRIVEN = "neck"


@dataclass(frozen=True)
class ArkitShape:
    """One row of ``arkit52.tsv``: the same shape under the spellings other tools use."""

    index: int
    arkit: str  # Swift camelCase, emoanim's spelling
    apple_raw: str  # ARBlendShapeLocation raw value, e.g. ``eyeBlink_L``
    pascal: str  # Live Link Face / Unreal spelling, e.g. ``EyeBlinkLeft``
    ue_enum: int  # index in Unreal's EARFaceBlendShape (= Live Link UDP order)
    llf_csv_column: int  # column in a Live Link Face take CSV


@dataclass(frozen=True)
class BoardChannel:
    """One MetaHuman face-board channel (``<control>-<attribute>``) with its limits and rest value."""

    name: str
    minimum: float
    maximum: float
    default: float


@dataclass(frozen=True)
class RawCurve:
    name: str  # ``CTRL_expressions_<x>``, the Unreal curve name
    driven_by: str  # "board" or "neck"


@dataclass(frozen=True)
class DrivenKey:
    """A Maya set-driven-key curve: ``driven += interp(driver, xs, ys)``, constant outside the keys."""

    driver: str
    driven: str
    xs: np.ndarray  # (K,) increasing driver values
    ys: np.ndarray  # (K,) driven values

    def __call__(self, driver_values: np.ndarray) -> np.ndarray:
        return np.interp(driver_values, self.xs, self.ys)


@dataclass(frozen=True)
class BoardContribution:
    """``board[channel] += weight * arkit[shape] * (1 - arkit[gate])``; ``gate`` is None when ungated."""

    arkit: str
    channel: str
    weight: float
    gate: str | None
    reasoning: str


def _read(name: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    path = RIGS_DIR / name
    if not path.is_file():
        raise InputError("rig table is missing", path=path, hint="reinstall emoanim from a full checkout (pip install -e .)")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    if not rows or tuple(rows[0].keys()) != columns:
        got = tuple(rows[0].keys()) if rows else ()
        raise InputError(f"rig table has columns {got}, expected {columns}", path=path, hint="restore it from git")
    for number, row in enumerate(rows, start=2):
        if None in row or any(value is None for value in row.values()):
            raise InputError(f"rig table row {number} has the wrong number of fields", path=path, hint="restore it from git")
    return rows


def _parse_keys(text: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        pairs = sorted((float(x), float(y)) for x, y in (item.split(":") for item in text.split()))
    except ValueError:
        raise InputError(f"bad driven keys {text!r} for {where}", path=RIGS_DIR / "metahuman_gui_to_raw.tsv",
                         hint="keys are space-separated 'driver:driven' numbers") from None
    xs, ys = np.array(pairs, dtype=np.float64).T
    if len(xs) < 2 or np.any(np.diff(xs) <= 0):
        raise InputError(f"driven keys for {where} need two or more distinct driver values",
                         path=RIGS_DIR / "metahuman_gui_to_raw.tsv", hint="restore it from git")
    return xs, ys


@lru_cache(maxsize=None)
def arkit_shapes() -> tuple[ArkitShape, ...]:
    rows = _read("arkit52.tsv", ("index", "arkit", "apple_raw", "pascal", "ue_enum", "llf_csv_column"))
    return tuple(
        ArkitShape(int(r["index"]), r["arkit"], r["apple_raw"], r["pascal"], int(r["ue_enum"]), int(r["llf_csv_column"]))
        for r in rows
    )


@lru_cache(maxsize=None)
def metahuman_board() -> tuple[BoardChannel, ...]:
    rows = _read("metahuman_faceboard.tsv", ("index", "channel", "min", "max", "default"))
    return tuple(BoardChannel(r["channel"], float(r["min"]), float(r["max"]), float(r["default"])) for r in rows)


@lru_cache(maxsize=None)
def metahuman_raw_curves() -> tuple[RawCurve, ...]:
    rows = _read("metahuman_raw_curves.tsv", ("index", "curve", "driven_by"))
    return tuple(RawCurve(r["curve"], r["driven_by"]) for r in rows)


@lru_cache(maxsize=None)
def metahuman_driven_keys() -> tuple[DrivenKey, ...]:
    rows = _read("metahuman_gui_to_raw.tsv", ("driver", "driven", "keys"))
    keys = []
    for r in rows:
        xs, ys = _parse_keys(r["keys"], f"{r['driver']} -> {r['driven']}")
        keys.append(DrivenKey(r["driver"], r["driven"], xs, ys))
    return tuple(keys)


@lru_cache(maxsize=None)
def arkit_to_board() -> tuple[BoardContribution, ...]:
    rows = _read("arkit_to_metahuman_board.tsv", ("arkit", "board_channel", "weight", "gate", "reasoning"))
    return tuple(
        BoardContribution(r["arkit"], r["board_channel"], float(r["weight"]), None if r["gate"] == "-" else r["gate"],
                          r["reasoning"])
        for r in rows
    )
