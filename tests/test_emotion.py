"""The emotion stage: `--emotion` specs, timelines with smooth transitions, and EMFACS prototypes in ARKit weights."""
from __future__ import annotations

import json

import numpy as np
import pytest

from emoanim.emotion import (
    ALIASES,
    AU_TO_ARKIT,
    EMFACS_PROTOTYPES,
    EMOTION_INDEX,
    EMOTIONS,
    EmotionKey,
    EmotionTrack,
    expression_offsets,
    prototype,
)
from emoanim.emotion import spec as spec_module
from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES

FPS = 60.0
NON_NEUTRAL = [name for name in EMOTIONS if name != "neutral"]


def weights_of(emotion: str, intensity: float) -> np.ndarray:
    return EmotionTrack.constant(emotion, intensity).at(np.zeros(1))


def offsets_of(emotion: str, intensity: float = 1.0) -> dict[str, float]:
    row = expression_offsets(weights_of(emotion, intensity))[0]
    return dict(zip(ARKIT_NAMES, row.tolist()))


# ---- parsing ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "keys"),
    [
        ("happy", [(0.0, "happy", 1.0)]),
        ("happy:0.6", [(0.0, "happy", 0.6)]),
        ("sad@2", [(2.0, "sad", 1.0)]),
        ("neutral@0,happy:0.8@1.5,sad@4", [(0.0, "neutral", 1.0), (1.5, "happy", 0.8), (4.0, "sad", 1.0)]),
        ("  Neutral , HAPPY : 0.8 @ 1.5s ,\tsad@ 4 ", [(0.0, "neutral", 1.0), (1.5, "happy", 0.8), (4.0, "sad", 1.0)]),
        ("surprise:0@0.25", [(0.25, "surprised", 0.0)]),
        ("anger:1,fearful:0.5@3", [(0.0, "angry", 1.0), (3.0, "fear", 0.5)]),
        ("neutral:0.3", [(0.0, "neutral", 1.0)]),  # neutral's intensity has no effect, so it is normalised
    ],
)
def test_parse_reads_every_form(spec, keys):
    track = EmotionTrack.parse(spec)
    assert track.keys == tuple(EmotionKey(*key) for key in keys)
    assert track.transition == 0.3


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases_name_their_class(alias):
    track = EmotionTrack.parse(f"{alias.upper()}:0.5")
    assert track.keys[0].emotion == ALIASES[alias]


def test_the_alias_table_in_the_docs_matches_the_code():
    documented = {}
    for line in spec_module.__doc__.splitlines():
        cells = line.split(None, 1)
        if len(cells) == 2 and cells[0] in EMOTIONS:
            documented.update({alias.strip(): cells[0] for alias in cells[1].split(",")})
    assert documented == ALIASES


def test_keys_canonicalise_names_and_ignore_neutral_intensity():
    assert EmotionKey(1, " Joy ", 0.5) == EmotionKey(1.0, "happy", 0.5)
    assert EmotionKey(0.0, "calm", 0.2).intensity == 1.0
    with pytest.raises(InputError, match="outside"):
        EmotionKey(0.0, "sad", np.float32(1.5))


@pytest.mark.parametrize("name", EMOTIONS)
def test_every_class_name_parses_to_itself(name):
    assert EmotionTrack.parse(name).keys[0].emotion == name


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("", "empty emotion spec"),
        ("   ", "empty emotion spec"),
        ("grumpy", "unknown emotion 'grumpy'"),
        ("happy:0.5,elated@2", "unknown emotion 'elated'"),
        (":0.5", "unknown emotion"),
        ("happy:1.5", "outside [0, 1]"),
        ("happy:-0.1", "outside [0, 1]"),
        ("happy:lots", "'lots', not a number"),
        ("happy:", "not a number"),
        ("happy:nan", "not a finite number"),
        ("happy@-1", "not seconds >= 0"),
        ("happy@soon", "'soon', not a number"),
        ("happy@inf", "not a finite number"),
        ("happy@1,sad@1", "strictly increase"),
        ("happy@2,sad@1", "strictly increase"),
        ("happy,sad", "has no time"),
        ("happy,,sad@1", "empty entry"),
        ("happy@1,", "empty entry"),
    ],
)
def test_bad_specs_raise_one_line_input_errors(spec, fragment):
    with pytest.raises(InputError) as caught:
        EmotionTrack.parse(spec)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
    assert caught.value.path is None


