"""The allocation game, its solver, on-chain proposal/challenge and result settlement."""

from . import clients, game
from .clients import *  # noqa: F403 - the clients' public names are this package's
from .game import *  # noqa: F403 - the game's public names are this package's

__all__ = ["clients", "game", *game.__all__, *clients.__all__]
