// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {MarketCodec} from "./MarketCodec.sol";

/// @title ITaskMarket
/// @notice The task market of protocol v2 (docs/protocol-v2.md): escrow, allocation rounds
/// with posted per-kind clearing prices judged against a registry snapshot, commit–reveal of
/// result vectors, whole-round settlement from calldata, pull payments.
interface ITaskMarket {
    // ------------------------------------------------------------------ types

    /// @notice State of a round.
    enum RoundState {
        None,
        Proposed,
        Voided,
        Finalized,
        Settled
    }

    /// @notice The four challenge moves of the allocation game (docs/allocation-game.md).
    enum MoveKind {
        Add,
        Drop,
        Swap,
        Discount
    }

    /// @notice Kinds of audit-head transitions.
    enum Transition {
        Submitted,
        Allocated,
        Revealed,
        Settled,
        Refunded,
        Expired,
        Cancelled
    }

    /// @notice A task of a proposal with the indices (into the proposal's node list, strictly
    /// ascending) of the nodes allocated to it.
    struct TaskLeaf {
        uint256 id;
        MarketCodec.TaskRecord record;
        uint16[] nodes;
    }

    /// @notice An allocation proposal, checked whole by `propose`. `tasks` holds its task
    /// leaves packed (`MarketCodec.readPackedTask`), in ascending id.
    struct Proposal {
        uint64 taskLimit;
        MarketCodec.NodeEntry[] nodes;
        uint32[] loads;
        bytes tasks;
        uint256[16] lambdas;
    }

    /// @notice A node of the round's snapshot with its Merkle proof against the node root.
    struct NodeProof {
        MarketCodec.NodeEntry entry;
        bool eligible;
        uint32 load;
        MarketCodec.Proof proof;
    }

    /// @notice A task of the round's proposal with its Merkle proof against the task root.
    struct TaskProof {
        TaskLeaf leaf;
        MarketCodec.Proof proof;
    }

    /// @notice A challenge move. `Add`, `Drop`: `node` and `task`. `Swap`: `node` leaves
    /// `task` for `other`. `Discount`: `task` only.
    struct Move {
        MoveKind kind;
        NodeProof node;
        TaskProof task;
        TaskProof other;
        uint256[16] lambdas;
    }

    /// @notice What is stored of a round.
    struct Round {
        address proposer;
        RoundState state;
        uint64 proposedAt;
        uint64 challengeCloses;
        uint128 bond;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint64 scanFrom;
        uint64 taskLimit;
        uint32 taskCount;
        uint32 nodeCount;
        bytes32 taskRoot;
        bytes32 nodeRoot;
        bytes32 lambdasHash;
        bytes32 allocatedHash;
        bytes32 nodesHash;
    }

    // ----------------------------------------------------------------- errors

