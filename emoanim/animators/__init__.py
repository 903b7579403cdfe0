"""animators stage: speech + emotion -> `Performance`, one registry for every backend (see ARCHITECTURE.md).

    animator = get_animator("phonetic")
    performance = animator.animate(audio, emotion, phones=phones, fps=30.0, seed=0)

A new animator is one module with a class implementing `Animator` (base.py) and one line in `ANIMATORS`. Entries
are ``"module:Class"`` strings, imported on first use, so choosing the phonetic animator never imports torch.
"""
from __future__ import annotations

import inspect
from importlib import import_module

from emoanim.animators.base import Animator
from emoanim.errors import InputError

ANIMATORS: dict[str, str] = {
    "phonetic": "emoanim.animators.phonetic:PhoneticAnimator",
    "emote": "emoanim.animators.learned:EmoteAnimator",
    "emoface": "emoanim.animators.learned:EmoFaceAnimator",
}


def get_animator(name: str, **options) -> Animator:
    """A new animator by registry name (case-insensitive); InputError listing the valid names otherwise.
    ``options`` go to the animator's constructor (learned ones: ``checkpoint=PATH``, ``speech_encoder=DIR``)."""
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in ANIMATORS:
        raise InputError(f"unknown animator {name!r}", hint=f"use one of: {', '.join(sorted(ANIMATORS))}")
    cls = _animator_class(key)
    unknown = sorted(set(options) - set(inspect.signature(cls).parameters))
    if unknown:
        takers = [other for other in ANIMATORS
                  if set(options) <= set(inspect.signature(_animator_class(other)).parameters)]
        raise InputError(f"the {key} animator takes no {' or '.join(unknown)} option",
                         hint=f"animators that take it: {', '.join(takers) or 'none'}")
    return cls(**options)


def _animator_class(key: str) -> type:
    module_name, _, class_name = ANIMATORS[key].partition(":")
    return getattr(import_module(module_name), class_name)


__all__ = ["ANIMATORS", "Animator", "get_animator"]
