"""Speed and quality of `emoanim.phonetics` on real speech: the asterisk prompts (one studio voice, with transcripts).

    python benchmarks/phone_recognition.py [--count 60] [--lw 1.5] [--wip 0.65] [--beam 1e-48] [--pbeam 1e-48]
                                           [--no-phone-lm] [--set topn=8] [--dither 8] [--sweep]

Forced alignment of each prompt to its transcript is the reference (near-exact on clean read speech). Against it,
phone recognition (no transcript) is scored by:
- bilabial recall: the fraction of the reference's P, B, M phones that overlap in time a recognised P, B or M
  (the lips must close for these; a missed one is a visible lip-sync error);
- bilabial precision: the fraction of recognised P, B, M that overlap a reference P, B or M (so recall cannot be
  bought by sprinkling bilabials everywhere);
- frame agreement: the fraction of 10 ms frames inside reference speech phones where the recognised label is the
  same phone;
- phone error rate: Levenshtein distance between the recognised and reference speech-phone sequences divided by
  the reference length.
Speed is CPU seconds per audio second (decoder build excluded; it is paid once per process) and real-time factor
(audio seconds / wall seconds, higher is faster).

`--sweep` scores a small grid of recogniser settings and prints one row each; the defaults in
`emoanim.phonetics.sphinx.RecognitionSettings` come from that table (results in the module docstring of sphinx.py).
"""
from __future__ import annotations

import argparse
import gzip
import re
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from emoanim.audio.types import Audio
from emoanim.phonetics import sphinx
from emoanim.phonetics.align import DITHER_RMS_INT16, align, spans_to_phones, to_pcm16
from emoanim.phonetics.types import SILENCE, Phone
from emoanim.train.asterisk import VOICES

SOUNDS = VOICES["en"].sounds
TRANSCRIPTS = VOICES["en"].transcripts
BILABIALS = frozenset({"P", "B", "M"})
MIN_WORDS = 3  # shorter prompts ("Added.") hold too few phones to say much


@dataclass
class Prompt:
    name: str
    text: str
    audio: Audio


@dataclass
class Score:
    bilabial_hits: int = 0
    bilabial_total: int = 0
    recognised_bilabials_hit: int = 0
    recognised_bilabials: int = 0
    agree_frames: int = 0
    speech_frames: int = 0
    edits: int = 0
    reference_phones: int = 0
    cpu_s: float = 0.0
    wall_s: float = 0.0

    def row(self, audio_s: float) -> str:
        return (f"bilabial recall {self.bilabial_hits / max(self.bilabial_total, 1):.3f} "
                f"({self.bilabial_hits}/{self.bilabial_total})  "
                f"precision {self.recognised_bilabials_hit / max(self.recognised_bilabials, 1):.3f}  "
                f"frame agreement {self.agree_frames / max(self.speech_frames, 1):.3f}  "
                f"PER {self.edits / max(self.reference_phones, 1):.3f}  "
                f"{self.cpu_s / audio_s:.4f} CPU s/s  {audio_s / max(self.wall_s, 1e-9):.0f}x real time")


def read_transcripts() -> dict[str, str]:
    """name -> spoken text, for entries that are speech. Bracketed parts ("[beep]", "[@]") and parenthesised stage
    directions ("(simple tone sound plays)") are not spoken and are removed."""
    texts = {}
    with gzip.open(TRANSCRIPTS, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith(";") or ":" not in line:
                continue
            name, text = line.split(":", 1)
            text = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text).strip()
            if text:
                texts[name.strip()] = text
    return texts


def decode_g722(path: Path) -> Audio:
    import imageio_ffmpeg

    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(sphinx.SAMPLE_RATE), "-"], check=True, capture_output=True).stdout
    return Audio(np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0, source=path)


def load_prompts(count: int) -> list[Prompt]:
    """``count`` prompts spread evenly over the sorted list of those with >= `MIN_WORDS` words."""
    texts = read_transcripts()
    names = sorted(n for n, t in texts.items() if len(t.split()) >= MIN_WORDS and (SOUNDS / f"{n}.g722").is_file())
    if not names:
        sys.exit(f"no prompts found: need {SOUNDS}/*.g722 and {TRANSCRIPTS}")
    picked = [names[i] for i in np.linspace(0, len(names) - 1, min(count, len(names))).round().astype(int)]
    return [Prompt(n, texts[n], decode_g722(SOUNDS / f"{n}.g722")) for n in dict.fromkeys(picked)]


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


def frame_labels(phones: list[Phone], frames: int) -> np.ndarray:
    labels = np.full(frames, SILENCE, dtype=object)
    for p in phones:
        labels[int(round(p.start * sphinx.FRAME_RATE)):int(round(p.end * sphinx.FRAME_RATE))] = p.label
    return labels


def overlapping(phone: Phone, others: list[Phone]) -> bool:
    return any(o.start < phone.end and phone.start < o.end for o in others)


