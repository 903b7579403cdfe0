"""emoanim.models: speech encoders, emotion conditioning, FLINT, EMOTE/EmoFace, checkpoints, chunked inference."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from emoanim.errors import InputError
from emoanim.models import ModelCard, build_model, load_checkpoint, save_checkpoint, write_model_card
from emoanim.models.flint import FlintVAE, kl_divergence
from emoanim.models.inference import chunk_starts, run_chunked
from emoanim.models.speech_encoders import HFSpeechEncoder, LogMel, LogMelEncoder, mel_filterbank

torch.set_num_threads(1)

SPEECH = {"kind": "logmel", "dim": 32, "layers": 1, "heads": 2, "dropout": 0.0}
FLINT = {"channels": 52, "dim": 32, "latent": 16, "layers": 1, "heads": 2, "dropout": 0.0}
TINY = {
    "emoface": {"kind": "emoface", "fps": 30, "window_frames": 32, "outputs": 52, "dim": 32, "layers": 1,
                "heads": 2, "dropout": 0.0, "speech": SPEECH},
    "emote": {"kind": "emote", "fps": 30, "window_frames": 32, "dim": 32, "layers": 1, "heads": 2,
              "dropout": 0.0, "speech": SPEECH, "flint": FLINT},
    "flint": {"kind": "flint", "fps": 30, "window_frames": 32, **FLINT},
}


def _inputs(frames: int = 40, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    samples = 0.1 * torch.randn(2, round(frames * 16000 / 30), generator=g)
    weights = torch.zeros(2, frames, 8)
    weights[..., 0] = 1.0
    return samples, weights


def _run(model, kind, samples, weights):
    with torch.no_grad():
        return model(torch.rand(2, weights.shape[1], 52)).motion if kind == "flint" else model(samples, weights)


def test_mel_filterbank_puts_a_1khz_tone_in_the_band_around_1khz():
    tone = torch.sin(2 * np.pi * 1000 * torch.arange(16000) / 16000)[None]
    mel = LogMel()(tone)[0]
    band = int(mel[10:-10].mean(0).argmax())
    centres = (mel_filterbank() * torch.linspace(0, 8000, 201)[:, None]).sum(0)
    assert abs(float(centres[band]) - 1000) < 60
    assert mel.shape == (101, 80)  # 100 Hz frames, centred


def test_logmel_encoder_resamples_to_the_requested_frames():
    out = LogMelEncoder(16, 1, 2)(torch.randn(3, 16000), frames=30)
    assert out.shape == (3, 30, 16)


@pytest.mark.parametrize("kind", ["emoface", "emote"])
def test_emotion_conditioning_changes_the_output(kind):
    torch.manual_seed(0)
    model = build_model(TINY[kind]).eval()
    samples, neutral = _inputs()
    angry = torch.zeros_like(neutral)
    angry[..., 6] = 1.0
    a, b = _run(model, kind, samples, neutral), _run(model, kind, samples, angry)
    assert a.shape == (2, 40, 52)
    assert float((a - b).abs().mean()) > 1e-3


def test_flint_has_one_latent_per_8_frames_and_a_kl_of_zero_at_the_prior():
    flint = FlintVAE(**FLINT).eval()
    mean, log_var = flint.encode(torch.rand(2, 41, 52))
    assert mean.shape == (2, 6, 16)  # ceil(41 / 8)
    assert flint.decode(mean, 41).shape == (2, 41, 52)
    assert float(kl_divergence(torch.zeros(1, 3, 4), torch.zeros(1, 3, 4))) == 0.0
    assert float(kl_divergence(torch.ones(1, 3, 4), torch.zeros(1, 3, 4))) == pytest.approx(2.0)


def test_emote_keeps_its_flint_prior_frozen():
    model = build_model(TINY["emote"]).train()
    assert not any(p.requires_grad for p in model.flint.parameters())
    assert not model.flint.training and model.transformer.training


@pytest.mark.parametrize("kind", ["emoface", "emote", "flint"])
def test_checkpoint_round_trips_with_identical_outputs(tmp_path, kind):
    torch.manual_seed(1)
    model = build_model(TINY[kind]).eval()
    config = {"model": TINY[kind], "data": {"target": "arkit"}}
    card = ModelCard(name=f"tiny-{kind}", kind=kind, data=[{"source": "noise", "licence": "CC0"}],
                     metrics={"val_mse": 0.5}, command="pytest")
    path = save_checkpoint(tmp_path / "m.pt", model, config, card, step=7)
    loaded = load_checkpoint(path, kind)
    samples, weights = _inputs()
    torch.manual_seed(2)
    expected = _run(model, kind, samples, weights)
    torch.manual_seed(2)
    assert torch.equal(expected, _run(loaded.model, kind, samples, weights))
    assert loaded.step == 7 and loaded.card.metrics == {"val_mse": 0.5} and loaded.config == config
    text = write_model_card(tmp_path / "MODEL_CARD.md", loaded.card, loaded.config).read_text()
    assert "CC0" in text and "val_mse" in text and f"kind: {kind}" in text


def test_checkpoint_errors_are_one_line_and_name_the_file(tmp_path):
    with pytest.raises(InputError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "absent.pt")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="not a readable checkpoint") as err:
        load_checkpoint(corrupt)
    assert "\n" not in str(err.value) and str(corrupt) in str(err.value)
    other = tmp_path / "other.pt"
    torch.save({"hello": torch.zeros(1)}, other)
    with pytest.raises(InputError, match="not an emoanim checkpoint"):
        load_checkpoint(other)
    flint = save_checkpoint(tmp_path / "flint.pt", build_model(TINY["flint"]), {"model": TINY["flint"]},
                            ModelCard("f", "flint"))
    with pytest.raises(InputError, match="holds a flint model, expected emote"):
        load_checkpoint(flint, "emote")



def test_tiny_wav2vec2_loads_from_its_folder_and_frozen_weights_stay_out_of_checkpoints(
        tmp_path, tiny_wav2vec2):
    pytest.importorskip("transformers")
    folder = tiny_wav2vec2(tmp_path / "w2v")
    encoder = HFSpeechEncoder(folder, dim=24).train()
    assert not encoder.backbone.training  # frozen: dropout off even in training mode
    out = encoder(torch.randn(2, 16000), frames=30)
    assert out.shape == (2, 30, 24)
    out.sum().backward()
    assert encoder.layer_logits.grad is not None and encoder.layer_logits.shape == (3,)
    assert all(p.grad is None for p in encoder.backbone.parameters())

    model_cfg = dict(TINY["emoface"], speech={"kind": "wav2vec2", "path": str(folder), "dim": 24})
    model = build_model(model_cfg).eval()
    path = save_checkpoint(tmp_path / "w.pt", model, {"model": model_cfg}, ModelCard("w", "emoface"))
    stored = torch.load(path, weights_only=True)["state_dict"]
    assert not any(k.startswith("speech.backbone.") for k in stored) and "speech.layer_logits" in stored
    samples, weights = _inputs()
    with torch.no_grad():
        assert torch.allclose(model(samples, weights), load_checkpoint(path).model(samples, weights), atol=1e-6)


def test_a_hub_name_fails_at_once_with_one_line():
    started = time.perf_counter()
    with pytest.raises(InputError, match="not a local model folder") as err:
        HFSpeechEncoder("facebook/wav2vec2-base-960h")
    assert "\n" not in str(err.value)
    assert time.perf_counter() - started < 5.0  # no network attempt, no retries


def test_chunk_starts_cover_the_clip_with_overlap():
    starts = chunk_starts(100, 32, 8)
    assert starts[0] == 0 and starts[-1] == 100 - 32
    assert all(b - a <= 24 for a, b in zip(starts, starts[1:]))
    assert chunk_starts(20, 32, 8) == [0]


def test_chunked_inference_matches_one_pass_when_the_clip_fits_one_window():
    torch.manual_seed(0)
    model = build_model(TINY["emoface"]).eval()
    samples, weights = _inputs(frames=32)
    with torch.no_grad():
        whole = model(samples[:1], weights[:1])[0].numpy()
    chunked = run_chunked(model, samples[0].numpy(), weights[0].numpy(), 30.0, window=32)
    np.testing.assert_allclose(chunked, whole, atol=1e-5)


MEMORY_SCRIPT = """
import json, resource, sys, numpy as np, torch
torch.set_num_threads(1)
from emoanim.models import build_model
from emoanim.models.inference import run_chunked
config = json.loads(sys.argv[1])
torch.manual_seed(0)
model = build_model(config)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
seconds = 600
samples = (0.05 * np.random.default_rng(0).standard_normal(seconds * 16000)).astype(np.float32)
weights = np.zeros((seconds * 30, 8), np.float32); weights[:, 0] = 1
out = run_chunked(model, samples, weights, 30.0, window=config["window_frames"])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"shape": list(out.shape), "finite": bool(np.isfinite(out).all()), "grown_kib": after - before}))
"""


def test_ten_minutes_run_through_logmel_and_emoface_in_bounded_memory():
    # A fresh process, so the high-water mark belongs to this run alone. One full-length pass would need the
    # 18,000 x 18,000 attention matrix per head (1.3 GB each); chunks keep the growth near the input itself
    # (9.6 M samples = 38 MB, plus the output).
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, json.dumps(TINY["emoface"])],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["shape"] == [18000, 52] and result["finite"]
    assert result["grown_kib"] < 400 * 1024
