"""The eight emotion classes, in the fixed order of every emotion-weight array ``(T, 8)``."""
from __future__ import annotations

EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "surprised", "fear", "disgusted", "angry", "contempt")
EMOTION_INDEX: dict[str, int] = {name: i for i, name in enumerate(EMOTIONS)}
NEUTRAL = "neutral"
