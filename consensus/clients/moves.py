"""The contract's form of the game's challenge moves."""

from __future__ import annotations

from consensus.game import Add, Drop, Move, OverCapacity, Swap, UnknownNode, UnsupportedKind
from consensus.game.ids import Id
from contracts.market import ChainMove, MoveKind

from .errors import ClientError

__all__ = ["to_chain_move"]


def _address(node: Id) -> str:
    return node if isinstance(node, str) else f"0x{node:040x}"


def to_chain_move(move: Move) -> ChainMove:
    """Translate a :mod:`consensus.game` move into the ``TaskMarket.Move`` a challenge takes.

    Raises:
        ClientError: the move is a defect the contract rejects at proposal time
            (unknown task, duplicate pair), so no proposal on chain can carry it.
    """
    node = _address(move.node)
    if isinstance(move, Add):
        return ChainMove(MoveKind.ADD, node, task=int(move.task), load=move.load, count=move.count)
    if isinstance(move, Drop):
        return ChainMove(MoveKind.DROP, node, task=int(move.task), count=move.count)
    if isinstance(move, Swap):
        return ChainMove(
            MoveKind.SWAP,
            node,
            task=int(move.out_task),
            other_task=int(move.in_task),
            count=move.out_count,
            other_count=move.in_count,
        )
    if isinstance(move, OverCapacity):
        return ChainMove(MoveKind.OVER_CAPACITY, node, load=move.load)
    if isinstance(move, UnsupportedKind):
        return ChainMove(MoveKind.UNSUPPORTED_KIND, node, task=int(move.task))
    if isinstance(move, UnknownNode):
        return ChainMove(MoveKind.UNKNOWN_NODE, node)
    raise ClientError(
        f"move={move!r}: a {type(move).__name__} is rejected by proposeAllocation itself and has no challenge form"
    )
