// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {ITaskMarket} from "./ITaskMarket.sol";
import {MarketCodec} from "./MarketCodec.sol";

/// @title AllocationCheck
/// @notice The judge of the allocation game (docs/allocation-game.md), on one round's
/// proven leaves. Every test is a strict integer comparison, exactly as
/// `consensus/clearing/moves.py`: with `v_t = R_t / k_t`, `π_t = min(v_t, λ_κ(t))` and `c` the
/// node's price of the kind,
/// - `Add(i, t)`: `i` eligible, serves `κ_t`, `t` allocatable, `i ∉ t`, `load_i < C_i`, `π_t − c > 0`;
/// - `Drop(i, t)`: `i ∈ t` and `π_t − c < 0`;
/// - `Swap(i, s, t)`: `i ∈ s`, `i ∉ t`, `t` allocatable, `i` serves `κ_t`,
///   `π_t − c(κ_t) > π_s − c(κ_s)`;
/// - `Discount(t)`: `t` allocatable, `n_t < k_t`, `π_t < v_t`.
/// `judge` is external (the library is deployed once and called by DELEGATECALL) so that the
/// market stays under the contract size limit; challenges are rare, so the call's cost is too.
library AllocationCheck {
    /// @notice A challenge's verdict.
    enum Verdict {
        Valid,
        ProofMismatch,
        Refused
    }

    /// @notice What a round stored that a challenge is judged against.
    struct Roots {
        bytes32 taskRoot;
        uint256 taskCount;
        bytes32 nodeRoot;
        uint256 nodeCount;
        bytes32 lambdasHash;
        uint256 challengeCloses;
    }

    /// @notice Checks the move's proofs against `roots`, then judges it.
    function judge(Roots calldata roots, ITaskMarket.Move calldata m) external pure returns (Verdict) {
        if (keccak256(abi.encode(m.lambdas)) != roots.lambdasHash) return Verdict.ProofMismatch;
        if (!_taskProven(roots, m.task)) return Verdict.ProofMismatch;
        if (m.kind != ITaskMarket.MoveKind.Discount) {
            ITaskMarket.NodeProof calldata np = m.node;
            MarketCodec.Proof memory proof = np.proof;
            if (proof.count != roots.nodeCount) return Verdict.ProofMismatch;
            bytes32 leaf = MarketCodec.nodeLeaf(proof.index, np.entry, np.eligible, np.load);
            if (!MarketCodec.verify(roots.nodeRoot, leaf, proof)) return Verdict.ProofMismatch;
            if (m.kind == ITaskMarket.MoveKind.Swap && !_taskProven(roots, m.other)) return Verdict.ProofMismatch;
        }
        return isValidMove(m, roots.challengeCloses) ? Verdict.Valid : Verdict.Refused;
    }

    /// @notice The root of a proposal's node tree, after checking each node's stated load
    /// against the load its tasks add up to (`counted`) and its capacity. External, like
    /// `judge`, to keep the market under the contract size limit.
    function nodeRoot(
        MarketCodec.NodeEntry[] calldata nodes,
        uint32[] calldata stated,
        bool[] calldata eligible,
        uint32[] calldata counted
    ) external pure returns (bytes32) {
        uint256 n = nodes.length;
        if (stated.length != n) revert ITaskMarket.MarketLengthMismatch(n, stated.length);
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            MarketCodec.NodeEntry calldata e = nodes[i];
            if (stated[i] != counted[i] || counted[i] > e.capacity) {
                revert ITaskMarket.MarketBadLoad(e.node, stated[i], counted[i], e.capacity);
            }
            leaves[i] = MarketCodec.nodeLeaf(i, e, eligible[i], counted[i]);
        }
        return MarketCodec.merkleRoot(leaves);
    }

    function _taskProven(Roots calldata roots, ITaskMarket.TaskProof calldata tp) private pure returns (bool) {
        MarketCodec.Proof memory proof = tp.proof;
        if (proof.count != roots.taskCount) return false;
        bytes32 leaf = MarketCodec.taskLeaf(tp.leaf.id, tp.leaf.record, tp.leaf.nodes);
        return MarketCodec.verify(roots.taskRoot, leaf, proof);
    }

    /// @notice `v_t`: what one slot of the task is worth to its requester.
    function slotValue(MarketCodec.TaskRecord calldata r) internal pure returns (uint256) {
        return uint256(r.reward) / r.redundancy;
    }

    /// @notice `π_t = min(v_t, λ_κ(t))`: what one slot pays.
    function slotPrice(MarketCodec.TaskRecord calldata r, uint256[16] calldata lambdas)
        internal
        pure
        returns (uint256)
    {
        return priceOfSlot(r.reward, r.redundancy, lambdas[r.kind]);
    }

    /// @notice `π_t` from the task's reward and redundancy and its kind's posted price `lambda`.
    function priceOfSlot(uint256 reward, uint256 redundancy, uint256 lambda) internal pure returns (uint256) {
        uint256 v = reward / redundancy;
        return v < lambda ? v : lambda;
    }

    /// @notice Whether the node at `index` is among `nodes` (strictly ascending indices).
    function isMember(uint16[] calldata nodes, uint256 index) internal pure returns (bool) {
        for (uint256 j = 0; j < nodes.length; ++j) {
            if (nodes[j] == index) return true;
            if (nodes[j] > index) return false;
        }
        return false;
    }

    /// @notice Whether `node` serves `kind`.
    function serves(MarketCodec.NodeEntry calldata node, uint8 kind) internal pure returns (bool) {
        return (node.kindMask >> kind) & 1 == 1;
    }

    /// @notice Whether the judge accepts `m` against the round whose challenge window closes at
    /// `challengeCloses` (tasks due by then are not allocatable). The proofs are checked by the caller.
    function isValidMove(ITaskMarket.Move calldata m, uint256 challengeCloses) internal pure returns (bool) {
        MarketCodec.TaskRecord calldata t = m.task.leaf.record;
        uint256 pt = slotPrice(t, m.lambdas);
        bool allocatable = t.deadline > challengeCloses;
        if (m.kind == ITaskMarket.MoveKind.Discount) {
            return allocatable && m.task.leaf.nodes.length < t.redundancy && pt < slotValue(t);
        }
        MarketCodec.NodeEntry calldata node = m.node.entry;
        uint256 index = m.node.proof.index;
        bool member = isMember(m.task.leaf.nodes, index);
        if (m.kind == ITaskMarket.MoveKind.Drop) {
            return member && pt < node.prices[t.kind];
        }
        if (m.kind == ITaskMarket.MoveKind.Add) {
            return m.node.eligible && serves(node, t.kind) && allocatable && !member && m.node.load < node.capacity
                && pt > node.prices[t.kind];
        }
        // Swap: leave `task` (s) for `other` (t'), both against the same posted prices.
        MarketCodec.TaskRecord calldata o = m.other.leaf.record;
        if (!member || isMember(m.other.leaf.nodes, index)) return false;
        if (!serves(node, o.kind) || o.deadline <= challengeCloses) return false;
        // π_t' − c(κ_t') > π_s − c(κ_s), rearranged to stay unsigned: registry prices are at most
        // 2¹²⁸ − 1 and slot prices at most a reward, so neither sum can overflow.
        return slotPrice(o, m.lambdas) + node.prices[t.kind] > pt + node.prices[o.kind];
    }
}
