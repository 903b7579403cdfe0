"""Read any speech file into mono float32 at 16 kHz (`load_audio`), refusing files that are broken.

soundfile (libsndfile) reads WAV, FLAC, OGG and MP3; anything it cannot open (m4a/AAC, unusual WAV codecs) goes
through the static ffmpeg that imageio-ffmpeg ships. Both paths stream: a one-hour 48 kHz stereo file is read a
block at a time, so memory holds the 16 kHz mono result plus a few blocks, never the full-rate signal.

libsndfile quietly shortens a WAV whose header promises more data than the file holds, and reads a cut Ogg file as
empty, so the container itself is checked first (`_check_container`); every decoder's sample count is then compared
with what the header declared.
"""
from __future__ import annotations

import math
import re
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

from emoanim.audio.types import SAMPLE_RATE, Audio
from emoanim.errors import EmoanimError, InputError

MIN_SECONDS = 0.1  # shorter than one syllable (~0.2 s): nothing to animate
BLOCK_FRAMES = 1 << 18  # native-rate frames per read: ~5.5 s at 48 kHz, 2 MiB as float32 stereo
FORMATS_HINT = "give a wav, flac, ogg, mp3 or m4a speech file"
REEXPORT_HINT = "the file was cut short; copy, download or export it again"
# MP3 without a Xing/Info header has only an estimated length (file size / bitrate), a few frames off even when
# the file is whole; allow that much before calling it truncated.
MP3_LENGTH_SLACK_SECONDS = 0.1
MP3_LENGTH_SLACK_FRACTION = 0.02
FFMPEG_LENGTH_SLACK_SECONDS = 0.1  # AAC/MP3 encoder priming and padding, ~2 frames of 1024-1152 samples


def load_audio(path: str | Path) -> Audio:
    """Read ``path`` into `Audio`: float32 ``(N,)`` at 16 kHz, channels averaged.

    Integer formats are scaled to [-1, 1); a float file whose peak exceeds 1 is scaled down to peak 1 (some tools
    write float WAVs at int16 scale, which later stages would read as absurd levels). All-zero audio is valid.
    Raises `InputError` (one line: path, problem, what to do) for a missing path, a directory, a file that is not
    audio, a truncated file, zero samples, NaN/inf samples, or audio shorter than `MIN_SECONDS`.
    """
    path = Path(path)
    _check_path(path)
    try:
        _check_container(path)
        samples = _read_with_soundfile(path)
        if samples is None:
            samples = _read_with_ffmpeg(path)
    except PermissionError:
        raise InputError("cannot be read: permission denied", path=path, hint="check the file's permissions") from None
    if len(samples) == 0:
        raise InputError("contains no audio samples", path=path, hint=f"record or export at least {MIN_SECONDS} s")
    if not np.isfinite(samples).all():
        raise _non_finite(path)
    if len(samples) < MIN_SECONDS * SAMPLE_RATE:
        raise InputError(f"audio is only {len(samples) / SAMPLE_RATE:.3f} s long; at least {MIN_SECONDS} s is needed",
                         path=path, hint="give a longer recording")
    peak = float(np.max(np.abs(samples)))
    if peak > 1.0:
        samples /= peak
    return Audio(samples=samples, sample_rate=SAMPLE_RATE, source=path)


def _non_finite(path: Path) -> InputError:
    return InputError("contains NaN or infinite sample values", path=path,
                      hint="export it again, e.g. as 16-bit PCM WAV")


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise InputError("is a directory, not an audio file", path=path, hint=FORMATS_HINT)
    if not path.exists():
        raise InputError("file not found", path=path, hint="check the path and its spelling")
    if path.stat().st_size == 0:
        raise InputError("file is empty (0 bytes)", path=path, hint=REEXPORT_HINT)


# --- container checks: catch truncation the decoders hide -------------------------------------------------------

def _check_container(path: Path) -> None:
    with path.open("rb") as f:
        magic = f.read(12)
        if magic[:4] in (b"RIFF", b"RIFX", b"RF64") and magic[8:12] == b"WAVE":
            _check_wav_data_size(f, path, magic[:4])
        elif magic[:4] == b"OggS":
            _check_ogg_pages(f, path)


