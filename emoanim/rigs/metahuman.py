"""The MetaHuman rigs: ``metahuman-board`` (174 face-board controls) and ``metahuman`` (raw ``CTRL_expressions_*``).

Path, one way: Performance -> ARKit weights with the gaze merged in (`arkit.expression_with_gaze`) -> face-board
values through ``rigs/arkit_to_metahuman_board.tsv`` (our own FACS-based mapping) -> limited to each control's
range -> eye direction split into a shared ``CTRL_C_eye`` part and per-eye offsets -> raw curves through the rig's
own set-driven keys (``rigs/metahuman_gui_to_raw.tsv``, 'DHI' rig definition). The raw curves are therefore
always exactly what the board would produce inside Maya or Unreal.

Head channels ``HeadPitch, HeadYaw, HeadRoll`` are the Performance's head angles in degrees, unchanged:
right-handed about the character's axes in the MetaHuman/Maya frame (x = its left, y = up, z = forward), so
+pitch nods down, +yaw turns to the character's left, +roll tilts towards its right shoulder. The 18
``headTurn*/headTilt*`` raw curves are left out: RigLogic drives them from the neck joints.

Both rigs read back (``performance(curves)``) through `emoanim.rigs.metahuman_inverse`: raw -> board -> ARKit + gaze,
head channels unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_INDEX, HEAD_NAMES
from emoanim.motion.performance import Performance
from emoanim.rigs import tables
from emoanim.rigs.arkit import ROTATION_RANGE_DEG, expression_with_gaze
from emoanim.rigs.base import curve_columns, has_channels, make_curves, make_performance
from emoanim.rigs.curves import Curves

if TYPE_CHECKING:
    from emoanim.rigs.metahuman_inverse import MetaHumanInverse

HEAD_CHANNELS: tuple[str, ...] = ("HeadPitch", "HeadYaw", "HeadRoll")
_HEAD_ORDER = [HEAD_NAMES.index(name) for name in ("pitch", "yaw", "roll")]
# Raw controls are limited to [0, 1] (REPORT.md §1.3; RigLogic's input range).
RAW_RANGE = (0.0, 1.0)
EYE_AXES = (("translateX", "rotateY"), ("translateY", "rotateX"))  # board axis -> eye-driver rotation it keys


def _table_error(name: str, problem: str) -> InputError:
    return InputError(problem, path=tables.RIGS_DIR / name, hint="restore the rig tables from git")


@dataclass(frozen=True)
class BoardMap:
    """ARKit ``(T, 52)`` -> face board ``(T, 174)``: rest values + ``arkit @ weights`` + gated terms, then limits."""

    names: tuple[str, ...]
    low: np.ndarray  # (174,)
    high: np.ndarray  # (174,)
    rest: np.ndarray  # (174,)
    weights: np.ndarray  # (52, 174) ungated contributions
    gated: tuple[tuple[int, int, int, float], ...]  # (arkit column, gate column, board column, weight)

    @classmethod
    def load(cls) -> "BoardMap":
        board = tables.metahuman_board()
        names = tuple(ch.name for ch in board)
        column = {name: i for i, name in enumerate(names)}
        weights = np.zeros((len(ARKIT_INDEX), len(names)))
        gated = []
        for row in tables.arkit_to_board():
            where = f"row {row.arkit} -> {row.channel}"
            if row.arkit not in ARKIT_INDEX or (row.gate is not None and row.gate not in ARKIT_INDEX):
                raise _table_error("arkit_to_metahuman_board.tsv", f"{where} names an unknown ARKit shape")
            if row.channel not in column:
                raise _table_error("arkit_to_metahuman_board.tsv", f"{where} names an unknown board channel")
            if row.gate is None:
                weights[ARKIT_INDEX[row.arkit], column[row.channel]] += row.weight
            else:
                gated.append((ARKIT_INDEX[row.arkit], ARKIT_INDEX[row.gate], column[row.channel], row.weight))
        return cls(names, np.array([ch.minimum for ch in board]), np.array([ch.maximum for ch in board]),
                   np.array([ch.default for ch in board]), weights, tuple(gated))

    def __call__(self, arkit: np.ndarray) -> np.ndarray:
        board = self.rest + arkit @ self.weights
        for shape, gate, channel, weight in self.gated:
            board[:, channel] += weight * arkit[:, shape] * (1.0 - arkit[:, gate])
        return np.clip(board, self.low, self.high)


class DrivenKeyNetwork:
    """Evaluates the rig's set-driven keys: board ``(T, 174)`` -> every driven node, intermediates first."""

    def __init__(self, board_names: tuple[str, ...], keys: tuple[tables.DrivenKey, ...]):
        self.board_names = board_names
        level = {name: 0 for name in board_names}
        pending = list(keys)
        ordered: list[tables.DrivenKey] = []
        while pending:  # a driven node is ready once all of its drivers are known
            drivers_of = {}
            for key in pending:
                drivers_of.setdefault(key.driven, []).append(key.driver)
            ready = {d for d, drivers in drivers_of.items() if all(x in level for x in drivers)}
            if not ready:
                raise _table_error("metahuman_gui_to_raw.tsv", f"drivers never defined: {sorted(drivers_of)[:5]}")
            for key in pending:
                if key.driven in ready:
                    ordered.append(key)
            for driven in ready:
                level[driven] = 1 + max(level[x] for x in drivers_of[driven])
            pending = [key for key in pending if key.driven not in ready]
        self.keys = tuple(ordered)
        self.by_pair = {(key.driver, key.driven): key for key in keys}

    def evaluate(self, board: np.ndarray) -> dict[str, np.ndarray]:
        """Every driven node ``(T,)``: raw curves (unlimited here) and the eye-driver rotations in degrees."""
        values = {name: board[:, i] for i, name in enumerate(self.board_names)}
        driven: dict[str, np.ndarray] = {}
        for key in self.keys:
            if key.driven not in driven:
                driven[key.driven] = np.zeros(board.shape[0])
                values[key.driven] = driven[key.driven]
            driven[key.driven] += key(values[key.driver])
        return driven

    def key(self, driver: str, driven: str) -> tables.DrivenKey:
        try:
            return self.by_pair[(driver, driven)]
        except KeyError:
            raise _table_error("metahuman_gui_to_raw.tsv", f"no driven key {driver} -> {driven}") from None


