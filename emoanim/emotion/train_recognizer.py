"""Train and evaluate the speech emotion classifier behind `--emotion auto`.

    python -m emoanim.emotion.train_recognizer --data ../shared/data --out checkpoints/speech_emotion.npz

The shipped model learns from the Apache-2.0 NVIDIA Audio2Face-3D sample clips only (`A2F_CLIPS`: two voices,
four emotions, one clip each, about a minute of speech in all). It prints the honest evaluation that goes into
checkpoints/speech_emotion.md: leave-one-speaker-out on those clips, and a cross-corpus test on RAVDESS actor 01
(CC BY-NC-SA 4.0, used as a test set only, never for training). Deterministic: no random numbers anywhere.
"""
from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emoanim.emotion.classes import EMOTIONS
from emoanim.emotion.recognize import DEFAULT_HOP, DEFAULT_WINDOW, SpeechEmotionModel
from emoanim.emotion.spec import canonical_emotion
from emoanim.errors import InputError

L2 = 1.0  # ridge penalty on standardised weights; fixed before evaluation. Strong: ~40 windows from 8 clips
A2F_FOLDER = "a2f-emotional-speech"
RAVDESS_FOLDER = "ravdess-actor01"
# (file, speaker, emoanim class). Left out: the out-of-breath clips (no emoanim class), and Claire_sadness_*_sec /
# *_44.1khz_* which are the same 5.2 s recording looped and resampled (sample-wise correlation 1.0), not new evidence.
# Claire's joy clip is Mandarin; all others are English.
A2F_CLIPS: tuple[tuple[str, str, str], ...] = (
    ("Claire_anger.wav", "Claire", "angry"),
    ("Claire_joy_mandarin.wav", "Claire", "happy"),
    ("Claire_neutral.wav", "Claire", "neutral"),
    ("Claire_sadness.wav", "Claire", "sad"),
    ("Mark_anger.wav", "Mark", "angry"),
    ("Mark_joy.wav", "Mark", "happy"),
    ("Mark_neutral.wav", "Mark", "neutral"),
    ("Mark_sadness.wav", "Mark", "sad"),
)


@dataclass(frozen=True)
class Clip:
    """One labelled recording as windows: features ``(W, F)`` of its speech windows only."""

    name: str
    speaker: str
    label: str
    features: np.ndarray


def clip_features(audio, window: float = DEFAULT_WINDOW, hop: float = DEFAULT_HOP) -> np.ndarray:
    """``(W, F)`` features of the speech windows of ``audio`` (all windows if none counts as speech)."""
    from emoanim.emotion.speech_features import window_features

    feats = window_features(audio, window, hop)
    return feats.values[feats.is_speech] if feats.is_speech.any() else feats.values


