"""Compile nashnet's Solidity sources through py-solc-x, with a content-addressed cache.

The compiler is a native ``solc`` when one is installed (``NASHNET_SOLC``, py-solc-x's
own installs, or ``solc`` on PATH), else the npm ``solc`` (wasm) behind the
``toolchain/solc`` shim. Artifacts are cached by a hash of the sources, the settings
and the compiler version, so a second compile of unchanged sources reads one file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import CompileError, ToolchainError
from .files import write_atomic

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCES_DIR = PACKAGE_DIR / "solidity"
SHIM = PACKAGE_DIR / "toolchain" / "solc"
EVM_VERSION = "prague"
OPTIMIZER_RUNS = 200
SOURCE_PREFIX = "nashnet/"
MIN_NATIVE = (0, 8, 27)

SETTINGS: dict[str, Any] = {
    "evmVersion": EVM_VERSION,
    "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
    "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}


@dataclass(frozen=True)
class ContractArtifact:
    """One compiled contract."""

    name: str
    source: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str

    @property
    def abi_hash(self) -> str:
        """sha256 of the ABI in canonical JSON; the manifest records it."""
        return abi_hash(self.abi)

    @property
    def link_placeholder(self) -> str:
        """What solc writes in the bytecode of a contract that calls this library's external functions."""
        from eth_utils import keccak

        return "__$" + keccak(text=f"{self.source}:{self.name}").hex()[:34] + "$__"

    @property
    def needs_linking(self) -> bool:
        """Whether the bytecode still holds a library placeholder."""
        return "__$" in self.bytecode

    def linked(self, *libraries: tuple[ContractArtifact, str]) -> ContractArtifact:
        """A copy whose bytecode calls each ``(library, deployed address)`` of ``libraries``.

        Raises:
            CompileError: a placeholder is left that none of ``libraries`` fills.
        """
        code, deployed = self.bytecode, self.deployed_bytecode
        for lib, address in libraries:
            hex_address = address.lower().removeprefix("0x")
            code = code.replace(lib.link_placeholder, hex_address)
            deployed = deployed.replace(lib.link_placeholder, hex_address)
        if "__$" in code:
            raise CompileError(f"{self.name}: its bytecode calls a library that was not linked")
        return ContractArtifact(self.name, self.source, self.abi, code, deployed)


@dataclass(frozen=True)
class Artifacts:
    """Every contract of one compilation, by contract name."""

    compiler: str
    contracts: dict[str, ContractArtifact]
    cache_key: str

    def __getitem__(self, name: str) -> ContractArtifact:
        try:
            return self.contracts[name]
        except KeyError:
            known = ", ".join(sorted(self.contracts))
            raise ToolchainError(f"no compiled contract named {name!r}; known: {known}") from None


def abi_hash(abi: list[dict[str, Any]]) -> str:
    """sha256 hex of an ABI in canonical JSON (sorted keys, no spaces)."""
    blob = json.dumps(abi, sort_keys=True, separators=(",", ":")).encode()
    return "0x" + hashlib.sha256(blob).hexdigest()


def find_node_modules() -> Path:
    """The ``node_modules`` folder holding OpenZeppelin and solc.

    ``NASHNET_NODE_MODULES`` when set, else looked up upwards from the working
    directory and from this package.
    """
    env = os.environ.get("NASHNET_NODE_MODULES")
    candidates = [Path(env)] if env else []
    if not env:  # an explicit folder is the only one looked at
        for start in (Path.cwd(), PACKAGE_DIR):
            candidates += [p / "node_modules" for p in (start, *start.parents)]
    for candidate in candidates:
        if (candidate / "@openzeppelin" / "contracts" / "package.json").is_file():
            return candidate.resolve()
    raise ToolchainError(
        "OpenZeppelin contracts are not installed (no node_modules/@openzeppelin/contracts "
        "found); run `npm ci` in the project root or set NASHNET_NODE_MODULES"
    )


@dataclass(frozen=True)
class Solc:
    """A solc executable and its version string."""

    path: Path
    version: str
    native: bool


@cache
def find_solc() -> Solc:
    """The compiler to use: a native solc ≥ 0.8.27 if present, else the wasm shim."""
    for path in _native_candidates():
        version = _native_version(path)
        if version is not None:
            return Solc(path, version, True)
    if shutil.which("node") is None:
        raise ToolchainError("no native solc and no `node` on PATH for the wasm compiler; install Node.js 20")
    solc_pkg = find_node_modules() / "solc" / "package.json"
    if not solc_pkg.is_file():
        raise ToolchainError("the npm package `solc` is not installed; run `npm ci` in the project root")
    version = json.loads(solc_pkg.read_text())["version"]
    return Solc(SHIM, f"{version}+wasm", False)


