"""The allocation game: instance, integer payoffs, solver, certificate and optimum.

Typical use::

    from consensus.game import Instance, Node, Task, solve, find_profitable_move

    instance = Instance(tasks=[Task(1, kind=0, reward=900, redundancy=2)],
                        nodes=[Node("0x" + "11" * 20, capacity=1, prices={0: 100})])
    allocation = solve(instance)                       # the equilibrium every node computes
    assert find_profitable_move(instance, allocation) is None   # nothing to challenge
"""

from consensus.game.allocation import Allocation
from consensus.game.certificate import find_profitable_move, is_equilibrium
from consensus.game.errors import AllocationError, GameError, InstanceError
from consensus.game.generate import random_instance
from consensus.game.ids import Id, id_key, normalize_id
from consensus.game.instance import Instance, Node, Task
from consensus.game.moves import (
    Add,
    Drop,
    DuplicateAssignment,
    Move,
    OverCapacity,
    Swap,
    UnknownNode,
    UnknownTask,
    UnsupportedKind,
)
from consensus.game.optimum import Optimum, optimal, price_of_anarchy
from consensus.game.payoff import (
    marginal_share,
    node_payoffs,
    potential,
    share,
    welfare,
)
from consensus.game.solver import SolveStats, solve

__all__ = [
    "Add",
    "Allocation",
    "AllocationError",
    "Drop",
    "DuplicateAssignment",
    "GameError",
    "Id",
    "Instance",
    "InstanceError",
    "Move",
    "Node",
    "Optimum",
    "OverCapacity",
    "SolveStats",
    "Swap",
    "Task",
    "UnknownNode",
    "UnknownTask",
    "UnsupportedKind",
    "find_profitable_move",
    "id_key",
    "is_equilibrium",
    "marginal_share",
    "node_payoffs",
    "normalize_id",
    "optimal",
    "potential",
    "price_of_anarchy",
    "random_instance",
    "share",
    "solve",
    "welfare",
]
