"""Native FLAME training (issue #8 part 4): FLAME sequences in EMOTE's MEAD pseudo-GT layout plus their speech become
training utterances (resampled targets, MEAD labels as emotion weights), and the tiny FLINT and EMOTE FLAME configs
train on them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from omegaconf import OmegaConf

from emoanim.audio.features import frame_rms_db
from emoanim.audio.types import SAMPLE_RATE, Audio
from emoanim.emotion.classes import EMOTION_INDEX
from emoanim.errors import InputError
from emoanim.models import load_checkpoint
from emoanim.models.inference import run_chunked
from emoanim.rigs.flame.sequences import read_flame_sequence
from emoanim.train.dataset import build_corpus, sample_batch
from emoanim.train.flame_source import FlameTargetLayout, emotion_label, find_audio, flame_utterance
from emoanim.train.loop import step_losses, train
from emoanim.train.sources import espeak

torch.set_num_threads(1)
CONFIGS = Path(__file__).resolve().parents[1] / "configs"
SEQUENCE_FPS = 25.0
CLIPS = (("neutral", 1), ("happy", 3), ("sad", 2))
SENTENCES = ("Bob bought a big blue box.", "My mother made warm bread.")
# Emotion -> the expression coefficient it raises (the synthetic "actor" smiles in exp2, frowns in exp3).
EMOTION_COEFFICIENT = {"happy": 2, "sad": 3}


def _motion(samples: np.ndarray, emotion: str, level: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """EMICA-like arrays for one take at 25 fps: the jaw and exp0 follow the speech loudness, the emotion raises
    one coefficient by its level; leading batch axis of 1 as inferno writes them."""
    frames = int(round(len(samples) / SAMPLE_RATE * SEQUENCE_FPS))
    loud = np.clip((frame_rms_db(Audio(samples, SAMPLE_RATE, None), SEQUENCE_FPS, frames) + 50.0) / 40.0, 0, 1)
    exp = 0.05 * rng.standard_normal((frames, 100))
    exp[:, 0] += 2.0 * loud
    if emotion in EMOTION_COEFFICIENT:
        exp[:, EMOTION_COEFFICIENT[emotion]] += 1.5 * level / 3.0
    jaw = np.zeros((frames, 3))
    jaw[:, 0] = 0.25 * loud  # jaw opening: rotation about x, radians
    return {"exp": exp[None].astype(np.float32), "jaw": jaw[None].astype(np.float32),
            "global_pose": np.zeros((1, frames, 3), np.float32), "shape": np.zeros((1, frames, 300), np.float32),
            "cam": np.ones((1, frames, 3), np.float32)}


@pytest.fixture(scope="module")
def mead(tmp_path_factory) -> tuple[Path, Path]:
    """(reconstructions, MEAD audio): subject M001 keeps audio.wav inside each clip folder, W002's speech lives in
    MEAD's own layout <audio>/W002/audio/<emotion>/level_N/<sentence>.wav."""
    base = tmp_path_factory.mktemp("mead")
    root, audio_root = base / "EMICA-MEAD_flame2020", base / "MEAD"
    rng = np.random.default_rng(0)
    for subject, voice, pitch in (("M001", "en-us", 40), ("W002", "en-us+f3", 70)):
        for number, text in enumerate(SENTENCES, 1):
            samples = espeak(text, voice, 170, pitch).samples
            sentence = f"{number:03d}"
            for emotion, level in CLIPS:
                clip = root / subject / "front" / emotion / f"level_{level}" / sentence
                clip.mkdir(parents=True)
                np.savez(clip / "shape_pose_cam.npz", **_motion(samples, emotion, level, rng))
                speech = clip / "audio.wav" if subject == "M001" else \
                    audio_root / subject / "audio" / emotion / f"level_{level}" / f"{sentence}.wav"
                speech.parent.mkdir(parents=True, exist_ok=True)
                soundfile.write(speech, samples, SAMPLE_RATE)
    return root, audio_root


def _config(name: str, mead: tuple[Path, Path], out: Path, shared: Path | None = None, **overrides):
    """The tiny config on the synthetic MEAD folder, writing to ``out``; corpus cache and FLINT prior from
    ``shared`` (default ``out``)."""
    shared = shared or out
    config = OmegaConf.load(CONFIGS / f"{name}.yaml")
    config.data.cache = str(shared / "corpus")
    config.data.flame.root, config.data.flame.audio_root = str(mead[0]), str(mead[1])
    config.data.flame.val_subjects = ["W002"]
    config.train.out = str(out / name)
    if name == "emote_flame_tiny":
        config.model.flint_checkpoint = str(shared / "flint_flame_tiny" / "last.pt")
    return OmegaConf.merge(config, OmegaConf.from_dotlist([f"{k}={v}" for k, v in overrides.items()]))


