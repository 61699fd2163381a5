"""The daemon's own parts without processes: the store of commits and outcomes, the node config
and the salt secret (the market view has its own tests in test_view.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import ConfigError
from node.daemon.config import load_node_config
from node.daemon.node import salt_secret
from node.daemon.store import NodeStore, StoredOutcome


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
