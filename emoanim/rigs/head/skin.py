"""The skin mesh: a latitude-longitude grid of rays from inside the head, cast onto the sculpt (sculpt.py).

Rows are elevations, columns azimuths (0 = straight ahead, + towards the character's left), denser over the face.
Three rows are cut into slits so that the face can open: the lip line (upper and lower lip are separate vertex
rows that meet at rest), and one lid line per eye. Each slit row has a second copy of its inner vertices that the
faces below it use; the corners are shared. Behind each lip edge two extra rows turn inwards (the lips' inner
surface), behind each lid edge one row turns towards the eyeball, so an opened mouth or eye shows no paper edge.

At rest the lids are open: they were cast closed, then rotated about the eye centre (`lid_rotation`), which keeps
them on the lid sphere. The same rotation, weighted the same way, authors the blink and the other lid shapes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scipy import sparse

from emoanim.rigs.head.relax import grid_neighbours, relax
from emoanim.rigs.head.sculpt import EYE_CENTERS, LID_RADIUS, MOUTH_Y, cast_rays

RAY_ORIGIN = np.array([0.0, -0.015, 0.005])
LID_CLOSED_DEG = -8.0  # where on the lid sphere the closed lids meet, degrees above the eye's horizontal
LID_CORNER_DEG = 56.0  # eye corners, degrees either side of the eye's axis on the lid sphere
UPPER_LID_OPEN_DEG = 30.0  # rest: upper lid edge 22 deg up, just over the top of the iris (iris radius ~30 deg)
LOWER_LID_OPEN_DEG = -19.0  # rest: lower lid edge 27 deg down, at the bottom of the iris
UPPER_LID_REACH_DEG = 14.0  # ray elevation over which a lid rotation fades out towards the brow
LOWER_LID_REACH_DEG = 10.0
MOUTH_HALF_WIDTH = 0.0245  # metres from the midline to each lip corner (adult mouth ~5 cm)
LID_RELAX_ROUNDS = 60  # neighbour-averaging rounds that smooth the lid-rotation field (about 8 grid cells)
INNER_LIP_STEP = np.array([[0.0, 0.0018, -0.0040], [0.0, -0.0010, -0.0040]])  # per inner row: upper, lower lip

SKIN = np.array([226, 178, 152, 255])
LIP = np.array([190, 100, 98, 255])
INNER_LIP = np.array([150, 62, 62, 255])
LID_RIM = np.array([200, 130, 125, 255])
BROW = np.array([92, 64, 48, 255])

KIND_SURFACE, KIND_INNER_LIP, KIND_INNER_LID = 0, 1, 2


@dataclass
class Skin:
    """Skin vertices ``(V, 3)``, faces ``(F, 3)``, colours ``(V, 4)`` and what shapes.py needs to know per vertex.

    ``theta``/``phi`` ``(V,)`` are the grid's ray angles in degrees (copied to slit copies and inner rows);
    ``mouth_side`` is +1 above the lip line, -1 below and 0 on it beyond the corners; ``lid_side`` ``(V, 2)`` the
    same for each eye's lid line; ``mouth_u`` and ``lid_u`` ``(V, 2)`` give the position along a slit from -1 to 1
    (|u| > 1 beyond the corners); ``kind`` tells surface from inner rows.
    """

    vertices: np.ndarray
    faces: np.ndarray
    colors: np.ndarray
    theta: np.ndarray
    phi: np.ndarray
    mouth_side: np.ndarray
    lid_side: np.ndarray
    mouth_u: np.ndarray
    lid_u: np.ndarray
    kind: np.ndarray
    grid: np.ndarray  # (rows, cols) vertex index of each grid point (upper copy on slit rows); -1 at poles
    lower_copy: dict[tuple[int, int], int]  # (row, col) -> the lower copy's index on slit rows
    rows_deg: np.ndarray
    cols_deg: np.ndarray
    mouth_row: int
    eye_row: int
    neighbours: sparse.csr_matrix | None = None  # grid adjacency for relax.relax (set once the rows are final)


def _samples(start: float, stop: float, spacing, exact: list[float]) -> np.ndarray:
    """Descending/ascending samples from ``start`` to ``stop`` with ``spacing(x)`` degrees apart, ``exact`` kept."""
    values, x, sign = [start], start, np.sign(stop - start)
    while (stop - x) * sign > 1e-9:
        x = x + sign * spacing(x)
        values.append(stop if (x - stop) * sign > -0.3 * spacing(x) else x)
        x = values[-1]
    values = np.array(values)
    for e in exact:
        near = np.argmin(np.abs(values - e))
        values[near] = e
    return values


def _elevation_of(point: np.ndarray) -> float:
    d = point - RAY_ORIGIN
    return float(np.degrees(np.arctan2(d[1], np.hypot(d[0], d[2]))))


def _azimuth_of(point: np.ndarray) -> float:
    d = point - RAY_ORIGIN
    return float(np.degrees(np.arctan2(d[0], d[2])))


def lid_point(eye: int, along_deg: float, up_deg: float, radius: float = LID_RADIUS) -> np.ndarray:
    """A point on eye ``eye``'s lid sphere, ``along_deg`` towards +x and ``up_deg`` above its horizontal."""
    a, b = np.radians(along_deg), np.radians(up_deg)
    return EYE_CENTERS[eye] + radius * np.array([np.sin(a) * np.cos(b), np.sin(b), np.cos(a) * np.cos(b)])