def score_recognition(prompts: list[Prompt], references: list[list[Phone]], settings: sphinx.RecognitionSettings,
                      dither: float) -> Score:
    score = Score()
    sphinx.recognize_phones(to_pcm16(prompts[0].audio, dither), settings=settings)  # build the decoder untimed
    for prompt, reference in zip(prompts, references):
        cpu, wall = time.process_time(), time.perf_counter()
        pcm = to_pcm16(prompt.audio, dither)
        phones = spans_to_phones(sphinx.recognize_phones(pcm, settings=settings), prompt.audio.duration)
        score.cpu_s += time.process_time() - cpu
        score.wall_s += time.perf_counter() - wall
        if reference is None:
            continue
        ref_bilabials = [p for p in reference if p.label in BILABIALS]
        rec_bilabials = [p for p in phones if p.label in BILABIALS]
        score.bilabial_total += len(ref_bilabials)
        score.bilabial_hits += sum(overlapping(p, rec_bilabials) for p in ref_bilabials)
        score.recognised_bilabials += len(rec_bilabials)
        score.recognised_bilabials_hit += sum(overlapping(p, ref_bilabials) for p in rec_bilabials)
        frames = int(np.ceil(prompt.audio.duration * sphinx.FRAME_RATE))
        ref_frames, rec_frames = frame_labels(reference, frames), frame_labels(phones, frames)
        speech = ref_frames != SILENCE
        score.speech_frames += int(speech.sum())
        score.agree_frames += int((ref_frames[speech] == rec_frames[speech]).sum())
        ref_seq = [p.label for p in reference if p.label != SILENCE]
        score.edits += edit_distance([p.label for p in phones if p.label != SILENCE], ref_seq)
        score.reference_phones += len(ref_seq)
    return score


def forced_references(prompts: list[Prompt]) -> tuple[list[list[Phone] | None], float, float, int]:
    """Reference phones per prompt (None where alignment fell back to recognition: not a reference), CPU and wall
    seconds spent, and how many prompts fell back."""
    align(prompts[0].audio, prompts[0].text)  # build the decoder untimed
    references, cpu_s, wall_s, failed = [], 0.0, 0.0, 0
    for prompt in prompts:
        cpu, wall = time.process_time(), time.perf_counter()
        track = align(prompt.audio, prompt.text)
        cpu_s += time.process_time() - cpu
        wall_s += time.perf_counter() - wall
        if track.method != "forced":
            failed += 1
            print(f"  forced alignment fell back on {prompt.name}: {track.warnings}", file=sys.stderr)
        references.append(track.phones if track.method == "forced" else None)
    return references, cpu_s, wall_s, failed


def sweep_grid(base: sphinx.RecognitionSettings) -> list[sphinx.RecognitionSettings]:
    grid = [base]
    grid += [replace(base, lw=lw) for lw in (0.5, 1.0, 2.0, 4.0, 6.5, 10.0)]
    grid += [replace(base, wip=wip) for wip in (0.01, 0.1, 2.0, 10.0)]
    grid += [replace(base, beam=1e-60, pbeam=1e-60), replace(base, beam=1e-30, pbeam=1e-30)]
    grid += [replace(base, use_phone_lm=False), replace(base, extra=(("topn", 8),)),
             replace(base, extra=(("remove_noise", True),))]
    return grid


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=60, help="prompts to use (spread over the sorted list)")
    defaults = sphinx.RecognitionSettings()
    parser.add_argument("--lw", type=float, default=defaults.lw)
    parser.add_argument("--wip", type=float, default=defaults.wip, help="phone insertion probability")
    parser.add_argument("--beam", type=float, default=defaults.beam)
    parser.add_argument("--pbeam", type=float, default=defaults.pbeam)
    parser.add_argument("--no-phone-lm", action="store_true", help="flat phone loop instead of the phone LM")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="any other pocketsphinx option (number or true/false)")
    parser.add_argument("--dither", type=float, default=DITHER_RMS_INT16, help="noise floor RMS, int16 steps")
    parser.add_argument("--sweep", action="store_true", help="score a grid of settings around the given ones")
    args = parser.parse_args(argv)

    extra = tuple((key, _parse_value(value)) for key, value in (item.split("=", 1) for item in args.set))
    settings = sphinx.RecognitionSettings(args.lw, args.wip, args.beam, args.pbeam, not args.no_phone_lm, extra)
    prompts = load_prompts(args.count)
    audio_s = sum(p.audio.duration for p in prompts)
    print(f"{len(prompts)} asterisk prompts, {audio_s:.1f} s of speech")

    references, cpu_s, wall_s, failed = forced_references(prompts)
    print(f"forced alignment: {cpu_s / audio_s:.4f} CPU s/s, {audio_s / wall_s:.0f}x real time, "
          f"{failed} of {len(prompts)} fell back to recognition")
    print(f"reference bilabials: {sum(p.label in BILABIALS for r in references if r for p in r)}")

    for candidate in (sweep_grid(settings) if args.sweep else [settings]):
        score = score_recognition(prompts, references, candidate, args.dither)
        print(f"recognition {_describe(candidate)}: {score.row(audio_s)}", flush=True)


def _parse_value(text: str) -> object:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        return float(text)


def _describe(settings: sphinx.RecognitionSettings) -> str:
    extra = " ".join(f"{k}={v}" for k, v in settings.extra)
    lm = "phone-lm" if settings.use_phone_lm else "no-lm"
    return f"[lw={settings.lw:g} wip={settings.wip:g} beam={settings.beam:g} pbeam={settings.pbeam:g} {lm} {extra}]"


if __name__ == "__main__":
    main()
