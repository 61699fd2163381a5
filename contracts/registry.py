"""Node registry flows: register with stake, unstake, withdraw, read a node."""

from __future__ import annotations

from typing import Any

from .bindings import Deployment
from .errors import ConfigError
from .tx import Sender


def register_node(
    d: Deployment,
    sender: Sender,
    *,
    signing_key: bytes,
    endpoint: str,
    capacity: int,
    prices: dict[int, int],
    stake: int,
) -> None:
    """Register ``sender`` as a node serving ``prices`` (kind → price) and stake ``stake``."""
    if len(signing_key) != 32:
        raise ConfigError(f"signing key must be 32 bytes (an Ed25519 public key), got {len(signing_key)}")
    kinds = sorted(prices)
    sender.transact(d.registry.functions.register(signing_key, endpoint, capacity, kinds, [prices[k] for k in kinds]))
    if stake > 0:
        add_stake(d, sender, stake)


def add_stake(d: Deployment, sender: Sender, amount: int) -> None:
    """Approve and stake ``amount``."""
    balance = int(d.token.functions.balanceOf(sender.address).call())
    if balance < amount:
        raise ConfigError(f"stake: {sender.address} holds {balance} base units, needs {amount}")
    sender.transact(d.token.functions.approve(d.registry.address, amount))
    sender.transact(d.registry.functions.stake(amount))


def node_info(d: Deployment, operator: str) -> dict[str, Any]:
    """What the registry records about ``operator``, as plain values."""
    n = d.registry.functions.getNode(operator).call()
    registered, capacity, unbonding_end, signing_key, kind_mask, stake, unbonding, endpoint = n
    kinds = [k for k in range(256) if (kind_mask >> k) & 1]
    return {
        "operator": operator,
        "registered": bool(registered),
        "active": bool(d.registry.functions.isActive(operator).call()),
        "capacity": int(capacity),
        "signing_key": "0x" + bytes(signing_key).hex(),
        "endpoint": endpoint,
        "kinds": kinds,
        "prices": {k: int(d.registry.functions.priceOf(operator, k).call()) for k in kinds},
        "stake": int(stake),
        "unbonding": int(unbonding),
        "unbonding_end": int(unbonding_end),
    }
