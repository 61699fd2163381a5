"""A leaky integrate-and-fire network that propagates only the neurons that fired.

Synapses are stored by source in a fixed-width CSR: row ``i`` of ``targets``/``weights``
holds neuron ``i``'s outgoing synapses. A step gathers the rows of the neurons that fired and
``index_add``s their weights into next step's input currents, so its cost follows the number
of spikes (≈5% of neurons), not the number of synapses. A pruned synapse points at a sink
neuron (index ``N``) whose input is discarded; growth rewires free slots to new targets.
"""

from __future__ import annotations

import numpy as np
import torch

from .spec import NetworkConfig


def resolve_device(cfg: NetworkConfig) -> torch.device:
    if cfg.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(cfg.device)


def _flatnonzero(mask: torch.Tensor) -> torch.Tensor:
    """Indices of the true entries of a 1-D mask."""
    if mask.device.type == "cpu":
        # numpy's flatnonzero is ~10x faster than torch's nonzero on CPU (a SIMD count pass).
        return torch.from_numpy(np.flatnonzero(mask.numpy()))
    return mask.nonzero().squeeze(1)


class SpikingNetwork:
    """The network's whole state, and ``step`` to advance it by one millisecond."""

    STATE_KEYS = (
        "v", "theta", "targets", "weights", "i_next", "noise_bank", "prev_fired", "prev_targets", "prev_weights",
    )

    def __init__(self, cfg: NetworkConfig) -> None:
        self.cfg = cfg
        self.device = resolve_device(cfg)
        n, k, dev = cfg.neurons, cfg.synapses_per_neuron, self.device
        self.gen = torch.Generator(device=dev).manual_seed(cfg.seed)
        self.t = 0
        # Noise comes from a fixed Gaussian bank read at a fresh random offset each step: one
        # random integer instead of N normal draws (the largest cost of a step otherwise).
        self.noise_bank = torch.randn(2 * n, generator=self.gen, device=dev)
        self.v = torch.rand(n, generator=self.gen, device=dev) * cfg.theta_init
        self.theta = torch.full((n,), cfg.theta_init, device=dev)
        # Random targets without self-loops: draw from N-1 and skip over the source.
        src = torch.arange(n, device=dev).unsqueeze(1)
        tgt = torch.randint(0, n - 1, (n, k), generator=self.gen, device=dev)
        self.targets = (tgt + (tgt >= src).long()).to(torch.int32)
        self.weights = torch.full((n, k), cfg.w_init, device=dev)
        self.i_next = torch.zeros(n + 1, device=dev)  # +1: the sink of pruned synapses
        self.prev_fired = torch.zeros(0, dtype=torch.long, device=dev)
        self.prev_targets = torch.zeros(0, k, dtype=torch.int32, device=dev)
        self.prev_weights = torch.zeros(0, k, device=dev)
        self._fired_ext = torch.zeros(n + 1, dtype=torch.bool, device=dev)
        self._w_neighbour = torch.tensor([cfg.w_neighbour], device=dev)
        self._offsets = torch.tensor(
            [d for r in range(1, cfg.neighbour_radius + 1) for d in (r, -r)], dtype=torch.long, device=dev
        )

    @torch.no_grad()
    def step(self, stim_idx: torch.Tensor | None = None, stim_current: float = 0.0) -> torch.Tensor:
        """Advance one step; returns the indices of the neurons that fired (sorted)."""
        c, n = self.cfg, self.cfg.neurons
        v = self.v
        # Global drive, minus fast global inhibition tracking last step's population rate:
        # thresholds adapt over hundreds of steps, an avalanche grows in a few, so this is
        # what stops one (it is zero while the network fires at the target rate).
        rate = self.prev_fired.numel() / n
        v.mul_(c.leak).add_(self.i_next[:n]).add_(c.drive - c.inhibition * (rate - c.target_rate))
        if c.noise > 0:
            off = int(torch.randint(0, n, (1,), generator=self.gen, device=self.device))
            v.add_(self.noise_bank[off : off + n], alpha=c.noise)
        if stim_idx is not None and stim_idx.numel():
            v.index_add_(0, stim_idx, torch.full(stim_idx.shape, stim_current, device=self.device))

        fired_mask = v >= self.theta
        fired = _flatnonzero(fired_mask)
        v.index_fill_(0, fired, c.v_reset)
        # Homeostasis: every neuron's threshold drifts down, fired ones step up, so each
        # neuron's rate is pulled to the target (runaway raises θ, silence lowers it).
        self.theta.sub_(c.eta_theta * c.target_rate).add_(fired_mask, alpha=c.eta_theta)
        self.theta.clamp_(min=c.theta_min)

        # Hebbian: pathways from last step's spikes into this step's spikes strengthen,
        # the others weaken a little; the bounds keep weights in [0, w_max].
        if self.prev_fired.numel() and (c.hebb_plus or c.hebb_minus):
            self._fired_ext[:n] = fired_mask
            post = self._fired_ext.index_select(0, self.prev_targets.view(-1)).view_as(self.prev_targets)
            w = self.prev_weights.sub(c.hebb_minus).add_(post, alpha=c.hebb_plus).clamp_(0.0, c.w_max)
            self.weights.index_copy_(0, self.prev_fired, w)

        # Propagate only the rows of the neurons that fired.
        tgt = self.targets.index_select(0, fired)
        wts = self.weights.index_select(0, fired)
        # bincount with weights is a scatter-add that beats index_add_ on CPU by ~40%.
        if fired.numel():
            self.i_next = torch.bincount(tgt.view(-1), weights=wts.view(-1), minlength=n + 1)
        else:  # bincount of nothing would come back as int64
            self.i_next = torch.zeros(n + 1, device=self.device)
        if self._offsets.numel() and c.w_neighbour:
            near = (fired.unsqueeze(1) + self._offsets).remainder_(n).view(-1)
            self.i_next.index_add_(0, near, self._w_neighbour.expand(near.numel()))
        self.prev_fired, self.prev_targets, self.prev_weights = fired, tgt, wts

        self.t += 1
        if self.t % c.rewire_every == 0:
            self.rewire()
        return fired

    @torch.no_grad()
    def rewire(self) -> None:
        """Structural plasticity: prune weak synapses, grow some free slots to new targets."""
        c, n = self.cfg, self.cfg.neurons
        weak = self.weights < c.prune_below
        self.targets.masked_fill_(weak, n)
        self.weights.masked_fill_(weak, 0.0)
        slots = _flatnonzero((self.targets == n).view(-1))
        # Draw only over free slots: a few percent of all synapses, not all N·K of them.
        slots = slots[torch.rand(slots.numel(), generator=self.gen, device=self.device) < c.grow_prob]
        if slots.numel():
            rows = torch.div(slots, c.synapses_per_neuron, rounding_mode="floor")
            new = torch.randint(0, n - 1, (slots.numel(),), generator=self.gen, device=self.device)
            self.targets.view(-1)[slots] = (new + (new >= rows).long()).to(torch.int32)
            self.weights.view(-1)[slots] = c.w_init
        # Rows cached for the next Hebbian update must see the rewired synapses.
        self.prev_targets = self.targets.index_select(0, self.prev_fired)
        self.prev_weights = self.weights.index_select(0, self.prev_fired)

    def active_synapses(self) -> int:
        return int((self.targets != self.cfg.neurons).sum())

    def state_dict(self) -> dict[str, object]:
        state: dict[str, object] = {k: getattr(self, k).cpu().clone() for k in self.STATE_KEYS}
        state["t"] = self.t
        state["generator"] = self.gen.get_state().cpu()
        return state

    def load_state_dict(self, state: dict[str, object]) -> None:
        for k in self.STATE_KEYS:
            value = state[k]
            assert isinstance(value, torch.Tensor)
            setattr(self, k, value.to(self.device).clone())
        self.t = int(state["t"])  # type: ignore[call-overload]
        gen_state = state["generator"]
        assert isinstance(gen_state, torch.Tensor)
        self.gen.set_state(gen_state)
