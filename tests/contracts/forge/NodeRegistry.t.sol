// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {NashToken} from "../../../contracts/solidity/Token.sol";
import {Params} from "../../../contracts/solidity/Params.sol";
import {NodeRegistry} from "../../../contracts/solidity/NodeRegistry.sol";
import {CheatTest} from "./Vm.sol";
import {Fixtures} from "./Fixtures.sol";

/// @notice Drives the registry with random operations from a few operators; the invariant
/// test checks the books after every call sequence.
contract RegistryHandler is CheatTest {
    NashToken public immutable token;
    NodeRegistry public immutable registry;
    address[] public actors;

    constructor(NashToken token_, NodeRegistry registry_) {
        token = token_;
        registry = registry_;
        for (uint256 i = 0; i < 4; ++i) {
            address a = address(uint160(0xA000 + i));
            actors.push(a);
        }
    }

    function _actor(uint256 seed) private view returns (address) {
        return actors[seed % actors.length];
    }

    function register(uint256 who, uint32 capacity) external {
        address a = _actor(who);
        uint8[] memory kinds = new uint8[](1);
        uint256[] memory prices = new uint256[](1);
        kinds[0] = 1;
        prices[0] = 1e18;
        vm.prank(a);
        registry.register(bytes32(uint256(1)), "http://node", capacity % 100, kinds, prices);
    }

    function stake(uint256 who, uint256 amount) external {
        address a = _actor(who);
        amount = amount % 5_000e18 + 1;
        vm.startPrank(a);
        token.approve(address(registry), amount);
        registry.stake(amount);
        vm.stopPrank();
    }

    function requestUnstake(uint256 who, uint256 amount) external {
        address a = _actor(who);
        uint256 staked = registry.stakeOf(a);
        if (staked == 0) return;
        vm.prank(a);
        registry.requestUnstake(amount % staked + 1);
    }

    function withdraw(uint256 who) external {
        vm.prank(_actor(who));
        registry.withdraw();
    }

    function deregister(uint256 who) external {
        vm.prank(_actor(who));
        registry.deregister();
    }

    function slash(uint256 who, uint256 amount) external {
        registry.slash(_actor(who), amount % 10_000e18, address(this));
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + secondsAhead % 2 days);
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }
}

contract NodeRegistryTest is Fixtures {
    NashToken internal token;
    Params internal params;
    NodeRegistry internal registry;
    RegistryHandler internal handler;
    address[] internal targets;

    uint256 internal constant DELAY = 3600;

    function setUp() public {
        token = new NashToken("Nash", "NASH", address(this), 1e27);
        params = _params();
        registry = new NodeRegistry(token, params);
        handler = new RegistryHandler(token, registry);
        registry.setMarket(address(handler)); // the handler plays the market, the only slasher
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            token.transfer(handler.actors(i), 1e24);
        }
        targets.push(address(handler));
    }

    /// @notice forge reads the contracts to call in invariant runs from here.
    function targetContracts() public view returns (address[] memory) {
        return targets;
    }

    /// @notice Recorded stakes (bonded + unbonding) always equal the registry's token balance.
    function invariant_stakesMatchBalance() public view {
        uint256 sum;
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            NodeRegistry.Node memory n = registry.getNode(handler.actors(i));
            sum += n.stake + n.unbonding;
        }
        assertEq(sum, token.balanceOf(address(registry)), "sum of stakes != registry balance");
        assertEq(registry.totalStaked(), sum, "totalStaked != sum of stakes");
    }

    function _registerAndStake(address op, uint256 amount) internal {
        uint8[] memory kinds = new uint8[](1);
        uint256[] memory prices = new uint256[](1);
        kinds[0] = 2;
        prices[0] = 5e17;
        token.transfer(op, amount);
        vm.startPrank(op);
        registry.register(bytes32(uint256(7)), "http://op", 3, kinds, prices);
        token.approve(address(registry), amount);
        registry.stake(amount);
        vm.stopPrank();
    }

    /// @notice No withdrawal is possible before the unbonding delay has passed.
    function testFuzz_noWithdrawalBeforeDelay(uint256 amount, uint256 unstake, uint256 wait) public {
        amount = amount % 1e24 + 1;
        unstake = unstake % amount + 1;
        wait = wait % DELAY;
        address op = address(0xBEEF);
        _registerAndStake(op, amount);
        vm.prank(op);
        registry.requestUnstake(unstake);
        uint256 end = block.timestamp + DELAY;
        vm.warp(block.timestamp + wait);
        vm.expectRevert(
            abi.encodeWithSelector(NodeRegistry.RegistryUnbondingNotOver.selector, op, end, block.timestamp)
        );
        vm.prank(op);
        registry.withdraw();
        vm.warp(end);
        vm.prank(op);
        registry.withdraw();
        assertEq(token.balanceOf(op), unstake, "withdrawn amount");
        assertEq(registry.stakeOf(op), amount - unstake, "remaining stake");
    }

    /// @notice A slash never takes more than the cap of what the operator has and keeps the books balanced.
    function testFuzz_slashIsBounded(uint256 amount, uint256 slashAmount) public {
        amount = amount % 1e24 + 1;
        address op = address(0xCAFE);
        _registerAndStake(op, amount);
        vm.prank(address(handler));
        uint256 taken = registry.slash(op, slashAmount, address(this));
        uint256 cap = (amount * params.slashCapBps()) / 10_000;
        assertEq(taken, slashAmount < cap ? slashAmount : cap, "slashed amount");
        assertEq(registry.totalStaked(), token.balanceOf(address(registry)), "books");
    }

    /// @notice Only the market may slash, whoever calls.
    function testFuzz_onlySlasherSlashes(address caller) public {
        vm.assume(caller != address(handler));
        address op = address(0xD00D);
        _registerAndStake(op, 2000e18);
        vm.expectRevert(abi.encodeWithSelector(NodeRegistry.RegistryUnauthorizedSlasher.selector, caller));
        vm.prank(caller);
        registry.slash(op, 1, caller);
    }
}
