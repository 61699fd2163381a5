// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {NashToken} from "../../../contracts/solidity/Token.sol";
import {Params} from "../../../contracts/solidity/Params.sol";
import {NodeRegistry} from "../../../contracts/solidity/NodeRegistry.sol";
import {CheatTest} from "./Vm.sol";

/// @notice What every forge suite here sets up the same way: the parameters and staked nodes.
abstract contract Fixtures is CheatTest {
    /// @notice Params governed by this test, with the deployment defaults (60 s window floor).
    function _params() internal returns (Params) {
        return new Params(
            address(this),
            60,
            Params.Init({
                minStake: 1000e18,
                unbondingDelay: 3600,
                defaultRedundancy: 3,
                commitWindow: 600,
                revealWindow: 600,
                challengeWindow: 60,
                slashBps: 1000,
                protocolFeeBps: 100,
                proposerBond: 100e18,
                challengeRewardBps: 5000,
                slashCapBps: 5000,
                maxTasksPerRound: 500
            })
        );
    }

    /// @notice Three nodes at ascending addresses 0xB000…, serving kind 1 at `priceStep` × (1, 2, 3),
    /// capacity 100, each staking 5,000 tokens taken from this test's balance.
    function _stakedNodes(NashToken token, NodeRegistry registry, uint256 priceStep)
        internal
        returns (address[] memory ops)
    {
        ops = new address[](3);
        uint8[] memory kinds = new uint8[](1);
        uint256[] memory prices = new uint256[](1);
        kinds[0] = 1;
        for (uint256 i = 0; i < ops.length; ++i) {
            ops[i] = address(uint160(0xB000 + i));
            prices[0] = (i + 1) * priceStep;
            token.transfer(ops[i], 5000e18);
            vm.startPrank(ops[i]);
            registry.register(bytes32(uint256(1)), "http://node", 100, kinds, prices);
            token.approve(address(registry), 5000e18);
            registry.stake(5000e18);
            vm.stopPrank();
        }
    }
}
