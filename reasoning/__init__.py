"""Reasoning engines that need no language model: RDF + OWL-RL, SPARQL, MCTS, tools."""

__all__: list[str] = []