@pytest.mark.parametrize("spec", ["grumpy", "", "happy:0.5,elated@2"])
def test_name_errors_list_the_eight_valid_names(spec):
    with pytest.raises(InputError) as caught:
        EmotionTrack.parse(spec)
    for name in EMOTIONS:
        assert name in str(caught.value)


@pytest.mark.parametrize("transition", [-0.1, float("nan"), float("inf")])
def test_transition_must_be_a_non_negative_time(transition):
    with pytest.raises(InputError, match="transition"):
        EmotionTrack.parse("happy", transition=transition)


def test_constant_validates_like_parse():
    assert EmotionTrack.constant("joy", 0.4) == EmotionTrack.parse("happy:0.4")
    assert EmotionTrack.constant() == EmotionTrack.parse("neutral")
    with pytest.raises(InputError, match="unknown emotion"):
        EmotionTrack.constant("grumpy")
    with pytest.raises(InputError, match="outside"):
        EmotionTrack.constant("sad", 1.01)


# ---- weights ------------------------------------------------------------------------------------------------------


def test_a_key_puts_its_intensity_on_its_column_and_the_rest_on_neutral():
    expected = np.zeros(8)
    expected[EMOTION_INDEX["neutral"]] = 0.2
    expected[EMOTION_INDEX["happy"]] = 0.8
    np.testing.assert_allclose(weights_of("happy", 0.8)[0], expected)
    np.testing.assert_allclose(EmotionTrack.parse("neutral").at(np.array([0.0, 7.0])), np.eye(8)[[0, 0]])


def test_the_first_key_holds_before_it_and_the_last_after_it():
    track = EmotionTrack.parse("sad:0.5@2,angry@3")
    weights = track.at(np.array([0.0, 1.0, 1.84, 100.0]))
    np.testing.assert_allclose(weights[:3, EMOTION_INDEX["sad"]], 0.5)
    np.testing.assert_allclose(weights[3, EMOTION_INDEX["angry"]], 1.0)


def test_rows_sum_to_one_and_stay_in_range_even_with_crowded_keys():
    track = EmotionTrack.parse("happy@0,sad:0.3@0.1,angry@0.15,fear:0.7@0.2,contempt@1,neutral@1.05", 0.5)
    weights = track.at(np.arange(0, 2.5, 1 / FPS))
    assert weights.shape == (150, 8)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-12)
    assert weights.min() >= 0.0 and weights.max() <= 1.0
    np.testing.assert_allclose(weights[-1], np.eye(8)[0], atol=1e-12)  # the last key is reached in the end


def test_transitions_are_centred_on_the_key_time():
    track = EmotionTrack.parse("neutral@0,happy@2", transition=0.4)
    happy = track.at(np.array([1.8, 2.0, 2.2]))[:, EMOTION_INDEX["happy"]]
    np.testing.assert_allclose(happy, [0.0, 0.5, 1.0], atol=1e-12)


def test_the_dominant_emotion_changes_at_the_key_times():
    track = EmotionTrack.parse("neutral@0,happy:0.8@1.5,sad@4,contempt:0.2@6")
    tr = track.transition
    before_after = {1.5: ("neutral", "happy"), 4.0: ("happy", "sad"), 6.0: ("sad", "contempt")}
    for time, (old, new) in before_after.items():
        assert track.dominant(np.array([time - tr, time + tr])) == [old, new]
    assert track.dominant(np.arange(0, 8, 1 / FPS)).count("happy") == pytest.approx(2.5 * FPS, abs=0.3 * FPS)


def test_dominant_ignores_neutral_unless_nothing_else_is_present():
    assert EmotionTrack.parse("surprised:0.1").dominant(np.zeros(2)) == ["surprised"] * 2
    assert EmotionTrack.parse("surprised:0").dominant(np.zeros(1)) == ["neutral"]