    /// @dev A constructor argument is the zero address.
    /// @param account The zero address given.
    error MarketInvalidAddress(address account);
    /// @dev Packed bytes end inside a task leaf or a submission, or a leaf lists more nodes than
    /// any task may have.
    /// @param offset Where, in the packed bytes, the malformed leaf or submission starts.
    error MarketBadTaskEncoding(uint256 offset);
    /// @dev A submitted task's kind is 0 or above the largest kind id.
    /// @param kind The kind given.
    error MarketInvalidKind(uint8 kind);
    /// @dev A submitted task's reward is zero.
    error MarketZeroReward();
    /// @dev A submitted task's redundancy is 0, above 15, or below its minimum redundancy.
    /// @param redundancy The redundancy given.
    /// @param minRedundancy The minimum redundancy given.
    error MarketInvalidRedundancy(uint8 redundancy, uint8 minRedundancy);
    /// @dev A submitted task's deadline is not in the future, or further than the longest lifetime.
    /// @param deadline The deadline given.
    /// @param earliest The first allowed deadline (exclusive): now.
    /// @param latest The last allowed deadline: now + `MAX_LIFETIME`.
    error MarketInvalidDeadline(uint64 deadline, uint256 earliest, uint256 latest);
    /// @dev `round` is not the round that may be proposed now.
    /// @param round The round given.
    /// @param currentRound The round that may be proposed.
    error MarketWrongRound(uint256 round, uint256 currentRound);
    /// @dev The round is not in the state the call needs.
    /// @param round The round.
    /// @param state Its state.
    error MarketRoundState(uint256 round, RoundState state);
    /// @dev The proposal's `taskLimit` is beyond the next task id, or below it while fewer than
    /// `maxTasksPerRound` tasks are listed.
    /// @param taskLimit The limit given.
    /// @param nextTaskId The next task id.
    /// @param listed Tasks listed.
    error MarketBadTaskLimit(uint256 taskLimit, uint256 nextTaskId, uint256 listed);
    /// @dev The proposal lists more than `maxTasksPerRound` tasks.
    /// @param listed Tasks listed.
    /// @param max The cap.
    error MarketTooManyTasks(uint256 listed, uint256 max);
    /// @dev The node list is not every registered node, ascending by address.
    /// @param index Position in the list where it went wrong.
    /// @param node The node there (zero when the list is too short).
    error MarketBadNodeList(uint256 index, address node);
    /// @dev A node entry does not equal the registry's configuration of that node.
    /// @param node The node.
    error MarketStaleNodeEntry(address node);
    /// @dev Task ids are not strictly ascending inside [scanFrom, taskLimit).
    /// @param previous The previous id.
    /// @param id The offending id.
    error MarketUnsortedTask(uint256 previous, uint256 id);
    /// @dev A listed task is not open.
    /// @param id The task.
    error MarketTaskNotOpen(uint256 id);
    /// @dev An open task in the proposal's range is missing: `word` holds `open` open tasks of the
    /// range and the proposal lists `listed` of them.
    /// @param word The status word (task ids 128·word … 128·word + 127).
    /// @param open Open tasks of the range in that word.
    /// @param listed Listed tasks in that word.
    error MarketMissingTasks(uint256 word, uint256 open, uint256 listed);
    /// @dev A record does not hash to the task's head.
    /// @param id The task.
    error MarketRecordMismatch(uint256 id);
    /// @dev A task's node indices are not strictly ascending or point outside the node list.
    /// @param id The task.
    /// @param index The offending index.
    error MarketBadNodeIndex(uint256 id, uint256 index);
    /// @dev A task has more nodes than its redundancy.
    /// @param id The task.
    /// @param nodes Nodes given.
    /// @param redundancy Its redundancy.
    error MarketOverfull(uint256 id, uint256 nodes, uint256 redundancy);
    /// @dev A node given work cannot take it: not eligible (stake below minimum) or not serving the kind.
    /// @param id The task.
    /// @param node The node.
    error MarketIneligibleNode(uint256 id, address node);
    /// @dev A task whose deadline is not after the end of the challenge window has nodes.
    /// @param id The task.
    /// @param deadline Its deadline.
    /// @param challengeCloses End of the challenge window.
    error MarketNotAllocatable(uint256 id, uint64 deadline, uint256 challengeCloses);
    /// @dev A node's stated load differs from its count in the proposal, or exceeds its capacity.
    /// @param node The node.
    /// @param load The load stated.
    /// @param counted Tasks counted for it.
    /// @param capacity Its capacity.
    error MarketBadLoad(address node, uint256 load, uint256 counted, uint256 capacity);
    /// @dev The lengths of two lists that must match do not.
    /// @param expected The expected length.
    /// @param actual The length given.
    error MarketLengthMismatch(uint256 expected, uint256 actual);
    /// @dev The challenge window of `round` is closed (or not yet closed, for finalize).
    /// @param round The round.
    /// @param closesAt When the window closes.
    /// @param nowTime The block time.
    error MarketChallengeWindow(uint256 round, uint256 closesAt, uint256 nowTime);
    /// @dev No challenge commitment of the caller for `round` from an earlier block matches.
    /// @param round The round.
    /// @param challenger The caller.
    error MarketNoChallengeCommitment(uint256 round, address challenger);
    /// @dev A Merkle proof, the posted prices or the node snapshot in a challenge or settlement do
    /// not match what the round stored.
    /// @param round The round.
    error MarketProofMismatch(uint256 round);
    /// @dev The judge refused the move: it is not profitable (or not possible) against the proposal.
    /// @param round The round.
    /// @param kind The move.
    error MarketChallengeFailed(uint256 round, MoveKind kind);
    /// @dev `finalize` was given ids that do not hash to the stored list of allocated tasks.
    /// @param round The round.
    error MarketAllocatedMismatch(uint256 round);
    /// @dev `abandon` before the challenge and commit windows have both passed.
    /// @param round The round.
    /// @param opensAt When it may be abandoned.
    /// @param nowTime The block time.
    error MarketAbandonTooEarly(uint256 round, uint256 opensAt, uint256 nowTime);
    /// @dev Commit after the commit deadline.
    /// @param round The round.
    /// @param deadline The commit deadline.
    /// @param nowTime The block time.
    error MarketCommitClosed(uint256 round, uint256 deadline, uint256 nowTime);
    /// @dev A second commitment by the same node for the same round.
    /// @param round The round.
    /// @param node The node.
    error MarketAlreadyCommitted(uint256 round, address node);
    /// @dev Reveal outside [commit deadline, reveal deadline].
    /// @param round The round.
    /// @param opensAt After this time.
    /// @param closesAt Up to this time.
    /// @param nowTime The block time.
    error MarketRevealWindow(uint256 round, uint256 opensAt, uint256 closesAt, uint256 nowTime);
    /// @dev A second reveal by the same node for the same round.
    /// @param round The round.
    /// @param node The node.
    error MarketAlreadyRevealed(uint256 round, address node);
    /// @dev The revealed secret and results do not open the node's commitment.
    /// @param round The round.
    /// @param node The node.
    error MarketRevealMismatch(uint256 round, address node);
    /// @dev Settle before the reveal deadline.
    /// @param round The round.
    /// @param opensAt After this time.
    /// @param nowTime The block time.
    error MarketSettleTooEarly(uint256 round, uint256 opensAt, uint256 nowTime);
    /// @dev A task is not in the state the call needs (expire, cancel).
    /// @param id The task.
    error MarketTaskNotOpenOrUnknown(uint256 id);
    /// @dev Expire before the task's deadline.
    /// @param id The task.
    /// @param deadline Its deadline.
    /// @param nowTime The block time.
    error MarketNotExpired(uint256 id, uint64 deadline, uint256 nowTime);
    /// @dev The task is covered by the pending proposal of `round`; wait until it is finalized or voided.
    /// @param id The task.
    /// @param round The pending round.
    error MarketTaskInPendingRound(uint256 id, uint256 round);
    /// @dev Cancel by someone other than the requester.
    /// @param id The task.
    /// @param caller The caller.
    error MarketNotRequester(uint256 id, address caller);
    /// @dev Claim with nothing credited.
    /// @param account The caller.
    error MarketNothingToClaim(address account);