def _check_wav_data_size(f, path: Path, kind: bytes) -> None:
    """Raise if the ``data`` chunk is missing or declares more bytes than the file holds."""
    size = path.stat().st_size
    endian = ">" if kind == b"RIFX" else "<"
    rf64_data_size = None
    offset = 12
    for _ in range(10_000):  # a WAV has a handful of chunks; the bound only stops a loop on garbage sizes
        f.seek(offset)
        header = f.read(8)
        if len(header) < 8:
            break
        chunk_id, chunk_size = header[:4], struct.unpack(endian + "I", header[4:])[0]
        if chunk_id == b"ds64" and kind == b"RF64":
            # EBU Tech 3306: 64-bit RIFF size then 64-bit data size.
            body = f.read(16)
            if len(body) == 16:
                rf64_data_size = struct.unpack("<Q", body[8:16])[0]
        if chunk_id == b"data":
            declared = rf64_data_size if (kind == b"RF64" and chunk_size == 0xFFFFFFFF) else chunk_size
            if declared in (None, 0, 0xFFFFFFFF):
                return  # size left open by a streaming writer (e.g. ffmpeg to a pipe): the data runs to the end
            present = size - (offset + 8)
            if present < declared:
                raise InputError(f"is truncated: its WAV header promises {declared} bytes of audio but only "
                                 f"{max(present, 0)} are present", path=path, hint=REEXPORT_HINT)
            return
        offset += 8 + chunk_size + (chunk_size & 1)  # chunks are padded to even length
    raise InputError("is truncated: the WAV file ends before its audio data", path=path, hint=REEXPORT_HINT)


def _check_ogg_pages(f, path: Path) -> None:
    """Walk the Ogg pages (RFC 3533); the file must end exactly after a page flagged end-of-stream."""
    size = path.stat().st_size
    offset, last_flags = 0, 0
    while offset < size:
        f.seek(offset)
        header = f.read(27)
        if len(header) < 27 or header[:4] != b"OggS":
            break
        segments = f.read(header[26])
        if len(segments) < header[26]:
            break
        last_flags = header[5]
        offset += 27 + header[26] + sum(segments)
    if offset != size or not last_flags & 0x04:
        raise InputError("is truncated: the Ogg stream stops before its last page", path=path, hint=REEXPORT_HINT)


# --- soundfile path --------------------------------------------------------------------------------------------

def _read_with_soundfile(path: Path) -> np.ndarray | None:
    """16 kHz mono samples, or None if libsndfile does not recognise the file."""
    try:
        handle = sf.SoundFile(str(path))
    except sf.LibsndfileError:
        return None  # not a format libsndfile knows: ffmpeg gets a try
    with handle:
        declared, rate = handle.frames, handle.samplerate
        check_finite = handle.subtype in ("FLOAT", "DOUBLE")
        is_mp3 = handle.subtype.startswith("MPEG_LAYER")
        counted = [0]

        def mono_blocks() -> Iterator[np.ndarray]:
            while True:
                try:
                    block = handle.read(BLOCK_FRAMES, dtype="float32", always_2d=True)
                except sf.LibsndfileError as err:
                    raise InputError(f"is corrupt or truncated ({_one_line(err)})", path=path,
                                     hint=REEXPORT_HINT) from None
                if len(block) == 0:
                    return
                if check_finite and not np.isfinite(block).all():
                    raise _non_finite(path)  # fail before decoding the rest of a long file
                counted[0] += len(block)
                yield block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]

        samples = resample_to_16k(mono_blocks(), rate, expected_frames=declared)
    slack = math.ceil(max(MP3_LENGTH_SLACK_SECONDS * rate, MP3_LENGTH_SLACK_FRACTION * declared)) if is_mp3 else 0
    if counted[0] + slack < declared:
        raise InputError(f"is truncated: its header promises {declared / rate:.2f} s of audio but only "
                         f"{counted[0] / rate:.2f} s could be decoded", path=path, hint=REEXPORT_HINT)
    return samples


# --- ffmpeg path -----------------------------------------------------------------------------------------------

def _ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as err:
        raise EmoanimError(f"ffmpeg is needed to read this kind of file but was not found ({_one_line(err)}); "
                           "install it with `pip install imageio-ffmpeg`") from None


