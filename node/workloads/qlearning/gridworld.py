"""A small generated gridworld: walls drawn from a seed, always with a path from start to goal."""

from __future__ import annotations

import random
from collections import deque

from .spec import GridSpec

# up, right, down, left
MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))
STEP_REWARD = -0.01
GOAL_REWARD = 1.0


class GridWorld:
    """Cells are numbered ``row * size + col``; the start is 0 and the goal the last cell."""

    def __init__(self, spec: GridSpec) -> None:
        self.size = spec.size
        self.slip = spec.slip
        self.step_limit = spec.step_limit
        self.start = 0
        self.goal = spec.size * spec.size - 1
        rng = random.Random(spec.seed)
        # Redraw until the goal is reachable; at most half the cells are walls, so this ends quickly.
        while True:
            self.walls = frozenset(c for c in range(1, self.goal) if rng.random() < spec.wall_fraction)
            if self.distance() is not None:
                break

    @property
    def states(self) -> int:
        return self.size * self.size

    def move(self, state: int, action: int) -> int:
        row, col = divmod(state, self.size)
        dr, dc = MOVES[action]
        r, c = row + dr, col + dc
        if not (0 <= r < self.size and 0 <= c < self.size) or r * self.size + c in self.walls:
            return state
        return r * self.size + c

    def step(self, state: int, action: int, rng: random.Random) -> tuple[int, float, bool]:
        """Next state, reward and whether the goal was reached; ``rng`` draws the slips."""
        if self.slip and rng.random() < self.slip:
            action = rng.randrange(4)
        nxt = self.move(state, action)
        if nxt == self.goal:
            return nxt, GOAL_REWARD, True
        return nxt, STEP_REWARD, False

    def distance(self) -> int | None:
        """Fewest moves from start to goal without slips, or None if the goal is walled off."""
        seen = {self.start: 0}
        queue = deque([self.start])
        while queue:
            s = queue.popleft()
            if s == self.goal:
                return seen[s]
            for a in range(4):
                n = self.move(s, a)
                if n not in seen:
                    seen[n] = seen[s] + 1
                    queue.append(n)
        return None

    def render(self) -> str:
        rows = []
        for r in range(self.size):
            line = ""
            for c in range(self.size):
                s = r * self.size + c
                line += "S" if s == self.start else "G" if s == self.goal else "#" if s in self.walls else "."
            rows.append(line)
        return "\n".join(rows)
