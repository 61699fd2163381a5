"""A local network on one machine: anvil, the contracts, N node processes, a requester.

``Devnet.up`` starts anvil on 127.0.0.1, deploys and passes a governance proposal (the
scenario), creates one encrypted keystore per node, funds it, writes its ``node.toml`` and
starts ``nashnet node run`` for it as its own process. Everything it starts is recorded in
``devnet.json`` in its folder, so ``Devnet.load(folder).down()`` — ``nashnet devnet down`` —
stops it from another shell and leaves nothing running.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from web3 import Web3

from consensus.clients.audit import verify_history
from consensus.clients.history import histories
from consensus.clients.market_v2 import TaskInput
from contracts import DeployConfig, Deployment, ErrorDecoder, Manifest, Sender, codec, compile_contracts, connect
from contracts.anvil import Anvil, free_port
from contracts.deploy import ParamsConfig
from contracts.errors import ChainError, ConfigError
from contracts.files import write_atomic
from contracts.kinds import TaskKind
from node.devnet_report import TaskRecord, judge, slashed_by_node
from node.keys import Keystore, dev_account
from node.samples import Sample
from node.scenario import run_scenario

__all__ = ["Devnet", "DevnetNode", "TOKEN", "devnet_params", "expected_answer"]

TOKEN = 10**18
STATE_FILE = "devnet.json"
_FINAL = {"settled", "refunded", "expired", "cancelled"}

#: What each node charges (tokens) on the devnet.
DEVNET_PRICES = {"react": "1", "rewoo": "1", "mcts": "0.5", "neuro-symbolic": "0.5", "training": "2", "spiking": "1"}


def devnet_params(challenge: int = 5, commit: int = 180, reveal: int = 15) -> ParamsConfig:
    """Protocol parameters for a devnet: windows short enough for a demo, the commit window long
    enough for a language-model task on a loaded CPU (a node that cannot commit in time is slashed)."""
    return ParamsConfig(challenge_window=challenge, commit_window=commit, reveal_window=reveal,
                        unbonding_delay=max(60, challenge + commit + reveal), proposer_bond=10 * TOKEN)


@dataclass
class DevnetNode:
    """One node process of the devnet."""

    name: str
    address: str
    port: int
    pid: int = 0
    config: str = ""
    log: str = ""

    def alive(self) -> bool:
        return _alive(self.pid)


@dataclass
class Devnet:
    """A running devnet (see the module docstring)."""

    folder: Path
    rpc_url: str
    anvil_pid: int
    manifest_path: Path
    password: str
    nodes: list[DevnetNode] = field(default_factory=list)
    requester_index: int = 1
    scenario: dict[str, Any] = field(default_factory=dict)
    _anvil: Anvil | None = None

    # ------------------------------------------------------------------ up

    @classmethod
    def up(
        cls,
        folder: Path,
        *,
        nodes: int = 3,
        port: int | None = None,
        params: ParamsConfig | None = None,
        capacity: int = 64,
        num_cpus: int = 0,
        node_env: dict[str, str] | None = None,
        block_time: int = 1,
        say: Callable[[str], None] = lambda _m: None,
    ) -> Devnet:
        """Start everything; returns once every node is registered and active."""
        folder = Path(folder)
        if (folder / STATE_FILE).exists():
            old = cls.load(folder)
            if old.running():
                raise ConfigError(f"a devnet is already running from {folder} (stop it with `nashnet devnet down`)")
        folder.mkdir(parents=True, exist_ok=True)
        anvil = Anvil.start(port, log_file=folder / "anvil.log")
        net = cls(folder=folder, rpc_url=anvil.url, anvil_pid=anvil.process.pid,
                  manifest_path=folder / "manifest.json",
                  password=os.environ.get("NASHNET_PASSWORD") or secrets.token_urlsafe(16), _anvil=anvil)
        try:
            net._deploy(params or devnet_params(), say)
            # A real chain makes a block every few seconds whether or not anyone sends one; so does
            # the devnet from here on (deploying went faster with a block per transaction).
            connect(net.rpc_url).provider.make_request("evm_setIntervalMining", [block_time])  # type: ignore[arg-type]
            net._start_nodes(nodes, capacity, num_cpus, node_env or {}, say)
            net.save()
            net.wait_registered(timeout=120, say=say)
        except BaseException:
            net.down()
            raise
        return net

    def _deploy(self, params: ParamsConfig, say: Callable[[str], None]) -> None:
        w3 = connect(self.rpc_url)
        chain_id = int(w3.eth.chain_id)
        result = run_scenario(w3, dev_account(0, chain_id), [], config=DeployConfig(params=params), say=say)
        if not result.passed:
            raise ChainError(f"devnet governance scenario failed: proposal {result.proposal_state}")
        result.manifest.save(self.manifest_path)
        self.scenario = result.summary()

    def _start_nodes(self, n: int, capacity: int, num_cpus: int, env: dict[str, str],
                     say: Callable[[str], None]) -> None:
        w3 = connect(self.rpc_url)
        d = self.deployment(w3)
        boss = self.sender(w3, dev_account(0, int(w3.eth.chain_id)))
        keystore = Keystore(self.folder / "home" / "keystore")
        stake = int(d.params.functions.minStake().call()) * 2
        for i in range(n):
            name = f"node{i + 1}"
            try:
                acct = keystore.load(name, self.password)
            except Exception:
                keystore.create(name, self.password)
                acct = keystore.load(name, self.password)
            w3.provider.make_request("anvil_setBalance", [acct.address, hex(100 * TOKEN)])  # type: ignore[arg-type]
            boss.transact(d.token.functions.transfer(acct.address, stake * 2))
            node = DevnetNode(name=name, address=acct.address, port=free_port())
            node.config = str(self.folder / f"{name}.toml")
            node.log = str(self.folder / f"{name}.log")
            prices = "".join(f'"{k}" = "{v}"\n' for k, v in DEVNET_PRICES.items())
            write_atomic(Path(node.config), (
                f'account = "{name}"\ncapacity = {capacity}\nstake = "{stake // TOKEN}"\nport = {node.port}\n'
                f'num_cpus = {num_cpus}\nstate_dir = "{self.folder / "state" / name}"\n'
                f"poll_interval = 0.3\nsettle_grace = 6.0\npropose_grace = 6.0\n\n[prices]\n{prices}"
            ))
            self.nodes.append(node)
            self.start_node(node, env)
            say(f"{name} started: {acct.address} (pid {node.pid}, traces on port {node.port}, log {node.log})")
        # The requester (anvil dev account 1) gets tokens to pay for tasks.
        requester = dev_account(self.requester_index, int(w3.eth.chain_id))
        boss.transact(d.token.functions.transfer(requester.address, 1_000_000 * TOKEN))

    def start_node(self, node: DevnetNode, env: dict[str, str] | None = None) -> None:
        """(Re)start ``node``'s process."""
        cmd = [sys.executable, "-m", "node.cli", "node", "run", "--config", node.config, "--yes"]
        full_env = os.environ | {
            "NASHNET_HOME": str(self.folder / "home"),
            "NASHNET_PASSWORD": self.password,
            "NASHNET_RPC_URL": self.rpc_url,
            "NASHNET_MANIFEST": str(self.manifest_path),
            "PYTHONUNBUFFERED": "1",
        } | (env or {})
        with open(node.log, "ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=full_env, start_new_session=True)
        node.pid = proc.pid
        self.save()

    def wait_registered(self, timeout: float = 120, say: Callable[[str], None] = lambda _m: None) -> None:
        """Wait until every node is registered and active (a node process that dies fails it)."""
        d = self.deployment()
        deadline = time.monotonic() + timeout
        waiting = {n.address for n in self.nodes}
        while waiting:
            for n in self.nodes:
                if n.address in waiting and bool(d.registry.functions.isActive(n.address).call()):
                    waiting.discard(n.address)
                    say(f"{n.name} registered and staked")
                elif n.address in waiting and not n.alive():
                    raise ChainError(f"{n.name} exited before registering; see {n.log}")
            if time.monotonic() > deadline:
                raise ChainError(f"nodes not registered after {timeout:g} s: {sorted(waiting)}")
            time.sleep(0.3)

    # ---------------------------------------------------------------- tasks

    def submit(self, items: Sequence[Sample], *, reward: int = 10 * TOKEN, deadline_s: int = 3600,
               batch: int = 50) -> list[int]:
        """Submit ``items`` from the requester in batches; returns their task ids."""
        w3 = connect(self.rpc_url)
        d = self.deployment(w3)
        sender = self.sender(w3, dev_account(self.requester_index, int(w3.eth.chain_id)))
        now = int(w3.eth.get_block("latest")["timestamp"])
        ids: list[int] = []
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            tasks = [TaskInput(s.spec, int(TaskKind.parse(s.kind)), s.reward or reward, now + deadline_s, s.redundancy)
                     for s in chunk]
            sender.transact(d.token.functions.approve(d.market.address, sum(t.reward for t in tasks)))
            ids += d.client().submit(sender, tasks)
        return ids

    def statuses(self, ids: Sequence[int], d: Deployment | None = None) -> dict[int, str]:
        """Each task's status: open, allocated, settled, refunded, expired or cancelled."""
        d = d or self.deployment()
        return {t: h.status for t, h in histories(d.client(), ids).items()}

    def wait(self, ids: Sequence[int], *, timeout: float = 600, poll: float = 1.0,
             progress: Callable[[dict[int, str]], None] | None = None) -> dict[int, str]:
        """Wait until every task in ``ids`` is settled, refunded or expired (or ``timeout``)."""
        d = self.deployment()
        deadline = time.monotonic() + timeout
        while True:
            st = self.statuses(ids, d)
            if progress:
                progress(st)
            if all(s in _FINAL for s in st.values()) or time.monotonic() > deadline:
                return st
            time.sleep(poll)

    def records(self, ids: Sequence[int], expected: Mapping[int, str] | None = None,
                d: Deployment | None = None) -> list[TaskRecord]:
        """What the chain says about each task of ``ids``: status, assigned nodes, reveals, winner, slashes."""
        d = d or self.deployment()
        return _records(d, ids, expected)

    def report(self, ids: Sequence[int], expected: Mapping[int, str] | None = None) -> dict[str, Any]:
        """Outcome, audit and accounting of ``ids``, and the verdict.

        ``passed`` is true only when every task settled, on its ``expected`` answer where one is
        given, no node was slashed, every audit head verified and tokens are conserved; otherwise
        ``problems`` says which task, which node and why (see :mod:`node.devnet_report`).
        """
        d = self.deployment()
        records = self.records(ids, expected, d)
        by_kind: dict[str, dict[str, int]] = {}
        for r in records:
            by_kind.setdefault(r.kind, {}).setdefault(r.status, 0)
            by_kind[r.kind][r.status] += 1
        audits_ok = 0
        m = d.client()
        for h in histories(m, ids).values():
            verify_history(m, h)
            audits_ok += 1
        token = d.token.functions
        holders = {d.market.address, d.registry.address, d.timelock.address}
        holders |= {n.address for n in self.nodes}
        holders |= {dev_account(i, int(d.w3.eth.chain_id)).address for i in range(10)}
        # Every balance at one block: the nodes keep claiming while this reads, a block a second.
        at = int(d.w3.eth.block_number)
        supply = int(token.totalSupply().call(block_identifier=at))
        held = sum(int(token.balanceOf(a).call(block_identifier=at)) for a in holders)
        f = d.market.functions
        escrowed, bonds, unclaimed = (int(g().call(block_identifier=at)) for g in (f.escrowed, f.bonds, f.unclaimed))
        market_balance = int(token.balanceOf(d.market.address).call(block_identifier=at))
        conserved = held == supply and market_balance == escrowed + bonds + unclaimed
        name_of = {n.address: n.name for n in self.nodes}
        problems = judge(records)
        return {
            "tasks": len(ids),
            "by_kind": by_kind,
            "answers": {str(r.id): r.answer for r in records} if len(ids) <= 50 else {},
            "outcomes": [r.to_dict() for r in records] if len(ids) <= 50 else [],
            "slashed": slashed_by_node(records),
            "refunded": [r.id for r in records if r.status == "refunded"],
            "problems": [{**asdict(p), "line": p.line(name_of)} for p in problems],
            "audits_verified": audits_ok,
            "supply": supply,
            "held_by_known_accounts": held,
            "conserved": conserved,
            "market": {"balance": market_balance, "escrowed": escrowed, "bonds": bonds, "unclaimed": unclaimed},
            "passed": not problems and conserved and audits_ok == len(ids),
        }

    # ---------------------------------------------------------------- state

    def deployment(self, w3: Web3 | None = None) -> Deployment:
        w3 = w3 or connect(self.rpc_url)
        return Deployment.attach(w3, Manifest.load(self.manifest_path), compile_contracts())

    @staticmethod
    def sender(w3: Web3, acct: Any) -> Sender:
        artifacts = compile_contracts()
        return Sender(w3, acct, ErrorDecoder.from_artifacts(artifacts.contracts.values()))

    def save(self) -> None:
        data = {
            "rpc_url": self.rpc_url, "anvil_pid": self.anvil_pid, "manifest": str(self.manifest_path),
            "password": self.password, "requester_index": self.requester_index,
            "nodes": [asdict(n) for n in self.nodes],
        }
        path = self.folder / STATE_FILE
        write_atomic(path, json.dumps(data, indent=2), mode=0o600)  # it holds the keystore password

    @classmethod
    def load(cls, folder: Path) -> Devnet:
        path = Path(folder) / STATE_FILE
        if not path.is_file():
            raise ConfigError(f"no devnet in {folder} (start one with `nashnet devnet up`)")
        data = json.loads(path.read_text())
        return cls(folder=Path(folder), rpc_url=data["rpc_url"], anvil_pid=int(data["anvil_pid"]),
                   manifest_path=Path(data["manifest"]), password=data["password"],
                   nodes=[DevnetNode(**n) for n in data["nodes"]], requester_index=int(data["requester_index"]))

    def running(self) -> bool:
        return _alive(self.anvil_pid) or any(n.alive() for n in self.nodes)

    def stop_node(self, node: DevnetNode, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        """Signal ``node`` and wait for it to exit (SIGKILL after ``timeout``)."""
        _stop(node.pid, sig, timeout)

    def down(self, timeout: float = 30) -> None:
        """Stop every node (SIGTERM, then SIGKILL), then anvil."""
        for n in self.nodes:
            if n.alive():
                os.kill(n.pid, signal.SIGTERM)
        for n in self.nodes:
            _stop(n.pid, 0, timeout)
        if self._anvil is not None:
            self._anvil.stop()
        else:
            _stop(self.anvil_pid, signal.SIGTERM, 10)
        state = self.folder / STATE_FILE
        if state.exists():
            state.unlink()


def _records(d: Deployment, ids: Sequence[int], expected: Mapping[int, str] | None) -> list[TaskRecord]:
    out = []
    for t, h in histories(d.client(), ids).items():
        reveals = []
        for node, r in h.reveals.items():
            if r.digest == codec.ZERO32:  # "not done": the market counts it as silence
                continue
            ok, answer = _payload_answer(r.payload)
            reveals.append({"node": node, "result_hash": "0x" + r.digest.hex(), "ok": ok, "answer": answer})
        rec: dict[str, Any] = {"id": t, "kind": TaskKind(h.record.kind).label, "status": h.status,
                               "assigned": tuple(sorted(h.nodes)), "reveals": reveals, "slashed": h.slashed,
                               "expected": (expected or {}).get(t), "refund": h.refund}
        if h.winner is not None:
            rec["winner"] = "0x" + h.winner.hex()
        out.append(TaskRecord.from_dict(rec))
    return out


def _payload_answer(payload: bytes) -> tuple[bool | None, str | None]:
    """``(ok, answer)`` of a revealed payload; ``(None, None)`` when it is sealed or not JSON."""
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(doc, dict):
        return None, None
    ok = doc.get("ok")
    answer = doc.get("answer")
    return (ok if isinstance(ok, bool) else None), (None if answer is None else str(answer))


def expected_answer(sample: Sample) -> str | None:
    """The answer a sample must settle on, where the devnet knows it.

    The react and rewoo samples ask arithmetic questions whose exact answers come with the data
    set (``What is 431 times 29, plus 8?`` → ``12507``); the other kinds have no single answer
    known in advance here, so the verdict checks only that their nodes agreed.
    """
    if sample.kind not in ("react", "rewoo"):
        return None
    try:
        question = json.loads(sample.spec).get("question")
    except (ValueError, AttributeError):
        return None
    return _arithmetic_answers().get(str(question))


@cache
def _arithmetic_answers() -> dict[str, str]:
    from reasoning.datasets.arithmetic import arithmetic_questions

    # node.samples draws its questions from this data set with seed 7; the set is a prefix of
    # itself for any size, so the first 200 cover every --samples value the devnet accepts.
    return {q.question: q.answer for q in arithmetic_questions(200, seed=7)}


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of this process counts as gone.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def _stop(pid: int, sig: int, timeout: float) -> None:
    if not _alive(pid):
        return
    try:
        if sig:
            os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        while _alive(pid):
            time.sleep(0.05)
