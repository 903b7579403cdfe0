"""emoanim: speech to emotional facial animation.

    import emoanim
    curves = emoanim.animate("speech.wav", emotion="happy", rig="metahuman")   # Curves: names, fps, values (T, C)
"""
from __future__ import annotations

__version__ = "0.1.0"


def animate(speech, emotion="neutral", rig="arkit", **options):
    """Speech -> rig curves; see `emoanim.pipeline.animate`. Imported lazily so `import emoanim` stays cheap."""
    from emoanim.pipeline import animate as _animate

    return _animate(speech, emotion=emotion, rig=rig, **options)


__all__ = ["__version__", "animate"]
