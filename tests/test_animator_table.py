"""benchmarks/animator_table.py (the issue-#7 table) and the animator-generic functions of benchmarks/eval_report.py:
every row and column present, numbers finite and in range, on tiny inputs and a tiny checkpoint trained here."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import animator_table  # noqa: E402
from eval_report import Subject, asterisk_prompts, subjects_for  # noqa: E402

torch.set_num_threads(1)
WORDS = "Bob bought a map of the harbour."


@pytest.fixture(scope="module")
def checkpoint_dir(tmp_path_factory) -> Path:
    """``<dir>/emoface.pt``: configs/emoface_tiny.yaml trained a few steps (real format, barely trained)."""
    from emoanim.train.loop import train

    folder = tmp_path_factory.mktemp("table")
    config = OmegaConf.load(REPO / "configs" / "emoface_tiny.yaml")
    config.data.cache = str(folder / "corpus")
    config.train.out = str(folder / "run")
    config.train.steps = 4
    (folder / "emoface.pt").write_bytes(Path(train(config, progress=False).checkpoint).read_bytes())
    return folder


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """(Audio, words): a short espeak-ng sentence with /b m p/ and open vowels, shared by the tests here."""
    from conftest import espeak_wav

    from emoanim.audio import load_audio

    return load_audio(espeak_wav(WORDS, tmp_path_factory.mktemp("clip") / "bob.wav")), WORDS


def test_subject_perform_matches_the_pipeline_for_the_phonetic_animator(clip):
    from emoanim.pipeline import Options, perform

    audio, words = clip
    for subject, options in ((Subject(words=True), Options(transcript=words, emotion="sad")),
                             (Subject(words=False), Options(emotion="sad"))):
        ours, phones, _ = subject.perform(audio, "sad", transcript=words)
        theirs, their_phones, _ = perform(audio, options)
        assert [p.label for p in phones.phones] == [p.label for p in their_phones.phones]
        np.testing.assert_allclose(ours.expression, theirs.expression, atol=1e-6)
        np.testing.assert_allclose(ours.head, theirs.head, atol=1e-6)


def test_phonetic_has_two_feeds_and_learned_ones_three_or_audio_only_without_the_lip_seal(checkpoint_dir, clip):
    from emoanim.eval.lipsync import bilabial_closure_rate

    assert [s.label for s in subjects_for("phonetic")] == ["with transcript", "without (words recogniser)"]
    options = animator_table.animator_options("emoface", checkpoint_dir)
    assert options == {"checkpoint": checkpoint_dir / "emoface.pt"}
    assert animator_table.animator_options("phonetic", checkpoint_dir) == {}
    sealed = subjects_for("emoface", **options)  # the seal needs phones, even for a model that does not read them
    assert [s.label for s in sealed] == ["with transcript", "without (words recogniser)", "--audio-only"]
    audio, words = clip
    performance, phones, _ = sealed[0].perform(audio, "happy", transcript=words)
    assert phones.method == "forced" and bilabial_closure_rate(performance.expression, 30.0, phones)[0] == 1.0
    alone = subjects_for("emoface", **options, lip_seal=False)
    assert [s.label for s in alone] == ["audio only"]
    _, phones, seconds = alone[0].perform(audio, "happy", transcript=words)
    assert phones is None and seconds["align"] < 0.05  # the words were not aligned for an audio-only animator


def test_table_has_every_row_and_column_with_finite_numbers_in_range(checkpoint_dir, clip, tmp_path):
    try:
        prompts = asterisk_prompts(2)
    except Exception as err:  # noqa: BLE001 - InputError when the Debian prompts are not installed
        pytest.skip(f"asterisk prompts not available: {err}")
    assert prompts, "neither of the first two test prompts aligned"
    subjects = subjects_for("phonetic") + subjects_for("emoface", checkpoint=checkpoint_dir / "emoface.pt",
                                                       lip_seal=False)
    import soundfile

    from eval_report import labelled_prompts

    audio, words = clip
    soundfile.write(tmp_path / "bob.wav", audio.samples * 0.03, audio.sample_rate)  # a quiet other speaker
    (tmp_path / "labels.tsv").write_text(f"path\ttranscript\nbob.wav\t{words}\n")
    speaker, listed = labelled_prompts(tmp_path / "labels.tsv")
    assert listed == 1
    assert [p.name for p in speaker] == ["bob.wav"] and speaker[0].reference.method == "forced"
    from eval_report import Prompt

    from emoanim.phonetics import align
    from emoanim.train.flite import speak

    voiced = speak(words, animator_table.UNSEEN_VOICE)
    voice = [Prompt("awb-bob", words, voiced, align(voiced, words))]
    inputs = animator_table.Inputs(prompts=prompts, voice_prompts=voice, speaker_prompts=speaker, emotion_clip=clip,
                                   speed_clip=clip, speed_repeats=1)
    rows = animator_table.measure(subjects, inputs, progress=lambda _: None)

    assert [(r.animator, r.input) for r in rows] == [
        ("phonetic", "with transcript"), ("phonetic", "without (words recogniser)"), ("emoface", "audio only")]
    for row in rows:
        l = row.lipsync
        assert l.prompts == len(prompts) and l.seconds_audio > 0
        for rate, n in (l.closure, l.opened, l.false_closure):
            assert 0.0 <= rate <= 1.0 and n >= 0
        assert l.opened[1] > 0 and l.false_closure[1] > 0
        assert row.speaker.prompts == 1 and row.speaker.closure[1] == 6  # Bob (2), bought, map (2), harbour
        assert row.voice.prompts == 1 and row.voice.closure[1] == 6
        assert 0.0 <= l.landmarks.bilabial_closure <= 1.0
        assert l.landmarks.av_offset_frames is not None and abs(l.landmarks.av_offset_ms) <= 300.0
        assert -1.0 <= l.landmarks.av_r <= 1.0
        assert 0 <= len(row.emotion.passed) <= row.emotion.tested == 7
        assert row.speed.animate_rtf > 0 and math.isfinite(row.speed.pipeline_rtf)
        assert row.speed.pipeline_rtf <= row.speed.animate_rtf  # the pipeline includes the animate stage
    # the phonetic animator with the words seals every /p b m/ it can see (its closure guarantee)
    if rows[0].lipsync.closure[1]:
        assert rows[0].lipsync.closure[0] == 1.0
    assert rows[0].speed.seconds["align"] > 0 and rows[2].speed.seconds["align"] == 0.0

    text = animator_table.markdown(rows, animator_table.describe(rows, inputs))
    lines = text.splitlines()
    assert lines[0] == "| " + " | ".join(animator_table.COLUMNS) + " |"
    body = [line for line in lines[2:] if line.startswith("| ")]
    assert len(body) == 3
    for line in body:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == len(animator_table.COLUMNS)
        assert cells[2].endswith(")") and cells[6].endswith(")")  # rates and the offset were filled in
        assert cells[7].count("/") == cells[8].count("/") == 5  # closed / opened / false in the other voices
        assert cells[9] == "-" and cells[10] == "-"  # GRID and FACEGOOD were not given
        assert cells[13].endswith("x") and cells[14].endswith("x")
        assert "nan" not in line.lower() and "inf" not in line.lower()


def test_pooled_av_offset_leaves_out_clips_without_one():
    from emoanim.eval.landmark_lipsync import LandmarkLipSync
    from emoanim.eval.lipsync_run import ScoredClip, pool

    def clip(frames: int, r: float) -> ScoredClip:
        return ScoredClip("x", 1.0, "forced", LandmarkLipSync(1.0, 1, 0.0, 0, 0.0, 2, 0.1, frames, frames * 1000 / 30,
                                                               r))

    # a still mouth has no correlation (NaN) and best_lag's lag 0 there must not drag the median from +3 to 0
    pooled = pool([clip(3, 0.6), clip(4, 0.5), clip(0, float("nan")), clip(0, float("nan"))])
    assert pooled.av_offset_frames in (3, 4)  # the median of 3 and 4, rounded
    assert pooled.av_r == pytest.approx(0.55)
    assert pool([clip(0, float("nan"))]).av_offset_frames is None


def test_select_checkpoint_scores_candidates_on_a_saved_prompt_file(checkpoint_dir, clip, tmp_path):
    import select_checkpoint
    from eval_report import Prompt

    from emoanim.phonetics import align

    audio, words = clip
    reference = align(audio, words)
    path = tmp_path / "prompts.npz"
    select_checkpoint.write_prompts(path, [Prompt("bob", words, audio, reference)])
    (loaded,) = select_checkpoint.load_prompts(path)
    assert loaded.words == words and loaded.reference.method == reference.method
    assert [(p.label, p.start, p.end) for p in loaded.reference.phones] == \
        [(p.label, p.start, p.end) for p in reference.phones]
    np.testing.assert_allclose(loaded.audio.samples, audio.samples, atol=1.0 / 32767)  # int16 on disk
    row = select_checkpoint.score_one(str(path), "emoface", str(checkpoint_dir / "emoface.pt"))
    bilabials = sum(p.label in ("P", "B", "M") for p in reference.phones)
    assert row["closed"][1] == row["sealed"][1] == bilabials > 0
    assert row["errors"] == row["arkit_errors"] + bilabials - row["sealed"][0]
    assert row["arkit_errors"] == (bilabials - row["closed"][0]) + (row["opened"][1] - row["opened"][0]) \
        + row["false"][0]


def test_a_gate_is_counted_from_the_same_scoring_pass(checkpoint_dir, clip, tmp_path):
    import select_checkpoint
    from eval_report import Prompt

    from emoanim.audio.types import Audio
    from emoanim.phonetics import align

    audio, words = clip
    reference = align(audio, words)
    quiet = Audio(audio.samples * 0.1, audio.sample_rate)
    select_checkpoint.write_prompts(tmp_path / "one.npz", [Prompt("bob", words, audio, reference)])
    select_checkpoint.write_prompts(tmp_path / "two.npz", [Prompt("bob", words, audio, reference),
                                                           Prompt("quiet", words, quiet, reference)])
    checkpoint = str(checkpoint_dir / "emoface.pt")
    alone = select_checkpoint.score_one(str(tmp_path / "one.npz"), "emoface", checkpoint)
    both = select_checkpoint.score_one(str(tmp_path / "two.npz"), "emoface", checkpoint, (frozenset({"bob"}),))
    assert both["gates"] == [alone]  # the gate's counts are those of its prompts scored on their own
    assert both["closed"][1] == 2 * alone["closed"][1] and both["sealed"][1] == 2 * alone["sealed"][1]


def test_with_transcript_the_baseline_reads_forced_phones(clip, tmp_path):
    import select_checkpoint
    from eval_report import Prompt

    from emoanim.phonetics import align

    audio, words = clip
    reference = align(audio, words)
    select_checkpoint.write_prompts(tmp_path / "one.npz", [Prompt("bob", words, audio, reference)])
    row = select_checkpoint.score_one(str(tmp_path / "one.npz"), "phonetic", None, transcript=True)
    assert row["checkpoint"] == "phonetic (with transcript)"
    assert row["closed"][0] == row["closed"][1] > 0  # the forced phones' bilabials, every one closed


def test_pick_takes_the_qualified_candidate_with_fewest_errors_in_the_second_scoring_if_it_beats_the_incumbent():
    import select_checkpoint

    def row(name: str, errors: int, meets: bool | None = None) -> dict:
        extra = {} if meets is None else {"meets_baseline": meets}
        return {"checkpoint": name, "errors": errors, "arkit_errors": errors - 1, **extra}

    rule = [row("a", 90, True), row("b", 80, False), row("c", 95, True), row("old", 91, True)]
    by = [row("a", 20), row("b", 5), row("c", 12), row("old", 15)]
    assert select_checkpoint.pick(rule, by, "old") == "c"  # b has fewer, but did not qualify
    assert select_checkpoint.pick(rule, [row("a", 20), row("b", 5), row("c", 15), row("old", 15)], "old") is None
    assert select_checkpoint.pick([row("a", 90, False)], by, "old") is None
    with pytest.raises(ValueError, match="incumbent"):
        select_checkpoint.pick(rule, by, "missing")


def test_select_checkpoint_merges_prompt_files_into_one_set(clip, tmp_path, monkeypatch):
    import select_checkpoint
    from eval_report import Prompt

    from emoanim.phonetics import align

    audio, words = clip
    reference = align(audio, words)
    select_checkpoint.write_prompts(tmp_path / "a.npz", [Prompt("bob", words, audio, reference)])
    select_checkpoint.write_prompts(tmp_path / "b.npz", [Prompt("ann", words, audio, reference)] * 2)
    monkeypatch.setattr("sys.argv", ["select_checkpoint.py", "merge", str(tmp_path / "both.npz"),
                                     str(tmp_path / "a.npz"), str(tmp_path / "b.npz")])
    select_checkpoint.main()
    merged = select_checkpoint.load_prompts(tmp_path / "both.npz")
    assert [p.name for p in merged] == ["bob", "ann", "ann"]
    assert all(len(p.reference.phones) == len(reference.phones) for p in merged)


def test_a_candidate_must_match_the_baseline_on_every_count_to_rank_first():
    import select_checkpoint

    base = {"closed": (159, 169), "opened": (465, 485), "false": (24, 2644), "sealed": (157, 169)}
    assert select_checkpoint.at_least(dict(base), base)
    assert not select_checkpoint.at_least({**base, "closed": (156, 169)}, base)  # fewer closures: short of it
    assert not select_checkpoint.at_least({**base, "false": (25, 2644)}, base)  # more false closures: short
    assert select_checkpoint.at_least({**base, "sealed": (168, 169), "false": (9, 2644)}, base)


def test_with_a_gate_the_baseline_is_met_on_the_gate_and_the_ranking_counts_the_main_set():
    import select_checkpoint

    def row(name: str, errors: int, closed: int) -> dict:
        counts = {"closed": (closed, 169), "opened": (465, 485), "false": (24, 2644), "sealed": (157, 169)}
        return {"checkpoint": name, **counts, "errors": errors, "arkit_errors": errors - 12}

    base = {**row("phonetic", 80, 159), "gates": [row("phonetic", 66, 159)]}
    a = {**row("a", 150, 150), "gates": [row("a", 40, 160)]}  # short of the baseline on the main set only
    b = {**row("b", 120, 170), "gates": [row("b", 50, 150)]}  # fewer errors, but short of it on the gate
    c = {**row("c", 200, 160), "gates": [row("c", 45, 159)]}
    assert [r["checkpoint"] for r in select_checkpoint.ranked([c, b, a], base)] == ["a", "c", "b"]
    assert [r["meets_baseline"] for r in (a, b, c)] == [True, False, True]
    two = {**base, "gates": [row("phonetic", 66, 159), row("phonetic", 14, 160)]}  # a second voice's gate too
    a2 = {**a, "gates": [row("a", 40, 160), row("a", 12, 159)]}  # short of it on the second voice
    c2 = {**c, "gates": [row("c", 45, 159), row("c", 10, 161)]}
    assert [r["checkpoint"] for r in select_checkpoint.ranked([a2, c2], two)] == ["c", "a"]
    assert [r["meets_baseline"] for r in (a2, c2)] == [False, True]
    plain = [{k: v for k, v in r.items() if k != "gates"} for r in (a, b, c)]
    assert [r["checkpoint"] for r in select_checkpoint.ranked(plain, row("phonetic", 80, 159))] == ["b", "c", "a"]
    assert [r["checkpoint"] for r in select_checkpoint.ranked(plain)] == ["b", "a", "c"]  # no baseline: errors


def test_labelled_prompts_names_a_file_without_the_columns_it_needs(tmp_path):
    from eval_report import labelled_prompts

    (tmp_path / "labels.tsv").write_text("file\ttext\nbob.wav\tBob\n")
    with pytest.raises(ValueError, match="labels.tsv: no path, transcript column"):
        labelled_prompts(tmp_path / "labels.tsv")
