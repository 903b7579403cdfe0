"""export stage: write `Curves` to files, one writer per format, chosen by name (ARCHITECTURE.md).

    from emoanim.export import write, FORMATS
    write(curves, "out/take.csv")                          # default format "csv"
    write(curves, "out/take.csv", format="livelinkface")   # needs curves from the arkit rig

Every write is atomic (see `atomic.py`): the file appears whole or not at all. A new format is one module with a
`Writer` (see `base.py`) plus one line in `WRITERS`. Readers for the formats that can come back sit next to their
writers and are re-exported here.
"""
from __future__ import annotations

from pathlib import Path

from emoanim.errors import InputError
from emoanim.export.a2f_json import A2fJsonWriter, read_a2f_json
from emoanim.export.atomic import atomic_open
from emoanim.export.base import Writer, require_finite
from emoanim.export.bvh import BvhWriter, read_bvh
from emoanim.export.csv_table import CsvTableWriter, read_csv
from emoanim.export.flame_npz import FlameNpzWriter
from emoanim.export.curvetable import CurveTableWriter, read_curvetable
from emoanim.export.gltf import GltfWriter, read_gltf_curves
from emoanim.export.json_doc import JsonWriter, read_json
from emoanim.export.livelinkface import LiveLinkFaceWriter, read_livelinkface
from emoanim.export.npz_archive import NpzWriter, read_npz
from emoanim.export.unity_anim import UnityAnimWriter, read_unity_anim
from emoanim.rigs.curves import Curves

WRITERS: dict[str, Writer] = {
    writer.name: writer
    for writer in (CsvTableWriter(), CurveTableWriter(), LiveLinkFaceWriter(), JsonWriter(), NpzWriter(),
                   UnityAnimWriter(), GltfWriter(), BvhWriter(), A2fJsonWriter(), FlameNpzWriter())
}
FORMATS: tuple[str, ...] = tuple(WRITERS)
DEFAULT_FORMAT = "csv"


def get_writer(format: str) -> Writer:
    try:
        return WRITERS[format]
    except KeyError:
        raise InputError(f"unknown export format {format!r}", hint=f"choose one of: {', '.join(FORMATS)}") from None


def check_format(format: str, *, rig: str | None = None) -> None:
    """Refuse, before any work is done, a format that does not exist or cannot hold ``rig``'s curves."""
    writer = get_writer(format)
    if rig is not None and writer.rigs is not None and rig not in writer.rigs:
        needed = " or ".join(f"--rig {name}" for name in writer.rigs)
        raise InputError(f"the {format} format cannot hold curves of the {rig} rig", hint=f"use {needed}")


def extension(format: str) -> str:
    """The file extension a format's files get, with its dot: ``extension("npz") == ".npz"``."""
    return get_writer(format).extension


def write(curves: Curves, path: str | Path, format: str = DEFAULT_FORMAT) -> Path:
    """Write ``curves`` to ``path`` in ``format``; return the path written.

    The path is used as given (no extension is added). Its folder is created if missing. Raises `InputError` for an
    unknown format, curves the format cannot hold (e.g. livelinkface without the arkit rig) or a path that cannot
    be written; `ValueError` for NaN/inf values, a bug upstream. Nothing is written when it raises.
    """
    writer = get_writer(format)
    path = Path(path)
    require_finite(curves)
    try:
        writer.check(curves)
    except InputError as err:
        if err.path is not None:
            raise
        raise InputError(err.problem, path=path, hint=err.hint) from err
    if path.is_dir():
        raise InputError("is a folder", path=path, hint="give a file name for the output")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(path, binary=writer.binary) as stream:
            writer.write(curves, stream)
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror or err}", path=path,
                         hint="choose a folder you can write to, with free space") from err
    return path


__all__ = [
    "DEFAULT_FORMAT", "FORMATS", "WRITERS", "Writer", "check_format", "extension", "get_writer", "write",
    "read_csv", "read_curvetable", "read_json", "read_livelinkface", "read_npz",
    "read_a2f_json", "read_bvh", "read_gltf_curves", "read_unity_anim",
]