def _read_with_ffmpeg(path: Path) -> np.ndarray:
    """Decode with ffmpeg straight to 16 kHz mono float32 over a pipe."""
    # rematrix_maxval=1 normalises the downmix gain to 1, so stereo becomes (L + R) / 2 as on the soundfile path
    # (plain `-ac 1` would weight each channel by 1/sqrt(2)).
    resample = f"aresample=osr={SAMPLE_RATE}:ochl=mono:osf=flt:rematrix_maxval=1"
    command = [_ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-v", "info", "-i", str(path),
               "-map", "0:a:0", "-af", resample, "-f", "f32le", "pipe:1"]
    decoded = bytearray()
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a chatty stderr cannot deadlock the read loop
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log) as process:
            while chunk := process.stdout.read(1 << 20):
                decoded.extend(chunk)
        log.seek(0)
        messages = log.read().decode("utf-8", "replace")
    if "moov atom not found" in messages and _looks_like_mp4(path):
        # MP4 writes its index last by default, so a cut-off m4a loses it first.
        raise InputError("is truncated or unfinished: its MP4 index (moov atom) is missing", path=path,
                         hint=REEXPORT_HINT)
    if "matches no streams" in messages:
        raise InputError("has no audio stream", path=path, hint=FORMATS_HINT)
    if process.returncode != 0 or not decoded:
        raise InputError(f"is not audio that soundfile or ffmpeg can read ({_ffmpeg_reason(messages)})",
                         path=path, hint=FORMATS_HINT)
    samples = np.frombuffer(decoded, dtype="<f4", count=len(decoded) // 4)
    _check_ffmpeg_length(path, messages, len(samples) / SAMPLE_RATE)
    return samples


def _looks_like_mp4(path: Path) -> bool:
    """True if the file opens with an ISO-BMFF box (ISO/IEC 14496-12), as every m4a/mp4 does."""
    with path.open("rb") as f:
        return f.read(8)[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")


def _check_ffmpeg_length(path: Path, messages: str, decoded_seconds: float) -> None:
    if "partial file" in messages:
        raise InputError("is truncated: ffmpeg reports a partial file", path=path, hint=REEXPORT_HINT)
    match = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", messages)
    if match is None:
        return  # no declared length (raw streams): nothing to compare against
    hours, minutes, seconds = match.groups()
    declared = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    if decoded_seconds + FFMPEG_LENGTH_SLACK_SECONDS + 0.01 * declared < declared:
        raise InputError(f"is truncated: its header promises {declared:.2f} s of audio but only "
                         f"{decoded_seconds:.2f} s could be decoded", path=path, hint=REEXPORT_HINT)


def _ffmpeg_reason(messages: str) -> str:
    """The most telling line of ffmpeg's log, without its ``[component @ 0x...]`` prefix."""
    lines = [re.sub(r"^\[[^\]]*\]\s*", "", line).strip() for line in messages.splitlines()]
    errors = [line for line in lines if line and ("rror" in line or "match" in line or "not found" in line)]
    return (errors or [line for line in lines if line] or ["no output"])[0]


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


# --- resampling --------------------------------------------------------------------------------------------------

def resample_to_16k(blocks: Iterator[np.ndarray], rate: int, expected_frames: int = 0) -> np.ndarray:
    """Resample a mono signal arriving as float32 blocks from ``rate`` Hz to 16 kHz; returns float32 ``(M,)``.

    The result equals ``scipy.signal.resample_poly`` on the whole signal (exact rational ratio, same Kaiser FIR,
    zeros beyond both ends): each run of ``down`` input samples is filtered together with enough neighbours on
    either side to cover the filter, so block edges leave no trace. ``expected_frames`` only sizes the output.
    """
    if rate <= 0:
        raise ValueError(f"sample rate must be positive, got {rate}")
    g = math.gcd(SAMPLE_RATE, rate)
    up, down = SAMPLE_RATE // g, rate // g
    out = _GrowingArray(math.ceil(expected_frames * up / down))
    if up == down == 1:
        for block in blocks:
            out.append(block)
        return out.result()
    # Imported here: scipy.signal costs ~0.6 s to import, and 16 kHz input (the common case) never needs it.
    from scipy.signal import firwin, resample_poly

    # scipy's default design (resample_poly): half-length 10 * max(up, down) taps of the upsampled rate.
    half_len = 10 * max(up, down)
    window = firwin(2 * half_len + 1, 1.0 / max(up, down), window=("kaiser", 5.0)).astype(np.float32)
    margin = math.ceil((half_len / up + 2) / down) * down  # input samples of context, a whole number of `down`s
    core = max(1, BLOCK_FRAMES // down) * down

    pending = np.empty(0, np.float32)  # input samples from global index `pending_start` on
    pending_start = core_start = 0

    def emit(core_end: int, total: int | None) -> None:
        seg_start = max(0, core_start - margin)
        seg_end = total if total is not None else core_end + margin
        segment = pending[seg_start - pending_start: seg_end - pending_start]
        filtered = resample_poly(segment, up, down, window=window)
        first = (core_start - seg_start) * up // down
        count = (math.ceil(total * up / down) if total is not None else core_end * up // down) - core_start * up // down
        out.append(filtered[first: first + count])

    for block in blocks:
        pending = np.concatenate([pending, block])
        while pending_start + len(pending) >= core_start + core + margin:
            emit(core_start + core, None)
            core_start += core
            drop = core_start - margin - pending_start
            pending, pending_start = pending[drop:], pending_start + drop
    total = pending_start + len(pending)
    if total > core_start:
        emit(total, total)
    return out.result()


class _GrowingArray:
    """float32 buffer preallocated to the expected size, grown (x1.5) only when a length estimate was short."""

    def __init__(self, capacity: int):
        # A header can lie about length; past ~70 min at 16 kHz, grow on demand rather than trust it.
        self._data = np.empty(min(max(capacity, 0), 1 << 26), np.float32)
        self._size = 0

    def append(self, values: np.ndarray) -> None:
        end = self._size + len(values)
        if end > len(self._data):
            grown = np.empty(max(end, int(len(self._data) * 1.5)), np.float32)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size: end] = values
        self._size = end

    def result(self) -> np.ndarray:
        return self._data[: self._size] if self._size < len(self._data) else self._data
