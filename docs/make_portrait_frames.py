"""Three frames of the talking-portrait demo for the docs: at rest, an open vowel, and a blink.

    python docs/make_portrait_frames.py   # -> docs/portrait_rest.png, docs/portrait_open.png, docs/portrait_blink.png

The photo is scikit-image's `astronaut` (Eileen Collins, NASA, public domain); the speech is examples/speech.wav with
its transcript, emotion happy.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    import skimage.data
    from PIL import Image

    from emoanim.motion import ARKIT_INDEX
    from emoanim.pipeline import Options, run
    from emoanim.render.portrait import load_portrait

    with tempfile.TemporaryDirectory() as scratch:
        photo = Path(scratch) / "astronaut.png"
        Image.fromarray(skimage.data.astronaut()).save(photo)
        portrait = load_portrait(photo, size=512)
    speech = REPO / "examples" / "speech.wav"
    result = run(speech, Options(rig="landmarks", emotion="happy", transcript=(REPO / "examples" / "speech.txt").read_text()))
    perf = result.performance
    expression = perf.expression
    blink = expression[:, ARKIT_INDEX["eyeBlinkLeft"]]
    jaw = expression[:, ARKIT_INDEX["jawOpen"]] * (blink < 0.1)
    rest = int(np.argmin(expression[: int(perf.fps), ARKIT_INDEX["jawOpen"]] + blink[: int(perf.fps)]))
    wanted = {"rest": rest, "open": int(np.argmax(jaw)), "blink": int(np.argmax(blink))}
    frames = list(portrait.frames(perf))
    for name, index in wanted.items():
        Image.fromarray(frames[index]).save(REPO / "docs" / f"portrait_{name}.png")
        print(f"docs/portrait_{name}.png: frame {index} ({index / perf.fps:.2f} s)")


if __name__ == "__main__":
    main()