def grid_angles() -> tuple[np.ndarray, np.ndarray, float, float]:
    """Row elevations (descending, poles excluded), column azimuths (periodic), the eye row and mouth row."""
    eye_row = _elevation_of(lid_point(0, 0.0, LID_CLOSED_DEG))
    mouth_row = _elevation_of(np.array([0.0, MOUTH_Y, 0.09]))

    def row_spacing(phi: float) -> float:
        # 1 degree (about 1.5 mm on the face) over the lids, the brows and the lips, where colour edges and slits
        # need it: at 1.6 degrees the brows' colour edge showed as stair steps.
        if eye_row - 9 < phi < eye_row + 24 or abs(phi - mouth_row) < 9:
            return 1.0
        return 1.6 if -64 < phi < 34 else 6.0

    rows = _samples(90.0, -90.0, row_spacing, [eye_row, mouth_row])[1:-1]

    def col_spacing(theta: float) -> float:
        return 1.6 if theta < 50 else (3.5 if theta < 80 else 9.0)

    half = _samples(0.0, 180.0, col_spacing, [])
    cols = np.concatenate([-half[::-1][:-1], half[1:-1]])  # 180 once, at the start; 0 in the middle
    return rows, cols, eye_row, mouth_row


def _slit_columns(cols: np.ndarray, lo_deg: float, hi_deg: float) -> tuple[int, int]:
    return int(np.argmin(np.abs(cols - lo_deg))), int(np.argmin(np.abs(cols - hi_deg)))


