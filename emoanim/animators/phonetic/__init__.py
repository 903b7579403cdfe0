"""The phonetic animator: coarticulated visemes from timed phones, styled by emotion; no learned weights.

    from emoanim.animators.phonetic import PhoneticAnimator
    performance = PhoneticAnimator().animate(audio, EmotionTrack.parse("happy"), phones=track, fps=30, seed=0)
"""
from emoanim.animators.phonetic.animator import PhoneticAnimator

__all__ = ["PhoneticAnimator"]
