"""Allocation game v2: capped slots with posted per-kind clearing prices.

A proposal is a set of (node, task) pairs plus one price ``λ_κ`` per kind; a task's slot
sells at ``π_t = min(v_t, λ_κ(t))``. The judge (:func:`is_valid_move`) accepts four
challenge moves, each a strict integer comparison; an allocation admits none exactly when
it is welfare-optimal. :func:`solve` proposes such an allocation with the largest clearing
prices; :func:`find_challenge` is what a watcher submits.
"""

from consensus.clearing.allocation import Allocation
from consensus.clearing.challenge import find_challenge
from consensus.clearing.errors import (
    AllocationError,
    ClearingError,
    InstanceError,
    NoClearingPrices,
)
from consensus.clearing.generate import random_instance
from consensus.clearing.instance import Instance, Node, Task
from consensus.clearing.ledger import Ledger, validate
from consensus.clearing.moves import Add, Discount, Drop, Move, Swap, is_valid_move
from consensus.clearing.optimum import Optimum, optimal
from consensus.clearing.payoff import earnings, refunds, welfare
from consensus.clearing.prices import clearing_prices
from consensus.clearing.solver import solve

__all__ = [
    "Add",
    "Allocation",
    "AllocationError",
    "ClearingError",
    "Discount",
    "Drop",
    "Instance",
    "InstanceError",
    "Ledger",
    "Move",
    "NoClearingPrices",
    "Node",
    "Optimum",
    "Swap",
    "Task",
    "clearing_prices",
    "earnings",
    "find_challenge",
    "is_valid_move",
    "optimal",
    "random_instance",
    "refunds",
    "solve",
    "validate",
    "welfare",
]