def _fixed_batch_loss(checkpoint: Path, config) -> float:
    corpus = build_corpus(OmegaConf.to_container(config.data), float(config.model.fps))
    batch = sample_batch(corpus.train, 16, int(config.model.window_frames), np.random.default_rng(7))
    loaded = load_checkpoint(checkpoint)
    with torch.no_grad():
        return float(step_losses(loaded.model, loaded.kind, batch, {})["reconstruction"])


def test_the_corpus_pairs_each_clip_with_its_speech_and_mead_labels(mead, tmp_path):
    config = OmegaConf.to_container(_config("flint_flame_tiny", mead, tmp_path))
    corpus = build_corpus(config["data"], 30.0)
    assert len(corpus.train) == len(corpus.val) == len(SENTENCES) * len(CLIPS)  # W002 held out
    assert all("-W002-" in u.name for u in corpus.val) and all("-M001-" in u.name for u in corpus.train)
    happy = next(u for u in corpus.train if "-happy-level_3-001" in u.name)
    assert happy.emotions == ["happy:1"] and happy.targets.shape == (1, happy.frames, 13)
    assert abs(len(happy.samples) / SAMPLE_RATE * 30 - happy.frames) <= 1
    np.testing.assert_allclose(happy.weights[0, :, EMOTION_INDEX["happy"]], 1.0)
    sad = next(u for u in corpus.train if "-sad-level_2-001" in u.name)
    np.testing.assert_allclose(sad.weights[0, 0, [EMOTION_INDEX["sad"], EMOTION_INDEX["neutral"]]], [2 / 3, 1 / 3],
                               atol=1e-6)
    assert sad.targets[0, :, 3].mean() > 0.8  # the level-2 frown survived into the targets
    assert np.corrcoef(happy.targets[0, :, 0], happy.targets[0, :, 10])[0, 1] > 0.95  # exp0 and jaw_x both speak
    entry = corpus.licences[-1]
    assert "13 channels" in entry["notes"] and "exp0-exp9" in entry["notes"] and "W002 held out" in entry["notes"]
    above = {**config["data"], "flame": {**config["data"]["flame"], "root": str(mead[0].parent)}}  # root above subjects
    assert len(build_corpus(above, 30.0).val) == len(corpus.val)


@pytest.mark.parametrize("name", ["flint_flame", "emote_flame", "flint_flame_tiny", "emote_flame_tiny"])
def test_flame_configs_output_as_many_channels_as_their_targets(name):
    config = OmegaConf.to_container(OmegaConf.load(CONFIGS / f"{name}.yaml"))
    flame = config["data"]["flame"]
    layout = FlameTargetLayout(flame["expression"], flame["global_pose"])
    if name.startswith("flint"):
        assert config["model"]["channels"] == layout.channels
    else:  # an emote model outputs its prior's channels: the prior must come from the matching flint config
        prior = OmegaConf.load(CONFIGS / f"{name.replace('emote', 'flint')}.yaml")
        assert prior.model.channels == layout.channels and prior.data.flame == flame
        assert prior.model.fps == config["model"]["fps"]
    assert config["data"]["target"] == "flame"


def test_targets_are_resampled_from_the_sequence_rate_to_the_model_rate(tmp_path):
    frames = 50  # 2 s at 25 fps
    ramp = np.arange(frames, dtype=np.float32) / SEQUENCE_FPS  # exp0 = time in seconds
    exp = np.zeros((frames, 100), np.float32)
    exp[:, 0] = ramp
    jaw = np.zeros((frames, 3), np.float32)
    jaw[:, 0] = np.sin(ramp)
    np.savez(tmp_path / "shape_pose_cam.npz", exp=exp, jaw=jaw)
    sequence = read_flame_sequence(tmp_path / "shape_pose_cam.npz", fps=SEQUENCE_FPS)
    u = flame_utterance(sequence, np.zeros(2 * SAMPLE_RATE, np.float32), FlameTargetLayout(4), 60.0, "ramp")
    times = np.arange(120) / 60.0
    assert u.targets.shape == (1, 120, 7) and u.emotions == ["neutral"]  # no MEAD folders: neutral
    inside = times <= ramp[-1]
    np.testing.assert_allclose(u.targets[0, inside, 0], times[inside], atol=1e-5)
    np.testing.assert_allclose(u.targets[0, inside, 4], np.interp(times, ramp, np.sin(ramp))[inside], atol=1e-6)
    assert u.targets[0, -1, 0] == pytest.approx(ramp[-1])  # past the last frame: held
    with pytest.raises(InputError, match="motion lasts 2.00 s .* speech 4.00 s"):
        flame_utterance(sequence, np.zeros(4 * SAMPLE_RATE, np.float32), FlameTargetLayout(4), 60.0, "long")


