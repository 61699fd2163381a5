"""The one typed settings object of nashnet.

Precedence: CLI flag > ``NASHNET_*`` environment variable > project file
(``./nashnet.toml``) > user config (``$NASHNET_HOME/config.toml``). Unknown keys are
rejected. ``rpc_url`` also falls back to ``ETH_RPC_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from contracts.errors import ConfigError

PROJECT_FILE = Path("nashnet.toml")


def nashnet_home() -> Path:
    """Where keystores, manifests and state live: ``NASHNET_HOME`` or ``~/.nashnet``."""
    return Path(os.environ.get("NASHNET_HOME") or Path.home() / ".nashnet")


class Settings(BaseSettings):
    """Settings shared by every command."""

    model_config = SettingsConfigDict(env_prefix="NASHNET_", extra="forbid", validate_default=True)

    rpc_url: str = Field("", validation_alias=AliasChoices("NASHNET_RPC_URL", "ETH_RPC_URL", "rpc_url"))
    home: Path = Field(default_factory=nashnet_home)
    manifest: Path | None = None
    keystore_dir: Path | None = None
    tx_timeout: float = Field(120.0, gt=0)
    rpc_timeout: float = Field(10.0, gt=0)

    @property
    def manifest_path(self) -> Path:
        """The manifest file every command reads."""
        return self.manifest or self.home / "manifest.json"

    @property
    def keystore_path(self) -> Path:
        """The folder of encrypted keystores."""
        return self.keystore_dir or self.home / "keystore"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        user_file = nashnet_home() / "config.toml"
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=PROJECT_FILE),
            TomlConfigSettingsSource(settings_cls, toml_file=user_file),
        )


def load_settings(**overrides: Any) -> Settings:
    """Settings with CLI ``overrides`` (``None`` values are ignored).

    Raises:
        ConfigError: an unknown key or a bad value in a file or variable.
    """
    given = {k: v for k, v in overrides.items() if v is not None and v != ""}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"setting {field}: {first['msg']} (from a flag, a NASHNET_* variable or nashnet.toml)"
        ) from None
