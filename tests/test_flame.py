"""The flame rig: loader (restricted unpickling), layer, retargeting, writer, preview head, sequence reader.

Every FLAME file here is synthetic, built in the test with the official files' keys, dtypes and layout but small
random bases (FLAME itself cannot be redistributed).
"""
from __future__ import annotations

import os
import pickle
import sys
import types

import numpy as np
import pytest
import torch
from scipy import sparse

from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_INDEX
from emoanim.motion.performance import Performance
from emoanim.rigs.flame import (FlameHead, FlameLayer, FlameRig, load_flame_model, set_flame_model,
                                solve_retarget)
from emoanim.rigs.flame import retarget as retarget_module
from emoanim.rigs.flame.sequences import find_flame_sequences, read_flame_sequence
from emoanim.rigs.head import load_default_head

torch.set_num_threads(1)
JAW, EYE_A, EYE_B = 2, 3, 4


def synthetic_flame(vertex_count: int, seed: int = 0, points: np.ndarray | None = None,
                    point_dirs: np.ndarray | None = None) -> dict:
    """A FLAME-format dict: ``points`` (n, 3) become the first vertices, ``point_dirs`` (n, 3, 52) their first 52
    expression directions. Lower-face vertices are jaw-weighted; the last 40 vertices are two eyeballs."""
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(vertex_count, 3)) * [0.07, 0.09, 0.06]
    if points is not None:
        v[:len(points)] = points
    eyes = vertex_count - 40
    v[eyes:eyes + 20] = [0.03, 0.03, 0.05] + rng.normal(size=(20, 3)) * 0.004
    v[eyes + 20:] = [-0.03, 0.03, 0.05] + rng.normal(size=(20, 3)) * 0.004
    weights = np.zeros((vertex_count, 5))
    jaw = np.clip((-0.02 - v[:, 1]) / 0.03, 0.0, 1.0)
    jaw[eyes:] = 0.0
    weights[:, JAW] = jaw
    weights[:, 0] = 1.0 - jaw
    weights[eyes:eyes + 20] = np.eye(5)[EYE_A]
    weights[eyes + 20:] = np.eye(5)[EYE_B]
    regressor = np.zeros((5, vertex_count))
    regressor[0, :] = 1.0 / vertex_count
    low = np.argsort(v[:, 1])[:10]
    regressor[1, low] = 0.1
    regressor[JAW, np.argsort(-jaw)[:10]] = 0.1
    regressor[EYE_A, eyes:eyes + 20] = 0.05
    regressor[EYE_B, eyes + 20:] = 0.05
    shapedirs = rng.normal(size=(vertex_count, 3, 400)) * 1e-3
    if point_dirs is not None:
        shapedirs[:len(point_dirs), :, 300:352] = point_dirs
    posedirs = rng.normal(size=(vertex_count, 3, 36)) * 1e-3
    posedirs[weights[:, 1:].sum(1) == 0] = 0.0  # correctives live where the joints act, as in FLAME
    posedirs[weights[:, JAW] == 0, :, 9 * (JAW - 1): 9 * JAW] = 0.0  # the jaw's own 9 features: jaw region only
    faces = np.stack([np.arange(vertex_count), np.roll(np.arange(vertex_count), -1),
                      np.roll(np.arange(vertex_count), -2)], axis=1)[:vertex_count - 2]
    return {
        "f": faces.astype(np.uint32), "v_template": v, "shapedirs": shapedirs, "posedirs": posedirs,
        "J_regressor": sparse.csc_matrix(regressor), "kintree_table": np.array([[4294967295, 0, 1, 1, 1],
                                                                                [0, 1, 2, 3, 4]]),
        "weights": weights, "J": regressor @ v, "bs_style": "lbs", "bs_type": "lrotmin",
    }


