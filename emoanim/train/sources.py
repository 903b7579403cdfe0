"""Where training utterances come from, each labelled with target motion by the phonetic animator (exact phones):

- `synthetic_utterances`: espeak-ng speech (voices × rates × pitches) of `SENTENCES`, forced-aligned to the known
  text, labelled under every emotion at several intensities;
- `asterisk_utterances`: the Asterisk prompts, forced-aligned to their transcripts, labelled the same way;
- `flite_utterances`: Flite's voices (emoanim.train.flite) speaking known texts, labelled the same way;
- `facegood_utterances`: FACEGOOD's real animation (Mandarin, 116 shapes mapped to ARKit by
  rigs/facegood_to_arkit.tsv), emotion neutral (the takes carry no emotion labels).

An `Utterance` holds one recording and ``V`` labelled variants of it (one per emotion/intensity).
"""
from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import soundfile
from scipy.signal import resample_poly

from emoanim.audio.types import SAMPLE_RATE, Audio
from emoanim.emotion import EmotionTrack
from emoanim.emotion.classes import NEUTRAL
from emoanim.errors import InputError
from emoanim.motion.performance import Performance, frame_count
from emoanim.phonetics.types import Phone, PhoneTrack

# Original sentences written for this corpus: everyday English, rich in /p b m/, open vowels and rounding.
SENTENCES = (
    "Maybe we should bring the map back before lunch.",
    "Bob bought a big blue box of paper.",
    "My mother made warm bread this morning.",
    "Please put the empty bottles by the back door.",
    "The market opens at nine on Monday.",
    "Paul and Pam walked past the old bank.",
    "Remember to bring your umbrella tomorrow.",
    "A bumpy bus ride home took more than an hour.",
    "Bright lamps lit up the small museum.",
    "We might meet them by the bridge at ten.",
    "How about a cup of hot apple pie?",
    "The puppy jumped happily on the bed.",
    "Father often parks the car far from the farm.",
    "Nobody knows where the blue pen went.",
    "Put a pinch of pepper in the soup.",
    "Summer months bring warm and humid weather.",
    "My brother plays the drums in a band.",
    "The baby smiled when mom picked her up.",
    "Open the window and let the breeze come in.",
    "Bears move slowly through the deep forest.",
    "I am proud of the amazing work you both did.",
    "The plumber fixed the broken pipe by noon.",
    "Mark my words, the problem will come back.",
    "Boats bobbed up and down in the bay.",
    "Big black clouds moved over the mountain.",
    "Mix the butter and sugar in a bowl.",
    "Every member may vote in the morning.",
    "Please, be quiet, the baby is asleep.",
    "A bumblebee buzzed above the purple flowers.",
    "The boy kept his promise to the family.",
    "Maybe the museum is open on Sunday.",
    "Buy me some more apples at the market.",
    "Palm trees sway by the warm beach.",
    "Pamela bought a brand new bike.",
    "The ambulance moved past the busy bus stop.",
    "Timber beams supported the big barn.",
    "Mum put the umbrella by the bamboo mat.",
    "Bubbles popped on top of the bath.",
    "Both men promised to pay me back.",
    "My bamboo boat is moored by the pier.",
)
ESPEAK_RATE = 22050  # espeak-ng's output rate (Hz) for its standard voices
ESPEAK_LICENCE = "GPL-3.0 synthesiser; generated speech from original sentences (project's own)"
FACEGOOD_LICENCE = "MIT (FACEGOOD-Audio2Face)"


@dataclass
class Utterance:
    """One recording and its labelled variants.

    samples: ``(N,)`` float32 at 16 kHz; weights: ``(V, T, 8)`` emotion weights; targets: ``(V, T, C)`` motion;
    phones: the exact phones (None for FACEGOOD); emotions: the ``V`` emotion specs.
    visemes: derived from ``phones`` when the corpus is loaded (`emoanim.train.labels`), never cached.
    """

    name: str
    source: str
    samples: np.ndarray
    fps: float
    weights: np.ndarray
    targets: np.ndarray
    emotions: list[str]
    phones: list[Phone] | None
    visemes: np.ndarray | None = None  # (T,) frame viseme labels for the lip reader; filled by build_corpus
    # {"exact", "heard"}: (T, classes) multi-hot phone input (emoanim.models.phone_input) from the exact and the
    # recognised phones; filled by build_corpus when data.phone_input asks for it, never cached
    phone_tracks: dict[str, np.ndarray] | None = None

    @property
    def frames(self) -> int:
        return self.targets.shape[1]


def emotion_specs(emotions: Sequence[str], intensities: Sequence[float]) -> list[str]:
    """``["neutral", "happy:0.5", "happy:1", ...]``: neutral once (its intensity changes nothing), others × each."""
    specs = []
    for emotion in emotions:
        if emotion == NEUTRAL:
            specs.append(NEUTRAL)
        else:
            specs += [f"{emotion}:{intensity:g}" for intensity in intensities]
    return specs


def target_values(perf: Performance, target: str) -> np.ndarray:
    """``(T, C)`` training targets: ``arkit`` -> the 52 expression weights; ``metahuman-board`` -> its 174 face
    controls (head rotation columns dropped: the models animate the face; head motion is `motion.post`'s job)."""
    if target == "arkit":
        return perf.expression.astype(np.float32)
    if target == "metahuman-board":
        from emoanim.rigs import get_rig

        curves = get_rig("metahuman-board").curves(perf)
        keep = [i for i, n in enumerate(curves.names) if not n.startswith("Head")]
        return np.asarray(curves.values[:, keep], np.float32)
    raise InputError(f"unknown training target {target!r}", hint="set data.target to arkit or metahuman-board")


