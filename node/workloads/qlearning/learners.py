"""Two Q-learners on a :class:`GridWorld`: a table, and a DQN (one-hot cell in, Q per action out,
replay buffer and a target network). Both explore epsilon-greedily with epsilon decaying
linearly over the episodes, and both draw every random number from seeds the spec fixes."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..determinism import derived_seed
from .gridworld import GridWorld
from .spec import QLearningSpec

Policy = Callable[[int], int]


def _epsilon(spec: QLearningSpec, episode: int) -> float:
    frac = episode / max(spec.episodes - 1, 1)
    return spec.epsilon_start + frac * (spec.epsilon_end - spec.epsilon_start)


def train_tabular(spec: QLearningSpec, world: GridWorld) -> tuple[np.ndarray, int]:
    """The learned table (states x 4) and the environment steps taken."""
    q = np.zeros((world.states, 4))
    explore = random.Random(derived_seed(spec.seed, "explore"))
    env = random.Random(derived_seed(spec.seed, "env"))
    steps = 0
    for episode in range(spec.episodes):
        eps, state = _epsilon(spec, episode), world.start
        for _ in range(world.step_limit):
            action = explore.randrange(4) if explore.random() < eps else int(np.argmax(q[state]))
            nxt, reward, done = world.step(state, action, env)
            target = reward if done else reward + spec.gamma * float(q[nxt].max())
            q[state, action] += spec.lr * (target - q[state, action])
            state, steps = nxt, steps + 1
            if done:
                break
    return q, steps


class QNet(nn.Module):
    def __init__(self, states: int, hidden: int) -> None:
        super().__init__()
        self.states = states
        self.body = nn.Sequential(nn.Linear(states, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 4)

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        q: torch.Tensor = self.head(self.body(F.one_hot(state, self.states).float()))
        return q


def build_qnet(spec: QLearningSpec, world: GridWorld) -> QNet:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derived_seed(spec.seed, "init"))
        return QNet(world.states, spec.dqn.hidden)


def train_dqn(spec: QLearningSpec, world: GridWorld) -> tuple[QNet, int]:
    """The trained network and the environment steps taken."""
    d = spec.dqn
    net, target = build_qnet(spec, world), build_qnet(spec, world)
    target.load_state_dict(net.state_dict())
    opt = torch.optim.Adam(net.parameters(), lr=d.lr)
    explore = random.Random(derived_seed(spec.seed, "explore"))
    env = random.Random(derived_seed(spec.seed, "env"))
    gen = torch.Generator().manual_seed(derived_seed(spec.seed, "batches"))
    s_buf = torch.zeros(d.replay, dtype=torch.long)
    a_buf = torch.zeros(d.replay, dtype=torch.long)
    r_buf = torch.zeros(d.replay)
    n_buf = torch.zeros(d.replay, dtype=torch.long)
    done_buf = torch.zeros(d.replay)
    steps = 0
    for episode in range(spec.episodes):
        eps, state = _epsilon(spec, episode), world.start
        for _ in range(world.step_limit):
            if explore.random() < eps:
                action = explore.randrange(4)
            else:
                with torch.no_grad():
                    action = int(net(torch.tensor([state])).argmax())
            nxt, reward, done = world.step(state, action, env)
            slot = steps % d.replay
            s_buf[slot], a_buf[slot], r_buf[slot], n_buf[slot], done_buf[slot] = state, action, reward, nxt, float(done)
            steps += 1
            if steps > d.warmup:
                idx = torch.randint(min(steps, d.replay), (d.batch_size,), generator=gen)
                with torch.no_grad():
                    best = target(n_buf[idx]).max(dim=1).values
                    y = r_buf[idx] + spec.gamma * (1 - done_buf[idx]) * best
                q = net(s_buf[idx]).gather(1, a_buf[idx, None]).squeeze(1)
                loss = F.smooth_l1_loss(q, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()  # type: ignore[no-untyped-call]
                opt.step()
            if steps % d.target_sync == 0:
                target.load_state_dict(net.state_dict())
            state = nxt
            if done:
                break
    return net, steps


def table_policy(q: np.ndarray) -> Policy:
    return lambda state: int(np.argmax(q[state]))


def net_policy(net: QNet, states: int) -> Policy:
    with torch.no_grad():
        greedy = net(torch.arange(states)).argmax(dim=1).tolist()
    return lambda state: int(greedy[state])


def success_rate(world: GridWorld, policy: Policy | None, episodes: int, seed: int) -> int:
    """Episodes (of ``episodes``) that reach the goal within the step limit; ``policy=None``
    moves uniformly at random. Slips are drawn from the same seed for every policy."""
    env = random.Random(derived_seed(seed, "eval-env"))
    actions = random.Random(derived_seed(seed, "eval-random"))
    wins = 0
    for _ in range(episodes):
        state = world.start
        for _ in range(world.step_limit):
            action = actions.randrange(4) if policy is None else policy(state)
            state, _, done = world.step(state, action, env)
            if done:
                wins += 1
                break
    return wins
