"""emoanim.train: corpus building (exact phones, teacher labels, cache), augmentation, the training loop (loss falls,
resume = uninterrupted), the `emoanim train` CLI, and the learned animators on checkpoints trained here."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from emoanim.animators.learned import EmoFaceAnimator, EmoteAnimator
from emoanim.audio.types import Audio
from emoanim.emotion import EmotionTrack
from emoanim.errors import InputError
from emoanim.eval.lipsync import bilabial_closure_rate
from emoanim.motion.channels import ARKIT_INDEX
from emoanim.models import load_checkpoint
from emoanim.train.augment import Augmentation
from emoanim.train.dataset import build_corpus, sample_batch
from emoanim.train.loop import step_losses, train

torch.set_num_threads(1)
CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def _config(name: str, root: Path, cache: Path | None = None, **overrides):
    config = OmegaConf.load(CONFIGS / f"{name}.yaml")
    config.data.cache = str((cache or root) / "corpus")
    config.train.out = str(root / name)
    if name == "emote_tiny":
        config.model.flint_checkpoint = str((cache or root) / "flint_tiny" / "last.pt")
    return OmegaConf.merge(config, OmegaConf.from_dotlist([f"{k}={v}" for k, v in overrides.items()]))


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A folder with the tiny corpus built and the tiny FLINT prior trained (emote needs it)."""
    folder = tmp_path_factory.mktemp("train")
    train(_config("flint_tiny", folder), progress=False)
    return folder


def _fixed_batch_loss(checkpoint: Path, config) -> float:
    corpus = build_corpus(OmegaConf.to_container(config.data), 30.0)
    batch = sample_batch(corpus.train, 16, 32, np.random.default_rng(123))
    loaded = load_checkpoint(checkpoint)
    with torch.no_grad():
        return float(step_losses(loaded.model, loaded.kind, batch, {})["reconstruction"])


def test_the_synthetic_corpus_has_exact_phones_teacher_targets_and_a_cache(root):
    config = _config("emoface_tiny", root)
    corpus = build_corpus(OmegaConf.to_container(config.data), 30.0)
    assert len(corpus.train) == 2 and len(corpus.val) == 1  # val_every: 3 -> the third sentence is held out
    u = corpus.train[0]
    assert u.emotions == ["neutral", "happy:1", "sad:1"]
    assert u.weights.shape[:2] == u.targets.shape[:2] == (3, u.frames) and u.targets.shape[2] == 52
    assert abs(len(u.samples) / 16000 * 30 - u.frames) <= 1
    assert any(p.label in ("P", "B", "M") for p in u.phones)
    assert bilabial_closure_rate(u.targets[0], 30.0, u.phones)[0] == 1.0  # the teacher seals every /p b m/
    assert np.abs(u.targets[1] - u.targets[2]).mean() > 0.01  # emotions label the same speech differently
    again = build_corpus(OmegaConf.to_container(config.data), 30.0)  # from the cache now
    np.testing.assert_array_equal(again.train[0].targets, u.targets)
    assert [p.label for p in again.train[0].phones] == [p.label for p in u.phones]


def test_augmentation_keeps_length_changes_the_signal_and_is_seeded():
    x = (0.3 * np.sin(np.arange(16000) * 0.05)).astype(np.float32)
    augment = Augmentation(noise=1.0, resample=1.0, reverb=1.0)
    a, b = augment(x, np.random.default_rng(5)), augment(x, np.random.default_rng(5))
    assert a.shape == x.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - x).mean() > 1e-3


def test_the_mu_law_codec_quantises_like_a_telephone_line():
    from emoanim.train.augment import mu_law

    t = np.arange(16000) / 16000
    loud = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float64)
    high = 0.5 * np.sin(2 * np.pi * 6000 * t)  # above the 4 kHz telephone band
    snr = 10 * np.log10(np.mean(loud ** 2) / np.mean((mu_law(loud) - loud) ** 2))
    assert 30 < snr < 45  # 8-bit G.711: about 38 dB on a full-band tone, never lossless
    assert np.sqrt(np.mean(mu_law(high)[2000:-2000] ** 2)) < 0.05  # the band above 4 kHz is gone
    quiet = 0.01 * loud
    assert np.abs(mu_law(quiet) - quiet).max() < 0.01 * np.abs(mu_law(loud) - loud).max() * 10  # companding


