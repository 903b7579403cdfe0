"""The `emoanim` command as a user meets it: outputs, exit codes, one-line errors, batches."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import write_wav
from emoanim.cli.main import main


def run_cli(capsys, *argv: str, video: bool = False) -> tuple[int, str, str]:
    """Run `emoanim` in-process; renders skip the preview video unless asked (it dominates the run time)."""
    args = [str(a) for a in argv]
    if args and args[0] == "render" and not video:
        args.append("--no-video")
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def header(path: Path) -> list[str]:
    with open(path, newline="") as handle:
        return next(csv.reader(handle))


def rows(path: Path) -> int:
    with open(path, newline="") as handle:
        return sum(1 for _ in handle) - 1


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Path:
    from conftest import espeak_wav

    return espeak_wav("Bob made pop music for my mother.", tmp_path_factory.mktemp("cli") / "bob.wav")


def test_render_metahuman_writes_curves_named_after_the_input(tmp_path, capsys, speech):
    code, out, err = run_cli(capsys, "render", speech, "--emotion", "happy", "--rig", "metahuman", "--out", tmp_path)
    assert code == 0, err
    target = tmp_path / "bob.metahuman.csv"
    names = header(target)
    assert names[:2] == ["frame", "time"]
    assert "CTRL_expressions_jawOpen" in names
    import soundfile as sf

    info = sf.info(str(speech))
    assert rows(target) == round(info.frames / info.samplerate * 30)
    assert str(target) in out and "frames" in out


def test_render_livelinkface_has_the_take_header(tmp_path, capsys, speech):
    code, _, err = run_cli(capsys, "render", speech, "--rig", "arkit", "--format", "livelinkface",
                           "--emotion", "neutral@0,happy:0.8@0.5", "--fps", "60", "--out", tmp_path)
    assert code == 0, err
    (target,) = tmp_path.iterdir()
    names = header(target)
    assert names[:3] == ["Timecode", "BlendShapeCount", "EyeBlinkLeft"]
    assert len(names) == 63 and names[-1] == "RightEyeRoll"


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path, capsys, speech):
    outputs = []
    for seed, folder in ((3, "a"), (3, "b"), (4, "c")):
        code, _, err = run_cli(capsys, "render", speech, "--seed", seed, "--out", tmp_path / folder)
        assert code == 0, err
        outputs.append((tmp_path / folder / "bob.arkit.csv").read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]


def test_recognizers_are_selectable_and_differ(tmp_path, capsys, speech):
    for recognizer in ("words", "phones"):
        code, _, err = run_cli(capsys, "render", speech, "--recognizer", recognizer, "--out", tmp_path / recognizer)
        assert code == 0, err
    assert (tmp_path / "words" / "bob.arkit.csv").read_bytes() != (tmp_path / "phones" / "bob.arkit.csv").read_bytes()


def test_transcript_from_text_and_file_give_the_same_curves(tmp_path, capsys, speech):
    words = "Bob made pop music for my mother"
    transcript = tmp_path / "bob.txt"
    transcript.write_text(words + "\n")
    assert run_cli(capsys, "render", speech, "--transcript", words, "--out", tmp_path / "a")[0] == 0
    assert run_cli(capsys, "render", speech, "--transcript", transcript, "--out", tmp_path / "b")[0] == 0
    assert (tmp_path / "a" / "bob.arkit.csv").read_bytes() == (tmp_path / "b" / "bob.arkit.csv").read_bytes()


def _bad_inputs(tmp_path: Path) -> dict[str, list[str]]:
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n" * 50)
    empty = write_wav(tmp_path / "empty.wav", np.zeros(0, np.float32))
    short = write_wav(tmp_path / "short.wav", np.zeros(800, np.float32))
    nan = np.zeros(16000, np.float32)
    nan[100] = np.nan
    nan_wav = write_wav(tmp_path / "nan.wav", nan, subtype="FLOAT")
    good = write_wav(tmp_path / "quiet.wav", np.zeros(16000, np.float32))
    return {
        "missing file": [tmp_path / "nope.wav"],
        "not audio": [text],
        "zero samples": [empty],
        "too short": [short],
        "nan samples": [nan_wav],
        "unknown emotion": [good, "--emotion", "grumpy"],
        "bad intensity": [good, "--emotion", "happy:3"],
        "unknown rig": [good, "--rig", "robot"],
        "unknown format": [good, "--format", "xls"],
        "livelinkface needs arkit": [good, "--rig", "metahuman", "--format", "livelinkface"],
        "bad fps": [good, "--fps", "0"],
        "missing transcript file": [good, "--transcript", tmp_path / "missing.txt"],
        "unknown head motion": [good, "--head-motion", "wild"],
        "not a number": [good, "--fps", "fast"],
        "unknown recognizer": [good, "--recognizer", "guess"],
    }


@pytest.mark.parametrize("case", list(_bad_inputs(Path("/tmp")).keys()))
def test_bad_input_exits_2_with_one_line_and_no_output(tmp_path, capsys, case):
    argv = _bad_inputs(tmp_path)[case]
    out_dir = tmp_path / "out"
    code, _, err = run_cli(capsys, "render", *argv, "--out", out_dir)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_error_line_names_the_file(tmp_path, capsys):
    bad = tmp_path / "notes.wav"
    bad.write_text("hello")
    code, _, err = run_cli(capsys, "render", bad, "--out", tmp_path / "out")
    assert code == 2 and str(bad) in err


def test_folder_batch_skips_a_bad_file_and_finishes_the_rest(tmp_path, capsys, speech):
    folder = tmp_path / "dialogue"
    folder.mkdir()
    for name in ("a_line.wav", "c_line.wav"):
        (folder / name).write_bytes(speech.read_bytes())
    (folder / "b_broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    (folder / "readme.md").write_text("not audio, and not picked up by suffix")
    code, out, err = run_cli(capsys, "render", folder, "--emotion", "angry:0.5", "--rig", "metahuman",
                             "--out", tmp_path / "out")
    assert code == 2
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["a_line.metahuman.csv", "c_line.metahuman.csv"]
    assert "b_broken.wav" in err and "Traceback" not in err


def test_render_writes_a_preview_video_with_the_speech(tmp_path, capsys, speech):
    import subprocess as sp

    import imageio_ffmpeg

    code, out, err = run_cli(capsys, "render", speech, "--rig", "metahuman", "--size", "128", "--out", tmp_path,
                             video=True)
    assert code == 0, err
    video = tmp_path / "bob.mp4"
    assert video.is_file() and str(video) in out
    probe = sp.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(video)], capture_output=True, text=True).stderr
    assert "Video: h264" in probe and "Audio: aac" in probe and "128x128" in probe


def test_compare_renders_labelled_panels_side_by_side(tmp_path, capsys, speech):
    import imageio_ffmpeg

    code, _, err = run_cli(capsys, "render", speech, "--emotion", "happy", "--compare", "sad", "--size", "64",
                           "--out", tmp_path, "--no-video", video=True)
    assert code == 0, err
    reader = imageio_ffmpeg.read_frames(str(tmp_path / "bob.compare.mp4"))
    meta = next(reader)
    assert tuple(meta["size"]) == (128, 64)
    reader.close()


def test_bad_preview_options_fail_before_any_work(tmp_path, capsys, speech):
    for option, value in (("--size", "7"), ("--view", "sideways")):
        code, _, err = run_cli(capsys, "render", speech, option, value, "--out", tmp_path / "o", video=True)
        assert code == 2 and len(err.strip().splitlines()) == 1
        assert not (tmp_path / "o").exists()


def test_info_lists_what_there_is(capsys):
    code, out, _ = run_cli(capsys, "info")
    assert code == 0
    for word in ("arkit", "metahuman", "phonetic", "contempt", "livelinkface", "unreal-curvetable", "expressive"):
        assert word in out


def test_installed_command_exits_2_without_traceback(tmp_path):
    missing = tmp_path / "missing.wav"
    proc = subprocess.run([sys.executable, "-m", "emoanim", "render", str(missing), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr and str(missing) in proc.stderr


def test_help_teaches_by_example():
    proc = subprocess.run([sys.executable, "-m", "emoanim", "render", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "emoanim render speech.wav --emotion happy --rig metahuman" in proc.stdout