def build_skin() -> Skin:
    rows, cols, eye_phi, mouth_phi = grid_angles()
    n_rows, n_cols = len(rows), len(cols)
    theta, phi = np.meshgrid(np.radians(cols), np.radians(rows))
    directions = np.stack([np.cos(phi) * np.sin(theta), np.sin(phi), np.cos(phi) * np.cos(theta)], -1).reshape(-1, 3)
    poles = np.array([[0.0, 1.0, 0.0], [0.0, -1.0, 0.0]])
    all_dirs = np.concatenate([directions, poles])
    points = RAY_ORIGIN + all_dirs * cast_rays(RAY_ORIGIN, all_dirs)[:, None]

    grid = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    top, bottom = n_rows * n_cols, n_rows * n_cols + 1
    th = np.concatenate([np.repeat(cols[None], n_rows, 0).ravel(), [0.0, 0.0]])
    ph = np.concatenate([np.repeat(rows[:, None], n_cols, 1).ravel(), [90.0, -90.0]])

    mouth_row = int(np.argmin(np.abs(rows - mouth_phi)))
    eye_row = int(np.argmin(np.abs(rows - eye_phi)))
    corner = _azimuth_of(np.array([MOUTH_HALF_WIDTH, MOUTH_Y, 0.07]))
    slits = [("mouth", mouth_row, *_slit_columns(cols, -corner, corner))]
    for eye in range(2):
        a, b = (_azimuth_of(lid_point(eye, s * LID_CORNER_DEG, LID_CLOSED_DEG)) for s in (-1, 1))
        slits.append((f"eye{eye}", eye_row, *_slit_columns(cols, min(a, b), max(a, b))))

    # Duplicate the inner vertices of each slit row; faces below the row use the copies.
    lower_copy: dict[tuple[int, int], int] = {}
    extra_points, extra_th, extra_ph = [], [], []
    next_index = len(points)
    for _, row, j0, j1 in slits:
        for j in range(j0 + 1, j1):
            lower_copy[(row, j)] = next_index
            extra_points.append(points[grid[row, j]])
            extra_th.append(th[grid[row, j]])
            extra_ph.append(ph[grid[row, j]])
            next_index += 1
    points = np.concatenate([points, np.array(extra_points)])
    th, ph = np.concatenate([th, extra_th]), np.concatenate([ph, extra_ph])

    faces = []
    for r in range(n_rows - 1):
        upper = grid[r]
        lower_side_of_row = np.array([lower_copy.get((r, j), grid[r, j]) for j in range(n_cols)])
        below = grid[r + 1]
        for j in range(n_cols):
            k = (j + 1) % n_cols
            a, b, c, d = lower_side_of_row[j], lower_side_of_row[k], below[k], below[j]
            # Seen from outside (+ray), azimuth grows to the character's left and rows go down: a-d-c, a-c-b.
            faces += [(a, d, c), (a, c, b)]
    for j in range(n_cols):
        k = (j + 1) % n_cols
        faces.append((top, grid[0, j], grid[0, k]))
        faces.append((bottom, grid[-1, k], grid[-1, j]))
    faces = np.array(faces)

    count = len(points)
    mouth_side = np.sign(ph - mouth_phi)
    lid_side = np.repeat(np.sign(ph - eye_phi)[:, None], 2, 1)
    mouth_u = np.zeros(count)
    lid_u = np.zeros((count, 2))
    slit_rows = {}
    for name, row, j0, j1 in slits:
        span = (cols[j0], cols[j1])
        u = (2 * th - span[0] - span[1]) / (span[1] - span[0])
        if name == "mouth":
            mouth_u = u
            for j in range(j0 + 1, j1):
                mouth_side[grid[row, j]], mouth_side[lower_copy[(row, j)]] = 1.0, -1.0
        else:
            eye = int(name[-1])
            lid_u[:, eye] = u
            for j in range(j0 + 1, j1):
                lid_side[grid[row, j], eye], lid_side[lower_copy[(row, j)], eye] = 1.0, -1.0
        slit_rows[name] = (row, j0, j1)
    for eye in range(2):  # each eye's lid line only splits the face near that eye
        lid_side[(1 - 2 * eye) * points[:, 0] < 1e-6, eye] = 0.0

    kind = np.zeros(count, dtype=np.int8)
    skin = Skin(points, faces, np.zeros((count, 4)), th, ph, mouth_side, lid_side, mouth_u, lid_u, kind, grid,
                lower_copy, rows, cols, mouth_row, eye_row)
    _add_inner_rows(skin, slit_rows)
    skin.neighbours = grid_neighbours(skin.grid, skin.lower_copy, len(skin.vertices))
    for eye in range(2):
        angles = lid_opening_angles(skin, eye, UPPER_LID_OPEN_DEG, LOWER_LID_OPEN_DEG)
        skin.vertices = rotate_lids(skin.vertices, eye, angles)
    skin.faces = skin.faces[(skin.faces[:, 0] != skin.faces[:, 1]) & (skin.faces[:, 1] != skin.faces[:, 2])
                            & (skin.faces[:, 0] != skin.faces[:, 2])].astype(np.int32)
    skin.colors = skin_colors(skin)
    return skin