@pytest.fixture
def fake_chumpy(monkeypatch):
    """A stand-in ``chumpy.ch.Ch`` in sys.modules while pickling, so pickles name chumpy as the real ones do."""
    package, module = types.ModuleType("chumpy"), types.ModuleType("chumpy.ch")

    class Ch:  # pickled state like chumpy's: __dict__ less its weak dicts
        def __init__(self, x):
            self.x, self._dirty_vars, self._itr = np.asarray(x), {"x"}, None
            self._make_dense, self._make_sparse, self._depends_on_deps = False, False, {}

    Ch.__module__, Ch.__qualname__ = "chumpy.ch", "Ch"
    module.Ch, package.ch = Ch, module
    monkeypatch.setitem(sys.modules, "chumpy", package)
    monkeypatch.setitem(sys.modules, "chumpy.ch", module)
    return Ch


def write_pickle(path, content: dict, Ch) -> None:
    content = dict(content, shapedirs=Ch(content["shapedirs"]), v_template=Ch(content["v_template"]))
    path.write_bytes(pickle.dumps(content, protocol=2))  # the official files are protocol 2


def write_embedding(path, face_ids: np.ndarray, bary: np.ndarray) -> None:
    """DECA-style landmark_embedding.npy: a pickled dict inside a .npy."""
    np.save(path, np.array({"full_lmk_faces_idx": face_ids[None], "full_lmk_bary_coords": bary[None],
                            "static_lmk_faces_idx": face_ids[17:], "static_lmk_bary_coords": bary[17:]},
                           dtype=object), allow_pickle=True)


@pytest.fixture
def flame_files(tmp_path, fake_chumpy):
    """A 300-vertex chumpy pickle with a 68-point embedding of random barycentric coordinates; chumpy removed."""
    content = synthetic_flame(300)
    write_pickle(tmp_path / "generic_model.pkl", content, fake_chumpy)
    rng = np.random.default_rng(1)
    bary = rng.dirichlet(np.ones(3), size=68)
    write_embedding(tmp_path / "landmark_embedding.npy", rng.integers(0, 298 - 40, size=68), bary)
    del sys.modules["chumpy"], sys.modules["chumpy.ch"]
    return tmp_path / "generic_model.pkl", content


def test_official_style_pickle_loads_without_chumpy(flame_files):
    path, content = flame_files
    model = load_flame_model(path)
    assert "chumpy" not in sys.modules
    np.testing.assert_array_equal(model.v_template, content["v_template"])
    np.testing.assert_array_equal(model.exprdirs, content["shapedirs"][:, :, 300:])
    np.testing.assert_array_equal(model.j_regressor, content["J_regressor"].toarray())
    assert model.parents.tolist() == [-1, 0, 1, 1, 1] and model.expression_count == 100
    assert model.landmarks is not None and len(model.landmarks.face_ids) == 68


def test_zero_parameters_give_the_template(flame_files):
    layer = FlameLayer(load_flame_model(flame_files[0]))
    vertices = layer(torch.zeros(3, 100))
    np.testing.assert_allclose(vertices.numpy(), np.broadcast_to(flame_files[1]["v_template"], (3, 300, 3)),
                               atol=1e-6)


def test_jaw_rotation_moves_only_jaw_weighted_vertices(flame_files):
    model = load_flame_model(flame_files[0])
    layer = FlameLayer(model)
    rest = layer(torch.zeros(1, 100))[0].numpy()
    opened = layer(torch.zeros(1, 100), jaw_pose=torch.tensor([[0.25, 0.0, 0.0]]))[0].numpy()
    moved = np.linalg.norm(opened - rest, axis=1) > 1e-7
    jaw_weighted = model.weights[:, JAW] > 0
    assert jaw_weighted.any() and (~jaw_weighted).any()
    np.testing.assert_array_equal(moved, jaw_weighted)


