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
