"""The node daemon: follow the chain, play every round, execute, commit, reveal, settle, claim.

``nashnet node run`` starts it against a ``TaskMarketV2`` deployment (docs/protocol-v2.md).

One tick does each step once, in order; every step reads the view folded from the chain
log and this node's store, and every transaction is built by the one protocol client
(:class:`consensus.clients.market_v2.MarketV2`), so a tick can be cut anywhere (a crash, SIGTERM, a dead RPC)
and the next tick — in this process or after a restart — carries on from what is on chain
and on disk. Steps that any node may take (propose, finalize, settle, expire) have a
designated node per round, ``active nodes sorted by address [round % n]``; the others wait
a grace period before doing it themselves, so one dead node never stalls the market.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import keccak
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from web3 import Web3

from consensus.clearing.errors import ClearingError
from consensus.clients.errors import ClientError
from consensus.clients.market_v2 import ProposalV2
from contracts import codec
from contracts.bindings import Deployment
from contracts.codec import NodeEntry
from contracts.errors import ChainError, RpcUnreachable, TransactionReverted, TransactionTimeout
from contracts.kinds import TaskKind
from contracts.tx import Sender

from .chainlog import ChainLog
from .config import NodeConfig
from .executor import Executor
from .outcome import Outcome, result_digest, reveal_payload, split_envelope
from .store import NodeStore, StoredOutcome
from .traces import TraceServer, TraceStore
from .view import MarketView, RoundView, TaskStatus

__all__ = ["ChainClock", "NodeDaemon", "salt_secret"]

log = logging.getLogger("nashnet.node")

#: Seconds between two progress lines in the log while the node has tasks in hand.
HEARTBEAT_S = 30.0

_RETRYABLE = (RpcUnreachable, TransactionTimeout, ConnectionError, TimeoutError, OSError)


def salt_secret(private_key: bytes) -> bytes:
    """The secret a node's commit salts are derived from: a hash of its key, so it survives restarts."""
    return keccak(b"nashnet/salt-secret/v1" + private_key)


class ChainClock:
    """Estimates the timestamp the next block will carry.

    The latest block's timestamp plus the wall time since this clock first saw that block:
    right on a chain that mines on demand (anvil) and on one with a block interval alike.
    """

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self._block = -1
        self._ts = 0
        self._seen = 0.0

    def refresh(self) -> int:
        """Read the latest block; returns its number."""
        b = self.w3.eth.get_block("latest")
        if int(b["number"]) != self._block:
            self._block, self._ts, self._seen = int(b["number"]), int(b["timestamp"]), time.monotonic()
        return self._block

    def now(self) -> int:
        return self._ts + int(time.monotonic() - self._seen)


@dataclass
class _Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.executed = Counter("nashnet_tasks_executed", "Tasks executed", ["kind", "ok"], registry=r)
        self.txs = Counter("nashnet_transactions", "Transactions sent", ["action"], registry=r)
        self.reverts = Counter("nashnet_reverts", "Transactions that reverted", ["action"], registry=r)
        self.errors = Counter("nashnet_tick_errors", "Ticks cut short by an error", ["type"], registry=r)
        self.block = Gauge("nashnet_last_block", "Last block synced", registry=r)
        self.round = Gauge("nashnet_current_round", "Current round", registry=r)
        self.credit = Gauge("nashnet_credit_base_units", "Unclaimed credit", registry=r)


