"""State and moves of the best-response dynamics (see ``solver`` for the algorithm)."""

from __future__ import annotations

from heapq import heapify, heappop, heappush

from consensus.game._response import ADD, DROP, best_move
from consensus.game.instance import Instance
from consensus.game.moves import Add, Drop, Move, Swap

Entry = tuple[int, int, int]


class Dynamics:
    """Counts, per-kind heaps of marginal shares, and the bookkeeping that lets a sweep
    skip nodes that cannot have a move.

    A node that had no move, with threshold ``θ`` (its worst payoff, or ``min(worst, 0)``
    with spare capacity, the bar an outside task must beat), can only gain one when

    * a task it holds gets a node beyond its redundancy (its payoff there falls), or
    * a task of a kind ``κ`` it serves sees its marginal share rise (a node left it) above
      ``θ + c_i(κ)``.

    Each kind keeps a min-heap of these bars; a rise pops every bar below the new share.
    """

    def __init__(self, instance: Instance, record: bool) -> None:
        self.instance = instance
        rewards, reds, kinds, caps, prices = instance.arrays
        self.rewards, self.reds, self.kinds, self.caps, self.prices = (
            rewards,
            reds,
            kinds,
            caps,
            prices,
        )
        self.counts = [0] * len(rewards)
        self.version = [0] * len(rewards)
        self.heaps: dict[int, list[Entry]] = {}
        for t, reward in enumerate(rewards):
            self.heaps.setdefault(kinds[t], []).append((-(reward // reds[t]), t, 0))
        for heap in self.heaps.values():
            heapify(heap)
        self.own: list[set[int]] = [set() for _ in caps]
        self.record = record
        self.trace: list[Move] = []

    def _top(self, heap: list[Entry]) -> Entry | None:
        version = self.version
        while heap:
            entry = heap[0]
            if entry[2] == version[entry[1]]:
                return entry
            heappop(heap)
        return None

    def _rekey(self, t: int) -> None:
        self.version[t] += 1
        n, k = self.counts[t] + 1, self.reds[t]
        heappush(
            self.heaps[self.kinds[t]],
            (-(self.rewards[t] // (max(k, n))), t, self.version[t]),
        )

    def greedy(self) -> int:
        """Phase 1; returns the number of adds."""
        heaps, counts, top = self.heaps, self.counts, self._top
        adds = 0
        for i, cap in enumerate(self.caps):
            if cap == 0:
                continue
            merge = []
            for kind, price in self.prices[i].items():
                heap = heaps.get(kind)
                entry = top(heap) if heap else None
                if entry is not None and -entry[0] > price:
                    merge.append((price + entry[0], entry[1], kind, price))
            heapify(merge)
            picked: list[int] = []
            while merge and len(picked) < cap:
                _, t, kind, price = heappop(merge)
                heap = heaps[kind]
                heappop(heap)
                picked.append(t)
                entry = top(heap)
                if entry is not None and -entry[0] > price:
                    heappush(merge, (price + entry[0], entry[1], kind, price))
            mine = self.own[i]
            for t in picked:
                if self.record:
                    self.trace.append(self._move(i, ADD, t, -1))
                counts[t] += 1
                mine.add(t)
                self._rekey(t)
            adds += len(picked)
        return adds

    def _best_outside(
        self, mine: set[int], prices: dict[int, int], threshold: int
    ) -> tuple[int, int] | None:
        heaps, top = self.heaps, self._top
        best: tuple[int, int] | None = None
        for kind, price in prices.items():
            heap = heaps.get(kind)
            if not heap:
                continue
            entry = top(heap)
            if entry is None:
                continue
            bound = -entry[0] - price
            if bound <= threshold or (best is not None and bound < best[0]):
                continue
            stash = []
            while entry is not None and entry[1] in mine:
                stash.append(heappop(heap))
                entry = top(heap)
            if entry is not None:
                gain = -entry[0] - price
                if gain > threshold and (
                    best is None
                    or gain > best[0]
                    or (gain == best[0] and entry[1] < best[1])
                ):
                    best = (gain, entry[1])
            for kept in stash:
                heappush(heap, kept)
        return best

    def improve(self) -> tuple[int, int]:
        """Phase 2; returns (moves, sweeps)."""
        n_nodes = len(self.caps)
        rewards, reds, kinds, counts = self.rewards, self.reds, self.kinds, self.counts
        members: list[set[int]] = [set() for _ in rewards]
        for i, mine in enumerate(self.own):
            for t in mine:
                members[t].add(i)
        bars: dict[int, list[Entry]] = {kind: [] for kind in self.heaps}
        stamp = [0] * n_nodes
        dirty = [True] * n_nodes

        def joined(t: int, i: int) -> None:
            counts[t] += 1
            members[t].add(i)
            self._rekey(t)
            if counts[t] > reds[t]:
                for j in members[t]:
                    dirty[j] = True

        def left(t: int, i: int) -> None:
            n, k = counts[t], reds[t]
            counts[t] = n - 1
            members[t].discard(i)
            self._rekey(t)
            if n >= k:
                share = rewards[t] // n
                bar = bars[kinds[t]]
                while bar and bar[0][0] < share:
                    _, j, s = heappop(bar)
                    if s == stamp[j]:
                        dirty[j] = True

        moves = sweeps = 0
        while any(dirty):
            sweeps += 1
            for i in range(n_nodes):
                if not dirty[i]:
                    continue
                mine, cap, prices = self.own[i], self.caps[i], self.prices[i]
                while True:
                    move, threshold = best_move(
                        mine,
                        cap,
                        prices,
                        rewards,
                        reds,
                        kinds,
                        counts,
                        self._best_outside,
                    )
                    if move is None:
                        break
                    code, a, b, _ = move
                    if self.record:
                        self.trace.append(self._move(i, code, a, b))
                    if code == ADD:
                        mine.add(a)
                        joined(a, i)
                    else:
                        mine.discard(a)
                        left(a, i)
                        if code != DROP:
                            mine.add(b)
                            joined(b, i)
                    moves += 1
                dirty[i] = False
                stamp[i] += 1
                if threshold is not None:
                    for kind, price in prices.items():
                        if kind in bars:
                            heappush(bars[kind], (threshold + price, i, stamp[i]))
        return moves, sweeps

    def _move(self, i: int, code: int, a: int, b: int) -> Move:
        node, tasks = self.instance.nodes[i].id, self.instance.tasks
        if code == ADD:
            return Add(node, tasks[a].id, len(self.own[i]), self.counts[a])
        if code == DROP:
            return Drop(node, tasks[a].id, self.counts[a])
        return Swap(node, tasks[a].id, tasks[b].id, self.counts[a], self.counts[b])
