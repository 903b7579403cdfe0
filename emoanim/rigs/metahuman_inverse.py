"""The way back from the MetaHuman rigs: raw ``CTRL_expressions_*`` -> face board -> ARKit 52 + gaze.

Raw -> board. Every board control drives its raw curves through piecewise-linear set-driven keys (two half-ranges
for a bipolar slider such as blink/widen, three overlapping phases for lip stickiness, ...). A control is recovered
as the value in its range whose keys best reproduce all of its raw curves (least squares, exact on each linear
piece), so a pair like eyeBlinkL / eyeWidenL combines into the one blink slider. The eye directions go through the
eye-driver angles (degrees) and are put back on the board as `MetaHumanMapping.share_eye_direction` puts them.

Board -> Performance. Gaze is the eye-driver angle each eye's controls give (+rotateY = the character's left =
+gaze yaw, +rotateX = down = -gaze pitch); the ``eyeLook*`` shapes are explained by it and come back 0 (MetaHuman has
one eye direction per eye, so an ``eyeLook*`` weight the animator wrote apart from the gaze cannot be told apart).
The other shapes solve ``board - rest = arkit @ weights`` (rigs/arkit_to_metahuman_board.tsv, the one gated row
taken as linear) for ``arkit`` in [0, 1] by least squares. The table couples shapes only in small groups (the five
brow shapes share the brow controls; jawLeft/jawRight, mouthLeft/mouthRight and eyeBlink/eyeWide each share one
slider), and each group is solved exactly for all frames at once (`BoxLeastSquares`). A control the group can push
past its limit (browRaiseIn = browInnerUp + 0.3 browOuterUp) and that sits at the limit was clipped there, so it
only asks the fit to reach the limit. What cannot come back: of a pair on one slider only the difference survives
the forward map, so one of the two returns (the smaller weights); an eyeWide under a blink returns as the blink
alone (the forward map gates it away). Board controls the table never drives (e.g. lidPress, neck) carry nothing
ARKit can express and are ignored.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoanim.errors import InputError
from emoanim.motion.channels import ARKIT_NAMES, GAZE_NAMES
from emoanim.rigs import tables
from emoanim.rigs.box_lsq import BoxLeastSquares
from emoanim.rigs.metahuman import EYE_AXES, BoardMap, MetaHumanMapping, invert_key

# A board value this close to a limit of its control may have been clipped there (float32 curves: ~1e-7 rounding).
_AT_LIMIT = 1e-6
_GAZE = {name: i for i, name in enumerate(GAZE_NAMES)}


def _table_error(problem: str) -> InputError:
    return InputError(problem, path=tables.RIGS_DIR / "arkit_to_metahuman_board.tsv", hint="restore it from git")


@dataclass(frozen=True)
class PiecewiseInverse:
    """One driver value -> ``K`` driven values through piecewise-linear keys, undone by least squares.

    On segment ``s`` (``starts[s]..ends[s]``, between consecutive key positions) driven ``k`` is
    ``offsets[s, k] + slopes[s, k] * x``.
    """

    starts: np.ndarray  # (S,)
    ends: np.ndarray  # (S,)
    offsets: np.ndarray  # (S, K)
    slopes: np.ndarray  # (S, K)
    rest: float

    @classmethod
    def from_keys(cls, keys: list[tables.DrivenKey], low: float, high: float, rest: float) -> "PiecewiseInverse":
        knots = np.unique(np.concatenate([[low, high]] + [key.xs for key in keys]))
        knots = knots[(knots >= low) & (knots <= high)]
        starts, ends = knots[:-1], knots[1:]
        at_start = np.stack([key(starts) for key in keys], axis=1)
        at_end = np.stack([key(ends) for key in keys], axis=1)
        slopes = (at_end - at_start) / (ends - starts)[:, None]
        return cls(starts, ends, at_start - slopes * starts[:, None], slopes, float(np.clip(rest, low, high)))

    def __call__(self, driven: np.ndarray) -> np.ndarray:
        """``(T,)`` driver values best reproducing ``driven`` ``(T, K)`` (first best segment on ties)."""
        residual = driven[:, None, :] - self.offsets[None]  # (T, S, K)
        slope_power = np.sum(self.slopes ** 2, axis=1)  # (S,)
        flat = slope_power == 0.0
        x = np.einsum("tsk,sk->ts", residual, self.slopes) / np.where(flat, 1.0, slope_power)
        x = np.where(flat, self.rest, x)
        x = np.clip(x, self.starts, self.ends)
        cost = np.sum((residual - self.slopes[None] * x[:, :, None]) ** 2, axis=2)
        return x[np.arange(len(driven)), np.argmin(cost, axis=1)]


@dataclass(frozen=True)
class _ShapeGroup:
    """ARKit shapes coupled through shared board channels: ``board[channels] - rest = w @ solver.weights``."""

    shapes: np.ndarray  # (k,) ARKit columns
    channels: np.ndarray  # (m,) board columns
    over_high: np.ndarray  # (m,) bool: the group can push the channel past its upper limit (so it may be clipped)
    under_low: np.ndarray  # (m,) bool: ... past its lower limit
    solver: BoxLeastSquares


class MetaHumanInverse:
    """Raw curves ``(T, R)`` -> board ``(T, 174)`` -> ARKit ``(T, 52)`` + gaze ``(T, 4)``, for one `MetaHumanMapping`."""

    def __init__(self, mapping: MetaHumanMapping):
        self.mapping = mapping
        board_map, network = mapping.board_map, mapping.network
        board_column = {name: i for i, name in enumerate(board_map.names)}
        raw_column = {name: i for i, name in enumerate(mapping.raw_names)}
        keys_by_driver: dict[str, list[tables.DrivenKey]] = {}
        for key in network.keys:
            if key.driven in raw_column:
                keys_by_driver.setdefault(key.driver, []).append(key)
        # Board controls straight from their raw curves; eye-driver angles (degrees) from the eyeLook* curves.
        self.board_inverses: list[tuple[int, np.ndarray, PiecewiseInverse]] = []
        self.angle_inverses: dict[str, tuple[np.ndarray, PiecewiseInverse]] = {}
        for driver, keys in keys_by_driver.items():
            columns = np.array([raw_column[key.driven] for key in keys])
            if driver in board_column:
                c = board_column[driver]
                inverse = PiecewiseInverse.from_keys(keys, board_map.low[c], board_map.high[c], board_map.rest[c])
                self.board_inverses.append((c, columns, inverse))
            else:
                xs = np.concatenate([key.xs for key in keys])
                self.angle_inverses[driver] = (columns, PiecewiseInverse.from_keys(keys, xs.min(), xs.max(), 0.0))
        eye_drivers = {f"LOC_{side}_eyeDriver-{rotation}" for side in "LR" for _axis, rotation in EYE_AXES}
        if set(self.angle_inverses) != eye_drivers:
            raise InputError(f"eye drivers {sorted(self.angle_inverses)} are not the expected {sorted(eye_drivers)}",
                             path=tables.RIGS_DIR / "metahuman_gui_to_raw.tsv", hint="restore it from git")
        gaze_channels = sorted({board_column[key.driver] for key in network.keys if key.driven in eye_drivers})
        self.groups = self._groups(board_map, gaze_channels)

    @staticmethod
    def _groups(board_map: BoardMap, gaze_channels: list[int]) -> tuple[_ShapeGroup, ...]:
        weights = board_map.weights.copy()
        for shape, _gate, channel, weight in board_map.gated:  # exact whenever the gate shape is 0
            weights[shape, channel] += weight
        weights[:, gaze_channels] = 0.0  # the eye direction is read as gaze, not solved for
        parent = list(range(len(ARKIT_NAMES)))

        def root(i: int) -> int:
            while parent[i] != i:
                i = parent[i]
            return i

        for channel in range(weights.shape[1]):
            shapes = np.flatnonzero(weights[:, channel])
            for shape in shapes[1:]:
                parent[root(shape)] = root(shapes[0])
        members: dict[int, list[int]] = {}
        for shape in range(len(ARKIT_NAMES)):
            if np.any(weights[shape]):
                members.setdefault(root(shape), []).append(shape)
        groups = []
        for group in members.values():
            shapes = np.array(group)
            channels = np.flatnonzero(np.any(weights[shapes] != 0.0, axis=0))
            w = weights[np.ix_(shapes, channels)]
            over_high = np.sum(np.maximum(w, 0.0), axis=0) > (board_map.high - board_map.rest)[channels] + _AT_LIMIT
            under_low = np.sum(np.minimum(w, 0.0), axis=0) < (board_map.low - board_map.rest)[channels] - _AT_LIMIT
            try:
                solver = BoxLeastSquares.build(w, tuple(np.flatnonzero(over_high | under_low)))
            except ValueError as error:
                raise _table_error(f"shapes {[ARKIT_NAMES[s] for s in shapes]} are too entangled to invert "
                                   f"exactly: {error}") from None
            groups.append(_ShapeGroup(shapes, channels, over_high, under_low, solver))
        return tuple(groups)

    def board(self, raw: np.ndarray) -> np.ndarray:
        """``(T, 174)`` board values whose driven keys give ``raw`` ``(T, R)`` (best fit where none does exactly)."""
        raw = np.clip(np.asarray(raw, dtype=np.float64), 0.0, 1.0)
        board_map, network = self.mapping.board_map, self.mapping.network
        board = np.tile(board_map.rest, (len(raw), 1))
        for column, raw_columns, inverse in self.board_inverses:
            board[:, column] = inverse(raw[:, raw_columns])
        column = {name: i for i, name in enumerate(board_map.names)}
        for side in "LR":
            for axis, rotation in EYE_AXES:
                # Each eye's whole angle goes on its own control; share_eye_direction then moves the common part.
                driver, own = f"LOC_{side}_eyeDriver-{rotation}", f"CTRL_{side}_eye-{axis}"
                raw_columns, to_angle = self.angle_inverses[driver]
                board[:, column[own]] = invert_key(network.key(own, driver), to_angle(raw[:, raw_columns]))
        self.mapping.share_eye_direction(board)
        return np.clip(board, board_map.low, board_map.high)

    def gaze(self, board: np.ndarray) -> np.ndarray:
        """``(T, 4)`` gaze degrees (`GAZE_NAMES`) from the eye controls of ``board`` ``(T, 174)``."""
        board = np.asarray(board, dtype=np.float64)
        gaze = np.zeros((len(board), len(GAZE_NAMES)))
        for side, eye in (("L", "left"), ("R", "right")):
            for axis, rotation in EYE_AXES:
                domain = self.angle_inverses[f"LOC_{side}_eyeDriver-{rotation}"][1]
                # The eye turns as its eyeLook* curves say, and those saturate at the ends of their keys.
                angle = np.clip(self.mapping.eye_angle(board, side, axis, rotation), domain.starts[0], domain.ends[-1])
                if rotation == "rotateY":  # + turns to the character's left = + gaze yaw
                    gaze[:, _GAZE[f"{eye}Yaw"]] = angle
                else:  # + looks down = - gaze pitch
                    gaze[:, _GAZE[f"{eye}Pitch"]] = -angle
        return gaze

    def expression(self, board: np.ndarray) -> np.ndarray:
        """``(T, 52)`` ARKit weights in [0, 1] from ``board`` ``(T, 174)``; ``eyeLook*`` are 0 (they are the gaze).

        A control at a limit its shapes can push it past may have been clipped there, so it asks the fit only to
        reach at least that far (a censored target, `BoxLeastSquares`).
        """
        board_map = self.mapping.board_map
        board = np.clip(np.asarray(board, dtype=np.float64), board_map.low, board_map.high)
        offset = board - board_map.rest
        at_high = board >= board_map.high - _AT_LIMIT
        at_low = board <= board_map.low + _AT_LIMIT
        expression = np.zeros((len(board), len(ARKIT_NAMES)))
        for group in self.groups:
            channels = group.channels
            side = (np.where(at_high[:, channels] & group.over_high, 1, 0)
                    - np.where(at_low[:, channels] & group.under_low, 1, 0))
            expression[:, group.shapes] = group.solver.solve(offset[:, channels], side)
        return expression