def test_landmarks_follow_the_barycentric_embedding(flame_files):
    model = load_flame_model(flame_files[0])
    layer = FlameLayer(model)
    rng = np.random.default_rng(2)
    expression = torch.as_tensor(rng.normal(size=(4, 100)), dtype=torch.float32)
    poses = {"jaw_pose": torch.full((4, 3), 0.1), "global_pose": torch.full((4, 3), -0.2),
             "eye_pose": torch.full((4, 6), 0.05)}
    vertices = layer(expression, **poses).numpy()
    corners = vertices[:, model.faces[model.landmarks.face_ids]]  # (T, 68, 3, 3)
    expected = (corners * model.landmarks.bary[None, :, :, None]).sum(2)
    np.testing.assert_allclose(layer.landmarks(expression, **poses).numpy(), expected, atol=1e-6)


def test_ridge_gauss_newton_recovers_known_expression_and_jaw(flame_files):
    model = load_flame_model(flame_files[0])
    layer = FlameLayer(model)
    rng = np.random.default_rng(3)
    truth = np.concatenate([rng.normal(size=(3, 100)) * 0.5, rng.normal(size=(3, 3)) * 0.15], axis=1)
    ids = np.arange(0, 250, 2)
    with torch.no_grad():
        def points(p):
            e, jaw = torch.as_tensor(p[None, :100]), torch.as_tensor(p[None, 100:])
            return np.concatenate([layer.landmarks(e.float(), jaw_pose=jaw.float())[0].numpy(),
                                   layer(e.float(), jaw_pose=jaw.float(), vertex_ids=torch.as_tensor(ids))[0].numpy()])
        rest = points(np.zeros(103))
        targets = np.stack([points(p) - rest for p in truth])
    solved = solve_retarget(layer, ids, targets, ridge=1e-9)
    np.testing.assert_allclose(solved.matrix, truth, atol=2e-3)
    assert solved.rms_error.max() < 1e-5


def test_rig_maps_default_head_shapes_onto_a_flame_made_from_them(tmp_path, monkeypatch):
    """A FLAME whose first 52 expression directions *are* the default head's shapes (moved by a similarity):
    retargeting must pick exactly expression k for ARKit shape k, and the matrix is cached on disk."""
    head = load_default_head()
    skin = head.part("skin").vertices.astype(np.float64)
    ids = np.unique(np.concatenate([head.landmarks68, head.dense_landmarks]))
    deltas = head.deltas[:, head.part_slices["skin"]][:, ids].astype(np.float64)  # (52, n, 3)
    angle = np.radians(12.0)
    rotation = np.array([[np.cos(angle), 0, np.sin(angle)], [0, 1, 0], [-np.sin(angle), 0, np.cos(angle)]])
    scale, shift = 1.3, np.array([0.01, -0.02, 0.03])
    points = scale * skin[ids] @ rotation.T + shift
    point_dirs = (scale * deltas @ rotation.T).transpose(1, 2, 0)  # (n, 3, 52)
    content = synthetic_flame(len(ids) + 200, seed=4, points=points, point_dirs=point_dirs)
    content["weights"][:len(ids)] = np.eye(5)[0]  # face points ride the root only: no jaw shortcut
    content["posedirs"][:len(ids)] = 0.0
    np.savez(tmp_path / "flame2023.npz", **{k: v.toarray() if sparse.issparse(v) else v for k, v in content.items()})
    where = {int(i): n for n, i in enumerate(ids)}
    face_ids = np.array([where[int(i)] for i in head.landmarks68])  # face n starts at vertex n
    write_embedding(tmp_path / "landmark_embedding.npy", face_ids, np.tile([1.0, 0.0, 0.0], (68, 1)))
    monkeypatch.setattr(retarget_module, "_MEMORY", {})
    monkeypatch.setattr(retarget_module, "RIDGE", 1e-7)  # the exact answer exists here; only break ties
    rig = FlameRig(tmp_path / "flame2023.npz", cache_dir=tmp_path / "cache")
    matrix = rig.retarget.matrix
    moved = np.abs(point_dirs).max(axis=(0, 1))  # (52,) the largest point motion of each shape
    assert rig.retarget.rms_error.max() < 0.01 * moved.max()  # every shape's landmark motion is reproduced
    for name in ("jawOpen", "mouthSmileLeft", "browInnerUp", "eyeBlinkRight", "mouthPucker"):
        row = matrix[ARKIT_INDEX[name]]
        assert row[ARKIT_INDEX[name]] == pytest.approx(1.0, abs=0.05), name
        others = np.delete(row, ARKIT_INDEX[name])
        assert np.abs(others).max() < 0.05, name
    cached = list((tmp_path / "cache").glob("retarget-*.npz"))
    assert len(cached) == 1
    monkeypatch.setattr(retarget_module, "_MEMORY", {})
    monkeypatch.setattr(retarget_module, "solve_retarget", lambda *a, **k: pytest.fail("solved again"))
    again = FlameRig(tmp_path / "flame2023.npz", cache_dir=tmp_path / "cache").retarget
    np.testing.assert_array_equal(again.matrix, matrix)

    perf = Performance.still(3, 30.0)
    perf.expression[1, ARKIT_INDEX["jawOpen"]] = 0.5
    perf.head[2] = [10.0, 0.0, 0.0]
    curves = rig.curves(perf)
    assert curves.names[:2] == ["e0", "e1"] and curves.values.shape == (3, 100 + 18)
    np.testing.assert_allclose(curves.column(f"e{ARKIT_INDEX['jawOpen']}"), [0, 0.5, 0], atol=0.02)
    np.testing.assert_allclose(curves.column("global_pose_0"), [0, 0, np.radians(10.0)], atol=1e-6)