@pytest.mark.parametrize("name", ["flint_tiny", "emoface_tiny", "emote_tiny"])
def test_tiny_configs_train_and_the_loss_falls(root, name):
    before = train(_config(name, root / "before", root, **{"train.steps": 0}), progress=False)
    if name == "flint_tiny":
        after = root / "flint_tiny" / "last.pt"  # trained by the fixture
    else:
        after = train(_config(name, root), progress=False).checkpoint
    config = _config(name, root)
    assert _fixed_batch_loss(after, config) < 0.7 * _fixed_batch_loss(before.checkpoint, config)
    card = (Path(config.train.out) / "MODEL_CARD.md").read_text()
    assert "espeak-ng" in card and "val_mse" in card


def test_a_resumed_run_equals_an_uninterrupted_one(root):
    whole = train(_config("emoface_tiny", root / "whole", root, **{"train.steps": 8}), progress=False)
    train(_config("emoface_tiny", root / "split", root, **{"train.steps": 4}), progress=False)
    resumed = train(_config("emoface_tiny", root / "split", root, **{"train.steps": 8}), progress=False)
    assert resumed.steps_run == 4 and resumed.step == 8
    a, b = load_checkpoint(whole.checkpoint), load_checkpoint(resumed.checkpoint)
    for key, value in a.model.state_dict().items():
        torch.testing.assert_close(value, b.model.state_dict()[key], rtol=0, atol=1e-6)
    assert a.optimizer is not None and a.config["model"] == b.config["model"]


def test_resume_refuses_a_different_model(root):
    train(_config("emoface_tiny", root / "change", root, **{"train.steps": 2}), progress=False)
    with pytest.raises(InputError, match="another model config"):
        train(_config("emoface_tiny", root / "change", root, **{"train.steps": 4, "model.dim": 16}), progress=False)


def _train_cli(*argv: str) -> int:
    """`emoanim train ...` through the CLI module (emoanim/cli/main.py registers it in SUBCOMMAND_MODULES)."""
    import argparse

    from emoanim.cli import train as train_cli

    parser = argparse.ArgumentParser(prog="emoanim")
    train_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    assert args.command in train_cli.COMMANDS
    return train_cli.run(args)


def test_cli_train_applies_overrides_and_reports_bad_ones(root, capsys):
    out = root / "cli"
    code = _train_cli("train", str(CONFIGS / "emoface_tiny.yaml"), f"data.cache={root / 'corpus'}",
                      f"train.out={out}", "train.steps=3", "train.log_every=1", "--quiet")
    assert code == 0
    assert "step 3" in capsys.readouterr().out
    saved = load_checkpoint(out / "last.pt")
    assert saved.step == 3 and saved.config["train"]["steps"] == 3
    assert "train.steps=3" in saved.card.command
    with pytest.raises(InputError, match="not key=value"):
        _train_cli("train", str(CONFIGS / "emoface_tiny.yaml"), "train.steps")
    with pytest.raises(InputError, match="no such config file"):
        _train_cli("train", str(root / "missing.yaml"))


def test_learned_animators_run_a_trained_checkpoint(root, say):
    from emoanim.audio import load_audio

    audio = load_audio(say("Bob bought a map."))
    emoface = EmoFaceAnimator(train(_config("emoface_tiny", root), progress=False).checkpoint)
    happy = emoface.animate(audio, EmotionTrack.parse("happy"), fps=24.0)
    sad = emoface.animate(audio, EmotionTrack.parse("sad"), fps=24.0)
    assert happy.frames == round(audio.duration * 24) and happy.fps == 24.0
    assert happy.expression.min() >= 0 and happy.expression.max() <= 1
    assert np.abs(happy.expression - sad.expression).mean() > 1e-3
    assert happy.metadata["animator"] == "emoface" and not emoface.reads_phones
    emote = EmoteAnimator(train(_config("emote_tiny", root), progress=False).checkpoint)
    assert emote.animate(audio, EmotionTrack.parse("neutral"), fps=30.0).frames == round(audio.duration * 30)
    with pytest.raises(InputError, match="holds a emoface model, expected emote"):
        EmoteAnimator(emoface.checkpoint.path)


