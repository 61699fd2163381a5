"""The operator's side of the registry: `--price` options, and a node's registration kept in line with its config.

`nashnet node register` and `nashnet node run` parse their options, call into this module and
print; the decisions live here. :func:`registration_changes` says what differs between the
registry and the config without touching the chain, :func:`reconcile_registration` sends the
transactions that remove the differences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from contracts.bindings import Deployment
from contracts.errors import ConfigError
from contracts.tx import Sender
from node.amounts import fmt_amount

__all__ = ["Change", "parse_prices", "reconcile_registration", "registration_changes"]


def parse_prices(items: list[str], option: str = "--price") -> dict[int, int]:
    """``["react=1.5", "mcts=2"]`` → {kind: price in base units}.

    Raises:
        ConfigError: an item that is not ``KIND=PRICE``, an unknown kind, a kind given twice, a
            bad amount, or no item at all.
    """
    from contracts.kinds import TaskKind
    from node.amounts import parse_amount

    prices: dict[int, int] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"{option} {item!r}: expected KIND=PRICE, e.g. react=1.5")
        kind_text, price_text = item.split("=", 1)
        kind = TaskKind.parse(kind_text)
        if int(kind) in prices:
            raise ConfigError(f"{option}: kind {kind.label} given twice")
        prices[int(kind)] = parse_amount(price_text, f"{option} {kind.label}")
    if not prices:
        raise ConfigError(f"give at least one {option} KIND=PRICE")
    return prices


@dataclass(frozen=True)
class Change:
    """One difference between the registry and the config, and how it is removed.

    ``field`` is one of ``register``, ``endpoint``, ``capacity``, ``prices``, ``signing_key``,
    ``stake``; ``line`` says it for people; ``ask`` is the question to confirm first (it moves
    tokens), or empty.
    """

    field: str
    line: str
    ask: str = ""


def registration_changes(
    info: Mapping[str, Any],
    *,
    signing_key: bytes,
    endpoint: str,
    capacity: int,
    prices: Mapping[int, int],
    stake: int,
) -> list[Change]:
    """What must be sent so that the registry's record ``info`` (``contracts.registry.node_info``) matches the config.

    A node that is not registered gets one ``register`` change (with its stake). A registered
    one gets a change per field that differs; empty ``prices`` leave the registry's prices as
    they are, and the stake is only ever topped up, never reduced (unstaking is the operator's
    explicit `nashnet node unstake`).

    Raises:
        ConfigError: the node is not registered and ``prices`` is empty.
    """
    who = info["operator"]
    if not info["registered"]:
        if not prices:
            raise ConfigError("the node is not registered and the config has no [prices]: add one per kind served")
        ask = f"Register and stake {fmt_amount(stake)} tokens from {who}?" if stake else ""
        return [Change("register", f"registered {who} (stake {fmt_amount(stake)})", ask)]
    out = []
    if info["endpoint"] != endpoint:
        out.append(Change("endpoint", f"endpoint set to {endpoint}"))
    if info["capacity"] != capacity:
        out.append(Change("capacity", f"capacity set to {capacity}"))
    if prices and {int(k): int(v) for k, v in info["prices"].items()} != dict(prices):
        out.append(Change("prices", "prices set from the config"))
    if signing_key != bytes.fromhex(str(info["signing_key"])[2:]):
        out.append(Change("signing_key", "signing key set to this node's identity key"))
    if stake > int(info["stake"]):
        top_up = stake - int(info["stake"])
        out.append(
            Change(
                "stake",
                f"stake topped up by {fmt_amount(top_up)} tokens",
                f"Top the stake of {who} up by {fmt_amount(top_up)} tokens?",
            )
        )
    return out


def reconcile_registration(
    d: Deployment,
    sender: Sender,
    *,
    signing_key: bytes,
    endpoint: str,
    capacity: int,
    prices: Mapping[int, int],
    stake: int,
    confirm: Callable[[str], None] = lambda _question: None,
) -> list[Change]:
    """Register ``sender``, or bring its registration in line with the config; returns what was changed.

    ``confirm`` is called with the question of each change that moves tokens before it is sent,
    and stops everything by raising (the CLI's prompt raises when the answer is no).
    """
    from contracts.registry import add_stake, node_info, register_node

    info = node_info(d, sender.address)
    changes = registration_changes(
        info, signing_key=signing_key, endpoint=endpoint, capacity=capacity, prices=prices, stake=stake
    )
    f = d.registry.functions
    for ch in changes:
        if ch.ask:
            confirm(ch.ask)
        if ch.field == "register":
            register_node(
                d,
                sender,
                signing_key=signing_key,
                endpoint=endpoint,
                capacity=capacity,
                prices=dict(prices),
                stake=stake,
            )
        elif ch.field == "endpoint":
            sender.transact(f.setEndpoint(endpoint))
        elif ch.field == "capacity":
            sender.transact(f.setCapacity(capacity))
        elif ch.field == "prices":
            kinds = sorted(prices)
            sender.transact(f.setPrices(kinds, [prices[k] for k in kinds]))
        elif ch.field == "signing_key":
            sender.transact(f.setSigningKey(signing_key))
        elif ch.field == "stake":
            add_stake(d, sender, stake - int(info["stake"]))
    return changes
