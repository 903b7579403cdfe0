"""The 52 ARKit blendshapes of the default head, authored per region as offsets at weight 1.

Each shape is a smooth displacement field over its own region (Gaussian or smoothstep falloffs, metres). The
motions follow the FACS action units Apple's shape names describe (Ekman & Friesen 1978; ARKit's
ARFaceAnchor.BlendShapeLocation docs): e.g. mouthSmile is AU12 (corner up and out), mouthStretch AU20, mouthPress
AU24, mouthFunnel AU22, mouthPucker AU18, eyeSquint AU7 (lower lid up), noseSneer AU9. Jaw shapes turn or slide the
lower face, lower teeth, tongue and the floor of the mouth about the jaw pivot; lid shapes turn the lids about the
eye centre (skin.rotate_lids) so they slide over the eyeball. Right-hand shapes are exact mirrors of the left ones.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES
from emoanim.rigs.head import skin as skin_mod
from emoanim.rigs.head.parts import TONGUE_CENTER, TONGUE_RADII
from emoanim.rigs.head.relax import relax
from emoanim.rigs.head.sculpt import JAW_PIVOT, MOUTH_Y
from emoanim.rigs.head.skin import KIND_SURFACE, Skin, lid_opening_angles, rotate_lids

JAW_OPEN_DEG = 17.0  # a wide-open jaw: ~3 cm between the incisors (adult maximum ~5 cm)
# Opening, the condyles glide forward onto the articular eminence as well as turning (Okeson, Management of
# Temporomandibular Disorders, ch. 1): without the glide the chin swings back into the throat.
JAW_GLIDE = np.array([0.0, -0.002, 0.007])  # metres at the full JAW_OPEN_DEG
JAW_RELAX_ROUNDS = 40  # neighbour-averaging rounds that smooth the jaw weight (relax.py)
TONGUE_OUT = 0.046  # metres the tongue tip moves forward
BLINK_MEET_DEG = -6.0  # closed lids meet this far below the line they were cast on: the upper lid does the work
LIP_REACH_DEG = 9.0  # ray elevation above/below the lip line that lip shapes reach (~1.5 cm)


@dataclass
class HeadGeometry:
    """All vertices ``(V, 3)`` in part order, with the per-part row slices and the skin's attributes."""

    vertices: np.ndarray
    slices: dict[str, slice]
    skin: Skin
    jaw_weight_inner: np.ndarray  # (V,) how much each non-skin vertex follows the jaw (0 for the skin rows)

    def rows(self, part: str) -> slice:
        return self.slices[part]


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def gaussian(points: np.ndarray, center, sigma) -> np.ndarray:
    """``(N,)`` exp(-|p - c|^2 / sigma^2) with per-axis ``sigma`` (metres)."""
    d = (points - np.asarray(center)) / np.asarray(sigma)
    return np.exp(-np.sum(d * d, axis=1))


def _rotate_about_x(points: np.ndarray, pivot: np.ndarray, degrees: float) -> np.ndarray:
    """``points`` turned about the x axis through ``pivot``; + turns +z towards -y (the jaw opening)."""
    a = np.radians(degrees)
    local = points - pivot
    y = local[:, 1] * np.cos(a) - local[:, 2] * np.sin(a)
    z = local[:, 1] * np.sin(a) + local[:, 2] * np.cos(a)
    return np.stack([local[:, 0], y, z], 1) + pivot


