// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

/// @title MarketCodec
/// @notice The records of protocol v2 and every hash the market takes of them
/// (docs/protocol-v2.md). `contracts/codec.py` builds the same bytes in Python; a test
/// checks each function here against it.
library MarketCodec {
    /// @notice A task's fields. Sent in calldata and events and committed to by the task's
    /// head; never stored.
    struct TaskRecord {
        address requester;
        bytes32 specHash;
        uint8 kind;
        uint128 reward;
        uint8 redundancy;
        uint8 minRedundancy;
        uint64 deadline;
    }

    /// @notice A node's registry configuration as a proposal lists it: the snapshot that the
    /// round's challenges are judged against.
    struct NodeEntry {
        address node;
        uint32 capacity;
        uint256 kindMask;
        uint256[16] prices;
    }

    /// @notice A Merkle proof: siblings from the leaf up, the leaf's index and the leaf count.
    struct Proof {
        uint256 index;
        uint256 count;
        bytes32[] siblings;
    }

    /// @notice Transition kind of a submission, the first step of a task's audit fold.
    uint8 internal constant SUBMITTED = 0;

    /// @notice Bytes of a packed submission before its spec.
    uint256 internal constant SUBMISSION_BYTES = 29;

    /// @notice Reads the packed submission at calldata position `pos` (before `end`) into `r`:
    /// its fields as sent and `specHash = keccak256(spec)`; `r.requester` is left as it is.
    /// Returns the position of the next submission, or 0 when this one runs past `end`.
    /// @dev A packed submission is, big-endian and without padding: kind (1 byte), reward (16),
    /// redundancy (1), minRedundancy (1), deadline (8), the spec's length L (2), then the spec
    /// (L bytes): 29 + L bytes, where the ABI form took about 350. Assembly for the unpadded
    /// reads; the spec is hashed in the free memory past the free memory pointer, not moved.
    function readPackedSubmission(uint256 pos, uint256 end, TaskRecord memory r)
        internal
        pure
        returns (uint256 next)
    {
        if (end - pos < SUBMISSION_BYTES) return 0;
        uint256 size;
        assembly ("memory-safe") {
            mstore(add(r, 0x40), byte(0, calldataload(pos)))
            mstore(add(r, 0x60), shr(128, calldataload(add(pos, 1))))
            mstore(add(r, 0x80), byte(0, calldataload(add(pos, 17))))
            mstore(add(r, 0xa0), byte(0, calldataload(add(pos, 18))))
            mstore(add(r, 0xc0), shr(192, calldataload(add(pos, 19))))
            size := shr(240, calldataload(add(pos, 27)))
        }
        if (end - pos - SUBMISSION_BYTES < size) return 0;
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, add(pos, 29), size)
            mstore(add(r, 0x20), keccak256(m, size))
        }
        next = pos + SUBMISSION_BYTES + size;
    }

    /// @notice Bytes of a packed task leaf before its node indices.
    uint256 internal constant PACKED_TASK_BYTES = 88;

    /// @notice The number of packed task leaves in `tasks`, or `type(uint256).max` with the
    /// offset of the first malformed one (it runs past the end, or lists more than `maxNodes`).
    /// @dev A packed leaf is, big-endian and without padding: id (8 bytes), requester (20),
    /// specHash (32), kind (1), reward (16), redundancy (1), minRedundancy (1), deadline (8),
    /// the node count n (1), then n node indices (2 bytes each): 88 + 2n bytes. Packing
    /// instead of ABI-encoding cuts the leaf from about 450 bytes to 94 at redundancy 3.
    function countPackedTasks(bytes calldata tasks, uint256 maxNodes)
        internal
        pure
        returns (uint256 count, uint256 badOffset)
    {
        uint256 end = tasks.length;
        uint256 pos;
        while (pos < end) {
            if (end - pos < PACKED_TASK_BYTES) return (type(uint256).max, pos);
            uint256 n = uint8(tasks[pos + PACKED_TASK_BYTES - 1]);
            if (n > maxNodes || end - pos - PACKED_TASK_BYTES < 2 * n) return (type(uint256).max, pos);
            pos += PACKED_TASK_BYTES + 2 * n;
            ++count;
        }
    }

    /// @notice Reads the packed task leaf at calldata position `pos` into `r` and `nodes`
    /// (whose allocated length must be at least the leaf's node count); returns its id and the
    /// position of the next leaf. The leaf must have been bounds-checked by `countPackedTasks`.
    /// @dev Assembly because Solidity has no unpadded calldata reads: each field is one
    /// `calldataload` and a shift, and `r` and `nodes` are reused so a round's loop does not
    /// grow memory.
    function readPackedTask(uint256 pos, TaskRecord memory r, uint16[] memory nodes)
        internal
        pure
        returns (uint256 id, uint256 next)
    {
        assembly ("memory-safe") {
            id := shr(192, calldataload(pos))
            mstore(r, shr(96, calldataload(add(pos, 8))))
            mstore(add(r, 0x20), calldataload(add(pos, 28)))
            mstore(add(r, 0x40), byte(0, calldataload(add(pos, 60))))
            mstore(add(r, 0x60), shr(128, calldataload(add(pos, 61))))
            mstore(add(r, 0x80), byte(0, calldataload(add(pos, 77))))
            mstore(add(r, 0xa0), byte(0, calldataload(add(pos, 78))))
            mstore(add(r, 0xc0), shr(192, calldataload(add(pos, 79))))
            let n := byte(0, calldataload(add(pos, 87)))
            mstore(nodes, n)
            let src := add(pos, 88)
            for { let k := 0 } lt(k, n) { k := add(k, 1) } {
                mstore(add(nodes, mul(add(k, 1), 0x20)), shr(240, calldataload(add(src, mul(k, 2)))))
            }
            next := add(src, mul(n, 2))
        }
    }

    /// @notice `keccak256(abi.encode(head, kind, data))`: one step of a task's audit fold.
    function extendHead(bytes32 head, uint8 kind, bytes memory data) internal pure returns (bytes32) {
        return keccak256(abi.encode(head, kind, data));
    }

    /// @notice The ABI encoding of a record's fields, the data of its submission step.
    function encodeRecord(TaskRecord memory r) internal pure returns (bytes memory) {
        return abi.encode(r.requester, r.specHash, r.kind, r.reward, r.redundancy, r.minRedundancy, r.deadline);
    }

    /// @notice The head of a submitted task, which commits to its fields.
    function head0(TaskRecord memory r) internal pure returns (bytes32) {
        return extendHead(bytes32(0), SUBMITTED, encodeRecord(r));
    }

    /// @notice The registry's configuration hash of a node (`NodeRegistry.configHashOf`).
    function configHash(uint32 capacity, uint256 kindMask, uint256[16] memory prices)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(capacity, kindMask, keccak256(abi.encode(prices))));
    }

    /// @notice The leaf of task `id` with its `nodes` (indices into the round's node list).
    function taskLeaf(uint256 id, TaskRecord memory r, uint16[] memory nodes) internal pure returns (bytes32) {
        return keccak256(abi.encode(id, r, nodes));
    }

    /// @notice The leaf of the node at `index` of the round's node list.
    function nodeLeaf(uint256 index, NodeEntry memory e, bool eligible, uint32 load) internal pure returns (bytes32) {
        return keccak256(abi.encode(index, e, eligible, load));
    }

    /// @notice `keccak256(abi.encode(h, id))`: one step of a round's hash of allocated ids.
    /// @dev In the scratch space (0x00–0x3f), so it allocates nothing.
    function extendAllocatedHash(bytes32 h, uint256 id) internal pure returns (bytes32 out) {
        assembly ("memory-safe") {
            mstore(0x00, h)
            mstore(0x20, id)
            out := keccak256(0x00, 0x40)
        }
    }

    /// @notice A node's commitment to its result digests of a round, in ascending task id.
    function roundCommitment(bytes32 secret, address node, uint256 round, bytes32[] memory results)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(secret, node, round, results));
    }

    /// @notice What the market stores of a node's revealed result vector.
    function revealDigest(bytes32[] memory results) internal pure returns (bytes32) {
        return keccak256(abi.encode(results));
    }

    /// @notice A challenger's commitment: its address and the hash of its `challenge` arguments,
    /// `keccak256(abi.encode(round, move, salt))`.
    function challengeCommitment(address challenger, bytes32 argsHash) internal pure returns (bytes32) {
        return keccak256(abi.encode(challenger, argsHash));
    }

    /// @notice The ordered Merkle root of `leaves`; an odd last node is carried up; empty: zero.
    /// @dev Overwrites `leaves` level by level, so the caller's array is scratch afterwards.
    function merkleRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 width = leaves.length;
        if (width == 0) return bytes32(0);
        while (width > 1) {
            uint256 half = width / 2;
            for (uint256 i = 0; i < half; ++i) {
                leaves[i] = _pair(leaves[2 * i], leaves[2 * i + 1]);
            }
            if (width % 2 == 1) leaves[half] = leaves[width - 1];
            width = half + (width % 2);
        }
        return leaves[0];
    }

    /// @notice Whether `leaf` sits at `p.index` of a `p.count`-leaf tree with root `root`.
    /// @dev At each level a node with an even index and no right neighbour is carried up
    /// without a sibling; every sibling must be used, so one proof fits one position.
    function verify(bytes32 root, bytes32 leaf, Proof memory p) internal pure returns (bool) {
        if (p.index >= p.count) return false;
        bytes32 node = leaf;
        uint256 i = p.index;
        uint256 width = p.count;
        uint256 used;
        uint256 n = p.siblings.length;
        while (width > 1) {
            if (i % 2 == 1) {
                if (used >= n) return false;
                node = _pair(p.siblings[used++], node);
            } else if (i + 1 < width) {
                if (used >= n) return false;
                node = _pair(node, p.siblings[used++]);
            }
            i /= 2;
            width = (width + 1) / 2;
        }
        return used == n && node == root;
    }

    function _pair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(a, b));
    }
}
