"""Talking portrait (issue #5): landmarks in a photo, then a warp of the photo driven by a Performance."""
from emoanim.render.portrait.detect import BACKENDS, FaceLandmarks, detect_landmarks, resolve_backend
from emoanim.render.portrait.photo import read_photo
from emoanim.render.portrait.fit import FaceMotion, PortraitFit, drive, fit_portrait
from emoanim.render.portrait.video import Portrait, load_portrait, render_portrait
