"""Draw docs/blendshapes.png: the default head at each ARKit blendshape at weight 1, plus head-turn and gaze.

    python docs/make_contact_sheet.py [--cell 160] [--columns 8] [--view front] [--out docs/blendshapes.png]

One labelled cell per shape (the neutral face first), in ARKit order, so anyone can judge whether each shape looks
like its name; the last row turns the head and the eyes. Rendered with the same preview renderer as the MP4s.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BACKGROUND = (40, 42, 46)  # empty cells, slightly lighter than the render background
# (label, head pitch/yaw/roll degrees, gaze leftYaw/leftPitch/rightYaw/rightPitch degrees); signs as in
# emoanim.motion.channels: +pitch nods down, +yaw turns to the character's left, +roll tilts to the right shoulder.
POSE_CELLS = (
    ("head yaw +25 (left)", (0, 25, 0), (0, 0, 0, 0)),
    ("head yaw -25 (right)", (0, -25, 0), (0, 0, 0, 0)),
    ("head pitch +15 (down)", (15, 0, 0), (0, 0, 0, 0)),
    ("head roll +20", (0, 0, 20), (0, 0, 0, 0)),
    ("gaze left 25", (0, 0, 0), (25, 0, 25, 0)),
    ("gaze right 25", (0, 0, 0), (-25, 0, -25, 0)),
    ("gaze up 20", (0, 0, 0), (0, 20, 0, 20)),
    ("gaze down 20", (0, 0, 0), (0, -20, 0, -20)),
)


def cells(head) -> list[tuple[str, dict]]:
    """``(label, {part: (Vp, 3)})`` for the neutral face, each ARKit shape at 1, then each head/gaze pose."""
    from emoanim.motion.channels import ARKIT_NAMES

    count = 1 + len(ARKIT_NAMES) + len(POSE_CELLS)
    expression = np.zeros((count, len(ARKIT_NAMES)), np.float32)
    expression[1: 1 + len(ARKIT_NAMES)] = np.eye(len(ARKIT_NAMES))
    rotation = np.zeros((count, 3), np.float32)
    gaze = np.zeros((count, 4), np.float32)
    for k, (_, head_deg, gaze_deg) in enumerate(POSE_CELLS, start=1 + len(ARKIT_NAMES)):
        rotation[k], gaze[k] = head_deg, gaze_deg
    posed = head.pose_frames(expression, gaze, rotation, np.zeros((count, 3), np.float32))
    labels = ["neutral", *ARKIT_NAMES, *(label for label, _, _ in POSE_CELLS)]
    return [(label, {name: vertices[k] for name, vertices in posed.items()}) for k, label in enumerate(labels)]


def contact_sheet(head, cell: int, columns: int, view: str) -> np.ndarray:
    """``(rows·cell, columns·cell, 3)`` uint8: the shape cells in rows, the head/gaze poses on a row of their own."""
    from emoanim.render.compare import PanelLabel
    from emoanim.render.scene import PreviewScene

    items = cells(head)
    shape_items, pose_items = items[: -len(POSE_CELLS)], items[-len(POSE_CELLS):]
    shape_rows = -(-len(shape_items) // columns)
    pose_rows = -(-len(pose_items) // columns)
    sheet = np.empty(((shape_rows + pose_rows) * cell, columns * cell, 3), np.uint8)
    sheet[:] = BACKGROUND
    slots = list(range(len(shape_items))) + [shape_rows * columns + k for k in range(len(pose_items))]
    from emoanim.render.preview import crown_to_chin_framing

    target, zoom = crown_to_chin_framing(head)
    with PreviewScene(head.parts, size=cell, view=view, zoom=zoom, target=target) as scene:
        for slot, (label, vertices) in zip(slots, items):
            row, col = divmod(slot, columns)
            frame = PanelLabel(label, cell).apply(np.array(scene.render(vertices)))
            sheet[row * cell:(row + 1) * cell, col * cell:(col + 1) * cell] = frame
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cell", type=int, default=160, help="pixels per cell (even)")
    parser.add_argument("--columns", type=int, default=8)
    parser.add_argument("--view", default="front", help="front, three-quarter or profile")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "blendshapes.png")
    args = parser.parse_args()

    from PIL import Image

    from emoanim.rigs.head import load_default_head

    sheet = contact_sheet(load_default_head(), args.cell, args.columns, args.view)
    Image.fromarray(sheet).save(args.out, optimize=True)
    print(f"wrote {args.out} ({sheet.shape[1]}x{sheet.shape[0]})")


if __name__ == "__main__":
    main()