def test_writer_obj_sequence_and_preview_head(flame_files, tmp_path, monkeypatch):
    from emoanim.export.flame_npz import write_flame_npz, write_obj_sequence

    monkeypatch.setattr(retarget_module, "_MEMORY", {})
    set_flame_model(flame_files[0])
    try:
        rig = FlameRig(cache_dir=None)
    finally:
        set_flame_model(None)
    perf = Performance.still(4, 30.0)
    perf.expression[:, ARKIT_INDEX["mouthSmileLeft"]] = [0.0, 0.3, 0.6, 0.9]
    perf.gaze[:, 0] = 15.0
    curves = rig.curves(perf)
    path = write_flame_npz(curves, tmp_path / "take.flame.npz")
    with np.load(path, allow_pickle=False) as archive:
        assert archive["vertices"].shape == (4, 300, 3) and archive["expression"].shape == (4, 100)
        np.testing.assert_allclose(archive["vertices"], rig.vertices(rig.parameters(perf)), atol=1e-6)
        np.testing.assert_allclose(archive["eye_pose"][:, 1], np.radians(15.0), atol=1e-6)  # yaw about +y
    objs = write_obj_sequence(rig.vertices(rig.parameters(perf)), rig.model.faces, tmp_path / "obj")
    assert len(objs) == 4 and objs[2].read_text().count("\nv ") == 299
    posed = FlameHead(rig).pose_frames(perf.expression, perf.gaze, perf.head, perf.head_translation)
    np.testing.assert_allclose(posed["flame"], rig.vertices(rig.parameters(perf)), atol=1e-6)


