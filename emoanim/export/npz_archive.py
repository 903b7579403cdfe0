"""``npz``: a NumPy archive for Python users and training pipelines. Loads with ``allow_pickle=False``.

Arrays: ``names`` (C,) unicode, ``fps`` () float64, ``values`` (T, C) float32, ``rig`` () unicode,
``ranges`` (C, 2) float32 (absent when the rig defines none), ``metadata`` () unicode: `Curves.metadata` as a
JSON string, ``software`` () unicode: the JSON of the versions that wrote it.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import IO

import numpy as np

from emoanim.errors import InputError
from emoanim.export.json_doc import software_versions, to_jsonable
from emoanim.rigs.curves import Curves


def _metadata_json(curves: Curves) -> str:
    return json.dumps(to_jsonable(curves.metadata), allow_nan=False, ensure_ascii=False)


class NpzWriter:
    name = "npz"
    extension = ".npz"
    binary = True
    rigs = None

    def check(self, curves: Curves) -> None:
        _metadata_json(curves)

    def write(self, curves: Curves, stream: IO[bytes]) -> None:
        arrays = {
            "names": np.asarray(curves.names, dtype=np.str_),
            "fps": np.float64(curves.fps),
            "values": np.asarray(curves.values, dtype=np.float32),
            "rig": np.str_(curves.rig),
            "metadata": np.str_(_metadata_json(curves)),
            "software": np.str_(json.dumps(software_versions())),
        }
        if curves.ranges is not None:
            arrays["ranges"] = np.asarray(curves.ranges, dtype=np.float32)
        np.savez_compressed(stream, **arrays)


def read_npz(path: str | Path) -> Curves:
    """Read a file written by the ``npz`` writer back into `Curves` ``(T, C)`` (values stay float32)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = [str(name) for name in archive["names"]]
            ranges = archive["ranges"] if "ranges" in archive.files else None
            return Curves(names=names, fps=float(archive["fps"]), values=archive["values"], rig=str(archive["rig"]),
                          ranges=ranges, metadata=json.loads(str(archive["metadata"])))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise InputError(f"not an emoanim curves archive: {err}", path=path, hint="write it with --format npz") \
            from err
