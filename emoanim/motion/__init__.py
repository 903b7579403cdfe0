"""The canonical `Performance` type and what happens to it after an animator."""
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES, GAZE_NAMES, HEAD_NAMES, HEAD_TRANSLATION_NAMES
from emoanim.motion.performance import Performance, frame_count

__all__ = [
    "ARKIT_INDEX", "ARKIT_NAMES", "GAZE_NAMES", "HEAD_NAMES", "HEAD_TRANSLATION_NAMES", "Performance", "frame_count",
]
