"""Settings that make a run reproduce bit for bit on one machine, and seeds derived by name."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["derived_seed", "deterministic_torch"]


@contextmanager
def deterministic_torch() -> Iterator[None]:
    """One intra-op thread and deterministic kernels for the duration of a run.

    Thread count changes the order of float reductions, so two honest nodes agree only when
    both use one thread; the previous settings are restored afterwards.
    """
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)


def derived_seed(seed: int, *parts: object) -> int:
    """A 63-bit seed for one purpose of one run, e.g. ``derived_seed(seed, "self-play", 3)``.

    Seeding each iteration afresh from the spec means a resumed run needs no RNG state from
    its checkpoint to continue exactly as an unbroken one.
    """
    text = "|".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1
