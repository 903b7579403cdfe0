"""The pieces the shipped checkpoints were trained with: the critics (lip reader, expression classifier) and their
losses, the closure hinge, worker processes drawing the same batches, the time budget and cosine schedule, and the
portable corpus that carries a built cache to a machine without the corpus tools."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from conftest import tiny_config
from emoanim.errors import InputError
from emoanim.models import load_checkpoint
from emoanim.models.checkpoint import release_checkpoint
from emoanim.train import labels
from emoanim.train.dataset import StepBatches, build_corpus, read_utterance, sample_batch
from emoanim.train.loop import learning_rate, step_losses, train
from emoanim.train.portable import pack, unpack

torch.set_num_threads(1)


def _config(name: str, root: Path, **overrides):
    return tiny_config(name, root, root / name, **overrides)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gpu_path")
    build_corpus(OmegaConf.to_container(_config("lipreader_tiny", folder).data), 30.0)
    return folder


def test_viseme_frame_labels_follow_the_phones():
    from emoanim.phonetics.types import Phone

    phones = [Phone("sil", 0.0, 0.1), Phone("M", 0.1, 0.2), Phone("AA1", 0.2, 0.4), Phone("HH", 0.4, 0.5)]
    frames = labels.viseme_frames(phones, 10.0, 6)
    from emoanim.animators.phonetic.visemes import VISEMES

    assert [VISEMES[i] if i >= 0 else None for i in frames] == ["sil", "PP", "aa", "aa", None, "sil"]
    assert (labels.viseme_frames(None, 10.0, 4) == labels.UNKNOWN).all()
    weights = np.zeros((4, 8), np.float32)
    weights[:, 0], weights[:, 1] = 0.5, 0.5
    np.testing.assert_allclose(labels.emotion_target(weights), [0.5, 0.5, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("name, metric", [("lipreader_tiny", "val_viseme_accuracy"),
                                          ("expression_tiny", "val_emotion_accuracy")])
def test_the_critics_train_and_the_loss_falls(root, name, metric):
    result = train(_config(name, root, **{"train.val_every": 60}), progress=False)
    assert result.losses[-1] < 0.7 * result.losses[0]
    assert 0.0 <= result.metrics[metric] <= 1.0
    assert result.metrics[metric] > (0.13 if name == "lipreader_tiny" else 0.5)  # twice chance (1/15); 1/3


def test_critic_losses_need_their_critic_and_judge_the_prediction(root):
    lipreader = train(_config("lipreader_tiny", root), progress=False).checkpoint
    expression = train(_config("expression_tiny", root), progress=False).checkpoint
    config = _config("emoface_tiny", root, **{
        "train.steps": 2, "train.losses.lip_reading": 0.1, "train.losses.emotion_consistency": 0.1,
        "train.losses.closure": 0.5, "train.critics.lipreader": str(lipreader),
        "train.critics.expression": str(expression)})
    result = train(config, progress=False)
    logged = (Path(config.train.out) / "log.jsonl").read_text()
    assert '"lip_reading"' in logged and '"emotion_consistency"' in logged and '"closure"' in logged
    assert result.step == 2
    missing = _config("emoface_tiny", root / "missing", **{"train.losses.lip_reading": 0.1})
    with pytest.raises(InputError, match="no lipreader critic"):
        train(missing, progress=False)
    # the same batch: a prediction equal to the target reads alike (zero agreement loss); a flat one does not
    from emoanim.train.model_setup import Critics

    corpus = build_corpus(OmegaConf.to_container(config.data), 30.0)
    batch = sample_batch(corpus.train, 4, 32, np.random.default_rng(0))
    critic = load_checkpoint(lipreader).model

    class Echo(torch.nn.Module):
        def __init__(self, motion):
            super().__init__()
            self.motion = motion

        def forward(self, samples, weights, style=None, phones=None):  # the animator models' signature
            return self.motion

    same = step_losses(Echo(batch.targets), "emoface", batch, {"lip_reading": 1.0}, Critics(critic, None))
    flat = step_losses(Echo(torch.zeros_like(batch.targets)), "emoface", batch, {"lip_reading": 1.0},
                       Critics(critic, None))
    assert float(same["lip_reading"].detach()) < 1e-6 < float(flat["lip_reading"].detach())


def test_worker_processes_draw_the_same_batches(root):
    corpus = build_corpus(OmegaConf.to_container(_config("lipreader_tiny", root).data), 30.0)
    batches = StepBatches(corpus.train, 3, 32, seed=7, augment=None)
    here = list(batches.loader(5, 8, workers=0))
    there = list(batches.loader(5, 8, workers=2))
    for a, b in zip(here, there):
        torch.testing.assert_close(a.targets, b.targets)
        torch.testing.assert_close(a.samples, b.samples)
        assert torch.equal(a.visemes, b.visemes)


def test_time_budget_stops_with_a_checkpoint_and_cosine_decays(root):
    result = train(_config("lipreader_tiny", root / "budget", **{"train.steps": 100000, "train.max_seconds": 0}),
                   progress=False)
    assert result.step == 1 and result.checkpoint.is_file()
    assert "trained to step 1" in load_checkpoint(result.checkpoint).card.notes[-1]
    assert learning_rate(1.0, 5, 100, 10, "cosine", 0.0) == pytest.approx(0.6)  # warm-up
    assert learning_rate(1.0, 50, 100, 10, "cosine", 0.0) == pytest.approx(0.525)
    assert learning_rate(1.0, 50, 100, 10, "cosine", 1.0) == pytest.approx(0.05)  # the clock ran out first
    assert learning_rate(1.0, 50, 100, 10, "constant", 1.0) == 1.0
    with pytest.raises(InputError, match="schedule"):
        learning_rate(1.0, 50, 100, 10, "linear", 0.0)


def test_a_released_checkpoint_drops_the_optimizer(root, tmp_path):
    trained = train(_config("lipreader_tiny", root), progress=False).checkpoint
    released = release_checkpoint(trained, tmp_path / "lipreader.pt")
    assert load_checkpoint(trained).optimizer is not None and load_checkpoint(released).optimizer is None
    assert released.stat().st_size < trained.stat().st_size


def test_a_packed_corpus_unpacks_into_the_same_cache(root, tmp_path):
    cache = tmp_path / "corpus"
    shutil.copytree(root / "corpus", cache)
    heard = cache / "heard-words" / "synthetic-0000.json"  # a phone-input run's recognised phones travel too
    heard.parent.mkdir(exist_ok=True)
    heard.write_text('[["B", 0.1, 0.2]]')
    count = pack(cache, tmp_path / "pack")
    assert count == 3
    size = lambda folder: sum(f.stat().st_size for f in folder.rglob("*.npz"))  # noqa: E731
    assert size(tmp_path / "pack") < 0.5 * size(cache)
    assert unpack(tmp_path / "pack", tmp_path / "cache", workers=1) == 3
    assert (tmp_path / "cache" / "heard-words" / "synthetic-0000.json").read_text() == heard.read_text()
    for original in sorted(cache.glob("*/*.npz")):
        a, b = read_utterance(original), read_utterance(tmp_path / "cache" / original.parent.name / original.name)
        assert a.name == b.name and a.emotions == b.emotions and len(a.samples) == len(b.samples)
        assert [p.label for p in a.phones] == [p.label for p in b.phones]
        assert np.abs(a.targets - b.targets).max() < 0.05  # relabelled from the decoded (lossy) audio
    # the training config finds the unpacked cache under the same recipe hashes, without rebuilding
    again = build_corpus({**OmegaConf.to_container(_config("lipreader_tiny", root).data),
                          "cache": str(tmp_path / "cache")}, 30.0)
    assert len(again.train) + len(again.val) == 3
    with pytest.raises(InputError, match="not a packed corpus"):
        unpack(tmp_path / "nothing", tmp_path / "x")


def test_flint_can_train_with_the_closure_hinge(root):
    corpus = build_corpus(OmegaConf.to_container(_config("lipreader_tiny", root).data), 30.0)
    batch = sample_batch(corpus.train, 4, 32, np.random.default_rng(1))
    from emoanim.models import build_model

    flint = build_model({"kind": "flint", "channels": 52, "dim": 16, "latent": 8, "layers": 1, "heads": 2})
    terms = step_losses(flint, "flint", batch, {"closure": 1.0})
    assert "closure" in terms and float(terms["closure"].detach()) >= 0.0
    assert "closure" not in step_losses(flint, "flint", batch, {})


def test_fine_tuning_starts_from_a_checkpoint_and_trains_only_the_named_modules(root):
    base = train(_config("emoface_tiny", root / "base", **{"train.steps": 3}), progress=False).checkpoint
    tuned = train(_config("emoface_tiny", root / "tuned", **{
        "train.steps": 4, "train.init": str(base), "train.trainable": "[head]", "train.losses.closure": 1.0,
        "train.losses.closure_margin": 0.02, "train.losses.opening": 0.5}), progress=False)
    before, after = load_checkpoint(base).model.state_dict(), load_checkpoint(tuned.checkpoint).model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed == {"head.weight", "head.bias"}
    logged = (root / "tuned" / "emoface_tiny" / "log.jsonl").read_text()
    assert '"opening"' in logged and '"closure"' in logged
    with pytest.raises(InputError, match="names no module"):
        train(_config("emoface_tiny", root / "bad", **{"train.init": str(base), "train.trainable": "[nothing]"}),
              progress=False)
    with pytest.raises(InputError, match="another model config"):
        train(_config("emoface_tiny", root / "other", **{"train.init": str(base), "model.dim": 16}), progress=False)
    # dropout shapes no weight: a fine-tune may regularise harder than the run it starts from
    harder = train(_config("emoface_tiny", root / "harder", **{"train.steps": 1, "train.init": str(base),
                                                                  "model.dropout": 0.3, "model.speech.dropout": 0.3}),
                   progress=False)
    assert load_checkpoint(harder.checkpoint).config["model"]["dropout"] == 0.3


def test_the_metric_hinges_push_the_way_the_metrics_count():
    from emoanim.motion.channels import ARKIT_INDEX
    from emoanim.train import losses

    target = torch.zeros(1, 4, 52)
    target[0, 2, ARKIT_INDEX["jawOpen"]] = 0.4  # an open vowel frame; frames 0, 1, 3 are shut (aperture 0)
    pred = target.clone()
    assert float(losses.opening(pred, target)) == 0.0 and float(losses.closure(pred, target)) == 0.0
    pred[0, 2, ARKIT_INDEX["jawOpen"]] = 0.2  # under-opened
    assert float(losses.opening(pred, target)) == pytest.approx(0.04)
    pred[0, 1, ARKIT_INDEX["jawOpen"]] = 0.04  # just under the 0.05 closed line: fine without a margin
    assert float(losses.closure(pred, target)) == 0.0
    assert float(losses.closure(pred, target, margin=0.02)) == pytest.approx(0.01 ** 2 / 3)
    # parting: frame 2 is clearly apart in the target (aperture 0.4); shutting it there costs, opening it does not
    assert float(losses.parting(target, target)) == 0.0
    shut = target.clone()
    shut[0, 2, ARKIT_INDEX["mouthClose"]] = 0.4
    assert float(losses.parting(shut, target)) == pytest.approx(0.1 ** 2)


def test_sealing_asks_one_shut_frame_per_closure_and_pulls_only_the_nearest():
    from emoanim.motion.channels import ARKIT_INDEX
    from emoanim.train import losses

    jaw, close = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
    target = torch.zeros(2, 10, 52)
    target[..., jaw] = 0.3
    target[0, 3:5, close] = 0.3  # closure A (frames 3-4 of row 0)
    target[0, 9, close] = 0.3  # closure B (last frame of row 0) ...
    target[1, 0:2, close] = 0.3  # ... and closure C (first frames of row 1): B and C must stay two closures
    pred = target.clone()
    pred[..., close] = 0.2  # aperture 0.1 on every frame: no closure sealed
    pred[0, 3, close] = 0.28  # closure A nearly shut at frame 3 (aperture 0.02)
    pred[0, 4, close] = 0.3  # and shut at frame 4
    pred.requires_grad_(True)
    loss = losses.sealing(pred, target)
    assert loss.item() == pytest.approx((0.1 - 0.05) * 2 / 3)  # B and C miss by 0.05 each; A is sealed
    loss.backward()
    pulled = {tuple(i) for i in pred.grad[..., jaw].nonzero().tolist()}
    assert pulled == {(0, 9), (1, 0), (1, 1)}  # C's two frames tie for nearest; nothing outside closures moves
    assert float(losses.sealing(target, target, margin=0.02)) == 0.0
    near = pred.detach().clone()
    near[0, 4, close] = 0.2  # closure A now only nearly shut (aperture 0.02 at frame 3): sealed without a margin,
    assert float(losses.sealing(near, target)) == pytest.approx(0.1 / 3)
    assert float(losses.sealing(near, target, margin=0.04)) == pytest.approx((0.01 + 0.09 * 2) / 3)  # not with one
    funnelled = target.clone()
    funnelled[..., ARKIT_INDEX["mouthFunnel"]] = 0.2  # shut by the ARKit proxy, parted on a head: 0.4 * 0.2 = 0.08
    assert float(losses.sealing(funnelled, target)) == pytest.approx(0.08 - 0.05)
    open_only = torch.zeros(1, 5, 52)
    open_only[..., jaw] = 0.3
    assert float(losses.sealing(open_only, open_only)) == 0.0  # no closure, nothing to seal


def test_validation_draws_from_every_source_in_turn():
    from types import SimpleNamespace

    from emoanim.train.loop import spread_over_sources

    val = [SimpleNamespace(source=s, i=i) for i, s in enumerate(["synthetic"] * 5 + ["asterisk"] * 3 + ["facegood"])]
    chosen = spread_over_sources(val, 6)
    assert [u.source for u in chosen] == ["synthetic", "asterisk", "facegood", "synthetic", "asterisk", "synthetic"]
    assert [u.i for u in chosen if u.source == "synthetic"] == [0, 1, 2]  # corpus order within a source
    assert len(spread_over_sources(val, 100)) == len(val)


def test_flint_is_validated_window_by_window_as_it_is_used():
    from emoanim.models.flint import FlintVAE
    from emoanim.models.inference import reconstruct_chunked

    torch.manual_seed(0)
    flint = FlintVAE(channels=52, dim=16, latent=8, layers=1, heads=2).eval()
    motion = np.random.default_rng(0).random((100, 52)).astype(np.float32)
    with torch.no_grad():
        whole_first_window = flint(torch.from_numpy(motion[None, :32]), sample=False).motion[0].numpy()
        whole = flint(torch.from_numpy(motion[None]), sample=False).motion[0].numpy()
    chunked = reconstruct_chunked(flint, motion, window=32, overlap=8)
    assert chunked.shape == motion.shape
    np.testing.assert_allclose(chunked[:24], whole_first_window[:24], atol=1e-5)  # before the first cross-fade
    assert not np.allclose(chunked, whole, atol=1e-3)  # one 100-frame pass is not what inference runs
    # a clip shorter than the window runs as a whole window, padded with its last frame as training pads it
    short = reconstruct_chunked(flint, motion[:20], window=32)
    padded = np.concatenate([motion[:20], np.repeat(motion[19:20], 12, axis=0)])
    with torch.no_grad():
        as_trained = flint(torch.from_numpy(padded[None]), sample=False).motion[0, :20].numpy()
        as_is = flint(torch.from_numpy(motion[None, :20]), sample=False).motion[0].numpy()
    np.testing.assert_allclose(short, as_trained, atol=1e-5)
    assert not np.allclose(short, as_is, atol=1e-3)


def test_latent_anchor_pulls_emote_latents_toward_the_priors_encoding(root):
    flint = train(_config("flint_tiny", root / "anchor", **{"train.steps": 2}), progress=False).checkpoint
    config = _config("emote_tiny", root / "anchor", **{"train.steps": 2, "model.flint_checkpoint": str(flint),
                                                        "train.losses.latent_anchor": 0.01})
    result = train(config, progress=False)
    assert '"latent_anchor"' in (Path(config.train.out) / "log.jsonl").read_text()
    model = load_checkpoint(result.checkpoint).model
    corpus = build_corpus(OmegaConf.to_container(config.data), 30.0)
    batch = sample_batch(corpus.train, 3, 32, np.random.default_rng(0))
    terms = step_losses(model, "emote", batch, {"latent_anchor": 1.0})
    latents = model.latents(batch.samples, batch.weights)
    encoded, _ = model.flint.encode(batch.targets)
    assert float(terms["latent_anchor"]) == pytest.approx(float(torch.mean((latents - encoded) ** 2)), rel=1e-5)
    torch.testing.assert_close(terms["reconstruction"],
                               torch.mean((model.flint.decode(latents, 32) - batch.targets) ** 2))
    terms["latent_anchor"].backward()
    assert all(p.grad is None for p in model.flint.parameters())  # the prior stays frozen
    assert model.to_latent.weight.grad.abs().sum() > 0
    assert "latent_anchor" not in step_losses(model, "emote", batch, {})


def test_emote_can_start_its_front_layers_from_an_emoface_checkpoint(root):
    flint = train(_config("flint_tiny", root / "graft", **{"train.steps": 2}), progress=False).checkpoint
    emoface = train(_config("emoface_tiny", root / "graft", **{"train.steps": 2}), progress=False).checkpoint
    emote = train(_config("emote_tiny", root / "graft", **{"train.steps": 1, "model.flint_checkpoint": str(flint)}),
                  progress=False).checkpoint
    front = "[speech,emotion,fuse,transformer]"
    grafted = train(_config("emote_tiny", root / "grafted", **{
        "train.steps": 1, "model.flint_checkpoint": str(flint), "train.init": str(emote), "train.lr": 0.0,
        "train.transplant.from": str(emoface), "train.transplant.modules": front, "train.trainable": "[to_latent]"}),
        progress=False).checkpoint
    donor, before = load_checkpoint(emoface).model.state_dict(), load_checkpoint(emote).model.state_dict()
    after = load_checkpoint(grafted).model.state_dict()
    for key, value in after.items():
        if key.startswith(("speech.", "emotion.", "fuse.", "transformer.")):
            assert torch.equal(value, donor[key]), key
        else:  # the latent head and the prior stay emote's (lr 0: nothing moved)
            assert torch.equal(value, before[key]), key
    # without train.init too: a fresh emote takes the donor's front, nothing is silently skipped
    fresh = train(_config("emote_tiny", root / "graft_fresh", **{
        "train.steps": 1, "model.flint_checkpoint": str(flint), "train.lr": 0.0,
        "train.transplant.from": str(emoface), "train.transplant.modules": front}), progress=False).checkpoint
    assert torch.equal(load_checkpoint(fresh).model.state_dict()["fuse.weight"], donor["fuse.weight"])
    with pytest.raises(InputError, match="no module 'head'"):
        train(_config("emote_tiny", root / "bad_graft", **{
            "train.steps": 1, "model.flint_checkpoint": str(flint), "train.init": str(emote),
            "train.transplant.from": str(emoface), "train.transplant.modules": "[head]"}), progress=False)
    with pytest.raises(InputError, match="shaped differently"):
        wide = train(_config("emoface_tiny", root / "wide", **{"train.steps": 1, "model.dim": 48}),
                     progress=False).checkpoint
        train(_config("emote_tiny", root / "bad_shape", **{
            "train.steps": 1, "model.flint_checkpoint": str(flint), "train.init": str(emote),
            "train.transplant.from": str(wide), "train.transplant.modules": "[fuse]"}), progress=False)


def test_the_inner_lip_gap_loss_sees_what_the_landmarks_rig_measures():
    from emoanim.eval.landmark_lipsync import performance_mouth
    from emoanim.motion.performance import Performance
    from emoanim.train.lip_gap import gap_per_jaw_unit, inner_lip_gap

    rng = np.random.default_rng(0)
    weights = rng.uniform(-0.1, 1.1, (40, 52))  # out of range on purpose: the head clips, so must the loss
    perf = Performance(fps=30.0, expression=weights, head=rng.normal(0, 8, (40, 3)),
                       head_translation=rng.normal(0, 1, (40, 3)), gaze=rng.normal(0, 10, (40, 4)))
    measured = performance_mouth(perf).inner_gap
    computed = inner_lip_gap(torch.tensor(weights[None], dtype=torch.float64))[0].numpy()
    np.testing.assert_allclose(computed, measured, atol=1e-6)
    assert 0.2 < gap_per_jaw_unit() < 0.5  # the head's jaw parts the lips by a third of the eye distance per unit
    shut = torch.zeros(1, 3, 52, requires_grad=True)
    inner_lip_gap(shut).sum().backward()
    assert torch.isfinite(shut.grad).all()  # a sealed mouth (gap 0) still has a usable gradient
    with pytest.raises(ValueError, match="ARKit-52"):
        inner_lip_gap(torch.zeros(1, 2, 10))


def test_landmark_and_dual_sealing_judge_a_closure_on_the_face_and_on_both():
    from emoanim.eval.landmark_lipsync import CLOSED_GAP
    from emoanim.motion.channels import ARKIT_INDEX
    from emoanim.train import losses
    from emoanim.train.lip_gap import gap_per_jaw_unit

    jaw, close, funnel = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"], ARKIT_INDEX["mouthFunnel"]
    upper_up = [ARKIT_INDEX["mouthUpperUpLeft"], ARKIT_INDEX["mouthUpperUpRight"]]
    target = torch.zeros(1, 8, 52)
    target[..., jaw] = 0.3
    target[0, 3:5, close] = 0.3  # one closure, frames 3-4
    assert float(losses.landmark_sealing(target, target)) == 0.0
    assert float(losses.dual_sealing(target, target, margin=0.02)) == 0.0
    funnelled = target.clone()
    funnelled[..., funnel] = 0.5  # shut on the curves, parted on the face
    face_excess = float(losses.landmark_sealing(funnelled, target))
    assert face_excess > 0.0 and float(losses.sealing(funnelled, target)) > 0.0
    assert float(losses.dual_sealing(funnelled, target)) == pytest.approx(face_excess)
    lifted = target.clone()
    lifted[..., upper_up] = 0.3  # ARKit proxy: aperture 0.5 * mean(0.3, 0.3, 0, 0) = 0.075; the head: ~0.013 IOD
    assert float(losses.landmark_sealing(lifted, target)) == 0.0  # the face alone lets this closure pass
    assert float(losses.dual_sealing(lifted, target)) == pytest.approx(0.075 - 0.05)  # both must be shut
    # the margin is in jaw units for the face too: aiming 0.02 below the line on either measure
    margin = 0.02
    gap_line = CLOSED_GAP / gap_per_jaw_unit()
    nearly = target.clone()
    nearly[0, 3:5, close] = 0.3 - gap_line + 0.01  # jaw minus close: just inside the face's line (and the curves')
    assert float(losses.landmark_sealing(nearly, target)) == 0.0
    assert float(losses.landmark_sealing(nearly, target, margin)) == pytest.approx(margin - 0.01, abs=1e-4)


def test_keep_every_leaves_releases_a_chosen_step_can_be_reproduced_from(root):
    config = _config("emoface_tiny", root / "keep", **{"train.steps": 4, "train.keep_every": 2,
                                                      "train.losses.dual_sealing": 1.0})
    result = train(config, progress=False)
    out = Path(config.train.out)
    kept = sorted(p.name for p in out.glob("step_*.pt"))
    assert kept == ["step_000002.pt", "step_000004.pt"]
    second = load_checkpoint(out / "step_000002.pt")
    assert second.step == 2 and second.optimizer is None
    final = load_checkpoint(result.checkpoint)
    for name, value in load_checkpoint(out / "step_000004.pt").model.state_dict().items():
        torch.testing.assert_close(value, final.model.state_dict()[name])
    assert '"dual_sealing"' in (out / "log.jsonl").read_text()


def test_validation_counts_false_closures_a_prior_makes_around_closures(root):
    from types import SimpleNamespace

    from emoanim.train.loop import validate

    corpus = build_corpus(OmegaConf.to_container(_config("lipreader_tiny", root).data), 30.0)

    class Prior(torch.nn.Module):
        """Stands in for FLINT: returns its input (a perfect prior) or a mouth shut on every frame."""

        def __init__(self, shut: bool):
            super().__init__()
            self.shut = shut
            self.unused = torch.nn.Parameter(torch.zeros(1))

        def forward(self, motion, sample=False):
            return SimpleNamespace(motion=torch.zeros_like(motion) if self.shut else motion)

    faithful = validate(Prior(False), "flint", corpus, 30.0, 32, 4)
    shut = validate(Prior(True), "flint", corpus, 30.0, 32, 4)
    assert faithful["val_false_closure"] < 0.05 and faithful["val_mse"] == 0.0
    assert shut["val_false_closure"] == 1.0 and shut["val_bilabial_closure"] == 1.0
