"""Self-play: games of the current network against itself, stepped in lockstep so that the
leaves of every game's search go to the network as one batch."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .game import WIDTH, Board
from .network import PolicyValueNet, evaluate_boards
from .puct import SearchTree
from .spec import SearchSpec


@dataclass
class _Game:
    board: Board = field(default_factory=Board)
    planes: list[np.ndarray] = field(default_factory=list)
    policies: list[np.ndarray] = field(default_factory=list)
    root_values: list[float] = field(default_factory=list)


def self_play(
    net: PolicyValueNet, games: int, search: SearchSpec, rng: np.random.Generator, mixed: bool = False
) -> dict[str, torch.Tensor]:
    """Play ``games`` games and return their positions with the mirror image of each.

    Returns:
        ``planes`` (P, 2, 6, 7) uint8, ``policy`` (P, 7) float32 visit distributions, and
        ``value`` (P,) float32 outcomes for the player to move: +1 won, -1 lost, 0 drawn; with
        ``mixed``, the mean of that and the search's value of the position.
    """
    net.eval()
    active = [_Game() for _ in range(games)]
    finished: list[tuple[_Game, float]] = []
    while active:
        trees = [SearchTree(g.board, search.c_puct) for g in active]
        for sim in range(search.simulations):
            leaves = [(t, b) for t in trees if (b := t.select()) is not None]
            if leaves:
                probs, values = evaluate_boards(net, [b for _, b in leaves])
                for (tree, _), p, v in zip(leaves, probs, values, strict=True):
                    tree.expand(p, float(v))
            if sim == 0 and search.noise_fraction > 0:
                for tree in trees:
                    noise = rng.dirichlet([search.dirichlet_alpha] * len(tree.root.moves))
                    tree.add_noise(noise, search.noise_fraction)
        still: list[_Game] = []
        for game, tree in zip(active, trees, strict=True):
            counts = tree.visits()
            pi = counts / counts.sum()
            if game.board.moves < search.temperature_moves:
                move = int(rng.choice(WIDTH, p=pi))
            else:
                move = int(np.argmax(counts))
            game.planes.append(game.board.planes())
            game.policies.append(pi.astype(np.float32))
            game.root_values.append(tree.root_value())
            game.board = game.board.play(move)
            if game.board.over:
                finished.append((game, game.board.terminal_value()))
            else:
                still.append(game)
        active = still
    return _positions(finished, mixed)


def _positions(finished: list[tuple[_Game, float]], mixed: bool) -> dict[str, torch.Tensor]:
    planes, policies, values = [], [], []
    for game, final in finished:
        n = len(game.planes)
        # ``final`` is for the player to move at the end; position k is (n - k) moves earlier.
        for k in range(n):
            z = final if (n - k) % 2 == 0 else -final
            if mixed:
                z = 0.5 * (z + game.root_values[k])
            for flip in (False, True):
                p, pi = game.planes[k], game.policies[k]
                planes.append(p[:, :, ::-1] if flip else p)
                policies.append(pi[::-1] if flip else pi)
                values.append(z)
    return {
        "planes": torch.from_numpy(np.ascontiguousarray(np.stack(planes)).astype(np.uint8)),
        "policy": torch.from_numpy(np.ascontiguousarray(np.stack(policies)).astype(np.float32)),
        "value": torch.tensor(values, dtype=torch.float32),
    }
