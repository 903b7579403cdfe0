"""Lip sync against a real face: mouth opening and width from a talking-face video next to an animation of its audio.

Per video frame the photo landmark detector (emoanim.render.portrait.detect) gives 68 iBUG points; the same
`mouth_track` that measures animations on the `landmarks` rig turns them into inner-lip gap and mouth width in
inter-ocular units, so both sides are measured alike. The animation is made at the video's frame rate.

Scores per measure (opening, width):
- Pearson r at zero lag;
- the best lag within ±`MAX_LAG_S` and the r there; + = the animation moves *after* the real mouth;
- RMSE after scale normalisation: each series is mapped to [0, 1] by its own 5th-95th percentile range, so a face
  that opens less (or a rig with a smaller mouth) is not penalised for scale, only for shape and timing. The
  percentiles, not min/max, keep one mis-detected frame from setting the scale.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emoanim.errors import InputError
from emoanim.eval.landmark_lipsync import MouthTrack, mouth_track
from emoanim.eval.signals import best_lag, pearson

MAX_LAG_S = 0.3
SCALE_PERCENTILES = (5.0, 95.0)


@dataclass(frozen=True)
class SeriesMatch:
    r: float  # at zero lag
    lag_frames: int  # best lag; + = animation after the real face
    lag_ms: float
    lag_r: float
    rmse: float  # after scale normalisation (module docstring)


@dataclass(frozen=True)
class VideoSync:
    name: str
    fps: float
    frames: int
    missed_frames: int  # frames where no face was found (filled from their neighbours)
    opening: SeriesMatch
    width: SeriesMatch


def read_video_frames(path: str | Path) -> tuple[float, list[np.ndarray]]:
    """Frame rate and RGB frames ``(H, W, 3)`` uint8 of a video, through the bundled ffmpeg."""
    import imageio_ffmpeg

    path = Path(path)
    if not path.is_file():
        raise InputError("no such video", path=path, hint="give a video file with a face and its speech")
    try:
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        width, height = meta["size"]
        frames = [np.frombuffer(raw, np.uint8).reshape(height, width, 3) for raw in reader]
    except (OSError, RuntimeError, StopIteration) as err:
        raise InputError(f"cannot read video: {err}", path=path, hint="use a video ffmpeg can decode") from err
    fps = float(meta.get("fps") or 0.0)
    if not frames or fps <= 0:
        raise InputError("video has no frames or no frame rate", path=path)
    return fps, frames


def video_mouth(path: str | Path, backend: str = "auto") -> tuple[MouthTrack, int]:
    """The real face's `MouthTrack` from a video, and how many frames had no face (interpolated over)."""
    from emoanim.render.portrait.detect import detect_landmarks

    fps, frames = read_video_frames(path)
    points = np.full((len(frames), 68, 2), np.nan)
    for i, frame in enumerate(frames):
        try:
            points[i] = detect_landmarks(frame, backend=backend, source=Path(path)).points
        except InputError:
            continue  # no face in this frame (a blink of the camera, a hand): counted and filled below
    found = ~np.isnan(points[:, 0, 0])
    if found.sum() < max(2, 0.5 * len(frames)):
        raise InputError(f"a face was found in only {found.sum()} of {len(frames)} frames", path=path,
                         hint="use a video with one face visible throughout")
    index = np.arange(len(frames))
    for k in range(68):
        for axis in range(2):
            points[~found, k, axis] = np.interp(index[~found], index[found], points[found, k, axis])
    return mouth_track(points, fps), int((~found).sum())


def normalise_scale(x: np.ndarray) -> np.ndarray:
    """Map ``x`` to [0, 1]-ish by its own 5th-95th percentile range (a flat series maps to zeros)."""
    low, high = np.percentile(x, SCALE_PERCENTILES)
    return (x - low) / (high - low) if high - low > 1e-12 else np.zeros_like(x)


def match_series(real: np.ndarray, animated: np.ndarray, fps: float) -> SeriesMatch:
    """Compare two ``(T,)`` series on the same frames (module docstring)."""
    real, animated = np.asarray(real, np.float64), np.asarray(animated, np.float64)
    if real.shape != animated.shape:
        raise ValueError(f"series differ in length: {real.shape} vs {animated.shape}")
    lag = best_lag(real, animated, int(round(MAX_LAG_S * fps)))
    rmse = float(np.sqrt(np.mean((normalise_scale(real) - normalise_scale(animated)) ** 2)))
    return SeriesMatch(pearson(real, animated), lag.frames, lag.ms(fps), lag.r, rmse)


def compare_mouths(real: MouthTrack, animated: MouthTrack, name: str = "", missed_frames: int = 0) -> VideoSync:
    """Opening and width of the real face against the animation, over the frames both have."""
    if real.fps != animated.fps:
        raise ValueError(f"frame rates differ: {real.fps} vs {animated.fps}; animate at the video's rate")
    n = min(real.frames, animated.frames)
    return VideoSync(name, real.fps, n, missed_frames,
                     match_series(real.inner_gap[:n], animated.inner_gap[:n], real.fps),
                     match_series(real.width[:n], animated.width[:n], real.fps))


def evaluate_video(path: str | Path, options, backend: str = "auto") -> VideoSync:
    """Measure the face in the video, animate its audio with `pipeline.Options` ``options`` at the video's fps,
    and compare."""
    from dataclasses import replace

    from emoanim.audio import load_audio
    from emoanim.eval.landmark_lipsync import performance_mouth
    from emoanim.pipeline import perform

    real, missed = video_mouth(path, backend)
    performance, _, _ = perform(load_audio(path), replace(options, fps=real.fps))
    return compare_mouths(real, performance_mouth(performance), Path(path).name, missed)


def mean_match(matches: list[SeriesMatch]) -> SeriesMatch:
    """Over clips: mean r, RMSE and lag r; the median lag (one clip with no clear peak should not drag it)."""
    if not matches:
        raise ValueError("mean_match: no clips")
    frames = int(round(float(np.median([m.lag_frames for m in matches]))))
    return SeriesMatch(float(np.nanmean([m.r for m in matches])), frames,
                       float(np.median([m.lag_ms for m in matches])), float(np.nanmean([m.lag_r for m in matches])),
                       float(np.mean([m.rmse for m in matches])))