class ShapeAuthor:
    """Builds ``(52, V, 3)`` offsets for a `HeadGeometry`."""

    def __init__(self, geometry: HeadGeometry) -> None:
        self.g = geometry
        self.p = geometry.vertices.astype(np.float64)
        self.skin_rows = geometry.rows("skin")
        s = geometry.skin
        self.sp = self.p[self.skin_rows]
        self.corner = self._corner_point()
        self.lip_near = smoothstep(LIP_REACH_DEG, 0.0, np.abs(s.phi - s.rows_deg[s.mouth_row]))
        self.in_mouth = smoothstep(1.35, 0.9, np.abs(s.mouth_u)) * (self.sp[:, 2] > 0.04)
        self.lips = self.lip_near * self.in_mouth  # the lips and the skin just around them
        self.upper = (s.mouth_side > 0).astype(np.float64)
        self.lower = (s.mouth_side < 0).astype(np.float64)

    # -- helpers -------------------------------------------------------------------------------------------------
    def _corner_point(self) -> np.ndarray:
        s = self.g.skin
        row = s.grid[s.mouth_row]
        right_of_slit = [j for (r, j) in s.lower_copy if r == s.mouth_row]
        j1 = max(right_of_slit) + 1
        return self.sp[row[j1]]

    def skin_delta(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros_like(self.p)
        out[self.skin_rows] = values
        return out

    def left(self, x: np.ndarray, inner: float = -0.004, outer: float = 0.008) -> np.ndarray:
        """1 on the character's left half, fading to 0 across the midline."""
        return smoothstep(inner, outer, x)

    # -- jaw -----------------------------------------------------------------------------------------------------
    def jaw_weight(self) -> np.ndarray:
        """``(V,)`` how rigidly each vertex follows the jaw: lower lip, chin, jaw; lower teeth, tongue, mouth floor."""
        s = self.g.skin
        x, y, z = self.sp.T
        beyond = np.clip(np.abs(x) - abs(self.corner[0]), 0, None)
        line = MOUTH_Y + 0.9 * beyond  # the jaw's edge rises from the lip corners towards the ear
        width = 0.004 + 0.9 * beyond  # a broad fade over the cheek, so the jaw bends the skin, not shears it
        outside = smoothstep(-width, width, line - y)
        # The lower lip follows the jaw, the upper lip does not, except towards the corners, where both go about
        # halfway (the modiolus is tied to both): the lips' shear is spread over the last fifth of the mouth.
        corner_share = smoothstep(0.6, 1.0, np.abs(s.mouth_u))
        inside = self.lower * (1 - 0.5 * corner_share) + self.upper * 0.5 * corner_share
        blend = smoothstep(1.0, 0.75, np.abs(s.mouth_u)) * (np.abs(s.phi - s.rows_deg[s.mouth_row]) < 25)
        weight = outside * (1 - blend) + inside * blend
        # Nothing above the jaw joints (y = -0.022) or behind them moves; the throat fades out below the chin.
        weight *= smoothstep(-0.03, 0.03, z) * smoothstep(-0.002, -0.02, y)
        # Relaxed over the grid (relax.py): the corners and the cheeks bend smoothly instead of creasing. The lip
        # edges (which must part), the inner rows and the still skin above the joints and behind keep their values.
        on_slit = (s.mouth_side != 0) & (np.abs(s.phi - s.rows_deg[s.mouth_row]) < 0.01)
        fixed = on_slit | (s.kind != KIND_SURFACE) | (y > -0.004) | (z < -0.035)
        weight = np.clip(relax(weight, s.neighbours, fixed, JAW_RELAX_ROUNDS), 0.0, 1.0)
        # The throat fades out below the chin by height alone, so it stretches evenly instead of creasing.
        weight *= smoothstep(-0.165, -0.124, y)
        full = self.g.jaw_weight_inner.copy()
        full[self.skin_rows] = weight
        return full

    def jaw_open(self, degrees: float = JAW_OPEN_DEG) -> np.ndarray:
        w = self.jaw_weight()
        glide = JAW_GLIDE * degrees / JAW_OPEN_DEG
        return w[:, None] * (_rotate_about_x(self.p, JAW_PIVOT, degrees) - self.p + glide)

    # -- lids ----------------------------------------------------------------------------------------------------
    def lids(self, eye: int, upper_deg: float, lower_deg: float, yaw_deg: float = 0.0) -> np.ndarray:
        s = self.g.skin
        angles = lid_opening_angles(s, eye, upper_deg, lower_deg)
        yaw = None
        if yaw_deg:
            yaw = lid_opening_angles(s, eye, 1.0, 1.0) * yaw_deg
        return self.skin_delta(rotate_lids(self.sp, eye, angles, yaw) - self.sp)

    # -- lip shapes ----------------------------------------------------------------------------------------------
    def _towards_midline(self, fraction: float) -> np.ndarray:
        """``(Vs, 3)`` offsets drawing the mouth's width in by ``fraction`` at the middle (the corners move in by
        about two thirds of that share of their distance). x scales by ``1 - fraction * w`` with ``w`` a Gaussian of
        x, which never folds the skin for ``fraction`` < 1 (d(x') / dx = 1 - fraction * w * (1 - 2x²/σ²) > 0)."""
        x, y, z = self.sp.T
        w = gaussian(self.sp, [0.0, MOUTH_Y, 0.09], [0.040, 0.022, 0.05]) * smoothstep(0.03, 0.055, z)
        return np.stack([-fraction * w * x, np.zeros_like(x), np.zeros_like(x)], 1)

    def _lip_profile(self) -> tuple[np.ndarray, np.ndarray]:
        """``(Vs,)`` height above (+) or below (-) the lip line at rest, metres, and ``(Vs,)`` 1 near the slit's
        middle fading to 0 at the corners and beyond (so upper-only or lower-only motion cannot tear the corner)."""
        s = self.g.skin
        return self.sp[:, 1] - MOUTH_Y, smoothstep(1.02, 0.7, np.abs(s.mouth_u))

    def _funnel(self) -> np.ndarray:
        """AU22: the lips flare out and forwards into an 'O': corners in, the middle of the slit opens round, the
        lip edges turn outwards (up and forwards on the upper lip, down and forwards on the lower)."""
        s = self.g.skin
        height, middle = self._lip_profile()
        out = self._towards_midline(0.34)
        forward = gaussian(self.sp, [0.0, MOUTH_Y, 0.09], [0.024, 0.016, 0.04]) * smoothstep(0.03, 0.055, self.sp[:, 2])
        out[:, 2] += 0.0085 * forward
        # The opening: an ellipse over the middle 60 % of the rest width (about 2 cm once the corners are in).
        ring = np.clip(1 - (s.mouth_u / 0.62) ** 2, 0, 1) ** 0.5
        near_edge = smoothstep(0.010, 0.0, np.abs(height))  # the red turns about its outer border
        out[:, 1] += ring * near_edge * (0.0050 * self.upper - 0.0065 * self.lower)
        out[:, 2] += ring * near_edge * 0.0030 * middle  # everted edges stand forwards of the border
        return out

    def _pucker(self) -> np.ndarray:
        """AU18: the lips pushed forwards and drawn together into a small closed bunch: corners far in, the red
        pinched a little taller-than-wide, the skin around pushed forwards with them."""
        height, _ = self._lip_profile()
        out = self._towards_midline(0.52)
        z = self.sp[:, 2]
        forward = gaussian(self.sp, [0.0, MOUTH_Y, 0.09], [0.020, 0.015, 0.04]) * smoothstep(0.03, 0.055, z)
        around = gaussian(self.sp, [0.0, MOUTH_Y, 0.09], [0.032, 0.024, 0.05]) * smoothstep(0.03, 0.055, z)
        out[:, 2] += 0.0090 * forward + 0.0030 * around
        # Pinch: the red bunches towards the lip line at the sides, so the lips look fuller in the middle.
        side = smoothstep(0.3, 0.9, np.abs(self.g.skin.mouth_u))
        out[:, 1] += -0.25 * height * side * smoothstep(0.012, 0.004, np.abs(height)) * self.lips
        return out

    def _roll(self, upper: bool) -> np.ndarray:
        """AU28: one lip's red rolls in over the teeth: its outer border comes down (up) to the lip line and the red
        tucks back, so from the front that lip all but disappears."""
        height, middle = self._lip_profile()
        side = self.upper if upper else self.lower
        h = height if upper else -height  # distance from the lip line into this lip, >= 0 on it
        roll = side * middle * smoothstep(0.017, 0.006, h) * (self.sp[:, 2] > 0.04)
        out = np.zeros_like(self.sp)
        out[:, 1] = -np.sign(height) * 0.80 * h * roll
        out[:, 2] = -0.0060 * roll * smoothstep(-0.002, 0.004, h)
        return out

    # -- the shapes (left-hand versions; right-hand ones are mirrored) ---------------------------------------------
    def author_left(self) -> dict[str, np.ndarray]:
        s, sp = self.g.skin, self.sp
        x, y, z = sp.T
        L = self.left(x)
        corner = self.corner
        shapes: dict[str, np.ndarray] = {}
        zeros = np.zeros_like(sp)

        def field(weight: np.ndarray, vector) -> np.ndarray:
            return weight[:, None] * np.asarray(vector, dtype=np.float64)

        brow_y = 0.0215 + 0.006 * np.exp(-((np.abs(x) - 0.033) / 0.014) ** 2)
        brow = np.exp(-((y - brow_y) / 0.011) ** 2) * smoothstep(0.045, 0.065, z) * smoothstep(0.004, 0.012, y)
        inner_brow = brow * np.exp(-((np.abs(x) - 0.016) / 0.010) ** 2)
        outer_brow = brow * np.exp(-((np.abs(x) - 0.046) / 0.012) ** 2)
        whole_brow = brow * smoothstep(0.004, 0.012, np.abs(x)) * smoothstep(0.064, 0.052, np.abs(x))

        # AU4: the whole brow comes down and its head is drawn in towards the nose, bunching the skin between.
        shapes["browDownLeft"] = field(whole_brow * L, [-0.0020, -0.0065, -0.0010]) \
            + field(inner_brow * L, [-0.0035, -0.0025, 0.0010])
        shapes["browInnerUp"] = field(inner_brow, [0.0, 0.0065, 0.0005]) \
            + field(brow * np.exp(-(x / 0.02) ** 2), [0.0, 0.0020, 0.0])
        shapes["browOuterUpLeft"] = field(outer_brow * L, [0.0, 0.0065, 0.0])

        # Air in the cheeks: the lower cheeks balloon out sideways and forwards (about 1.5 cm at the fullest), the
        # skin around the closed lips swells forwards a little.
        cheek_l = gaussian(sp, [0.040, -0.066, 0.058], [0.020, 0.017, 0.032])
        cheek_r = gaussian(sp, [-0.040, -0.066, 0.058], [0.020, 0.017, 0.032])
        outward = np.stack([np.sign(x), -0.1 * np.ones_like(x), 0.55 * np.ones_like(x)], 1)
        outward /= np.linalg.norm(outward, axis=1, keepdims=True)
        around_lips = gaussian(sp, [0.0, MOUTH_Y, 0.085], [0.022, 0.016, 0.03])
        shapes["cheekPuff"] = (cheek_l + cheek_r)[:, None] * outward * 0.015 + field(around_lips, [0, 0, 0.003])

        under_eye = gaussian(sp, [0.036, -0.020, 0.068], [0.016, 0.011, 0.030]) * L
        shapes["cheekSquintLeft"] = field(under_eye, [0.0005, 0.0035, 0.0012])[:, :] \
            + self.lids(0, 0.0, 4.0)[self.skin_rows]

        shapes["eyeBlinkLeft"] = self._blink(0)[self.skin_rows]
        shapes["eyeSquintLeft"] = (self.lids(0, -5.0, 11.0)[self.skin_rows]
                                   + field(under_eye, [0.0, 0.0015, 0.0005]))
        shapes["eyeWideLeft"] = self.lids(0, 9.0, -3.0)[self.skin_rows] + field(whole_brow * L, [0, 0.0015, 0])
        # Lids follow the eye a little (eyeLook* are small deltas; the eyeball turns through gaze).
        shapes["eyeLookUpLeft"] = self.lids(0, 7.0, 4.0)[self.skin_rows]
        shapes["eyeLookDownLeft"] = self.lids(0, -13.0, -5.0)[self.skin_rows]
        shapes["eyeLookOutLeft"] = self.lids(0, 0.0, 0.0, yaw_deg=5.0)[self.skin_rows]
        shapes["eyeLookInLeft"] = self.lids(0, 0.0, 0.0, yaw_deg=-5.0)[self.skin_rows]

        near_corner = gaussian(sp, corner, [0.012, 0.012, 0.020]) * L
        wide_corner = gaussian(sp, corner, [0.020, 0.016, 0.030]) * L
        cheek_raise = gaussian(sp, [0.040, -0.035, 0.068], [0.016, 0.014, 0.030]) * L
        shapes["mouthSmileLeft"] = field(near_corner, [0.0070, 0.0065, -0.0035]) \
            + field(cheek_raise, [0.0010, 0.0030, 0.0015])
        shapes["mouthFrownLeft"] = field(near_corner, [0.0015, -0.0070, -0.0005])
        shapes["mouthStretchLeft"] = field(wide_corner, [0.0080, -0.0025, -0.0030]) \
            + field(self.lips * L * smoothstep(0.0, 0.02, x), [0.0, 0.0, -0.0010])
        shapes["mouthDimpleLeft"] = field(near_corner, [0.0025, 0.0005, -0.0060])

        to_line = MOUTH_Y - y
        lip_side = self.lips * smoothstep(-0.006, 0.012, x)
        shapes["mouthPressLeft"] = field(lip_side, [0, 0, -0.0012]) \
            + np.stack([zeros[:, 0], 0.45 * to_line * lip_side * smoothstep(0.016, 0.006, np.abs(to_line)),
                        zeros[:, 2]], 1)
        one_side = gaussian(sp, [0.013, MOUTH_Y, 0.08], [0.015, 1.0, 1.0]) * smoothstep(-0.008, 0.006, x)
        upper_lip_side = self.upper * self.lips * one_side
        lower_lip_side = self.lower * self.lips * one_side
        shapes["mouthUpperUpLeft"] = field(upper_lip_side, [0.0, 0.0060, 0.0010])
        shapes["mouthLowerDownLeft"] = field(lower_lip_side, [0.0, -0.0065, 0.0005])

        mouth_area = gaussian(sp, [0.0, MOUTH_Y - 0.002, 0.08], [0.026, 0.016, 0.04])
        shapes["mouthLeft"] = field(mouth_area, [0.0080, 0.0, -0.0005])

        nose_side = gaussian(sp, [0.013, -0.028, 0.085], [0.008, 0.010, 0.03]) * L
        shapes["noseSneerLeft"] = field(nose_side, [0.0008, 0.0040, 0.0008]) \
            + field(inner_brow * L, [0.0, -0.0020, 0.0]) + field(upper_lip_side * 0.5, [0.0, 0.0015, 0.0])
        return {name: (self.skin_delta(d) if len(d) == len(sp) else d) for name, d in shapes.items()}

    def _blink(self, eye: int) -> np.ndarray:
        """Upper lid down to meet a slightly raised lower lid over the eyeball: closed below the eye's middle."""
        meet = BLINK_MEET_DEG
        return self.lids(eye, -skin_mod.UPPER_LID_OPEN_DEG + meet, -skin_mod.LOWER_LID_OPEN_DEG + meet)

    def author_central(self) -> dict[str, np.ndarray]:
        """Shapes that are their own mirror image, and the jaw/tongue shapes that also move the inner parts."""
        s, sp = self.g.skin, self.sp
        x, y, z = sp.T
        shapes: dict[str, np.ndarray] = {}

        def field(weight: np.ndarray, vector) -> np.ndarray:
            return self.skin_delta(weight[:, None] * np.asarray(vector, dtype=np.float64))

        jaw = self.jaw_weight()
        shapes["jawOpen"] = self.jaw_open()
        shapes["jawForward"] = jaw[:, None] * np.array([0.0, -0.0005, 0.0060])
        shapes["jawLeft"] = jaw[:, None] * np.array([0.0070, 0.0, 0.0])

        # mouthClose: against an open jaw, the lips meet halfway across the jaw's lip gap.
        open_delta = shapes["jawOpen"][self.skin_rows]
        row = s.mouth_row
        slit = sorted(j for (r, j) in s.lower_copy if r == row)
        gap = np.array([open_delta[s.lower_copy[(row, j)]] - open_delta[s.grid[row, j]] for j in slit])
        columns = s.cols_deg[slit]
        gap_here = np.stack([np.interp(s.theta, columns, gap[:, k], left=0, right=0) for k in range(3)], 1)
        reach = self.lip_near[:, None]
        shapes["mouthClose"] = self.skin_delta(0.5 * gap_here * reach * (self.upper - self.lower)[:, None])

        shapes["mouthFunnel"] = self.skin_delta(self._funnel())
        shapes["mouthPucker"] = self.skin_delta(self._pucker())
        shapes["mouthRollUpper"] = self.skin_delta(self._roll(upper=True))
        shapes["mouthRollLower"] = self.skin_delta(self._roll(upper=False))
        chin = gaussian(sp, [0.0, -0.098, 0.07], [0.022, 0.018, 0.04])
        shapes["mouthShrugLower"] = field(self.lower * self.lips, [0, 0.0035, 0.0020]) + field(chin, [0, 0.0025,
                                                                                                         0.0020])
        shapes["mouthShrugUpper"] = field(self.upper * self.lips, [0, 0.0030, 0.0020])

        # tongueOut: the tongue slides out over the lower lip, which the jaw lowers a little to let it through.
        tongue = self.g.rows("tongue")
        tp = self.p[tongue]
        front = smoothstep(TONGUE_CENTER[2] - TONGUE_RADII[2], TONGUE_CENTER[2] + TONGUE_RADII[2], tp[:, 2]) ** 1.5
        tongue_out = self.jaw_open(JAW_OPEN_DEG * 0.4)
        slide = np.zeros_like(tp)
        slide[:, 2] = TONGUE_OUT * front
        # Up onto the lower lip, a little thinner and narrower as it comes out.
        slide[:, 1] = 0.007 * front - 0.2 * (tp[:, 1] - TONGUE_CENTER[1]) * front
        slide[:, 0] = -0.25 * (tp[:, 0] - TONGUE_CENTER[0]) * front  # and narrower
        tongue_out[tongue] += slide
        shapes["tongueOut"] = tongue_out
        return shapes




class CavityFollower:
    """Carries the mouth cavity's front rim along with the lips and the skin around them.

    The cavity's rim sits just inside the lip corners; a shape that draws the corners in (pucker, funnel), rolls
    the lips or slides the mouth sideways would otherwise leave the rim poking through the skin beside the mouth.
    Each rim vertex takes the inverse-distance-weighted offset of the nearest skin vertices around the mouth,
    fading into the vertex's own offset (the jaw's, or none) towards the back of the mouth.
    """

    NEIGHBOURS = 8
    FRONT = (0.050, 0.072)  # metres of z over which the cavity goes from its own offset to the skin's

    def __init__(self, geometry: HeadGeometry) -> None:
        skin_rows = geometry.rows("skin")
        cavity = geometry.rows("mouth_cavity")
        sp = geometry.vertices[skin_rows]
        near_mouth = (np.abs(sp[:, 0]) < 0.05) & (np.abs(sp[:, 1] - MOUTH_Y) < 0.035) & (sp[:, 2] > 0.04)
        self.sources = np.arange(skin_rows.start, skin_rows.stop)[near_mouth]
        cp = geometry.vertices[cavity]
        distance, index = cKDTree(geometry.vertices[self.sources]).query(cp, self.NEIGHBOURS)
        weights = 1.0 / (distance + 0.002)
        self.index = index
        self.weights = weights / weights.sum(axis=1, keepdims=True)
        self.front = smoothstep(*self.FRONT, cp[:, 2])
        self.rows = cavity

    def __call__(self, delta: np.ndarray) -> np.ndarray:
        """``delta`` ``(V, 3)`` with the cavity's rows blended towards the skin's offsets around the mouth."""
        skin_offsets = delta[self.sources][self.index]  # (Vc, K, 3)
        followed = np.einsum("vk,vkc->vc", self.weights, skin_offsets)
        out = delta.copy()
        own = out[self.rows]
        out[self.rows] = own * (1 - self.front[:, None]) + followed * self.front[:, None]
        return out


def mirror_map(geometry: HeadGeometry) -> np.ndarray:
    """``(V,)`` index of each vertex's mirror image across x = 0 (upper lip copies to upper, left lid to right)."""
    s = geometry.skin
    p = geometry.vertices.astype(np.float64)
    tag = np.zeros((len(p), 4))
    rows = geometry.rows("skin")
    tag[rows, 0] = s.mouth_side
    tag[rows, 1:3] = s.lid_side
    tag[rows, 3] = s.kind
    mirrored_tag = tag[:, [0, 2, 1, 3]]
    tree = cKDTree(np.concatenate([p, tag], 1))
    distance, index = tree.query(np.concatenate([p * [-1, 1, 1], mirrored_tag], 1))
    if distance.max() > 1e-5:
        raise RuntimeError(f"the head is not mirror-symmetric (worst vertex off by {distance.max():.2e} m)")
    return index


def author_shapes(geometry: HeadGeometry) -> np.ndarray:
    """``(52, V, 3)`` float32 offsets in `ARKIT_NAMES` order."""
    author = ShapeAuthor(geometry)
    shapes = author.author_central()
    mirror = mirror_map(geometry)
    flip = np.array([-1.0, 1.0, 1.0])
    shapes.update(author.author_left())
    follow = CavityFollower(geometry)
    shapes = {name: follow(delta) for name, delta in shapes.items()}
    for name in [n for n in shapes if n.endswith("Left")]:
        shapes[name[: -len("Left")] + "Right"] = shapes[name][mirror] * flip
    missing = set(ARKIT_NAMES) - set(shapes)
    if missing:
        raise RuntimeError(f"shapes not authored: {sorted(missing)}")
    deltas = np.zeros((len(ARKIT_NAMES), len(geometry.vertices), 3), dtype=np.float32)
    for name, delta in shapes.items():
        deltas[ARKIT_INDEX[name]] = delta
    # Offsets below a micrometre are noise from far falloff tails: zero them so regions stay clean and data small.
    deltas[np.abs(deltas) < 1e-6] = 0.0
    return deltas
