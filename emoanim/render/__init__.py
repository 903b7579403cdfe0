"""render stage (see ARCHITECTURE.md): offscreen preview frames of the default head and MP4s with the speech in.

`render_performance_video` is the one call `emoanim render` makes; `render_comparison` serves ``--compare``.
pyrender and OpenGL load lazily, on the first frame, so importing this package costs nothing.
"""
from emoanim.render.compare import comparison_frames, render_comparison
from emoanim.render.preview import render_performance_frames, render_performance_video, render_preview
from emoanim.render.scene import DEFAULT_SIZE, DEFAULT_VIEW, VIEWS, PreviewScene
from emoanim.render.video import write_mp4

__all__ = [
    "DEFAULT_SIZE", "DEFAULT_VIEW", "VIEWS", "PreviewScene", "comparison_frames", "render_comparison",
    "render_performance_frames", "render_performance_video", "render_preview", "write_mp4",
]
