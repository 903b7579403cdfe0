"""render stage (see ARCHITECTURE.md): offscreen preview frames of the default head and MP4s with the speech in.

`render_performance_video` is the one call `emoanim render` makes; `render_comparison` serves ``--compare``.
Names load on first use (pyrender and OpenGL only on the first frame), so importing this package, or one of its
light modules such as `scene` for the CLI's option checks, costs next to nothing.
"""
from importlib import import_module

_WHERE = {
    "comparison_frames": "compare", "render_comparison": "compare",
    "render_performance_frames": "preview", "render_performance_video": "preview", "render_preview": "preview",
    "DEFAULT_SIZE": "scene", "DEFAULT_VIEW": "scene", "VIEWS": "scene", "PreviewScene": "scene",
    "write_mp4": "video",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f"emoanim.render.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'emoanim.render' has no attribute {name!r}")