def invert_key(key: tables.DrivenKey, driven_values: np.ndarray) -> np.ndarray:
    """The driver value that gives ``driven_values`` on a monotonic key (eye controls: board units from degrees)."""
    ys, xs = key.ys, key.xs
    if np.all(np.diff(ys) < 0):
        ys, xs = ys[::-1], xs[::-1]
    if not np.all(np.diff(ys) > 0):
        raise _table_error("metahuman_gui_to_raw.tsv", f"driven key {key.driver} -> {key.driven} is not monotonic")
    return np.interp(driven_values, ys, xs)


@dataclass(frozen=True)
class MetaHumanMapping:
    board_map: BoardMap
    network: DrivenKeyNetwork
    raw_names: tuple[str, ...]  # board-driven raw curves, table order

    @classmethod
    def load(cls) -> "MetaHumanMapping":
        board_map = BoardMap.load()
        network = DrivenKeyNetwork(board_map.names, tables.metahuman_driven_keys())
        raw_names = tuple(c.name for c in tables.metahuman_raw_curves() if c.driven_by != tables.NECK_DRIVEN)
        driven_raw = {k.driven for k in network.keys if not k.driven.startswith("LOC_")}
        if driven_raw != set(raw_names):
            odd = sorted(driven_raw ^ set(raw_names))[:5]
            raise _table_error("metahuman_gui_to_raw.tsv", f"raw curves and driven keys disagree, e.g. {odd}")
        return cls(board_map, network, raw_names)

    def board(self, perf: Performance) -> np.ndarray:
        """``(T, 174)`` face-board values within each control's range."""
        board = self.board_map(expression_with_gaze(perf))
        self.share_eye_direction(board)
        return np.clip(board, self.board_map.low, self.board_map.high)

    def raw(self, board: np.ndarray) -> np.ndarray:
        """``(T, len(raw_names))`` raw curves in [0, 1] from board values ``(T, 174)``."""
        driven = self.network.evaluate(board)
        return np.clip(np.stack([driven[name] for name in self.raw_names], axis=1), *RAW_RANGE)

    def eye_angle(self, board: np.ndarray, side: str, axis: str, rotation: str) -> np.ndarray:
        """``(T,)`` degrees of eye ``side``'s driver ``rotation``: ``CTRL_C_eye`` plus the eye's own control."""
        column = {name: i for i, name in enumerate(self.board_map.names)}
        driver = f"LOC_{side}_eyeDriver-{rotation}"
        center, own = f"CTRL_C_eye-{axis}", f"CTRL_{side}_eye-{axis}"
        return (self.network.key(center, driver)(board[:, column[center]])
                + self.network.key(own, driver)(board[:, column[own]]))

    def share_eye_direction(self, board: np.ndarray) -> None:
        """Move what both eyes share onto ``CTRL_C_eye`` (as an animator would), keeping each eye's total angle.

        The split is done in degrees because the up/down keys are not symmetric (30 up, 40 down). The shared part
        is the eyes' mean angle, moved where needed so that each eye's remainder is within its own control's reach
        (one eye 30 up and the other 40 down have a mean of 5 down, which would leave the first 35 up to reach).
        """
        column = {name: i for i, name in enumerate(self.board_map.names)}
        for axis, rotation in EYE_AXES:
            center = f"CTRL_C_eye-{axis}"
            angles = {side: self.eye_angle(board, side, axis, rotation) for side in "LR"}
            reach = [self.network.key(f"CTRL_{side}_eye-{axis}", f"LOC_{side}_eyeDriver-{rotation}").ys
                     for side in "LR"]
            lowest = np.maximum(angles["L"] - reach[0].max(), angles["R"] - reach[1].max())
            highest = np.minimum(angles["L"] - reach[0].min(), angles["R"] - reach[1].min())
            shared = np.clip(0.5 * (angles["L"] + angles["R"]), lowest, np.maximum(lowest, highest))
            board[:, column[center]] = invert_key(self.network.key(center, f"LOC_L_eyeDriver-{rotation}"), shared)
            for side in "LR":
                driver = f"LOC_{side}_eyeDriver-{rotation}"
                own = f"CTRL_{side}_eye-{axis}"
                rest = angles[side] - self.network.key(center, driver)(board[:, column[center]])
                board[:, column[own]] = invert_key(self.network.key(own, driver), rest)


