"""The chain log: an SQLite copy of the deployment's contract events, resumable and reorg-tolerant.

The daemon calls :meth:`ChainLog.sync` in its loop; every other part of the node reads events
from the file (:meth:`ChainLog.events`) instead of asking the RPC. The log owns the tables
prefixed ``log_``; the daemon may keep its own tables in the same file.

Block hashes kept, and why this detects every reorg it claims to:

* the hash of every block that had a watched event (taken from the logs themselves, free);
* the hash of the last block of every window (one ``eth_getBlockByNumber``);
* the hash of every block within ``max_reorg_depth`` of the sync target (one call per block,
  so an idle chain followed block by block costs one header per new block).

Hashes older than ``max_reorg_depth`` below the last processed block are pruned. Hence the
last processed block always has a hash, and the ``max_reorg_depth + 1`` newest processed
blocks all have one. Since a block hash commits to its parent, a stored hash that still
matches the chain proves that block and every block below it unchanged, so walking back to
the newest matching hash finds the fork exactly; when none of the kept hashes matches, the
reorg is deeper than ``max_reorg_depth`` and :class:`ChainLogError` is raised.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from eth_utils.abi import event_abi_to_log_topic
from web3 import Web3
from web3.exceptions import BlockNotFound

from contracts.bindings import Deployment
from contracts.errors import NashnetError

__all__ = ["ChainLog", "ChainLogError", "Event", "SyncResult"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    block INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash TEXT NOT NULL,
    contract TEXT NOT NULL,
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    UNIQUE (block, log_index)
);
CREATE INDEX IF NOT EXISTS log_events_name ON log_events (name, id);
CREATE TABLE IF NOT EXISTS log_blocks (
    number INTEGER PRIMARY KEY,
    hash TEXT NOT NULL
);
"""


class ChainLogError(NashnetError):
    """The chain log cannot go on: another deployment's file, a reorg too deep, a bad argument."""


@dataclass(frozen=True)
class Event:
    """One decoded contract event as stored in the log.

    Attributes:
        id: Local id, increasing in chain order (never reused, even after a reorg).
        block: Block number.
        block_hash: Block hash, ``0x`` hex.
        log_index: Index of the log in its block.
        tx_hash: Transaction hash, ``0x`` hex.
        contract: The manifest key of the emitting contract (``"market"``, ``"registry"``…).
        name: Event name (``"TasksSubmitted"``).
        args: Decoded arguments: ints stay ints, bytes are lowercase ``0x`` hex, addresses are
            checksummed, tuples and arrays are lists, structs are dicts.
    """

    id: int
    block: int
    block_hash: str
    log_index: int
    tx_hash: str
    contract: str
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class SyncResult:
    """What one :meth:`ChainLog.sync` did.

    Attributes:
        events: Events stored since the last successful sync, in chain order (after a reorg,
            the re-read ones). A sync that failed mid-way delivers its stored events here on
            the next successful sync.
        reorged_from: First block whose events were dropped by a reorg since the last
            successful sync, or ``None``.
        head: The chain head seen by this sync.
    """

    events: list[Event]
    reorged_from: int | None
    head: int


@dataclass(frozen=True)
class _Decoder:
    contract: str
    event: Any  # web3 ContractEvent: has .process_log and .event_name


