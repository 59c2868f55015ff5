"""Layer assignment and crossing reduction: the first two phases of a Sugiyama layout.

Notes
-----
*Layering.* Each construct goes into the layer after its latest predecessor (longest-path
layering), so that every path points from left to right and exogenous constructs sit in the
leftmost layer.  Constructs that appear in no path are put into the first layer.  A path that
skips layers is split by one *dummy* vertex per skipped layer; dummies later become the
waypoints that route long paths through empty lanes (Sugiyama, Tagawa & Toda 1981).

*Crossing reduction.* Starting from the topological order, vertices are reordered within their
layers by alternating downward and upward barycenter sweeps (Sugiyama et al. 1981; Gansner,
Koutsofios, North & Vo 1993), keeping the best ordering seen.  Small layers (up to
``_EXHAUSTIVE`` vertices) are then improved by trying every permutation against both
neighbouring layers.  All ties are broken by the current position, so the result is
deterministic.

References
----------
Sugiyama, K., Tagawa, S. & Toda, M. (1981). Methods for visual understanding of hierarchical
system structures. *IEEE Transactions on Systems, Man, and Cybernetics*, 11(2), 109-125.

Gansner, E. R., Koutsofios, E., North, S. C. & Vo, K.-P. (1993). A technique for drawing
directed graphs. *IEEE Transactions on Software Engineering*, 19(3), 214-230.

Examples
--------
>>> layers = longest_path_layers(["A", "B", "C"], [("A", "B"), ("B", "C"), ("A", "C")])
>>> layers
{'A': 0, 'B': 1, 'C': 2}
>>> g = LayeredGraph.build(["A", "B", "C"], [("A", "B"), ("B", "C"), ("A", "C")], layers)
>>> [len(layer) for layer in g.order]
[1, 2, 1]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LayeredGraph", "count_crossings", "is_dummy", "longest_path_layers"]

_EXHAUSTIVE = 6
_SWEEPS = 12


def is_dummy(vertex: str) -> bool:
    """Whether ``vertex`` is a dummy vertex of a long path (its id starts with a NUL)."""
    return vertex.startswith("\0")


def longest_path_layers(names: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Layer of every vertex: 0 without predecessors, else one more than its latest predecessor.

    ``names`` must be in a topological order of ``edges``.
    """
    layer: dict[str, int] = {}
    for n in names:
        preds = [layer[s] for s, t in edges if t == n]
        layer[n] = 1 + max(preds) if preds else 0
    return layer


def count_crossings(
    upper: Sequence[str], lower: Sequence[str], edges: Sequence[tuple[str, str]]
) -> int:
    """Number of crossings between two adjacent layers for the edges among them."""
    pu = {v: i for i, v in enumerate(upper)}
    pl = {v: i for i, v in enumerate(lower)}
    pairs = [(pu[s], pl[t]) for s, t in edges if s in pu and t in pl]
    return sum(
        1 for (a1, b1), (a2, b2) in itertools.combinations(pairs, 2) if (a1 - a2) * (b1 - b2) < 0
    )


@dataclass
class LayeredGraph:
    """A proper layered graph: every edge joins consecutive layers.

    Attributes
    ----------
    order
        Vertices of each layer, in drawing order (first = top).
    edges
        Edges ``(u, v)`` with ``v`` one layer to the right of ``u``.
    chains
        For every original edge ``(s, t)``, the vertices it passes: ``s``, dummies..., ``t``.
    """

    order: list[list[str]]
    edges: list[tuple[str, str]]
    chains: dict[tuple[str, str], list[str]]

    @classmethod
    def build(
        cls, names: Sequence[str], edges: Sequence[tuple[str, str]], layer: dict[str, int]
    ) -> LayeredGraph:
        """Split long edges by dummies and give every layer its initial (topological) order."""
        n_layers = max(layer.values(), default=0) + 1
        order: list[list[str]] = [[] for _ in range(n_layers)]
        for n in names:
            order[layer[n]].append(n)
        proper: list[tuple[str, str]] = []
        chains: dict[tuple[str, str], list[str]] = {}
        for s, t in edges:
            chain = [s]
            for k in range(layer[s] + 1, layer[t]):
                d = f"\0{s}->{t}#{k}"
                order[k].append(d)
                chain.append(d)
            chain.append(t)
            chains[(s, t)] = chain
            proper.extend(itertools.pairwise(chain))
        return cls(order, proper, chains)

    def crossings(self) -> int:
        """Total number of crossings of the current ordering."""
        return sum(
            count_crossings(self.order[i], self.order[i + 1], self.edges)
            for i in range(len(self.order) - 1)
        )

    def _local(self, i: int, layer: Sequence[str]) -> int:
        total = 0
        if i > 0:
            total += count_crossings(self.order[i - 1], layer, self.edges)
        if i + 1 < len(self.order):
            total += count_crossings(layer, self.order[i + 1], self.edges)
        return total

    def _barycenter(self, i: int, fixed: int) -> None:
        pos = {v: k for k, v in enumerate(self.order[fixed])}
        cur = {v: k for k, v in enumerate(self.order[i])}

        def key(v: str) -> tuple[float, int]:
            nb = [pos[u] for u, w in self.edges if w == v and u in pos]
            nb += [pos[w] for u, w in self.edges if u == v and w in pos]
            return (sum(nb) / len(nb) if nb else float(cur[v]), cur[v])

        self.order[i] = sorted(self.order[i], key=key)

    def reduce_crossings(self) -> int:
        """Reorder the layers to reduce crossings; return the number of crossings left."""
        best = [list(layer) for layer in self.order]
        best_count = self.crossings()
        n = len(self.order)
        for sweep in range(_SWEEPS):
            if best_count == 0:
                break
            rng = range(1, n) if sweep % 2 == 0 else range(n - 2, -1, -1)
            for i in rng:
                self._barycenter(i, i - 1 if sweep % 2 == 0 else i + 1)
            count = self.crossings()
            if count < best_count:
                best, best_count = [list(layer) for layer in self.order], count
        self.order = best
        improved = True
        while improved and best_count > 0:
            improved = False
            for i, layer in enumerate(self.order):
                if len(layer) > _EXHAUSTIVE or len(layer) < 2:
                    continue
                current = self._local(i, layer)
                for perm in itertools.permutations(layer):
                    c = self._local(i, perm)
                    if c < current:
                        self.order[i], current, improved = list(perm), c, True
            best_count = self.crossings()
        return best_count
