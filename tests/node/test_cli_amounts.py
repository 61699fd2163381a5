"""Token amounts as `--reward`, `--stake`, `--price` and a node's settings take them (node.amounts)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import ConfigError
from node.amounts import DECIMALS, AmountError, fmt_amount, parse_amount
from node.daemon.config import NodeConfig

ROOT = Path(__file__).resolve().parents[2]
TOKEN = 10**DECIMALS


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("1", TOKEN),
        ("0", 0),
        ("12.5", 12 * TOKEN + TOKEN // 2),
        ("1_000", 1000 * TOKEN),
        (" 2 ", 2 * TOKEN),
        ("0.000000000000000001", 1),
        ("123wei", 123),
        ("123WEI", 123),
        ("1e3", 1000 * TOKEN),
        # More digits than the default decimal context keeps (28): still exact.
        ("123456789012345.123456789012345678", 123456789012345 * TOKEN + 123456789012345678),
    ],
)
def test_parse(text: str, units: int) -> None:
    assert parse_amount(text) == units


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("lots", "is not a number of tokens"),
        ("", "is not a number of tokens"),
        ("nan", "is not a number of tokens"),
        ("inf", "is not a number of tokens"),
        ("1.5wei", "is not a number of tokens"),
        ("-1", "is negative"),
        ("0.0000000000000000001", "more than 18 decimals"),
        ("1." + "0" * 150 + "1", "more than 18 decimals"),
        ("1e80", "more than a uint256 can hold"),
    ],
)
def test_bad_amounts_name_the_field_and_what_was_expected(text: str, problem: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(text, "--reward")
    message = str(info.value)
    assert message.startswith(f"--reward: {text!r} "), message
    assert problem in message
    assert info.value.field == "--reward" and info.value.text == text
    assert isinstance(info.value, ConfigError) and isinstance(info.value, ValueError)


@given(st.integers(min_value=0, max_value=2**256 - 1))
def test_format_then_parse_is_the_identity(units: int) -> None:
    assert parse_amount(fmt_amount(units).replace(",", "")) == units


def test_format() -> None:
    assert fmt_amount(1_500 * TOKEN) == "1,500"
    assert fmt_amount(TOKEN + TOKEN // 4) == "1.25"
    assert fmt_amount(1) == "0.000000000000000001"
    assert fmt_amount(-TOKEN // 2) == "-0.5"


def test_node_settings_read_amounts_with_it() -> None:
    cfg = NodeConfig(stake="1_000", prices={"mcts": "0.5"})
    assert cfg.stake_units() == 1000 * TOKEN
    assert cfg.price_units() == {3: TOKEN // 2}
    with pytest.raises(AmountError, match=r"^prices\.mcts: 'cheap' is not a number of tokens"):
        NodeConfig(prices={"mcts": "cheap"}).price_units()


def test_the_daemon_does_not_import_the_cli() -> None:
    """The daemon is a library the CLI drives; an import the other way round is a cycle."""
    offenders = []
    for path in sorted((ROOT / "node" / "daemon").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                package = list(path.relative_to(ROOT).parts[:-1])
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                names = [module] + [f"{module}.{a.name}" for a in node.names]
            if any(n == "node.cli" or n.startswith("node.cli.") for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}")
    assert offenders == []
