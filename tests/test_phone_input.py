"""Learned animators that read phones beside the audio (model.phone_input, emoanim.train.heard_phones)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from conftest import tiny_config
from emoanim.animators.learned import EmoFaceAnimator
from emoanim.emotion import EmotionTrack
from emoanim.errors import InputError
from emoanim.models import load_checkpoint
from emoanim.models.phone_input import FORCED, PHONE_CHANNELS, PHONE_CLASSES, phone_occupancy
from emoanim.phonetics.types import Phone
from emoanim.train import heard_phones
from emoanim.train.dataset import build_corpus, sample_batch
from emoanim.train.heard_phones import PhoneMix, phone_mix
from emoanim.train.loop import train

torch.set_num_threads(1)
PHONES = {"model.phone_input": True, "data.phone_input.heard": 0.5, "data.phone_input.dropout": 0.2}


def _config(root: Path, out: str, **overrides):
    return tiny_config("emoface_tiny", root, root / out, **overrides)


def _neutral_second() -> tuple[torch.Tensor, torch.Tensor]:
    """Model inputs: one second of quiet noise and 30 frames of neutral emotion."""
    weights = torch.zeros(1, 30, 8)
    weights[..., 0] = 1.0
    return torch.randn(1, 16000) * 0.05, weights


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """The tiny corpus, a tiny emoface trained without phones, and one fine-tuned from it with phones."""
    folder = tmp_path_factory.mktemp("phones")
    plain = train(_config(folder, "plain", **{"train.steps": 20}), progress=False).checkpoint
    train(_config(folder, "phones", **PHONES, **{"train.steps": 20, "train.init": str(plain)}), progress=False)
    return folder


def test_the_phone_track_keeps_a_one_frame_bilabial_and_marks_no_phones_as_zeros():
    phones = [Phone("sil", 0.0, 0.1), Phone("B", 0.1, 0.12), Phone("AH0", 0.12, 0.3), Phone("+NOISE+", 0.3, 0.4)]
    track = phone_occupancy(phones, 30.0, 15)
    assert track.shape == (15, PHONE_CHANNELS) and not track[:, FORCED].any()
    assert track[:, PHONE_CLASSES.index("B")].nonzero()[0].tolist() == [3]  # 20 ms: its centre frame, not lost
    assert track[:, PHONE_CLASSES.index("AH")].sum() >= 5  # stress digits count as their phone
    assert not track[10:].any()  # a recogniser's filler is no phone; nothing after it either
    assert not phone_occupancy(None, 30.0, 15).any()
    forced = phone_occupancy(phones, 30.0, 15, forced=True)  # flagged wherever a phone is known, and only there
    np.testing.assert_array_equal(forced[:, FORCED], track[:, :FORCED].max(axis=1))
    assert forced[:, FORCED].sum() >= 9 and not forced[10:].any()
    np.testing.assert_array_equal(forced[:, :FORCED], track[:, :FORCED])


def test_a_fine_tune_with_phones_starts_from_its_source_and_phones_then_change_the_output(root):
    plain = load_checkpoint(root / "plain" / "last.pt").model.eval()
    with_phones = load_checkpoint(root / "phones" / "last.pt").model.eval()
    assert with_phones.takes_phones and not plain.takes_phones
    samples, weights = _neutral_second()
    bilabials = torch.zeros(1, 30, PHONE_CHANNELS)
    bilabials[0, :, PHONE_CLASSES.index("M")] = 1.0
    vowels = torch.zeros(1, 30, PHONE_CHANNELS)
    vowels[0, :, PHONE_CLASSES.index("AA")] = 1.0
    with torch.no_grad():
        assert (with_phones(samples, weights, phones=bilabials) - with_phones(samples, weights, phones=vowels)
                ).abs().max() > 1e-3
        # zeros mean "no phones": the same as leaving the input out
        torch.testing.assert_close(with_phones(samples, weights, phones=torch.zeros_like(vowels)),
                                   with_phones(samples, weights))
    fresh = _config(root, "fresh", **PHONES)
    from emoanim.models.factory import build_model
    from emoanim.train.model_setup import start_from

    model = build_model(OmegaConf.to_container(fresh.model)).eval()
    start_from(model, OmegaConf.to_container(fresh.model), str(root / "plain" / "last.pt"), "emoface")
    with torch.no_grad():  # the projection starts at zero: the source's output, phones or not
        torch.testing.assert_close(model(samples, weights, phones=bilabials), plain(samples, weights))
    with pytest.raises(InputError, match="do not fit this model"):  # and not the other way round
        start_from(build_model(OmegaConf.to_container(_config(root, "x").model)),
                   OmegaConf.to_container(_config(root, "x").model), str(root / "phones" / "last.pt"), "emoface")


def test_only_a_model_with_the_forced_flag_reads_it_and_it_starts_at_zero(root):
    from emoanim.models.factory import build_model
    from emoanim.train.model_setup import start_from

    plain = load_checkpoint(root / "phones" / "last.pt").model.eval()
    flagged_config = OmegaConf.to_container(_config(root, "flag", **PHONES, **{"model.forced_flag": True}).model)
    flagged = build_model(flagged_config).eval()
    start_from(flagged, flagged_config, str(root / "phones" / "last.pt"), "emoface")
    samples, weights = _neutral_second()
    recognised = torch.zeros(1, 30, PHONE_CHANNELS)
    recognised[0, :, PHONE_CLASSES.index("M")] = 1.0
    forced = recognised.clone()
    forced[0, :, FORCED] = 1.0
    with torch.no_grad():
        # a model without the flag ignores the channel; the flag starts at zero, so the fine-tune starts exactly
        torch.testing.assert_close(plain(samples, weights, phones=forced), plain(samples, weights, phones=recognised))
        torch.testing.assert_close(flagged(samples, weights, phones=forced), plain(samples, weights, phones=forced))
        flagged.phones.forced.fill_(0.5)  # once learned, it tells forced phones from recognised ones
        assert (flagged(samples, weights, phones=forced) - flagged(samples, weights, phones=recognised)
                ).abs().max() > 1e-3


def test_each_training_window_shows_no_phones_the_recognised_ones_or_the_exact_ones(root, monkeypatch):
    config = OmegaConf.to_container(_config(root, "phones", **PHONES).data)
    corpus = build_corpus(config, 30.0)
    assert corpus.phones == PhoneMix(0.5, 0.2)
    u = corpus.train[0]
    exact, heard = u.phone_tracks["exact"], u.phone_tracks["heard"]
    assert exact.shape == heard.shape == (u.frames, PHONE_CHANNELS)
    assert exact.any() and heard.any()
    assert exact[:, FORCED].any() and not heard[:, FORCED].any()  # exact phones stand for forced-aligned ones
    window = u.frames + 20  # longer than the utterance: every window starts at frame 0
    rng = np.random.default_rng(0)
    only_exact = sample_batch([u], 4, window, rng, phones=PhoneMix(heard=0.0, dropout=0.0)).phones.numpy()
    np.testing.assert_array_equal(only_exact, np.stack([np.pad(exact, ((0, 20), (0, 0)))] * 4))
    only_heard = sample_batch([u], 4, window, rng, phones=PhoneMix(heard=1.0, dropout=0.0)).phones.numpy()
    np.testing.assert_array_equal(only_heard[0, :u.frames], heard)
    assert not sample_batch([u], 4, window, rng, phones=PhoneMix(dropout=1.0)).phones.numpy().any()
    assert sample_batch([u], 4, window, rng).phones is None
    # recognised once, then read back from the cache
    monkeypatch.setattr(heard_phones, "_recognise", lambda *a: pytest.fail("recognised again"))
    again = build_corpus(config, 30.0)
    np.testing.assert_array_equal(again.train[0].phone_tracks["heard"], heard)


def test_an_exact_only_source_is_never_recognised_and_shows_its_exact_phones(root, monkeypatch):
    monkeypatch.setattr(heard_phones, "_recognise", lambda *a: pytest.fail("an exact_only source was recognised"))
    config = OmegaConf.to_container(_config(root, "phones", **PHONES).data)
    config["cache"] = str(root / "exact-only")  # no recognised phones cached here
    config["phone_input"]["exact_only"] = ["synthetic"]
    corpus = build_corpus(config, 30.0)
    for u in corpus.train + corpus.val:  # the same phones, not flagged as forced
        np.testing.assert_array_equal(u.phone_tracks["heard"][:, :FORCED], u.phone_tracks["exact"][:, :FORCED])
        assert u.phone_tracks["exact"][:, FORCED].any() and not u.phone_tracks["heard"][:, FORCED].any()
    assert not list((root / "exact-only").glob("heard-*/*.json"))
    config["phone_input"]["exact_only"] = ["flite"]
    with pytest.raises(InputError, match="names no source of this corpus: flite"):
        build_corpus(config, 30.0)


def test_a_checkpoint_that_reads_phones_gets_them_from_the_pipeline(root, say, monkeypatch):
    from emoanim.audio import load_audio
    from emoanim.models import inference
    from emoanim.pipeline import Options, perform

    flagged = []  # whether each run's phone track was flagged as forced-aligned

    def watched(model, samples, weights, fps, window, phones=None, **kwargs):
        flagged.append(None if phones is None else bool(phones[:, FORCED].any()))
        return run_chunked(model, samples, weights, fps, window, phones=phones, **kwargs)

    run_chunked = inference.run_chunked
    monkeypatch.setattr(inference, "run_chunked", watched)

    animator = EmoFaceAnimator(root / "phones" / "last.pt")
    assert animator.reads_phones and not EmoFaceAnimator(root / "plain" / "last.pt").reads_phones
    audio = load_audio(say("Bob bought a map."))
    checkpoint = root / "phones" / "last.pt"
    recognised, _, _ = perform(audio, Options(animator="emoface", checkpoint=checkpoint, emotion="happy"))
    forced, _, _ = perform(audio, Options(animator="emoface", checkpoint=checkpoint, emotion="happy",
                                          transcript="Bob bought a map."))
    assert recognised.metadata["phone_input"] == "recognized-words"
    assert forced.metadata["phone_input"] == "forced"
    assert flagged == [False, True]
    alone = animator.animate(audio, EmotionTrack.parse("happy"), fps=30.0)
    assert alone.metadata["phone_input"] is None and alone.frames == forced.frames
    heard_alone, phones, _ = perform(audio, Options(animator="emoface", checkpoint=checkpoint, emotion="happy",
                                                          audio_only=True))
    assert heard_alone.metadata["phone_input"] is None and phones is None  # no recognition at all


def test_the_benchmarks_feed_a_phone_reading_checkpoint_three_ways(root, say):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from eval_report import subjects_for

    from emoanim.audio import load_audio

    feeds = subjects_for("emoface", checkpoint=root / "phones" / "last.pt")
    assert [s.label for s in feeds] == ["with transcript", "without (words recogniser)", "--audio-only"]
    audio = load_audio(say("Bob bought a map."))
    performed = [feed.perform(audio, "happy", transcript="Bob bought a map.") for feed in feeds]
    assert [perf.metadata["phone_input"] for perf, _, _ in performed] == ["forced", "recognized-words", None]
    assert performed[2][1] is None  # --audio-only: nothing aligned or recognised
    from eval_report import speed_result

    assert speed_result(feeds[2], audio, repeats=1).seconds["align"] == 0.0  # nor in the speed row
    assert speed_result(feeds[1], audio, repeats=1).seconds["align"] > 0.0


def test_audio_only_is_refused_for_the_phonetic_animator(capsys):
    from emoanim.cli.main import main

    code = main(["render", "nowhere.wav", "--audio-only", "--no-video", "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "--audio-only is for the learned animators" in err and err.count("\n") == 1


def test_phone_input_settings_are_checked(root):
    with pytest.raises(InputError, match="needs phones to train on"):
        train(_config(root, "nophones", **{"model.phone_input": True, "train.steps": 1}), progress=False)
    with pytest.raises(InputError, match="must be a probability"):
        phone_mix({"heard": 1.5})
    assert phone_mix(None) is None and phone_mix({}) is None
