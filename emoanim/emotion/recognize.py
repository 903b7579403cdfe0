"""`--emotion auto`: recognise the emotion in speech and turn it into an `EmotionTrack`.

A standardised multinomial logistic regression over window statistics (`emoanim.emotion.speech_features`) gives
class probabilities for overlapping windows (3 s every 1.5 s by default); the probabilities become a timeline:

1. windows that are pause or partly pause hold the emotion of the speech before them (a breath never flips
   the face);
2. probabilities are averaged over each window and its neighbours;
3. the label changes only when another class beats the current one by `SWITCH_MARGIN` (hysteresis, no flicker);
4. each run of one label becomes one key, its intensity the median probability margin (top minus runner-up).

The classifier can only output the classes it was trained on (the shipped model: neutral, happy, sad, angry; see
checkpoints/speech_emotion.md for its data, licence and measured accuracy, which is modest).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emoanim.audio.types import Audio
from emoanim.emotion.classes import EMOTIONS, NEUTRAL
from emoanim.emotion.spec import EmotionKey
from emoanim.emotion.track import DEFAULT_TRANSITION, EmotionTrack
from emoanim.errors import InputError

AUTO = "auto"  # the --emotion value that asks for recognition
DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "checkpoints" / "speech_emotion.npz"
DEFAULT_WINDOW = 3.0  # seconds: long enough for pitch range and rate statistics (~10-15 syllables)
DEFAULT_HOP = 1.5  # seconds: half-overlapping windows, a new estimate every 1.5 s
SMOOTH_WINDOWS = 3  # each window's probabilities averaged with its two neighbours
SWITCH_MARGIN = 0.15  # a new label must beat the current one by this much probability to take over
# A window half pause looks unlike any training window (wide level range, many pauses); it holds the emotion around
# it unless its share of speech is at least this fraction of the clip's fullest window.
EVIDENCE_SPEECH_SHARE = 0.75
_RETRAIN = "re-create it with `python -m emoanim.emotion.train_recognizer --out checkpoints/speech_emotion.npz`"
_ARRAYS = ("classes", "feature_names", "feature_version", "mean", "std", "weights", "bias")


@dataclass(frozen=True)
class SpeechEmotionModel:
    """Multinomial logistic regression on standardised features.

    classes: ``C`` emotion names (a subset of `EMOTIONS`); feature_names: ``F`` names;
    mean, std: ``(F,)``; weights: ``(F, C)``; bias: ``(C,)``.
    """

    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    feature_version: int
    mean: np.ndarray
    std: np.ndarray
    weights: np.ndarray
    bias: np.ndarray

    def probabilities(self, values: np.ndarray) -> np.ndarray:
        """``(W, F)`` features -> ``(W, C)`` class probabilities, rows summing to 1."""
        logits = ((np.asarray(values, np.float64) - self.mean) / self.std) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:  # a file object, so numpy does not append a second ".npz"
            np.savez(f, classes=np.array(self.classes), feature_names=np.array(self.feature_names),
                     feature_version=np.array(self.feature_version), mean=self.mean, std=self.std,
                     weights=self.weights, bias=self.bias)
        return path

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SpeechEmotionModel":
        """Read a model file (default `DEFAULT_MODEL`); InputError naming the file if it is missing or damaged."""
        from emoanim.emotion.speech_features import FEATURE_NAMES, FEATURE_VERSION

        path = Path(path) if path is not None else DEFAULT_MODEL
        if not path.is_file():
            raise InputError("speech emotion model not found", path=path, hint=_RETRAIN)
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in _ARRAYS}
            model = cls(classes=tuple(str(c) for c in arrays["classes"]),
                        feature_names=tuple(str(n) for n in arrays["feature_names"]),
                        feature_version=int(arrays["feature_version"]),
                        mean=arrays["mean"].astype(np.float64), std=arrays["std"].astype(np.float64),
                        weights=arrays["weights"].astype(np.float64), bias=arrays["bias"].astype(np.float64))
        except Exception as err:  # zip, pickle-refusal, missing-key and dtype errors all mean "damaged file"
            raise InputError(f"speech emotion model is damaged ({type(err).__name__}: {err})", path=path,
                             hint=_RETRAIN) from None
        problem = model._problem(FEATURE_NAMES, FEATURE_VERSION)
        if problem:
            raise InputError(f"speech emotion model {problem}", path=path, hint=_RETRAIN)
        return model

    def _problem(self, feature_names: tuple[str, ...], version: int) -> str | None:
        f, c = len(self.feature_names), len(self.classes)
        if self.feature_version != version or self.feature_names != feature_names:
            return f"was made for feature set v{self.feature_version}, this emoanim computes v{version}"
        if unknown := [name for name in self.classes if name not in EMOTIONS]:
            return f"has unknown classes {unknown}"
        if c < 2 or len(set(self.classes)) != c:
            return f"needs at least 2 distinct classes, has {list(self.classes)}"
        shapes = (self.mean.shape, self.std.shape, self.weights.shape, self.bias.shape)
        if shapes != ((f,), (f,), (f, c), (c,)):
            return f"has inconsistent array shapes {shapes} for {f} features and {c} classes"
        if not all(np.isfinite(a).all() for a in (self.mean, self.std, self.weights, self.bias)) or \
                not (self.std > 0).all():
            return "holds non-finite numbers or a zero feature scale"
        return None


@dataclass(frozen=True)
class Recognition:
    """What `recognize_windows` heard: window bounds ``(W,)`` s, ``(W, C)`` probabilities, speech share ``(W,)``
    and speech mask ``(W,)`` (see `WindowFeatures`)."""

    classes: tuple[str, ...]
    starts: np.ndarray
    ends: np.ndarray
    probabilities: np.ndarray
    speech_fraction: np.ndarray
    is_speech: np.ndarray

    @property
    def is_evidence(self) -> np.ndarray:
        """``(W,)`` bool: speech windows full enough to decide the emotion (`EVIDENCE_SPEECH_SHARE`)."""
        if not self.is_speech.any():
            return self.is_speech
        fullest = float(self.speech_fraction[self.is_speech].max())
        return self.is_speech & (self.speech_fraction >= EVIDENCE_SPEECH_SHARE * fullest)


def recognize_windows(audio: Audio, model: SpeechEmotionModel, window: float = DEFAULT_WINDOW,
                      hop: float = DEFAULT_HOP) -> Recognition:
    """Per-window class probabilities of ``audio`` (no smoothing)."""
    from emoanim.emotion.speech_features import window_features

    features = window_features(audio, window, hop)
    return Recognition(model.classes, features.starts, features.ends, model.probabilities(features.values),
                       features.speech_fraction, features.is_speech)


def recognize(audio: Audio, model_path: str | Path | None = None, window: float = DEFAULT_WINDOW,
              hop: float = DEFAULT_HOP, transition: float = DEFAULT_TRANSITION,
              model: SpeechEmotionModel | None = None) -> EmotionTrack:
    """``audio`` -> `EmotionTrack` whose keys follow the recognised emotion (one key for a clip under ``window``)."""
    model = model if model is not None else SpeechEmotionModel.load(model_path)
    return track_from_windows(recognize_windows(audio, model, window, hop), transition)


def track_from_windows(heard: Recognition, transition: float = DEFAULT_TRANSITION) -> EmotionTrack:
    """Window probabilities -> keys (see the module docstring for the four steps)."""
    if not heard.is_speech.any():
        return EmotionTrack((EmotionKey(0.0, NEUTRAL),), transition)  # nothing spoken: nothing to show
    probs = _hold_over_pauses(heard.probabilities, heard.is_evidence)
    probs = _moving_average(probs, SMOOTH_WINDOWS)
    labels = _hysteresis_labels(probs, SWITCH_MARGIN)
    centres = (heard.starts + heard.ends) / 2.0
    keys = []
    for first, last in _runs(labels):
        label = labels[first]
        others = np.delete(probs[first:last + 1], label, axis=1)
        margin = float(np.median(probs[first:last + 1, label] - others.max(axis=1)))
        time = 0.0 if first == 0 else float((centres[first - 1] + centres[first]) / 2.0)
        keys.append(EmotionKey(time, heard.classes[label], round(min(max(margin, 0.0), 1.0), 2)))
    return EmotionTrack(tuple(keys), transition)


def emotion_for(audio: Audio, spec: str | EmotionTrack, transition: float = DEFAULT_TRANSITION,
                model_path: str | Path | None = None) -> EmotionTrack:
    """The pipeline's emotion: ``"auto"`` recognises it from ``audio``; any other spec is parsed as usual."""
    if isinstance(spec, EmotionTrack):
        return spec
    if isinstance(spec, str) and spec.strip().lower() == AUTO:
        return recognize(audio, model_path, transition=transition)
    return EmotionTrack.parse(spec, transition=transition)


