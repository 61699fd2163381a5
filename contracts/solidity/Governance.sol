// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from
    "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title NashGovernor
/// @notice Token-weighted governance of nashnet: proposals, votes, queue and execute
/// through the timelock, which owns every protocol parameter.
contract NashGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @param token_ The votes token.
    /// @param timelock_ The timelock that executes passed proposals.
    /// @param votingDelay_ Blocks between proposal and the start of voting.
    /// @param votingPeriod_ Blocks during which votes are cast.
    /// @param proposalThreshold_ Votes needed to propose.
    /// @param quorumPercent Quorum as a percentage of the supply.
    constructor(
        IVotes token_,
        TimelockController timelock_,
        uint48 votingDelay_,
        uint32 votingPeriod_,
        uint256 proposalThreshold_,
        uint256 quorumPercent
    )
        Governor("NashGovernor")
        GovernorSettings(votingDelay_, votingPeriod_, proposalThreshold_)
        GovernorVotes(token_)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock_)
    {}

    /// @inheritdoc Governor
    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    /// @inheritdoc Governor
    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    /// @inheritdoc Governor
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @inheritdoc Governor
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc Governor
    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}

/// @title NashTimelock
/// @notice The timelock that holds every admin role of nashnet and executes passed proposals.
/// Its delay has a floor fixed at deployment: governance may vote `updateDelay` down, but the
/// delay in force never drops below the floor, so holders always have that long to react.
contract NashTimelock is TimelockController {
    /// @notice The initial delay given to the constructor is below the floor.
    /// @param minDelay The initial delay, in seconds.
    /// @param floor The floor, in seconds.
    error TimelockDelayBelowFloor(uint256 minDelay, uint256 floor);

    uint256 private immutable _delayFloor;

    /// @param minDelay Seconds between queue and execute.
    /// @param delayFloor Seconds below which the delay in force never drops.
    /// @param proposers Addresses allowed to schedule (the governor).
    /// @param executors Addresses allowed to execute (address(0): anyone).
    /// @param admin Optional admin, renounced once the system is wired.
    constructor(
        uint256 minDelay,
        uint256 delayFloor,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {
        if (minDelay < delayFloor) revert TimelockDelayBelowFloor(minDelay, delayFloor);
        _delayFloor = delayFloor;
    }

    /// @notice Seconds below which the delay in force never drops, fixed at deployment.
    function delayFloor() external view returns (uint256) {
        return _delayFloor;
    }

    /// @inheritdoc TimelockController
    /// @dev The delay last set by `updateDelay`, but never less than the floor.
    function getMinDelay() public view override returns (uint256) {
        uint256 set = super.getMinDelay();
        return set > _delayFloor ? set : _delayFloor;
    }
}
