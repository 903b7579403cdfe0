"""Real-video lip sync: the comparison on synthetic mouths with known answers, and one real GRID clip."""
from __future__ import annotations

import numpy as np
import pytest

from emoanim.eval.landmark_lipsync import MouthTrack
from emoanim.eval.video_sync import compare_mouths, match_series, mean_match, normalise_scale

FPS = 25.0


def track(opening: np.ndarray, width: np.ndarray) -> MouthTrack:
    zeros = np.zeros_like(opening)
    return MouthTrack(FPS, opening, zeros, width, zeros, zeros)


def syllables(frames: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(np.convolve(rng.standard_normal(frames + 6), np.hanning(7), mode="valid")[:frames], 0, None)


def test_the_same_mouth_at_another_scale_matches_perfectly():
    opening, width = syllables(100, 1), 0.6 + 0.05 * syllables(100, 2)
    result = compare_mouths(track(opening, width), track(0.3 * opening + 0.01, 2 * width))
    assert result.opening.r == pytest.approx(1.0) and result.opening.lag_frames == 0
    assert result.opening.rmse == pytest.approx(0.0, abs=1e-9)
    assert result.width.rmse == pytest.approx(0.0, abs=1e-9)


def test_an_animation_three_frames_late_is_found_three_frames_late():
    real = syllables(200, 3)
    late = np.concatenate([np.zeros(3), real[:-3]])
    match = match_series(real, late, FPS)
    assert match.lag_frames == 3 and match.lag_ms == pytest.approx(120.0)
    assert match.lag_r > 0.99 > match.r
    assert match.rmse > 0.05


def test_scale_normalisation_ignores_one_wild_frame():
    x = np.linspace(0, 1, 100)
    spiked = x.copy()
    spiked[50] = 40.0  # one mis-detected frame
    assert np.abs(normalise_scale(spiked) - normalise_scale(x))[np.arange(100) != 50].max() < 0.02


def test_mean_match_takes_the_median_lag():
    a = match_series(syllables(80, 4), syllables(80, 4), FPS)
    far = a.__class__(0.1, 8, 320.0, 0.2, 0.5)
    pooled = mean_match([a, a, far])
    assert pooled.lag_frames == 0 and pooled.r == pytest.approx((2 * a.r + 0.1) / 3)


@pytest.mark.shared_data
def test_a_grid_clip_is_measured_and_the_animation_follows_the_real_mouth(shared_data):
    pytest.importorskip("ai_edge_litert")
    from emoanim.eval.video_sync import evaluate_video, video_mouth
    from emoanim.pipeline import Options

    clip = shared_data / "grid" / "bbaf2n.mpg"
    real, missed = video_mouth(clip)
    assert missed == 0 and real.fps == FPS and real.frames == 75
    # The speaker is silent with closed lips at the ends of the clip, and opens the mouth while speaking.
    assert np.median(real.inner_gap[-10:]) < 0.02 < real.inner_gap.max()
    result = evaluate_video(clip, Options(transcript="bin blue at f two now"))
    assert result.opening.r > 0.4
    assert abs(result.opening.lag_frames) <= 2
