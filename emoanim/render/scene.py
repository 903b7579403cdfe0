"""An offscreen pyrender scene for a posed head, built once and re-used for every frame.

Only vertices move between frames: each part's interleaved vertex buffer (position, normal, colour) is rewritten
in place with ``glBufferSubData``, so no mesh, VAO, shader or framebuffer is rebuilt per frame. The forward pass
uses this package's own light-weight shader (shaders/mesh.vert, mesh.frag) instead of pyrender's PBR one: on Mesa's
software rasteriser that took a 10k-vertex 512² frame from about 39 ms to 15 ms (benchmarks/render_speed.py).

Coordinates are the default head's: metres, +x the character's left, +y up, +z out of the face.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Protocol, Sequence

import numpy as np
from scipy import sparse

from emoanim.errors import InputError
from emoanim.render.gl import SHADER_DIR, load_pyrender


class MeshPart(Protocol):
    """What the scene needs of a part; `emoanim.rigs.head.HeadPart` is one."""

    name: str
    vertices: np.ndarray  # (Vp, 3) float32, metres, rest pose
    faces: np.ndarray  # (Fp, 3) int32, counter-clockwise seen from outside
    colors: np.ndarray  # (Vp, 4) uint8 RGBA


@dataclass(frozen=True)
class View:
    """A camera preset: where the camera sits around the head, looking at its centre."""

    name: str
    yaw_deg: float  # around +y, towards the character's left (+x); 0 = straight in front
    pitch_deg: float  # above the eye line


VIEWS: dict[str, View] = {
    "front": View("front", 0.0, 4.0),
    "three-quarter": View("three-quarter", 35.0, 8.0),  # the portrait photographer's classic angle
    "profile": View("profile", 90.0, 4.0),
}
DEFAULT_VIEW = "three-quarter"
DEFAULT_SIZE = 512  # pixels, square
MIN_SIZE, MAX_SIZE = 16, 4096
VERTICAL_FOV_DEG = 24.0  # a short-telephoto portrait lens; wider angles bulge the nose
FRAMING_MARGIN = 1.1  # room around the head's largest half-extent
BACKGROUND_RGBA = (0.16, 0.17, 0.19, 1.0)
AMBIENT = 0.10  # linear; keeps the unlit side from going black
# Soft three-point light, directions in the camera's frame (x right, y up, z towards the viewer), linear intensities:
# a key above and to one side, a fill on the other side at about a third of the key (a classic 3:1 ratio), and a rim
# from behind that outlines the head against the background.
LIGHTS = (
    ("key", (-0.55, 0.55, 0.63), 1.0),
    ("fill", (0.75, 0.05, 0.65), 0.35),
    ("rim", (0.35, 0.45, -0.82), 0.6),
)
BUFFER_COLUMNS = 10  # pyrender's interleaved vertex layout here: position 3, normal 3, colour 4
SKIN_ROUGHNESS = 0.6  # broad, dull highlight; glossy parts (eyes, teeth, tongue) get GLOSSY_ROUGHNESS
GLOSSY_ROUGHNESS = 0.15
GLOSSY_PART_WORDS = ("eye", "cornea", "teeth", "tooth", "tongue")


def check_size(size: int) -> int:
    """Validate a square frame size in pixels: even (yuv420p video halves chroma) and within limits."""
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool):
        raise InputError(f"video size must be a whole number of pixels, got {size!r}", hint="e.g. --size 512")
    if not MIN_SIZE <= size <= MAX_SIZE or size % 2:
        raise InputError(f"video size {size} is not an even number of pixels in {MIN_SIZE}..{MAX_SIZE}",
                         hint="e.g. --size 512")
    return int(size)


def get_view(name: str) -> View:
    if name not in VIEWS:
        raise InputError(f"unknown view {name!r}", hint="choose one of " + ", ".join(VIEWS))
    return VIEWS[name]


def _look_at(eye: np.ndarray, target: np.ndarray, up=(0.0, 1.0, 0.0)) -> np.ndarray:
    """A 4×4 camera-to-world pose with the camera's -z towards ``target`` (OpenGL convention)."""
    back = eye - target
    back /= np.linalg.norm(back)
    right = np.cross(up, back)
    right /= np.linalg.norm(right)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, np.cross(back, right), back, eye
    return pose


def camera_pose(view: View, centre: np.ndarray, distance: float) -> np.ndarray:
    yaw, pitch = np.radians(view.yaw_deg), np.radians(view.pitch_deg)
    offset = np.array([np.sin(yaw) * np.cos(pitch), np.sin(pitch), np.cos(yaw) * np.cos(pitch)])
    return _look_at(centre + distance * offset, centre)


