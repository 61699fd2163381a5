// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {NashToken} from "../../../contracts/solidity/Token.sol";
import {Params} from "../../../contracts/solidity/Params.sol";
import {NodeRegistry} from "../../../contracts/solidity/NodeRegistry.sol";
import {TaskMarket} from "../../../contracts/solidity/TaskMarket.sol";
import {CheatTest} from "./Vm.sol";
import {Fixtures} from "./Fixtures.sol";

/// @notice Drives the market through random lifecycles: submissions, proposals, challenges,
/// finalization, commits, reveals (some wrong), settlement, expiry, claims and time.
contract MarketHandler is CheatTest {
    NashToken public immutable token;
    TaskMarket public immutable market;
    address[] public nodes;
    uint256[] internal _proposed; // task ids of the last proposal
    uint256 internal _lastFinal;

    constructor(NashToken token_, TaskMarket market_, address[] memory nodes_) {
        token = token_;
        market = market_;
        nodes = nodes_;
        token.approve(address(market_), type(uint256).max);
    }

    function submit(uint256 reward, uint8 k) external {
        market.submitTask(bytes32(reward), "", 1, reward % 50e18 + 1, k % 3 + 1, 1, uint64(block.timestamp + 1 days));
    }

    function propose(uint256 seed) external {
        uint256 next = market.nextTaskId();
        if (next == 1) return;
        uint256 round = market.currentRound();
        uint256 id = seed % (next - 1) + 1;
        uint256 width = (seed >> 8) % nodes.length + 1;
        TaskMarket.Assignment[] memory a = new TaskMarket.Assignment[](width);
        for (uint256 i = 0; i < width; ++i) {
            a[i].node = nodes[i];
            a[i].tasks = new uint256[](1);
            a[i].tasks[0] = id;
        }
        market.proposeAllocation(round, a);
        delete _proposed;
        _proposed.push(id);
    }

    function challengeDrop(uint256 who) external {
        uint256 round = market.currentRound();
        if (_proposed.length == 0) return;
        uint256 id = _proposed[0];
        TaskMarket.Move memory m = TaskMarket.Move({
            kind: TaskMarket.MoveKind.Drop,
            node: nodes[who % nodes.length],
            task: id,
            otherTask: 0,
            load: 0,
            count: market.countOf(round, id),
            otherCount: 0
        });
        market.challenge(round, m);
    }

    function finalize() external {
        uint256 round = market.currentRound();
        market.finalize(round, _proposed);
        _lastFinal = round;
    }

    function commit(uint256 who, bool wrong) external {
        address node = nodes[who % nodes.length];
        (uint256[] memory ids, bytes32[] memory hashes, bytes32[] memory salts) = _results(node, wrong);
        bytes32[] memory items = new bytes32[](ids.length);
        for (uint256 j = 0; j < ids.length; ++j) {
            items[j] = keccak256(abi.encode(hashes[j], salts[j], node));
        }
        vm.prank(node);
        market.commit(_lastFinal, keccak256(abi.encode(ids, items)));
    }

    function reveal(uint256 who, bool wrong) external {
        address node = nodes[who % nodes.length];
        (uint256[] memory ids, bytes32[] memory hashes, bytes32[] memory salts) = _results(node, wrong);
        vm.prank(node);
        market.reveal(_lastFinal, ids, hashes, salts, new bytes[](ids.length));
    }

    function settle(uint256 id) external {
        uint256 next = market.nextTaskId();
        if (next == 1) return;
        id = id % (next - 1) + 1;
        TaskMarket.Task memory t = market.getTask(id);
        address[] memory list = new address[](t.count);
        uint256 n;
        for (uint256 i = 0; i < nodes.length && n < list.length; ++i) {
            if (market.isAssigned(t.round, nodes[i], id)) list[n++] = nodes[i];
        }
        market.settle(id, list);
    }

    function expire(uint256 id) external {
        market.expire(id % 64 + 1);
    }

    function claim(uint256 who) external {
        market.claimFor(who % 2 == 0 ? address(this) : nodes[who % nodes.length]);
    }

    function warp(uint256 secondsAhead) external {
        // Short steps, so that commit and reveal windows (600 s each) are hit often.
        vm.warp(block.timestamp + secondsAhead % 700);
    }

    function nodeCount() external view returns (uint256) {
        return nodes.length;
    }

    function _results(address node, bool wrong)
        private
        view
        returns (uint256[] memory ids, bytes32[] memory hashes, bytes32[] memory salts)
    {
        uint256 has = _proposed.length > 0 && market.isAssigned(_lastFinal, node, _proposed[0]) ? 1 : 0;
        ids = new uint256[](has);
        hashes = new bytes32[](has);
        salts = new bytes32[](has);
        if (has == 1) {
            ids[0] = _proposed[0];
            hashes[0] = wrong ? bytes32(uint256(0xbad)) : keccak256(abi.encode(ids[0]));
            salts[0] = bytes32(uint256(uint160(node)));
        }
    }
}

contract TaskMarketTest is Fixtures {
    NashToken internal token;
    Params internal params;
    NodeRegistry internal registry;
    TaskMarket internal market;
    MarketHandler internal handler;
    address internal treasury = address(0x7EA5);
    address[] internal targets;

    function setUp() public {
        token = new NashToken("Nash", "NASH", address(this), 1e27);
        params = _params();
        registry = new NodeRegistry(token, params);
        market = new TaskMarket(token, params, registry, treasury);
        registry.setMarket(address(market));
        address[] memory ops = _stakedNodes(token, registry, 4e18);
        handler = new MarketHandler(token, market, ops);
        token.transfer(address(handler), 1e25);
        targets.push(address(handler));
    }

    /// @notice forge reads the contracts to call in invariant runs from here.
    function targetContracts() public view returns (address[] memory) {
        return targets;
    }

    /// forge-config: default.invariant.runs = 256
    /// forge-config: default.invariant.depth = 100
    /// @notice The market holds exactly what it owes: open escrow + pending bonds + unclaimed credits;
    /// and no token is created or lost among the participants.
    function invariant_marketBalanceMatchesLiabilities() public view {
        (uint256 escrowed, uint256 bonds, uint256 unclaimed) = market.liabilities();
        assertEq(token.balanceOf(address(market)), escrowed + bonds + unclaimed, "market balance != liabilities");
        uint256 sum = token.balanceOf(address(this)) + token.balanceOf(address(handler))
            + token.balanceOf(address(market)) + token.balanceOf(address(registry)) + token.balanceOf(treasury);
        for (uint256 i = 0; i < handler.nodeCount(); ++i) {
            sum += token.balanceOf(handler.nodes(i));
        }
        assertEq(sum, token.totalSupply(), "tokens created or lost");
    }
}