@lru_cache(maxsize=None)
def mapping() -> MetaHumanMapping:
    return MetaHumanMapping.load()


@lru_cache(maxsize=None)
def inverse() -> "MetaHumanInverse":
    from emoanim.rigs.metahuman_inverse import MetaHumanInverse  # it builds on this module, so import it late

    return MetaHumanInverse(mapping())


def _head(perf: Performance) -> np.ndarray:
    return np.asarray(perf.head, dtype=np.float64)[:, _HEAD_ORDER]


def _performance(rig_name: str, curves: Curves, board: np.ndarray) -> Performance:
    """The `Performance` a board ``(T, 174)`` shows, with the curves' head channels (zero when absent)."""
    head = np.zeros((curves.frames, len(HEAD_NAMES)))
    if has_channels(curves, HEAD_CHANNELS, rig_name):
        head[:, _HEAD_ORDER] = curve_columns(curves, HEAD_CHANNELS, rig_name)
    return make_performance(curves, inverse().expression(board), head, inverse().gaze(board))


class MetaHumanBoardRig:
    """Performance -> the 174 face-board channels (EmoFace's order) + head rotation in degrees."""

    name = "metahuman-board"

    def __init__(self) -> None:
        board_map = mapping().board_map
        self.channel_names: tuple[str, ...] = board_map.names + HEAD_CHANNELS
        self.ranges = np.concatenate([np.stack([board_map.low, board_map.high], axis=1),
                                      [ROTATION_RANGE_DEG] * len(HEAD_CHANNELS)])

    def curves(self, perf: Performance) -> Curves:
        values = np.concatenate([mapping().board(perf), _head(perf)], axis=1)
        return make_curves(self, perf, values, self.ranges)

    def performance(self, curves: Curves) -> Performance:
        """The `Performance` these board curves show (module docstring of `metahuman_inverse`)."""
        board_map = mapping().board_map
        board = np.clip(curve_columns(curves, board_map.names, self.name), board_map.low, board_map.high)
        return _performance(self.name, curves, board)


class MetaHumanRig:
    """Performance -> the 241 board-driven ``CTRL_expressions_*`` curves in [0, 1] + head rotation in degrees."""

    name = "metahuman"

    def __init__(self) -> None:
        raw_names = mapping().raw_names
        self.channel_names: tuple[str, ...] = raw_names + HEAD_CHANNELS
        self.ranges = np.array([RAW_RANGE] * len(raw_names) + [ROTATION_RANGE_DEG] * len(HEAD_CHANNELS))

    def curves(self, perf: Performance) -> Curves:
        m = mapping()
        values = np.concatenate([m.raw(m.board(perf)), _head(perf)], axis=1)
        return make_curves(self, perf, values, self.ranges)

    def performance(self, curves: Curves) -> Performance:
        """The `Performance` these raw curves show: raw -> board -> ARKit (module docstring of `metahuman_inverse`)."""
        board = inverse().board(curve_columns(curves, mapping().raw_names, self.name))
        return _performance(self.name, curves, board)
