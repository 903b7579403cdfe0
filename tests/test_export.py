"""The export stage: exact file layouts, round trips, atomic writes and refusals."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

from emoanim.errors import InputError
from emoanim.export import (
    FORMATS, WRITERS, check_format, extension, read_csv, read_curvetable, read_json, read_livelinkface, read_npz, write,
)
from emoanim.export.livelinkface import HEADER as LLF_HEADER, timecodes
from emoanim.motion.channels import ARKIT_NAMES
from emoanim.rigs.curves import Curves

RIGS_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "rigs-reference"
ROTATIONS = ["headYaw", "headPitch", "headRoll", "leftEyeYaw", "leftEyePitch", "leftEyeRoll",
             "rightEyeYaw", "rightEyePitch", "rightEyeRoll"]
SIX_DECIMALS = re.compile(r"^-?\d+\.\d{6}$")


def arkit_curves(frames: int = 45, fps: float = 30.0, seed: int = 0, names: list[str] | None = None) -> Curves:
    """ARKit-rig curves as the arkit rig hands them over: 52 shapes in [0, 1], then 9 rotations in degrees."""
    rng = np.random.default_rng(seed)
    names = names or [*ARKIT_NAMES, *ROTATIONS]
    values = rng.random((frames, len(names)))
    for column, name in enumerate(names):
        if name in ROTATIONS:
            values[:, column] = rng.uniform(-40.0, 40.0, frames)
    return Curves(names=list(names), fps=fps, values=values, rig="arkit", metadata={"seed": seed})


def metahuman_like(frames: int = 20, fps: float = 60.0) -> Curves:
    names = ["CTRL_expressions_jawOpen", "CTRL_expressions_browDownL", "CTRL_L_eye_blink.ty", "CTRL_C_jaw.tx"]
    values = np.linspace(-1.0, 1.0, frames * len(names)).reshape(frames, len(names))
    ranges = np.array([[0, 1], [0, 1], [-1, 1], [-1, 1]], dtype=np.float64)
    return Curves(names=names, fps=fps, values=values, rig="metahuman", ranges=ranges,
                  metadata={"animator": "phonetic"})


def data_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# --- registry -----------------------------------------------------------------------------------------------

def test_registry_lists_every_format_with_its_extension():
    assert FORMATS == ("csv", "unreal-curvetable", "livelinkface", "json", "npz", "unity", "gltf", "bvh", "a2f-json",
                       "flame-npz")
    assert [extension(f) for f in FORMATS] == [".csv", ".curvetable.csv", ".csv", ".json", ".npz", ".anim", ".glb",
                                               ".bvh", ".json", ".npz"]


def test_unknown_format_is_an_input_error_listing_the_valid_ones(tmp_path):
    with pytest.raises(InputError) as err:
        write(metahuman_like(), tmp_path / "x.fbx", format="fbx")
    for name in FORMATS:
        assert name in str(err.value)
    assert not (tmp_path / "x.fbx").exists()


def test_check_format_refuses_early_what_write_would_refuse():
    check_format("livelinkface", rig="arkit")
    check_format("csv", rig="metahuman")
    with pytest.raises(InputError, match="--rig arkit"):
        check_format("livelinkface", rig="metahuman")
    with pytest.raises(InputError, match="choose one of"):
        check_format("fbx", rig="arkit")


def test_write_creates_missing_folders_and_returns_the_path(tmp_path):
    target = tmp_path / "a" / "b" / "take.csv"
    assert write(metahuman_like(), target) == target
    assert target.is_file()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused_before_anything_is_written(tmp_path, bad):
    curves = metahuman_like()
    curves.values[3, 2] = bad
    target = tmp_path / "new_folder" / "take.csv"
    with pytest.raises(ValueError, match="non-finite"):
        write(curves, target)
    assert not target.parent.exists()


def test_an_unwritable_destination_is_an_input_error_naming_it(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(InputError, match="cannot write") as err:
        write(metahuman_like(), blocker / "take.csv")
    assert str(blocker) in str(err.value)


def test_a_folder_as_destination_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        write(metahuman_like(), tmp_path)


# --- atomicity ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("format", FORMATS)
def test_a_writer_failing_halfway_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch, format):
    target = tmp_path / f"take{extension(format)}"
    target.write_bytes(b"older take")
    writer = WRITERS[format]

    def fail_halfway(curves, stream):
        stream.write(b"partial" if writer.binary else "partial")
        raise RuntimeError("disk pulled out")

    monkeypatch.setattr(writer, "write", fail_halfway)
    monkeypatch.setattr(writer, "check", lambda curves: None)  # this test is about the write, not what it accepts
    with pytest.raises(RuntimeError, match="disk pulled out"):
        write(arkit_curves(), target, format=format)
    assert target.read_bytes() == b"older take"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_a_failed_first_write_leaves_no_file_at_all(tmp_path, monkeypatch):
    def fail_halfway(curves, stream):
        stream.write("frame,time\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(WRITERS["csv"], "write", fail_halfway)
    with pytest.raises(KeyboardInterrupt):
        write(metahuman_like(), tmp_path / "take.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_successful_write_replaces_an_older_file(tmp_path):
    target = tmp_path / "take.csv"
    target.write_text("older take")
    write(metahuman_like(), target)
    assert data_lines(target)[0].startswith("frame,time,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.csv"]


# --- csv ----------------------------------------------------------------------------------------------------

def test_csv_header_rows_and_number_format(tmp_path):
    curves = metahuman_like(frames=20, fps=60.0)
    lines = data_lines(write(curves, tmp_path / "take.csv"))
    assert lines[0] == ("frame,time,CTRL_expressions_jawOpen,CTRL_expressions_browDownL,CTRL_L_eye_blink.ty,"
                        "CTRL_C_jaw.tx")
    assert len(lines) == 1 + curves.frames
    for frame, line in enumerate(lines[1:]):
        cells = line.split(",")
        assert cells[0] == str(frame)
        assert float(cells[1]) == pytest.approx(frame / 60.0, abs=5e-7)
        assert all(SIX_DECIMALS.match(cell) for cell in cells[1:]), line
    assert lines[2].split(",")[1] == "0.016667"


@pytest.mark.parametrize("fps", [24.0, 25.0, 30.0, 30000 / 1001, 60.0, 100.0])
def test_csv_round_trip_restores_values_and_fps(tmp_path, fps):
    curves = arkit_curves(frames=70, fps=fps)
    back = read_csv(write(curves, tmp_path / "take.csv"))
    assert back.names == curves.names
    assert back.fps == pytest.approx(fps, rel=1e-12)
    np.testing.assert_allclose(back.values, curves.values, atol=1e-6, rtol=0)


def test_csv_refuses_channel_names_that_would_shift_columns(tmp_path):
    curves = Curves(names=["a,b", "c"], fps=30.0, values=np.zeros((3, 2)), rig="test")
    with pytest.raises(ValueError, match="cannot write them to CSV"):
        write(curves, tmp_path / "take.csv")
    assert not (tmp_path / "take.csv").exists()


def test_reading_a_damaged_csv_names_the_file(tmp_path):
    path = tmp_path / "damaged.csv"
    path.write_text("frame,time,jawOpen\n0,0.000000,0.1\n1,0.033333\n")
    with pytest.raises(InputError, match="line 3 has 2 cells") as err:
        read_csv(path)
    assert str(path) in str(err.value)


# --- unreal-curvetable -------------------------------------------------------------------------------------

def test_curvetable_is_transposed_with_key_times_in_the_first_row(tmp_path):
    curves = metahuman_like(frames=5, fps=30.0)
    lines = data_lines(write(curves, tmp_path / "take.curvetable.csv", format="unreal-curvetable"))
    assert lines[0] == "Name,0.000000,0.033333,0.066667,0.100000,0.133333"
    assert len(lines) == 1 + len(curves.names)
    for name, line in zip(curves.names, lines[1:]):
        cells = line.split(",")
        assert cells[0] == name
        assert len(cells) == 1 + curves.frames  # Unreal drops a row whose value count differs from the keys
        np.testing.assert_allclose([float(c) for c in cells[1:]], curves.column(name), atol=5e-7)


def test_curvetable_round_trip(tmp_path):
    curves = arkit_curves(frames=33, fps=60.0)
    back = read_curvetable(write(curves, tmp_path / "t.curvetable.csv", format="unreal-curvetable"))
    assert back.names == curves.names and back.fps == 60.0
    np.testing.assert_allclose(back.values, curves.values, atol=1e-6, rtol=0)


def test_curvetable_refuses_names_unreal_would_rename(tmp_path):
    curves = Curves(names=["jaw open"], fps=30.0, values=np.zeros((2, 1)), rig="test")
    with pytest.raises(ValueError):
        write(curves, tmp_path / "t.curvetable.csv", format="unreal-curvetable")


# --- livelinkface ------------------------------------------------------------------------------------------

def test_livelinkface_header_has_the_app_layout():
    assert len(LLF_HEADER) == 63
    assert LLF_HEADER[:2] == ("Timecode", "BlendShapeCount")
    shapes = LLF_HEADER[2:54]
    assert sorted(shapes) == sorted(name[0].upper() + name[1:] for name in ARKIT_NAMES)
    # The app's own quirk: Right before Left for the jaw and mouth shifts.
    assert shapes.index("JawRight") + 1 == shapes.index("JawLeft")
    assert shapes.index("MouthRight") + 1 == shapes.index("MouthLeft")
    assert LLF_HEADER[54:] == ("HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
                               "RightEyeYaw", "RightEyePitch", "RightEyeRoll")


@pytest.mark.skipif(not RIGS_REFERENCE.is_dir(), reason="shared/rigs-reference is absent")
def test_livelinkface_header_matches_a_real_take(tmp_path):
    reference = (RIGS_REFERENCE / "livelinkface_csv_format.txt").read_text(encoding="utf-8").splitlines()
    real_header = next(line for line in reference if line.startswith("Timecode,"))
    lines = data_lines(write(arkit_curves(), tmp_path / "take.csv", format="livelinkface"))
    assert lines[0] == real_header


def test_livelinkface_rows_count_and_shape_values_by_name(tmp_path):
    names = [*ARKIT_NAMES, *ROTATIONS]
    shuffled = [names[i] for i in np.random.default_rng(1).permutation(len(names))]
    curves = arkit_curves(frames=40, names=shuffled)
    lines = data_lines(write(curves, tmp_path / "take.csv", format="livelinkface"))
    assert len(lines) == 1 + curves.frames
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    assert all(len(row) == 63 and row[1] == "61" for row in rows)
    assert all(re.fullmatch(r"-?\d+\.\d{10}", cell) for cell in rows[7][2:])
    for llf_name, name in [("JawLeft", "jawLeft"), ("JawRight", "jawRight"), ("MouthLeft", "mouthLeft"),
                           ("EyeBlinkLeft", "eyeBlinkLeft"), ("TongueOut", "tongueOut")]:
        column = [float(row[header.index(llf_name)]) for row in rows]
        np.testing.assert_allclose(column, curves.column(name), atol=5e-11)


def test_livelinkface_rotations_are_degrees_over_180(tmp_path):
    curves = arkit_curves(frames=3)
    for name, degrees in [("headYaw", 90.0), ("headPitch", -45.0), ("leftEyePitch", -18.0), ("rightEyeYaw", 9.0)]:
        curves.values[:, curves.names.index(name)] = degrees
    lines = data_lines(write(curves, tmp_path / "take.csv", format="livelinkface"))
    header, row = lines[0].split(","), lines[1].split(",")
    assert row[header.index("HeadYaw")] == "0.5000000000"
    assert row[header.index("HeadPitch")] == "-0.2500000000"
    assert row[header.index("LeftEyePitch")] == "-0.1000000000"
    assert row[header.index("RightEyeYaw")] == "0.0500000000"


def test_livelinkface_writes_zeros_for_missing_rotation_channels(tmp_path):
    curves = arkit_curves(frames=4, names=list(ARKIT_NAMES))
    lines = data_lines(write(curves, tmp_path / "take.csv", format="livelinkface"))
    for line in lines[1:]:
        assert line.split(",")[54:] == ["0.0000000000"] * 9


def test_livelinkface_refuses_curves_of_another_rig(tmp_path):
    target = tmp_path / "take.csv"
    with pytest.raises(InputError, match="--rig arkit") as err:
        write(metahuman_like(), target, format="livelinkface")
    assert str(target) in str(err.value)
    assert not target.exists()


@pytest.mark.parametrize("fps, frame, expected", [
    (30.0, 0, "00:00:00:00.000"), (30.0, 29, "00:00:00:29.000"), (30.0, 30, "00:00:01:00.000"),
    (30.0, 31, "00:00:01:01.000"), (30.0, 30 * 3661 + 7, "01:01:01:07.000"),
    (60.0, 59, "00:00:00:59.000"), (60.0, 61, "00:00:01:01.000"), (60.0, 60 * 75 + 45, "00:01:15:45.000"),
    (30000 / 1001, 30, "00:00:01:00.030"),  # 1.001 s: 0.03 of a frame into second 1
])
def test_livelinkface_timecodes(fps, frame, expected):
    assert timecodes(frame + 1, fps)[frame] == expected


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_livelinkface_timecodes_decode_to_frame_times_as_unreal_reads_them(fps):
    # Epic's importer: H*3600 + M*60 + S + FF.fff / rate.
    for frame, code in enumerate(timecodes(200, fps)):
        h, m, s, ff = code.split(":")
        assert int(h) * 3600 + int(m) * 60 + int(s) + float(ff) / fps == pytest.approx(frame / fps, abs=1e-9)


def test_livelinkface_round_trip(tmp_path):
    curves = arkit_curves(frames=90, fps=60.0)
    back = read_livelinkface(write(curves, tmp_path / "take.csv", format="livelinkface"))
    assert back.fps == 60.0 and sorted(back.names) == sorted(curves.names)
    for name in back.names:
        np.testing.assert_allclose(back.column(name), curves.column(name), atol=1e-6)


# --- json ---------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class FakeEmotionTrack:
    labels: list[str]
    times: np.ndarray


def strict_json(path: Path):
    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_json_document_holds_channels_metadata_and_versions(tmp_path):
    import emoanim

    curves = metahuman_like(frames=12, fps=30.0)
    curves.metadata = {"emotion": FakeEmotionTrack(["happy", "sad"], np.array([0.0, 1.5])),
                       "source": tmp_path / "speech.wav", "seed": np.int64(7), "warnings": ["short clip"]}
    document = strict_json(write(curves, tmp_path / "take.json", format="json"))
    assert document["rig"] == "metahuman" and document["fps"] == 30.0
    assert document["frames"] == 12 and document["duration"] == pytest.approx(0.4)
    assert document["channels"] == curves.names
    assert document["ranges"] == curves.ranges.tolist()
    assert document["layout"] == "frame-major"
    assert np.asarray(document["values"]).shape == (12, 4)
    assert document["metadata"] == {"emotion": {"labels": ["happy", "sad"], "times": [0.0, 1.5]},
                                    "source": str(tmp_path / "speech.wav"), "seed": 7, "warnings": ["short clip"]}
    assert document["software"]["emoanim"] == emoanim.__version__
    assert document["software"]["numpy"] == np.__version__


def test_json_stores_an_emotion_track_through_its_own_description(tmp_path):
    from emoanim.emotion.track import EmotionTrack

    track = EmotionTrack.parse("neutral@0,happy:0.8@1")
    curves = metahuman_like()
    curves.metadata = {"emotion": track}
    document = strict_json(write(curves, tmp_path / "take.json", format="json"))
    assert document["metadata"]["emotion"] == json.loads(json.dumps(track.to_dict()))


def test_json_round_trip(tmp_path):
    curves = metahuman_like(frames=25)
    back = read_json(write(curves, tmp_path / "take.json", format="json"))
    assert back.names == curves.names and back.fps == curves.fps and back.rig == "metahuman"
    np.testing.assert_allclose(back.values, curves.values, atol=1e-6, rtol=0)
    np.testing.assert_array_equal(back.ranges, curves.ranges)
    assert back.metadata == curves.metadata


def test_json_refuses_nan_in_metadata_without_writing(tmp_path):
    curves = metahuman_like()
    curves.metadata = {"scores": {"lip_sync": float("nan")}}
    with pytest.raises(ValueError, match="metadata.scores.lip_sync"):
        write(curves, tmp_path / "take.json", format="json")
    assert list(tmp_path.iterdir()) == []


# --- npz ----------------------------------------------------------------------------------------------------

def test_npz_arrays_and_round_trip(tmp_path):
    curves = metahuman_like(frames=30)
    path = write(curves, tmp_path / "take.npz", format="npz")
    with np.load(path, allow_pickle=False) as archive:
        assert archive["values"].dtype == np.float32
        assert archive["values"].shape == (30, 4)
        assert list(archive["names"]) == curves.names
        assert json.loads(str(archive["metadata"])) == {"animator": "phonetic"}
    back = read_npz(path)
    assert back.names == curves.names and back.fps == 60.0 and back.rig == "metahuman"
    np.testing.assert_allclose(back.values, curves.values, atol=1e-6, rtol=0)
    np.testing.assert_allclose(back.ranges, curves.ranges)
    assert back.metadata == curves.metadata


def test_every_format_writes_one_line_or_record_per_frame(tmp_path):
    curves = arkit_curves(frames=17)
    for format in FORMATS:
        if WRITERS[format].rigs is not None and "arkit" not in WRITERS[format].rigs:
            continue  # flame-npz holds only flame-rig curves: tests/test_flame.py writes it
        path = write(curves, tmp_path / f"take{extension(format)}".replace(".csv", f".{format}.csv"), format=format)
        if format in ("csv", "livelinkface"):
            assert len(data_lines(path)) == 1 + 17
        elif format == "unreal-curvetable":
            assert len(data_lines(path)[0].split(",")) == 1 + 17
        elif format == "json":
            assert len(strict_json(path)["values"]) == 17
        elif format == "npz":
            assert read_npz(path).frames == 17
        else:
            from emoanim.export import read_a2f_json, read_bvh, read_gltf_curves, read_unity_anim

            reader = {"unity": read_unity_anim, "gltf": read_gltf_curves, "bvh": read_bvh, "a2f-json": read_a2f_json}
            assert reader[format](path).frames == 17, format
