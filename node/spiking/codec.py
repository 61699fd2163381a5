"""Text in, spikes out: character groups of neurons for stimulus and readout.

Each printable ASCII character owns a group of input neurons and a group of output neurons,
chosen by a permutation seeded from the network seed (so groups are scattered over the ring,
not neighbours of one another). A character is presented by injecting current into its input
group; a window of steps is read as the character whose output group fired most.
"""

from __future__ import annotations

import string

import torch

ALPHABET = "".join(ch for ch in string.printable if ch.isprintable() and ch not in "\t\n\r\x0b\x0c")


class TextCodec:
    def __init__(self, neurons: int, group_size: int, seed: int, device: torch.device) -> None:
        a = len(ALPHABET)
        g = torch.Generator().manual_seed(seed ^ 0x5EED)
        perm = torch.randperm(neurons, generator=g)[: 2 * a * group_size].to(device)
        self.inputs = perm[: a * group_size].view(a, group_size)
        self.outputs = perm[a * group_size :].view(a, group_size)
        self.index = {ch: i for i, ch in enumerate(ALPHABET)}

    def stimulus(self, ch: str) -> torch.Tensor | None:
        """Input neurons of ``ch``; None for characters outside the alphabet (presented as silence)."""
        i = self.index.get(ch)
        return None if i is None else self.inputs[i]

    def read(self, counts: torch.Tensor) -> str:
        """The character whose output group spiked most in a window (lowest index on ties).

        Args:
            counts: spikes per neuron accumulated over the window, shape ``[neurons]``.
        """
        per_group = counts[self.outputs].sum(dim=1)
        return ALPHABET[int(torch.argmax(per_group))]