def _append(skin: Skin, points: np.ndarray, like: np.ndarray, kind: int) -> np.ndarray:
    """Add vertices ``points`` ``(N, 3)`` carrying the attributes of vertices ``like`` ``(N,)``; return indices."""
    start = len(skin.vertices)
    skin.vertices = np.concatenate([skin.vertices, points])
    for name in ("theta", "phi", "mouth_side", "lid_side", "mouth_u", "lid_u"):
        setattr(skin, name, np.concatenate([getattr(skin, name), getattr(skin, name)[like]]))
    skin.kind = np.concatenate([skin.kind, np.full(len(points), kind, dtype=np.int8)])
    return np.arange(start, start + len(points))


def _edge_rows(skin: Skin, row: int, j0: int, j1: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertex indices along a slit from corner to corner: the upper edge and the lower edge."""
    upper = np.array([skin.grid[row, j] for j in range(j0, j1 + 1)])
    lower = np.array([skin.lower_copy.get((row, j), skin.grid[row, j]) for j in range(j0, j1 + 1)])
    return upper, lower


def _strip(skin: Skin, edge: np.ndarray, inner: list[np.ndarray], outward_up: bool) -> None:
    """Quads from ``edge`` through each row of ``inner``, facing into the opening."""
    faces = []
    rows = [edge] + inner
    for a_row, b_row in zip(rows[:-1], rows[1:]):
        for j in range(len(edge) - 1):
            a, b, c, d = a_row[j], a_row[j + 1], b_row[j + 1], b_row[j]
            faces += [(a, b, c), (a, c, d)] if outward_up else [(a, c, b), (a, d, c)]
    skin.faces = np.concatenate([skin.faces, np.array(faces)])


def _add_inner_rows(skin: Skin, slit_rows: dict[str, tuple[int, int, int]]) -> None:
    row, j0, j1 = slit_rows["mouth"]
    for side, edge in enumerate(_edge_rows(skin, row, j0, j1)):
        depth = np.sqrt(np.clip(1 - skin.mouth_u[edge] ** 2, 0, 1))[:, None]  # pinches to nothing at the corners
        inner, previous = [], edge
        for k in (1, 2):
            points = skin.vertices[edge] + k * INNER_LIP_STEP[side] * depth
            new = _append(skin, points[1:-1], edge[1:-1], KIND_INNER_LIP)
            previous = np.concatenate([[edge[0]], new, [edge[-1]]])
            inner.append(previous)
        _strip(skin, edge, inner, outward_up=side == 1)
    for eye in range(2):
        row, j0, j1 = slit_rows[f"eye{eye}"]
        for side, edge in enumerate(_edge_rows(skin, row, j0, j1)):
            center = EYE_CENTERS[eye]
            toward = center - skin.vertices[edge[1:-1]]
            toward /= np.linalg.norm(toward, axis=1, keepdims=True)
            points = skin.vertices[edge[1:-1]] + toward * 0.0024  # just inside the eyeball's surface
            new = _append(skin, points, edge[1:-1], KIND_INNER_LID)
            _strip(skin, edge, [np.concatenate([[edge[0]], new, [edge[-1]]])], outward_up=side == 1)


def lid_opening_angles(skin: Skin, eye: int, upper_deg: float, lower_deg: float) -> np.ndarray:
    """``(V,)`` degrees to turn each vertex about eye ``eye``'s horizontal axis (+ = up) so that its lid edges turn
    by ``upper_deg``/``lower_deg`` at the middle, nothing at the corners, fading towards the brow and cheek."""
    u = skin.lid_u[:, eye]
    along = np.clip(1 - u**2, 0, 1) ** 0.6
    distance = np.abs(skin.phi - _eye_phi(skin))
    side = skin.lid_side[:, eye]
    upper = along * np.clip(1 - distance / UPPER_LID_REACH_DEG, 0, 1) ** 2 * (side > 0)
    lower = along * np.clip(1 - distance / LOWER_LID_REACH_DEG, 0, 1) ** 2 * (side < 0)
    angles = upper * upper_deg + lower * lower_deg
    if skin.neighbours is None:
        return angles
    # The product above has a kink where `along` reaches zero at the eye corners; relaxed over the grid it ramps
    # smoothly instead (relax.py). The lid edges, the eye row beyond the corners and the far field stay as authored.
    fixed = (side == 0) | (distance < 0.5) | (distance > UPPER_LID_REACH_DEG + 4) | (np.abs(u) > 2.2) \
        | (skin.kind != KIND_SURFACE)
    return relax(angles, skin.neighbours, fixed, LID_RELAX_ROUNDS)


def _eye_phi(skin: Skin) -> float:
    return float(skin.rows_deg[skin.eye_row])


def rotate_lids(vertices: np.ndarray, eye: int, angles_deg: np.ndarray, yaw_deg: np.ndarray | None = None) -> np.ndarray:
    """``vertices`` with each turned by ``angles_deg`` ``(V,)`` up about the eye centre's x axis (then by
    ``yaw_deg`` towards +x about its y axis)."""
    local = vertices - EYE_CENTERS[eye]
    a = np.radians(angles_deg)
    y = local[:, 1] * np.cos(a) + local[:, 2] * np.sin(a)
    z = -local[:, 1] * np.sin(a) + local[:, 2] * np.cos(a)
    x = local[:, 0]
    if yaw_deg is not None:
        b = np.radians(yaw_deg)
        x, z = x * np.cos(b) + z * np.sin(b), -x * np.sin(b) + z * np.cos(b)
    return np.stack([x, y, z], axis=1) + EYE_CENTERS[eye]


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def lip_weight(skin: Skin) -> np.ndarray:
    """``(V,)`` 1 on the lips' red, 0 on the skin around them, smooth in between (vermilion border)."""
    x, y = skin.vertices[:, 0], skin.vertices[:, 1]
    upper = (MOUTH_Y + 0.0075 + 0.0015 * np.cos(np.clip(x / MOUTH_HALF_WIDTH, -1, 1) * np.pi * 1.5)) - y
    lower = y - (MOUTH_Y - 0.0115)
    width = MOUTH_HALF_WIDTH + 0.001 - np.abs(x)
    inside = np.minimum(np.minimum(upper, lower), width * 0.5)
    return _smoothstep(-0.0008, 0.0008, inside) * (skin.vertices[:, 2] > 0.05)


