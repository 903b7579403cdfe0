"""Lip-sync figures on real speech: the Asterisk prompts (one voice actor, CC BY-SA 3.0, Debian packages).

    python benchmarks/lipsync_asterisk.py [--split tune|test|all] [--limit N] [--fps 30]
                                          [--recognizers words,phones]

Reference phones come from pocketsphinx forced alignment of each prompt to its transcript. Each prompt is then rendered
twice through the full pipeline (animator + blinks/gaze/head + smoothing), with and without the transcript, and scored
at the reference phones:
- bilabial closure: share of /p b m/ phones with a frame whose lips are fully closed;
- open vowels opened: share of AA AE AH AO AW AY phones whose jaw opens;
- false closures: share of other speech phones (not /p b m/, not pauses) whose lips stay closed throughout (a mouth
  that seals on every /t k/ would score full bilabial closure and still be wrong).
With a transcript the animation uses the same alignment as the reference, so that figure measures the animator (does
every closure survive coarticulation and smoothing?), not alignment error. Without one, phones come from recognition
and the figure is the honest end-to-end number; it is run once per recogniser named in ``--recognizers``.

Held-out data: recogniser settings were tuned on ``--split tune`` (even indices of the sorted prompt names); report
on ``--split test`` (odd indices). ``--limit`` applies after the split.
"""
from __future__ import annotations

import argparse
import time

from emoanim.train.asterisk import aligned_prompts, prompts  # shared with the training corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="use the first N prompts (0: all)")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--emotion", default="neutral")
    parser.add_argument("--split", choices=("tune", "test", "all"), default="test",
                        help="tune: even indices of the sorted prompts, test: odd indices (held out), all: both")
    parser.add_argument("--recognizers", default="words,phones",
                        help="comma-separated emoanim.phonetics.RECOGNIZERS names for the no-transcript runs")
    args = parser.parse_args()

    from emoanim.eval.lipsync import bilabial_closure_rate, false_closure_rate, open_vowel_rate
    from emoanim.phonetics import DEFAULT_RECOGNIZER, RECOGNIZERS
    from emoanim.pipeline import Options, perform

    recognizers = [r.strip() for r in args.recognizers.split(",") if r.strip()]
    unknown = [r for r in recognizers if r not in RECOGNIZERS]
    if unknown:
        raise SystemExit(f"unknown recognizers {unknown}: choose from {', '.join(RECOGNIZERS)}")
    everything = prompts()
    chosen = {"tune": everything[0::2], "test": everything[1::2], "all": everything}[args.split][: args.limit or None]
    modes = [("with", None)] + [(f"without ({r})", r) for r in recognizers]
    totals = {mode: {"closed": 0, "bilabials": 0, "opened": 0, "vowels": 0, "false": 0, "others": 0, "seconds": 0.0}
              for mode, _ in modes}
    audio_seconds = 0.0
    misses: list[str] = []
    skipped: list[str] = []
    for name, words, audio, reference in aligned_prompts(chosen):
        if reference is None:
            skipped.append(name)  # no trustworthy reference: the transcript did not fit the audio
            continue
        audio_seconds += audio.duration
        for mode, recognizer in modes:
            started = time.perf_counter()
            transcript = words if recognizer is None else None
            options = Options(emotion=args.emotion, transcript=transcript, fps=args.fps,
                              recognizer=recognizer or DEFAULT_RECOGNIZER)
            performance, _, _ = perform(audio, options)
            totals[mode]["seconds"] += time.perf_counter() - started
            closure, n_bilabial = bilabial_closure_rate(performance.expression, args.fps, reference)
            opened, n_vowel = open_vowel_rate(performance.expression, args.fps, reference)
            false, n_other = false_closure_rate(performance.expression, args.fps, reference)
            totals[mode]["closed"] += round(closure * n_bilabial)
            totals[mode]["bilabials"] += n_bilabial
            totals[mode]["opened"] += round(opened * n_vowel)
            totals[mode]["vowels"] += n_vowel
            totals[mode]["false"] += round(false * n_other)
            totals[mode]["others"] += n_other
            if mode == "with" and n_bilabial and closure < 1.0:
                misses.append(name)

    print(f"{len(chosen)} Asterisk prompts ({args.split} split), {audio_seconds / 60:.1f} min of speech, "
          f"{args.fps:g} fps, emotion {args.emotion}")
    for mode, t in totals.items():
        closure = t["closed"] / max(t["bilabials"], 1)
        opened = t["opened"] / max(t["vowels"], 1)
        false = t["false"] / max(t["others"], 1)
        print(f"{mode:>24} transcript: bilabials closed {closure:6.1%} ({t['closed']}/{t['bilabials']}), "
              f"open vowels opened {opened:6.1%} ({t['opened']}/{t['vowels']}), "
              f"false closures {false:5.1%} ({t['false']}/{t['others']}), "
              f"{audio_seconds / max(t['seconds'], 1e-9):.1f}x real time (align + animate + post)")
    if skipped:
        print("skipped (forced alignment of the reference failed):", ", ".join(skipped))
    if misses:
        print("prompts with a missed closure even with the transcript:", ", ".join(misses[:20]))


if __name__ == "__main__":
    main()
