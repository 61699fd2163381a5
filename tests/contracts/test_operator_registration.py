"""node.operator on the in-process chain: a node's registration brought in line with its config.

``registration_changes`` is checked on plain records; ``reconcile_registration`` sends the
transactions and the registry is read back after each change.
"""

from __future__ import annotations

import pytest

from contracts.errors import ConfigError
from contracts.registry import node_info
from node.operator import parse_prices, reconcile_registration, registration_changes

from .conftest import TOKEN, System

KEY, OTHER_KEY = b"\x11" * 32, b"\x22" * 32
PRICES = {1: TOKEN, 4: TOKEN // 2}


def _config(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "signing_key": KEY,
        "endpoint": "http://127.0.0.1:9000",
        "capacity": 4,
        "prices": PRICES,
        "stake": 2_000 * TOKEN,
    }
    return {**base, **kw}


def test_parse_prices_names_the_bad_item() -> None:
    assert parse_prices(["react=1.5", "mcts=2"]) == {1: 3 * TOKEN // 2, 3: 2 * TOKEN}
    for items, needle in (
        (["react"], "expected KIND=PRICE"),
        (["react=1", "react=2"], "given twice"),
        (["telepathy=1"], "telepathy"),
        (["react=lots"], "--price react"),
        ([], "at least one"),
    ):
        with pytest.raises(ConfigError, match=needle):
            parse_prices(items)


def test_a_new_node_is_registered_once_and_then_left_alone(system: System) -> None:
    sender = system.sender(1)
    asked: list[str] = []
    changes = reconcile_registration(system.d, sender, **_config(), confirm=asked.append)  # type: ignore[arg-type]
    assert [ch.field for ch in changes] == ["register"]
    assert asked == [f"Register and stake 2,000 tokens from {sender.address}?"]
    info = node_info(system.d, sender.address)
    assert info["registered"] and info["capacity"] == 4 and info["prices"] == PRICES
    assert info["stake"] == 2_000 * TOKEN
    # The same config again: nothing to send.
    assert reconcile_registration(system.d, sender, **_config()) == []  # type: ignore[arg-type]


def test_every_difference_is_sent_and_the_stake_only_grows(system: System) -> None:
    sender = system.sender(2)
    reconcile_registration(system.d, sender, **_config())  # type: ignore[arg-type]
    new = _config(
        signing_key=OTHER_KEY, endpoint="http://127.0.0.1:9100", capacity=9, prices={1: 2 * TOKEN}, stake=2_500 * TOKEN
    )
    asked: list[str] = []
    changes = reconcile_registration(system.d, sender, **new, confirm=asked.append)  # type: ignore[arg-type]
    assert [ch.field for ch in changes] == ["endpoint", "capacity", "prices", "signing_key", "stake"]
    assert asked == [f"Top the stake of {sender.address} up by 500 tokens?"]
    info = node_info(system.d, sender.address)
    assert info["endpoint"] == "http://127.0.0.1:9100" and info["capacity"] == 9
    assert info["prices"] == {1: 2 * TOKEN} and info["signing_key"] == "0x" + OTHER_KEY.hex()
    assert info["stake"] == 2_500 * TOKEN
    # A config asking for less stake, or with no prices, changes neither.
    assert (
        registration_changes(
            info,
            **_config(
                signing_key=OTHER_KEY,
                endpoint="http://127.0.0.1:9100",  # type: ignore[arg-type]
                capacity=9,
                prices={},
                stake=TOKEN,
            ),
        )
        == []
    )


def test_a_refused_confirmation_sends_nothing(system: System) -> None:
    sender = system.sender(3)

    def no(question: str) -> None:
        raise ConfigError(f"{question} — refused")

    with pytest.raises(ConfigError, match="refused"):
        reconcile_registration(system.d, sender, **_config(), confirm=no)  # type: ignore[arg-type]
    assert not node_info(system.d, sender.address)["registered"]
    with pytest.raises(ConfigError, match="no \\[prices\\]"):
        reconcile_registration(system.d, sender, **_config(prices={}))  # type: ignore[arg-type]