class NodeDaemon:
    """One operator's node.

    Args:
        d: The deployment.
        sender: The operator's transaction sender (its key signs every transaction).
        identity: The node's Ed25519 key; the registry holds its public half.
        cfg: The node's settings.
        state_dir: Where the SQLite state, traces and work dirs live.
        executor: Runs tasks (default: an embedded Ray executor from ``cfg``).
    """

    def __init__(
        self,
        d: Deployment,
        sender: Sender,
        identity: Any,
        cfg: NodeConfig,
        state_dir: Path,
        *,
        executor: Executor | None = None,
    ) -> None:
        self.d = d
        self.w3 = d.w3
        self.sender = sender
        self.me = Web3.to_checksum_address(sender.address)
        self.cfg = cfg
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.secret = salt_secret(bytes(sender.account.key))
        self.chainlog = ChainLog(self.state_dir / "state.db", d, confirmations=cfg.confirmations)
        self.store = NodeStore(self.state_dir / "state.db")
        self.view = MarketView()
        self.clock = ChainClock(self.w3)
        self.metrics = _Metrics()
        self.traces = TraceStore(self.state_dir / "traces")
        self.server = TraceServer(
            self.traces,
            identity,
            host=cfg.host,
            port=cfg.port,
            address=self.me,
            extra_routes={
                "/status": self._status_route,
                "/metrics": self._metrics_route,
                "/dashboard": self._dashboard_route,
            },
        )
        self._executor = executor
        self._own_executor = executor is None
        self.client = d.client()
        self._snapshot: tuple[list[NodeEntry], list[bool]] = ([], [])
        self._nodes_at = 0.0
        self._checked: set[int] = set()
        self._challenges: dict[int, tuple[tuple[Any, ...], bytes, int]] = {}
        self._seen_round_at: dict[int, float] = {}
        self._settle_seen: dict[int, float] = {}
        self._last_claim = 0.0
        self._backoff = 0.0
        self.stats: dict[str, int] = {}
        # For the log only: when each task in hand started, the last heartbeat, tasks warned late.
        self._started: dict[int, float] = {}
        self._heartbeat_at = 0.0
        self._warned_late: set[int] = set()
        self._unpriced: set[int] = set()  # rounds already logged as having no proposal

    # ------------------------------------------------------------- lifecycle

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor = Executor(
                ray_address=self.cfg.ray_address or None,
                num_cpus=self.cfg.num_cpus or None,
                workdir=self.state_dir / "work",
            )
        return self._executor

    @property
    def endpoint(self) -> str:
        return self.cfg.endpoint or self.server.url

    def start(self) -> None:
        """Start the trace server and fold the stored chain log into the view."""
        self.server.start()
        _ = self.executor  # Ray starts now, before the caller installs its signal handlers
        self._rebuild_view()
        log.info("node %s: trace server %s, state %s", self.me, self.server.url, self.state_dir)

    def approve_bonds(self) -> None:
        """Let the market take proposer bonds from this node without an approval per round."""
        if int(self.d.token.functions.allowance(self.me, self.d.market.address).call()) < 2**255:
            self._send("approve", self.d.token.functions.approve(self.d.market.address, 2**256 - 1))

    def _rebuild_view(self) -> None:
        self.view = MarketView()
        for e in self.chainlog.events():
            self.view.apply(e.name, e.args, e.block, e.id)
        self._checked.clear()

    def run(self, stop: threading.Event) -> None:
        """Tick until ``stop`` is set; RPC failures back off (0.5 s doubling to 10 s) and retry."""
        while not stop.is_set():
            try:
                self.tick()
                self._backoff = 0.0
                stop.wait(self.cfg.poll_interval)
            except _RETRYABLE as exc:
                self._retry_later(exc, stop)
            except Exception as exc:  # a web3/requests failure that is not ours: retry the same way
                if _is_connection_error(exc):
                    self._retry_later(exc, stop)
                else:
                    raise

    def _retry_later(self, exc: BaseException, stop: threading.Event) -> None:
        self.metrics.errors.labels(type(exc).__name__).inc()
        self._backoff = min(10.0, self._backoff * 2 or 0.5)
        log.warning("chain unreachable or slow (%s: %s); retrying in %.1f s", type(exc).__name__, exc, self._backoff)
        self.sender.reset_nonce()
        stop.wait(self._backoff)

    def close(self) -> None:
        """Commit what is owed and can still be committed, then stop everything this node started."""
        try:
            self._poll_outcomes()
            self._commit_step(final=True)
        except Exception as exc:  # best effort: the store keeps the rest for the next start
            log.warning("shutdown: owed commits left for the next start (%s)", exc)
        self.server.stop()
        if self._own_executor and self._executor is not None:
            self._executor.close()
        self.chainlog.close()
        self.store.close()

    # ------------------------------------------------------------------ tick

    def tick(self) -> None:
        """One pass over every step."""
        self.clock.refresh()
        res = self.chainlog.sync()
        if res.reorged_from is not None:
            log.warning("reorg from block %d: view rebuilt", res.reorged_from)
            self._rebuild_view()
        else:
            for e in res.events:
                self.view.apply(e.name, e.args, e.block, e.id)
        self.metrics.block.set(res.head)
        self.metrics.round.set(self.view.current_round)
        self._round_step()
        self._execute_step()
        self._poll_outcomes()
        self._commit_step()
        self._reveal_step()
        self._settle_step()
        self._expire_step()
        self._claim_step()
        self._log_progress()

    # ---------------------------------------------------------------- rounds

    def snapshot(self) -> tuple[list[NodeEntry], list[bool]]:
        """Every registered node with its configuration and eligibility (re-read when a registry
        event arrived, or every 30 s)."""
        if self.view.registry_changed or time.monotonic() - self._nodes_at > 30:
            self._snapshot = self.client.snapshot()
            self._nodes_at = time.monotonic()
            self.view.registry_changed = False
        return self._snapshot

    def nodes(self) -> list[str]:
        """The eligible nodes' addresses, ascending."""
        entries, eligible = self.snapshot()
        return [Web3.to_checksum_address(e.node) for e, ok in zip(entries, eligible, strict=True) if ok]

    def designated(self, round_: int) -> str | None:
        """The node whose turn it is to act for ``round_`` (checksummed address)."""
        nodes = self.nodes()
        return nodes[round_ % len(nodes)] if nodes else None

    def _my_turn(self, round_: int, since: float, grace: float) -> bool:
        return self.designated(round_) == self.me or time.monotonic() - since >= grace

    def proposal(self, round_: int) -> ProposalV2:
        """The proposal of ``round_`` as its event holds it."""
        return self.view.rounds[round_].parsed

    def _round_step(self) -> None:
        r = self.view.current_round
        rv = self.view.rounds.get(r)
        if rv is None:
            if self.view.open_tasks():
                # The others' grace runs from when there was something to propose.
                self._seen_round_at.setdefault(r, time.monotonic())
                self._maybe_propose(r)
            return
        if not rv.pending:
            return
        now = self.clock.now()
        if self.cfg.challenge and r not in self._checked and now < rv.challenge_closes:
            self._check(rv)
        if now >= rv.challenge_closes:
            since = self._seen_round_at.setdefault(-r, time.monotonic())
            if rv.proposer == self.me or self._my_turn(r, since, self.cfg.propose_grace):
                window = int(self.d.params.functions.commitWindow().call())
                if now > rv.challenge_closes + window:
                    # Nobody finalized in time: the escape hatch voids the round (its bond goes
                    # to the treasury) so the market moves on.
                    self._send("abandon", self.d.market.functions.abandon(r))
                else:
                    self._do("finalize", self.client.finalize, self.sender, r, rv.parsed)

    def _maybe_propose(self, r: int) -> None:
        if not self._my_turn(r, self._seen_round_at[r], self.cfg.propose_grace):
            return
        # The market refuses a proposal that leaves out an open task below nextTaskId.
        next_id = int(self.d.market.functions.nextTaskId().call())
        open_tasks = {t.id: t.record for t in self.view.open_tasks()}
        known = max(self.view.tasks, default=0)
        if known < next_id - 1:
            # The chain log is behind the head (`confirmations`, or blocks since the last sync):
            # read the newest submissions directly, so a steady stream of them cannot starve
            # proposals. A reorg that drops one only makes this proposal revert.
            fresh = self.client.records_since(self.chainlog.last_block() + 1)
            missing = range(known + 1, next_id)
            if any(t not in fresh for t in missing):
                return
            open_tasks.update({t: fresh[t] for t in missing})
        if not open_tasks:
            return
        t0 = time.perf_counter()
        try:
            # The proposal lands at `now` or later; the client leaves out tasks due inside the window.
            p = self.client.build_proposal(now=self.clock.now(), open_tasks=open_tasks, snapshot=self.snapshot())
        except ClearingError as exc:
            # No challenge-free proposal exists for these tasks (e.g. no per-kind clearing
            # prices): proposing anyway would lose the bond. The tasks stay open and are tried
            # again each tick (a new task or node changes the game); past their deadline they
            # are expired and refunded. Every other step of the tick goes on.
            if r not in self._unpriced:
                self._unpriced.add(r)
                log.warning("round %d: no challenge-free proposal for %d open tasks (%s); not proposing",
                            r, len(open_tasks), exc)
            return
        finally:
            self.stats["solve_ms"] = self.stats.get("solve_ms", 0) + int((time.perf_counter() - t0) * 1000)
        if not p.allocated_ids:
            return
        if self._do("propose", self.client.propose, self.sender, p):
            pairs = sum(len(t.nodes) for t in p.tasks if t.allocated)
            log.info("round %d: proposed %d pairs for %d of %d tasks", r, pairs, len(p.allocated_ids), len(p.tasks))

    def _check(self, rv: RoundView) -> None:
        """Challenge the pending proposal when it is not welfare-optimal: commit to the move, then
        reveal it in a later block (the market takes it only then, so it cannot be copied)."""
        r = rv.round
        pending = self._challenges.get(r)
        if pending is not None:
            move, salt, block = pending
            if self.clock.refresh() <= block:
                return
            self._checked.add(r)
            if self._do("challenge", self.client.challenge, self.sender, r, move, salt):
                log.info("round %d: challenged (move %d)", r, int(move[0]))
            return
        p = self.client.decode_proposal(rv.proposal, rv.block)
        try:
            move = self.client.find_move(p, rv.challenge_closes)
        except Exception as exc:  # the proposal passed the market's checks; a defect here is ours
            log.warning("round %d: cannot judge the proposal (%s)", r, exc)
            self._checked.add(r)
            return
        if move is None:
            self._checked.add(r)
            return
        if int(self.d.market.functions.checkMove(r, move).call()) != 0:
            log.warning("round %d: a move refutes the proposal off chain but the contract would not take it", r)
            self._checked.add(r)
            return
        salt = secrets.token_bytes(32)
        receipt = self._do("commit-challenge", self.client.commit_challenge, self.sender, r, move, salt)
        if receipt:
            self._challenges[r] = (move, salt, int(receipt["blockNumber"]))
        else:
            self._checked.add(r)

    # ------------------------------------------------------------- execution

    def _assigned(self, rv: RoundView) -> list[int]:
        """This node's allocated tasks of ``rv``'s proposal, in the order of its result vector."""
        try:
            return rv.parsed.assigned(self.me)
        except ClientError:  # not in the round's snapshot
            return []

    def _execute_step(self) -> None:
        """Start every task assigned to this node in a live proposal (before finalize, to save time)."""
        pending = self.executor.pending()
        for rv in self.view.rounds.values():
            if rv.voided or rv.settled or (rv.finalized and self.clock.now() > rv.commit_deadline):
                continue
            for tid in self._assigned(rv):
                t = self.view.tasks.get(tid)
                if t is None or tid in pending or self.store.outcome(tid) is not None:
                    continue
                if t.status not in (TaskStatus.OPEN, TaskStatus.ALLOCATED):
                    continue
                label = TaskKind(t.kind).label if t.kind in TaskKind._value2member_map_ else str(t.kind)
                self.executor.submit(tid, t.kind, t.spec or b"", timeout_s=self.cfg.timeout_for(label))
                pending = self.executor.pending()
                self._started[tid] = time.monotonic()
                log.info("task %d (%s): started for round %d (timeout %.0f s)", tid, label, rv.round,
                         self.cfg.timeout_for(label))

    def _poll_outcomes(self) -> None:
        if self._executor is None:
            return
        for o in self.executor.poll(0):
            self._keep(o)

    def _keep(self, o: Outcome) -> None:
        t = self.view.tasks.get(o.task_id)
        envelope: dict[str, Any] = {}
        if t is not None and t.spec:
            try:
                envelope = split_envelope(t.spec)[1]
            except Exception:  # a malformed spec already failed in the executor
                envelope = {}
        trace = o.trace
        reply_to = _reply_key(envelope)
        if reply_to is not None:
            from node.privacy import seal

            trace = seal(trace, reply_to, context=b"task:%d" % o.task_id)
        trace_hash = self.traces.put(trace)
        payload = reveal_payload(o, f"{self.endpoint}/trace/{trace_hash}")
        if trace_hash != o.trace_hash:  # the sealed copy is what is served and revealed
            doc = json.loads(payload)
            doc["trace"] = f"sha256:{trace_hash}"
            payload = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
        if reply_to is not None:
            from node.privacy import seal

            payload = seal(payload, reply_to, context=b"task:%d" % o.task_id)
        digest = result_digest(o.task_id, o.kind, o.ok, o.answer)
        self.store.put_outcome(
            StoredOutcome(o.task_id, o.kind, o.ok, o.answer, o.error, digest, payload, trace_hash, o.seconds)
        )
        self.metrics.executed.labels(o.kind, str(o.ok).lower()).inc()
        log.info("task %d (%s): %s in %.2f s", o.task_id, o.kind, "ok" if o.ok else f"failed: {o.error}", o.seconds)
        self._started.pop(o.task_id, None)
        self._warned_late.discard(o.task_id)

    def _log_progress(self) -> None:
        """Logging only: a heartbeat every :data:`HEARTBEAT_S` while tasks are in hand, and a warning,
        once per task, as soon as a task in hand can no longer be in its round's commit."""
        if self._executor is None:
            return
        pending = self.executor.pending()
        if not pending:
            return
        now = self.clock.now()
        # The log costs no call to the chain: every proposal is in the view.
        round_of: dict[int, RoundView] = {}
        for rv in self.view.rounds.values():
            if not rv.voided and not rv.settled:
                for tid in self._assigned(rv):
                    if tid in pending:
                        round_of[tid] = rv
        for tid in sorted(pending - self._warned_late):
            late = round_of.get(tid)
            if late is None or not late.finalized:
                continue
            committed = self.store.commit_record(late.round) is not None
            if committed or now > late.commit_deadline:
                self._warned_late.add(tid)
                running = time.monotonic() - self._started.get(tid, time.monotonic())
                why = "this node committed the round without it" if committed else "the commit deadline has passed"
                log.warning("task %d: still running after %.0f s, and %s: it cannot be in round %d's commit "
                            "(this node will be slashed for it)", tid, running, why, late.round)
        if time.monotonic() - self._heartbeat_at < HEARTBEAT_S:
            return
        self._heartbeat_at = time.monotonic()
        tasks = ", ".join(f"{tid} ({time.monotonic() - self._started[tid]:.0f} s)" if tid in self._started else str(tid)
                          for tid in sorted(pending))
        rounds = []
        for r in sorted({rv.round for rv in round_of.values()}):
            rv = self.view.rounds[r]
            left = rv.commit_deadline - now
            rounds.append(f"round {r}: not finalized yet" if not rv.finalized
                          else f"round {r}: commit deadline in {left} s" if left >= 0
                          else f"round {r}: commit deadline passed {-left} s ago")
        log.info("working: %d task%s in hand: %s; %s", len(pending), "" if len(pending) == 1 else "s", tasks,
                 "; ".join(rounds) or "no live round")

    # -------------------------------------------------------- commit, reveal

    def _commit_step(self, final: bool = False) -> None:
        """Commit this node's result vector of each finalized round: when every task is done, or
        when the commit window is about to close (a task not done is committed as silence)."""
        now = self.clock.now()
        window = int(self.d.params.functions.commitWindow().call()) if self.view.rounds else 0
        for rv in self.view.rounds.values():
            if not rv.finalized or now > rv.commit_deadline or self.store.commit_record(rv.round) is not None:
                continue
            mine = self._assigned(rv)
            if not mine:
                continue
            if self.me in rv.committed:  # committed by an earlier run whose record was lost
                continue
            done = self.store.outcomes(mine)
            margin = max(2, min(int(window * self.cfg.commit_margin), int(self.cfg.commit_margin_max)))
            closing = now >= rv.commit_deadline - margin
            if len(done) < len(mine) and not closing and not final:
                continue
            if not done:
                continue
            ids = sorted(done)
            results = self._results(mine, done)
            self.store.begin_commit(rv.round, ids)
            secret = codec.round_secret(self.secret, rv.round)
            receipt = self._do("commit", self.client.commit, self.sender, rv.round, secret, results)
            if receipt:
                self.store.set_commit_state(rv.round, "committed", commit_tx=_hash(receipt))
                log.info("round %d: committed %d of %d tasks", rv.round, len(ids), len(mine))

    @staticmethod
    def _results(mine: list[int], done: dict[int, StoredOutcome]) -> list[bytes]:
        """The result vector: a digest per assigned task, zero (silence) for a task not done."""
        return [done[t].digest if t in done else codec.ZERO32 for t in mine]

    def _reveal_step(self) -> None:
        now = self.clock.now()
        m = self.d.market.functions
        for rec in self.store.commits(("sending", "committed")):
            rv = self.view.rounds.get(rec.round)
            if rv is None or not rv.finalized:
                continue
            if rec.state == "sending":
                # Killed between writing the record and the receipt: the chain says what happened.
                if int.from_bytes(m.commitmentOf(rec.round, self.me).call(), "big") != 0 or self.me in rv.committed:
                    self.store.set_commit_state(rec.round, "committed")
                elif now > rv.commit_deadline:
                    self.store.set_commit_state(rec.round, "missed")
                    continue
                else:
                    continue  # the commit step resends nothing: the record exists; wait for the event
            if now <= rv.commit_deadline:
                continue
            if now > rv.reveal_deadline:
                self.store.set_commit_state(rec.round, "missed")
                log.warning("round %d: reveal window closed before this node could reveal", rec.round)
                continue
            mine = self._assigned(rv)
            done = self.store.outcomes(rec.task_ids)  # exactly what was committed, whatever finished since
            results = self._results(mine, done)
            payloads = codec.encode_payloads([done[t].payload if t in done else b"" for t in mine])
            secret = codec.round_secret(self.secret, rec.round)
            receipt = self._do("reveal", self.client.reveal, self.sender, rec.round, secret, results, payloads)
            if receipt:
                self.store.set_commit_state(rec.round, "revealed", reveal_tx=_hash(receipt))
                log.info("round %d: revealed %d tasks", rec.round, len(done))

    # ---------------------------------------------------- settle, expire, claim

    def _settle_step(self) -> None:
        """Settle each round past its reveal deadline, whole, from the proposal and the reveals."""
        now = self.clock.now()
        for rv in self.view.rounds.values():
            if not rv.finalized or rv.settled or now <= rv.reveal_deadline:
                continue
            since = self._settle_seen.setdefault(rv.round, time.monotonic())
            if not self._my_turn(rv.round, since, self.cfg.settle_grace):
                continue
            r = rv.round
            if self._do("settle", self.client.settle, self.sender, r, rv.parsed, rv.revealed):
                log.info("round %d: settled %d tasks", r, len(rv.parsed.allocated_ids))

    def _expire_step(self) -> None:
        now = self.clock.now()
        due = [t for t in self.view.open_tasks() if t.deadline < now]
        if not due:
            return
        # The market refuses to expire a task in the pending round's range until the round ends.
        rv = self.view.rounds.get(self.view.current_round)
        limit = rv.parsed.task_limit if rv is not None and rv.pending else 0
        for t in due:
            if t.id >= limit:
                since = self._seen_round_at.setdefault(-(10**9) - t.id, time.monotonic())
                if self._my_turn(t.id, since, self.cfg.settle_grace):
                    self._do("expire", self.client.expire, self.sender, t.id, t.record)

    def _claim_step(self) -> None:
        if time.monotonic() - self._last_claim < 5:
            return
        self._last_claim = time.monotonic()
        credit = int(self.d.market.functions.creditOf(self.me).call())
        self.metrics.credit.set(credit)
        if credit > 0 and self._send("claim", self.d.market.functions.claim()):
            log.info("claimed %d base units", credit)

    # ------------------------------------------------------------ plumbing

    def _send(self, action: str, fn: Any) -> Any:
        """Send the contract call ``fn`` (see :meth:`_do`)."""
        return self._do(action, self.sender.transact, fn)

    def _do(self, action: str, send: Any, *args: Any) -> Any:
        """Run ``send(*args)`` (one transaction, usually a protocol client's method) and return its
        receipt; a revert is logged and counted (another node was first, or a window moved) and
        gives None, as does a client's refusal to send."""
        try:
            receipt = send(*args)
        except ClientError as exc:
            log.info("%s not sent: %s", action, exc)
            return None
        except TransactionReverted as exc:
            self.metrics.reverts.labels(action).inc()
            log.info("%s reverted: %s", action, exc)
            self.sender.reset_nonce()
            return None
        self.metrics.txs.labels(action).inc()
        self.stats[action] = self.stats.get(action, 0) + 1
        return receipt

    def status(self) -> dict[str, Any]:
        """What ``/status`` serves."""
        return {
            "node": self.me,
            "block": self.chainlog.last_block(),
            "round": self.view.current_round,
            "tasks": self.view.counts(),
            "store": self.store.summary(),
            "pending": len(self._executor.pending()) if self._executor is not None else 0,
            "sent": dict(self.stats),
        }

    def _status_route(self) -> tuple[int, str, bytes]:
        return 200, "application/json", json.dumps(self.status()).encode()

    def _dashboard_route(self) -> tuple[int, str, bytes]:
        """A small HTML page over :meth:`status`, refreshed every 2 s."""
        from html import escape

        st = self.status()
        rows = "".join(
            f"<tr><th>{escape(str(k))}</th><td>{escape(json.dumps(v))}</td></tr>" for k, v in st.items()
        )
        page = (
            "<!doctype html><html><head><meta charset='utf-8'><meta http-equiv='refresh' content='2'>"
            f"<title>nashnet node {escape(self.me)}</title><style>body{{font-family:sans-serif}}"
            "th{text-align:left;padding-right:1em}td{font-family:monospace}</style></head><body>"
            f"<h1>nashnet node</h1><table>{rows}</table>"
            "<p><a href='/metrics'>metrics</a> · <a href='/status'>status (JSON)</a></p></body></html>"
        )
        return 200, "text/html; charset=utf-8", page.encode()

    def _metrics_route(self) -> tuple[int, str, bytes]:
        return 200, "text/plain; version=0.0.4", generate_latest(self.metrics.registry)


def _hash(receipt: Any) -> str:
    return Web3.to_hex(receipt["transactionHash"])


def _reply_key(envelope: dict[str, Any]) -> str | None:
    reply = envelope.get("reply_to") if isinstance(envelope, dict) else None
    if isinstance(reply, dict) and isinstance(reply.get("x25519"), str):
        return str(reply["x25519"])
    return None


def _is_connection_error(exc: BaseException) -> bool:
    import requests

    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout, ChainError)):
        return not isinstance(exc, TransactionReverted)
    return False
