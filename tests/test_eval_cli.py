"""`emoanim eval lipsync | curves` and `emoanim bench` as a user runs them, plus the benchmark library."""
from __future__ import annotations

import argparse

import numpy as np
import pytest

from emoanim.cli import bench as bench_cli
from emoanim.cli import eval as eval_cli
from emoanim.cli.main import OneLineParser
from emoanim.errors import InputError

WORDS = "Bob made five very fine pop videos"


def run(capsys, *argv) -> tuple[int, str]:
    """Parse with the two commands registered the way emoanim.cli.main registers its commands, then run."""
    parser = OneLineParser(prog="emoanim")
    commands = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    eval_cli.add_parser(commands)
    bench_cli.add_parser(commands)
    args = parser.parse_args([str(a) for a in argv])
    code = {"eval": eval_cli.run, "bench": bench_cli.run}[args.command](args)
    return code, capsys.readouterr().out


@pytest.fixture
def clip(say, tmp_path):
    wav = say(WORDS, name="bob")
    (tmp_path / "texts.tsv").write_text(f"bob.wav\t{WORDS}\n", encoding="utf-8")
    return wav, tmp_path / "texts.tsv"


def test_eval_lipsync_prints_each_clip_and_the_pool(capsys, clip):
    wav, table = clip
    code, out = run(capsys, "eval", "lipsync", wav, "--transcripts", table, "--with-transcript")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("bob.wav"))
    assert "100.0% (  5)" in row  # b m p m p: every bilabial sealed when the animator has the words
    assert any(line.startswith("pooled (1 clips)") for line in out.splitlines())


def test_eval_lipsync_names_the_file_without_a_transcript(capsys, clip, tmp_path):
    wav, _ = clip
    (tmp_path / "other.tsv").write_text("someone_else.wav\tnothing here\n", encoding="utf-8")
    with pytest.raises(InputError, match="no transcript for this file") as err:
        run(capsys, "eval", "lipsync", wav, "--transcripts", tmp_path / "other.tsv")
    assert err.value.path == wav


def test_eval_curves_of_a_file_against_itself(capsys, clip, tmp_path):
    from emoanim.export import write
    from emoanim.pipeline import Options, run as render

    wav, _ = clip
    curves = render(wav, Options(transcript=WORDS)).curves
    write(curves, tmp_path / "bob.csv", "csv")
    code, out = run(capsys, "eval", "curves", tmp_path / "bob.csv", tmp_path / "bob.csv")
    assert code == 0
    jaw = next(line for line in out.splitlines() if line.startswith("jaw"))
    assert jaw.split()[1] == "1.000" and jaw.split()[-1] == "0.0000"
    assert "LVE 0.00 mm" in out


def test_bench_prints_every_stage_with_ratios_to_the_phonetic_baseline(capsys, clip):
    wav, _ = clip
    code, out = run(capsys, "bench", wav, "--transcript", WORDS, "--repeats", "1", "--render-seconds", "0")
    assert code == 0
    stages = {line.split()[0] for line in out.splitlines()[2:] if line and not line.startswith(("note", "ratio"))}
    assert {"load", "align", "animate", "post", "rig:arkit", "rig:metahuman", "export:csv"} <= stages
    align = next(line for line in out.splitlines() if line.startswith("align "))
    assert align.split()[-1] == "1.000"


def test_bench_refuses_unknown_animators(capsys, clip):
    wav, _ = clip
    with pytest.raises(InputError, match="unknown animators"):
        run(capsys, "bench", wav, "--animators", "phonetic,nosuch", "--render-seconds", "0")


def test_bench_library_measures_time_memory_and_ratios(say):
    from emoanim.audio import load_audio
    from emoanim.eval.bench import bench, peak_mib

    report = bench(load_audio(say(WORDS)), WORDS, repeats=1, render_seconds=0, rigs=("arkit",), formats=("npz",),
                   recognizers=("phones",))
    align = report.row("align")
    assert align.ratio == 1.0 and align.realtime_factor == pytest.approx(report.audio_seconds / align.seconds)
    assert report.row("align(phones)").seconds > 0
    assert report.row("rig:arkit").ratio < 1.0  # mapping to a rig costs less than the whole pipeline
    assert report.row("post").peak_mib > 0
    assert 7.5 < peak_mib(lambda: np.ones(2**20)) < 9.0  # 8 MiB of float64, measured as such


@pytest.mark.shared_data
def test_eval_video_on_a_grid_clip(capsys, shared_data):
    pytest.importorskip("ai_edge_litert")
    grid = shared_data / "grid"
    code, out = run(capsys, "eval", "video", grid / "bbaf2n.mpg", "--transcripts", grid / "transcripts.tsv")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("bbaf2n.mpg"))
    assert float(row.split()[1]) > 0.4  # the animated mouth opens and closes with the real one
    assert any(line.startswith("mean (1)") for line in out.splitlines())
