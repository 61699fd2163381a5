"""The allocation game, its solver, on-chain proposal/challenge and result settlement."""

__all__: list[str] = []