class ChainLog:
    """An SQLite log of the events of a deployment's contracts.

    One connection, shared between threads under a lock (the daemon reads from its HTTP
    thread while the loop syncs). RPC calls are made outside the lock; concurrent
    :meth:`sync` calls are serialised.

    Args:
        path: The SQLite file; created if missing.
        d: The deployment whose events are logged.
        contracts: Manifest keys of the watched contracts.
        confirmations: Blocks below the head left unread (``0``: read up to the head).
        max_reorg_depth: Deepest reorg that is repaired; deeper ones raise.
        batch_blocks: Blocks per ``eth_getLogs`` window.

    Raises:
        ChainLogError: a bad argument, or the file belongs to another deployment.
    """

    def __init__(
        self,
        path: Path | str,
        d: Deployment,
        *,
        contracts: Sequence[str] = ("market", "registry", "params"),
        confirmations: int = 0,
        max_reorg_depth: int = 64,
        batch_blocks: int = 2000,
    ) -> None:
        if confirmations < 0:
            raise ChainLogError(f"confirmations must be >= 0, got {confirmations}")
        if max_reorg_depth < 1:
            raise ChainLogError(f"max_reorg_depth must be >= 1, got {max_reorg_depth}")
        if batch_blocks < 1:
            raise ChainLogError(f"batch_blocks must be >= 1, got {batch_blocks}")
        if not contracts:
            raise ChainLogError("contracts must name at least one manifest contract")
        missing = [k for k in contracts if k not in d.manifest.contracts]
        if missing:
            raise ChainLogError(
                f"contracts {missing} are not in the manifest (has: {', '.join(sorted(d.manifest.contracts))})"
            )
        self.path = Path(path)
        self.d = d
        self.contracts = tuple(dict.fromkeys(contracts))
        self.confirmations = confirmations
        self.max_reorg_depth = max_reorg_depth
        self.batch_blocks = batch_blocks
        self._addresses = [Web3.to_checksum_address(d.manifest.contracts[k].address) for k in self.contracts]
        self._decoders = self._build_decoders()
        self._start = min(d.manifest.contracts[k].block for k in self.contracts)
        self._lock = threading.RLock()
        self._sync_lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._claim_file()
        except BaseException:
            self._db.close()
            raise

    # -- public ---------------------------------------------------------------------------

    def sync(self) -> SyncResult:
        """Read new events up to ``head - confirmations``, repairing a reorg first.

        One ``eth_getLogs`` per window of ``batch_blocks`` for all watched addresses; each
        window's events and block hashes are written in one transaction, so a failure (an
        RPC error raises as is, nothing is retried here) leaves whole windows only and the
        next call resumes.

        Returns:
            The events stored since the last successful sync and the reorg, if any.

        Raises:
            ChainLogError: a reorg deeper than ``max_reorg_depth``, or the chain changed
                while a window was read (nothing of that window was written; sync again).
        """
        with self._sync_lock:
            w3 = self.d.w3
            self._repair_reorg(w3)
            head = int(w3.eth.block_number)
            target = head - self.confirmations
            last = self.last_block()
            while last < target:
                to = min(last + self.batch_blocks, target)
                self._read_window(w3, last + 1, to, target)
                last = to
            return self._deliver(head)

    def last_block(self) -> int:
        """The last block processed (the block before the deployment on a fresh file)."""
        return int(self._meta("last_block"))

    def events(
        self, name: str | None = None, *, after_id: int = 0, where: Mapping[str, Any] | None = None
    ) -> list[Event]:
        """Stored events in chain order.

        Args:
            name: Only events of this name.
            after_id: Only events with a larger id (a reader's cursor).
            where: Only events whose args have these values (bytes may be given as bytes or
                ``0x`` hex; addresses as stored, i.e. checksummed).
        """
        sql = "SELECT id, block, block_hash, log_index, tx_hash, contract, name, args FROM log_events WHERE id > ?"
        params: list[Any] = [after_id]
        if name is not None:
            sql += " AND name = ?"
            params.append(name)
        wanted = {k: _jsonable(v) for k, v in (where or {}).items()}
        for key, value in wanted.items():
            # json_extract turns integers beyond 64 bits into floats, so it only narrows the
            # rows; the exact comparison on the decoded args follows.
            sql += " AND json_extract(args, ?) = json_extract(?, '$')"
            params += [_json_path(key), json.dumps(value)]
        sql += " ORDER BY id"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        out = [_event(row) for row in rows]
        if wanted:
            out = [e for e in out if all(k in e.args and e.args[k] == v for k, v in wanted.items())]
        return out

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> ChainLog:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- setup ----------------------------------------------------------------------------

    def _build_decoders(self) -> dict[tuple[str, bytes], _Decoder]:
        decoders: dict[tuple[str, bytes], _Decoder] = {}
        for key, address in zip(self.contracts, self._addresses, strict=True):
            contract = self.d.contract(key)
            for event in contract.events:
                if event.abi.get("anonymous"):
                    continue
                decoders[(address, bytes(event_abi_to_log_topic(event.abi)))] = _Decoder(key, event)
        return decoders

    def _claim_file(self) -> None:
        """Record which deployment the file is for, or refuse a file of another one."""
        mine = {
            "schema_version": str(SCHEMA_VERSION),
            "chain_id": str(self.d.manifest.chain_id),
            "market": self.d.manifest.address("market"),
            "contracts": ",".join(self.contracts),
        }
        with self._transaction() as db:
            stored = dict(db.execute("SELECT key, value FROM log_meta").fetchall())
            if not stored:
                rows = {**mine, "last_block": str(self._start - 1), "delivered_id": "0", "reorged_from": ""}
                db.executemany("INSERT INTO log_meta (key, value) VALUES (?, ?)", rows.items())
                return
        for key, value in mine.items():
            if stored.get(key) != value:
                raise ChainLogError(
                    f"chain log {self.path} was written for {key}={stored.get(key)!r}, "
                    f"but this deployment has {key}={value!r}; use another file for this deployment"
                )

    # -- sync steps -----------------------------------------------------------------------

    def _repair_reorg(self, w3: Web3) -> None:
        """Drop the events of blocks the chain no longer has; no-op when the last block matches."""
        with self._lock:
            kept = self._db.execute("SELECT number, hash FROM log_blocks ORDER BY number DESC").fetchall()
        if not kept:
            return
        last = self.last_block()
        for number, stored in kept:
            if _block_hash(w3, number) == stored:
                if number == last:
                    return
                with self._transaction() as db:
                    db.execute("DELETE FROM log_events WHERE block > ?", (number,))
                    db.execute("DELETE FROM log_blocks WHERE number > ?", (number,))
                    db.execute("UPDATE log_meta SET value = ? WHERE key = 'last_block'", (str(number),))
                    pending = self._meta("reorged_from", db)
                    first = min(int(pending), number + 1) if pending else number + 1
                    db.execute("UPDATE log_meta SET value = ? WHERE key = 'reorged_from'", (str(first),))
                return
        raise ChainLogError(
            f"chain reorganised below block {kept[-1][0]}, deeper than max_reorg_depth={self.max_reorg_depth} "
            f"(last processed block {last}); rebuild the log from a new file"
        )

    def _read_window(self, w3: Web3, start: int, to: int, target: int) -> None:
        """Read blocks ``start..to`` and store them in one transaction."""
        # Headers first, then the logs, then `to` again: if `to` kept its hash, the logs come
        # from the chain those hashes describe.
        headers = {n: _block_hash(w3, n) for n in range(max(start, target - self.max_reorg_depth), to + 1)}
        if to not in headers:
            headers[to] = _block_hash(w3, to)
        raw = w3.eth.get_logs({"fromBlock": start, "toBlock": to, "address": self._addresses})
        rows: list[tuple[Any, ...]] = []
        hashes: dict[int, str | None] = dict(headers)
        for log in sorted(raw, key=lambda x: (int(x["blockNumber"]), int(x["logIndex"]))):
            if log.get("removed"):
                continue
            number, block_hash = int(log["blockNumber"]), _hex(log["blockHash"])
            if hashes.setdefault(number, block_hash) != block_hash:
                raise ChainLogError(f"block {number} changed while blocks {start}..{to} were read; sync again")
            topics = log["topics"]
            if not topics:
                continue
            decoder = self._decoders.get((Web3.to_checksum_address(log["address"]), bytes(topics[0])))
            if decoder is None:
                continue
            args = _jsonable(dict(decoder.event.process_log(log)["args"]))
            rows.append(
                (
                    number,
                    block_hash,
                    int(log["logIndex"]),
                    _hex(log["transactionHash"]),
                    decoder.contract,
                    decoder.event.event_name,
                    json.dumps(args),
                )
            )
        if _block_hash(w3, to) != headers[to]:
            raise ChainLogError(f"block {to} changed while blocks {start}..{to} were read; sync again")
        missing = [n for n, h in hashes.items() if h is None]
        if missing:
            raise ChainLogError(f"blocks {missing} are not on the chain while reading {start}..{to}; sync again")
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO log_events (block, block_hash, log_index, tx_hash, contract, name, args) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.executemany("INSERT OR REPLACE INTO log_blocks (number, hash) VALUES (?, ?)", sorted(hashes.items()))
            db.execute("DELETE FROM log_blocks WHERE number < ?", (to - self.max_reorg_depth,))
            db.execute("UPDATE log_meta SET value = ? WHERE key = 'last_block'", (str(to),))

    def _deliver(self, head: int) -> SyncResult:
        """The events and reorg not yet returned by a sync; marks them returned."""
        with self._transaction() as db:
            delivered = int(self._meta("delivered_id", db))
            pending = self._meta("reorged_from", db)
            rows = db.execute(
                "SELECT id, block, block_hash, log_index, tx_hash, contract, name, args FROM log_events "
                "WHERE id > ? ORDER BY id",
                (delivered,),
            ).fetchall()
            events = [_event(row) for row in rows]
            if events:
                db.execute("UPDATE log_meta SET value = ? WHERE key = 'delivered_id'", (str(events[-1].id),))
            db.execute("UPDATE log_meta SET value = '' WHERE key = 'reorged_from'")
        return SyncResult(events=events, reorged_from=int(pending) if pending else None, head=head)

    # -- sqlite ---------------------------------------------------------------------------

    def _meta(self, key: str, db: sqlite3.Connection | None = None) -> str:
        if db is not None:
            return str(db.execute("SELECT value FROM log_meta WHERE key = ?", (key,)).fetchone()[0])
        with self._lock:
            return str(self._db.execute("SELECT value FROM log_meta WHERE key = ?", (key,)).fetchone()[0])

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")


