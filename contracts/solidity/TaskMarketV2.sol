// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AllocationCheck} from "./AllocationCheck.sol";
import {ITaskMarket} from "./ITaskMarket.sol";
import {MarketCodec} from "./MarketCodec.sol";
import {NodeRegistry} from "./NodeRegistry.sol";
import {Params} from "./Params.sol";

/// @title TaskMarketV2
/// @notice Protocol v2's task market (docs/protocol-v2.md). A task is one storage slot (its
/// head, which commits to its fields) plus two status bits; a round stores Merkle roots of its
/// task and node leaves; challenges prove leaves against them; settlement reads the round's
/// leaves and revealed vectors from calldata. Every loop is bounded by `maxTasksPerRound` or
/// the registry's `MAX_OPERATORS`.
contract TaskMarketV2 is ITaskMarket, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Longest time from submission to deadline; bounds how long a task can stay open.
    uint256 public constant MAX_LIFETIME = 30 days;
    /// @notice Largest kind id (kinds are 1 … MAX_KIND; 0 is never a kind).
    uint8 public constant MAX_KIND = 15;
    /// @notice Largest redundancy of a task.
    uint8 public constant MAX_REDUNDANCY = 15;

    uint256 private constant _BPS = 10_000;
    // Bytes of one packed outcome in `RoundSettled`.
    uint256 private constant _OUTCOME_BYTES = 89;
    uint256 private constant _OPEN = 1;
    uint256 private constant _ALLOCATED = 2;
    uint256 private constant _CLOSED = 3;
    // Bit 0 of every 2-bit status field.
    uint256 private constant _LOW_BITS = 0x5555555555555555555555555555555555555555555555555555555555555555;

    struct ChallengeCommit {
        bytes32 commitment;
        uint256 blockNumber;
    }

    // Per-call scratch of `settle`, kept in memory to stay clear of stack limits.
    struct Tally {
        uint256 round;
        uint256 fee;
        uint256 settled;
        uint256 paid;
        uint256 treasury;
        uint256 statusWord;
        uint256 statusValue;
        address refundTo;
        uint256 refundSum;
        uint256 released;
        bool[] valid;
        uint256[] next;
        uint256[] bad;
        uint256[] earned;
        uint256[] vectorAt;
        bytes outcomes;
    }

    IERC20 private immutable _token;
    Params private immutable _params;
    NodeRegistry private immutable _registry;
    address private immutable _treasury;

    uint256 private _nextTaskId = 1;
    uint256 private _currentRound = 1;
    uint256 private _scanFrom = 1;
    uint256 private _escrowed;
    uint256 private _bonds;
    uint256 private _unclaimed;

    mapping(uint256 id => bytes32) private _heads;
    mapping(uint256 word => uint256) private _status;
    mapping(uint256 round => Round) private _rounds;
    mapping(uint256 round => mapping(address node => bytes32)) private _commitments;
    mapping(uint256 round => mapping(address node => bytes32)) private _reveals;
    mapping(uint256 round => mapping(address challenger => ChallengeCommit)) private _challengeCommits;
    mapping(address account => uint256) private _credits;

    /// @param token_ The reward token.
    /// @param params_ Protocol parameters.
    /// @param registry_ The node registry (which names this market as its only slasher).
    /// @param treasury_ Receives fees, slashed stake and forfeited bonds (the timelock).
    constructor(IERC20 token_, Params params_, NodeRegistry registry_, address treasury_) {
        if (address(token_) == address(0)) revert MarketInvalidAddress(address(token_));
        if (address(params_) == address(0)) revert MarketInvalidAddress(address(params_));
        if (address(registry_) == address(0)) revert MarketInvalidAddress(address(registry_));
        if (treasury_ == address(0)) revert MarketInvalidAddress(treasury_);
        _token = token_;
        _params = params_;
        _registry = registry_;
        _treasury = treasury_;
    }

    // ------------------------------------------------------------------- tasks

    /// @inheritdoc ITaskMarket
    function submit(bytes calldata tasks) external nonReentrant returns (uint256 firstId) {
        firstId = _nextTaskId;
        uint8 defaultRedundancy = uint8(_params.defaultRedundancy());
        (uint256 id, uint256 total) = _storeSubmissions(tasks, firstId, defaultRedundancy);
        _nextTaskId = id;
        _escrowed += total;
        emit TasksSubmitted(firstId, msg.sender, id - firstId, defaultRedundancy, tasks);
        _token.safeTransferFrom(msg.sender, address(this), total);
    }

    /// @inheritdoc ITaskMarket
    function expire(uint256 id, MarketCodec.TaskRecord calldata record) external nonReentrant {
        _checkOpenRecord(id, record);
        if (block.timestamp <= record.deadline) revert MarketNotExpired(id, record.deadline, block.timestamp);
        _refund(id, record, Transition.Expired);
    }

    /// @inheritdoc ITaskMarket
    function cancel(uint256 id, MarketCodec.TaskRecord calldata record) external nonReentrant {
        _checkOpenRecord(id, record);
        if (msg.sender != record.requester) revert MarketNotRequester(id, msg.sender);
        _refund(id, record, Transition.Cancelled);
    }

    // ------------------------------------------------------------------ rounds

    /// @inheritdoc ITaskMarket
    function propose(uint256 round, Proposal calldata p) external nonReentrant {
        if (round != _currentRound) revert MarketWrongRound(round, _currentRound);
        Round storage rd = _rounds[round];
        if (rd.state != RoundState.None) revert MarketRoundState(round, rd.state);
        uint256 closes = block.timestamp + _params.challengeWindow();
        (bool[] memory eligible, bytes32 nodesHash) = _snapshot(p.nodes);
        uint32[] memory loads = new uint32[](p.nodes.length);
        (bytes32 taskRoot, bytes32 allocatedHash, uint256 count, uint256 first) = _checkTasks(p, eligible, loads, closes);
        bytes32 nodeRoot = AllocationCheck.nodeRoot(p.nodes, p.loads, eligible, loads);
        uint256 bond = _params.proposerBond();
        rd.proposer = msg.sender;
        rd.state = RoundState.Proposed;
        rd.proposedAt = uint64(block.timestamp);
        rd.challengeCloses = uint64(closes);
        rd.bond = uint128(bond);
        rd.scanFrom = uint64(_scanFrom);
        rd.taskLimit = p.taskLimit;
        rd.taskCount = uint32(count);
        rd.nodeCount = uint32(p.nodes.length);
        rd.taskRoot = taskRoot;
        rd.nodeRoot = nodeRoot;
        rd.lambdasHash = keccak256(abi.encode(p.lambdas));
        rd.allocatedHash = allocatedHash;
        rd.nodesHash = nodesHash;
        // Every open task below the first listed one was allocated or closed earlier.
        _scanFrom = count > 0 ? first : p.taskLimit;
        _bonds += bond;
        // The proposal as sent (abi.encode(round, p)), so that clients read it from the log alone.
        emit AllocationProposed(round, msg.sender, bond, uint64(closes), msg.data[4:]);
        if (bond > 0) _token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc ITaskMarket
    function commitChallenge(uint256 round, bytes32 commitment) external {
        Round storage rd = _proposed(round);
        if (block.timestamp >= rd.challengeCloses) {
            revert MarketChallengeWindow(round, rd.challengeCloses, block.timestamp);
        }
        _challengeCommits[round][msg.sender] = ChallengeCommit(commitment, block.number);
        emit ChallengeCommitted(round, msg.sender, commitment);
    }

    /// @inheritdoc ITaskMarket
    /// @dev The salt is not read: it only hides the move inside the commitment's hash of the arguments.
    function challenge(uint256 round, Move calldata move, bytes32) external nonReentrant {
        Round storage rd = _proposed(round);
        if (block.timestamp >= rd.challengeCloses) {
            revert MarketChallengeWindow(round, rd.challengeCloses, block.timestamp);
        }
        ChallengeCommit storage cc = _challengeCommits[round][msg.sender];
        // The commitment covers this call's arguments, abi.encode(round, move, salt), and its sender:
        // a copy of the transaction from the mempool has no earlier commitment of its own sender.
        if (
            cc.blockNumber == 0 || cc.blockNumber >= block.number
                || cc.commitment != MarketCodec.challengeCommitment(msg.sender, keccak256(msg.data[4:]))
        ) revert MarketNoChallengeCommitment(round, msg.sender);
        AllocationCheck.Verdict verdict = _judge(rd, move);
        if (verdict == AllocationCheck.Verdict.ProofMismatch) revert MarketProofMismatch(round);
        if (verdict == AllocationCheck.Verdict.Refused) revert MarketChallengeFailed(round, move.kind);
        rd.state = RoundState.Voided;
        ++_currentRound;
        uint256 bond = rd.bond;
        _bonds -= bond;
        uint256 reward = (bond * _params.challengeRewardBps()) / _BPS;
        _credit(msg.sender, reward);
        _credit(_treasury, bond - reward);
        emit AllocationChallenged(round, msg.sender, move.kind, reward);
    }

    /// @inheritdoc ITaskMarket
    function finalize(uint256 round, uint256[] calldata allocatedIds) external nonReentrant {
        Round storage rd = _proposed(round);
        if (block.timestamp < rd.challengeCloses) {
            revert MarketChallengeWindow(round, rd.challengeCloses, block.timestamp);
        }
        bytes32 h;
        uint256 word = type(uint256).max;
        uint256 value;
        for (uint256 j = 0; j < allocatedIds.length; ++j) {
            uint256 id = allocatedIds[j];
            h = MarketCodec.extendAllocatedHash(h, id);
            if (id >> 7 != word) {
                if (word != type(uint256).max) _status[word] = value;
                word = id >> 7;
                value = _status[word];
            }
            uint256 shift = (id & 127) << 1;
            // A task whose status changed is skipped, so no status change can block finalize.
            if ((value >> shift) & 3 == _OPEN) value = (value & ~(3 << shift)) | (_ALLOCATED << shift);
        }
        if (word != type(uint256).max) _status[word] = value;
        if (h != rd.allocatedHash) revert MarketAllocatedMismatch(round);
        uint64 commitDeadline = uint64(block.timestamp + _params.commitWindow());
        uint64 revealDeadline = uint64(commitDeadline + _params.revealWindow());
        rd.state = RoundState.Finalized;
        rd.commitDeadline = commitDeadline;
        rd.revealDeadline = revealDeadline;
        ++_currentRound;
        uint256 bond = rd.bond;
        _bonds -= bond;
        _credit(rd.proposer, bond);
        emit AllocationFinalized(round, commitDeadline, revealDeadline);
    }

    /// @inheritdoc ITaskMarket
    function abandon(uint256 round) external nonReentrant {
        Round storage rd = _proposed(round);
        uint256 opensAt = uint256(rd.challengeCloses) + _params.commitWindow();
        if (block.timestamp <= opensAt) revert MarketAbandonTooEarly(round, opensAt, block.timestamp);
        rd.state = RoundState.Voided;
        ++_currentRound;
        uint256 bond = rd.bond;
        _bonds -= bond;
        _credit(_treasury, bond);
        emit AllocationAbandoned(round, msg.sender, bond);
    }

    // ----------------------------------------------------------- commit, reveal

    /// @inheritdoc ITaskMarket
    function commit(uint256 round, bytes32 commitment) external {
        Round storage rd = _finalized(round);
        if (block.timestamp > rd.commitDeadline) revert MarketCommitClosed(round, rd.commitDeadline, block.timestamp);
        if (_commitments[round][msg.sender] != bytes32(0)) revert MarketAlreadyCommitted(round, msg.sender);
        _commitments[round][msg.sender] = commitment;
        emit ResultsCommitted(round, msg.sender, commitment);
    }

    /// @inheritdoc ITaskMarket
    function reveal(uint256 round, bytes32 secret, bytes32[] calldata results, bytes calldata payloads) external {
        Round storage rd = _finalized(round);
        if (block.timestamp <= rd.commitDeadline || block.timestamp > rd.revealDeadline) {
            revert MarketRevealWindow(round, rd.commitDeadline, rd.revealDeadline, block.timestamp);
        }
        if (_reveals[round][msg.sender] != bytes32(0)) revert MarketAlreadyRevealed(round, msg.sender);
        bytes32 c = _commitments[round][msg.sender];
        if (c == bytes32(0) || c != MarketCodec.roundCommitment(secret, msg.sender, round, results)) {
            revert MarketRevealMismatch(round, msg.sender);
        }
        _reveals[round][msg.sender] = MarketCodec.revealDigest(results);
        emit ResultsRevealed(round, msg.sender, results, payloads);
    }

    // ------------------------------------------------------------------- settle

    /// @inheritdoc ITaskMarket
    function settle(
        uint256 round,
        bytes calldata tasks,
        address[] calldata nodes,
        bytes32[][] calldata results,
        uint256[16] calldata lambdas
    ) external nonReentrant {
        Round storage rd = _finalized(round);
        if (block.timestamp <= rd.revealDeadline) revert MarketSettleTooEarly(round, rd.revealDeadline, block.timestamp);
        Tally memory t = _checkSettleInputs(rd, round, tasks, nodes, results, lambdas);
        _settleTasks(t, tasks, rd.taskCount, lambdas);
        if (t.statusWord != type(uint256).max) _status[t.statusWord] = t.statusValue;
        _credit(t.refundTo, t.refundSum);
        _escrowed -= t.released;
        rd.state = RoundState.Settled;
        _payNodes(t, nodes);
        if (t.treasury > 0) _credit(_treasury, t.treasury);
        emit RoundSettled(round, t.settled, t.paid, t.outcomes);
    }

    /// @inheritdoc ITaskMarket
    function claim() external nonReentrant returns (uint256) {
        return _claim(msg.sender);
    }

    /// @inheritdoc ITaskMarket
    function claimFor(address account) external nonReentrant returns (uint256) {
        return _claim(account);
    }

    function _claim(address account) private returns (uint256 amount) {
        amount = _credits[account];
        if (amount == 0) revert MarketNothingToClaim(account);
        _credits[account] = 0;
        _unclaimed -= amount;
        emit Claimed(account, amount);
        _token.safeTransfer(account, amount);
    }

    // -------------------------------------------------------------------- views

    /// @notice The judge's verdict on `move` against the proposal of `round`, without sending it:
    /// 0 valid, 1 a proof or the prices do not match the round, 2 refused.
    function checkMove(uint256 round, Move calldata move) external view returns (AllocationCheck.Verdict) {
        return _judge(_rounds[round], move);
    }

    /// @notice The head of task `id` (zero when unknown).
    function headOf(uint256 id) external view returns (bytes32) {
        return _heads[id];
    }

    /// @notice Status of task `id`: 0 none, 1 open, 2 allocated, 3 closed.
    function statusOf(uint256 id) public view returns (uint256) {
        return (_status[id >> 7] >> ((id & 127) << 1)) & 3;
    }

    /// @notice What is stored of `round`.
    function roundOf(uint256 round) external view returns (Round memory) {
        return _rounds[round];
    }

    /// @notice The round that may be proposed next (the pending one while it is proposed).
    function currentRound() external view returns (uint256) {
        return _currentRound;
    }

    /// @notice The id the next submitted task gets.
    function nextTaskId() external view returns (uint256) {
        return _nextTaskId;
    }

    /// @notice The lowest id a proposal must start its scan from: no task below it is open.
    function scanFrom() external view returns (uint256) {
        return _scanFrom;
    }

    /// @notice Claimable credit of `account`.
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @notice `node`'s result commitment of `round` (zero when none).
    function commitmentOf(uint256 round, address node) external view returns (bytes32) {
        return _commitments[round][node];
    }

    /// @notice `node`'s reveal digest of `round` (zero when it has not revealed).
    function revealOf(uint256 round, address node) external view returns (bytes32) {
        return _reveals[round][node];
    }

    /// @notice Rewards held for open and allocated tasks.
    function escrowed() external view returns (uint256) {
        return _escrowed;
    }

    /// @notice Bonds held for pending proposals.
    function bonds() external view returns (uint256) {
        return _bonds;
    }

    /// @notice Credited and not yet claimed.
    function unclaimed() external view returns (uint256) {
        return _unclaimed;
    }

    /// @notice The reward token.
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @notice The parameters contract.
    function params() external view returns (Params) {
        return _params;
    }

    /// @notice The node registry.
    function registry() external view returns (NodeRegistry) {
        return _registry;
    }

    /// @notice Where fees, slashed stake and forfeited bonds go.
    function treasury() external view returns (address) {
        return _treasury;
    }

    function _judge(Round storage rd, Move calldata move) private view returns (AllocationCheck.Verdict) {
        return AllocationCheck.judge(
            AllocationCheck.Roots(
                rd.taskRoot, rd.taskCount, rd.nodeRoot, rd.nodeCount, rd.lambdasHash, rd.challengeCloses
            ),
            move
        );
    }

    // ------------------------------------------------------------ internal: tasks

    /// @dev Checks and stores each packed submission (its head and open status) from id `id`;
    /// returns the next id and the rewards to escrow.
    function _storeSubmissions(bytes calldata tasks, uint256 id, uint8 defaultRedundancy)
        private
        returns (uint256, uint256 total)
    {
        uint256 word = id >> 7;
        uint256 value = _status[word];
        uint256 start = _offsetOf(tasks);
        uint256 end = start + tasks.length;
        uint256 pos = start;
        MarketCodec.TaskRecord memory r;
        r.requester = msg.sender;
        while (pos < end) {
            uint256 next = MarketCodec.readPackedSubmission(pos, end, r);
            if (next == 0) revert MarketBadTaskEncoding(pos - start);
            _checkSubmission(r, defaultRedundancy);
            uint256 scratch = _freeMemory();
            _heads[id] = MarketCodec.head0(r);
            _resetMemory(scratch);
            if (id >> 7 != word) {
                _status[word] = value;
                word = id >> 7;
                value = _status[word];
            }
            value |= _OPEN << ((id & 127) << 1);
            total += r.reward;
            ++id;
            pos = next;
        }
        _status[word] = value;
        return (id, total);
    }

    /// @dev Checks a read submission and resolves its defaults in place.
    function _checkSubmission(MarketCodec.TaskRecord memory r, uint8 defaultRedundancy) private view {
        if (r.kind == 0 || r.kind > MAX_KIND) revert MarketInvalidKind(r.kind);
        if (r.reward == 0) revert MarketZeroReward();
        if (r.redundancy == 0) r.redundancy = defaultRedundancy;
        if (r.minRedundancy == 0) r.minRedundancy = 1;
        if (r.redundancy > MAX_REDUNDANCY || r.minRedundancy > r.redundancy) {
            revert MarketInvalidRedundancy(r.redundancy, r.minRedundancy);
        }
        if (r.deadline <= block.timestamp || r.deadline > block.timestamp + MAX_LIFETIME) {
            revert MarketInvalidDeadline(r.deadline, block.timestamp, block.timestamp + MAX_LIFETIME);
        }
    }

    function _checkOpenRecord(uint256 id, MarketCodec.TaskRecord calldata record) private view {
        if (statusOf(id) != _OPEN) revert MarketTaskNotOpenOrUnknown(id);
        if (MarketCodec.head0(record) != _heads[id]) revert MarketRecordMismatch(id);
        Round storage pending = _rounds[_currentRound];
        if (pending.state == RoundState.Proposed && id >= pending.scanFrom && id < pending.taskLimit) {
            revert MarketTaskInPendingRound(id, _currentRound);
        }
    }

    function _refund(uint256 id, MarketCodec.TaskRecord calldata record, Transition kind) private {
        uint256 word = id >> 7;
        uint256 shift = (id & 127) << 1;
        _status[word] = (_status[word] & ~(3 << shift)) | (_CLOSED << shift);
        _escrowed -= record.reward;
        _credit(record.requester, record.reward);
        bytes memory data = abi.encode(uint256(record.reward));
        bytes32 head = MarketCodec.extendHead(_heads[id], uint8(kind), data);
        _heads[id] = head;
        emit TaskTransition(id, kind, data, head);
    }

    function _credit(address account, uint256 amount) private {
        if (amount == 0) return;
        _credits[account] += amount;
        _unclaimed += amount;
        emit Credited(account, amount);
    }

    // --------------------------------------------------------- internal: propose

    /// @dev The node list must be every registered node, ascending, each entry equal to the
    /// registry's configuration; eligibility (stake ≥ minimum) is read here, once.
    function _snapshot(MarketCodec.NodeEntry[] calldata nodes)
        private
        view
        returns (bool[] memory eligible, bytes32 nodesHash)
    {
        uint256 n = nodes.length;
        uint256 registered = _registry.operatorCount();
        if (n != registered) revert MarketBadNodeList(n < registered ? n : registered, address(0));
        address[] memory addrs = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            addrs[i] = nodes[i].node;
            if (i > 0 && addrs[i] <= addrs[i - 1]) revert MarketBadNodeList(i, addrs[i]);
        }
        (bytes32[] memory hashes, uint256[] memory stakes) = _registry.snapshotOf(addrs);
        uint256 minStake = _params.minStake();
        eligible = new bool[](n);
        for (uint256 i = 0; i < n; ++i) {
            if (hashes[i] == bytes32(0)) revert MarketBadNodeList(i, addrs[i]);
            MarketCodec.NodeEntry calldata e = nodes[i];
            if (hashes[i] != MarketCodec.configHash(e.capacity, e.kindMask, e.prices)) {
                revert MarketStaleNodeEntry(addrs[i]);
            }
            eligible[i] = stakes[i] >= minStake;
        }
        nodesHash = keccak256(abi.encode(addrs));
    }

    // Scan state of `_checkTasks`, in memory to stay clear of stack limits.
    struct Scan {
        uint256 from;
        uint256 limit;
        uint256 closes;
        uint256 word;
        uint256 listed;
        uint256 previous;
        bytes32 allocatedHash;
        uint256[] serving;
        uint32[] loads;
    }

    /// @dev The number of packed leaves in `tasks`; reverts on a malformed one.
    function _countTasks(bytes calldata tasks) private pure returns (uint256 count) {
        uint256 bad;
        (count, bad) = MarketCodec.countPackedTasks(tasks, MAX_REDUNDANCY);
        if (count == type(uint256).max) revert MarketBadTaskEncoding(bad);
    }

    /// @dev Checks every listed task and that the list holds every open task of
    /// [scanFrom, taskLimit): each listed one must be open, and per status word the open tasks
    /// of the range must number exactly the listed ones in that word.
    function _checkTasks(Proposal calldata p, bool[] memory eligible, uint32[] memory loads, uint256 closes)
        private
        view
        returns (bytes32 taskRoot, bytes32 allocatedHash, uint256 m, uint256 first)
    {
        m = _countTasks(p.tasks);
        Scan memory sc =
            Scan(_scanFrom, p.taskLimit, closes, _scanFrom >> 7, 0, _scanFrom - 1, bytes32(0), _serving(p, eligible), loads);
        {
            uint256 max = _params.maxTasksPerRound();
            if (m > max) revert MarketTooManyTasks(m, max);
            uint256 next = _nextTaskId;
            if (sc.limit > next || sc.limit < sc.from || (sc.limit < next && m < max)) {
                revert MarketBadTaskLimit(sc.limit, next, m);
            }
        }
        bytes32[] memory leaves = new bytes32[](m);
        Leaves memory c = _leaves(p.tasks);
        for (uint256 j = 0; j < m; ++j) {
            uint256 id = _nextLeaf(c);
            if (j == 0) first = id;
            leaves[j] = _checkTask(p, id, c.r, c.nodes, sc);
        }
        if (sc.limit > sc.from) {
            uint256 lastWord = (sc.limit - 1) >> 7;
            while (sc.word <= lastWord) {
                _checkWord(sc.word, sc.listed, sc.from, sc.limit);
                ++sc.word;
                sc.listed = 0;
            }
        }
        return (MarketCodec.merkleRoot(leaves), sc.allocatedHash, m, first);
    }

    function _checkTask(
        Proposal calldata p,
        uint256 id,
        MarketCodec.TaskRecord memory r,
        uint16[] memory ns,
        Scan memory sc
    ) private view returns (bytes32 leaf) {
        if (id <= sc.previous || id >= sc.limit) revert MarketUnsortedTask(sc.previous, id);
        while (id >> 7 != sc.word) {
            _checkWord(sc.word, sc.listed, sc.from, sc.limit);
            ++sc.word;
            sc.listed = 0;
        }
        if (statusOf(id) != _OPEN) revert MarketTaskNotOpen(id);
        ++sc.listed;
        uint256 scratch = _freeMemory();
        if (MarketCodec.head0(r) != _heads[id]) revert MarketRecordMismatch(id);
        uint256 n = _checkTaskNodes(p, id, r, ns, sc);
        if (n > 0 && n >= r.minRedundancy) {
            sc.allocatedHash = MarketCodec.extendAllocatedHash(sc.allocatedHash, id);
        }
        sc.previous = id;
        leaf = MarketCodec.taskLeaf(id, r, ns);
        _resetMemory(scratch);
    }

    function _checkTaskNodes(
        Proposal calldata p,
        uint256 id,
        MarketCodec.TaskRecord memory r,
        uint16[] memory ns,
        Scan memory sc
    ) private pure returns (uint256 n) {
        n = ns.length;
        if (n == 0) return 0;
        if (n > r.redundancy) revert MarketOverfull(id, n, r.redundancy);
        if (r.deadline <= sc.closes) revert MarketNotAllocatable(id, r.deadline, sc.closes);
        uint256[] memory serving = sc.serving;
        uint32[] memory loads = sc.loads;
        uint256 count = p.nodes.length;
        uint256 last;
        for (uint256 k = 0; k < n; ++k) {
            uint256 ix = ns[k];
            if (ix >= count || (k > 0 && ix <= last)) revert MarketBadNodeIndex(id, ix);
            if ((serving[ix] >> r.kind) & 1 == 0) {
                revert MarketIneligibleNode(id, p.nodes[ix].node);
            }
            ++loads[ix];
            last = ix;
        }
    }

    /// @dev Each node's kind mask, zero for an ineligible node: read from calldata once per
    /// round rather than once per allocated slot.
    function _serving(Proposal calldata p, bool[] memory eligible) private pure returns (uint256[] memory masks) {
        uint256 n = p.nodes.length;
        masks = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            if (eligible[i]) masks[i] = p.nodes[i].kindMask;
        }
    }

    /// @dev Where the digests of one revealed vector start in calldata.
    function _vectorOffset(bytes32[] calldata v) private pure returns (uint256 pos) {
        assembly ("memory-safe") {
            pos := v.offset
        }
    }

    /// @dev Digest `k` of the vector at calldata offset `pos` (bounds checked by the caller).
    function _digestAt(uint256 pos, uint256 k) private pure returns (bytes32 d) {
        assembly ("memory-safe") {
            d := calldataload(add(pos, shl(5, k)))
        }
    }

    // A reader over packed task leaves (`MarketCodec.readPackedTask`): each `_nextLeaf` puts the
    // next leaf's record and nodes in `r` and `nodes`, which are reused.
    struct Leaves {
        uint256 pos;
        MarketCodec.TaskRecord r;
        uint16[] nodes;
    }

    /// @dev A reader at the first leaf of `tasks`, which `_countTasks` has checked.
    function _leaves(bytes calldata tasks) private pure returns (Leaves memory c) {
        c.pos = _offsetOf(tasks);
        c.nodes = new uint16[](MAX_REDUNDANCY);
    }

    /// @dev Reads the next leaf into `c`; returns its id.
    function _nextLeaf(Leaves memory c) private pure returns (uint256 id) {
        (id, c.pos) = MarketCodec.readPackedTask(c.pos, c.r, c.nodes);
    }

    /// @dev Where `data` starts in calldata.
    function _offsetOf(bytes calldata data) private pure returns (uint256 pos) {
        assembly ("memory-safe") {
            pos := data.offset
        }
    }

    /// @dev The free memory pointer, to hand back to `_resetMemory` once a loop iteration's
    /// temporaries (ABI encodings for hashing) are dead, so a round's loop does not pay for
    /// memory growing with every task.
    function _freeMemory() private pure returns (uint256 ptr) {
        assembly ("memory-safe") {
            ptr := mload(0x40)
        }
    }

    function _resetMemory(uint256 ptr) private pure {
        // Not marked memory-safe: it frees memory, which that annotation does not allow.
        assembly {
            mstore(0x40, ptr)
        }
    }

    /// @dev Open tasks of [from, limit) in status word `word` must number `listed`.
    function _checkWord(uint256 word, uint256 listed, uint256 from, uint256 limit) private view {
        uint256 value = _status[word];
        uint256 open = value & ~(value >> 1) & _LOW_BITS;
        uint256 first = word << 7;
        uint256 lo = from > first ? from - first : 0;
        uint256 hi = limit - first >= 128 ? 128 : limit - first; // exclusive
        // Keep the status fields lo … hi − 1.
        uint256 mask = (hi == 128 ? type(uint256).max : (uint256(1) << (hi << 1)) - 1) & ~((uint256(1) << (lo << 1)) - 1);
        uint256 count = _popcount(open & mask);
        if (count != listed) revert MarketMissingTasks(word, count, listed);
    }

    function _popcount(uint256 x) private pure returns (uint256 c) {
        // Only bit 0 of each field can be set: at most 128 iterations, usually a handful.
        while (x != 0) {
            x &= x - 1;
            ++c;
        }
    }

    // ---------------------------------------------------------- internal: settle

    /// @dev Checks the inputs against the round's hashes and returns the tally to settle with.
    /// Which revealed vectors count: revealed, matching the stored digest, and one digest per
    /// allocated task of the node. Any other vector counts as silence.
    function _checkSettleInputs(
        Round storage rd,
        uint256 round,
        bytes calldata tasks,
        address[] calldata nodes,
        bytes32[][] calldata results,
        uint256[16] calldata lambdas
    ) private view returns (Tally memory t) {
        uint256 m = _countTasks(tasks);
        uint256 n = nodes.length;
        if (m != rd.taskCount) revert MarketLengthMismatch(rd.taskCount, m);
        if (n != rd.nodeCount) revert MarketLengthMismatch(rd.nodeCount, n);
        if (results.length != n) revert MarketLengthMismatch(n, results.length);
        if (keccak256(abi.encode(lambdas)) != rd.lambdasHash) revert MarketProofMismatch(round);
        if (keccak256(abi.encode(nodes)) != rd.nodesHash) revert MarketProofMismatch(round);
        (bytes32 root, uint256[] memory expected) = _taskRootOf(tasks, m, n);
        if (root != rd.taskRoot) revert MarketProofMismatch(round);
        t.round = round;
        t.fee = _params.protocolFeeBps();
        t.statusWord = type(uint256).max;
        t.valid = _validVectors(round, nodes, results, expected);
        t.vectorAt = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            t.vectorAt[i] = _vectorOffset(results[i]);
        }
        t.next = new uint256[](n);
        t.bad = new uint256[](n);
        t.earned = new uint256[](n);
        // Room for every outcome and the last one's 32-byte store; the length is set once filled.
        t.outcomes = new bytes(m * _OUTCOME_BYTES + 32);
        bytes memory out = t.outcomes;
        assembly ("memory-safe") {
            mstore(out, 0)
        }
    }

    function _validVectors(
        uint256 round,
        address[] calldata nodes,
        bytes32[][] calldata results,
        uint256[] memory expected
    ) private view returns (bool[] memory valid) {
        valid = new bool[](nodes.length);
        for (uint256 i = 0; i < nodes.length; ++i) {
            bytes32 stored = _reveals[round][nodes[i]];
            valid[i] = stored != bytes32(0) && results[i].length == expected[i]
                && MarketCodec.revealDigest(results[i]) == stored;
        }
    }

    /// @dev The task root of `m` packed leaves, and how many allocated tasks each of `n` nodes has.
    function _taskRootOf(bytes calldata tasks, uint256 m, uint256 n)
        private
        pure
        returns (bytes32 root, uint256[] memory expected)
    {
        expected = new uint256[](n);
        bytes32[] memory leaves = new bytes32[](m);
        Leaves memory c = _leaves(tasks);
        uint16[] memory ns = c.nodes;
        for (uint256 j = 0; j < m; ++j) {
            uint256 id = _nextLeaf(c);
            uint256 scratch = _freeMemory();
            leaves[j] = MarketCodec.taskLeaf(id, c.r, ns);
            _resetMemory(scratch);
            if (ns.length == 0 || ns.length < c.r.minRedundancy) continue;
            for (uint256 k = 0; k < ns.length; ++k) {
                ++expected[ns[k]];
            }
        }
        root = MarketCodec.merkleRoot(leaves);
    }

    // One task's outcome in `settle`.
    struct Outcome {
        bytes32 winner;
        uint256 winners;
        uint256 price;
        uint256 fee;
        uint256 refund;
    }

    function _settleTasks(
        Tally memory t,
        bytes calldata tasks,
        uint256 m,
        uint256[16] calldata lambdas
    ) private {
        Leaves memory c = _leaves(tasks);
        for (uint256 j = 0; j < m; ++j) {
            uint256 id = _nextLeaf(c);
            uint256 scratch = _freeMemory();
            _settleTask(t, id, c.r, c.nodes, lambdas);
            _resetMemory(scratch);
        }
    }

    function _settleTask(
        Tally memory t,
        uint256 id,
        MarketCodec.TaskRecord memory r,
        uint16[] memory ns,
        uint256[16] calldata lambdas
    ) private {
        if (ns.length == 0 || ns.length < r.minRedundancy) return; // not allocated: still open
        bytes32[] memory votes = _votes(t, ns);
        if (!_markClosed(t, id)) return;
        Outcome memory o;
        (o.winner, o.winners) = _majority(votes);
        o.refund = r.reward;
        if (o.winner != bytes32(0)) {
            o.price = AllocationCheck.priceOfSlot(r.reward, r.redundancy, lambdas[r.kind]);
            o.fee = (o.price * t.fee) / _BPS;
            o.refund -= o.winners * o.price;
            t.treasury += o.fee * o.winners;
            ++t.paid;
        }
        _score(t, ns, votes, o);
        ++t.settled;
        t.released += r.reward;
        // Consecutive tasks of one requester (one batch) are refunded in one credit.
        if (r.requester != t.refundTo) {
            _credit(t.refundTo, t.refundSum);
            t.refundTo = r.requester;
            t.refundSum = 0;
        }
        t.refundSum += o.refund;
        _heads[id] = MarketCodec.extendHead(
            _heads[id], uint8(Transition.Settled), abi.encode(o.winner, o.winners, o.price, o.fee, o.refund)
        );
        _appendOutcome(t.outcomes, id, o);
    }

    /// @dev Appends one packed outcome to `out` (see `RoundSettled`), whose allocation has room.
    /// Assembly because the fields are unpadded: each store writes a full word whose tail the
    /// next store overwrites; the last one's tail lands in the room left past the end.
    function _appendOutcome(bytes memory out, uint256 id, Outcome memory o) private pure {
        bytes32 winner = o.winner;
        uint256 winners = o.winners;
        uint256 price = o.price;
        uint256 fee = o.fee;
        uint256 refund = o.refund;
        uint256 size = _OUTCOME_BYTES;
        assembly ("memory-safe") {
            let len := mload(out)
            let pos := add(add(out, 0x20), len)
            mstore(pos, shl(192, id))
            mstore(add(pos, 8), winner)
            mstore(add(pos, 40), shl(248, winners))
            mstore(add(pos, 41), shl(128, price))
            mstore(add(pos, 57), shl(128, fee))
            mstore(add(pos, 73), shl(128, refund))
            mstore(out, add(len, size))
        }
    }

    /// @dev The digest each node of the task committed (zero for silence), advancing each node's
    /// position in its vector.
    function _votes(Tally memory t, uint16[] memory ns)
        private
        pure
        returns (bytes32[] memory votes)
    {
        votes = new bytes32[](ns.length);
        for (uint256 k = 0; k < ns.length; ++k) {
            uint256 ix = ns[k];
            // A valid vector holds exactly the node's allocated tasks, so the read is in bounds.
            if (t.valid[ix]) votes[k] = _digestAt(t.vectorAt[ix], t.next[ix]);
            ++t.next[ix];
        }
    }

    /// @dev Winners earn the slot price less the fee; silent nodes always, and with a majority
    /// every node outside it, count one bad result.
    function _score(Tally memory t, uint16[] memory ns, bytes32[] memory votes, Outcome memory o) private pure {
        for (uint256 k = 0; k < ns.length; ++k) {
            uint256 ix = ns[k];
            if (o.winner != bytes32(0) && votes[k] == o.winner) t.earned[ix] += o.price - o.fee;
            else if (votes[k] == bytes32(0) || o.winner != bytes32(0)) ++t.bad[ix];
        }
    }

    /// @dev Allocated → closed, through the cached status word; false if the task is not allocated.
    function _markClosed(Tally memory t, uint256 id) private returns (bool) {
        uint256 word = id >> 7;
        if (word != t.statusWord) {
            if (t.statusWord != type(uint256).max) _status[t.statusWord] = t.statusValue;
            t.statusWord = word;
            t.statusValue = _status[word];
        }
        uint256 shift = (id & 127) << 1;
        if ((t.statusValue >> shift) & 3 != _ALLOCATED) return false;
        t.statusValue = (t.statusValue & ~(3 << shift)) | (_CLOSED << shift);
        return true;
    }

    /// @dev The digest held by a strict majority (2c > n) of `votes`, zero when none; silence never wins.
    function _majority(bytes32[] memory votes) private pure returns (bytes32 winner, uint256 count) {
        uint256 n = votes.length;
        for (uint256 a = 0; a < n; ++a) {
            if (votes[a] == bytes32(0)) continue;
            uint256 c;
            for (uint256 b = 0; b < n; ++b) {
                if (votes[b] == votes[a]) ++c;
            }
            if (2 * c > n) return (votes[a], c);
        }
        return (bytes32(0), 0);
    }

    function _payNodes(Tally memory t, address[] calldata nodes) private {
        uint256 bps = _params.slashBps();
        for (uint256 i = 0; i < nodes.length; ++i) {
            _credit(nodes[i], t.earned[i]);
            if (t.bad[i] == 0) continue;
            uint256 share = t.bad[i] * bps;
            if (share > _BPS) share = _BPS;
            // The registry caps one slash at slashCapBps of the node's stake.
            uint256 amount = (_registry.slashableOf(nodes[i]) * share) / _BPS;
            uint256 taken = amount == 0 ? 0 : _registry.slash(nodes[i], amount, _treasury);
            emit NodeSlashed(t.round, nodes[i], taken, t.bad[i]);
        }
    }

    // ------------------------------------------------------------ internal: rounds

    function _proposed(uint256 round) private view returns (Round storage rd) {
        rd = _rounds[round];
        if (rd.state != RoundState.Proposed) revert MarketRoundState(round, rd.state);
    }

    function _finalized(uint256 round) private view returns (Round storage rd) {
        rd = _rounds[round];
        if (rd.state != RoundState.Finalized) revert MarketRoundState(round, rd.state);
    }
}