def fit(clips: list[Clip], l2: float = L2) -> SpeechEmotionModel:
    """Multinomial logistic regression; every clip weighs the same however many windows it has."""
    from scipy.optimize import minimize

    from emoanim.emotion.speech_features import FEATURE_NAMES, FEATURE_VERSION

    classes = tuple(name for name in EMOTIONS if any(c.label == name for c in clips))
    if len(classes) < 2:
        raise InputError(f"training needs at least 2 emotion classes, got {list(classes)}")
    x = np.concatenate([c.features for c in clips])
    y = np.concatenate([np.full(len(c.features), classes.index(c.label)) for c in clips])
    w = np.concatenate([np.full(len(c.features), 1.0 / len(c.features)) for c in clips])
    w /= w.sum()
    mean = w @ x
    std = np.sqrt(w @ (x - mean) ** 2)
    std = np.where(std > 1e-9, std, 1.0)  # a constant feature carries no information; keep it harmless
    z = (x - mean) / std
    f, k = z.shape[1], len(classes)
    onehot = np.eye(k)[y]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = theta[: f * k].reshape(f, k), theta[f * k:]
        logits = z @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        value = -float(w @ (onehot * log_p).sum(axis=1)) + 0.5 * l2 * float((weights ** 2).sum())
        residual = (np.exp(log_p) - onehot) * w[:, None]
        grad_w = z.T @ residual + l2 * weights
        return value, np.concatenate([grad_w.ravel(), residual.sum(axis=0)])

    result = minimize(loss, np.zeros(f * k + k), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    if not result.success:
        raise RuntimeError(f"logistic regression did not converge: {result.message}")
    theta = result.x
    return SpeechEmotionModel(classes=classes, feature_names=FEATURE_NAMES, feature_version=FEATURE_VERSION,
                              mean=mean, std=std, weights=theta[: f * k].reshape(f, k), bias=theta[f * k:])


def clip_prediction(model: SpeechEmotionModel, features: np.ndarray) -> str:
    """One label per clip: the class with the highest mean window probability."""
    return model.classes[int(np.argmax(model.probabilities(features).mean(axis=0)))]


@dataclass(frozen=True)
class Evaluation:
    """Accuracy and confusion (rows true, columns predicted, in ``classes`` order) of clips and of windows."""

    classes: tuple[str, ...]
    clip_confusion: np.ndarray
    window_confusion: np.ndarray

    @property
    def clip_accuracy(self) -> float:
        return float(np.trace(self.clip_confusion) / self.clip_confusion.sum())

    @property
    def window_accuracy(self) -> float:
        return float(np.trace(self.window_confusion) / self.window_confusion.sum())


def evaluate(model: SpeechEmotionModel, clips: list[Clip], classes: tuple[str, ...]) -> Evaluation:
    """Scores ``clips`` whose labels are in ``classes`` (the true-label axis may include classes the model lacks)."""
    clip_conf = np.zeros((len(classes), len(classes)), np.int64)
    window_conf = np.zeros_like(clip_conf)
    for clip in clips:
        truth = classes.index(clip.label)
        clip_conf[truth, classes.index(clip_prediction(model, clip.features))] += 1
        for row in model.probabilities(clip.features):
            window_conf[truth, classes.index(model.classes[int(np.argmax(row))])] += 1
    return Evaluation(classes, clip_conf, window_conf)


def leave_one_speaker_out(clips: list[Clip], l2: float = L2) -> dict[str, Evaluation]:
    """Train on every speaker but one, test on that one: ``{held-out speaker: Evaluation}``."""
    out = {}
    for speaker in sorted({c.speaker for c in clips}):
        model = fit([c for c in clips if c.speaker != speaker], l2)
        out[speaker] = evaluate(model, [c for c in clips if c.speaker == speaker], model.classes)
    return out


def load_a2f(data: Path) -> list[Clip]:
    from emoanim.audio.io import load_audio

    folder = data / A2F_FOLDER
    return [Clip(name, speaker, label, clip_features(load_audio(folder / name))) for name, speaker, label in A2F_CLIPS]


def load_ravdess(data: Path, classes: tuple[str, ...], calm_as_neutral: bool = False) -> list[Clip]:
    """RAVDESS actor 01 clips whose emotion is one of ``classes`` (calm is kept apart unless asked for)."""
    from emoanim.audio.io import load_audio

    folder = data / RAVDESS_FOLDER
    labels = folder / "labels.tsv"
    if not labels.is_file():
        raise InputError("RAVDESS labels not found", path=labels, hint="give --data the shared data folder")
    clips = []
    with open(labels, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["emotion"] == "calm" and not calm_as_neutral:
                continue
            label = canonical_emotion(row["emotion"])
            if label in classes:
                clips.append(Clip(row["path"], "ravdess01", label, clip_features(load_audio(folder / row["path"]))))
    return clips


def format_confusion(evaluation: Evaluation, which: str = "clip") -> str:
    """A markdown table; rows are the true class, columns the predicted one."""
    matrix = evaluation.clip_confusion if which == "clip" else evaluation.window_confusion
    head = "| true \\ predicted | " + " | ".join(evaluation.classes) + " |"
    rule = "|---" * (len(evaluation.classes) + 1) + "|"
    rows = [f"| {name} | " + " | ".join(str(v) for v in row) + " |" for name, row in zip(evaluation.classes, matrix)]
    return "\n".join([head, rule, *rows])


def default_data_folder() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_folder(),
                        help="shared data folder holding a2f-emotional-speech/ (and ravdess-actor01/ for the test)")
    parser.add_argument("--out", type=Path, default=Path("checkpoints/speech_emotion.npz"))
    parser.add_argument("--l2", type=float, default=L2)
    args = parser.parse_args(argv)
    missing = [path for path in (args.data / A2F_FOLDER / name for name, _, _ in A2F_CLIPS) if not path.is_file()]
    if missing:
        raise InputError("training audio not found", path=missing[0],
                         hint="pass --data pointing at the shared data folder (it holds a2f-emotional-speech/)")
    clips = load_a2f(args.data)
    print(f"## Leave-one-speaker-out on a2f (L2 = {args.l2})\n")
    loso = leave_one_speaker_out(clips, args.l2)
    for speaker, ev in loso.items():
        print(f"held out {speaker}: clips {ev.clip_accuracy:.1%}, windows {ev.window_accuracy:.1%} "
              f"({ev.window_confusion.sum()} windows)")
    pooled = Evaluation(loso["Claire"].classes, sum(e.clip_confusion for e in loso.values()),
                        sum(e.window_confusion for e in loso.values()))
    print(f"\npooled: clips {pooled.clip_accuracy:.1%}, windows {pooled.window_accuracy:.1%}\n")
    print("windows:\n" + format_confusion(pooled, "window") + "\n\nclips:\n" + format_confusion(pooled) + "\n")
    model = fit(clips, args.l2)
    model.save(args.out)
    print(f"wrote {args.out} (classes {', '.join(model.classes)})\n")
    if (args.data / RAVDESS_FOLDER).is_dir():
        for calm in (False, True):
            ev = evaluate(model, load_ravdess(args.data, model.classes, calm), model.classes)
            title = "calm counted as neutral" if calm else "calm left out"
            print(f"## Cross-corpus: RAVDESS actor 01, {title}\n")
            print(f"clips {ev.clip_accuracy:.1%} ({ev.clip_confusion.sum()} clips), windows {ev.window_accuracy:.1%}\n")
            print(format_confusion(ev) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
