"""contracts.codec against the Solidity it must equal, on the in-process EVM.

Every hash of protocol v2 is computed twice, by ``contracts/codec.py`` and by the
``MarketCodec`` library through a test-only harness, on random records; Merkle proofs are
checked both ways, including forged ones.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from eth_utils import keccak, to_checksum_address

from contracts import codec
from contracts.chain import InProcessChain
from contracts.compiler import SOURCES_DIR, compile_contracts
from contracts.errors import ConfigError
from contracts.tx import ErrorDecoder, Sender

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - contract
    src = tmp_path_factory.mktemp("codec")
    shutil.copy(SOURCES_DIR / "MarketCodec.sol", src)
    shutil.copy(HERE / "solidity" / "CodecHarness.sol", src)
    arts = compile_contracts(sources_dir=src)
    chain = InProcessChain.start()
    sender = Sender(chain.w3, chain.accounts[0], ErrorDecoder.from_artifacts(arts.contracts.values()))
    address, _ = sender.deploy(arts["CodecHarness"])
    return chain.w3.eth.contract(address=address, abi=arts["CodecHarness"].abi)


def _address(rng: random.Random) -> str:
    return to_checksum_address("0x" + rng.randbytes(20).hex())


def _record(rng: random.Random) -> codec.TaskRecord:
    k = rng.randint(1, 15)
    return codec.TaskRecord(requester=_address(rng), spec_hash=rng.randbytes(32), kind=rng.randint(0, 255),
                            reward=rng.randint(0, 2**128 - 1), redundancy=k, min_redundancy=rng.randint(1, k),
                            deadline=rng.randint(0, 2**64 - 1))


def _entry(rng: random.Random) -> codec.NodeEntry:
    return codec.NodeEntry(node=_address(rng), capacity=rng.randint(0, 10_000), kind_mask=rng.getrandbits(8),
                           prices=tuple(rng.randint(0, 2**200) for _ in range(16)))


def test_records_hash_the_same_in_python_and_solidity(harness) -> None:  # noqa: ANN001
    rng = random.Random(7)
    for _ in range(8):
        r = _record(rng)
        assert harness.functions.head0(r.as_tuple()).call() == codec.task_head0(r)
        nodes = sorted(rng.sample(range(500), rng.randint(0, 6)))
        tid = rng.randint(1, 2**64)
        assert harness.functions.taskLeaf(tid, r.as_tuple(), nodes).call() == codec.task_leaf_hash(tid, r, nodes)
        e = _entry(rng)
        eligible, load = rng.random() < 0.5, rng.randint(0, 10_000)
        assert (harness.functions.nodeLeaf(3, e.as_tuple(), eligible, load).call()
                == codec.node_leaf_hash(3, e, eligible, load))
        assert (harness.functions.configHash(e.capacity, e.kind_mask, list(e.prices)).call()
                == codec.config_hash(e.capacity, e.kind_mask, e.prices))
        results = [rng.randbytes(32) for _ in range(rng.randint(0, 5))]
        secret, node, rnd = rng.randbytes(32), _address(rng), rng.randint(0, 2**32)
        assert (harness.functions.roundCommitment(secret, node, rnd, results).call()
                == codec.round_commitment(secret, node, rnd, results))
        assert harness.functions.revealDigest(results).call() == codec.reveal_digest(results)
        args = rng.randbytes(rng.randint(0, 90))
        assert (harness.functions.challengeCommitment(node, keccak(args)).call()
                == codec.challenge_commitment(node, args))
        data = rng.randbytes(rng.randint(0, 70))
        head = rng.randbytes(32)
        assert harness.functions.extendHead(head, 4, data).call() == codec.extend_head(head, 4, data)


def test_head0_is_the_first_step_of_the_audit_fold() -> None:
    """A task's first head is the fold of its submission step: the record, as ``Submitted``."""
    r = _record(random.Random(1))
    assert codec.task_head0(r) == codec.fold_head([(0, r.encoded())])


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17])
def test_merkle_roots_and_proofs_agree(harness, count: int) -> None:  # noqa: ANN001
    rng = random.Random(count)
    leaves = [rng.randbytes(32) for _ in range(count)]
    root = codec.merkle_root(leaves)
    assert harness.functions.merkleRoot(leaves).call() == root
    for i in range(count):
        p = codec.merkle_proof(leaves, i)
        proof = (p.index, p.count, list(p.siblings))
        assert codec.merkle_verify(root, leaves[i], p)
        assert harness.functions.verify(root, leaves[i], proof).call()
        # the same proof fits no other leaf, index or count
        other = leaves[(i + 1) % count] if count > 1 else rng.randbytes(32)
        assert not harness.functions.verify(root, other, proof).call()
        assert not codec.merkle_verify(root, other, p)
        if count > 1:
            moved = ((i + 1) % count, p.count, list(p.siblings))
            assert not harness.functions.verify(root, leaves[i], moved).call()
        # an extra or missing sibling is refused
        assert not harness.functions.verify(root, leaves[i], (p.index, p.count, [*p.siblings, b"\0" * 32])).call()
        if p.siblings:
            assert not harness.functions.verify(root, leaves[i], (p.index, p.count, list(p.siblings[:-1]))).call()
    assert not harness.functions.verify(root, leaves[0], (count, count, [])).call()