def test_malicious_pickles_are_refused_without_running(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (tmp_path / "generic_model.pkl").write_bytes(pickle.dumps({"v_template": Evil()}, protocol=2))
    with pytest.raises(InputError, match="refusing to unpickle .*system"):
        load_flame_model(tmp_path / "generic_model.pkl")
    np.save(tmp_path / "landmark_embedding.npy", np.array({"lmk_face_idx": Evil()}, dtype=object),
            allow_pickle=True)
    with pytest.raises(InputError, match="refusing to unpickle"):
        from emoanim.rigs.flame import load_landmark_embedding
        load_landmark_embedding(tmp_path / "landmark_embedding.npy")
    assert not marker.exists()


def test_missing_wrong_and_foreign_files_are_explained_in_one_line(tmp_path, flame_files):
    with pytest.raises(InputError, match="not found.*flame.is.tue.mpg.de") as missing:
        load_flame_model(tmp_path / "nope.pkl")
    assert "\n" not in str(missing.value)
    content = dict(flame_files[1], shapedirs=flame_files[1]["shapedirs"][:, :, :300])
    (tmp_path / "old.pkl").write_bytes(pickle.dumps(content, protocol=2))
    with pytest.raises(InputError, match="wrong FLAME version"):
        load_flame_model(tmp_path / "old.pkl")
    (tmp_path / "smpl.pkl").write_bytes(pickle.dumps({"v_template": np.zeros((6890, 3))}, protocol=2))
    with pytest.raises(InputError, match="not a FLAME model"):
        load_flame_model(tmp_path / "smpl.pkl")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.delenv("EMOANIM_FLAME_MODEL", raising=False)
    try:
        with pytest.raises(InputError, match="EMOANIM_FLAME_MODEL"):
            FlameRig()
    finally:
        monkeypatch.undo()


def test_emote_style_sequences_are_read_with_mead_labels(tmp_path):
    clip = tmp_path / "M003" / "front" / "angry" / "level_2" / "007"
    clip.mkdir(parents=True)
    rng = np.random.default_rng(5)
    arrays = {"exp": rng.normal(size=(1, 40, 100)), "jaw": rng.normal(size=(1, 40, 3)),
              "global_pose": rng.normal(size=(1, 40, 3)), "shape": rng.normal(size=(1, 40, 300)),
              "cam": rng.normal(size=(1, 40, 3))}
    np.savez(clip / "shape_pose_cam.npz", **arrays)
    (found,) = find_flame_sequences(tmp_path)
    sequence = read_flame_sequence(found)
    assert (sequence.subject, sequence.emotion, sequence.intensity, sequence.sentence) == ("M003", "angry", 2, "007")
    assert sequence.frames == 40 and sequence.fps == 25.0
    np.testing.assert_allclose(sequence.jaw_pose, arrays["jaw"][0], rtol=1e-6)
    np.savez(clip / "shape_pose_cam.npz", **dict(arrays, jaw=arrays["jaw"][:, :30]))
    with pytest.raises(InputError, match="jaw has 30 frames"):
        read_flame_sequence(found)


def test_render_command_writes_flame_parameters_vertices_objs_and_a_flame_preview(flame_files, tmp_path, say,
                                                                                 monkeypatch):
    import imageio_ffmpeg

    from emoanim.cli.main import main

    monkeypatch.setattr(retarget_module, "_MEMORY", {})
    monkeypatch.setenv("HOME", str(tmp_path))  # the retarget disk cache goes under the test's folder
    speech = say("Bob made pop music.", name="bob")
    out = tmp_path / "out"
    try:
        code = main(["render", str(speech), "--emotion", "fear", "--rig", "flame", "--flame-model", str(flame_files[0]),
                     "--flame-obj", "--size", "64", "--out", str(out)])
    finally:
        set_flame_model(None)
    assert code == 0
    with np.load(out / "bob.flame.npz", allow_pickle=False) as archive:
        frames = archive["expression"].shape[0]
        assert archive["vertices"].shape == (frames, 300, 3) and frames > 20
        assert np.ptp(archive["jaw_pose"]) > 0  # the speech moves the jaw
    assert len(list((out / "bob.flame_obj").glob("*.obj"))) == frames
    reader = imageio_ffmpeg.read_frames(str(out / "bob.mp4"))
    assert tuple(next(reader)["size"]) == (64, 64)
    reader.close()


def test_flame_rig_without_a_model_is_one_clear_line(tmp_path, say, capsys, monkeypatch):
    from emoanim.cli.main import main

    monkeypatch.delenv("EMOANIM_FLAME_MODEL", raising=False)
    code = main(["render", str(say("hello", name="hi")), "--rig", "flame", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "flame.is.tue.mpg.de" in err
    assert not (tmp_path / "o").exists()
