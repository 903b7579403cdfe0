"""Shared fixtures: speech generated on the spot, and the shared-data skip."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EMOANIM_SHARED_DATA", REPO.parent / "shared" / "data"))

# Oversubscribed BLAS/torch threads ran 10-50x slower on these 2-core machines (ENVIRONMENT-NOTES.md).
os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_collection_modifyitems(config, items):
    if SHARED_DATA.is_dir():
        return
    skip = pytest.mark.skip(reason=f"shared data folder {SHARED_DATA} is absent")
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return SHARED_DATA


def espeak_wav(text: str, path: Path, *, voice: str = "en-us", speed: int = 150) -> Path:
    """Speak ``text`` into a wav at ``path`` with espeak-ng (a Debian package the Makefile installs)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.fail("espeak-ng is not installed: run `make setup`")
    subprocess.run([exe, "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
    return path


@pytest.fixture
def say(tmp_path):
    """``say("text", name="x")`` -> path of a wav with that text spoken by espeak-ng."""

    def _say(text: str, name: str = "speech", **kwargs) -> Path:
        return espeak_wav(text, tmp_path / f"{name}.wav", **kwargs)

    return _say


@pytest.fixture
def example_wav() -> Path:
    return REPO / "examples" / "speech.wav"


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = 16_000, subtype: str = "PCM_16") -> Path:
    import soundfile as sf

    sf.write(str(path), samples, sample_rate, subtype=subtype)
    return path