def light_pose(camera: np.ndarray, towards_light_in_camera: Sequence[float]) -> np.ndarray:
    """Pose of a directional light that shines from ``towards_light_in_camera`` (camera frame) onto the head."""
    towards = camera[:3, :3] @ np.asarray(towards_light_in_camera, float)
    towards /= np.linalg.norm(towards)
    # pyrender lights shine along their local -z, so local +z points back at the light.
    helper = np.array([0.0, 1.0, 0.0]) if abs(towards[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    x = np.cross(helper, towards)
    x /= np.linalg.norm(x)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2] = x, np.cross(towards, x), towards
    return pose


def vertex_normal_operator(faces: np.ndarray, vertex_count: int) -> sparse.csr_matrix:
    """``(V, F)`` 0/1 matrix: multiplied by un-normalised face normals it gives area-weighted vertex normals."""
    rows = faces.reshape(-1)
    cols = np.repeat(np.arange(len(faces)), 3)
    return sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(vertex_count, len(faces)))


def vertex_normals(vertices: np.ndarray, faces: np.ndarray, operator: sparse.csr_matrix) -> np.ndarray:
    """``(V, 3)`` unit smooth normals of ``vertices`` (V, 3); isolated vertices get +z."""
    v0, v1, v2 = vertices[faces[:, 0]], vertices[faces[:, 1]], vertices[faces[:, 2]]
    summed = operator @ np.cross(v1 - v0, v2 - v0)
    length = np.linalg.norm(summed, axis=1, keepdims=True)
    out = np.divide(summed, length, out=np.zeros_like(summed), where=length > 0)
    out[length[:, 0] == 0] = (0.0, 0.0, 1.0)
    return out


class MergedMesh:
    """Every part in one pyrender primitive: one vertex buffer, one index buffer, one draw call per frame.

    One draw instead of one per part matters on a software rasteriser: pyrender spends about 1 ms of Python and GL
    set-up per primitive, so the 7-part default head drew in ~25 ms as parts and ~12 ms merged (512², OSMesa).
    Parts keep their own slices of the buffer. The colour's alpha carries each part's roughness to the shader
    (the preview draws everything opaque, so alpha is otherwise unused).
    """

    def __init__(self, pyrender, parts: Sequence[MeshPart]):
        self.slices: dict[str, slice] = {}
        faces, colors, start = [], [], 0
        for part in parts:
            vertices, part_faces = np.asarray(part.vertices), np.asarray(part.faces)
            if vertices.ndim != 2 or vertices.shape[1] != 3 or part_faces.ndim != 2 or part_faces.shape[1] != 3:
                raise ValueError(f"part {part.name!r}: vertices must be (V, 3) and faces (F, 3)")
            if np.asarray(part.colors).shape != (len(vertices), 4):
                raise ValueError(f"part {part.name!r}: colors {np.shape(part.colors)} must be ({len(vertices)}, 4)")
            if part.name in self.slices:
                raise ValueError(f"part name {part.name!r} is used twice")
            self.slices[part.name] = slice(start, start + len(vertices))
            faces.append(part_faces.astype(np.int64) + start)
            rgba = np.asarray(part.colors, np.float32) / 255.0
            glossy = any(word in part.name.lower() for word in GLOSSY_PART_WORDS)
            rgba[:, 3] = GLOSSY_ROUGHNESS if glossy else SKIN_ROUGHNESS
            colors.append(rgba)
            start += len(vertices)
        self.faces = np.concatenate(faces).astype(np.int32)
        self.operator = vertex_normal_operator(self.faces, start)
        self.interleaved = np.empty((start, BUFFER_COLUMNS), np.float32)
        self.interleaved[:, 6:10] = np.concatenate(colors)
        self.interleaved[:, 0:3] = np.concatenate([np.asarray(p.vertices, np.float32) for p in parts])
        self.interleaved[:, 3:6] = vertex_normals(self.interleaved[:, 0:3], self.faces, self.operator)
        # Double-sided: thin parts (lids, inner lips) and any face wound the wrong way still draw; the shader turns
        # a back face's normal towards the viewer. It cost no measurable time here (early depth test).
        # baseColorFactor in floats: pyrender reads an integer colour as 0..255.
        material = pyrender.MetallicRoughnessMaterial(baseColorFactor=(1.0, 1.0, 1.0, 1.0), metallicFactor=0.0,
                                                      doubleSided=True)
        self.primitive = pyrender.Primitive(
            positions=self.interleaved[:, 0:3], normals=self.interleaved[:, 3:6],
            color_0=self.interleaved[:, 6:10], indices=self.faces, material=material,
        )

    def update(self, vertices: Mapping[str, np.ndarray]) -> None:
        """Move the named parts (``(Vp, 3)`` metres each) and recompute normals, on the CPU copy."""
        for name, positions in vertices.items():
            rows = self.slices.get(name)
            if rows is None:
                raise ValueError(f"unknown part {name!r}; the scene has {sorted(self.slices)}")
            positions = np.asarray(positions)
            if positions.shape != (rows.stop - rows.start, 3):
                raise ValueError(f"part {name!r}: got vertices {positions.shape}, "
                                 f"expected ({rows.stop - rows.start}, 3)")
            self.interleaved[rows, 0:3] = positions
        self.interleaved[:, 3:6] = vertex_normals(self.interleaved[:, 0:3], self.faces, self.operator)

    def upload(self, gl) -> None:
        """Rewrite the GPU vertex buffer in place from the CPU copy; the GL context must be current."""
        # pyrender's Primitive keeps [vertex buffer, instance-matrix buffer, index buffer] in _buffers (0.1.45).
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.primitive._buffers[0])
        gl.glBufferSubData(gl.GL_ARRAY_BUFFER, 0, self.interleaved.nbytes, self.interleaved)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, 0)


