// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

/// @title Params
/// @notice Every protocol parameter of nashnet in one place. Only governance (the
/// timelock) may change a value. Every value is checked against its bounds, and the
/// values against each other: the unbonding delay covers the challenge, commit and
/// reveal windows (so stake cannot leave before a round it took part in can be
/// settled), and the slash per bad result stays within the cap per slash. The floor of
/// the three windows is fixed at deployment.
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
        ChallengeRewardBps,
        SlashCapBps,
        MaxTasksPerRound
    }

    /// @notice The caller is not the governance address.
    error ParamsUnauthorized(address caller);
    /// @notice `value` for `key` lies outside [`min`, `max`].
    error ParamsOutOfBounds(Key key, uint256 value, uint256 min, uint256 max);
    /// @notice The governance address given to the constructor is zero.
    error ParamsInvalidGovernance();
    /// @notice The window floor given to the constructor is zero or above the largest window bound.
    /// @param floor The floor given.
    error ParamsInvalidWindowFloor(uint256 floor);
    /// @notice The unbonding delay would be shorter than the three windows together.
    /// @param unbondingDelay The unbonding delay, in seconds.
    /// @param windows Challenge + commit + reveal window, in seconds.
    error ParamsUnbondingTooShort(uint256 unbondingDelay, uint256 windows);
    /// @notice The slash per bad result would exceed the cap per slash.
    /// @param slashBps The slash per bad result, in basis points.
    /// @param slashCapBps The cap per slash, in basis points.
    error ParamsSlashAboveCap(uint256 slashBps, uint256 slashCapBps);

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
        uint256 slashCapBps;
        uint256 maxTasksPerRound;
    }

    uint256 private constant _NUM_KEYS = 12;
    uint256 private constant _MAX_CHALLENGE_WINDOW = 7 days;

    address private immutable _governance;
    uint256 private immutable _windowFloor;
    uint256[_NUM_KEYS] private _values;

    /// @param governance_ The only address allowed to change parameters (the timelock).
    /// @param windowFloor_ Smallest challenge, commit and reveal window governance may ever set, in
    /// seconds: a few seconds on a local devnet, minutes on a public chain.
    /// @param init Initial values; each is checked against its bounds, and all against each other.
    constructor(address governance_, uint256 windowFloor_, Init memory init) {
        if (governance_ == address(0)) revert ParamsInvalidGovernance();
        if (windowFloor_ == 0 || windowFloor_ > _MAX_CHALLENGE_WINDOW) revert ParamsInvalidWindowFloor(windowFloor_);
        _governance = governance_;
        _windowFloor = windowFloor_;
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
        _set(Key.SlashCapBps, init.slashCapBps);
        _set(Key.MaxTasksPerRound, init.maxTasksPerRound);
        _checkCrossBounds();
    }

    /// @notice Sets parameter `key` to `value`. Only governance. A change that breaks a cross-parameter
    /// bound reverts; to lengthen a window past the unbonding delay, lengthen the delay first.
    function set(Key key, uint256 value) external {
        if (msg.sender != _governance) revert ParamsUnauthorized(msg.sender);
        _set(key, value);
        _checkCrossBounds();
    }

    /// @notice Smallest challenge, commit and reveal window, fixed at deployment, in seconds.
    function windowFloor() external view returns (uint256) {
        return _windowFloor;
    }

    /// @notice The governance address.
    function governance() external view returns (address) {
        return _governance;
    }

    /// @notice The current value of `key`.
    function get(Key key) external view returns (uint256) {
        return _values[uint256(key)];
    }

    /// @notice The inclusive bounds of `key` on its own (see `set` for the bounds between keys).
    function bounds(Key key) public view returns (uint256 min, uint256 max) {
        if (key == Key.MinStake) return (1, type(uint128).max);
        if (key == Key.UnbondingDelay) return (0, 365 days);
        if (key == Key.DefaultRedundancy) return (1, 15);
        if (key == Key.CommitWindow) return (_windowFloor, 30 days);
        if (key == Key.RevealWindow) return (_windowFloor, 30 days);
        if (key == Key.ChallengeWindow) return (_windowFloor, _MAX_CHALLENGE_WINDOW);
        if (key == Key.SlashBps) return (0, 10_000);
        if (key == Key.ProtocolFeeBps) return (0, 2_000);
        if (key == Key.ProposerBond) return (0, type(uint128).max);
        // Below 100 %, so that challenging one's own proposal costs the proposer.
        if (key == Key.ChallengeRewardBps) return (0, 9_000);
        if (key == Key.SlashCapBps) return (0, 10_000);
        // MaxTasksPerRound: a proposal and its settlement carry every task of the round, and each
        // must fit one 30M-gas block (settlement measured at about 22k gas a task at redundancy 3,
        // more at higher redundancy).
        return (1, 800);
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

    /// @notice Most of a node's slashable stake that one slash may take, in basis points.
    function slashCapBps() external view returns (uint256) {
        return _values[uint256(Key.SlashCapBps)];
    }

    /// @notice Most tasks one allocation proposal may list (so that propose, reveal and settle
    /// of a round each fit one block).
    function maxTasksPerRound() external view returns (uint256) {
        return _values[uint256(Key.MaxTasksPerRound)];
    }

    function _checkCrossBounds() private view {
        uint256 windows = _values[uint256(Key.ChallengeWindow)] + _values[uint256(Key.CommitWindow)]
            + _values[uint256(Key.RevealWindow)];
        uint256 delay = _values[uint256(Key.UnbondingDelay)];
        if (delay < windows) revert ParamsUnbondingTooShort(delay, windows);
        uint256 slash = _values[uint256(Key.SlashBps)];
        uint256 cap = _values[uint256(Key.SlashCapBps)];
        if (slash > cap) revert ParamsSlashAboveCap(slash, cap);
    }

    function _set(Key key, uint256 value) private {
        (uint256 min, uint256 max) = bounds(key);
        if (value < min || value > max) revert ParamsOutOfBounds(key, value, min, max);
        uint256 old = _values[uint256(key)];
        _values[uint256(key)] = value;
        emit ParamChanged(key, old, value);
    }
}
