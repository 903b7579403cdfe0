"""Blinks, gaze and head motion (#3) reach every export that can hold them."""
from __future__ import annotations

import numpy as np
import pytest

from emoanim.audio import load_audio
from emoanim.export import read_csv, read_livelinkface, write
from emoanim.pipeline import Options, perform
from emoanim.rigs import get_rig


@pytest.fixture(scope="module")
def performances(example_wav_module):
    audio = load_audio(example_wav_module)
    living, _, _ = perform(audio, Options(seed=1))
    frozen, _, _ = perform(audio, Options(seed=1, blinks=False, gaze=False, head_motion="none"))
    return living, frozen


@pytest.fixture(scope="module")
def example_wav_module():
    from conftest import REPO

    return REPO / "examples" / "speech.wav"


def test_livelinkface_take_carries_blinks_gaze_and_head(tmp_path, performances):
    living, frozen = performances
    for perf, name in ((living, "living"), (frozen, "frozen")):
        write(get_rig("arkit").curves(perf), tmp_path / f"{name}.csv", "livelinkface")
    take, still = read_livelinkface(tmp_path / "living.csv"), read_livelinkface(tmp_path / "frozen.csv")
    assert take.column("eyeBlinkLeft").max() > 0.8 and still.column("eyeBlinkLeft").max() < 0.2
    for channel in ("headYaw", "headPitch", "leftEyeYaw", "rightEyePitch"):
        assert np.ptp(take.column(channel)) > 1.0, channel  # degrees, read back from degrees/180
        assert np.ptp(still.column(channel)) < 1e-6, channel
    assert take.column("eyeLookInLeft").max() > 0.05 or take.column("eyeLookOutLeft").max() > 0.05


def test_metahuman_curves_carry_blinks_gaze_and_head(tmp_path, performances):
    living, frozen = performances
    write(get_rig("metahuman").curves(living), tmp_path / "living.csv", "csv")
    write(get_rig("metahuman").curves(frozen), tmp_path / "frozen.csv", "csv")
    take, still = read_csv(tmp_path / "living.csv"), read_csv(tmp_path / "frozen.csv")
    assert take.column("CTRL_expressions_eyeBlinkL").max() > 0.8
    assert still.column("CTRL_expressions_eyeBlinkL").max() < 0.2
    looks = [n for n in take.names if n.startswith("CTRL_expressions_eyeLook")]
    assert max(take.column(n).max() for n in looks) > 0.05
    assert max(still.column(n).max() for n in looks) < 1e-6
    assert np.ptp(take.column("HeadPitch")) > 1.0 and np.ptp(still.column("HeadPitch")) < 1e-6
