"""Statistics for paired-comparison listening/viewing tests: binomial intervals, Bradley–Terry, rater agreement.

Pure functions on counts; nothing here knows about studies, files or clips.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Hashable, Sequence

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95% normal quantile


@dataclass(frozen=True)
class Proportion:
    """``successes`` of ``trials``, with a Wilson score interval at 95%."""

    successes: int
    trials: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.successes / self.trials if self.trials else float("nan")


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> Proportion:
    """Wilson (1927) score interval for a binomial proportion.

    Chosen over the Wald interval because it keeps its coverage near 0 and 1 and for the small ``n`` a rater
    study has (Newcombe 1998, Stat. Med. 17:857-872, method 3). ``trials == 0`` gives the uninformative [0, 1].
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    if trials == 0:
        return Proportion(0, 0, 0.0, 1.0)
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z / (1 + z2 / trials) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    # Exact 0 and 1 at the ends, which rounding would otherwise nudge.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Proportion(successes, trials, low, high)


@dataclass(frozen=True)
class BradleyTerry:
    """Bradley–Terry strengths: P(i beats j) = s_i / (s_i + s_j).

    ``log_strength`` is centred (mean 0), so a score reads as log-odds against an average item. ``connected`` is
    False when the win graph is not strongly connected; then the maximum-likelihood strengths do not exist
    (Hunter 2004, Assumption 1) and the figures come from the ``pseudo_wins``-regularised fit.
    """

    log_strength: np.ndarray  # (K,)
    iterations: int
    converged: bool
    connected: bool
    pseudo_wins: float

    def win_probability(self, i: int, j: int) -> float:
        return float(1.0 / (1.0 + math.exp(self.log_strength[j] - self.log_strength[i])))


def strongly_connected(wins: np.ndarray) -> bool:
    """True when every item can be reached from every other along "i beat j" edges, ``wins`` ``(K, K)``."""
    k = wins.shape[0]
    reach = (wins > 0) | np.eye(k, dtype=bool)
    for middle in range(k):  # Warshall's transitive closure; K is a handful of systems
        reach = reach | (reach[:, [middle]] & reach[[middle], :])
    return bool(reach.all())


def bradley_terry(wins: np.ndarray, *, pseudo_wins: float = 0.0, tol: float = 1e-10,
                  max_iter: int = 10_000) -> BradleyTerry:
    """Fit Bradley–Terry strengths to ``wins[i, j]`` = times i beat j, ``(K, K)``, by Hunter's (2004) MM algorithm.

    Hunter, "MM algorithms for generalized Bradley–Terry models", Ann. Statist. 32:384-406, eq. (3):
    ``s_i <- W_i / sum_j n_ij / (s_i + s_j)``, each step increasing the likelihood. ``pseudo_wins`` adds that many
    wins each way to every pair that was compared, a standard shrinkage that makes a never-winning item finite.
    """
    wins = np.asarray(wins, dtype=float)
    if wins.ndim != 2 or wins.shape[0] != wins.shape[1] or (wins < 0).any():
        raise ValueError(f"wins must be a square (K, K) array of counts >= 0, got shape {wins.shape}")
    k = wins.shape[0]
    wins = wins * (1 - np.eye(k))
    games = wins + wins.T
    if pseudo_wins > 0:
        wins = wins + pseudo_wins * (games > 0)
        games = wins + wins.T
    connected = strongly_connected(wins)
    total_wins = wins.sum(axis=1)
    strength = np.ones(k)
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):
        denominator = (games / (strength[:, None] + strength[None, :])).sum(axis=1)
        updated = np.where(denominator > 0, total_wins / np.where(denominator > 0, denominator, 1.0), strength)
        updated = np.maximum(updated, 1e-300)  # a winless item heads to 0; keep its log finite
        updated /= math.exp(np.log(updated).mean())  # the scale is arbitrary; fix the geometric mean at 1
        change = float(np.max(np.abs(np.log(updated) - np.log(strength))))
        strength = updated
        if change < tol:
            converged = True
            break
    log_strength = np.log(strength)
    return BradleyTerry(log_strength - log_strength.mean(), iteration, converged, connected, pseudo_wins)


def fleiss_kappa(table: np.ndarray) -> float:
    """Fleiss' (1971) kappa for ``table[item, category]`` = raters who put the item in that category, ``(N, C)``.

    Every item must have the same number of ratings n >= 2 (Fleiss 1971, Psychol. Bull. 76:378-382).
    """
    table = np.asarray(table, dtype=float)
    per_item = table.sum(axis=1)
    if table.ndim != 2 or len(table) == 0:
        raise ValueError("table must be (items, categories) with at least one item")
    n = per_item[0]
    if n < 2 or not np.all(per_item == n):
        raise ValueError("Fleiss' kappa needs the same number (>= 2) of ratings for every item; "
                         "use krippendorff_alpha for uneven counts")
    agreement = ((table * table).sum(axis=1) - n) / (n * (n - 1))
    shares = table.sum(axis=0) / table.sum()
    chance = float((shares * shares).sum())
    if chance >= 1.0:
        return float("nan")  # everyone used one category: agreement beyond chance is undefined
    return float((agreement.mean() - chance) / (1.0 - chance))


def krippendorff_alpha(units: Sequence[Sequence[Hashable | None]]) -> float:
    """Krippendorff's alpha for nominal labels; ``units[u]`` lists the labels raters gave unit u (None = missing).

    Handles any number of raters per unit, which a study where raters skip or drop out needs. Computed from the
    coincidence matrix (Krippendorff 2011, "Computing Krippendorff's alpha-reliability", Annenberg paper 43):
    alpha = 1 - (n - 1) * sum_{c!=k} o_ck / sum_{c!=k} n_c n_k. Units with fewer than two labels are not pairable
    and are left out. NaN when fewer than two pairable values exist or all values are one category.
    """
    categories: dict[Hashable, int] = {}
    pairable = []
    for unit in units:
        labels = [label for label in unit if label is not None]
        if len(labels) >= 2:
            pairable.append([categories.setdefault(label, len(categories)) for label in labels])
    c = len(categories)
    coincidence = np.zeros((c, c))
    for labels in pairable:
        counts = np.bincount(labels, minlength=c).astype(float)
        # ordered pairs of distinct raters in the unit, each weighted 1 / (m_u - 1)
        coincidence += (np.outer(counts, counts) - np.diag(counts)) / (len(labels) - 1)
    marginals = coincidence.sum(axis=1)
    total = marginals.sum()
    off_diagonal = ~np.eye(c, dtype=bool)
    expected = float((np.outer(marginals, marginals)[off_diagonal]).sum())
    if total < 2 or expected == 0:
        return float("nan")
    return float(1.0 - (total - 1) * coincidence[off_diagonal].sum() / expected)
