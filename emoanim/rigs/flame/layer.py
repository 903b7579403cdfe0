"""`FlameLayer`: the FLAME model as a torch module with pure math (no I/O), batched over frames.

Per frame (Li et al. 2017, eqs. 1-4; the SMPL-style linear blend skinning of Loper et al. 2015):

1. ``v = template + shapedirs · β + exprdirs · ψ`` (identity β ≤ 300, expression ψ ≤ 100);
2. joints ``J = J_regressor · v`` (linear, so precomputed per blendshape here);
3. per-joint rotations from axis-angle (Rodrigues); pose correctives ``posedirs · vec(R_j - I)`` over the 4
   non-root joints are added to ``v``;
4. each vertex moves by ``Σ_j w_vj · G_j`` where ``G_j`` is joint j's world transform relative to its rest pose.

Pose order follows FLAME: global (root), neck, jaw, then the two eyes (``eye_pose`` = joint 3 then joint 4).
Zero parameters give the template exactly.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from emoanim.rigs.flame.loader import FlameModel

FRAME_CHUNK = 256  # frames skinned at once: a (256, 5023, 3, 4) float32 transform is about 60 MB
_EPS2 = 1e-16  # keeps the angle's gradient finite at zero rotation while leaving R = I exact there


def rodrigues(axis_angle: torch.Tensor) -> torch.Tensor:
    """``(..., 3)`` axis-angle (radians) -> ``(..., 3, 3)`` rotation matrices."""
    angle = torch.sqrt((axis_angle * axis_angle).sum(-1, keepdim=True) + _EPS2)
    axis = axis_angle / angle
    x, y, z = axis.unbind(-1)
    zero = torch.zeros_like(x)
    k = torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1).reshape(*axis.shape[:-1], 3, 3)
    sin, cos = torch.sin(angle)[..., None], torch.cos(angle)[..., None]
    eye = torch.eye(3, dtype=axis_angle.dtype, device=axis_angle.device)
    return eye + sin * k + (1.0 - cos) * (k @ k)


class FlameLayer(nn.Module):
    """FLAME as a differentiable function of its parameters. Buffers only; nothing is trained here.

    ``expression_count`` / ``shape_count`` keep the leading components (FLAME's are ordered by variance).
    """

    def __init__(self, model: FlameModel, *, expression_count: int | None = None, shape_count: int = 300,
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        expression_count = model.expression_count if expression_count is None else expression_count
        if not 0 < expression_count <= model.expression_count:
            raise ValueError(f"expression_count {expression_count} outside 1..{model.expression_count}")
        if not 0 <= shape_count <= model.shapedirs.shape[2]:
            raise ValueError(f"shape_count {shape_count} outside 0..{model.shapedirs.shape[2]}")
        self.expression_count, self.shape_count = expression_count, shape_count
        self.parents = [int(p) for p in model.parents]

        def buffer(name: str, array: np.ndarray, kind: torch.dtype = dtype) -> None:
            self.register_buffer(name, torch.as_tensor(np.ascontiguousarray(array), dtype=kind), persistent=False)

        shapedirs = model.shapedirs[:, :, :shape_count]
        exprdirs = model.exprdirs[:, :, :expression_count]
        buffer("template", model.v_template)
        buffer("shapedirs", shapedirs)  # (V, 3, S)
        buffer("exprdirs", exprdirs)  # (V, 3, E)
        buffer("posedirs", model.posedirs)  # (V, 3, 36)
        buffer("joint_template", model.j_regressor @ model.v_template)  # (J, 3)
        buffer("joint_shapedirs", np.einsum("jv,vcs->jcs", model.j_regressor, shapedirs))  # (J, 3, S)
        buffer("joint_exprdirs", np.einsum("jv,vce->jce", model.j_regressor, exprdirs))  # (J, 3, E)
        buffer("weights", model.weights)  # (V, J)
        buffer("faces", model.faces, torch.int64)
        if model.landmarks is not None:
            buffer("landmark_vertices", model.faces[model.landmarks.face_ids], torch.int64)  # (L, 3)
            buffer("landmark_bary", model.landmarks.bary)  # (L, 3)
        else:
            self.landmark_vertices = None
            self.landmark_bary = None

    @property
    def vertex_count(self) -> int:
        return self.template.shape[0]

    def forward(self, expression: torch.Tensor, jaw_pose: torch.Tensor | None = None,
                neck_pose: torch.Tensor | None = None, eye_pose: torch.Tensor | None = None,
                global_pose: torch.Tensor | None = None, shape: torch.Tensor | None = None,
                transl: torch.Tensor | None = None, vertex_ids: torch.Tensor | None = None) -> torch.Tensor:
        """``(T, E)`` expression, ``(T, 3)`` jaw / neck / global axis-angle, ``(T, 6)`` eyes, ``(S,)`` or
        ``(T, S)`` identity, ``(T, 3)`` translation -> ``(T, V, 3)`` vertices (or ``(T, K, 3)`` of ``vertex_ids``).

        Omitted poses are zero. Frames are skinned ``FRAME_CHUNK`` at a time to bound memory.
        """
        frames = expression.shape[0]
        pose = self._full_pose(frames, expression, global_pose, neck_pose, jaw_pose, eye_pose)  # (T, J, 3)
        out = []
        for start in range(0, frames, FRAME_CHUNK):
            rows = slice(start, min(start + FRAME_CHUNK, frames))
            chunk_shape = shape[rows] if shape is not None and shape.dim() == 2 else shape
            out.append(self._skin(expression[rows], pose[rows], chunk_shape, vertex_ids))
        vertices = torch.cat(out) if len(out) > 1 else out[0]
        if transl is not None:
            vertices = vertices + transl[:, None, :]
        return vertices

    def landmarks(self, expression: torch.Tensor, **poses: torch.Tensor) -> torch.Tensor:
        """``(T, L, 3)`` landmarks from the barycentric embedding, skinning only the vertices they need."""
        if self.landmark_vertices is None:
            raise ValueError("this FLAME model was loaded without a landmark embedding")
        ids = self.landmark_vertices.reshape(-1)
        corners = self.forward(expression, vertex_ids=ids, **poses).reshape(expression.shape[0], -1, 3, 3)
        return (corners * self.landmark_bary[None, :, :, None]).sum(2)

    def landmarks_from_vertices(self, vertices: torch.Tensor) -> torch.Tensor:
        """``(T, V, 3)`` -> ``(T, L, 3)`` by the barycentric embedding."""
        corners = vertices[:, self.landmark_vertices]  # (T, L, 3, 3)
        return (corners * self.landmark_bary[None, :, :, None]).sum(2)

    def _full_pose(self, frames: int, expression: torch.Tensor, *groups: torch.Tensor | None) -> torch.Tensor:
        widths = (3, 3, 3, 6)
        parts = [torch.zeros(frames, w, dtype=expression.dtype, device=expression.device) if g is None else g
                 for g, w in zip(groups, widths)]
        return torch.cat(parts, dim=1).reshape(frames, -1, 3)

    def _skin(self, expression: torch.Tensor, pose: torch.Tensor, shape: torch.Tensor | None,
              vertex_ids: torch.Tensor | None) -> torch.Tensor:
        frames = expression.shape[0]
        select = (lambda t: t) if vertex_ids is None else (lambda t: t[vertex_ids])
        template, exprdirs, posedirs, weights = (select(t) for t in (self.template, self.exprdirs, self.posedirs,
                                                                      self.weights))
        vertices = template[None] + torch.einsum("vce,te->tvc", exprdirs, expression)
        joints = self.joint_template[None] + torch.einsum("jce,te->tjc", self.joint_exprdirs, expression)
        if shape is not None and self.shape_count:
            shape = shape.reshape(-1, self.shape_count).expand(frames, -1)
            vertices = vertices + torch.einsum("vcs,ts->tvc", select(self.shapedirs), shape)
            joints = joints + torch.einsum("jcs,ts->tjc", self.joint_shapedirs, shape)
        rotations = rodrigues(pose)  # (T, J, 3, 3)
        eye = torch.eye(3, dtype=rotations.dtype, device=rotations.device)
        pose_feature = (rotations[:, 1:] - eye).reshape(frames, -1)  # (T, 36)
        vertices = vertices + torch.einsum("vcp,tp->tvc", posedirs, pose_feature)
        transforms = self._joint_transforms(rotations, joints)  # (T, J, 3, 4)
        blended = torch.einsum("vj,tjab->tvab", weights, transforms)  # (T, V, 3, 4)
        return (blended[..., :3] @ vertices[..., None]).squeeze(-1) + blended[..., 3]

    def _joint_transforms(self, rotations: torch.Tensor, joints: torch.Tensor) -> torch.Tensor:
        """World transforms ``(T, J, 3, 4)`` taking each joint's rest-pose neighbourhood to its posed place."""
        world_r, world_t = [], []
        for j, parent in enumerate(self.parents):
            if parent < 0:
                r, t = rotations[:, j], joints[:, j]
            else:
                local = joints[:, j] - joints[:, parent]
                r = world_r[parent] @ rotations[:, j]
                t = (world_r[parent] @ local[..., None]).squeeze(-1) + world_t[parent]
            world_r.append(r)
            world_t.append(t)
        r = torch.stack(world_r, 1)
        t = torch.stack(world_t, 1) - (r @ joints[..., None]).squeeze(-1)  # remove the rest position
        return torch.cat([r, t[..., None]], -1)