def test_transitions_are_smooth_at_60_fps():
    """No jump above smoothstep's steepest slope (1.5/transition per s), and no kink: C1, not just C0."""
    transition = 0.3
    track = EmotionTrack.parse("neutral@0,happy@1,sad@2,angry:0.5@3,fear@4", transition)
    weights = track.at(np.arange(0, 5, 1 / FPS))
    first = np.abs(np.diff(weights, axis=0)).max()
    second = np.abs(np.diff(weights, n=2, axis=0)).max()
    assert first <= 1.5 / transition / FPS + 1e-9  # 0.083: about a twelfth of the range per frame
    # A linear ramp would kink by a full frame step (0.056) where it starts; smoothstep's curvature bounds this.
    assert second <= 6.0 / transition**2 / FPS**2 + 1e-9
    assert first > 0.05  # and the change does happen within the transition


def test_zero_transition_is_a_cut_at_the_key_time():
    track = EmotionTrack.parse("happy@0,sad@1", transition=0.0)
    sad = track.at(np.array([0.999, 1.0]))[:, EMOTION_INDEX["sad"]]
    np.testing.assert_array_equal(sad, [0.0, 1.0])


# ---- description --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "canonical"),
    [
        ("happy", "happy"),
        ("Joy:1.0", "happy"),
        ("happy:0.60", "happy:0.6"),
        ("sad@2.50s", "sad@2.5"),
        (" neutral ,anger:0.3@ 1.5, sadness@4", "neutral@0,angry:0.3@1.5,sad@4"),
        ("neutral:0.2@0.1", "neutral@0.1"),
        ("fear:0.333333333333@0.1234567891", "fear:0.333333333333@0.1234567891"),
    ],
)
def test_str_is_canonical_and_round_trips(spec, canonical):
    track = EmotionTrack.parse(spec)
    assert str(track) == canonical
    assert EmotionTrack.parse(str(track)) == track


def test_str_round_trips_random_tracks():
    rng = np.random.default_rng(7)
    for _ in range(50):
        count = int(rng.integers(1, 6))
        times = np.cumsum(rng.uniform(0.01, 3.0, count)) - (0.0 if rng.random() < 0.5 else 0.01)
        keys = tuple(
            EmotionKey(float(t), str(rng.choice(NON_NEUTRAL)), float(rng.uniform(0, 1))) for t in np.maximum(times, 0)
        )
        track = EmotionTrack(keys, transition=float(rng.uniform(0, 1)))
        assert EmotionTrack.parse(str(track), track.transition) == track


def test_to_dict_is_json_ready_and_reads_back():
    track = EmotionTrack.parse("neutral@0,happy:0.8@1.5,sad@4", transition=0.5)
    data = json.loads(json.dumps(track.to_dict()))
    assert data["spec"] == "neutral@0,happy:0.8@1.5,sad@4"
    assert data["transition"] == 0.5
    assert data["keys"][1] == {"time": 1.5, "emotion": "happy", "intensity": 0.8}
    assert EmotionTrack.from_dict(data) == track
    with pytest.raises(InputError, match="malformed"):
        EmotionTrack.from_dict({"keys": [{"time": 0}]})
    with pytest.raises(InputError, match="unknown emotion 'elated'"):
        EmotionTrack.from_dict({"keys": [{"time": 0, "emotion": "elated", "intensity": 1}]})


# ---- prototypes ---------------------------------------------------------------------------------------------------


def test_neutral_adds_nothing():
    assert not any(offsets_of("neutral").values())


@pytest.mark.parametrize("emotion", NON_NEUTRAL)
def test_offsets_grow_strictly_with_intensity(emotion):
    levels = np.linspace(0.0, 1.0, 11)
    norms = [np.abs(expression_offsets(weights_of(emotion, level))).sum() for level in levels]
    assert norms[0] == 0.0
    assert np.all(np.diff(norms) > 0)


