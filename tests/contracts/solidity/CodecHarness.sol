// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {MarketCodec} from "./MarketCodec.sol";

/// @title CodecHarness
/// @notice Test-only: exposes MarketCodec's internal functions so that Python can compare
/// each with contracts/codec.py.
contract CodecHarness {
    function head0(MarketCodec.TaskRecord calldata r) external pure returns (bytes32) {
        return MarketCodec.head0(r);
    }

    /// @notice Every leaf of packed `tasks` (leaves listing more than 15 nodes are malformed), as
    /// `MarketCodec.readPackedTask` reads them; a malformed input returns only `badOffset`.
    function readPacked(bytes calldata tasks)
        external
        pure
        returns (uint256 badOffset, uint256[] memory ids, bytes32[] memory leaves)
    {
        uint256 count;
        (count, badOffset) = MarketCodec.countPackedTasks(tasks, 15);
        if (count == type(uint256).max) return (badOffset, ids, leaves);
        ids = new uint256[](count);
        leaves = new bytes32[](count);
        MarketCodec.TaskRecord memory r;
        uint16[] memory nodes = new uint16[](15);
        uint256 pos;
        assembly {
            pos := tasks.offset
        }
        for (uint256 j = 0; j < count; ++j) {
            (ids[j], pos) = MarketCodec.readPackedTask(pos, r, nodes);
            leaves[j] = MarketCodec.taskLeaf(ids[j], r, nodes);
        }
    }

    function extendHead(bytes32 head, uint8 kind, bytes calldata data) external pure returns (bytes32) {
        return MarketCodec.extendHead(head, kind, data);
    }

    function configHash(uint32 capacity, uint256 kindMask, uint256[16] calldata prices)
        external
        pure
        returns (bytes32)
    {
        return MarketCodec.configHash(capacity, kindMask, prices);
    }

    function taskLeaf(uint256 id, MarketCodec.TaskRecord calldata r, uint16[] calldata nodes)
        external
        pure
        returns (bytes32)
    {
        return MarketCodec.taskLeaf(id, r, nodes);
    }

    function nodeLeaf(uint256 index, MarketCodec.NodeEntry calldata e, bool eligible, uint32 load)
        external
        pure
        returns (bytes32)
    {
        return MarketCodec.nodeLeaf(index, e, eligible, load);
    }

    function roundCommitment(bytes32 secret, address node, uint256 round, bytes32[] calldata results)
        external
        pure
        returns (bytes32)
    {
        return MarketCodec.roundCommitment(secret, node, round, results);
    }

    function revealDigest(bytes32[] calldata results) external pure returns (bytes32) {
        return MarketCodec.revealDigest(results);
    }

    function challengeCommitment(address challenger, bytes32 argsHash) external pure returns (bytes32) {
        return MarketCodec.challengeCommitment(challenger, argsHash);
    }

    function merkleRoot(bytes32[] memory leaves) external pure returns (bytes32) {
        return MarketCodec.merkleRoot(leaves);
    }

    function verify(bytes32 root, bytes32 leaf, MarketCodec.Proof calldata p) external pure returns (bool) {
        return MarketCodec.verify(root, leaf, p);
    }
}
