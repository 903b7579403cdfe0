"""What a portrait render can be asked for; kept free of heavy imports so the CLI parser can read it."""
DEFAULT_SIZE = 512  # pixels, square
FACE_CROP = "face-crop"  # --size value: the photo's own resolution around the face
STYLES = ("photo", "landmarks")
