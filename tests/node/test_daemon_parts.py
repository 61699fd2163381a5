"""The daemon's own parts without processes: the market view folded from events, the store of
commits and outcomes, the node config and the salt secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_abi import encode

from contracts.errors import ConfigError
from contracts.market import TaskStatus, Transition
from node.daemon.config import load_node_config
from node.daemon.node import salt_secret
from node.daemon.store import NodeStore, StoredOutcome
from node.daemon.view import MarketView

A = "0x" + "11" * 20
B = "0x" + "22" * 20


def _submitted(tid: int, reward: int = 10, red: int = 3) -> dict:
    data = encode(["address", "bytes32", "uint8", "uint256", "uint256", "uint256", "uint64"],
                  [A, b"\1" * 32, 3, reward, red, 1, 999])
    return {"taskId": tid, "kind": int(Transition.SUBMITTED), "data": "0x" + data.hex(), "head": "0x" + "00" * 32}


def _allocated(tid: int, round_: int) -> dict:
    data = encode(["uint256"] * 4, [round_, 3, 100, 200])
    return {"taskId": tid, "kind": int(Transition.ALLOCATED), "data": "0x" + data.hex(), "head": "0x" + "00" * 32}


def test_view_follows_a_task_and_a_round_through_their_events() -> None:
    v = MarketView()
    v.apply("TaskTransition", _submitted(1), 5, 1)
    v.apply("TaskSpec", {"taskId": 1, "spec": "0x" + b'{"a":1}'.hex()}, 5, 2)
    v.apply("TaskTransition", _submitted(2, reward=7), 5, 3)
    assert [t.id for t in v.open_tasks()] == [1, 2]
    assert v.tasks[1].spec == b'{"a":1}' and v.tasks[2].reward == 7 and v.tasks[1].redundancy == 3
    assert [t.id for t in v.open_tasks(below=2)] == [1]
    v.apply("AllocationProposed", {"round": 1, "proposer": A, "pairs": 3, "bond": 0}, 6, 4)
    assert v.rounds[1].pending and v.current_round == 1
    v.apply("AllocationFinalized", {"round": 1, "commitDeadline": 100, "revealDeadline": 200}, 7, 5)
    v.apply("TaskTransition", _allocated(1, 1), 7, 6)
    assert v.current_round == 2 and v.rounds[1].finalized and v.rounds[1].reveal_deadline == 200
    assert v.tasks[1].status is TaskStatus.ALLOCATED and v.rounds[1].allocated == {1}
    assert [t.id for t in v.open_tasks()] == [2]
    v.apply("ResultsCommitted", {"round": 1, "node": B, "commitment": "0x" + "00" * 32}, 8, 7)
    assert v.rounds[1].committed == {"0x" + "22" * 20}
    settled = encode(["bytes32", "uint256", "uint256", "uint256", "uint256"], [b"\2" * 32, 3, 3, 0, 1])
    v.apply("TaskTransition", {"taskId": 1, "kind": int(Transition.SETTLED), "data": "0x" + settled.hex()}, 9, 8)
    assert v.tasks[1].status is TaskStatus.SETTLED
    assert v.counts() == {"settled": 1, "open": 1}
    v.registry_changed = False
    v.apply("Staked", {"operator": A, "amount": 1, "stake": 1}, 10, 9)
    assert v.registry_changed


def test_a_voided_round_leaves_its_tasks_open_and_moves_the_round_on() -> None:
    v = MarketView()
    v.apply("TaskTransition", _submitted(1), 5, 1)
    v.apply("AllocationProposed", {"round": 1, "proposer": A, "pairs": 1, "bond": 0}, 6, 2)
    v.apply("AllocationChallenged", {"round": 1, "challenger": B, "kind": 0, "node": A}, 6, 3)
    assert v.rounds[1].voided and not v.rounds[1].pending and v.current_round == 2
    assert [t.id for t in v.open_tasks()] == [1]


def test_an_abandoned_round_is_voided_like_a_challenged_one() -> None:
    """F1's escape hatch: after `abandon`, the daemon proposes the next round."""
    v = MarketView()
    v.apply("TaskTransition", _submitted(1), 5, 1)
    v.apply("AllocationProposed", {"round": 1, "proposer": A, "pairs": 1, "bond": 0}, 6, 2)
    v.apply("AllocationAbandoned", {"round": 1, "caller": B, "bond": 0}, 9, 3)
    assert v.rounds[1].voided and not v.rounds[1].pending and v.current_round == 2
    assert [t.id for t in v.open_tasks()] == [1]


def test_store_keeps_outcomes_and_commit_records_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    s = NodeStore(path)
    o = StoredOutcome(7, "mcts", True, "24", None, b"\3" * 32, b"{}", "ab" * 32, 0.5)
    s.put_outcome(o)
    s.begin_commit(3, [9, 7])
    with pytest.raises(Exception, match="UNIQUE"):
        s.begin_commit(3, [7])  # a round is committed once, whatever happens
    s.close()
    s = NodeStore(path)
    assert s.outcome(7) == o and s.outcome(8) is None
    rec = s.commit_record(3)
    assert rec is not None and rec.task_ids == [7, 9] and rec.state == "sending"
    s.set_commit_state(3, "committed", commit_tx="0xaa")
    s.set_commit_state(3, "revealed", reveal_tx="0xbb")
    rec = s.commit_record(3)
    assert rec is not None and (rec.state, rec.commit_tx, rec.reveal_tx) == ("revealed", "0xaa", "0xbb")
    assert s.commits() == [] and [r.round for r in s.commits(("revealed",))] == [3]
    s.set_meta("k", {"x": 1})
    assert s.get_meta("k") == {"x": 1} and s.get_meta("nope", 5) == 5
    assert s.summary() == {"outcomes": 1, "outcomes_ok": 1, "commits": {"revealed": 1}}


def test_node_config_file_and_overrides(tmp_path: Path) -> None:
    f = tmp_path / "node.toml"
    f.write_text('account = "op"\ncapacity = 8\nstake = "1500"\n[prices]\nmcts = "2"\n"neuro-symbolic" = "0.5"\n'
                 "[timeouts]\nmcts = 12\n")
    cfg = load_node_config(f, port=9100, account=None)
    assert cfg.account == "op" and cfg.port == 9100 and cfg.capacity == 8
    assert cfg.price_units() == {3: 2 * 10**18, 4: 5 * 10**17}
    assert cfg.stake_units() == 1500 * 10**18
    assert cfg.timeout_for("mcts") == 12 and cfg.timeout_for("training") == 1800
    f.write_text('[timeouts]\nmcts = -1\n')
    with pytest.raises(ConfigError, match="timeouts"):
        load_node_config(f)


def test_salt_secret_is_stable_and_key_bound() -> None:
    assert salt_secret(b"\1" * 32) == salt_secret(b"\1" * 32)
    assert salt_secret(b"\1" * 32) != salt_secret(b"\2" * 32)
    assert len(salt_secret(b"\1" * 32)) == 32
