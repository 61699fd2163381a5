"""Agent loops over a language model and reasoning tools: ReAct, ReWOO, MCTS, neuro-symbolic."""

__all__: list[str] = []