def label(name: str, source: str, audio: Audio, phones: PhoneTrack, specs: Sequence[str], fps: float,
          target: str) -> Utterance:
    """Label one aligned recording with the phonetic animator under each emotion spec."""
    from emoanim.animators import get_animator

    animator = get_animator("phonetic")
    frames = frame_count(audio.duration, fps)
    times = np.arange(frames) / fps
    weights, targets = [], []
    for spec in specs:
        track = EmotionTrack.parse(spec)
        perf = animator.animate(audio, track, phones=phones, fps=fps, seed=0)
        weights.append(track.at(times).astype(np.float32))
        targets.append(target_values(perf, target))
    return Utterance(name, source, audio.samples.astype(np.float32), fps, np.stack(weights), np.stack(targets),
                     list(specs), list(phones.phones))


def espeak(text: str, voice: str, rate: int, pitch: int) -> Audio:
    """espeak-ng speech of ``text`` at 16 kHz. ``rate`` in words per minute, ``pitch`` 0..99."""
    done = subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "--stdout", text],
                          capture_output=True)
    if done.returncode != 0 or not done.stdout:
        raise InputError(f"espeak-ng failed for voice {voice!r}: {done.stderr.decode(errors='replace').strip()}",
                         hint="install espeak-ng, and use a voice from `espeak-ng --voices`")
    samples, rate_hz = soundfile.read(io.BytesIO(done.stdout), dtype="float32")
    if rate_hz != ESPEAK_RATE:
        raise InputError(f"espeak-ng wrote {rate_hz} Hz audio, expected {ESPEAK_RATE}")
    return Audio(resample_poly(samples, 320, 441).astype(np.float32), SAMPLE_RATE, None)  # 22050 -> 16000


def synthetic_utterances(count: int, voices: Sequence[str], rates: Sequence[int], pitches: Sequence[int],
                         specs: Sequence[str], fps: float, target: str,
                         sentences: Sequence[str] = SENTENCES) -> Iterator[Utterance]:
    """``count`` utterances cycling through ``sentences`` and the voice × rate × pitch grid (deterministic).

    Phone timings: forced alignment of the known text to the synthetic audio. Utterances whose text does not
    force-align are skipped (the aligner then fell back to recognition, which is not exact)."""
    from emoanim.phonetics import align

    for index in range(count):
        text = sentences[index % len(sentences)]
        voice, rate = voices[index % len(voices)], rates[(index // len(voices)) % len(rates)]
        pitch = pitches[(index // (len(voices) * len(rates))) % len(pitches)]
        audio = espeak(text, voice, rate, pitch)
        phones = align(audio, text)
        if phones.method == "forced":
            yield label(f"synthetic-{index:04d}", "synthetic", audio, phones, specs, fps, target)


def asterisk_utterances(names: Sequence[tuple[str, str]], specs: Sequence[str], fps: float,
                        target: str, language: str = "en") -> Iterator[Utterance]:
    """Labelled Asterisk prompts ((name, transcript) pairs from `asterisk.prompts(language)`); unalignable ones
    skipped."""
    from emoanim.train.asterisk import aligned_prompts

    prefix = "asterisk" if language == "en" else f"asterisk-{language}"
    for name, _, audio, phones in aligned_prompts(names, language):
        if phones is not None:
            yield label(f"{prefix}-{name.replace('/', '_')}", prefix, audio, phones, specs, fps, target)


def flite_utterances(texts: Sequence[str], voices: Sequence[str], count: int, specs: Sequence[str], fps: float,
                     target: str) -> Iterator[Utterance]:
    """The first ``count`` (text, voice) pairs of `train.flite.aligned_speech`, labelled; unalignable ones skipped."""
    from itertools import islice

    from emoanim.train.flite import aligned_speech

    for name, _, audio, phones in islice(aligned_speech(texts, voices), count):
        if phones is not None:
            yield label(f"flite-{name}", "flite", audio, phones, specs, fps, target)


def facegood_takes(root: Path) -> list[str]:
    """Take names that have both a wav and a weight array under ``root``."""
    if not (root / "wav").is_dir() or not (root / "bs_value").is_dir():
        raise InputError("not a FACEGOOD data folder (needs wav/ and bs_value/)", path=root)
    return sorted(p.stem for p in (root / "wav").glob("*.wav")
                  if (root / "bs_value" / f"bs_value_{p.stem}.npy").is_file())


def facegood_utterances(root: Path, takes: Sequence[str], fps: float, target: str) -> Iterator[Utterance]:
    """FACEGOOD takes as neutral-emotion utterances; targets from its 116 shapes via the ARKit table, resampled
    (linear) from its 30 fps to ``fps``."""
    from emoanim.audio import load_audio
    from emoanim.eval.curves_compare import arkit_weights, read_facegood
    from emoanim.motion.resample import resample

    for take in takes:
        audio = load_audio(root / "wav" / f"{take}.wav")
        curves = read_facegood(root / "bs_value" / f"bs_value_{take}.npy")
        arkit = arkit_weights(curves, "facegood")
        frames = frame_count(audio.duration, fps)
        arkit = resample(arkit, curves.fps, fps, frames)
        perf = Performance.still(frames, fps)
        perf.expression[:] = np.clip(arkit[:frames], 0.0, 1.0)
        track = EmotionTrack.constant(NEUTRAL)
        weights = track.at(np.arange(frames) / fps).astype(np.float32)
        yield Utterance(f"facegood-{take}", "facegood", audio.samples, fps, weights[None],
                        target_values(perf, target)[None], [NEUTRAL], None)

