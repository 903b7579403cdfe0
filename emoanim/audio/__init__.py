"""audio stage: read any speech file into mono float32 at 16 kHz, validate it, split it, bring its level to a
reference, compute features."""
from emoanim.audio.chunks import split_long
from emoanim.audio.features import frame_rms_db
from emoanim.audio.io import load_audio
from emoanim.audio.level import normalize_level, speech_level_dbfs
from emoanim.audio.types import SAMPLE_RATE, Audio

__all__ = ["SAMPLE_RATE", "Audio", "frame_rms_db", "load_audio", "normalize_level", "speech_level_dbfs", "split_long"]
