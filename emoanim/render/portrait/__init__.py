"""Talking portrait (issue #5): landmarks in a photo, then a warp of the photo driven by a Performance.

Names load on first use, so `emoanim --help` and the CLI's parser don't pay for torch and the face models.
"""
from importlib import import_module

_WHERE = {
    "BACKENDS": "detect", "FaceLandmarks": "detect", "detect_landmarks": "detect", "resolve_backend": "detect",
    "read_photo": "photo",
    "FaceMotion": "fit", "PortraitFit": "fit", "drive": "fit", "fit_portrait": "fit",
    "Portrait": "video", "load_portrait": "video", "render_portrait": "video",
    "DEFAULT_SIZE": "options", "FACE_CROP": "options", "STYLES": "options",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f"emoanim.render.portrait.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'emoanim.render.portrait' has no attribute {name!r}")
