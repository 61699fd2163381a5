"""The allocation game, its solver, on-chain proposal/challenge and result settlement."""

from . import game
from .game import *  # noqa: F403 - the game's public names are this package's

__all__ = ["game", *game.__all__]