    // ----------------------------------------------------------------- events

    /// @notice `requester` submitted `count` tasks with ids from `firstId`; `tasks` are the
    /// packed submissions as sent (`MarketCodec.readPackedSubmission`). A task's record is its
    /// submission's fields with `requester`, `specHash = keccak256(spec)`, redundancy 0 read as
    /// `defaultRedundancy` and minimum redundancy 0 as 1; its head is `head0` of that record.
    event TasksSubmitted(
        uint256 indexed firstId, address indexed requester, uint256 count, uint8 defaultRedundancy, bytes tasks
    );
    /// @notice Task `id` closed by `kind` (expired or cancelled; settlement is in `RoundSettled`)
    /// with `data`; `head` = keccak256(abi.encode(head₀, kind, data)).
    event TaskTransition(uint256 indexed id, Transition indexed kind, bytes data, bytes32 head);
    /// @notice `proposer` proposed `round`; `proposal` is the ABI-encoded `Proposal`, whoever sent it.
    event AllocationProposed(
        uint256 indexed round, address indexed proposer, uint256 bond, uint64 challengeCloses, bytes proposal
    );
    /// @notice `challenger` committed to a challenge of `round`.
    event ChallengeCommitted(uint256 indexed round, address indexed challenger, bytes32 commitment);
    /// @notice A `kind` challenge by `challenger` voided `round`; it was credited `reward`, the treasury the rest.
    event AllocationChallenged(uint256 indexed round, address indexed challenger, MoveKind kind, uint256 reward);
    /// @notice `round` became final; results are committed until `commitDeadline`, revealed until `revealDeadline`.
    event AllocationFinalized(uint256 indexed round, uint64 commitDeadline, uint64 revealDeadline);
    /// @notice `caller` voided `round`, which nobody finalized in time; its `bond` went to the treasury.
    event AllocationAbandoned(uint256 indexed round, address indexed caller, uint256 bond);
    /// @notice `node` committed to its result vector of `round`.
    event ResultsCommitted(uint256 indexed round, address indexed node, bytes32 commitment);
    /// @notice `node` revealed its result vector of `round` (one digest per allocated task, ascending id).
    event ResultsRevealed(uint256 indexed round, address indexed node, bytes32[] results, bytes payloads);
    /// @notice `round` settled: `settled` tasks, `tasksPaid` with a majority. `outcomes` holds
    /// each settled task's outcome, packed: id (8 bytes), winner (32), winners (1), price (16),
    /// fee (16), refund (16). Each one closes its task's audit fold as the step `Settled` with
    /// data `abi.encode(winner, winners, price, fee, refund)`; one event for the round costs far
    /// less than one `TaskTransition` per task.
    event RoundSettled(uint256 indexed round, uint256 settled, uint256 tasksPaid, bytes outcomes);
    /// @notice `node` was slashed `amount` for `badTasks` missing or minority results in `round`.
    event NodeSlashed(uint256 indexed round, address indexed node, uint256 amount, uint256 badTasks);
    /// @notice `account` was credited `amount` (claimable).
    event Credited(address indexed account, uint256 amount);
    /// @notice `account` claimed `amount`.
    event Claimed(address indexed account, uint256 amount);

