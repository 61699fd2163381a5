// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ITaskMarket} from "./ITaskMarket.sol";

/// @notice A receiver hook, as ERC-777 / ERC-1363 style tokens call it.
interface ITokenReceiver {
    function onTokenReceived(uint256 amount) external;
}

/// @title HookToken
/// @notice Test token that hands control to one chosen receiver on every transfer to it,
/// so that a market paying in it can be attacked by reentrancy.
contract HookToken is ERC20 {
    address public hooked;

    constructor(address holder, uint256 supply) ERC20("Hook", "HOOK") {
        _mint(holder, supply);
    }

    /// @notice Chooses the receiver that gets called back.
    function setHooked(address receiver) external {
        hooked = receiver;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (to == hooked && to != address(0)) ITokenReceiver(to).onTokenReceived(value);
    }
}

/// @title ReentrantClaimer
/// @notice A requester contract that tries to claim its refund twice by re-entering the
/// market from the token's receive hook.
contract ReentrantClaimer is ITokenReceiver {
    ITaskMarket public immutable market;

    constructor(ITaskMarket market_) {
        market = market_;
    }

    /// @notice Submits a task of `reward` paid from this contract's balance.
    function submit(IERC20 token, uint128 reward, uint64 deadline) external returns (uint256) {
        token.approve(address(market), reward);
        // One packed submission: kind 1, redundancy 1, minimum 1, an empty spec.
        return market.submit(abi.encodePacked(uint8(1), reward, uint8(1), uint8(1), deadline, uint16(0)));
    }

    /// @notice Claims; the hook below re-enters.
    function claim() external {
        market.claim();
    }

    /// @inheritdoc ITokenReceiver
    function onTokenReceived(uint256) external {
        market.claim();
    }
}
