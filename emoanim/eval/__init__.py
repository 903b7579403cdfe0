"""eval stage: objective metrics (see ARCHITECTURE.md).

    from emoanim.eval import bilabial_closure_rate
    rate, n = bilabial_closure_rate(performance.expression, performance.fps, phones)
"""
from emoanim.eval.lipsync import (
    CLOSED_APERTURE,
    OPEN_JAW,
    LipSyncScores,
    bilabial_closure_rate,
    closure_in_pauses,
    lip_aperture,
    open_vowel_rate,
    score_lipsync,
)

__all__ = [
    "CLOSED_APERTURE", "OPEN_JAW", "LipSyncScores", "bilabial_closure_rate", "closure_in_pauses", "lip_aperture",
    "open_vowel_rate", "score_lipsync",
]
