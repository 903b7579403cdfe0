"""``a2f-json``: blendshape weights in the JSON layout NVIDIA Audio2Face exports, so A2F pipelines can take
emoanim's output in its place.

    {
     "exportFps": 30.0,
     "trackPath": "/path/to/speech.wav",
     "numPoses": 52,
     "numFrames": 90,
     "facsNames": ["eyeBlinkLeft", "eyeLookDownLeft", ..., "tongueOut"],
     "weightMat": [[...52 weights of frame 0...], [...frame 1...], ...]
    }

Audio2Face's Blendshape Conversion exports "the resulting blendshape weight values as .json file" (NVIDIA's
Audio2Face manual, user-manual/data-conversion/blendshape-conversion). The six keys above are that file's layout as
read by the public tools that consume it (e.g. the ``Audio2FaceExportData`` interface of Babylon.js A2F players,
A2F client scripts that merge exported chunks, Blender's "A2F Import Weights" add-on): ``weightMat`` is frame-major,
``numFrames`` rows of ``numPoses`` weights in ``facsNames`` order. With the ARKit solver the names are Apple's ARKit
names in the ARKit enum order below (eyes, jaw, mouth, brows, cheeks, nose, tongue), not alphabetical. A2F 2023+
may add ``joints``/``rotations``/``translations`` (jaw and eye transforms); emoanim writes only the blendshape keys,
and `read_a2f_json` ignores the joint keys when present.

``trackPath`` is the source audio when the curves know it (``metadata["source"]``), else ``""``. Weights are in
[0, 1] with 6 decimals, '.' separator, strict JSON.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import numpy as np

from emoanim.errors import InputError
from emoanim.export.json_doc import write_frame_rows
from emoanim.export.livelinkface import SHAPE_SOURCES as LLF_SHAPE_SOURCES
from emoanim.motion.channels import ARKIT_NAMES
from emoanim.rigs.curves import Curves

# Audio2Face's ARKit solver lists the shapes in Apple's ARFaceAnchor.BlendShapeLocation enum order, camelCase. That is
# the Live Link Face app's column order except that the app swaps jawLeft/jawRight and mouthLeft/mouthRight.
_APP_SWAPS = {"jawRight": "jawLeft", "jawLeft": "jawRight", "mouthRight": "mouthLeft", "mouthLeft": "mouthRight"}
A2F_FACS_NAMES: tuple[str, ...] = tuple(_APP_SWAPS.get(name, name) for name in LLF_SHAPE_SOURCES)
assert sorted(A2F_FACS_NAMES) == sorted(ARKIT_NAMES), "A2F names must be exactly the 52 ARKit shapes"
REQUIRED_KEYS = ("exportFps", "numPoses", "numFrames", "facsNames", "weightMat")


class A2fJsonWriter:
    name = "a2f-json"
    extension = ".json"
    binary = False
    rigs = ("arkit",)

    def check(self, curves: Curves) -> None:
        missing = [name for name in A2F_FACS_NAMES if name not in curves.names]
        if missing:
            raise InputError(
                f"the a2f-json format holds the 52 ARKit blendshapes; curves from rig {curves.rig!r} lack "
                f"{len(missing)} of them (e.g. {', '.join(missing[:3])})", hint="use --rig arkit with --format a2f-json")

    def write(self, curves: Curves, stream: IO[str]) -> None:
        columns = [curves.names.index(name) for name in A2F_FACS_NAMES]
        source = curves.metadata.get("source")
        header = {
            "exportFps": float(curves.fps),
            "trackPath": "" if source is None else str(source),
            "numPoses": len(A2F_FACS_NAMES),
            "numFrames": curves.frames,
            "facsNames": list(A2F_FACS_NAMES),
        }
        write_frame_rows(stream, header, "weightMat", np.asarray(curves.values)[:, columns])


def read_a2f_json(path: str | Path) -> Curves:
    """Read an Audio2Face blendshape-weights JSON (A2F's own or this writer's) into `Curves` ``(T, numPoses)``.

    Names are kept as the file spells them (``facsNames``); ``rig`` is ``"arkit"`` when they are the 52 ARKit names,
    else ``"a2f"``. The counts in ``numPoses``/``numFrames`` must match the matrix.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"cannot read JSON: {err}", path=path) from err
    if not isinstance(document, dict) or any(key not in document for key in REQUIRED_KEYS):
        raise InputError(f"not an Audio2Face blendshape export: it needs the keys {', '.join(REQUIRED_KEYS)}",
                         path=path, hint="export the weights from Audio2Face as JSON, or write --format a2f-json")
    names = [str(name) for name in document["facsNames"]]
    try:
        weights = np.asarray(document["weightMat"], dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(f"weightMat is not a matrix of numbers: {err}", path=path) from err
    if weights.size == 0:
        weights = weights.reshape(0, len(names))
    if weights.ndim != 2 or weights.shape[1] != len(names):
        raise InputError(f"weightMat has shape {weights.shape}; expected (frames, {len(names)} facsNames)", path=path)
    if document["numPoses"] != len(names) or document["numFrames"] != len(weights):
        raise InputError(f"numPoses/numFrames say {document['numPoses']}x{document['numFrames']}, the data hold "
                         f"{len(names)}x{len(weights)}", path=path, hint="the file is truncated or edited")
    if not np.isfinite(weights).all():
        raise InputError("weightMat holds non-finite values", path=path)
    fps = float(document["exportFps"])
    if not fps > 0:
        raise InputError(f"exportFps is {document['exportFps']!r}; expected a positive rate", path=path)
    rig = "arkit" if sorted(names) == sorted(ARKIT_NAMES) else "a2f"
    return Curves(names=names, fps=fps, values=weights, rig=rig,
                  metadata={"source_file": str(path), "source": document.get("trackPath") or None})
