"""The spiking task spec: the network's parameters and the text to present to it."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION: Literal[1] = 1


class NetworkConfig(BaseModel):
    """A leaky integrate-and-fire network with homeostasis and plasticity (one step = 1 ms).

    Dynamics per step: ``v ← leak·v + synaptic + neighbour + drive + noise·N(0,1) + stimulus``;
    a neuron fires when ``v ≥ θ`` and is reset to ``v_reset``; its threshold moves by
    ``eta_theta·(fired − target_rate)``, so each neuron is pulled towards the target rate.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    neurons: int = Field(default=200_000, ge=300)
    synapses_per_neuron: int = Field(default=32, ge=1)
    seed: int = Field(default=0, ge=0)
    leak: float = Field(default=0.9, gt=0, lt=1)
    v_reset: float = 0.0
    theta_init: float = Field(default=0.7, gt=0)
    theta_min: float = Field(default=0.05, gt=0)
    target_rate: float = Field(default=0.05, gt=0, lt=0.5)
    eta_theta: float = Field(default=0.02, gt=0)
    drive: float = Field(default=0.05, description="global drive added to every neuron each step")
    inhibition: float = Field(default=0.5, ge=0, description="global inhibition per unit of rate above target")
    noise: float = Field(default=0.05, ge=0, description="std of the Gaussian input noise")
    w_init: float = Field(default=0.01, ge=0)
    w_max: float = Field(default=0.04, gt=0)
    neighbour_radius: int = Field(default=1, ge=0, description="ring neighbours excited on each side")
    w_neighbour: float = Field(default=0.01, ge=0)
    hebb_plus: float = Field(default=0.002, ge=0, description="weight gain when post fires right after pre")
    hebb_minus: float = Field(default=0.00012, ge=0, description="weight loss when it does not")
    rewire_every: int = Field(default=100, ge=1, description="steps between prune/grow passes")
    prune_below: float = Field(default=0.002, ge=0)
    grow_prob: float = Field(default=0.05, ge=0, le=1, description="chance a free slot grows per pass")
    device: Literal["cpu", "cuda", "auto"] = "cpu"

    @model_validator(mode="after")
    def _bounds(self) -> NetworkConfig:
        if self.w_init > self.w_max:
            raise ValueError(f"network.w_init={self.w_init} exceeds network.w_max={self.w_max}")
        if self.synapses_per_neuron >= self.neurons:
            raise ValueError(
                f"network.synapses_per_neuron={self.synapses_per_neuron} must be below "
                f"network.neurons={self.neurons}"
            )
        return self


class SpikingTaskSpec(BaseModel):
    """Present ``text`` to a network and read text back.

    The network first settles for ``warmup_steps``; then each character drives its input
    group for ``steps_per_char`` steps, and each window of that length is decoded into one
    output character; ``reply_chars`` more windows follow with no stimulus.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = SCHEMA_VERSION
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    text: str = Field(max_length=10_000)
    warmup_steps: int = Field(default=500, ge=0)
    steps_per_char: int = Field(default=20, ge=1)
    reply_chars: int = Field(default=8, ge=0)
    group_size: int = Field(default=10, ge=1, description="neurons per character group")
    stimulus: float = Field(default=0.5, description="current injected into a character's group")

    @model_validator(mode="after")
    def _groups_fit(self) -> SpikingTaskSpec:
        from .codec import ALPHABET

        need = 2 * len(ALPHABET) * self.group_size
        if need > self.network.neurons:
            raise ValueError(
                f"group_size={self.group_size} needs {need} neurons for input and output groups; "
                f"network.neurons={self.network.neurons}"
            )
        return self

    def spec_hash(self) -> str:
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(body.encode()).hexdigest()
