"""The one interface every animator implements."""
from __future__ import annotations

from typing import Protocol

from emoanim.audio.types import Audio
from emoanim.emotion.track import EmotionTrack
from emoanim.motion.performance import Performance
from emoanim.phonetics.types import PhoneTrack


class Animator(Protocol):
    """Speech + emotion -> `Performance`.

    ``phones`` is the aligner's output when the animator needs it (the phonetic one does; learned ones may ignore it).
    ``fps`` sets the output frame rate; the result has ``frame_count(audio.duration, fps)`` frames.
    """

    name: str
    needs_phones: bool

    def animate(
        self, audio: Audio, emotion: EmotionTrack, *, phones: PhoneTrack | None, fps: float, seed: int
    ) -> Performance: ...
