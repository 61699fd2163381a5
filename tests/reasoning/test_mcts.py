"""MCTS: the Game of 24 set, blocks world, budgets, determinism, solver proofs."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from reasoning.datasets import game24_instances
from reasoning.mcts import MCTS, BlocksWorld, search, solve_blocks, solve_game24
from reasoning.mcts.blocks import TABLE
from reasoning.tools.calculator import evaluate


def _check_24(numbers: Sequence[int], expression: str) -> None:
    assert evaluate(expression) == 24, expression
    assert Counter(int(n) for n in re.findall(r"\d+", expression)) == Counter(numbers), expression


@pytest.mark.slow
def test_every_game24_instance_solved_or_proven_unsolvable() -> None:
    instances = game24_instances()
    assert len(instances) == 1820
    for inst in instances:
        result = solve_game24(inst.numbers, max_simulations=2_000)
        if inst.solvable:
            assert result.solved, inst.numbers
            _check_24(inst.numbers, result.solution)
        else:
            assert not result.solved and result.proven_unsolvable, inst.numbers
            assert result.simulations < 2_000


@pytest.mark.parametrize("numbers", [(3, 3, 8, 8), (1, 5, 5, 5), (4, 4, 10, 10), (1, 3, 4, 6)])
def test_hard_game24_instances(numbers: tuple[int, ...]) -> None:
    result = solve_game24(numbers)
    assert result.solved and result.reward == 1.0 and not result.proven_unsolvable
    _check_24(numbers, result.solution)


def test_unsolvable_game24_is_proven() -> None:
    result = solve_game24((1, 1, 1, 1))
    assert (result.solved, result.proven_unsolvable, result.solution) == (False, True, None)


def test_same_seed_same_result_different_seed_may_differ() -> None:
    runs = [solve_game24((2, 3, 5, 12), seed=7) for _ in range(3)]
    assert len({(r.solution, r.simulations, r.nodes, tuple(r.actions)) for r in runs}) == 1
    unsolved = [solve_game24((1, 1, 2, 2), seed=s) for s in (0, 0)]
    assert unsolved[0].simulations == unsolved[1].simulations


def test_simulation_budget_is_respected() -> None:
    # too few simulations to prove anything about an unsolvable instance
    result = solve_game24((1, 1, 1, 2), max_simulations=3)
    assert result.simulations == 3 and not result.solved and not result.proven_unsolvable


def test_time_budget_is_respected() -> None:
    problem = BlocksWorld(((f"b{i}",) for i in range(9)), (tuple(f"b{i}" for i in range(9)),), max_moves=40)  # type: ignore[arg-type]
    result = MCTS(problem, seed=0).run(max_simulations=10**9, max_seconds=0.3)
    # Without the time budget this search would never end (10**9 simulations); the bound leaves
    # room for the simulation under way when the budget runs out on a loaded 2-core machine.
    assert result.seconds < 5.0 and result.simulations < 10**6


def _replay(start: list[list[str]], actions: list[tuple[str, str]]) -> set[tuple[str, ...]]:
    stacks = [list(s) for s in start]
    for block, dest in actions:
        src = next(s for s in stacks if s and s[-1] == block)  # the block must be clear
        src.pop()
        if dest == TABLE:
            stacks.append([block])
        else:
            target = next(s for s in stacks if s and s[-1] == dest)
            target.append(block)
    return {tuple(s) for s in stacks if s}


@pytest.mark.parametrize(
    ("start", "goal"),
    [
        ([["A", "B", "C"]], [["C", "B", "A"]]),
        ([["A"], ["B"], ["C"], ["D"]], [["D", "C", "B", "A"]]),
        ([["C", "A"], ["B", "E", "D"]], [["A", "B"], ["E", "D", "C"]]),
        ([["A", "B", "C", "D", "E", "F", "G", "H"]], [["H", "G", "F"], ["E", "D", "C", "B", "A"]]),
    ],
)
def test_blocks_world_plans_are_valid(start: list[list[str]], goal: list[list[str]]) -> None:
    result = solve_blocks(start, goal, seed=1)
    assert result.solved
    assert _replay(start, result.actions) == {tuple(s) for s in goal}
    assert result.solution == [f"move {b} onto {d}" for b, d in result.actions]


def test_blocks_world_uniform_rollouts_also_solve() -> None:
    problem = BlocksWorld((("A", "B", "C"),), (("C", "B", "A"),))
    result = search(problem, max_simulations=5_000, seed=3)
    assert result.solved
    assert _replay([["A", "B", "C"]], result.actions) == {("C", "B", "A")}


def test_blocks_world_too_few_moves_is_proven_unsolvable() -> None:
    problem = BlocksWorld((("A", "B", "C"),), (("C", "B", "A"),), max_moves=2)
    result = MCTS(problem, seed=0).run(max_simulations=10_000)
    assert not result.solved and result.proven_unsolvable


def test_blocks_world_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="goal: expected the same blocks"):
        BlocksWorld((("A",),), (("B",),))
    with pytest.raises(ValueError, match="start: every block must appear once"):
        BlocksWorld((("A", "A"),), (("A", "A"),))


@dataclass(frozen=True)
class Corridor:
    """Walk right from 0; only cell ``goal`` pays 1. A generic problem for the search."""

    length: int
    goal: int | None

    def initial_state(self) -> tuple[int, int]:
        return (0, 0)

    def actions(self, state: tuple[int, int]) -> Sequence[int]:
        return [1, 2]

    def step(self, state: tuple[int, int], action: int) -> tuple[int, int]:
        return (state[0] + action, state[1] + 1)

    def is_terminal(self, state: tuple[int, int]) -> bool:
        return state[0] >= self.length

    def reward(self, state: tuple[int, int]) -> float:
        return 1.0 if state[0] == self.goal else 0.0


def test_generic_problem_solved_and_proven() -> None:
    found = search(Corridor(12, 12), max_simulations=1_000)
    assert found.solved and sum(found.actions) == 12
    none = search(Corridor(8, None), max_simulations=10_000)
    assert none.proven_unsolvable and not none.solved
    with pytest.raises(ValueError, match="max_simulations"):
        search(Corridor(3, 3), max_simulations=0)
