"""benchmarks/teacher_departure.py: the r of a real signal along teacher + k * departure rises with k when the
departure carries the real signal and falls when it is noise to it."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from teacher_departure import SCALES, departure_curve, pearson, standardised  # noqa: E402


def clips(seed: int, informative: bool) -> tuple[list, list, list]:
    """Real = a + b; the teacher sees a; the learned signal adds b (informative) or unrelated noise."""
    rng = np.random.default_rng(seed)
    real, teacher, learned = [], [], []
    for _ in range(4):
        a, b, noise = rng.normal(size=(3, 200))
        real.append(a + b)
        teacher.append(a)
        learned.append(a + (b if informative else noise))
    return real, teacher, learned


def test_departures_that_carry_the_real_signal_raise_r():
    rs, agreement = departure_curve(*clips(0, informative=True))
    assert rs[SCALES.index(1.0)] > rs[SCALES.index(0.0)] + 0.1
    assert 0.5 < agreement < 0.9


def test_departures_that_are_noise_lower_r():
    rs, _ = departure_curve(*clips(1, informative=False))
    k0, k1 = rs[SCALES.index(0.0)], rs[SCALES.index(1.0)]
    assert k1 < k0 - 0.1
    assert rs.index(max(rs)) <= SCALES.index(0.0)  # no step toward the learned signal helps


def test_frames_the_video_missed_are_left_out():
    real = np.array([0.0, 1.0, np.nan, 3.0, 4.0])
    assert pearson(real, np.array([0.0, 1.0, 99.0, 3.0, 4.0])) == pytest.approx(1.0)


def test_a_flat_signal_is_refused():
    with pytest.raises(ValueError, match="does not move"):
        standardised(np.ones(10))
