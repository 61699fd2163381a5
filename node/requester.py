"""The requester's side of the market, for the CLI and for programs: check a task input, escrow
and submit it, read a task back from the events, cancel it and claim refunds.

Every check runs before a token moves and names the field it refused (:class:`ConfigError`);
reading goes through :mod:`consensus.clients.history`, so a task's status, nodes, reveals and
outcome are what the events say.

Typical use::

    r = Requester(d, sender)
    spec = validate_input(TaskKind.MCTS, raw)
    tid = r.submit(TaskKind.MCTS, spec, reward=5 * 10**18, deadline_s=3600)
    r.row(tid)["status"]            # "open", later "settled"
    r.cancel(tid); r.claim()        # take an open task back; pay out credited refunds
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from consensus.clients.history import TaskHistory, UnknownTask, histories, history
from consensus.clients.market_v2 import TaskInput
from contracts.bindings import Deployment
from contracts.codec import Transition, extend_head, transition_data
from contracts.errors import ConfigError
from contracts.kinds import TaskKind
from contracts.tx import Sender
from node.amounts import fmt_amount

__all__ = [
    "MAX_INPUT_BYTES",
    "Requester",
    "check_terms",
    "check_traces",
    "kind_label",
    "outcome",
    "result",
    "reveal_document",
    "reveals",
    "steps",
    "task_row",
    "validate_input",
    "with_reply_to",
]

#: Largest task input accepted: the spec travels in calldata and in an event, paid per byte.
MAX_INPUT_BYTES = 64 * 1024


def _hex(v: Any) -> Any:
    return "0x" + v.hex() if isinstance(v, bytes) else v


def kind_label(k: int) -> str:
    """The kind's CLI name, or the number for a kind this release does not know."""
    return TaskKind(k).label if k in TaskKind._value2member_map_ else str(k)


def validate_input(kind: TaskKind, raw: bytes) -> bytes:
    """Check ``raw`` against ``kind``'s input schema; returns the canonical spec bytes.

    Raises:
        ConfigError: oversized or malformed input (training/spiking: not valid for their spec).
        agents.TaskSpecError: a reasoning input whose field does not validate.
    """
    if len(raw) > MAX_INPUT_BYTES:
        raise ConfigError(f"input: {len(raw)} bytes is over the limit of {MAX_INPUT_BYTES} bytes")
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"input: not valid JSON ({exc})") from None
    from node.daemon.outcome import TaskInputError, split_envelope

    try:
        inner, envelope = split_envelope(raw)
    except TaskInputError as exc:
        raise ConfigError(f"input: {exc}") from None
    if envelope:
        _check_reply_to(envelope)
        validate_input(kind, inner)
        return raw
    if kind in (TaskKind.TRAINING, TaskKind.SPIKING):
        from pydantic import ValidationError

        if kind is TaskKind.TRAINING:
            from node.training import TrainingJobSpec as model
        else:
            from node.spiking import SpikingTaskSpec as model  # type: ignore[assignment]
        try:
            model.model_validate_json(raw)
        except ValidationError as exc:
            e = exc.errors()[0]
            field = ".".join(str(p) for p in e["loc"]) or "(input)"
            raise ConfigError(f"{kind.label} input: field {field!r}: {e['msg']}") from None
        return raw
    from agents import parse_spec

    parse_spec(kind.label, raw)
    return raw


def _check_reply_to(envelope: dict[str, Any]) -> None:
    reply = envelope.get("reply_to")
    key = reply.get("x25519") if isinstance(reply, dict) else None
    if not isinstance(key, str) or len(key.removeprefix("0x")) != 64:
        raise ConfigError("input: reply_to.x25519 must be a 64-hex-digit X25519 public key")
    try:
        bytes.fromhex(key.removeprefix("0x"))
    except ValueError:
        raise ConfigError("input: reply_to.x25519 must be a 64-hex-digit X25519 public key") from None


