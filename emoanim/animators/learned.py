"""Learned animators: a trained EMOTE- or EmoFace-style checkpoint (emoanim.models) run on speech + emotion.

    animator = EmoteAnimator("checkpoints/emote.pt")
    performance = animator.animate(audio, EmotionTrack.parse("sad"), phones=None, fps=30, seed=0)

A checkpoint trained with ``model.phone_input: true`` also reads phones (`emoanim.models.phone_input`): the same
phones the phonetic animator reads, forced-aligned to the transcript or recognised without one. Given no phones it
runs on the audio alone (it was trained with the phones dropped from some windows). Other checkpoints map audio
straight to motion.

Given phones, every learned animator also seals the lips on each /p b m/ (`emoanim.motion.lip_seal`, on by default,
``lip_seal=False`` / ``--no-lip-seal`` for the model alone), so it `needs_phones` and the pipeline aligns for it
unless ``--audio-only``.

The model runs at its own frame rate (``model.fps`` in its config) in overlapping windows of its training length
(`emoanim.models.inference.run_chunked`, so memory does not grow with the clip), and the result is resampled to the
requested ``fps``. A model trained on MetaHuman board controls (174 outputs) comes back to a `Performance` through
the metahuman-board rig's inverse map. Head and gaze stay zero, as with the phonetic animator: `emoanim.motion.post`
adds them.

The speech is first brought to the level the model was trained at (`emoanim.audio.level`; ``model.input_level_dbfs``
in the checkpoint's config, -18 dBFS when absent, null to hear the audio as it is): the models hear log-mel power,
and a recording 30 dB quieter than their training speech lost a third of its lip closures.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from emoanim.audio.level import REFERENCE_DBFS, normalize_level
from emoanim.audio.types import Audio
from emoanim.emotion.track import EmotionTrack
from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_NAMES
from emoanim.motion.lip_seal import seal_bilabials
from emoanim.motion.performance import Performance, frame_count
from emoanim.motion.resample import resample
from emoanim.phonetics.types import PhoneTrack

CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"
# Windows of 64 frames are small matrices: threads only add synchronisation. On the 2-core dev machine, under load
# from other jobs, the 25 s example ran through the emote model in 0.08 s with 1 thread and 2.65 s with 2 (spinning
# OpenMP workers fighting the other jobs; ENVIRONMENT-NOTES.md saw 10-50x). One thread is never much slower.
INFERENCE_THREADS = 1


class LearnedAnimator:
    """Base for checkpoint-driven animators; subclasses name the model kind and the default checkpoint."""

    name = "learned"
    kind = ""

    def __init__(self, checkpoint: str | Path | None = None, speech_encoder: str | Path | None = None,
                 lip_seal: bool = True) -> None:
        """``checkpoint``: a ``.pt`` written by ``emoanim train`` (default ``checkpoints/<name>.pt``).
        ``speech_encoder``: the user's copy of the wav2vec2/HuBERT folder the checkpoint was trained with (its config
        stores the trainer's path, which rarely exists on another machine). ``lip_seal``: shut the lips on every
        /p b m/ of the phones it is given (`emoanim.motion.lip_seal`); False shows the model's own closures."""
        from emoanim.models import load_checkpoint

        path = Path(checkpoint) if checkpoint is not None else CHECKPOINTS / f"{self.name}.pt"
        if not path.is_file():
            hint = (f"check the path, or leave --checkpoint out to use the shipped checkpoints/{self.name}.pt"
                    if checkpoint is not None else
                    f"it ships with emoanim, see checkpoints/{self.name}.md; re-create it with "
                    f"`emoanim train configs/{self.name}.yaml`, or name another with --checkpoint PATH")
            raise InputError(f"{self.name} checkpoint not found", path=path, hint=hint)
        self.checkpoint = load_checkpoint(path, self.kind, speech_path=speech_encoder)
        model_cfg = self.checkpoint.config["model"]
        self.model = self.checkpoint.model
        self.model_fps = float(model_cfg.get("fps", 30))
        self.window = int(model_cfg.get("window_frames", 64))
        self.target = self.checkpoint.config.get("data", {}).get("target", "arkit")
        self.input_level = model_cfg.get("input_level_dbfs", REFERENCE_DBFS)
        self.lip_seal = bool(lip_seal)

    @property
    def reads_phones(self) -> bool:
        """True for a checkpoint trained to read phones beside the audio."""
        return bool(getattr(self.model, "takes_phones", False))

    @property
    def needs_phones(self) -> bool:
        """True when phones change the output: the model reads them, or the lip seal uses their bilabials."""
        return self.reads_phones or self.lip_seal

    def animate(self, audio: Audio, emotion: EmotionTrack, *, phones: PhoneTrack | None = None, fps: float = 30.0,
                seed: int = 0) -> Performance:
        """Speech + emotion (+ ``phones``: read by a checkpoint that reads them, and sealed on their bilabials unless
        ``lip_seal`` is off) -> `Performance` with ``frame_count(audio.duration, fps)`` frames."""
        import torch

        from emoanim.models.inference import run_chunked

        if not np.isfinite(fps) or fps <= 0:
            raise InputError(f"fps must be a positive number, got {fps!r}", hint="use e.g. 24, 30 or 60")
        if audio.sample_rate != 16000:
            raise InputError(f"the model needs 16 kHz audio, got {audio.sample_rate} Hz", path=audio.source,
                             hint="read it with emoanim.audio.load_audio")
        gain_db = 0.0
        if self.input_level is not None:
            audio, gain_db = normalize_level(audio, float(self.input_level))
        model_frames = frame_count(audio.duration, self.model_fps)
        weights = emotion.at(np.arange(model_frames) / self.model_fps).astype(np.float32)
        heard = None
        if self.reads_phones and phones is not None:
            from emoanim.models.phone_input import phone_occupancy

            heard = phone_occupancy(phones.phones, self.model_fps, model_frames, forced=phones.method == "forced")
        torch.manual_seed(seed)  # inference is deterministic; this only pins any stochastic layer a model may add
        threads = torch.get_num_threads()
        torch.set_num_threads(INFERENCE_THREADS)
        try:
            raw = run_chunked(self.model, np.asarray(audio.samples, np.float32), weights, self.model_fps, self.window,
                              phones=heard)
        finally:
            torch.set_num_threads(threads)
        frames = frame_count(audio.duration, fps)
        values = resample(raw, self.model_fps, fps, frames) if (fps != self.model_fps or len(raw) != frames) else raw
        performance = self._performance(np.asarray(values, np.float32), fps)
        sealed = (seal_bilabials(performance.expression, phones.phones, fps)
                  if self.lip_seal and phones is not None else None)
        performance.metadata.update(
            animator=self.name, fps=fps, emotion=emotion.to_dict(), seed=seed, warnings=[],
            checkpoint=str(self.checkpoint.path), checkpoint_step=self.checkpoint.step,
            speech_encoder=self.checkpoint.config["model"].get("speech", {}).get("path") or "logmel",
            input_gain_db=round(gain_db, 2),
            phone_input=(phones.method if heard is not None else None),
            lip_seal=sealed is not None,
            # Seconds, as the phonetic animator records them: the sealed bilabials (none when not sealed).
            lip_closures=[[p.start, p.end] for p in sealed or []],
        )
        return performance

    def _performance(self, values: np.ndarray, fps: float) -> Performance:
        if self.target == "arkit":
            if values.shape[1] != len(ARKIT_NAMES):
                raise InputError(f"the checkpoint outputs {values.shape[1]} channels, expected 52 ARKit shapes",
                                 path=self.checkpoint.path)
            performance = Performance.still(len(values), fps)
            performance.expression[:] = np.clip(values, 0.0, 1.0)
            return performance
        if self.target == "metahuman-board":
            from emoanim.rigs import get_rig
            from emoanim.rigs.curves import Curves

            rig = get_rig("metahuman-board")
            names = [n for n in rig.channel_names if not n.startswith("Head")]
            if values.shape[1] != len(names):
                raise InputError(f"the checkpoint outputs {values.shape[1]} channels, expected {len(names)} "
                                 "MetaHuman board controls", path=self.checkpoint.path)
            performance = rig.performance(Curves(names=names, fps=fps, values=values.astype(np.float64),
                                                 rig="metahuman-board", ranges=None, metadata={}))
            return performance.copy(head=np.zeros_like(performance.head), gaze=np.zeros_like(performance.gaze))
        raise InputError(f"the checkpoint was trained on unknown target {self.target!r}", path=self.checkpoint.path)


class EmoteAnimator(LearnedAnimator):
    """EMOTE-style: speech + emotion -> FLINT latents -> motion (checkpoint kind ``emote``)."""

    name = "emote"
    kind = "emote"


class EmoFaceAnimator(LearnedAnimator):
    """EmoFace-style: speech + emotion -> rig controls directly (checkpoint kind ``emoface``)."""

    name = "emoface"
    kind = "emoface"
