// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

/// @title Params
/// @notice Every protocol parameter of nashnet in one place. Only governance (the
/// timelock) may change a value, and every value is checked against fixed bounds.
contract Params {
    /// @notice Identifiers of the parameters, used by `set` and in events.
    enum Key {
        MinStake,
        UnbondingDelay,
        DefaultRedundancy,
        CommitWindow,
        RevealWindow,
        ChallengeWindow,
        SlashBps,
        ProtocolFeeBps,
        ProposerBond,
        ChallengeRewardBps
    }

    /// @notice The caller is not the governance address.
    error ParamsUnauthorized(address caller);
    /// @notice `value` for `key` lies outside [`min`, `max`].
    error ParamsOutOfBounds(Key key, uint256 value, uint256 min, uint256 max);
    /// @notice The governance address given to the constructor is zero.
    error ParamsInvalidGovernance();

    /// @notice A parameter changed from `oldValue` to `newValue`.
    event ParamChanged(Key indexed key, uint256 oldValue, uint256 newValue);

    /// @notice Initial values handed to the constructor.
    struct Init {
        uint256 minStake;
        uint256 unbondingDelay;
        uint256 defaultRedundancy;
        uint256 commitWindow;
        uint256 revealWindow;
        uint256 challengeWindow;
        uint256 slashBps;
        uint256 protocolFeeBps;
        uint256 proposerBond;
        uint256 challengeRewardBps;
    }

    uint256 private constant _NUM_KEYS = 10;

    address private immutable _governance;
    uint256[_NUM_KEYS] private _values;

    /// @param governance_ The only address allowed to change parameters (the timelock).
    /// @param init Initial values; each is checked against its bounds.
    constructor(address governance_, Init memory init) {
        if (governance_ == address(0)) revert ParamsInvalidGovernance();
        _governance = governance_;
        _set(Key.MinStake, init.minStake);
        _set(Key.UnbondingDelay, init.unbondingDelay);
        _set(Key.DefaultRedundancy, init.defaultRedundancy);
        _set(Key.CommitWindow, init.commitWindow);
        _set(Key.RevealWindow, init.revealWindow);
        _set(Key.ChallengeWindow, init.challengeWindow);
        _set(Key.SlashBps, init.slashBps);
        _set(Key.ProtocolFeeBps, init.protocolFeeBps);
        _set(Key.ProposerBond, init.proposerBond);
        _set(Key.ChallengeRewardBps, init.challengeRewardBps);
    }

    /// @notice Sets parameter `key` to `value`. Only governance.
    function set(Key key, uint256 value) external {
        if (msg.sender != _governance) revert ParamsUnauthorized(msg.sender);
        _set(key, value);
    }

    /// @notice The governance address.
    function governance() external view returns (address) {
        return _governance;
    }

    /// @notice The current value of `key`.
    function get(Key key) external view returns (uint256) {
        return _values[uint256(key)];
    }

    /// @notice The inclusive bounds of `key`.
    function bounds(Key key) public pure returns (uint256 min, uint256 max) {
        if (key == Key.MinStake) return (1, type(uint128).max);
        if (key == Key.UnbondingDelay) return (0, 365 days);
        if (key == Key.DefaultRedundancy) return (1, 15);
        if (key == Key.CommitWindow) return (2 seconds, 30 days);
        if (key == Key.RevealWindow) return (2 seconds, 30 days);
        if (key == Key.ChallengeWindow) return (2 seconds, 7 days);
        if (key == Key.SlashBps) return (0, 10_000);
        if (key == Key.ProtocolFeeBps) return (0, 2_000);
        if (key == Key.ProposerBond) return (0, type(uint128).max);
        // ChallengeRewardBps: below 100 %, so that challenging one's own proposal costs the proposer.
        return (0, 9_000);
    }

    /// @notice Minimum stake, in token base units, for a node to be active.
    function minStake() external view returns (uint256) {
        return _values[uint256(Key.MinStake)];
    }

    /// @notice Seconds between an unstake request and the earliest withdrawal.
    function unbondingDelay() external view returns (uint256) {
        return _values[uint256(Key.UnbondingDelay)];
    }

    /// @notice Redundancy of a task whose requester does not choose one.
    function defaultRedundancy() external view returns (uint256) {
        return _values[uint256(Key.DefaultRedundancy)];
    }

    /// @notice Seconds after allocation during which results are committed.
    function commitWindow() external view returns (uint256) {
        return _values[uint256(Key.CommitWindow)];
    }

    /// @notice Seconds after the commit window during which results are revealed.
    function revealWindow() external view returns (uint256) {
        return _values[uint256(Key.RevealWindow)];
    }

    /// @notice Seconds during which an allocation proposal may be challenged.
    function challengeWindow() external view returns (uint256) {
        return _values[uint256(Key.ChallengeWindow)];
    }

    /// @notice Fraction of stake slashed for a missing or minority result, in basis points.
    function slashBps() external view returns (uint256) {
        return _values[uint256(Key.SlashBps)];
    }

    /// @notice Protocol fee taken from a settled reward, in basis points.
    function protocolFeeBps() external view returns (uint256) {
        return _values[uint256(Key.ProtocolFeeBps)];
    }

    /// @notice Bond posted with an allocation proposal, in token base units.
    function proposerBond() external view returns (uint256) {
        return _values[uint256(Key.ProposerBond)];
    }

    /// @notice Share of a voided proposal's bond credited to the successful challenger, in basis
    /// points; the rest goes to the treasury.
    function challengeRewardBps() external view returns (uint256) {
        return _values[uint256(Key.ChallengeRewardBps)];
    }

    function _set(Key key, uint256 value) private {
        (uint256 min, uint256 max) = bounds(key);
        if (value < min || value > max) revert ParamsOutOfBounds(key, value, min, max);
        uint256 old = _values[uint256(key)];
        _values[uint256(key)] = value;
        emit ParamChanged(key, old, value);
    }
}
