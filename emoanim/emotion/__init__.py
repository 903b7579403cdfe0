"""emotion stage: the 8 classes, `--emotion` timelines, and each emotion's ARKit prototype (see ARCHITECTURE.md).

    track = EmotionTrack.parse("neutral@0,happy:0.8@1.5,sad@4")
    weights = track.at(times)              # (T,) s -> (T, 8), rows sum to 1
    offsets = expression_offsets(weights)  # (T, 8) -> (T, 52) ARKit weights to add on top of speech
"""
from emoanim.emotion.classes import EMOTION_INDEX, EMOTIONS, NEUTRAL
from emoanim.emotion.prototypes import (
    AU_TO_ARKIT,
    EMFACS_PROTOTYPES,
    PROTOTYPE_MATRIX,
    expression_offsets,
    prototype,
)
from emoanim.emotion.spec import ALIASES, EmotionKey, canonical_emotion
from emoanim.emotion.track import DEFAULT_TRANSITION, EmotionTrack

__all__ = [
    "ALIASES",
    "AU_TO_ARKIT",
    "DEFAULT_TRANSITION",
    "EMFACS_PROTOTYPES",
    "EMOTIONS",
    "EMOTION_INDEX",
    "NEUTRAL",
    "PROTOTYPE_MATRIX",
    "EmotionKey",
    "EmotionTrack",
    "canonical_emotion",
    "expression_offsets",
    "prototype",
]
