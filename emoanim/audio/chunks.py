"""Split long audio into chunks that later stages can align and animate one at a time."""
from __future__ import annotations

import numpy as np

from emoanim.audio.types import Audio

DEFAULT_MAX_SECONDS = 600.0  # 10 minutes: alignment memory stays bounded
SEARCH_SECONDS = 10.0  # look this far back from each limit for a pause; speech pauses every few seconds
QUIET_WINDOW_SECONDS = 0.05  # 50 ms: shorter than most words (~250 ms), longer than a stop closure (~30 ms)
QUIET_HOP_SECONDS = 0.01
MIN_TAIL_SECONDS = 1.0  # never leave a last chunk shorter than this


def split_long(audio: Audio, max_seconds: float = DEFAULT_MAX_SECONDS) -> list[tuple[float, Audio]]:
    """``[(offset_seconds, chunk), ...]`` covering ``audio`` in order, each chunk at most ``max_seconds`` long.

    Audio no longer than ``max_seconds`` comes back as one chunk at offset 0. Longer audio is cut at the centre of
    the quietest 50 ms window within the last `SEARCH_SECONDS` before each limit, so a cut rarely falls inside a
    word. Chunks are views of ``audio.samples``: concatenated, they give the input back exactly.
    """
    if not max_seconds >= 4 * MIN_TAIL_SECONDS:
        raise ValueError(f"max_seconds must be at least {4 * MIN_TAIL_SECONDS} s, got {max_seconds}")
    rate = audio.sample_rate
    samples = audio.samples
    limit = int(max_seconds * rate)
    search = int(min(SEARCH_SECONDS, max_seconds / 4) * rate)
    min_tail = int(MIN_TAIL_SECONDS * rate)

    cuts = [0]
    while len(samples) - cuts[-1] > limit:
        start = cuts[-1]
        # End the search early enough that the remainder is not a sliver.
        search_end = min(start + limit, len(samples) - min_tail)
        cuts.append(quietest_point(samples, search_end - search, search_end, rate))
    cuts.append(len(samples))
    return [(lo / rate, Audio(samples[lo:hi], rate, audio.source)) for lo, hi in zip(cuts[:-1], cuts[1:])]


def quietest_point(samples: np.ndarray, lo: int, hi: int, rate: int) -> int:
    """Sample index in ``[lo, hi]`` at the centre of the lowest-energy `QUIET_WINDOW_SECONDS` window."""
    window = max(1, int(QUIET_WINDOW_SECONDS * rate))
    hop = max(1, int(QUIET_HOP_SECONDS * rate))
    region = samples[lo:hi].astype(np.float64)
    if len(region) <= window:
        return (lo + hi) // 2
    energy = np.concatenate([[0.0], np.cumsum(region * region)])
    starts = np.arange(0, len(region) - window + 1, hop)
    window_energy = energy[starts + window] - energy[starts]
    # Ties (digital silence) go to the latest window, so chunks stay as long as allowed.
    best = len(starts) - 1 - int(np.argmin(window_energy[::-1]))
    return lo + int(starts[best]) + window // 2
