"""The spiking workload: a leaky integrate-and-fire network with homeostasis and plasticity
that reads text as stimulus and answers in text."""

from .codec import ALPHABET, TextCodec
from .network import SpikingNetwork
from .runner import SpikingResult, run_spiking_task
from .spec import NetworkConfig, SpikingTaskSpec
from .state import SpikingStateError, load_state, save_state

__all__ = [
    "ALPHABET",
    "NetworkConfig",
    "SpikingNetwork",
    "SpikingResult",
    "SpikingStateError",
    "SpikingTaskSpec",
    "TextCodec",
    "load_state",
    "run_spiking_task",
    "save_state",
]