def skin_colors(skin: Skin) -> np.ndarray:
    """``(V, 4)`` uint8 RGBA: skin, redder lips, darker inner lips and lid rims, brown brows."""
    colors = np.repeat(SKIN[None].astype(np.float64), len(skin.vertices), 0)
    lips = lip_weight(skin)[:, None]
    colors = colors * (1 - lips) + LIP * lips
    brow = brow_weight(skin)[:, None]
    colors = colors * (1 - brow) + BROW * brow
    colors[skin.kind == KIND_INNER_LIP] = INNER_LIP
    colors[skin.kind == KIND_INNER_LID] = LID_RIM
    return np.clip(np.round(colors), 0, 255).astype(np.uint8)


def brow_weight(skin: Skin) -> np.ndarray:
    """``(V,)`` 1 on the brows' hair, 0 off them: an arched band, full at the head and body, tapering to the tail.

    The edges fade over about 2 mm, more than the 1.5 mm grid spacing there, so they read as soft hair edges rather
    than as the grid's stair steps.
    """
    x, y, z = skin.vertices.T
    ax = np.abs(x)
    brow_line = 0.0215 + 0.006 * np.exp(-((ax - 0.033) / 0.014) ** 2) - 0.004 * ((ax - 0.033) / 0.02) ** 2
    # Half-thickness: 3.2 mm at the head (inner end), 1.3 mm at the tail.
    half = 0.0032 - 0.0019 * _smoothstep(0.016, 0.056, ax)
    across = _smoothstep(half + 0.0011, half - 0.0011, np.abs(y - brow_line))
    along = _smoothstep(0.0080, 0.0130, ax) * _smoothstep(0.0585, 0.0500, ax)
    return across * along * (z > 0.04)

