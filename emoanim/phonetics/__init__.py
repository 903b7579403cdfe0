"""phonetics stage: phones with timings from speech (see ARCHITECTURE.md).

`align(audio, transcript=None, language="en-us", recognizer="words") -> PhoneTrack`: pocketsphinx forced alignment
with a transcript; without one, word recognition then forced alignment of the words (or phone recognition alone,
``recognizer="phones"``).
"""
from emoanim.phonetics.align import DEFAULT_RECOGNIZER, LANGUAGES, RECOGNIZERS, align, check_recognizer
from emoanim.phonetics.types import ARPABET, SILENCE, Phone, PhoneTrack

__all__ = ["align", "Phone", "PhoneTrack", "SILENCE", "ARPABET", "LANGUAGES", "RECOGNIZERS", "DEFAULT_RECOGNIZER", "check_recognizer"]
