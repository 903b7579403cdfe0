"""``json``: every channel plus everything known about the take, as one strict-JSON document (no NaN/Infinity).

    {
     "format": "emoanim-curves", "format_version": 1,
     "rig": "arkit", "fps": 30.0, "frames": 90, "duration": 3.0,
     "channels": ["browDownLeft", ...],
     "ranges": [[0.0, 1.0], ...] | null,
     "layout": "frame-major",
     "values": [[...C values of frame 0...], [...frame 1...], ...],
     "metadata": {...Curves.metadata: emotion track, source audio, animator, seed, warnings...},
     "software": {"emoanim": "0.1.0", "numpy": "2.4.0", "python": "3.11.2"}
    }

``values`` is frame-major, ``(T, C)`` like `Curves.values` (a row per frame, columns in ``channels`` order), with
6 decimals like the CSV formats. ``duration`` is ``frames / fps``: the span the frames cover. ``metadata`` is
`Curves.metadata` converted to JSON types (numpy values, arrays, paths, dataclasses); a NaN in it or an object
JSON cannot hold is a bug upstream and is refused, never dropped.
"""
from __future__ import annotations

import dataclasses
import enum
import json
import math
import platform
from pathlib import Path, PurePath
from typing import IO, Any

import numpy as np

import emoanim
from emoanim.errors import InputError
from emoanim.rigs.curves import Curves

FORMAT_NAME = "emoanim-curves"
FORMAT_VERSION = 1
DECIMALS = 6


def software_versions() -> dict[str, str]:
    """What wrote the file, so a result can be traced back to the code that made it."""
    return {"emoanim": emoanim.__version__, "numpy": np.__version__, "python": platform.python_version()}


def to_jsonable(value: Any, where: str = "metadata") -> Any:
    """``value`` as plain JSON types; ``where`` names the key path in errors (``metadata.emotion.times``)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {float(value)}; strict JSON cannot hold NaN or infinity")
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value, where)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist(), where)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise TypeError(f"{where} has a key {key!r} of type {type(key).__name__}; JSON keys are strings")
            out[str(key)] = to_jsonable(item, f"{where}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if callable(getattr(value, "to_dict", None)):  # the type's own description wins (EmotionTrack has one)
        return to_jsonable(value.to_dict(), where)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name), f"{where}.{f.name}") for f in dataclasses.fields(value)}
    raise TypeError(f"{where} holds a {type(value).__name__}, which cannot be stored in JSON")


def curves_document(curves: Curves) -> dict[str, Any]:
    """Everything about ``curves`` except the values, as JSON types."""
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "rig": curves.rig,
        "fps": float(curves.fps),
        "frames": curves.frames,
        "duration": curves.frames / curves.fps,
        "channels": list(curves.names),
        "ranges": None if curves.ranges is None else to_jsonable(np.asarray(curves.ranges, np.float64), "ranges"),
        "layout": "frame-major",
        "metadata": to_jsonable(curves.metadata),
        "software": software_versions(),
    }


class JsonWriter:
    name = "json"
    extension = ".json"
    binary = False
    rigs = None

    def check(self, curves: Curves) -> None:
        curves_document(curves)  # refuses unserialisable metadata before any file is opened

    def write(self, curves: Curves, stream: IO[str]) -> None:
        write_frame_rows(stream, curves_document(curves), "values", curves.values)


def write_frame_rows(stream: IO[str], header: dict, rows_key: str, rows: np.ndarray) -> None:
    """Write ``{header..., rows_key: rows}`` as strict JSON, one line per header key and one per frame row:
    readable, diffable, and far smaller than json.dumps(indent=...). Rows are rounded to `DECIMALS`."""
    rounded = np.round(np.asarray(rows, dtype=np.float64), DECIMALS).tolist()
    stream.write("{\n")
    for key, item in header.items():
        stream.write(f" {json.dumps(key)}: {json.dumps(item, allow_nan=False, ensure_ascii=False)},\n")
    stream.write(f" {json.dumps(rows_key)}: [")
    stream.write(",".join(f"\n  {json.dumps(row, allow_nan=False)}" for row in rounded))
    stream.write("\n ]\n}\n")


def read_json(path: str | Path) -> Curves:
    """Read a file written by the ``json`` writer back into `Curves` ``(T, C)`` with its metadata."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"cannot read JSON: {err}", path=path) from err
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise InputError(f"not an emoanim curves document (no \"format\": \"{FORMAT_NAME}\")", path=path,
                         hint="write it with --format json")
    if document.get("format_version", 0) > FORMAT_VERSION:
        raise InputError(f"format_version {document['format_version']} is newer than this emoanim reads "
                         f"({FORMAT_VERSION})", path=path, hint="upgrade emoanim")
    try:
        names = list(document["channels"])
        values = np.asarray(document["values"], dtype=np.float64).reshape(-1, len(names))
        ranges = None if document.get("ranges") is None else np.asarray(document["ranges"], dtype=np.float64)
        return Curves(names=names, fps=float(document["fps"]), values=values, rig=str(document["rig"]),
                      ranges=ranges, metadata=dict(document.get("metadata") or {}))
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(f"malformed emoanim curves document: {err}", path=path) from err
