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


def tiny_config(name: str, cache_root: Path, out: Path, **overrides):
    """``configs/<name>.yaml`` with its corpus cache in ``cache_root/corpus``, its run folder ``out``, and dotted
    ``overrides`` (``{"train.steps": 4}``) merged last, as ``emoanim train`` merges them."""
    from omegaconf import OmegaConf

    config = OmegaConf.load(REPO / "configs" / f"{name}.yaml")
    config.data.cache = str(cache_root / "corpus")
    config.train.out = str(out)
    return OmegaConf.merge(config, OmegaConf.from_dotlist([f"{k}={v}" for k, v in overrides.items()]))


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


@pytest.fixture
def tiny_wav2vec2():
    """A builder: ``tiny_wav2vec2(folder)`` saves a small random wav2vec2 there with ``save_pretrained`` (what a user's
    local folder holds) and returns the folder. Conv strides 5 x 4: 800 feature frames a second, cheap for tests."""
    def build(folder: Path, hidden: int = 32, layers: int = 2) -> Path:
        import torch
        from transformers import Wav2Vec2Config, Wav2Vec2Model

        config = Wav2Vec2Config(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
                                intermediate_size=2 * hidden, conv_dim=(16, 16), conv_kernel=(10, 8),
                                conv_stride=(5, 4), num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2,
                                layerdrop=0.0)
        torch.manual_seed(0)
        Wav2Vec2Model(config).save_pretrained(folder)
        return folder

    return build
