"""Exact bounded least squares for every frame of one small linear system at once, by active-set enumeration.

For each frame ``t`` it finds weights ``w`` in [0, 1]^k minimising ``|w @ A - y_t|^2``. Some targets may have been
clipped at a limit of their channel (``side`` +1: at the upper limit, -1: at the lower); such a target only asks the
fit to reach at least that far, so its residual counts only when the fit falls short (a censored residual).

Why enumeration: the optimum lies in the relative interior of one face of the box, where the shapes of some set are
free and the rest sit at 0 or 1, and there it is the plain least-squares solution over the free shapes. Trying every
face (3^k of them, each solved with a pseudo-inverse computed once) and keeping the cheapest feasible one is exact.
A censored channel is likewise either counted as an ordinary residual or dropped with the condition that the fit
passes the limit (2^n choices for n censorable channels). Every choice is a matrix product over all frames, so a
minute of animation costs milliseconds; a per-frame iterative solver (scipy.optimize.nnls / lsq_linear) costs
about a millisecond per frame. Exact ties (two shapes on one slider) go to the smallest weights.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

# 3^k faces x 2^n censoring choices; past this the enumeration would take longer than an iterative solver.
MAX_CANDIDATES = 5000
# Slack on the feasibility tests, and the weight-norm penalty that decides exact ties.
_SLACK = 1e-9
_TIE_BREAK = 1e-9


@dataclass(frozen=True)
class _Face:
    free: np.ndarray  # (F,) shapes solved freely
    at_one: np.ndarray  # (k,) 1.0 where the shape is held at its upper bound
    solve: np.ndarray  # (m, F) least-squares solve for the free shapes over the counted channels


@dataclass(frozen=True)
class BoxLeastSquares:
    """``min |w @ weights - y|^2`` over ``w`` in [0, 1]^k for every row ``y``; ``weights`` is ``(k, m)``."""

    weights: np.ndarray  # (k, m)
    censorable: tuple[int, ...]  # channels whose targets may be censored
    faces: dict[tuple[int, ...], tuple[_Face, ...]]  # by the censorable channels dropped

    @classmethod
    def build(cls, weights: np.ndarray, censorable: tuple[int, ...] = ()) -> "BoxLeastSquares":
        weights = np.asarray(weights, dtype=np.float64)
        shapes, channels = weights.shape
        count = 3 ** shapes * 2 ** len(censorable)
        if count > MAX_CANDIDATES:
            raise ValueError(f"{shapes} coupled shapes with {len(censorable)} censorable channels give {count} "
                             f"candidate faces, more than {MAX_CANDIDATES}")
        faces = {}
        for size in range(len(censorable) + 1):
            for dropped in itertools.combinations(censorable, size):
                counted = weights.copy()
                counted[:, list(dropped)] = 0.0  # a dropped channel does not pull on the fit
                faces[dropped] = tuple(cls._face(counted, np.array(states))
                                       for states in itertools.product((0, 1, 2), repeat=shapes))
        return cls(weights, tuple(censorable), faces)

    @staticmethod
    def _face(counted: np.ndarray, states: np.ndarray) -> _Face:
        free = np.flatnonzero(states == 2)  # states: 0 = held at 0, 1 = held at 1, 2 = free
        solve = np.linalg.pinv(counted[free]) if len(free) else np.zeros((counted.shape[1], 0))
        return _Face(free, (states == 1).astype(np.float64), solve)

    def solve(self, target: np.ndarray, side: np.ndarray | None = None) -> np.ndarray:
        """``(T, k)`` weights for ``target`` ``(T, m)``; ``side`` ``(T, m)`` marks censored targets (+1 / -1 / 0).

        ``side`` is read only on the ``censorable`` channels.
        """
        target = np.asarray(target, dtype=np.float64)
        frames_total = len(target)
        best = np.zeros((frames_total, self.weights.shape[0]))
        best_cost = np.full(frames_total, np.inf)
        for dropped, faces in self.faces.items():
            if dropped:
                if side is None:
                    continue
                frames = np.flatnonzero(np.all(side[:, list(dropped)] != 0, axis=1))
                if not len(frames):
                    continue
                direction = side[np.ix_(frames, list(dropped))]
            else:
                frames = np.arange(frames_total)
            counted = np.ones(self.weights.shape[1])
            counted[list(dropped)] = 0.0
            y = target[frames]
            for face in faces:
                w = np.broadcast_to(face.at_one, (len(frames), len(face.at_one))).copy()
                free = (y - face.at_one @ self.weights) @ face.solve
                feasible = np.all((free >= -_SLACK) & (free <= 1.0 + _SLACK), axis=1)
                w[:, face.free] = np.clip(free, 0.0, 1.0)
                fit = w @ self.weights
                if dropped:  # a dropped target must be passed, not fallen short of
                    feasible &= np.all(direction * (fit[:, list(dropped)] - y[:, list(dropped)]) >= -_SLACK, axis=1)
                cost = np.sum(counted * (fit - y) ** 2, axis=1) + _TIE_BREAK * np.sum(w ** 2, axis=1)
                better = feasible & (cost < best_cost[frames])
                best[frames[better]], best_cost[frames[better]] = w[better], cost[better]
        return best