    // -------------------------------------------------------------- functions

    /// @notice Submits tasks, packed (`MarketCodec.readPackedSubmission`), and escrows their
    /// rewards with one transfer from the caller.
    /// @return firstId The first new id; the others follow.
    function submit(bytes calldata tasks) external returns (uint256 firstId);

    /// @notice Proposes the allocation of the current round, posting the bond; checked whole.
    function propose(uint256 round, Proposal calldata p) external;

    /// @notice Commits to a challenge of `round`, to be revealed by `challenge` in a later block.
    function commitChallenge(uint256 round, bytes32 commitment) external;

    /// @notice Reveals and judges a committed challenge; a valid one voids the round.
    function challenge(uint256 round, Move calldata move, bytes32 salt) external;

    /// @notice Finalizes an unchallenged proposal after its challenge window.
    function finalize(uint256 round, uint256[] calldata allocatedIds) external;

    /// @notice Voids a proposal nobody finalized within the challenge and commit windows.
    function abandon(uint256 round) external;

    /// @notice Commits the caller's result vector of `round`.
    function commit(uint256 round, bytes32 commitment) external;

    /// @notice Reveals the caller's result vector of `round`.
    function reveal(uint256 round, bytes32 secret, bytes32[] calldata results, bytes calldata payloads) external;

    /// @notice Settles every allocated task of `round` from its packed leaves (as proposed), node
    /// addresses and revealed vectors.
    function settle(
        uint256 round,
        bytes calldata tasks,
        address[] calldata nodes,
        bytes32[][] calldata results,
        uint256[16] calldata lambdas
    ) external;

    /// @notice Refunds an open task past its deadline; anyone may call.
    function expire(uint256 id, MarketCodec.TaskRecord calldata record) external;

    /// @notice Refunds an open task to its requester, who calls.
    function cancel(uint256 id, MarketCodec.TaskRecord calldata record) external;

    /// @notice Pays out the caller's credits.
    function claim() external returns (uint256 amount);

    /// @notice Pays out `account`'s credits to `account`; anyone may call (for contracts such as the treasury).
    function claimFor(address account) external returns (uint256 amount);
}