@pytest.mark.parametrize(
    ("emotion", "raised"),
    [
        ("happy", ["mouthSmileLeft", "mouthSmileRight", "cheekSquintLeft", "cheekSquintRight"]),
        ("sad", ["mouthFrownLeft", "mouthFrownRight", "browInnerUp"]),
        ("surprised", ["eyeWideLeft", "eyeWideRight", "browOuterUpLeft", "browOuterUpRight", "browInnerUp"]),
        ("fear", ["eyeWideLeft", "eyeWideRight", "browInnerUp", "mouthStretchLeft", "mouthStretchRight"]),
        ("angry", ["browDownLeft", "browDownRight", "eyeSquintLeft", "mouthPressLeft"]),
        ("disgusted", ["noseSneerLeft", "noseSneerRight", "mouthUpperUpLeft", "mouthUpperUpRight"]),
        ("contempt", ["mouthDimpleRight", "mouthSmileRight"]),
    ],
)
def test_each_prototype_moves_its_signature_shapes(emotion, raised):
    offsets = offsets_of(emotion)
    for shape in raised:
        assert offsets[shape] >= 0.2, shape
    # and the signature shapes of opposite expressions stay off
    opposites = {"happy": "mouthFrown", "sad": "mouthSmile", "angry": "browOuterUp", "surprised": "browDown"}
    if emotion in opposites:
        assert offsets[f"{opposites[emotion]}Left"] == 0.0


def test_contempt_is_one_sided_and_the_others_symmetric():
    offsets = offsets_of("contempt")
    assert offsets["mouthDimpleRight"] > 0 and offsets["mouthDimpleLeft"] == 0.0
    assert offsets["mouthSmileRight"] > offsets["mouthSmileLeft"]
    for emotion in NON_NEUTRAL:
        if emotion != "contempt":
            row = offsets_of(emotion)
            assert all(row[name] == row[name.replace("Left", "Right")] for name in ARKIT_NAMES if "Left" in name)


def test_prototypes_are_natural_not_maxed_and_leave_the_jaw_to_speech():
    matrix = expression_offsets(np.eye(8))
    assert matrix.shape == (8, 52) and matrix.dtype == np.float32
    assert 0.5 <= matrix.max() <= 0.8  # visible, not pinned at 1.0
    assert matrix[:, ARKIT_INDEX["jawOpen"]].max() <= 0.3  # added on top of the speech jaw by the animator
    for untouched in ("tongueOut", "cheekPuff", "eyeLookUpLeft", "jawLeft", "mouthPucker", "mouthFunnel"):
        assert matrix[:, ARKIT_INDEX[untouched]].max() == 0.0


def test_prototypes_are_distinguishable():
    rows = expression_offsets(np.eye(8)[1:]).astype(np.float64)
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    cosine = unit @ unit.T
    np.fill_diagonal(cosine, 0.0)
    assert cosine.max() < 0.8  # surprise vs fear share brows and wide eyes, but not the mouth


def test_offsets_follow_a_timeline_and_stay_in_range():
    track = EmotionTrack.parse("neutral@0,happy@1,disgust:0.6@2")
    times = np.arange(0, 3, 1 / FPS)
    offsets = expression_offsets(track.at(times))
    assert offsets.shape == (times.size, 52)
    assert offsets.min() >= 0.0 and offsets.max() <= 1.0
    smile = offsets[:, ARKIT_INDEX["mouthSmileLeft"]]
    sneer = offsets[:, ARKIT_INDEX["noseSneerLeft"]]
    assert smile[int(0.5 * FPS)] == 0.0 and smile[int(1.5 * FPS)] == pytest.approx(prototype("happy")["mouthSmileLeft"])
    assert sneer[int(1.5 * FPS)] == 0.0 and sneer[-1] == pytest.approx(0.6 * prototype("disgusted")["noseSneerLeft"])


def test_expression_offsets_rejects_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(T, 8\)"):
        expression_offsets(np.zeros((10, 7)))
    assert expression_offsets(np.eye(8)[2]).shape == (52,)


def test_au_table_names_real_arkit_shapes_and_covers_every_prototype():
    for shapes in AU_TO_ARKIT.values():
        assert set(shapes) <= set(ARKIT_NAMES)
    assert set(EMFACS_PROTOTYPES) == set(EMOTIONS)
    for units in EMFACS_PROTOTYPES.values():
        assert set(units) <= set(AU_TO_ARKIT)
        assert all(0.0 < strength <= 1.0 for strength in units.values())