def with_reply_to(raw: bytes, public_hex: str) -> bytes:
    """``raw`` with the private-task envelope ``{"reply_to": {"x25519": public_hex}}`` added.

    Raises:
        ConfigError: the input is not a JSON object, or is over the size limit with the key.
    """
    doc = json.loads(raw)
    if not isinstance(doc, dict):
        raise ConfigError("input: a private task's input must be a JSON object")
    doc["reply_to"] = {"x25519": public_hex}
    out = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    if len(out) > MAX_INPUT_BYTES:
        raise ConfigError(f"input: {len(out)} bytes with the reply key is over the limit of {MAX_INPUT_BYTES}")
    return out


def reveal_document(raw: bytes, task_id: int, key: Any = None) -> dict[str, Any]:
    """What a node revealed for ``task_id``: its JSON payload, opened with ``key`` when sealed.

    Returns ``{"sealed": True}`` for a sealed payload without (the right) key, and
    ``{"raw": hex}`` for bytes that are neither.
    """
    try:
        doc = json.loads(raw)
        if isinstance(doc, dict):
            return doc
    except (ValueError, UnicodeDecodeError):
        pass
    from node.privacy import PrivacyError, open_sealed, task_context

    if key is None:
        return {"sealed": True}
    try:
        doc = json.loads(open_sealed(raw, key, context=task_context(task_id)))
    except PrivacyError as exc:
        return {"sealed": True, "error": str(exc)}
    return doc if isinstance(doc, dict) else {"raw": "0x" + raw.hex()}


def check_terms(*, reward: int, redundancy: int = 0, min_redundancy: int = 0) -> None:
    """The checks of a submission that need no chain.

    Raises:
        ConfigError: a zero reward, or a minimum redundancy above the redundancy.
    """
    if reward <= 0:
        raise ConfigError("--reward: must be more than 0 tokens")
    if min_redundancy and redundancy and min_redundancy > redundancy:
        raise ConfigError(f"--min-redundancy {min_redundancy} is more than --redundancy {redundancy}")


