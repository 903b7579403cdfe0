"""Frames (and speech) to an H.264/AAC MP4 through imageio-ffmpeg's static ffmpeg.

ffmpeg is driven directly (``imageio_ffmpeg.get_ffmpeg_exe()``) rather than through ``imageio_ffmpeg.write_frames``:
that generator never checks ffmpeg's exit status, so a failed encode could be renamed into place as a broken file.

Sync: frames go in as a constant-rate stream from t = 0 and the speech, whole, from its own t = 0 (the MP4 edit
list hides AAC's encoder delay), so a performance of ``round(duration × fps)`` frames ends within half a frame of the
speech. ``-shortest`` is deliberately not used: measured here, it cut the AAC track up to ~40 ms short of the video's
end (it stops at a packet boundary), while without it the decoded speech is exactly as long as the input. The file is written under a temporary name beside the target and renamed when
ffmpeg has finished, so an error never leaves a partial MP4.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from emoanim.audio.types import Audio
from emoanim.errors import EmoanimError, InputError
from emoanim.export.atomic import temp_path_for

VIDEO_CODEC = "libx264"
PIXEL_FORMAT = "yuv420p"  # what every player decodes; needs even frame sides
AUDIO_CODEC = "aac"
AUDIO_BITRATE = "128k"
# CRF 20 is visually clean for flat-shaded previews; "veryfast" costs a fraction of "medium"'s CPU for a few percent
# more bytes, and the encoder shares the 2 cores with the software rasteriser.
X264_OPTIONS = ["-crf", "20", "-preset", "veryfast"]
# -movflags +faststart moves the index to the front so browsers start playing before the whole file arrives.
CONTAINER_OPTIONS = ["-movflags", "+faststart", "-f", "mp4"]


def _check_frame(frame: np.ndarray, shape: tuple[int, ...] | None, index: int) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"frame {index}: expected (H, W, 3) uint8 RGB, got {frame.shape} {frame.dtype}")
    if shape is not None and frame.shape != shape:
        raise ValueError(f"frame {index}: size {frame.shape} differs from frame 0's {shape}")
    if frame.shape[0] % 2 or frame.shape[1] % 2:
        raise ValueError(f"frame {index}: {PIXEL_FORMAT} video needs even sides, got {frame.shape[:2]}")
    return np.ascontiguousarray(frame)


def _audio_file(audio: str | Path | Audio, scratch: Path) -> Path:
    """A file ffmpeg can read: the user's own file (any format ffmpeg knows), or ``audio`` written as 16-bit WAV."""
    if isinstance(audio, Audio):
        import soundfile

        path = scratch / "speech.wav"
        soundfile.write(str(path), np.clip(audio.samples, -1.0, 1.0), audio.sample_rate, subtype="PCM_16")
        return path
    path = Path(audio)
    if not path.is_file():
        raise InputError("speech file not found for the video's sound track", path=path,
                         hint="pass the audio file the performance was made from")
    return path


def ffmpeg_command(width: int, height: int, fps: float, out: Path, audio_path: Path | None) -> list[str]:
    """The ffmpeg call: raw RGB frames on stdin (and the speech file) in, H.264 (+ AAC) MP4 out."""
    import imageio_ffmpeg

    rate = Fraction(fps).limit_denominator(1001)  # exact for 24000/1001-style rates
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-nostdin", "-v", "error",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(rate), "-i", "-"]
    if audio_path is not None:
        command += ["-i", str(audio_path), "-map", "0:v:0", "-map", "1:a:0",
                    "-c:a", AUDIO_CODEC, "-b:a", AUDIO_BITRATE]
    return command + ["-c:v", VIDEO_CODEC, "-pix_fmt", PIXEL_FORMAT, *X264_OPTIONS, *CONTAINER_OPTIONS, str(out)]


def _encode(command: list[str], first: np.ndarray, rest: Iterator[np.ndarray], out_path: Path) -> None:
    """Pipe frames into ffmpeg; raise with ffmpeg's own words if it fails."""
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a chatty ffmpeg cannot block on a full pipe
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log)
        stopped_reading = False
        try:
            process.stdin.write(first.tobytes())
            for index, frame in enumerate(rest, start=1):
                process.stdin.write(_check_frame(frame, first.shape, index).tobytes())
            process.stdin.close()
        except BrokenPipeError:
            stopped_reading = True  # ffmpeg quit before taking every frame; reported below with its own words
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass  # the same failure again, on flushing to the reader that has gone
        except BaseException:
            process.kill()
            process.wait()
            raise
        if process.wait() != 0 or stopped_reading:
            log.seek(0)
            words = log.read().decode("utf-8", "replace").strip().splitlines() or ["no message"]
            raise EmoanimError(f"{out_path}: ffmpeg failed to write the video (exit {process.returncode}): "
                               f"{words[-1]}")


def write_mp4(frames: Iterable[np.ndarray], fps: float, out_path: str | Path,
              audio: str | Path | Audio | None = None) -> Path:
    """Encode ``frames`` (each ``(H, W, 3)`` uint8 RGB, all one size) at ``fps`` into ``out_path``; return it.

    ``audio``: a speech file path or an `Audio`, muxed whole as AAC from t = 0, like frame 0.
    On any error nothing is left at ``out_path`` (an older file there stays untouched) and ``frames`` is closed.
    """
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        raise InputError("output folder does not exist", path=out_path.parent, hint="create it first")
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    iterator = iter(frames)
    temp = temp_path_for(out_path)
    try:
        with tempfile.TemporaryDirectory(prefix="emoanim-video-") as scratch:
            audio_path = None if audio is None else _audio_file(audio, Path(scratch))
            first = next(iterator, None)
            if first is None:
                raise ValueError("no frames to write")
            first = _check_frame(first, None, 0)
            height, width = first.shape[:2]
            _encode(ffmpeg_command(width, height, fps, temp, audio_path), first, iterator, out_path)
        os.replace(temp, out_path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
    return out_path