def test_merkle_edge_cases() -> None:
    assert codec.merkle_root([]) == codec.ZERO32
    leaf = keccak(b"x")
    assert codec.merkle_root([leaf]) == leaf
    a, b, c = keccak(b"a"), keccak(b"b"), keccak(b"c")
    assert codec.merkle_root([a, b, c]) == keccak(keccak(a + b) + c)  # the odd leaf is carried up
    with pytest.raises(ConfigError, match="index: expected 0 <= index < 3, got 3"):
        codec.merkle_proof([a, b, c], 3)


def test_result_digests_are_the_canonical_json() -> None:
    assert codec.result_digest(5, "mcts", True, "7") == keccak(
        b'{"answer":"7","kind":"mcts","ok":true,"task":5,"v":1}')
    assert codec.result_digest(5, "mcts", False, "7") == codec.result_digest(5, "mcts", False, None)


def test_packed_task_leaves_read_the_same_in_python_and_solidity(harness) -> None:  # noqa: ANN001
    rng = random.Random(11)
    leaves = []
    for _ in range(12):
        r = _record(rng)
        leaves.append((rng.randint(1, 2**64 - 1), r, tuple(sorted(rng.sample(range(2**16), rng.randint(0, 15))))))
    packed = b"".join(codec.pack_task(*leaf) for leaf in leaves)
    assert len(packed) == sum(codec.PACKED_TASK_BYTES + 2 * len(ns) for _, _, ns in leaves)
    assert codec.unpack_tasks(packed) == leaves
    bad, ids, hashes = harness.functions.readPacked(packed).call()
    assert bad == 0 and ids == [t for t, _, _ in leaves]
    assert hashes == [codec.task_leaf_hash(*leaf) for leaf in leaves]
    assert harness.functions.readPacked(b"").call() == [0, [], []]


def test_malformed_packed_tasks_are_refused_at_the_leaf_that_breaks() -> None:
    """Truncated bytes and an over-long node list: Solidity names the offset of the bad leaf,
    Python says where it runs past the end."""
    rng = random.Random(12)
    one = codec.pack_task(5, _record(rng), (1, 2, 3))
    two = one + codec.pack_task(6, _record(rng), (4,))
    with pytest.raises(ConfigError, match=f"the leaf at byte {len(one)} runs past the end"):
        codec.unpack_tasks(two[:-1])
    with pytest.raises(ConfigError, match="node count 256 does not fit"):
        codec.pack_task(5, _record(rng), tuple(range(256)))
    with pytest.raises(ConfigError, match="id -1 does not fit in 8 byte"):
        codec.pack_task(-1, _record(rng), ())


def test_solidity_refuses_malformed_packed_tasks(harness) -> None:  # noqa: ANN001
    rng = random.Random(13)
    one = codec.pack_task(5, _record(rng), (1, 2, 3))
    two = one + codec.pack_task(6, _record(rng), (4,))
    assert harness.functions.readPacked(two[:-1]).call()[0] == len(one)
    assert harness.functions.readPacked(two[: len(one) + 10]).call()[0] == len(one)
    sixteen = codec.pack_task(7, _record(rng), tuple(range(16)))
    assert harness.functions.readPacked(one + sixteen).call()[0] == len(one)


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(ConfigError, match="secret: expected at least 16 random bytes, got 3 bytes"):
        codec.round_secret(b"abc", 1)
    with pytest.raises(ConfigError, match="prices: expected 16 values"):
        codec.NodeEntry(node="0x" + "00" * 20, capacity=1, kind_mask=1, prices=(1, 2))
    with pytest.raises(ConfigError, match="prices: expected 16 values"):
        codec.config_hash(1, 1, [1])
