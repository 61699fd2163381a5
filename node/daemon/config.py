"""What an operator sets for ``nashnet node run``: a TOML file, every key checked.

Example ``node.toml``::

    account = "op1"          # keystore name; password from NASHNET_PASSWORD or a prompt
    capacity = 16            # tasks per allocation round
    stake = "1000"           # tokens kept staked (topped up at start when below)
    port = 9101              # trace server, on 127.0.0.1 unless `host` says otherwise

    [prices]                 # tokens per task, one entry per kind served
    mcts = "2"
    neuro-symbolic = "0.5"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.errors import ConfigError
from contracts.kinds import TaskKind

__all__ = ["DEFAULT_TIMEOUTS", "NodeConfig", "load_node_config"]

#: Seconds a task of each kind may run before its outcome is a failure.
DEFAULT_TIMEOUTS: dict[str, float] = {
    "react": 300.0,
    "rewoo": 300.0,
    "mcts": 300.0,
    "neuro-symbolic": 300.0,
    "training": 1800.0,
    "spiking": 600.0,
}


class NodeConfig(BaseModel):
    """One node's settings (see the module docstring for a file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account: str = Field("", description="Keystore account name of the operator.")
    dev: int | None = Field(None, ge=0, le=19, description="anvil dev account index instead of a keystore.")
    capacity: int = Field(16, ge=1, le=10_000)
    stake: str = Field("0", description="Tokens to keep staked; 0 leaves the stake as it is.")
    prices: dict[str, str] = Field(default_factory=dict, description="kind label -> price in tokens.")
    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65_535)
    endpoint: str = Field("", description="Public URL of the trace server; default http://host:port.")
    ray_address: str = Field("", description="Ray cluster address; empty starts an embedded local Ray.")
    num_cpus: int = Field(0, ge=0, description="CPUs of the embedded Ray; 0 = all.")
    state_dir: Path | None = Field(None, description="SQLite state, traces and work dirs.")
    confirmations: int = Field(0, ge=0, le=64, description="Blocks an event must be buried under.")
    poll_interval: float = Field(0.5, gt=0, le=60)
    commit_margin: float = Field(
        0.25, gt=0, lt=1, description="Commit what is done once this fraction of the commit window is left."
    )
    commit_margin_max: float = Field(
        20.0, ge=2, description="...but never more than this many seconds before the commit deadline."
    )
    settle_grace: float = Field(4.0, ge=0, description="Seconds a non-designated node waits before settling.")
    propose_grace: float = Field(4.0, ge=0, description="Seconds a node waits for the round's designated proposer.")
    timeouts: dict[str, float] = Field(default_factory=dict, description="kind label -> seconds.")
    challenge: bool = Field(True, description="Check every proposal and challenge a wrong one.")

    @field_validator("prices")
    @classmethod
    def _known_kinds(cls, v: dict[str, str]) -> dict[str, str]:
        for k in v:
            TaskKind.parse(k)
        return v

    @field_validator("timeouts")
    @classmethod
    def _known_timeout_kinds(cls, v: dict[str, float]) -> dict[str, float]:
        for k, s in v.items():
            TaskKind.parse(k)
            if s <= 0:
                raise ValueError(f"timeouts.{k}: expected a positive number of seconds, got {s}")
        return v

    def price_units(self) -> dict[int, int]:
        """Prices in base units by kind number."""
        from node.amounts import parse_amount

        return {int(TaskKind.parse(k)): parse_amount(p, f"prices.{k}") for k, p in self.prices.items()}

    def stake_units(self) -> int:
        from node.amounts import parse_amount

        return parse_amount(self.stake, "stake")

    def timeout_for(self, kind: str) -> float:
        """Seconds allowed for a task of ``kind`` (a label)."""
        for k, s in self.timeouts.items():
            if TaskKind.parse(k).label == kind:
                return s
        return DEFAULT_TIMEOUTS.get(kind, 300.0)


def load_node_config(path: Path | None, **overrides: Any) -> NodeConfig:
    """Read ``path`` (TOML) and apply ``overrides`` (``None`` values are ignored).

    Raises:
        ConfigError: the file is missing or not TOML, or a key is unknown or out of range.
    """
    data: dict[str, Any] = {}
    if path is not None:
        if not Path(path).is_file():
            raise ConfigError(f"--config: {str(path)!r} is not a file")
        try:
            data = tomllib.loads(Path(path).read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return NodeConfig(**data)
    except ValidationError as exc:
        e = exc.errors()[0]
        field = ".".join(str(p) for p in e["loc"]) or "(config)"
        where = f"{path}: " if path else ""
        raise ConfigError(f"{where}node setting {field!r}: {e['msg']}") from None