def test_asterisk_prompts_have_transcripts_and_decode():
    from emoanim.train.asterisk import SOUNDS, decode, prompts

    if not SOUNDS.is_dir():
        pytest.skip("asterisk prompts not installed")
    found = prompts()
    assert len(found) > 500 and all(text for _, text in found)
    audio = decode(found[0][0])
    assert isinstance(audio, Audio) and audio.sample_rate == 16000 and audio.duration > 0.1


@pytest.mark.shared_data
def test_facegood_takes_become_neutral_utterances_with_one_held_out(tmp_path):
    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "facegood"
    if not root.is_dir():
        pytest.skip("no ../shared/data/facegood")
    corpus = build_corpus({"cache": str(tmp_path), "target": "arkit", "facegood": {"root": str(root)}}, 30.0)
    assert len(corpus.val) == 1 and len(corpus.train) >= 1
    u = corpus.val[0]
    assert u.emotions == ["neutral"] and u.phones is None and u.targets.shape[2] == 52
    assert abs(len(u.samples) / 16000 * 30 - u.frames) <= 1
    assert u.targets[0][:, ARKIT_INDEX["jawOpen"]].std() > 0.01  # the jaw moves in real animation


def test_vocal_tract_perturbation_moves_the_spectrum_and_keeps_timing_and_level():
    from emoanim.train.augment import warp_vocal_tract

    t = np.arange(16000) / 16000
    x = 0.2 * np.sin(2 * np.pi * 700 * t) + 0.1 * np.sin(2 * np.pi * 1800 * t)  # two "formants"

    def lines(y: np.ndarray) -> list[int]:  # the two strongest spectral lines, Hz (1 s: bins are 1 Hz apart)
        spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
        low = int(np.argmax(spectrum[:1200]))
        return [low, 1200 + int(np.argmax(spectrum[1200:]))]

    np.testing.assert_allclose(warp_vocal_tract(x, 1.0), x, atol=1e-6)
    up, down = warp_vocal_tract(x, 1.15), warp_vocal_tract(x, 0.85)
    assert len(up) == len(down) == len(x)
    # within one STFT bin (16000 / 512 = 31 Hz) of 1.15x and 0.85x the originals
    assert np.allclose(lines(up), [805, 2070], atol=32) and np.allclose(lines(down), [595, 1530], atol=32)
    assert lines(x) == [700, 1800]
    assert np.sqrt(np.mean(up ** 2)) == pytest.approx(np.sqrt(np.mean(x ** 2)), rel=1e-6)


def test_new_augmentations_are_off_by_default_and_keep_the_old_random_stream():
    x = (0.3 * np.sin(np.arange(16000) * 0.05)).astype(np.float32)
    old = Augmentation(noise=1.0, resample=1.0, reverb=1.0)
    explicit = Augmentation(noise=1.0, resample=1.0, reverb=1.0, vtlp=0.0, gain_drift_db=0.0)
    np.testing.assert_array_equal(old(x, np.random.default_rng(3)), explicit(x, np.random.default_rng(3)))
    drifting = Augmentation(noise=0.0, resample=0.0, reverb=0.0, gain_db=0.0, gain_drift_db=10.0)
    y = drifting(x, np.random.default_rng(4))
    start, end = np.sqrt(np.mean(y[:2000] ** 2)), np.sqrt(np.mean(y[-2000:] ** 2))
    assert abs(20 * np.log10(end / start)) > 0.5  # the level drifts across the window
    assert np.sqrt(np.mean(y[:200] ** 2)) == pytest.approx(np.sqrt(np.mean(x[:200] ** 2)), rel=0.02)


