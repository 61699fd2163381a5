// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {NashToken} from "../../../contracts/solidity/Token.sol";
import {Params} from "../../../contracts/solidity/Params.sol";
import {NodeRegistry} from "../../../contracts/solidity/NodeRegistry.sol";
import {ITaskMarket} from "../../../contracts/solidity/ITaskMarket.sol";
import {MarketCodec} from "../../../contracts/solidity/MarketCodec.sol";
import {TaskMarketV2} from "../../../contracts/solidity/TaskMarketV2.sol";
import {CheatTest} from "./Vm.sol";
import {Fixtures} from "./Fixtures.sol";

/// @notice Drives the v2 market through random lifecycles: submissions, whole proposals built
/// from the chain state, finalization, abandonment, commits, reveals (some wrong, some
/// missing), whole-round settlement, expiry, cancellation, claims and time.
contract MarketV2Handler is CheatTest {
    NashToken public immutable token;
    TaskMarketV2 public immutable market;
    NodeRegistry public immutable registry;
    Params public immutable params;
    address[] public nodes;

    mapping(uint256 id => MarketCodec.TaskRecord) internal _records;
    uint256[] public ids;
    bytes internal _pending; // abi.encode(round, proposal) of the last proposal
    bytes internal _final; // the same for the last finalized round
    uint256 internal _finalRound;
    mapping(uint256 round => mapping(address node => bytes32[])) internal _vectors;
    /// @notice Rewards of the submitted tasks not yet closed, tracked here from the handler's own calls.
    uint256 public held;

    constructor(NashToken token_, TaskMarketV2 market_, NodeRegistry registry_, Params params_, address[] memory nodes_) {
        token = token_;
        market = market_;
        registry = registry_;
        params = params_;
        nodes = nodes_;
        token.approve(address(market_), type(uint256).max);
    }

    function submit(uint256 reward, uint8 k, uint16 life) external {
        bytes memory spec = abi.encodePacked(reward);
        uint128 value = uint128(reward % 50e18 + 1);
        uint8 redundancy = k % 3 + 1;
        uint64 deadline = uint64(block.timestamp + 30 + life % 4000);
        // The packed submission (`MarketCodec.readPackedSubmission`).
        bytes memory packed =
            abi.encodePacked(uint8(1), value, redundancy, uint8(1), deadline, uint16(spec.length), spec);
        uint256 id = market.submit(packed);
        _records[id] = MarketCodec.TaskRecord(address(this), keccak256(spec), 1, value, redundancy, 1, deadline);
        ids.push(id);
        held += value;
    }

    function propose(uint256 seed) external {
        uint256 round = market.currentRound();
        (ITaskMarket.Proposal memory p, ITaskMarket.TaskLeaf[] memory leaves) = _build(seed);
        market.propose(round, p);
        _pending = abi.encode(round, p, leaves);
    }

    function finalize() external {
        if (_pending.length == 0) return;
        (uint256 round,, ITaskMarket.TaskLeaf[] memory leaves) =
            abi.decode(_pending, (uint256, ITaskMarket.Proposal, ITaskMarket.TaskLeaf[]));
        uint256 n;
        for (uint256 j = 0; j < leaves.length; ++j) {
            if (leaves[j].nodes.length > 0) ++n;
        }
        uint256[] memory allocated = new uint256[](n);
        n = 0;
        for (uint256 j = 0; j < leaves.length; ++j) {
            if (leaves[j].nodes.length > 0) allocated[n++] = leaves[j].id;
        }
        market.finalize(round, allocated);
        _final = _pending;
        _finalRound = round;
        delete _pending;
    }

    function abandon() external {
        market.abandon(market.currentRound());
        delete _pending;
    }

    function commit(uint256 who, bool wrong) external {
        address node = nodes[who % nodes.length];
        bytes32[] memory v = _vector(node, wrong);
        vm.prank(node);
        market.commit(_finalRound, MarketCodec.roundCommitment(bytes32(uint256(7)), node, _finalRound, v));
        _vectors[_finalRound][node] = v;
    }

    function reveal(uint256 who) external {
        address node = nodes[who % nodes.length];
        vm.prank(node);
        market.reveal(_finalRound, bytes32(uint256(7)), _vectors[_finalRound][node], "");
    }

    function settle() external {
        if (_final.length == 0) return;
        (uint256 round, ITaskMarket.Proposal memory p, ITaskMarket.TaskLeaf[] memory leaves) =
            abi.decode(_final, (uint256, ITaskMarket.Proposal, ITaskMarket.TaskLeaf[]));
        address[] memory addrs = new address[](p.nodes.length);
        bytes32[][] memory results = new bytes32[][](p.nodes.length);
        for (uint256 i = 0; i < addrs.length; ++i) {
            addrs[i] = p.nodes[i].node;
            if (market.revealOf(round, addrs[i]) != bytes32(0)) results[i] = _vectors[round][addrs[i]];
        }
        market.settle(round, p.tasks, addrs, results, p.lambdas);
        for (uint256 j = 0; j < leaves.length; ++j) {
            if (leaves[j].nodes.length > 0) held -= leaves[j].record.reward;
        }
    }

    function expire(uint256 j) external {
        if (ids.length == 0) return;
        uint256 id = ids[j % ids.length];
        market.expire(id, _records[id]);
        held -= _records[id].reward;
    }

    function cancel(uint256 j) external {
        if (ids.length == 0) return;
        uint256 id = ids[j % ids.length];
        market.cancel(id, _records[id]);
        held -= _records[id].reward;
    }

    function claim(uint256 who) external {
        market.claimFor(who % 2 == 0 ? address(this) : nodes[who % nodes.length]);
    }

    function warp(uint256 secondsAhead) external {
        // Short steps, so that the 60 s challenge and 600 s commit and reveal windows are hit often.
        vm.warp(block.timestamp + secondsAhead % 700);
    }

    function nodeCount() external view returns (uint256) {
        return nodes.length;
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function rewardOf(uint256 id) external view returns (uint256) {
        return _records[id].reward;
    }

    /// @dev A defect-free proposal of every open task in the scan range: each allocatable task gets
    /// up to `seed`-chosen nodes among the eligible ones with room, and a `seed`-chosen price.
    function _build(uint256 seed)
        private
        view
        returns (ITaskMarket.Proposal memory p, ITaskMarket.TaskLeaf[] memory leaves)
    {
        uint256 from = market.scanFrom();
        uint256 next = market.nextTaskId();
        uint256 open;
        for (uint256 id = from; id < next; ++id) {
            if (market.statusOf(id) == 1) ++open;
        }
        p.taskLimit = uint64(next);
        leaves = new ITaskMarket.TaskLeaf[](open);
        p.nodes = new MarketCodec.NodeEntry[](nodes.length);
        p.loads = new uint32[](nodes.length);
        bool[] memory eligible = new bool[](nodes.length);
        for (uint256 i = 0; i < nodes.length; ++i) {
            p.nodes[i] = MarketCodec.NodeEntry(nodes[i], registry.capacityOf(nodes[i]), 2, _prices(nodes[i]));
            eligible[i] = registry.getNode(nodes[i]).registered && registry.stakeOf(nodes[i]) >= params.minStake();
        }
        p.lambdas[1] = (seed % 8) * 1e18;
        uint256 closes = block.timestamp + params.challengeWindow();
        uint256 j;
        for (uint256 id = from; id < next; ++id) {
            if (market.statusOf(id) != 1) continue;
            MarketCodec.TaskRecord memory r = _records[id];
            uint256 want = r.deadline > closes ? (seed >> (j % 32)) % (r.redundancy + 1) : 0;
            uint16[] memory chosen = new uint16[](want);
            uint256 got;
            for (uint256 i = 0; i < nodes.length && got < want; ++i) {
                if (eligible[i] && p.loads[i] < p.nodes[i].capacity) {
                    chosen[got++] = uint16(i);
                    ++p.loads[i];
                }
            }
            uint16[] memory ns = new uint16[](got);
            for (uint256 k = 0; k < got; ++k) {
                ns[k] = chosen[k];
            }
            leaves[j++] = ITaskMarket.TaskLeaf(id, r, ns);
        }
        for (uint256 k = 0; k < leaves.length; ++k) {
            p.tasks = bytes.concat(p.tasks, _packed(leaves[k]));
        }
    }

    /// @dev A leaf as `propose` and `settle` take it (`MarketCodec.readPackedTask`).
    function _packed(ITaskMarket.TaskLeaf memory t) private pure returns (bytes memory out) {
        MarketCodec.TaskRecord memory r = t.record;
        out = abi.encodePacked(
            uint64(t.id), r.requester, r.specHash, r.kind, r.reward, r.redundancy, r.minRedundancy, r.deadline
        );
        out = bytes.concat(out, bytes1(uint8(t.nodes.length)));
        for (uint256 k = 0; k < t.nodes.length; ++k) {
            out = bytes.concat(out, bytes2(t.nodes[k]));
        }
    }

    function _prices(address node) private view returns (uint256[16] memory prices) {
        prices[1] = registry.priceOf(node, 1);
    }

    function _vector(address node, bool wrong) private view returns (bytes32[] memory v) {
        if (_final.length == 0) return v;
        (, ITaskMarket.Proposal memory p, ITaskMarket.TaskLeaf[] memory leaves) =
            abi.decode(_final, (uint256, ITaskMarket.Proposal, ITaskMarket.TaskLeaf[]));
        uint256 index = type(uint256).max;
        for (uint256 i = 0; i < p.nodes.length; ++i) {
            if (p.nodes[i].node == node) index = i;
        }
        uint256 n;
        for (uint256 j = 0; j < leaves.length; ++j) {
            for (uint256 k = 0; k < leaves[j].nodes.length; ++k) {
                if (leaves[j].nodes[k] == index) ++n;
            }
        }
        v = new bytes32[](n);
        n = 0;
        for (uint256 j = 0; j < leaves.length; ++j) {
            for (uint256 k = 0; k < leaves[j].nodes.length; ++k) {
                if (leaves[j].nodes[k] == index) {
                    v[n++] = wrong ? bytes32(uint256(0xbad)) : keccak256(abi.encode(leaves[j].id));
                }
            }
        }
    }
}

contract TaskMarketV2Test is Fixtures {
    NashToken internal token;
    Params internal params;
    NodeRegistry internal registry;
    TaskMarketV2 internal market;
    MarketV2Handler internal handler;
    address internal treasury = address(0x7EA5);
    address[] internal targets;

    function setUp() public {
        token = new NashToken("Nash", "NASH", address(this), 1e27);
        params = _params();
        registry = new NodeRegistry(token, params);
        market = new TaskMarketV2(token, params, registry, treasury);
        registry.setMarket(address(market));
        address[] memory ops = _stakedNodes(token, registry, 2e18);
        // Node addresses ascend, as a proposal lists them.
        handler = new MarketV2Handler(token, market, registry, params, ops);
        token.transfer(address(handler), 1e25);
        targets.push(address(handler));
    }

    /// @notice forge reads the contracts to call in invariant runs from here.
    function targetContracts() public view returns (address[] memory) {
        return targets;
    }

    /// forge-config: default.invariant.runs = 256
    /// forge-config: default.invariant.depth = 500
    /// @notice After every call of every run:
    /// - conservation: the market holds exactly open escrow + pending bonds + unclaimed credits, and no
    ///   token is created or lost among the participants;
    /// - one state per task and no double payment: a submitted task is open, allocated or closed, a
    ///   task beyond the last id has no state, and the escrow equals the rewards of the tasks the
    ///   handler has not seen closed (each settled, expired or cancelled once);
    /// - no round that can never end: only the current round can be pending; every earlier round is
    ///   voided, finalized with deadlines (so it can be settled) or settled.
    function invariant_v2Market() public view {
        assertEq(
            token.balanceOf(address(market)),
            market.escrowed() + market.bonds() + market.unclaimed(),
            "market balance != liabilities"
        );
        uint256 sum = token.balanceOf(address(this)) + token.balanceOf(address(handler))
            + token.balanceOf(address(market)) + token.balanceOf(address(registry)) + token.balanceOf(treasury);
        for (uint256 i = 0; i < handler.nodeCount(); ++i) {
            sum += token.balanceOf(handler.nodes(i));
        }
        assertEq(sum, token.totalSupply(), "tokens created or lost");

        uint256 n = handler.idCount();
        if (n > 0) {
            // The newest task and one more picked by the clock: the escrow check covers the rest.
            for (uint256 k = 0; k < 2; ++k) {
                uint256 s = market.statusOf(handler.ids(k == 0 ? n - 1 : block.timestamp % n));
                require(s >= 1 && s <= 3, "a submitted task has no state");
            }
        }
        require(market.statusOf(market.nextTaskId()) == 0, "a task beyond the last id has a state");
        assertEq(market.escrowed(), handler.held(), "escrow != rewards of unclosed tasks");

        uint256 current = market.currentRound();
        for (uint256 r = current > 4 ? current - 4 : 1; r < current; ++r) {
            ITaskMarket.Round memory rd = market.roundOf(r);
            require(
                rd.state != ITaskMarket.RoundState.Proposed && rd.state != ITaskMarket.RoundState.None, "stuck round"
            );
            if (rd.state == ITaskMarket.RoundState.Finalized) {
                require(rd.revealDeadline > rd.commitDeadline && rd.commitDeadline > 0, "no deadlines");
            }
        }
        ITaskMarket.RoundState now_ = market.roundOf(current).state;
        require(
            now_ == ITaskMarket.RoundState.None || now_ == ITaskMarket.RoundState.Proposed,
            "the current round is past proposal"
        );
    }
}
