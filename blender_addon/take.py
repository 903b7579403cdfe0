"""A take: named animation channels sampled at one frame rate, read from the files emoanim writes.

Plain Python (json, csv): Blender ships no numpy guarantee, and this module must also run outside Blender, so the
tests can check it against emoanim's own writers. Formats read:

* emoanim JSON (``--format json``, emoanim/export/json_doc.py): ``"format": "emoanim-curves"``, ``fps``,
  ``channels``, frame-major ``values``, ``metadata.source`` = the speech file.
* emoanim CSV (``--format csv``): ``frame,time,<channels>``; the rate comes from the time column.
* Live Link Face take CSV (Epic's iOS app, or ``--format livelinkface``): ``Timecode,BlendShapeCount,EyeBlinkLeft..``
  PascalCase shapes are renamed to ARKit camelCase, rotations (stored as degrees / 180) come back in degrees, and the
  rate is guessed the way Epic's Unreal importer guesses it: 60 if any frame field of a timecode exceeds 30, else 30.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field

JSON_FORMAT_NAME = "emoanim-curves"
JSON_FORMAT_VERSION = 1
LLF_DEGREES_PER_UNIT = 180.0  # Live Link Face maps -180..180 degrees onto -1..1
LLF_ROTATION_COLUMNS = (
    "HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
    "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
)
LLF_SHAPE_COUNT = 52
# The rates a Live Link Face take can be read back at (see the module docstring).
LLF_LOW_FPS, LLF_HIGH_FPS = 30.0, 60.0


class TakeError(Exception):
    """A file that cannot be read as a take: one line naming the file, the problem and what to do."""

    def __init__(self, path: str, problem: str, hint: str = ""):
        text = f"{path}: {problem}" + (f" ({hint})" if hint else "")
        super().__init__(" ".join(text.split()))


@dataclass
class Take:
    """``values`` is frame-major ``(T, C)`` as a list of T rows, columns in ``names`` order."""

    names: list[str]
    fps: float
    values: list[list[float]]
    audio_path: str = ""  # the speech the take was made from, when the file says so
    source_path: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return len(self.values)

    def column(self, name: str) -> list[float]:
        """One channel over time, ``(T,)``."""
        index = self.names.index(name)
        return [row[index] for row in self.values]

    def columns(self) -> dict[str, tuple[float, ...]]:
        """Every channel over time, ``name -> (T,)``, in one transposition (keying reads them all)."""
        return dict(zip(self.names, zip(*self.values)))


def read_take(path: str, *, fps: float = 0.0) -> Take:
    """Read any supported take file; ``fps`` > 0 overrides the rate for the CSV formats."""
    lower = path.lower()
    if lower.endswith(".json"):
        return read_emoanim_json(path)
    if lower.endswith(".csv"):
        header = _first_line(path)
        if header.startswith("Timecode,BlendShapeCount"):
            return read_livelinkface_csv(path, fps=fps)
        if header.startswith("frame,time"):
            return read_emoanim_csv(path, fps=fps)
        raise TakeError(path, "not an emoanim CSV (header 'frame,time,...') nor a Live Link Face CSV "
                              "(header 'Timecode,BlendShapeCount,...')")
    raise TakeError(path, "unknown take file type", "give an emoanim .json/.csv or a Live Link Face .csv")


def read_emoanim_json(path: str) -> Take:
    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise TakeError(path, f"cannot read JSON: {err}") from err
    if not isinstance(document, dict) or document.get("format") != JSON_FORMAT_NAME:
        raise TakeError(path, f'not an emoanim curves document (no "format": "{JSON_FORMAT_NAME}")',
                        "write it with `emoanim render ... --format json`")
    if document.get("format_version", 0) > JSON_FORMAT_VERSION:
        raise TakeError(path, f"format_version {document['format_version']} is newer than this add-on reads",
                        "update the emoanim add-on")
    try:
        names = [str(name) for name in document["channels"]]
        fps = float(document["fps"])
        values = [[float(v) for v in row] for row in document["values"]]
    except (KeyError, TypeError, ValueError) as err:
        raise TakeError(path, f"malformed emoanim curves document: {err!r}") from err
    bad = next((i for i, row in enumerate(values) if len(row) != len(names)), None)
    if bad is not None:
        raise TakeError(path, f"frame {bad} has {len(values[bad])} values for {len(names)} channels")
    metadata = document.get("metadata") or {}
    audio = metadata.get("source") if isinstance(metadata.get("source"), str) else ""
    return _checked(Take(names, fps, values, audio_path=audio, source_path=path, metadata=metadata), path)


def read_emoanim_csv(path: str, *, fps: float = 0.0) -> Take:
    header, rows = _read_csv(path)
    if header[:2] != ["frame", "time"]:
        raise TakeError(path, "not an emoanim curve CSV: the header must start with 'frame,time'")
    table = [_floats(path, number, row[1:]) for number, row in rows]
    times = [row[0] for row in table]
    rate = fps if fps > 0 else _rate_from_times(path, times)
    return _checked(Take(header[2:], rate, [row[1:] for row in table], source_path=path), path)


def read_livelinkface_csv(path: str, *, fps: float = 0.0) -> Take:
    header, rows = _read_csv(path)
    if header[:2] != ["Timecode", "BlendShapeCount"]:
        raise TakeError(path, "not a Live Link Face CSV: the header must start with 'Timecode,BlendShapeCount'")
    wanted = header[2:]
    if len([name for name in wanted if name not in LLF_ROTATION_COLUMNS]) < LLF_SHAPE_COUNT:
        raise TakeError(path, f"has {len(wanted)} data columns, fewer than the 52 ARKit shapes of a take")
    scale = [LLF_DEGREES_PER_UNIT if name in LLF_ROTATION_COLUMNS else 1.0 for name in wanted]
    values, frame_fields = [], []
    for number, row in rows:
        frame_fields.append(_timecode_frames(path, number, row[0]))
        values.append([v * s for v, s in zip(_floats(path, number, row[2:]), scale)])
    rate = fps if fps > 0 else (LLF_HIGH_FPS if any(f > LLF_LOW_FPS for f in frame_fields) else LLF_LOW_FPS)
    names = [name[0].lower() + name[1:] for name in wanted]  # EyeBlinkLeft -> eyeBlinkLeft (ARKit casing)
    return _checked(Take(names, rate, values, source_path=path), path)


def _checked(take: Take, path: str) -> Take:
    if not take.values:
        raise TakeError(path, "holds no frames")
    if not (take.fps > 0 and math.isfinite(take.fps)):
        raise TakeError(path, f"frame rate {take.fps} is not a positive number")
    for number, row in enumerate(take.values):
        if not all(math.isfinite(v) for v in row):
            raise TakeError(path, f"frame {number} holds NaN or infinity")
    return take


def _first_line(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as stream:
            return stream.readline().strip()
    except (OSError, UnicodeDecodeError) as err:
        raise TakeError(path, f"cannot read: {err}") from err


def _read_csv(path: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and the non-empty rows with their 1-based line numbers; every row must be as wide as the header."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:  # a spreadsheet may have added a BOM
            lines = [row for row in csv.reader(stream)]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise TakeError(path, f"cannot read CSV: {err}") from err
    if not lines:
        raise TakeError(path, "is empty")
    header = [cell.strip() for cell in lines[0]]
    rows = [(number, row) for number, row in enumerate(lines[1:], start=2) if row]
    for number, row in rows:
        if len(row) != len(header):
            raise TakeError(path, f"line {number} has {len(row)} cells, the header has {len(header)}")
    return header, rows


def _floats(path: str, number: int, cells: list[str]) -> list[float]:
    try:
        return [float(cell) for cell in cells]
    except ValueError:
        bad = next(cell for cell in cells if not _is_float(cell))
        raise TakeError(path, f"line {number}: {bad!r} is not a number") from None


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _rate_from_times(path: str, times: list[float]) -> float:
    """Frames per second from a time column written with 6 decimals (1 us steps), rounded to 0.001 fps."""
    if len(times) < 2:
        raise TakeError(path, "one frame: the rate cannot be read from its time column", "set the import's FPS")
    span = times[-1] - times[0]
    if span <= 0:
        raise TakeError(path, "the time column does not increase")
    return round((len(times) - 1) / span, 3)


def _timecode_frames(path: str, number: int, text: str) -> float:
    """The ``FF.fff`` field of ``HH:MM:SS:FF.fff``."""
    parts = text.split(":")
    try:
        if len(parts) != 4:
            raise ValueError
        return float(parts[3])
    except ValueError:
        raise TakeError(path, f"line {number}: timecode {text!r} is not HH:MM:SS:FF.fff") from None
