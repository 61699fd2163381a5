// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title NashToken
/// @notice The unit of rewards, stakes and votes in nashnet.
/// @dev The whole supply is minted once, at construction, to `initialHolder`.
/// There is no mint function and no owner: nobody can inflate the supply later.
contract NashToken is ERC20, ERC20Permit, ERC20Votes {
    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param initialHolder Receives the whole supply.
    /// @param supply Total supply in base units.
    constructor(string memory name_, string memory symbol_, address initialHolder, uint256 supply)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        _mint(initialHolder, supply);
    }

    /// @inheritdoc ERC20
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
