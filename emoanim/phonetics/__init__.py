"""phonetics stage: phones with timings from speech (see ARCHITECTURE.md).

`align(audio, transcript=None, language="en-us") -> PhoneTrack`: pocketsphinx forced alignment with a transcript,
phone recognition without one.
"""
from emoanim.phonetics.align import LANGUAGES, align
from emoanim.phonetics.types import ARPABET, SILENCE, Phone, PhoneTrack

__all__ = ["align", "Phone", "PhoneTrack", "SILENCE", "ARPABET", "LANGUAGES"]
