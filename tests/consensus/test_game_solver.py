"""solve(): equilibrium, strictly rising potential, order independence, speed."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus.game import (
    Allocation,
    Instance,
    find_profitable_move,
    potential,
    random_instance,
    solve,
)
from consensus.game._response import ADD, DROP, best_move

from .game_strategies import instances


@settings(max_examples=300, deadline=None)
@given(instances())
def test_solve_leaves_no_profitable_move(inst: Instance) -> None:
    assert find_profitable_move(inst, solve(inst)) is None


@settings(max_examples=200, deadline=None)
@given(instances())
def test_potential_rises_strictly_along_the_dynamics(inst: Instance) -> None:
    result = solve(inst, record=True)
    trace = result.stats.trace
    assert len(trace) == result.stats.moves
    alloc, phi = Allocation(), 0
    for move in trace:
        assert move.verify(inst, alloc), move
        gain = move.gain(inst)
        alloc = move.apply(alloc)
        assert potential(inst, alloc) == phi + gain and gain > 0
        phi += gain
    assert alloc == result


@settings(max_examples=150, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_shuffled_input_gives_the_identical_allocation(inst: Instance, rnd) -> None:
    tasks, nodes = list(inst.tasks), list(inst.nodes)
    rnd.shuffle(tasks)
    rnd.shuffle(nodes)
    again = solve(Instance(tasks, nodes))
    assert again == solve(inst)
    assert again.pairs == solve(inst).pairs


def _reference_solve(inst: Instance) -> Allocation:
    """The same dynamics written plainly: full scans, full sweeps, no heaps, no skipping."""
    rewards, reds, kinds, caps, prices = inst.arrays
    counts = [0] * len(rewards)
    own: list[set[int]] = [set() for _ in caps]
    for i, cap in enumerate(caps):
        gains = sorted(
            (-(rewards[t] // max(counts[t] + 1, reds[t]) - prices[i][kinds[t]]), t)
            for t in range(len(rewards))
            if kinds[t] in prices[i]
        )
        for neg_gain, t in [g for g in gains if g[0] < 0][:cap]:
            own[i].add(t)
        for t in own[i]:
            counts[t] += 1

    def outside(mine, node_prices, threshold):
        options = [
            (rewards[t] // max(counts[t] + 1, reds[t]) - node_prices[kinds[t]], -t)
            for t in range(len(rewards))
            if kinds[t] in node_prices and t not in mine
        ]
        best = max(options, default=None)
        return None if best is None or best[0] <= threshold else (best[0], -best[1])

    moved = True
    while moved:
        moved = False
        for i, cap in enumerate(caps):
            while (
                choice := best_move(
                    own[i], cap, prices[i], rewards, reds, kinds, counts, outside
                )[0]
            ) is not None:
                code, a, b, _ = choice
                moved = True
                if code == ADD:
                    own[i].add(a)
                    counts[a] += 1
                else:
                    own[i].discard(a)
                    counts[a] -= 1
                    if code != DROP:
                        own[i].add(b)
                        counts[b] += 1
    return Allocation.from_pairs(
        (inst.nodes[i].id, inst.tasks[t].id) for i, mine in enumerate(own) for t in mine
    )


@settings(max_examples=200, deadline=None)
@given(instances(max_nodes=8, max_tasks=12, max_capacity=6))
def test_fast_solver_matches_a_plain_reference(inst: Instance) -> None:
    assert solve(inst) == _reference_solve(inst)


@pytest.mark.parametrize("seed", range(4))
def test_medium_instances_reach_equilibrium_after_real_improvements(seed: int) -> None:
    inst = random_instance(60, 400, 4, seed=seed)
    result = solve(inst)
    assert result.stats.improving_moves > 0  # phase 2 had work to do
    assert find_profitable_move(inst, result) is None
    assert result == _reference_solve(inst)


def test_large_instance_is_solved_fast_and_in_any_order() -> None:
    inst = random_instance(1000, 10_000, 5, seed=1)
    _ = inst.arrays  # built once per instance, as the benchmark does
    best = min(_timed(inst) for _ in range(3))
    # the target is 0.25 s on a 2-core box; CPU time (not wall time) keeps other jobs on a
    # shared CI machine out of the measure, and the factor 2 leaves room for a slower CPU
    assert best < 0.5, best
    result = solve(inst)
    assert find_profitable_move(inst, result) is None
    tasks, nodes = list(inst.tasks), list(inst.nodes)
    random.Random(3).shuffle(tasks)
    random.Random(4).shuffle(nodes)
    assert solve(Instance(tasks, nodes)) == result


def _timed(inst: Instance) -> float:
    start = time.process_time()
    solve(inst)
    return time.process_time() - start