class Requester:
    """One account's view of and calls to the market of a deployment.

    ``sender`` may be None for reading only.
    """

    def __init__(self, d: Deployment, sender: Sender | None = None) -> None:
        self.d = d
        self.sender = sender
        self.m = d.client()

    # ------------------------------------------------------------------ writing

    def check_submission(self, *, reward: int, deadline_s: int, redundancy: int = 0, min_redundancy: int = 0) -> None:
        """Refuse, before any transaction, what the market or the round's windows would.

        Raises:
            ConfigError: see :func:`check_terms`; a deadline shorter than one round's windows, or
                a reward above the sender's balance.
        """
        check_terms(reward=reward, redundancy=redundancy, min_redundancy=min_redundancy)
        p = self.d.params.functions
        shortest = int(p.challengeWindow().call()) + int(p.commitWindow().call()) + int(p.revealWindow().call())
        if deadline_s < shortest:
            raise ConfigError(
                f"--deadline: {deadline_s} s is too short; a round needs at least {shortest} s "
                "(challenge + commit + reveal windows)"
            )
        me = self._me()
        balance = int(self.d.token.functions.balanceOf(me).call())
        if balance < reward:
            raise ConfigError(
                f"--reward: {fmt_amount(reward)} tokens is more than the balance {fmt_amount(balance)} of {me}"
            )

    def submit(self, kind: TaskKind, spec: bytes, *, reward: int, deadline_s: int, redundancy: int = 0,
               min_redundancy: int = 0) -> tuple[int, int]:
        """Approve ``reward``, submit the task; returns ``(task id, deadline)``.

        Call :meth:`check_submission` first: this sends the transactions.
        """
        sender = self._sender()
        now = int(self.d.w3.eth.get_block("latest")["timestamp"])
        sender.transact(self.d.token.functions.approve(self.d.market.address, reward))
        [tid] = self.m.submit(sender, [TaskInput(spec, int(kind), reward, now + deadline_s, redundancy,
                                                 min_redundancy)])
        return tid, now + deadline_s

    def cancel(self, task_id: int) -> int:
        """Cancel the sender's open task; returns the reward credited back.

        Raises:
            ConfigError: an unknown task, another requester's, or one no longer open.
        """
        h = self.history(task_id)
        me = self._me()
        if h.record.requester != me:
            raise ConfigError(f"task {task_id}: submitted by {h.record.requester}, not by {me}")
        if h.status != "open":
            raise ConfigError(f"task {task_id} is {h.status}; only an open task can be cancelled")
        self.m.cancel(self._sender(), task_id)
        return h.record.reward

    def credit(self) -> int:
        """What the market holds for the sender's account (refunds, payments)."""
        return int(self.d.market.functions.creditOf(self._me()).call())

    def claim(self) -> int:
        """Pay out the sender's credit; returns the amount (0: nothing was sent)."""
        amount = self.credit()
        if amount:
            self.m.claim(self._sender())
        return amount

    # ------------------------------------------------------------------ reading

    def history(self, task_id: int) -> TaskHistory:
        """The task's history.

        Raises:
            ConfigError: no such task (with the range of ids that exist).
        """
        try:
            return history(self.m, task_id)
        except UnknownTask:
            last = int(self.d.market.functions.nextTaskId().call()) - 1
            raise ConfigError(f"task {task_id}: no such task (ids run 1..{last})") from None

    def rows(self, task_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """:meth:`row` of each task (default: every task), reading each event type once."""
        ids = range(1, int(self.d.market.functions.nextTaskId().call())) if task_ids is None else task_ids
        return [task_row(h) for h in histories(self.m, ids).values()]

    def row(self, task_id: int) -> dict[str, Any]:
        """The task's fields, status, round and nodes, as JSON values."""
        return task_row(self.history(task_id))

    def _sender(self) -> Sender:
        if self.sender is None:
            raise ConfigError("this needs an account: pass --account or --dev")
        return self.sender

    def _me(self) -> str:
        return self._sender().address


def task_row(h: TaskHistory) -> dict[str, Any]:
    """A task's fields, status, round and nodes, as JSON values."""
    r = h.record
    return {
        "id": h.id,
        "requester": r.requester,
        "status": h.status,
        "kind": kind_label(r.kind),
        "redundancy": r.redundancy,
        "min_redundancy": r.min_redundancy,
        "round": h.round or 0,
        "reward": r.reward,
        "deadline": r.deadline,
        "nodes": list(h.nodes),
    }


def steps(h: TaskHistory) -> list[dict[str, Any]]:
    """The task's audit steps in order (submitted, then its closing transition), each with its
    decoded fields and the head after it: the one its event recorded, or, for a settlement
    (whose round event records no per-task head), the one folded from the previous step."""
    r = h.record
    submitted = {"step": "submitted", "requester": r.requester, "spec_hash": _hex(r.spec_hash), "kind": r.kind,
                 "reward": r.reward, "redundancy": r.redundancy, "min_redundancy": r.min_redundancy,
                 "deadline": r.deadline, "head": _hex(h.head0)}
    rest = []
    head = h.head0
    for s in h.steps:
        head = s.head if s.head is not None else extend_head(head, s.kind, s.data)
        rest.append({"step": Transition(s.kind).name.lower(),
                     **{k: _hex(v) for k, v in transition_data(s.kind, s.data).items()}, "head": _hex(head)})
    return [submitted, *rest]


def reveals(h: TaskHistory) -> list[dict[str, Any]]:
    """Every node's reveal: node, result hash and raw payload, as hex."""
    return [{"node": n, "result_hash": _hex(r.digest), "result": _hex(r.payload)} for n, r in h.reveals.items()]


def outcome(h: TaskHistory) -> dict[str, Any]:
    """How the task closed: winner (None when nobody was paid), price per winner (``share``), fee, refund."""
    return {"winner": _hex(h.winner) if h.winner is not None else None, "share": h.price, "fee": h.fee,
            "refund": h.refund}


def result(h: TaskHistory, key: Any = None) -> dict[str, Any]:
    """A closed task's outcome, every reveal with its payload (opened with ``key`` when sealed),
    the nodes paid and the answer taken from a paid node's reveal.

    Raises:
        ConfigError: the task is still open or allocated.
    """
    if not h.final:
        raise ConfigError(f"task {h.id} is not settled yet (status: {h.status}); see `nashnet task status {h.id}`")
    rows = reveals(h)
    for r in rows:
        r["payload"] = reveal_document(bytes.fromhex(r["result"][2:]), h.id, key)
    out = outcome(h)
    winner = out["winner"]
    paid = [r["node"] for r in rows if winner is not None and r["result_hash"] == winner]
    answers = [r["payload"].get("answer") for r in rows if r["node"] in paid and r["payload"]]
    return {"id": h.id, "status": h.status, **out, "paid": paid, "reveals": rows,
            "answer": answers[0] if answers else None}


def check_traces(d: Deployment, h: TaskHistory, key: Any = None) -> list[dict[str, Any]]:
    """Fetch every revealed trace from its node and check its signature and hash.

    Each row has ``node``, ``ok`` (True: checked; False: the node's trace failed a check; None:
    nothing to check, e.g. a sealed payload without ``key``) and ``error``.
    """
    from node.daemon.traces import TraceError, fetch_trace

    out = []
    for node, r in h.reveals.items():
        doc = reveal_document(r.payload, h.id, key)
        row: dict[str, Any] = {"node": node, "ok": None, "error": ""}
        trace, uri = str(doc.get("trace", "")), str(doc.get("uri") or "")
        if doc.get("sealed"):
            row["error"] = "sealed payload: pass --account with the requester's reply key to check its trace"
        elif not trace.startswith("sha256:") or "/trace/" not in uri:
            row["error"] = "the reveal names no trace"
        else:
            row["ok"] = False
            signing = bytes(d.registry.functions.getNode(node).call()[3])
            try:
                fetch_trace(uri.rsplit("/trace/", 1)[0], trace.split(":", 1)[1], signing)
                row["ok"] = True
            except TraceError as exc:
                row["error"] = str(exc)
        out.append(row)
    return out


def winning_record(d: Deployment, h: TaskHistory, key: Any = None) -> dict[str, Any]:
    """The run record of a settled task: the trace of a node paid for it, fetched and checked.

    The trace is taken from the first paid node that serves it with a valid signature and the
    hash it revealed; its ``record`` is what the workload returned (a training job's result
    with its loss curve, a spiking run's rates and raster, an agent's steps).

    Raises:
        ConfigError: the task did not settle on a result, or no paid node serves its trace.
    """
    from node.daemon.traces import TraceError, fetch_trace

    if h.status != "settled" or h.winner is None:
        raise ConfigError(
            f"task {h.id} is {h.status}: only a settled task has a result; see `nashnet task status {h.id}`"
        )
    errors = []
    for node, r in h.reveals.items():
        if r.digest != h.winner:
            continue
        doc = reveal_document(r.payload, h.id, key)
        trace, uri = str(doc.get("trace", "")), str(doc.get("uri") or "")
        if doc.get("sealed"):
            errors.append(f"{node}: sealed payload (pass --account with the requester's reply key)")
            continue
        if not trace.startswith("sha256:") or "/trace/" not in uri:
            errors.append(f"{node}: the reveal names no trace")
            continue
        signing = bytes(d.registry.functions.getNode(node).call()[3])
        try:
            body = fetch_trace(uri.rsplit("/trace/", 1)[0], trace.split(":", 1)[1], signing)
        except TraceError as exc:
            errors.append(f"{node}: {exc}")
            continue
        data = reveal_document(body, h.id, key)
        if isinstance(data.get("record"), dict):
            return dict(data["record"])
        errors.append(f"{node}: its trace holds no run record")
    raise ConfigError(f"task {h.id}: no paid node served its run record ({'; '.join(errors) or 'no paid node'})")
