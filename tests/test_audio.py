"""Spec for the audio front end: `load_audio` reads every supported file the same way and refuses broken ones;
`split_long` cuts long audio at pauses."""
from __future__ import annotations

import math
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

import emoanim.audio.io as audio_io
from emoanim.audio import SAMPLE_RATE, Audio, frame_rms_db, load_audio, split_long
from emoanim.errors import InputError

TONE_HZ = 440.0


def tone(seconds: float, rate: int, channels: int = 1, amplitude: float = 0.3) -> np.ndarray:
    """``(N,)`` or ``(N, channels)`` sine; channel c is scaled by 1 / (c + 1) so a downmix is checkable."""
    t = np.arange(int(round(seconds * rate))) / rate
    mono = amplitude * np.sin(2 * np.pi * TONE_HZ * t)
    if channels == 1:
        return mono
    return np.stack([mono / (c + 1) for c in range(channels)], axis=1)


def ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True)


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def assert_clean_16k(audio: Audio, seconds: float, tolerance: float) -> None:
    assert audio.sample_rate == SAMPLE_RATE == 16_000
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert abs(audio.duration - seconds) <= tolerance, (audio.duration, seconds)
    assert abs(dominant_hz(audio.samples, SAMPLE_RATE) - TONE_HZ) < 3.0


def refused(path: Path, *words: str) -> InputError:
    """Assert `load_audio(path)` raises `InputError` on one line naming ``path`` and saying each of ``words``."""
    with pytest.raises(InputError) as err:
        load_audio(path)
    message = str(err.value)
    assert str(path) in message
    assert "\n" not in message and "\r" not in message
    explanation = message.replace(str(path), "").lower()  # tmp_path holds the test's name: keep it out
    for word in words:
        assert word in explanation, message
    return err.value


# --- every format and rate lands on the same 16 kHz mono float32 -------------------------------------------------

@pytest.mark.parametrize("rate", [8_000, 16_000, 22_050, 44_100, 48_000])
@pytest.mark.parametrize("fmt,subtype,suffix", [
    ("WAV", "PCM_U8", ".wav"), ("WAV", "PCM_16", ".wav"), ("WAV", "PCM_24", ".wav"), ("WAV", "PCM_32", ".wav"),
    ("WAV", "FLOAT", ".wav"), ("WAV", "DOUBLE", ".wav"), ("FLAC", "PCM_16", ".flac"), ("FLAC", "PCM_24", ".flac"),
    ("OGG", "VORBIS", ".ogg"),
])
def test_soundfile_formats_keep_duration_level_and_pitch(tmp_path, rate, fmt, subtype, suffix):
    path = tmp_path / f"tone{suffix}"
    sf.write(str(path), tone(1.3, rate), rate, format=fmt, subtype=subtype)
    audio = load_audio(path)
    assert_clean_16k(audio, 1.3, tolerance=0.002)
    assert audio.source == path
    lossy_or_8bit = subtype in ("VORBIS", "PCM_U8")
    assert rms(audio.samples) == pytest.approx(0.3 / math.sqrt(2), rel=0.08 if lossy_or_8bit else 0.01)


@pytest.mark.parametrize("suffix", [".mp3", ".m4a"])
@pytest.mark.parametrize("rate", [22_050, 44_100, 48_000])
def test_ffmpeg_made_mp3_and_m4a_are_read(tmp_path, suffix, rate):
    wav = tmp_path / "source.wav"
    sf.write(str(wav), tone(1.5, rate, channels=2), rate, subtype="PCM_16")
    coded = tmp_path / f"coded{suffix}"
    ffmpeg("-i", str(wav), str(coded))
    audio = load_audio(coded)
    # Encoder priming/padding is trimmed by gapless decoders; allow a frame's worth.
    assert_clean_16k(audio, 1.5, tolerance=0.03)
    # Channels (1 and 1/2 amplitude) are averaged: 0.75 of the left channel's level.
    assert rms(audio.samples) == pytest.approx(0.75 * 0.3 / math.sqrt(2), rel=0.1)


def test_wav_codec_soundfile_cannot_open_goes_through_ffmpeg(tmp_path):
    wav = tmp_path / "pcm.wav"
    sf.write(str(wav), tone(1.0, 8_000), 8_000, subtype="PCM_16")
    odd = tmp_path / "g726.wav"
    ffmpeg("-i", str(wav), "-c:a", "adpcm_g726", str(odd))
    with pytest.raises(sf.LibsndfileError):
        sf.info(str(odd))
    assert_clean_16k(load_audio(odd), 1.0, tolerance=0.005)


