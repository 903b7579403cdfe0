"""Read a portrait photo into an ``(H, W, 3)`` uint8 RGB array, upright as a person would see it.

Pillow reads JPEG, PNG, PPM/PGM and WebP. Phones store many photos sideways and record the turn in the EXIF
``Orientation`` tag, so the tag is applied before anything looks for a face.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from emoanim.errors import InputError

PHOTO_FORMATS = ("JPEG", "PNG", "PPM", "WEBP")
PHOTO_HINT = "give a JPEG, PNG, PPM or WebP photo of one face"


def read_photo(path: str | Path) -> np.ndarray:
    """The photo at ``path`` as ``(H, W, 3)`` uint8 RGB, EXIF orientation applied.

    Raises InputError (naming the file) if it is missing, not an image, truncated, or in a format we don't take.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        problem = "is a folder, not a photo" if path.is_dir() else "photo not found"
        raise InputError(problem, path=path, hint="check the path")
    try:
        with Image.open(path) as image:
            kind = image.format
            if kind not in PHOTO_FORMATS:
                raise InputError(f"{kind} images are not supported", path=path, hint=PHOTO_HINT)
            # load() decodes the pixels: a truncated or corrupt file fails here, not later.
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")
    except UnidentifiedImageError:
        raise InputError("not an image Pillow can read", path=path, hint=PHOTO_HINT) from None
    except (OSError, SyntaxError, ValueError) as err:
        # Pillow reports truncated or corrupt data as OSError/SyntaxError with a short reason.
        raise InputError(f"unreadable image ({err})", path=path, hint="re-save or re-export the photo") from None
    pixels = np.asarray(rgb, dtype=np.uint8)
    if pixels.ndim != 3 or pixels.shape[0] < 1 or pixels.shape[1] < 1:
        raise InputError(f"image has no pixels (shape {pixels.shape})", path=path, hint=PHOTO_HINT)
    return np.ascontiguousarray(pixels)