def _hold_over_pauses(probs: np.ndarray, is_speech: np.ndarray) -> np.ndarray:
    """Pause windows take the probabilities of the previous speech window (leading pauses: the first one)."""
    index = np.where(is_speech, np.arange(len(probs)), -1)
    index = np.maximum.accumulate(index)
    index[index < 0] = int(np.argmax(is_speech))
    return probs[index]


def _moving_average(probs: np.ndarray, width: int) -> np.ndarray:
    half = width // 2
    padded = np.concatenate([probs[:1].repeat(half, 0), probs, probs[-1:].repeat(half, 0)])
    kernel = np.ones(width) / width
    return np.stack([np.convolve(padded[:, c], kernel, mode="valid") for c in range(probs.shape[1])], axis=1)


def _hysteresis_labels(probs: np.ndarray, margin: float) -> np.ndarray:
    labels = np.empty(len(probs), np.int64)
    current = int(np.argmax(probs[0]))
    for w, row in enumerate(probs):
        best = int(np.argmax(row))
        if row[best] - row[current] > margin:
            current = best
        labels[w] = current
    return labels


def _runs(labels: np.ndarray) -> list[tuple[int, int]]:
    """``[(first, last), ...]`` index ranges of equal consecutive labels."""
    cuts = np.nonzero(np.diff(labels))[0]
    firsts = np.concatenate([[0], cuts + 1])
    lasts = np.concatenate([cuts, [len(labels) - 1]])
    return list(zip(firsts.tolist(), lasts.tolist()))
