"""Monte Carlo tree search (UCT + MCTS-Solver) and two domains: Game of 24, blocks world."""

from reasoning.mcts.blocks import BlocksWorld, solve_blocks
from reasoning.mcts.game24 import Game24, solve_game24
from reasoning.mcts.problem import Problem, SearchResult
from reasoning.mcts.search import MCTS, search

__all__ = ["MCTS", "BlocksWorld", "Game24", "Problem", "SearchResult", "search", "solve_blocks", "solve_game24"]
