"""The one place that chooses an offscreen OpenGL platform and imports pyrender.

PyOpenGL binds its platform (``PYOPENGL_PLATFORM``) when ``OpenGL.GL`` is first imported, so the variable must be
set before pyrender is imported, and only here. Both platforms run on Mesa's llvmpipe software rasteriser.
Measured on the 2-core development machine (benchmarks/render_speed.py, 512², the 12k-vertex default head):
OSMesa draws a preview frame in about 11-13 ms, EGL in about 40 ms (pyrender's EGL path renders into a 4×
multisampled framebuffer, then blits it and reads depth as well as colour). OSMesa therefore comes first and EGL is
the fallback. Under EGL only one renderer may live at a time: pyrender's EGL teardown terminates the display that
every EGL context in the process shares.

A user's own ``PYOPENGL_PLATFORM`` (egl or osmesa) is tried first. If OpenGL was already imported by something
else, its platform is used as it is.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType

from emoanim.errors import InputError

PLATFORMS: tuple[str, ...] = ("osmesa", "egl")  # fastest first, measured as above
SHADER_DIR = Path(__file__).with_name("shaders")
INSTALL_HINT = (
    "install the Debian packages libosmesa6 libegl1 libgl1-mesa-dri, then `pip install pyrender==0.1.45` and "
    "after it `pip install PyOpenGL==3.1.10`; or skip the video with --no-video"
)

_loaded: tuple[ModuleType, str] | None = None


def platform_order(requested: str | None) -> tuple[str, ...]:
    """Platforms to try, in order: the user's ``PYOPENGL_PLATFORM`` first when it is one of ours."""
    requested = (requested or "").strip().lower()
    if requested in PLATFORMS:
        return (requested,) + tuple(p for p in PLATFORMS if p != requested)
    return PLATFORMS


def _forget_gl_modules() -> None:
    """Drop half-initialised PyOpenGL/pyrender modules so the next platform starts clean."""
    for name in [n for n in sys.modules if n == "OpenGL" or n.startswith(("OpenGL.", "pyrender"))]:
        del sys.modules[name]


def _try_platform(platform: str | None) -> ModuleType:
    """Import pyrender on ``platform`` (None: as already loaded) and prove a context can be made."""
    if platform is not None:
        os.environ["PYOPENGL_PLATFORM"] = platform
    import pyrender

    probe = pyrender.OffscreenRenderer(1, 1)
    probe.delete()
    return pyrender


def load_pyrender() -> tuple[ModuleType, str]:
    """``(pyrender module, platform name)``, choosing the platform once per process.

    Raises `InputError` (one line: each platform's failure and what to install) when no platform works.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    if "OpenGL.GL" in sys.modules:  # someone else chose already; PyOpenGL cannot switch now
        platform = os.environ.get("PYOPENGL_PLATFORM", "default")
        try:
            _loaded = (_try_platform(None), platform)
        except Exception as err:
            raise InputError(f"offscreen OpenGL on the already-loaded platform {platform!r} failed: {err}",
                             hint=INSTALL_HINT) from err
        return _loaded
    failures = []
    requested = os.environ.get("PYOPENGL_PLATFORM")
    for platform in platform_order(requested):
        try:
            _loaded = (_try_platform(platform), platform)
            return _loaded
        except Exception as err:  # every failure is reported below, none is hidden
            failures.append(f"{platform}: {type(err).__name__}: {err}")
            _forget_gl_modules()
    if requested is None:
        os.environ.pop("PYOPENGL_PLATFORM", None)
    else:
        os.environ["PYOPENGL_PLATFORM"] = requested
    raise InputError("no offscreen OpenGL platform works for the preview video (" + "; ".join(failures) + ")",
                     hint=INSTALL_HINT)