def framing(parts: Sequence[MeshPart]) -> tuple[np.ndarray, float]:
    """Centre and largest half-extent (metres) of the axis-aligned box around every part's rest vertices."""
    points = np.concatenate([np.asarray(p.vertices, np.float64) for p in parts])
    low, high = points.min(axis=0), points.max(axis=0)
    return (low + high) / 2.0, float(np.max(high - low) / 2.0)


class PreviewScene:
    """``PreviewScene(parts, size, view).render({part name: (Vp, 3)}) -> (size, size, 3) uint8``.

    The camera frames the parts' rest pose once, so head motion shows as motion in the frame. Parts missing from a
    render call keep their previous vertices. Use as a context manager, or call `close`.
    """

    def __init__(self, parts: Sequence[MeshPart], size: int = DEFAULT_SIZE, view: str = DEFAULT_VIEW,
                 zoom: float = 1.0, target: Sequence[float] | None = None):
        """``zoom`` > 1 moves the camera closer than the whole-head framing; ``target`` (metres) is the point to look
        at instead of the parts' centre. The contact sheet uses both to frame the face."""
        if not parts:
            raise ValueError("PreviewScene needs at least one part")
        self.size = check_size(size)
        self.view = get_view(view)
        pyrender, self.platform = load_pyrender()
        from OpenGL import GL  # after load_pyrender: it chose the platform
        from pyrender.shader_program import ShaderProgramCache

        self._gl, self._flags = GL, pyrender.RenderFlags
        self._mesh = MergedMesh(pyrender, parts)
        self._scene = pyrender.Scene(bg_color=BACKGROUND_RGBA, ambient_light=(AMBIENT,) * 3)
        self._scene.add(pyrender.Mesh([self._mesh.primitive]), name="head")
        centre, radius = framing(parts)
        if target is not None:
            centre = np.asarray(target, np.float64).reshape(3)
        if not zoom > 0:
            raise ValueError(f"zoom must be positive, got {zoom}")
        distance = FRAMING_MARGIN * radius / np.sin(np.radians(VERTICAL_FOV_DEG) / 2.0) / zoom
        camera = camera_pose(self.view, centre, distance)
        lens = pyrender.PerspectiveCamera(yfov=np.radians(VERTICAL_FOV_DEG), aspectRatio=1.0,
                                          znear=max(distance - 3 * radius, 0.01), zfar=distance + 3 * radius)
        self._scene.add(lens, pose=camera)
        self._world_to_clip = lens.get_projection_matrix(self.size, self.size) @ np.linalg.inv(camera)
        for name, direction, intensity in LIGHTS:
            self._scene.add(pyrender.DirectionalLight(color=(1.0, 1.0, 1.0), intensity=intensity),
                            pose=light_pose(camera, direction), name=name)
        self._renderer = pyrender.OffscreenRenderer(self.size, self.size)
        # pyrender exposes no public hook for shaders; its program cache takes a shader folder (0.1.45).
        self._renderer._renderer._program_cache = ShaderProgramCache(shader_dir=str(SHADER_DIR))
        self._renderer.render(self._scene)  # uploads buffers and compiles shaders once, before frame 0

    def render(self, vertices: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Move the named parts to ``vertices`` (metres, (Vp, 3) each) and draw: ``(size, size, 3)`` uint8 RGB."""
        if self._renderer is None:
            raise RuntimeError("PreviewScene is closed")
        platform = self._renderer._platform
        platform.make_current()
        if vertices:
            self._mesh.update(vertices)
            self._mesh.upload(self._gl)
        if platform.supports_framebuffers():  # EGL: pyrender's own path (multisampled framebuffer, blit, read)
            color, _depth = self._renderer.render(self._scene)
        else:
            # OSMesa draws straight into the buffer we read. pyrender's OffscreenRenderer.render would also read
            # and linearise the depth buffer, about 3-7 ms a frame at 512² that a preview never uses.
            self._renderer._renderer.render(self._scene, self._flags.NONE)
            color = self._renderer._renderer.read_color_buf()
        return np.ascontiguousarray(color)

    def project(self, points: np.ndarray) -> np.ndarray:
        """``(N, 2)`` pixel (column, row) positions of world ``points`` ``(N, 3)`` in this scene's frames."""
        points = np.asarray(points, np.float64).reshape(-1, 3)
        clip = np.c_[points, np.ones(len(points))] @ self._world_to_clip.T
        ndc = clip[:, :2] / clip[:, 3:4]
        return np.c_[(ndc[:, 0] + 1.0) / 2.0 * self.size, (1.0 - ndc[:, 1]) / 2.0 * self.size]

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.delete()
            self._renderer = None

    def __enter__(self) -> "PreviewScene":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
