"""The node daemon's loop: follow the chain, play every round, execute, commit, reveal, settle, claim.

One tick does each step once, in order; every step reads the view folded from the chain
log and this node's store, so a tick can be cut anywhere (a crash, SIGTERM, a dead RPC)
and the next tick — in this process or after a restart — carries on from what is on chain
and on disk. Steps that any node may take (propose, finalize, settle, expire) have a
designated node per round, ``active nodes sorted by address [round % n]``; the others wait
a grace period before doing it themselves, so one dead node never stalls the market.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import keccak
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from web3 import Web3

from consensus.clients.errors import ClientError
from consensus.clients.moves import to_chain_move
from consensus.clients.results import derive_salt
from consensus.game import Allocation, Instance, Node, Task, find_profitable_move, solve
from contracts.bindings import Deployment
from contracts.errors import ChainError, RpcUnreachable, TransactionReverted, TransactionTimeout
from contracts.kinds import TaskKind
from contracts.market import ChainMove, TaskStatus, batch_commitment, item_commitment, proposal_of
from contracts.tx import Sender

from .chainlog import ChainLog
from .config import NodeConfig
from .executor import Executor
from .outcome import Outcome, result_digest, reveal_payload, split_envelope
from .store import NodeStore, StoredOutcome
from .traces import TraceServer, TraceStore
from .view import MarketView, RoundView

__all__ = ["ChainClock", "NodeDaemon", "salt_secret"]

log = logging.getLogger("nashnet.node")

#: Tasks settled per transaction (about 50k gas each: 250 fit well inside a 30M-gas block).
SETTLE_CHUNK = 250

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
        self._nodes: list[Node] = []
        self._nodes_at = 0.0
        self._proposals: dict[int, dict[str, list[int]]] = {}
        self._round_info: dict[int, Any] = {}
        self._checked: set[int] = set()
        self._seen_round_at: dict[int, float] = {}
        self._settle_seen: dict[int, float] = {}
        self._last_claim = 0.0
        self._backoff = 0.0
        self.stats: dict[str, int] = {}
        # For the log only: when each task in hand started, the last heartbeat, tasks warned late.
        self._started: dict[int, float] = {}
        self._heartbeat_at = 0.0
        self._warned_late: set[int] = set()

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
        self._proposals.clear()
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

    def nodes(self) -> list[Node]:
        """Active nodes with capacities and prices (re-read when a registry event arrived, or every 30 s)."""
        if self.view.registry_changed or time.monotonic() - self._nodes_at > 30:
            r = self.d.registry.functions
            nodes = []
            for op in r.operators().call():
                if not r.isActive(op).call():
                    continue
                mask = int(r.getNode(op).call()[4])
                prices = {k: int(r.priceOf(op, k).call()) for k in range(1, 256) if (mask >> k) & 1}
                nodes.append(Node(Web3.to_checksum_address(op), int(r.capacityOf(op).call()), prices))
            self._nodes = sorted(nodes, key=lambda n: int(str(n.id), 16))
            self._nodes_at = time.monotonic()
            self.view.registry_changed = False
        return self._nodes

    def designated(self, round_: int) -> str | None:
        """The node whose turn it is to act for ``round_`` (checksummed address)."""
        nodes = self.nodes()
        return Web3.to_checksum_address(str(nodes[round_ % len(nodes)].id)) if nodes else None

    def _my_turn(self, round_: int, since: float, grace: float) -> bool:
        return self.designated(round_) == self.me or time.monotonic() - since >= grace

    def instance(self, task_limit: int = 0, min_deadline: int = 0) -> Instance:
        """The game of the current round from the view (the same integers the contract checks).

        Tasks due before ``min_deadline`` (the end of the round's challenge window) are left
        out: the round could never allocate them, and the contract leaves them out too.
        """
        tasks = [
            Task(t.id, t.kind, t.reward, t.redundancy)
            for t in self.view.open_tasks(task_limit)
            if t.deadline >= min_deadline
        ]
        return Instance(tasks=tasks, nodes=self.nodes())

    def proposal(self, round_: int) -> dict[str, list[int]]:
        if round_ not in self._proposals:
            self._proposals[round_] = proposal_of(self.d, round_)
        return self._proposals[round_]

    def _info(self, round_: int) -> Any:
        info = self._round_info.get(round_)
        if info is None or info[0] == 0:
            r = self.d.market.functions.getRound(round_).call()
            proposed_at = int(r[1])
            # The window is read once per round, not on every tick.
            closes = proposed_at + int(self.d.params.functions.challengeWindow().call())
            info = (proposed_at, int(r[7]), closes)  # proposedAt, taskLimit, end of the window
            self._round_info[round_] = info
        return info

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
        _, task_limit, closes = self._info(r)
        if self.cfg.challenge and r not in self._checked and self.clock.now() < closes:
            self._check(r, task_limit, closes)
        if self.clock.now() >= closes:
            since = self._seen_round_at.setdefault(-r, time.monotonic())
            if rv.proposer == self.me or self._my_turn(r, since, self.cfg.propose_grace):
                tasks = sorted({t for ts in self.proposal(r).values() for t in ts})
                self._send("finalize", self.d.market.functions.finalize(r, tasks))

    def _maybe_propose(self, r: int) -> None:
        if not self._my_turn(r, self._seen_round_at[r], self.cfg.propose_grace):
            return
        # Every open task below nextTaskId is in the game the watchers check: be synced to it.
        next_id = int(self.d.market.functions.nextTaskId().call())
        if self.view.tasks and max(self.view.tasks) < next_id - 1:
            return
        t0 = time.perf_counter()
        # The proposal lands at `now` or later: a task due before now + window could not be allocated.
        window = int(self.d.params.functions.challengeWindow().call())
        allocation = solve(self.instance(min_deadline=self.clock.now() + window))
        self.stats["solve_ms"] = self.stats.get("solve_ms", 0) + int((time.perf_counter() - t0) * 1000)
        if len(allocation) == 0:
            return
        mapping = {str(n): [int(t) for t in ts] for n, ts in allocation.by_node().items()}
        bond = int(self.d.params.functions.proposerBond().call())
        if bond and int(self.d.token.functions.allowance(self.me, self.d.market.address).call()) < bond:
            # One approval covers this node's bonds from now on: a round saves a block.
            self._send("approve", self.d.token.functions.approve(self.d.market.address, 2**256 - 1))
        payload = [(Web3.to_checksum_address(n), ts) for n, ts in mapping.items() if ts]
        if self._send("propose", self.d.market.functions.proposeAllocation(r, payload)):
            log.info("round %d: proposed %d pairs for %d tasks", r, len(allocation), len(self.view.open_tasks()))

    def _check(self, r: int, task_limit: int, closes: int) -> None:
        self._checked.add(r)
        proposed = self.proposal(r)
        allocation = Allocation.from_pairs((n, t) for n, ts in proposed.items() for t in ts)
        move = find_profitable_move(self.instance(task_limit, closes), allocation)
        if move is None:
            return
        try:
            chain_move = to_chain_move(move)
        except ClientError:
            log.warning("round %d: proposal refuted by %r, which has no challenge form", r, move)
            return
        if not bool(self.d.market.functions.checkMove(r, chain_move.as_tuple()).call()):
            log.warning("round %d: %r refutes the proposal off chain but the contract would not take it", r, move)
            return
        if self._send("challenge", self.d.market.functions.challenge(r, _tuple(chain_move))):
            log.info("round %d: challenged with %r", r, move)

    # ------------------------------------------------------------- execution

    def _assigned(self, rv: RoundView) -> list[int]:
        return sorted(self.proposal(rv.round).get(self.me, []))

    def _execute_step(self) -> None:
        """Start every task assigned to this node in a live proposal (before finalize, to save time)."""
        pending = self.executor.pending()
        for rv in self.view.rounds.values():
            if rv.voided or (rv.finalized and self.clock.now() > rv.commit_deadline):
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
        # Only proposals already read (the execute step read each one it started a task from):
        # the log costs no call to the chain.
        round_of: dict[int, RoundView] = {}
        for r, assignments in self._proposals.items():
            rv = self.view.rounds.get(r)
            if rv is not None and not rv.voided:
                for tid in assignments.get(self.me, []):
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
        now = self.clock.now()
        window = int(self.d.params.functions.commitWindow().call()) if self.view.rounds else 0
        for rv in self.view.rounds.values():
            if not rv.finalized or now > rv.commit_deadline or self.store.commit_record(rv.round) is not None:
                continue
            mine = [t for t in self._assigned(rv) if t in rv.allocated]
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
            items = [item_commitment(done[t].digest, derive_salt(self.secret, t, rv.round), self.me) for t in ids]
            self.store.begin_commit(rv.round, ids)
            receipt = self._send("commit", self.d.market.functions.commit(rv.round, batch_commitment(ids, items)))
            if receipt:
                self.store.set_commit_state(rv.round, "committed", commit_tx=_hash(receipt))
                log.info("round %d: committed %d of %d tasks", rv.round, len(ids), len(mine))

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
            outcomes = self.store.outcomes(rec.task_ids)
            ids = rec.task_ids
            fn = m.reveal(
                rec.round,
                ids,
                [outcomes[t].digest for t in ids],
                [derive_salt(self.secret, t, rec.round) for t in ids],
                [outcomes[t].payload for t in ids],
            )
            receipt = self._send("reveal", fn)
            if receipt:
                self.store.set_commit_state(rec.round, "revealed", reveal_tx=_hash(receipt))
                log.info("round %d: revealed %d tasks", rec.round, len(ids))

    # ---------------------------------------------------- settle, expire, claim

    def _settle_step(self) -> None:
        now = self.clock.now()
        due: list[tuple[int, list[str]]] = []
        for rv in self.view.rounds.values():
            if not rv.finalized or now <= rv.reveal_deadline:
                continue
            ids = [t for t in sorted(rv.allocated) if self.view.tasks[t].status is TaskStatus.ALLOCATED]
            if not ids:
                continue
            since = self._settle_seen.setdefault(rv.round, time.monotonic())
            if not self._my_turn(rv.round, since, self.cfg.settle_grace):
                continue
            proposal = self.proposal(rv.round)
            for t in ids:
                nodes = sorted((n for n, ts in proposal.items() if t in ts), key=lambda a: int(a, 16))
                due.append((t, nodes))
        if not due:
            return
        for start in range(0, len(due), SETTLE_CHUNK):
            chunk = due[start : start + SETTLE_CHUNK]
            fn = self.d.market.functions.settleMany([t for t, _ in chunk], [n for _, n in chunk])
            if self._send("settle", fn):
                log.info("settled %d tasks", len(chunk))

    def _expire_step(self) -> None:
        now = self.clock.now()
        # The contract refuses to expire a task of the pending proposal until its round ends.
        due = [t for t in self.view.open_tasks() if t.deadline < now]
        if not due:
            return
        rv = self.view.rounds.get(self.view.current_round)
        pending = {t for ts in self.proposal(rv.round).values() for t in ts} if rv and rv.pending else set()
        for t in due:
            if t.id not in pending:
                since = self._seen_round_at.setdefault(-(10**9) - t.id, time.monotonic())
                if self._my_turn(t.id, since, self.cfg.settle_grace):
                    self._send("expire", self.d.market.functions.expire(t.id))

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
        """Send ``fn``; a revert is logged and counted (another node was first, or a window moved)."""
        try:
            receipt = self.sender.transact(fn)
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


def _tuple(move: ChainMove) -> tuple[Any, ...]:
    return move.as_tuple()


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