def test_mead_levels_become_intensities_and_a_bad_level_is_refused(tmp_path):
    def labelled(emotion: str, level: str):
        clip = tmp_path / "M009" / "front" / emotion / level / "017"
        clip.mkdir(parents=True, exist_ok=True)
        np.savez(clip / "shape_pose_cam.npz", exp=np.zeros((3, 100), np.float32), jaw=np.zeros((3, 3), np.float32))
        return read_flame_sequence(clip / "shape_pose_cam.npz")

    assert emotion_label(labelled("angry", "level_1")) == ("angry", pytest.approx(1 / 3))
    assert emotion_label(labelled("surprised", "level_2")) == ("surprised", pytest.approx(2 / 3))
    assert emotion_label(labelled("contempt", "level_3")) == ("contempt", 1.0)
    with pytest.raises(InputError, match="level 4 is not 1, 2 or 3"):
        emotion_label(labelled("fear", "level_4"))
    with pytest.raises(InputError, match="expression coefficients"):
        FlameTargetLayout(101)


def test_audio_is_found_beside_the_clip_or_in_a_mirror_and_its_absence_is_explained(tmp_path):
    root, mirror = tmp_path / "recon", tmp_path / "speech"
    clip = root / "M001" / "front" / "happy" / "level_1" / "003"
    clip.mkdir(parents=True)
    sequence = clip / "shape_pose_cam.npz"
    with pytest.raises(InputError, match="no speech file for this clip .*003/audio.wav"):
        find_audio(sequence, root, mirror)
    mirrored = mirror / "M001" / "front" / "happy" / "level_1" / "003.flac"
    mirrored.parent.mkdir(parents=True)
    mirrored.touch()
    assert find_audio(sequence, root, mirror) == mirrored
    mead_audio = mirror / "M001" / "audio" / "happy" / "level_1" / "003.m4a"  # MEAD as distributed
    mead_audio.parent.mkdir(parents=True)
    mead_audio.touch()
    assert find_audio(sequence, root, mirror) == mirrored  # the exact mirror comes first
    mirrored.unlink()
    assert find_audio(sequence, root, mirror) == mead_audio
    beside = clip.parent / "003.wav"
    beside.touch()
    assert find_audio(sequence, root, mirror) == beside  # next to the clip wins over the mirror


def test_a_flame_source_needs_the_flame_target_and_real_val_subjects(mead, tmp_path):
    config = OmegaConf.to_container(_config("flint_flame_tiny", mead, tmp_path).data)
    with pytest.raises(InputError, match="data.target is 'arkit'"):
        build_corpus({**config, "target": "arkit"}, 30.0)
    with pytest.raises(InputError, match=r"val_subjects names \['M999'\].*M001, W002"):
        build_corpus({**config, "flame": {**config["flame"], "val_subjects": ["M999"]}}, 30.0)
    with pytest.raises(InputError, match="no data.flame.root"):
        build_corpus({**config, "flame": {**config["flame"], "root": None}}, 30.0)


def test_tiny_flint_then_emote_train_on_flame_sequences(mead, tmp_path):
    for name in ("flint_flame_tiny", "emote_flame_tiny"):
        before = train(_config(name, mead, tmp_path / "before", tmp_path, **{"train.steps": 0}), progress=False)
        config = _config(name, mead, tmp_path)
        after = train(config, progress=False)
        assert _fixed_batch_loss(after.checkpoint, config) < 0.5 * _fixed_batch_loss(before.checkpoint, config)
        saved = load_checkpoint(after.checkpoint)
        assert saved.config["data"]["target"] == "flame"
        assert saved.config["data"]["flame"]["expression"] == 10
        assert (saved.model.flint if name.startswith("emote") else saved.model).channels == 13
        assert any("exp0-exp9, jaw_pose xyz" in entry["notes"] for entry in saved.card.data)
        assert "val_mse" in saved.card.metrics
        card = (Path(config.train.out) / "MODEL_CARD.md").read_text()
        assert "FLAME targets (13 channels)" in card and "synthetic test clips" in card
    # On the held-out subject, the speech drives the jaw and the MEAD label drives the emotion's coefficient.
    corpus = build_corpus(OmegaConf.to_container(config.data), 30.0)
    for u in corpus.val:
        pred = run_chunked(saved.model, u.samples, u.weights[0], 30.0, 32)
        assert np.corrcoef(pred[:, 10], u.targets[0, :, 10])[0, 1] > 0.6, u.name  # jaw_x
        smile = pred[:, EMOTION_COEFFICIENT["happy"]].mean()
        assert smile > 1.0 if "-happy-" in u.name else smile < 0.5, u.name
