"""Lips that meet on every /p b m/: the one articulatory contact viewers check first.

A bilabial is categorical: the lips touch, or the viewer sees another sound. The phonetic animator seals every frame
of each bilabial phone (its last step). A learned animator predicts the closure from the audio (and the phones, when
it reads them), and on a voice unlike its training speech it leaves some recognised bilabials parted: emote closed
256 of Flite awb's 270 held-out bilabials where the phonetic animator, on the same recognised phones, closed 261.
`seal_bilabials` gives a learned animator's output the phonetic animator's guarantee on exactly those frames
(`emoanim.phonetics.types.phone_frames`, the frames the lip-sync metrics score) and leaves its motion elsewhere as it
was; post-processing's smoothing then eases the edges while keeping the closure (`emoanim.motion.post.smoothing`).

Why no ramp of its own: easing the seal in over two frames on each side (weights 2/3 and 1/3) shut the short phones
next to a bilabial as well. On the 160 selection prompts (corpora/select80_2voices.npz: the Asterisk voice and
Flite's awb), one phone-reading emoface checkpoint closed falsely 53 times with that ramp, 42 with one frame, 40
with none, against 44 for the phonetic animator; the bilabials closed were the same (348 with the ramp, 348
without). `RAMP_FRAMES` = 0.

Every bilabial of the phones is sealed, recognised or forced. Sealing only the recognised ones the model already
nearly closes (lip aperture down to 0.15 on the phone's frames) was tried: on the selection prompts it took emote's
false closures on awb from 22 to 19 (the phonetic animator: 20), but on the held-out prompts it cost 3 of awb's
closures (259 against 262) for one false closure fewer (17 against 18), and left RAVDESS's false closures as they
were (26), so the simpler rule stayed.

In ARKit, ``mouthClose`` brings the lips together against an open jaw, so ``mouthClose = jawOpen`` with the
lip-parting shapes at zero is a full closure at any jaw opening (and keeps the emotion's jaw, e.g. surprise). A seal
of weight ``w`` scales the lip aperture (`lip_aperture`) by ``1 - w``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES
from emoanim.motion.frame_weights import taper
from emoanim.phonetics.bilabials import BILABIALS
from emoanim.phonetics.types import Phone, phone_frames

# Lip aperture at or below this = lips closed: what the lip-sync metrics count (`emoanim.eval.lipsync`, whose docstring
# says why 0.05) and what smoothing keeps shut (`emoanim.motion.post.smoothing`).
CLOSED_APERTURE = 0.05
RAMP_FRAMES = 0  # frames the seal is eased over on each side (module docstring: a ramp costs false closures)

LIP_OPENERS = np.array(
    [ARKIT_INDEX[n] for n in ("mouthUpperUpLeft", "mouthUpperUpRight", "mouthLowerDownLeft", "mouthLowerDownRight",
                              "mouthFunnel", "tongueOut")], dtype=np.intp,
)  # shapes that part the lips; zero while the lips are sealed
_JAW, _CLOSE = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
_LOWER_DOWN = [ARKIT_INDEX["mouthLowerDownLeft"], ARKIT_INDEX["mouthLowerDownRight"]]
_UPPER_UP = [ARKIT_INDEX["mouthUpperUpLeft"], ARKIT_INDEX["mouthUpperUpRight"]]


def lip_aperture(expression: np.ndarray) -> np.ndarray:
    """ARKit weights ``(T, 52)`` -> lip aperture ``(T,)`` >= 0: ``jawOpen - mouthClose`` plus half of each lip's
    own opener (``mouthLowerDown``, ``mouthUpperUp``, left/right means). The lip-sync metrics score it
    (`emoanim.eval.lipsync`, whose docstring says why) and smoothing keeps it shut where it was."""
    x = np.asarray(expression, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(ARKIT_NAMES) or x.shape[0] == 0:
        raise ValueError(f"expression must be (T, {len(ARKIT_NAMES)}) ARKit weights with T >= 1, got {x.shape}")
    aperture = (x[:, _JAW] - x[:, _CLOSE]
                + 0.5 * x[:, _LOWER_DOWN].mean(axis=1) + 0.5 * x[:, _UPPER_UP].mean(axis=1))
    return np.maximum(aperture, 0.0)


def bilabials_in(phones: Sequence[Phone]) -> list[Phone]:
    """The /p b m/ phones of ``phones`` (stress marks ignored)."""
    return [p for p in phones if p.label.rstrip("012").upper() in BILABIALS]


def closure_frames(closures: Sequence[Phone], fps: float, frames: int) -> np.ndarray:
    """``(T,)`` bool: every frame of every phone in ``closures``, and each one's centre frame (see `phone_frames`)."""
    mask = np.zeros(frames + 1, np.int64)
    if closures:
        first, last = phone_frames(
            np.array([p.start for p in closures]), np.array([p.end for p in closures]), fps, frames
        )
        np.add.at(mask, first, 1)
        np.add.at(mask, last + 1, -1)
    return np.cumsum(mask[:-1]) > 0


def seal_lips(expression: np.ndarray, weight: np.ndarray) -> None:
    """In place on ARKit weights ``(T, 52)``: the lips closed by ``weight`` ``(T,)`` in [0, 1] (1 = shut; a bool
    mask works); ``mouthClose <= jawOpen`` everywhere after."""
    weight = np.clip(np.asarray(weight, np.float64), 0.0, 1.0)
    expression[:, LIP_OPENERS] *= (1.0 - weight)[:, None]
    jaw, close = expression[:, _JAW], expression[:, _CLOSE]
    expression[:, _CLOSE] = np.minimum(close + weight * np.maximum(jaw - close, 0.0), jaw)


def seal_bilabials(expression: np.ndarray, phones: Sequence[Phone], fps: float,
                   ramp_frames: int = RAMP_FRAMES) -> list[Phone]:
    """In place on ARKit weights ``(T, 52)`` at ``fps``: the lips shut on every /p b m/ phone's frames, ramped over
    ``ramp_frames`` on each side. -> the bilabials sealed."""
    closures = bilabials_in(phones)
    if closures:
        seal_lips(expression, taper(closure_frames(closures, fps, len(expression)), ramp_frames))
    return closures