def _block_hash(w3: Web3, number: int) -> str | None:
    """The hash of block ``number`` on the chain, or ``None`` when the chain is shorter."""
    try:
        return _hex(w3.eth.get_block(number)["hash"])
    except BlockNotFound:
        return None


def _hex(value: Any) -> str:
    """``0x`` hex of bytes, HexBytes or a hex string, lowercase."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    text = str(value).lower()
    return text if text.startswith("0x") else "0x" + text


def _jsonable(value: Any) -> Any:
    """Decoded ABI values as JSON values: bytes as ``0x`` hex, tuples as lists, mappings as dicts."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    raise ChainLogError(f"event argument of type {type(value).__name__} has no JSON form: {value!r}")


def _json_path(key: str) -> str:
    """The SQLite JSON path of a top-level key, quoted so any name is safe."""
    if '"' in key:
        raise ChainLogError(f"where key {key!r}: expected an event argument name without quotes")
    return f'$."{key}"'


def _event(row: tuple[Any, ...]) -> Event:
    id_, block, block_hash, log_index, tx_hash, contract, name, args = row
    return Event(
        id=int(id_),
        block=int(block),
        block_hash=str(block_hash),
        log_index=int(log_index),
        tx_hash=str(tx_hash),
        contract=str(contract),
        name=str(name),
        args=json.loads(args),
    )