def test_stereo_is_downmixed_by_mean(tmp_path):
    rng = np.random.default_rng(1)
    stereo = rng.uniform(-0.5, 0.5, size=(16_000, 2))
    path = tmp_path / "stereo.wav"
    sf.write(str(path), stereo, 16_000, subtype="FLOAT")
    audio = load_audio(path)
    np.testing.assert_allclose(audio.samples, stereo.mean(axis=1), atol=1e-6)


def test_more_than_two_channels_are_averaged(tmp_path):
    path = tmp_path / "six.wav"
    sf.write(str(path), tone(0.5, 16_000, channels=6), 16_000, subtype="FLOAT")
    expected = tone(0.5, 16_000, channels=6).mean(axis=1)
    np.testing.assert_allclose(load_audio(path).samples, expected, atol=1e-6)


def test_block_streaming_equals_whole_signal_resample_poly(tmp_path, monkeypatch):
    rng = np.random.default_rng(2)
    noise = rng.uniform(-0.9, 0.9, size=(44_100 * 3 + 17, 2)).astype(np.float32)
    path = tmp_path / "noise.wav"
    sf.write(str(path), noise, 44_100, subtype="FLOAT")
    monkeypatch.setattr(audio_io, "BLOCK_FRAMES", 5_000)  # many blocks, edges not aligned to anything
    streamed = load_audio(path).samples
    whole = resample_poly(noise.mean(axis=1, dtype=np.float32), 160, 441)
    assert len(streamed) == len(whole) == math.ceil(len(noise) * 160 / 441)
    np.testing.assert_allclose(streamed, whole, atol=1e-6)


def test_espeak_speech_keeps_its_duration(say):
    path = say("The quick brown fox jumps over the lazy dog.")
    info = sf.info(str(path))
    audio = load_audio(path)
    assert info.samplerate != SAMPLE_RATE  # espeak-ng writes 22.05 kHz, so this exercises resampling
    assert abs(audio.duration - info.duration) < 0.001
    assert rms(audio.samples) > 0.01


