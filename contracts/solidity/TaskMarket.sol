// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Params} from "./Params.sol";
import {NodeRegistry} from "./NodeRegistry.sol";

/// @title TaskMarket
/// @notice Requesters escrow rewards for tasks; each round a proposer posts who does which
/// task (a Nash equilibrium of the allocation game) with a bond; anyone may prove it wrong
/// with one profitable move, checked in O(1); assigned nodes commit and reveal results; the
/// majority is paid (pull payments), non-revealers and the minority are slashed.
/// Every transition of a task extends its audit head `keccak256(abi.encode(head, kind, data))`
/// and emits `TaskTransition` with the same `kind` and `data`.
contract TaskMarket is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Lifecycle of a task.
    enum Status {
        None,
        Open,
        Allocated,
        Settled,
        Refunded,
        Expired
    }

    /// @notice Kinds of audit-head transitions.
    enum Transition {
        Submitted,
        Allocated,
        Revealed,
        Settled,
        Refunded,
        Expired
    }

    /// @notice Kinds of challenge moves (see docs/allocation-game.md).
    enum MoveKind {
        Add,
        Drop,
        Swap,
        OverCapacity,
        UnsupportedKind,
        UnknownNode
    }

    /// @notice A challenge: one profitable move or one defect of the proposed allocation.
    /// `task`/`count` are the task moved (for a swap: the task left, `otherTask`/`otherCount`
    /// the task joined); `load` is the node's task count; counts must equal the stored ones.
    struct Move {
        MoveKind kind;
        address node;
        uint256 task;
        uint256 otherTask;
        uint256 load;
        uint256 count;
        uint256 otherCount;
    }

    /// @notice One task of `submitTasks`; fields as in `submitTask`.
    struct TaskInput {
        bytes32 specHash;
        bytes spec;
        uint8 kind;
        uint256 reward;
        uint256 redundancy;
        uint256 minRedundancy;
        uint64 deadline;
    }

    /// @notice The tasks one node is assigned in a proposal.
    struct Assignment {
        address node;
        uint256[] tasks;
    }

    /// @notice A task. Packed in two slots; the audit head lives apart.
    struct Task {
        address requester;
        Status status;
        uint8 kind;
        uint8 redundancy;
        uint8 minRedundancy;
        uint16 count; // n_t in `round`
        uint16 revealed;
        uint32 round;
        uint128 reward;
        uint64 deadline;
    }

    /// @notice One allocation round.
    struct Round {
        address proposer;
        uint64 proposedAt;
        bool voided;
        bool finalized;
        uint128 bond;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint64 taskLimit; // tasks with a smaller id existed when the proposal was made
        uint32 pairs;
    }

    error TaskMarketInvalidAddress(address account);
    error TaskMarketInvalidKind(uint8 kind);
    error TaskMarketZeroReward();
    error TaskMarketRewardTooLarge(uint256 reward, uint256 max);
    error TaskMarketInvalidRedundancy(uint256 redundancy, uint256 minRedundancy);
    error TaskMarketDeadlinePassed(uint256 deadline, uint256 nowTime);
    error TaskMarketUnknownTask(uint256 taskId);
    error TaskMarketInvalidTaskState(uint256 taskId, Status status, Status expected);
    error TaskMarketWrongRound(uint256 round, uint256 currentRound);
    error TaskMarketRoundAlreadyProposed(uint256 round, address proposer);
    error TaskMarketNoProposal(uint256 round);
    error TaskMarketDuplicateAssignment(address node, uint256 taskId);
    error TaskMarketEmptyAllocation();
    error TaskMarketChallengeWindowClosed(uint256 round, uint256 closedAt, uint256 nowTime);
    error TaskMarketChallengeWindowOpen(uint256 round, uint256 closesAt, uint256 nowTime);
    error TaskMarketProposalVoided(uint256 round);
    error TaskMarketAlreadyFinalized(uint256 round);
    error TaskMarketNotFinalized(uint256 round);
    error TaskMarketChallengeFailed(uint256 round, MoveKind kind, address node);
    error TaskMarketIncompleteTaskList(uint256 round, uint256 listed, uint256 pairs);
    error TaskMarketUnsortedIds(uint256 previous, uint256 next);
    error TaskMarketNotAssigned(address node, uint256 taskId);
    error TaskMarketNotAssignedInRound(uint256 round, address node);
    error TaskMarketCommitClosed(uint256 round, uint256 deadline, uint256 nowTime);
    error TaskMarketAlreadyCommitted(uint256 round, address node);
    error TaskMarketRevealNotOpen(uint256 round, uint256 opensAt, uint256 nowTime);
    error TaskMarketRevealClosed(uint256 round, uint256 deadline, uint256 nowTime);
    error TaskMarketNoCommitment(uint256 round, address node);
    error TaskMarketRevealMismatch(uint256 round, address node);
    error TaskMarketLengthMismatch(uint256 expected, uint256 actual);
    error TaskMarketNodeListMismatch(uint256 taskId, uint256 listed, uint256 count);
    error TaskMarketSettleTooEarly(uint256 taskId, uint256 opensAt, uint256 nowTime);
    error TaskMarketNotExpired(uint256 taskId, uint256 deadline, uint256 nowTime);
    error TaskMarketNothingToClaim(address account);
    /// @dev `expire` of task `taskId`, which has nodes in the pending proposal of `round`:
    /// it waits until that round is finalized, challenged or abandoned.
    error TaskMarketTaskInPendingRound(uint256 taskId, uint256 round);
    /// @dev A proposal names task `taskId`, whose `deadline` falls before `minDeadline`, the
    /// end of the challenge window: the round could never allocate it.
    error TaskMarketDeadlineTooSoon(uint256 taskId, uint256 deadline, uint256 minDeadline);
    /// @dev `abandon` of `round` before `opensAt` (proposal + challenge window + commit window).
    error TaskMarketAbandonTooEarly(uint256 round, uint256 opensAt, uint256 nowTime);

    /// @notice Task `taskId` moved; `head` = keccak256(abi.encode(previous head, kind, data)).
    event TaskTransition(uint256 indexed taskId, Transition indexed kind, bytes data, bytes32 head);
    /// @notice The full spec (or its URI) of a task; its hash is in the Submitted transition.
    event TaskSpec(uint256 indexed taskId, bytes spec);
    /// @notice `proposer` proposed an allocation of `pairs` pairs for `round`.
    event AllocationProposed(uint256 indexed round, address indexed proposer, uint256 pairs, uint256 bond);
    /// @notice A challenge against `round` succeeded; `challenger` was credited the governed
    /// share of the bond (`challengeRewardBps`), the treasury the rest.
    event AllocationChallenged(uint256 indexed round, address indexed challenger, MoveKind kind, address node);
    /// @notice `caller` voided the proposal of `round`, which nobody finalized in time; its
    /// `bond` was credited to the treasury.
    event AllocationAbandoned(uint256 indexed round, address indexed caller, uint256 bond);
    /// @notice `round` became final; results are committed until `commitDeadline`.
    event AllocationFinalized(uint256 indexed round, uint64 commitDeadline, uint64 revealDeadline);
    /// @notice `node` committed to its results of `round`.
    event ResultsCommitted(uint256 indexed round, address indexed node, bytes32 commitment);
    /// @notice `account` was credited `amount` (claimable).
    event Credited(address indexed account, uint256 amount);
    /// @notice `account` claimed `amount`.
    event Claimed(address indexed account, uint256 amount);
    /// @notice `node` was slashed `amount` for task `taskId`.
    event NodeSlashed(uint256 indexed taskId, address indexed node, uint256 amount);

    uint256 private constant _BPS = 10_000;

    IERC20 private immutable _token;
    Params private immutable _params;
    NodeRegistry private immutable _registry;
    address private immutable _treasury;

    uint256 private _nextTaskId = 1;
    uint256 private _currentRound = 1;
    uint256 private _escrowed;
    uint256 private _bonds;
    uint256 private _unclaimed;

    mapping(uint256 taskId => Task) private _tasks;
    mapping(uint256 taskId => bytes32) private _heads;
    mapping(uint256 round => Round) private _rounds;
    mapping(uint256 round => mapping(address node => uint256)) private _loads;
    // One bit per (round, node, task): 256 consecutive task ids share a slot.
    mapping(bytes32 key => uint256) private _assigned;
    mapping(uint256 round => mapping(address node => bytes32)) private _commitments;
    mapping(uint256 taskId => mapping(address node => bytes32)) private _results;
    mapping(address account => uint256) private _credits;

    /// @param token_ The reward token.
    /// @param params_ Protocol parameters.
    /// @param registry_ The node registry (which names this market as its only slasher).
    /// @param treasury_ Receives protocol fees and slashed stake (the timelock).
    constructor(IERC20 token_, Params params_, NodeRegistry registry_, address treasury_) {
        if (address(token_) == address(0)) revert TaskMarketInvalidAddress(address(token_));
        if (address(params_) == address(0)) revert TaskMarketInvalidAddress(address(params_));
        if (address(registry_) == address(0)) revert TaskMarketInvalidAddress(address(registry_));
        if (treasury_ == address(0)) revert TaskMarketInvalidAddress(treasury_);
        _token = token_;
        _params = params_;
        _registry = registry_;
        _treasury = treasury_;
    }

    // ------------------------------------------------------------------- submit

    /// @notice Submits a task and escrows `reward` from the caller (who approved this market).
    /// @param specHash Hash of the canonical task spec.
    /// @param spec The spec itself or its URI (emitted, not stored).
    /// @param kind Task kind (as in the registry).
    /// @param reward Reward in token base units.
    /// @param redundancy Nodes meant to do the task; 0 takes the Params default.
    /// @param minRedundancy Fewest nodes worth allocating; below, the task waits a round (0 → 1).
    /// @param deadline Latest time to allocate the task; after it an open task is refunded.
    /// @return taskId The new task's id.
    function submitTask(
        bytes32 specHash,
        bytes calldata spec,
        uint8 kind,
        uint256 reward,
        uint256 redundancy,
        uint256 minRedundancy,
        uint64 deadline
    ) public nonReentrant returns (uint256 taskId) {
        taskId = _open(specHash, spec, kind, reward, redundancy, minRedundancy, deadline);
        _token.safeTransferFrom(msg.sender, address(this), reward);
    }

    /// @notice Submits several tasks with one transfer of their total reward.
    /// @return firstId The id of the first task; the others follow consecutively.
    function submitTasks(TaskInput[] calldata inputs) external nonReentrant returns (uint256 firstId) {
        firstId = _nextTaskId;
        uint256 total;
        for (uint256 i = 0; i < inputs.length; ++i) {
            TaskInput calldata x = inputs[i];
            _open(x.specHash, x.spec, x.kind, x.reward, x.redundancy, x.minRedundancy, x.deadline);
            total += x.reward;
        }
        _token.safeTransferFrom(msg.sender, address(this), total);
    }

    function _open(
        bytes32 specHash,
        bytes calldata spec,
        uint8 kind,
        uint256 reward,
        uint256 redundancy,
        uint256 minRedundancy,
        uint64 deadline
    ) private returns (uint256 taskId) {
        if (kind == 0) revert TaskMarketInvalidKind(kind);
        if (reward == 0) revert TaskMarketZeroReward();
        if (reward > type(uint128).max) revert TaskMarketRewardTooLarge(reward, type(uint128).max);
        if (redundancy == 0) redundancy = _params.defaultRedundancy();
        if (minRedundancy == 0) minRedundancy = 1;
        if (redundancy > type(uint8).max || minRedundancy > redundancy) {
            revert TaskMarketInvalidRedundancy(redundancy, minRedundancy);
        }
        if (deadline <= block.timestamp) revert TaskMarketDeadlinePassed(deadline, block.timestamp);
        taskId = _nextTaskId++;
        _tasks[taskId] = Task({
            requester: msg.sender,
            status: Status.Open,
            kind: kind,
            redundancy: uint8(redundancy),
            minRedundancy: uint8(minRedundancy),
            count: 0,
            revealed: 0,
            round: 0,
            reward: uint128(reward),
            deadline: deadline
        });
        _escrowed += reward;
        _extend(
            taskId,
            Transition.Submitted,
            abi.encode(msg.sender, specHash, kind, reward, redundancy, minRedundancy, deadline)
        );
        emit TaskSpec(taskId, spec);
    }

    /// @notice `submitTask` with an EIP-2612 permit for `reward` instead of an approval.
    function submitTaskWithPermit(
        bytes32 specHash,
        bytes calldata spec,
        uint8 kind,
        uint256 reward,
        uint256 redundancy,
        uint256 minRedundancy,
        uint64 deadline,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256) {
        // A front-run permit must not block the submission: transferFrom's allowance check
        // is what protects the requester.
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), reward, permitDeadline, v, r, s) {}
            catch {}
        return submitTask(specHash, spec, kind, reward, redundancy, minRedundancy, deadline);
    }

    /// @notice Refunds an open task whose deadline passed. Anyone may call. A task with nodes
    /// in the pending proposal waits until that round is finalized, challenged or abandoned.
    function expire(uint256 taskId) external {
        Task storage t = _taskIn(taskId, Status.Open);
        if (block.timestamp <= t.deadline) revert TaskMarketNotExpired(taskId, t.deadline, block.timestamp);
        // `t.round` is set only by a proposal, and the current round advances once its
        // proposal is finalized or voided: equal means the proposal is still pending.
        if (t.round == _currentRound) revert TaskMarketTaskInPendingRound(taskId, t.round);
        t.status = Status.Expired;
        uint256 reward = t.reward;
        _escrowed -= reward;
        _credit(t.requester, reward);
        _extend(taskId, Transition.Expired, abi.encode(reward));
    }

    // ------------------------------------------------------------------- rounds

    /// @notice Proposes the allocation of `round` (the current one), posting the proposer bond.
    /// Every named task must be open, with a deadline no earlier than the end of the challenge
    /// window; a pair may appear once.
    function proposeAllocation(uint256 round, Assignment[] calldata assignments) external nonReentrant {
        if (round != _currentRound) revert TaskMarketWrongRound(round, _currentRound);
        Round storage rd = _rounds[round];
        if (rd.proposer != address(0)) revert TaskMarketRoundAlreadyProposed(round, rd.proposer);
        // A task past its deadline at the earliest finalize could never be allocated by this round.
        uint256 minDeadline = block.timestamp + _params.challengeWindow();
        uint256 pairs;
        for (uint256 a = 0; a < assignments.length; ++a) {
            address node = assignments[a].node;
            uint256[] calldata ids = assignments[a].tasks;
            for (uint256 j = 0; j < ids.length; ++j) {
                uint256 id = ids[j];
                Task storage t = _taskIn(id, Status.Open);
                if (t.deadline < minDeadline) revert TaskMarketDeadlineTooSoon(id, t.deadline, minDeadline);
                (bytes32 key, uint256 bit) = _bit(round, node, id);
                uint256 word = _assigned[key];
                if (word & bit != 0) revert TaskMarketDuplicateAssignment(node, id);
                _assigned[key] = word | bit;
                if (t.round != round) {
                    t.round = uint32(round);
                    t.count = 1;
                } else {
                    t.count += 1;
                }
            }
            _loads[round][node] += ids.length;
            pairs += ids.length;
        }
        if (pairs == 0) revert TaskMarketEmptyAllocation();
        uint256 bond = _params.proposerBond();
        rd.proposer = msg.sender;
        rd.proposedAt = uint64(block.timestamp);
        rd.bond = uint128(bond);
        rd.taskLimit = uint64(_nextTaskId);
        rd.pairs = uint32(pairs);
        _bonds += bond;
        emit AllocationProposed(round, msg.sender, pairs, bond);
        if (bond > 0) _token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @notice Proves the proposal of the current round wrong with `move`; the caller is
    /// credited `challengeRewardBps` of the bond, the treasury the rest (so that a proposer
    /// challenging its own proposal loses part of its bond), and the tasks roll to the next round.
    function challenge(uint256 round, Move calldata move) external {
        Round storage rd = _pending(round);
        uint256 closes = rd.proposedAt + _params.challengeWindow();
        if (block.timestamp >= closes) revert TaskMarketChallengeWindowClosed(round, closes, block.timestamp);
        if (!checkMove(round, move)) revert TaskMarketChallengeFailed(round, move.kind, move.node);
        rd.voided = true;
        uint256 bond = rd.bond;
        uint256 reward = (bond * _params.challengeRewardBps()) / _BPS;
        _bonds -= bond;
        _credit(msg.sender, reward);
        _credit(_treasury, bond - reward);
        _currentRound = round + 1;
        emit AllocationChallenged(round, msg.sender, move.kind, move.node);
    }

    /// @notice Voids the proposal of `round` that nobody finalized within the challenge window
    /// plus the commit window after it was proposed, so that the market is never stuck behind
    /// it. Anyone may call. The bond is credited to the treasury; the tasks roll to the next round.
    function abandon(uint256 round) external {
        Round storage rd = _pending(round);
        uint256 opens = rd.proposedAt + _params.challengeWindow() + _params.commitWindow();
        if (block.timestamp < opens) revert TaskMarketAbandonTooEarly(round, opens, block.timestamp);
        rd.voided = true;
        uint256 bond = rd.bond;
        _bonds -= bond;
        _credit(_treasury, bond);
        _currentRound = round + 1;
        emit AllocationAbandoned(round, msg.sender, bond);
    }

    /// @notice Makes the unchallenged proposal of `round` final once the window is over.
    /// @param taskIds Every task with at least one node in the proposal, ascending. Tasks below
    /// their minimum redundancy or past their deadline stay open for the next round; a listed
    /// task that is no longer open counts towards the pairs but is not allocated.
    function finalize(uint256 round, uint256[] calldata taskIds) external {
        Round storage rd = _pending(round);
        uint256 closes = rd.proposedAt + _params.challengeWindow();
        if (block.timestamp < closes) revert TaskMarketChallengeWindowOpen(round, closes, block.timestamp);
        uint64 commitDeadline = uint64(block.timestamp + _params.commitWindow());
        uint64 revealDeadline = commitDeadline + uint64(_params.revealWindow());
        rd.finalized = true;
        rd.commitDeadline = commitDeadline;
        rd.revealDeadline = revealDeadline;
        uint256 listed;
        uint256 previous;
        for (uint256 j = 0; j < taskIds.length; ++j) {
            uint256 id = taskIds[j];
            if (id <= previous) revert TaskMarketUnsortedIds(previous, id);
            previous = id;
            Task storage t = _tasks[id];
            // Status is not checked: no change of a task's status may make finalize impossible.
            if (t.round != round) revert TaskMarketNotAssigned(address(0), id);
            uint256 n = t.count;
            listed += n;
            if (t.status == Status.Open && n >= t.minRedundancy && block.timestamp <= t.deadline) {
                t.status = Status.Allocated;
                _extend(id, Transition.Allocated, abi.encode(round, n, commitDeadline, revealDeadline));
            }
        }
        if (listed != rd.pairs) revert TaskMarketIncompleteTaskList(round, listed, rd.pairs);
        uint256 bond = rd.bond;
        _bonds -= bond;
        _credit(rd.proposer, bond);
        _currentRound = round + 1;
        emit AllocationFinalized(round, commitDeadline, revealDeadline);
    }

    /// @notice Whether `move` proves the proposal of `round` wrong, against the stored counts
    /// and the registry's current prices, capacities and stakes. O(1).
    function checkMove(uint256 round, Move calldata m) public view returns (bool) {
        uint256 load = _loads[round][m.node];
        if (m.kind == MoveKind.UnknownNode) return load > 0 && !_registry.isActive(m.node);
        if (m.kind == MoveKind.OverCapacity) {
            return _registry.isActive(m.node) && m.load == load && load > _registry.capacityOf(m.node);
        }
        Task storage t = _tasks[m.task];
        if (!_inRound(round, m.task, t)) return false;
        bool has = _has(round, m.node, m.task);
        if (m.kind == MoveKind.UnsupportedKind) {
            return has && _registry.isActive(m.node) && !_registry.supportsKind(m.node, t.kind);
        }
        if (!_registry.isEligible(m.node, t.kind) || m.count != _count(round, t)) return false;
        uint256 price = _registry.priceOf(m.node, t.kind);
        if (m.kind == MoveKind.Add) {
            return !has && m.load == load && load < _registry.capacityOf(m.node)
                && _share(t, m.count + 1) > price;
        }
        if (!has) return false;
        if (m.kind == MoveKind.Drop) return _share(t, m.count) < price;
        // Swap: (shareIn − priceIn) > (shareOut − priceOut), rearranged to stay unsigned.
        Task storage u = _tasks[m.otherTask];
        if (!_inRound(round, m.otherTask, u) || _has(round, m.node, m.otherTask)) return false;
        if (!_registry.isEligible(m.node, u.kind) || m.otherCount != _count(round, u)) return false;
        return _share(u, m.otherCount + 1) + price > _share(t, m.count) + _registry.priceOf(m.node, u.kind);
    }

    // ------------------------------------------------------------ commit, reveal

    /// @notice Commits the caller's results of `round` before the commit deadline:
    /// `commitment = keccak256(abi.encode(taskIds, items))` with
    /// `items[j] = keccak256(abi.encode(resultHash_j, salt_j, msg.sender))`.
    function commit(uint256 round, bytes32 commitment) external {
        Round storage rd = _final(round);
        if (block.timestamp > rd.commitDeadline) {
            revert TaskMarketCommitClosed(round, rd.commitDeadline, block.timestamp);
        }
        if (_loads[round][msg.sender] == 0) revert TaskMarketNotAssignedInRound(round, msg.sender);
        if (_commitments[round][msg.sender] != bytes32(0)) revert TaskMarketAlreadyCommitted(round, msg.sender);
        _commitments[round][msg.sender] = commitment;
        emit ResultsCommitted(round, msg.sender, commitment);
    }

    /// @notice Reveals the caller's committed results of `round` after the commit deadline.
    /// @param results Each result or its URI, emitted in the Revealed transition.
    function reveal(
        uint256 round,
        uint256[] calldata taskIds,
        bytes32[] calldata resultHashes,
        bytes32[] calldata salts,
        bytes[] calldata results
    ) external {
        Round storage rd = _final(round);
        if (block.timestamp <= rd.commitDeadline) {
            revert TaskMarketRevealNotOpen(round, rd.commitDeadline + 1, block.timestamp);
        }
        if (block.timestamp > rd.revealDeadline) {
            revert TaskMarketRevealClosed(round, rd.revealDeadline, block.timestamp);
        }
        uint256 n = taskIds.length;
        if (resultHashes.length != n) revert TaskMarketLengthMismatch(n, resultHashes.length);
        if (salts.length != n) revert TaskMarketLengthMismatch(n, salts.length);
        if (results.length != n) revert TaskMarketLengthMismatch(n, results.length);
        bytes32 stored = _commitments[round][msg.sender];
        if (stored == bytes32(0)) revert TaskMarketNoCommitment(round, msg.sender);
        bytes32[] memory items = new bytes32[](n);
        for (uint256 j = 0; j < n; ++j) {
            items[j] = keccak256(abi.encode(resultHashes[j], salts[j], msg.sender));
        }
        if (keccak256(abi.encode(taskIds, items)) != stored) revert TaskMarketRevealMismatch(round, msg.sender);
        delete _commitments[round][msg.sender];
        for (uint256 j = 0; j < n; ++j) {
            _record(round, taskIds[j], resultHashes[j], results[j]);
        }
    }

    // ------------------------------------------------------------------- settle

    /// @notice Settles an allocated task after its reveal deadline. Anyone may call.
    /// @param nodes Every node assigned to the task, ascending by address.
    function settle(uint256 taskId, address[] calldata nodes) external nonReentrant {
        _settle(taskId, nodes);
    }

    /// @notice Settles several tasks in one transaction; `nodes[i]` is `settle`'s list for `taskIds[i]`.
    function settleMany(uint256[] calldata taskIds, address[][] calldata nodes) external nonReentrant {
        if (nodes.length != taskIds.length) revert TaskMarketLengthMismatch(taskIds.length, nodes.length);
        for (uint256 i = 0; i < taskIds.length; ++i) {
            _settle(taskIds[i], nodes[i]);
        }
    }

    function _settle(uint256 taskId, address[] calldata nodes) private {
        Task storage t = _taskIn(taskId, Status.Allocated);
        uint256 round = t.round;
        uint256 opens = _rounds[round].revealDeadline + 1;
        if (block.timestamp < opens) revert TaskMarketSettleTooEarly(taskId, opens, block.timestamp);
        uint256 n = t.count;
        if (nodes.length != n) revert TaskMarketNodeListMismatch(taskId, nodes.length, n);
        bytes32[] memory votes = new bytes32[](n);
        address previous;
        for (uint256 j = 0; j < n; ++j) {
            address node = nodes[j];
            if (uint160(node) <= uint160(previous)) revert TaskMarketUnsortedIds(uint160(previous), uint160(node));
            previous = node;
            if (!_has(round, node, taskId)) revert TaskMarketNotAssigned(node, taskId);
            votes[j] = _results[taskId][node];
        }
        (bytes32 winner, uint256 winners) = _majority(votes);
        _pay(taskId, t, nodes, votes, winner, winners);
        _slashLosers(taskId, nodes, votes, winner, winners);
    }

    function _pay(
        uint256 taskId,
        Task storage t,
        address[] calldata nodes,
        bytes32[] memory votes,
        bytes32 winner,
        uint256 winners
    ) private {
        uint256 reward = t.reward;
        _escrowed -= reward;
        uint256 paid;
        if (winners > 0) {
            t.status = Status.Settled;
            uint256 share = _share(t, nodes.length);
            uint256 fee = (share * _params.protocolFeeBps()) / _BPS;
            for (uint256 j = 0; j < nodes.length; ++j) {
                if (votes[j] == winner) _credit(nodes[j], share - fee);
            }
            paid = share * winners;
            _credit(_treasury, fee * winners);
            _extend(taskId, Transition.Settled, abi.encode(winner, winners, share, fee, reward - paid));
        } else {
            t.status = Status.Refunded;
            _extend(taskId, Transition.Refunded, abi.encode(reward));
        }
        _credit(t.requester, reward - paid);
    }

    /// @dev With a majority, everyone outside it is slashed; without one, only the silent.
    function _slashLosers(
        uint256 taskId,
        address[] calldata nodes,
        bytes32[] memory votes,
        bytes32 winner,
        uint256 winners
    ) private {
        uint256 bps = _params.slashBps();
        for (uint256 j = 0; j < nodes.length; ++j) {
            bytes32 v = votes[j];
            if (winners > 0 ? v == winner : v != bytes32(0)) continue;
            // Bonded and unbonding: a node that unstaked after finalize is slashed all the same.
            uint256 amount = (_registry.slashableOf(nodes[j]) * bps) / _BPS;
            if (amount == 0) continue;
            uint256 taken = _registry.slash(nodes[j], amount, _treasury);
            emit NodeSlashed(taskId, nodes[j], taken);
        }
    }

    /// @notice Pays the caller everything credited to it.
    function claim() external {
        claimFor(msg.sender);
    }

    /// @notice Pays `account` everything credited to it (to `account`; anyone may trigger it,
    /// so that a treasury without a claiming transaction of its own is paid too).
    function claimFor(address account) public nonReentrant {
        uint256 amount = _credits[account];
        if (amount == 0) revert TaskMarketNothingToClaim(account);
        _credits[account] = 0;
        _unclaimed -= amount;
        emit Claimed(account, amount);
        _token.safeTransfer(account, amount);
    }

    // -------------------------------------------------------------------- views

    /// @notice The reward token, parameters, registry and treasury.
    function wiring() external view returns (IERC20, Params, NodeRegistry, address) {
        return (_token, _params, _registry, _treasury);
    }

    /// @notice Everything stored about `taskId`.
    function getTask(uint256 taskId) external view returns (Task memory) {
        return _tasks[taskId];
    }

    /// @notice The audit head of `taskId`.
    function headOf(uint256 taskId) external view returns (bytes32) {
        return _heads[taskId];
    }

    /// @notice Everything stored about `round`.
    function getRound(uint256 round) external view returns (Round memory) {
        return _rounds[round];
    }

    /// @notice The round that accepts the next proposal.
    function currentRound() external view returns (uint256) {
        return _currentRound;
    }

    /// @notice The id the next task will get.
    function nextTaskId() external view returns (uint256) {
        return _nextTaskId;
    }

    /// @notice `n_t` of `taskId` in `round`.
    function countOf(uint256 round, uint256 taskId) external view returns (uint256) {
        return _count(round, _tasks[taskId]);
    }

    /// @notice How many tasks `node` holds in `round`.
    function loadOf(uint256 round, address node) external view returns (uint256) {
        return _loads[round][node];
    }

    /// @notice Whether `node` is assigned `taskId` in `round`.
    function isAssigned(uint256 round, address node, uint256 taskId) external view returns (bool) {
        return _has(round, node, taskId);
    }

    /// @notice The commitment of `node` for `round` (zero once revealed).
    function commitmentOf(uint256 round, address node) external view returns (bytes32) {
        return _commitments[round][node];
    }

    /// @notice The result hash `node` revealed for `taskId` (zero when none).
    function resultOf(uint256 taskId, address node) external view returns (bytes32) {
        return _results[taskId][node];
    }

    /// @notice Claimable balance of `account`.
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @notice What the market owes: open escrow, bonds of pending proposals, unclaimed credits.
    /// Its token balance equals their sum.
    function liabilities() external view returns (uint256 escrowed, uint256 bonds, uint256 unclaimed) {
        return (_escrowed, _bonds, _unclaimed);
    }

    // ----------------------------------------------------------------- internal

    function _record(uint256 round, uint256 id, bytes32 resultHash, bytes calldata result) private {
        Task storage t = _tasks[id];
        if (t.status != Status.Allocated || t.round != round || !_has(round, msg.sender, id)) {
            revert TaskMarketNotAssigned(msg.sender, id);
        }
        if (_results[id][msg.sender] != bytes32(0)) revert TaskMarketDuplicateAssignment(msg.sender, id);
        _results[id][msg.sender] = resultHash;
        t.revealed += 1;
        _extend(id, Transition.Revealed, abi.encode(msg.sender, resultHash, result));
    }

    function _extend(uint256 taskId, Transition kind, bytes memory data) private {
        bytes32 head = keccak256(abi.encode(_heads[taskId], kind, data));
        _heads[taskId] = head;
        emit TaskTransition(taskId, kind, data, head);
    }

    function _credit(address account, uint256 amount) private {
        if (amount == 0) return;
        _credits[account] += amount;
        _unclaimed += amount;
        emit Credited(account, amount);
    }

    function _taskIn(uint256 taskId, Status expected) private view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.status == Status.None) revert TaskMarketUnknownTask(taskId);
        if (t.status != expected) revert TaskMarketInvalidTaskState(taskId, t.status, expected);
    }

    function _pending(uint256 round) private view returns (Round storage rd) {
        rd = _rounds[round];
        if (rd.proposer == address(0)) revert TaskMarketNoProposal(round);
        if (rd.voided) revert TaskMarketProposalVoided(round);
        if (rd.finalized) revert TaskMarketAlreadyFinalized(round);
    }

    function _final(uint256 round) private view returns (Round storage rd) {
        rd = _rounds[round];
        if (!rd.finalized) revert TaskMarketNotFinalized(round);
    }

    /// @dev The tasks of `round`'s game: open, existing at the proposal, and allocatable by the
    /// round (deadline no earlier than the end of its challenge window).
    function _inRound(uint256 round, uint256 id, Task storage t) private view returns (bool) {
        Round storage rd = _rounds[round];
        return t.status == Status.Open && id < rd.taskLimit
            && t.deadline >= rd.proposedAt + _params.challengeWindow();
    }

    function _count(uint256 round, Task storage t) private view returns (uint256) {
        return t.round == round ? t.count : 0;
    }

    /// @dev The rounding rule of the game: R_t // max(n_t, k_t).
    function _share(Task storage t, uint256 n) private view returns (uint256) {
        uint256 k = t.redundancy;
        return uint256(t.reward) / (n > k ? n : k);
    }

    function _bit(uint256 round, address node, uint256 id) private pure returns (bytes32 key, uint256 bit) {
        key = keccak256(abi.encode(round, node, id >> 8));
        bit = uint256(1) << (id & 0xff);
    }

    function _has(uint256 round, address node, uint256 id) private view returns (bool) {
        (bytes32 key, uint256 bit) = _bit(round, node, id);
        return _assigned[key] & bit != 0;
    }

    /// @dev The hash revealed by a strict majority of `votes` (zero = not revealed, never wins).
    function _majority(bytes32[] memory votes) private pure returns (bytes32 winner, uint256 count) {
        uint256 n = votes.length;
        for (uint256 j = 0; j < n; ++j) {
            bytes32 v = votes[j];
            if (v == bytes32(0)) continue;
            uint256 c;
            for (uint256 k = 0; k < n; ++k) {
                if (votes[k] == v) ++c;
            }
            if (2 * c > n) return (v, c);
        }
        return (bytes32(0), 0);
    }
}
