"""Task kinds, as numbered on chain (``uint8`` in the registry and the market)."""

from __future__ import annotations

from enum import IntEnum

from .errors import ConfigError


class TaskKind(IntEnum):
    """The kinds of work a node can sell."""

    REACT = 1
    REWOO = 2
    MCTS = 3
    NEURO_SYMBOLIC = 4
    TRAINING = 5
    SPIKING = 6

    @property
    def label(self) -> str:
        """The name used in specs and on the command line (``neuro-symbolic``)."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, text: str | int) -> TaskKind:
        """A kind from its label, its enum name or its number."""
        if isinstance(text, int) or str(text).isdigit():
            try:
                return cls(int(text))
            except ValueError:
                pass
        else:
            norm = str(text).strip().lower().replace("_", "-")
            for kind in cls:
                if kind.label == norm:
                    return kind
        known = ", ".join(k.label for k in cls)
        raise ConfigError(f"unknown task kind {text!r}; expected one of: {known}")