def _native_candidates() -> list[Path]:
    found: list[Path] = []
    env = os.environ.get("NASHNET_SOLC")
    if env:
        found.append(Path(env))
    try:
        import solcx

        for v in solcx.get_installed_solc_versions():
            found.append(Path(solcx.install.get_executable(v)))
    except Exception:  # py-solc-x raises when its install folder does not exist
        pass
    on_path = shutil.which("solc")
    if on_path and Path(on_path).resolve() != SHIM.resolve():
        found.append(Path(on_path))
    return found


def _native_version(path: Path) -> str | None:
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    if "Emscripten" in out:
        return None  # another wasm wrapper; the shim is the one we know
    for token in out.split():
        head = token.split("+")[0]
        parts = head.split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            if tuple(int(p) for p in parts) >= MIN_NATIVE:
                return token
            return None
    return None


def source_files(sources_dir: Path = SOURCES_DIR) -> dict[str, str]:
    """The project's Solidity sources, keyed by their name in the compilation."""
    files = sorted(sources_dir.glob("*.sol"))
    if not files:
        raise ToolchainError(f"no Solidity sources in {sources_dir}")
    return {SOURCE_PREFIX + f.name: f.read_text() for f in files}


def _cache_key(solc: Solc, sources: dict[str, str], node_modules: Path) -> str:
    oz = json.loads((node_modules / "@openzeppelin" / "contracts" / "package.json").read_text())["version"]
    h = hashlib.sha256()
    h.update(json.dumps({"solc": solc.version, "oz": oz, "settings": SETTINGS}, sort_keys=True).encode())
    for name in sorted(sources):
        h.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
    return h.hexdigest()


def default_cache_dir() -> Path:
    """Where compiled artifacts are kept: ``NASHNET_CACHE_DIR`` or ``~/.cache/nashnet``."""
    base = os.environ.get("NASHNET_CACHE_DIR") or Path.home() / ".cache" / "nashnet"
    return Path(base) / "artifacts"


def compile_contracts(
    sources_dir: Path = SOURCES_DIR, cache_dir: Path | None = None, force: bool = False
) -> Artifacts:
    """Compile every ``.sol`` file in ``sources_dir`` (cached by content).

    Raises:
        ToolchainError: no usable compiler or OpenZeppelin install.
        CompileError: the sources do not compile.
    """
    sources = source_files(sources_dir)
    node_modules = find_node_modules()
    solc = find_solc()
    key = _cache_key(solc, sources, node_modules)
    cache_file = (cache_dir or default_cache_dir()) / f"{key}.json"
    if not force and cache_file.is_file():
        try:
            return _artifacts_from(json.loads(cache_file.read_text()), key)
        except (ValueError, KeyError):
            pass  # a damaged cache entry is recompiled and replaced
    output = _run_solc(solc, sources, node_modules.parent)
    write_atomic(cache_file, json.dumps(output))
    return _artifacts_from(output, key)


def _run_solc(solc: Solc, sources: dict[str, str], base_path: Path) -> dict[str, Any]:
    import solcx

    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": SETTINGS,
    }
    try:
        result = solcx.compile_standard(
            standard_input,
            base_path=str(base_path),
            allow_paths=[str(base_path)],
            solc_binary=str(solc.path),
        )
    except solcx.exceptions.SolcError as exc:
        raise CompileError(_format_errors(getattr(exc, "stdout_data", "") or str(exc))) from None
    errors = [e for e in result.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
    result["compiler"] = solc.version
    return result


def _format_errors(raw: str) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return raw.strip()
    errors = [e for e in data.get("errors", []) if e.get("severity") == "error"]
    return "\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors) or raw.strip()


def _artifacts_from(output: dict[str, Any], key: str) -> Artifacts:
    contracts: dict[str, ContractArtifact] = {}
    for source, by_name in output["contracts"].items():
        if not source.startswith(SOURCE_PREFIX):
            continue
        for name, data in by_name.items():
            contracts[name] = ContractArtifact(
                name=name,
                source=source,
                abi=data["abi"],
                bytecode="0x" + data["evm"]["bytecode"]["object"],
                deployed_bytecode="0x" + data["evm"]["deployedBytecode"]["object"],
            )
    return Artifacts(compiler=output["compiler"], contracts=contracts, cache_key=key)
