"""The closing-note table of issue #7: every animator side by side on the issue-#6 metrics, and its speed on CPU.

    python benchmarks/animator_table.py [--prompts N] [--start 0] [--animators phonetic,emote,emoface]
                                        [--checkpoint-dir checkpoints] [--data ../shared/data]
                                        [--skip lipsync,voice,speaker,video,curves,emotion,speed] [--threads 2]

Rows: the phonetic animator with the transcript and without it (default recogniser), then each learned animator
(column "input"): fed as the phonetic one (it seals the lips on the phones' /p b m/, emoanim.motion.lip_seal, and
reads the phones if its checkpoint has ``model.phone_input``), and with ``--audio-only`` (no phones: no seal); then,
for one that reads phones, with and without the transcript again with the seal off ("no lip seal": the model's own
closures). Every row is measured by the same code (benchmarks/eval_report.py):

- lip sync on ``--prompts`` Asterisk prompts of the held-out test split (odd indices; the learned animators trained
  on the even ones), reference phones by forced alignment of each transcript. Rates on the ARKit curves
  (emoanim.eval.lipsync, as benchmarks/lipsync_asterisk.py): /p b m/ with a closed frame, open vowels whose jaw
  opens, other speech phones closed throughout (false closures, lower is better); and on the landmarks rig
  (emoanim.eval.landmark_lipsync, as the issue-#6 table): /p b m/ sealed, and the A/V offset (lag of the inner lip
  gap behind the speech envelope, median over prompts; + = mouth after sound);
- an unseen voice: the same ARKit counts on the same test transcripts spoken by Flite's ``awb`` voice (a Scottish
  man; emoanim.train.flite; trained on: the other Flite voices, never awb; its prompts 0-79 help choose checkpoints,
  so only the ones from ``--start`` on are reported);
- another speaker: the same ARKit counts on ``<data>/ravdess-actor01`` (RAVDESS actor 01, 60 acted clips of two
  sentences in 8 emotions, 20-30 dB quieter than the Asterisk prompts; CC BY-NC-SA, so it is only measured on,
  never trained on or used to choose a checkpoint), force-aligned to its transcripts;
- GRID: mean Pearson r of the animated inner-lip gap against the real face's in the 6 clips of ``<data>/grid``;
- FACEGOOD: jaw and lips r against the keyed curves of take 1114_3_15, held out of all training;
- EMFACS: emotions (of 7) whose prototype action units, and no others, show on examples/speech.wav; and how many
  grow with intensity;
- speed: x real time of the animate stage alone and of the whole pipeline to ARKit curves (alignment where the
  animator needs it, animate, blinks/gaze/head, rig), fastest of 3 on examples/speech.wav, torch on ``--threads``.

Parts that need ``--data`` are skipped with a note when it is absent. Prints Markdown; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import inspect
import sys
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from eval_report import (FACEGOOD_TAKE, Subject, asterisk_prompts, curves_result, emotion_result,  # noqa: E402
                         flite_prompts, grid_clips, labelled_prompts, lipsync_result, num, speed_result, subjects_for,
                         video_result)

PARTS = ("lipsync", "voice", "speaker", "video", "curves", "emotion", "speed")
OTHER_SPEAKER = "ravdess-actor01/labels.tsv"  # under --data
UNSEEN_VOICE = "awb"  # emoanim.train.flite: kept out of training
COLUMNS = ("animator", "input", "p b m closed (ARKit)", "open vowels opened", "false closures",
           "p b m sealed (landmarks)", "A/V offset", f"Flite {UNSEEN_VOICE}: closed / opened / false",
           "RAVDESS actor 01: closed / opened / false", "GRID mouth-open r",
           f"FACEGOOD {FACEGOOD_TAKE} jaw / lips r",
           "EMFACS passed", "intensity monotone", "x real time: animate", "x real time: pipeline")


@dataclass
class Row:
    """Everything measured for one `Subject`; a part left out (skipped, or no data) stays None."""

    animator: str
    input: str
    lipsync: object = None  # eval_report.LipsyncResult
    voice: object = None  # eval_report.LipsyncResult on the test transcripts in an unseen synthetic voice
    speaker: object = None  # eval_report.LipsyncResult on another speaker's clips
    video: list | None = None  # VideoSync per GRID clip
    curves: object = None  # CurvesComparison
    emotion: object = None  # eval_report.EmotionResult
    speed: object = None  # eval_report.SpeedResult

    @property
    def grid_r(self) -> float:
        return float(np.nanmean([v.opening.r for v in self.video])) if self.video else float("nan")


@dataclass
class Inputs:
    """What the parts are measured on; None leaves the part out (its cells read "-")."""

    prompts: list | None = None  # eval_report.Prompt
    voice_prompts: list | None = None  # eval_report.Prompt: the test transcripts in UNSEEN_VOICE
    speaker_prompts: list | None = None  # eval_report.Prompt: another speaker's clips
    grid: list | None = None  # eval_report.GridClip
    data: Path | None = None  # for the FACEGOOD take
    emotion_clip: tuple | None = None  # (Audio, transcript); () = examples/speech.wav
    speed_clip: tuple | None = None  # (Audio, transcript); () = examples/speech.wav
    speed_repeats: int = 3
    notes: list[str] = field(default_factory=list)


def animator_options(name: str, checkpoint_dir: Path | None) -> dict:
    """Constructor options for a registry name: ``checkpoint=<dir>/<name>.pt`` when its class takes a checkpoint."""
    from emoanim.animators import ANIMATORS

    if checkpoint_dir is None or name not in ANIMATORS:
        return {}
    module, _, cls = ANIMATORS[name].partition(":")
    takes = "checkpoint" in inspect.signature(getattr(import_module(module), cls)).parameters
    return {"checkpoint": Path(checkpoint_dir) / f"{name}.pt"} if takes else {}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(subjects: list[Subject], inputs: Inputs, progress=say) -> list[Row]:
    """Every part for every subject. The FACEGOOD take is animated once per animator, ``--audio-only`` and lip-seal
    setting (no transcript exists, so the rows with and without one are fed the same way)."""
    rows, curves_by_animator = [], {}
    for subject in subjects:
        row = Row(subject.animator, subject.label)
        started = time.perf_counter()
        if inputs.prompts:
            row.lipsync = lipsync_result(subject, inputs.prompts)
        if inputs.voice_prompts:
            row.voice = lipsync_result(subject, inputs.voice_prompts)
        if inputs.speaker_prompts:
            row.speaker = lipsync_result(subject, inputs.speaker_prompts)
        if inputs.grid:
            row.video = video_result(subject, inputs.grid)
        if inputs.data is not None:
            feed = (subject.animator, subject.audio_only, subject.options.get("lip_seal", True))
            if feed not in curves_by_animator:
                curves_by_animator[feed] = curves_result(
                    Subject(subject.animator, subject.options, words=False, audio_only=subject.audio_only), inputs.data)
            row.curves = curves_by_animator[feed]
        if inputs.emotion_clip is not None:
            row.emotion = emotion_result(subject, *inputs.emotion_clip)
        if inputs.speed_clip is not None:
            row.speed = speed_result(subject, *inputs.speed_clip, repeats=inputs.speed_repeats)
        progress(f"{subject.animator} ({subject.label}): measured in {time.perf_counter() - started:.0f} s")
        rows.append(row)
    return rows


def _rate(value: tuple[float, int]) -> str:
    rate, n = value
    return f"{rate:.1%} ({round(rate * n)}/{n})" if n else "-"


def _count(value: tuple[float, int]) -> str:
    rate, n = value
    return f"{round(rate * n)}/{n}" if n else "-"


def cells(row: Row) -> list[str]:
    """The Markdown cells of one row, in `COLUMNS` order."""
    out = [row.animator, row.input]
    if row.lipsync is not None:
        s = row.lipsync.landmarks
        offset = (f"{s.av_offset_frames:+d} fr ({s.av_offset_ms:+.0f} ms, r {num(s.av_r)})"
                  if s.av_offset_frames is not None else "-")
        out += [_rate(row.lipsync.closure), _rate(row.lipsync.opened), _rate(row.lipsync.false_closure),
                _rate((s.bilabial_closure, s.bilabials)), offset]
    else:
        out += ["-"] * 5
    for other in (row.voice, row.speaker):
        out.append(" / ".join(_count(v) for v in (other.closure, other.opened, other.false_closure))
                   if other is not None else "-")
    out.append(num(row.grid_r) if row.video else "-")
    out.append(f"{num(row.curves.group('jaw').r)} / {num(row.curves.group('lips').r)}" if row.curves else "-")
    if row.emotion is not None:
        out += [f"{len(row.emotion.passed)}/{row.emotion.tested}", f"{len(row.emotion.monotone)}/{row.emotion.tested}"]
    else:
        out += ["-", "-"]
    if row.speed is not None:
        out += [f"{row.speed.animate_rtf:.0f}x", f"{row.speed.pipeline_rtf:.1f}x"]
    else:
        out += ["-", "-"]
    return out


def markdown(rows: list[Row], notes: list[str] = ()) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    return "\n".join(lines + [""] + [f"- {n}" for n in notes])


def describe(rows: list[Row], inputs: Inputs) -> list[str]:
    """The notes under the table: what each column was measured on."""
    notes = list(inputs.notes)
    first = next((r for r in rows if r.lipsync is not None), None)
    if first is not None:
        notes.append(f"lip sync: {first.lipsync.prompts} held-out Asterisk test prompts "
                     f"({first.lipsync.seconds_audio / 60:.1f} min of speech), reference phones by forced alignment; "
                     "false closures = non-bilabial speech phones closed in every frame (lower is better); A/V "
                     "offset = median over prompts, + = mouth after sound")
    if inputs.voice_prompts:
        seconds = sum(p.audio.duration for p in inputs.voice_prompts)
        notes.append(f"Flite {UNSEEN_VOICE}: {len(inputs.voice_prompts)} of the same test transcripts "
                     f"({seconds / 60:.1f} min) in a synthetic Scottish man's voice no model trained on; ARKit counts")
    if inputs.speaker_prompts:
        seconds = sum(p.audio.duration for p in inputs.speaker_prompts)
        notes.append(f"RAVDESS actor 01: {len(inputs.speaker_prompts)} clips ({seconds / 60:.1f} min), another "
                     "voice than the Asterisk prompts, reference phones by forced alignment; /p b m/ closed, open "
                     "vowels opened, false closures on the ARKit curves")
    if inputs.grid:
        notes.append(f"GRID: {len(inputs.grid)} clips, inner-lip gap r at zero lag, mean over clips; per clip: "
                     + "; ".join(f"{r.animator}/{r.input}: " + ", ".join(num(v.opening.r) for v in r.video)
                                 for r in rows if r.video))
    if any(r.curves is not None for r in rows):
        notes.append(f"FACEGOOD {FACEGOOD_TAKE}: Mandarin; the phonetic animator (both rows) gets phones from the "
                     "'phones' recogniser; mean r over the ARKit jaw and lip channels that move in both")
    for r in rows:
        if r.speed is not None:
            s = r.speed.seconds
            notes.append(f"speed {r.animator}/{r.input}: {r.speed.seconds_audio:.1f} s of speech; seconds align "
                         f"{s['align']:.3f}, animate {s['animate']:.3f}, post {s['post']:.3f}, rig {s['rig']:.3f}")
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=24, help="Asterisk test-split prompts (default 24; 281: all)")
    parser.add_argument("--start", type=int, default=0,
                        help="skip this many test prompts first (40: leave out the learned models' validation ones)")
    parser.add_argument("--animators", default="phonetic,emote,emoface", help="comma-separated registry names")
    parser.add_argument("--checkpoint-dir", type=Path, default=REPO / "checkpoints",
                        help="learned animators load <dir>/<name>.pt")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to leave out: {','.join(PARTS)}")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if skip - set(PARTS):
        raise SystemExit(f"unknown parts in --skip: {sorted(skip - set(PARTS))}; choose from {', '.join(PARTS)}")

    import torch

    from emoanim.errors import EmoanimError

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    inputs = Inputs(notes=[f"torch threads: {args.threads}"])
    subjects = []
    for name in [a.strip() for a in args.animators.split(",") if a.strip()]:
        options = animator_options(name, args.checkpoint_dir)
        try:
            subjects += subjects_for(name, **options)
            if "checkpoint" in options:  # a learned model's own closures: the seal off, where it reads phones
                subjects += [s for s in subjects_for(name, **options, lip_seal=False) if s.reads_phones]
        except EmoanimError as err:  # reported under the table, and the other animators still run
            inputs.notes.append(f"{name}: not measured: {err}")
    for s in subjects:
        if "checkpoint" in s.options and s.words and s.options.get("lip_seal", True):
            inputs.notes.append(f"{s.animator}: checkpoint {s.options['checkpoint']} "
                                f"(step {s.instance.checkpoint.step})")
    if "lipsync" not in skip:
        try:
            from emoanim.train.asterisk import prompts

            inputs.prompts = asterisk_prompts(args.prompts, args.start)
            requested = len(prompts()[1::2][args.start:args.start + args.prompts])
            inputs.notes.append(f"lip sync: test prompts {args.start} to {args.start + requested - 1}: "
                                f"{len(inputs.prompts)} of {requested} kept (the rest: shorter than 0.1 s, or the "
                                "transcript did not force-align)")
            say(f"{len(inputs.prompts)} prompts decoded and aligned at {time.perf_counter() - started:.0f} s")
        except EmoanimError as err:
            inputs.notes.append(f"lip sync: skipped: {err}")
    if "voice" not in skip:
        try:
            inputs.voice_prompts = flite_prompts(UNSEEN_VOICE, args.prompts, args.start)
            say(f"{len(inputs.voice_prompts)} prompts in Flite's {UNSEEN_VOICE} at {time.perf_counter() - started:.0f} s")
        except EmoanimError as err:
            inputs.notes.append(f"Flite {UNSEEN_VOICE}: skipped: {err}")
    data_parts = {"speaker", "video", "curves"} - skip
    if data_parts and not args.data.is_dir():
        inputs.notes.append(f"{', '.join(sorted(data_parts))}: skipped: {args.data} is absent")
    elif data_parts:
        if "speaker" in data_parts:
            labels = args.data / OTHER_SPEAKER
            inputs.speaker_prompts, listed = labelled_prompts(labels)
            if listed > len(inputs.speaker_prompts):
                inputs.notes.append(f"RAVDESS actor 01: {listed - len(inputs.speaker_prompts)} of {listed} clips left "
                                    "out (the transcript did not force-align)")
            say(f"{len(inputs.speaker_prompts)} RAVDESS clips aligned at {time.perf_counter() - started:.0f} s")
        if "video" in data_parts:
            inputs.grid = grid_clips(args.data)
            say(f"GRID faces measured at {time.perf_counter() - started:.0f} s")
        if "curves" in data_parts:
            inputs.data = args.data
    inputs.emotion_clip = None if "emotion" in skip else ()
    inputs.speed_clip = None if "speed" in skip else ()
    rows = measure(subjects, inputs)
    notes = describe(rows, inputs) + [f"whole table: {time.perf_counter() - started:.0f} s"]
    print(markdown(rows, notes))


if __name__ == "__main__":
    main()