def test_equalisation_colours_the_spectrum_keeps_the_level_and_is_off_by_default():
    from emoanim.train.augment import equalize

    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.1, 32000)

    def band_db(y, low, high):
        spectrum = np.abs(np.fft.rfft(y)) ** 2
        f = np.fft.rfftfreq(len(y), 1 / 16000)
        return 10 * np.log10(spectrum[(f >= low) & (f < high)].mean())

    bright = equalize(x, 3.0, 1000.0, 0.0)
    assert np.sqrt(np.mean(bright ** 2)) == pytest.approx(np.sqrt(np.mean(x ** 2)), rel=1e-6)
    tilt = (band_db(bright, 3500, 4500) - band_db(bright, 220, 280)) - (band_db(x, 3500, 4500) - band_db(x, 220, 280))
    assert tilt == pytest.approx(3.0 * np.log2(4000 / 250), abs=1.0)  # 3 dB per octave over 4 octaves
    resonant = equalize(x, 0.0, 2000.0, 10.0)
    gain = (band_db(resonant, 1900, 2100) - band_db(x, 1900, 2100)) - (band_db(resonant, 150, 250) - band_db(x, 150, 250))
    assert gain == pytest.approx(10.0, abs=1.0)
    assert not np.any(equalize(np.zeros(100), 3.0, 1000.0, 5.0))
    quiet = Augmentation(noise=1.0, resample=1.0, reverb=1.0)  # eq off: the stream the old checkpoints trained on
    np.testing.assert_array_equal(quiet(x, np.random.default_rng(3)),
                                  Augmentation(noise=1.0, resample=1.0, reverb=1.0, eq=0.0)(x, np.random.default_rng(3)))
    assert not np.array_equal(quiet(x, np.random.default_rng(3)),
                              Augmentation(noise=1.0, resample=1.0, reverb=1.0, eq=1.0)(x, np.random.default_rng(3)))


def test_flite_voices_are_other_speakers_of_known_text_labelled_by_the_teacher():
    from emoanim.train.sources import flite_utterances

    text = "Bob bought a map of Bombay."
    utterances = list(flite_utterances([text], ["rms", "slt"], 2, ["neutral"], 30.0, "arkit"))
    assert [u.name for u in utterances] == ["flite-rms-0000", "flite-slt-0000"]
    for u in utterances:
        labels = [p.label for p in u.phones]
        assert labels.count("B") + labels.count("P") + labels.count("M") == 8  # every /p b m/ of the text, aligned
        assert bilabial_closure_rate(u.targets[0], 30.0, u.phones)[0] == 1.0
    low, high = (np.abs(np.fft.rfft(u.samples)) for u in utterances)
    peak = [np.argmax(spectrum[: len(spectrum) // 16]) / len(spectrum) * 8000 for spectrum in (low, high)]
    assert peak[0] < peak[1]  # a man's voice, then a woman's: the strongest low harmonic sits lower for rms
    assert sum(1 for _ in flite_utterances([text, text], ["rms", "slt"], 3, ["neutral"], 30.0, "arkit")) == 3


def test_flite_names_an_unknown_voice_and_a_missing_program(monkeypatch):
    from emoanim.train import flite

    with pytest.raises(InputError, match="no Flite voice 'nobody'.*awb"):
        flite.speak("hello", "nobody")
    monkeypatch.setattr(flite.shutil, "which", lambda _: None)
    with pytest.raises(InputError, match="flite is not installed.*apt-get install flite"):
        flite.speak("hello", "rms")


def test_the_corpus_takes_flite_speakers_of_the_tune_half_with_their_licence(tmp_path):
    from emoanim.train.asterisk import SOUNDS, prompts

    if not SOUNDS.is_dir():
        pytest.skip("asterisk prompts (the transcripts Flite speaks) not installed")
    config = _config("emoface_tiny", tmp_path, **{"data.synthetic.count": 0, "data.flite.count": 3,
                                                  "data.flite.voices": "[rms, slt]"})
    corpus = build_corpus(OmegaConf.to_container(config.data), 30.0)
    assert [u.name for u in corpus.train] == ["flite-rms-0000", "flite-slt-0000", "flite-rms-0001"]
    tune_texts = [text for _, text in prompts()[0::2]]
    first_words = [p.word for p in corpus.train[2].phones if p.word]
    assert first_words and first_words[0].lower() in tune_texts[1].lower()
    assert any("Flite" in entry["licence"] for entry in corpus.licences)
