"""Smoothing per-vertex weights over the skin's grid, with some vertices held fixed.

Shape weights written as products of simple falloffs (along a slit times away from it) have kinks where a factor is
clipped to zero; on a coarse grid a kink shows as a crease or a stair-stepped shading edge. Relaxing the weight
(repeated neighbour averaging of the free vertices, fixed ones kept) turns each kink into a smooth ramp while the
values that matter (the slit edges, the far field) stay exactly as authored.

The neighbours are the grid's own rows and columns (never a triangle's diagonal), so a mirror-symmetric weight stays
mirror-symmetric, and they never cross a slit: the upper and lower edges of a lip or lid line are not neighbours.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse


def grid_neighbours(grid: np.ndarray, lower_copy: dict[tuple[int, int], int], count: int) -> sparse.csr_matrix:
    """``(count, count)`` row-normalised adjacency of the skin grid's vertices (poles and inner rows: no rows).

    ``grid`` ``(rows, cols)`` vertex indices with periodic columns; ``lower_copy`` maps a slit's (row, col) to the
    vertex the faces below it use.
    """
    rows, cols = grid.shape
    a, b = [], []
    for r in range(rows):
        for j in range(cols):
            k = (j + 1) % cols
            a.append(grid[r, j]), b.append(grid[r, k])  # along the row, upper side of a slit
            if (r, j) in lower_copy or (r, k) in lower_copy:
                a.append(lower_copy.get((r, j), grid[r, j])), b.append(lower_copy.get((r, k), grid[r, k]))
            if r + 1 < rows:
                a.append(lower_copy.get((r, j), grid[r, j])), b.append(grid[r + 1, j])
    a, b = np.array(a), np.array(b)
    keep = a != b
    a, b = a[keep], b[keep]
    ones = np.ones(2 * len(a))
    adjacency = sparse.csr_matrix((ones, (np.r_[a, b], np.r_[b, a])), shape=(count, count))
    adjacency.data[:] = 1.0  # an edge listed twice still counts once
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    scale = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    return (sparse.diags(scale) @ adjacency).tocsr()


def relax(values: np.ndarray, neighbours: sparse.csr_matrix, fixed: np.ndarray, iterations: int) -> np.ndarray:
    """``values`` ``(V,)`` after ``iterations`` rounds of replacing every free vertex by its neighbours' mean.

    Vertices with no neighbours (poles, inner rows) and those where ``fixed`` ``(V,)`` is true keep their values.
    """
    out = np.asarray(values, np.float64).copy()
    has_neighbours = np.asarray(neighbours.sum(axis=1)).ravel() > 0
    free = has_neighbours & ~np.asarray(fixed, bool)
    for _ in range(iterations):
        out[free] = (neighbours @ out)[free]
    return out