def test_silence_is_valid(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(str(path), np.zeros(44_100), 44_100, subtype="PCM_16")
    audio = load_audio(path)
    assert len(audio.samples) == 16_000
    assert not audio.samples.any()


def test_float_file_louder_than_full_scale_is_scaled_to_peak_one(tmp_path):
    path = tmp_path / "int_scale.wav"
    sf.write(str(path), tone(0.5, 16_000, amplitude=3000.0), 16_000, subtype="FLOAT")
    audio = load_audio(path)
    assert np.max(np.abs(audio.samples)) == pytest.approx(1.0)


def test_frame_rms_db_is_exported_and_sees_the_tone(tmp_path):
    path = tmp_path / "tone.wav"
    sf.write(str(path), np.concatenate([tone(0.5, 16_000), np.zeros(8_000)]), 16_000)
    levels = frame_rms_db(load_audio(path), fps=30, frames=30)
    assert levels[5] > -15 and levels[25] == -60


# --- bad input: one line naming the file, the problem and a fix ---------------------------------------------------

def test_missing_file(tmp_path):
    path = tmp_path / "nope.wav"
    refused(path, "not found")


def test_directory(tmp_path):
    refused(tmp_path, "directory")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    refused(path, "empty")


@pytest.mark.parametrize("name,content", [
    ("notes.wav", b"this is a shopping list, not a recording\n" * 200),
    ("noise.wav", np.random.default_rng(3).bytes(30_000)),
    ("noise.mp3", np.random.default_rng(4).bytes(40_000)),
    ("noise.m4a", np.random.default_rng(5).bytes(20_000)),
], ids=["text", "noise-wav", "noise-mp3", "noise-m4a"])
def test_not_audio(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    refused(path, "audio")


def cut(path: Path, fraction: float = 0.5) -> Path:
    data = path.read_bytes()
    out = path.with_name("cut_" + path.name)
    out.write_bytes(data[: int(len(data) * fraction) + 3])  # +3: odd length, mid-sample and mid-frame
    return out


def test_truncated_wav_is_refused_though_libsndfile_reads_it_short(tmp_path):
    path = tmp_path / "speech.wav"
    sf.write(str(path), tone(2.0, 44_100), 44_100, subtype="PCM_16")
    truncated = cut(path)
    assert sf.info(str(truncated)).frames < 44_100 * 2  # the silent shortening this guards against
    refused(truncated, "truncated")


def test_wav_cut_inside_its_header(tmp_path):
    path = tmp_path / "speech.wav"
    sf.write(str(path), tone(1.0, 16_000), 16_000, subtype="PCM_16")
    truncated = tmp_path / "header_only.wav"
    truncated.write_bytes(path.read_bytes()[:30])
    refused(truncated, "truncated")


@pytest.mark.parametrize("suffix,args", [
    (".mp3", []),
    (".flac", []),
    (".ogg", ["-c:a", "libvorbis"]),
    (".m4a", []),  # index written last: the cut loses it
    (".m4a", ["-movflags", "+faststart"]),  # index first: the cut loses audio the index promises
])
def test_truncated_compressed_files(tmp_path, suffix, args):
    wav = tmp_path / "source.wav"
    sf.write(str(wav), tone(3.0, 44_100), 44_100, subtype="PCM_16")
    coded = tmp_path / f"coded{suffix}"
    ffmpeg("-i", str(wav), *args, str(coded))
    assert load_audio(coded).duration == pytest.approx(3.0, abs=0.03)  # whole file: fine
    truncated = cut(coded)
    error = refused(truncated)
    assert "truncated" in error.problem or "corrupt" in error.problem


def test_zero_samples(tmp_path):
    path = tmp_path / "nothing.wav"
    sf.write(str(path), np.zeros(0), 16_000, subtype="PCM_16")
    refused(path, "no audio samples")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("subtype", ["FLOAT", "DOUBLE"])
def test_non_finite_samples(tmp_path, bad, subtype):
    samples = tone(0.5, 22_050)
    samples[1234] = bad
    path = tmp_path / "bad.wav"
    sf.write(str(path), samples, 22_050, subtype=subtype)
    refused(path, "nan or infinite")


def test_too_short(tmp_path):
    path = tmp_path / "blip.wav"
    sf.write(str(path), tone(0.05, 16_000), 16_000, subtype="PCM_16")
    refused(path, "0.050 s", "0.1 s")


# --- split_long ---------------------------------------------------------------------------------------------------

GAP_EVERY_SECONDS = 7.3  # every 10 s search window holds at least one gap
GAP_SECONDS = 0.3


def gappy_signal(seconds: float) -> np.ndarray:
    """Low-level stand-in for speech (0.01 with every 7th sample 0.02: cheap to build) and silent gaps every 7.3 s."""
    n = int(seconds * SAMPLE_RATE)
    samples = np.full(n, 0.01, dtype=np.float32)
    samples[::7] = 0.02  # not constant, so windows differ in energy outside the gaps
    gap = int(GAP_SECONDS * SAMPLE_RATE)
    for start in np.arange(GAP_EVERY_SECONDS, seconds, GAP_EVERY_SECONDS):
        i = int(start * SAMPLE_RATE)
        samples[i: i + gap] = 0.0
    return samples


def test_split_long_cuts_21_minutes_inside_gaps():
    samples = gappy_signal(21 * 60)
    audio = Audio(samples)
    chunks = split_long(audio, max_seconds=600.0)
    assert len(chunks) == 3
    expected_offset = 0.0
    for offset, chunk in chunks:
        assert offset == pytest.approx(expected_offset, abs=1e-9)
        assert 0 < chunk.duration <= 600.0
        assert chunk.sample_rate == SAMPLE_RATE and chunk.samples.dtype == np.float32
        expected_offset += chunk.duration
    assert expected_offset == pytest.approx(audio.duration)
    for offset, chunk in chunks[1:]:
        cut_at = int(round(offset * SAMPLE_RATE))
        half_window = int(0.025 * SAMPLE_RATE)
        assert not samples[cut_at - half_window: cut_at + half_window].any(), f"cut at {offset} s is not in a gap"
    assert np.array_equal(np.concatenate([chunk.samples for _, chunk in chunks]), samples)


def test_split_long_cut_lands_within_search_window_of_each_limit():
    samples = gappy_signal(21 * 60)
    offsets = [offset for offset, _ in split_long(Audio(samples))]
    for previous, offset in zip(offsets, offsets[1:]):
        assert 590.0 <= offset - previous <= 600.0


def test_split_long_leaves_short_audio_whole():
    samples = gappy_signal(30.0)
    chunks = split_long(Audio(samples), max_seconds=600.0)
    assert len(chunks) == 1
    offset, chunk = chunks[0]
    assert offset == 0.0 and np.array_equal(chunk.samples, samples)


def test_split_long_never_leaves_a_sliver():
    samples = np.full(int(60.02 * SAMPLE_RATE), 0.01, dtype=np.float32)  # no quiet anywhere: ties
    chunks = split_long(Audio(samples), max_seconds=60.0)
    assert len(chunks) == 2
    assert chunks[-1][1].duration >= 1.0
    assert all(chunk.duration <= 60.0 for _, chunk in chunks)


def test_split_long_rejects_tiny_limits():
    with pytest.raises(ValueError):
        split_long(Audio(np.zeros(16_000, np.float32)), max_seconds=1.0)
