// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Params} from "./Params.sol";

/// @title NodeRegistry
/// @notice Compute nodes register here: operator address, signing key, endpoint,
/// capacity per round, supported task kinds and a price per kind; they stake the
/// token, and withdraw it only after the governed unbonding delay. Stake, also
/// while unbonding, can be slashed, and only by the task market: the deployer names
/// it once, and nobody, governance included, can ever name another. One slash takes at
/// most the governed `slashCapBps` of what the node has.
contract NodeRegistry is ReentrancyGuard {
    using SafeERC20 for IERC20;
    /// @notice Largest capacity a node may declare, in tasks per round.
    uint32 public constant MAX_CAPACITY = 10_000;
    /// @notice Largest endpoint length, in bytes.
    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    /// @notice Most registered nodes at once: an allocation proposal lists every one of them.
    uint256 public constant MAX_OPERATORS = 256;
    /// @notice Kinds are ids 0 … MAX_KINDS − 1 (one price slot each in a configuration hash).
    uint256 public constant MAX_KINDS = 16;

    /// @notice A node's registration and stake.
    struct Node {
        bool registered;
        uint32 capacity;
        uint64 unbondingEnd;
        bytes32 signingKey;
        uint256 kindMask;
        uint256 stake;
        uint256 unbonding;
        string endpoint;
    }

    error RegistryAlreadyRegistered(address operator);
    error RegistryNotRegistered(address operator);
    error RegistryInvalidSigningKey();
    error RegistryInvalidEndpoint(uint256 length, uint256 maxLength);
    error RegistryInvalidCapacity(uint256 capacity, uint256 maxCapacity);
    error RegistryKindsPricesMismatch(uint256 kinds, uint256 prices);
    error RegistryDuplicateKind(uint8 kind);
    error RegistryZeroAmount();
    error RegistryInsufficientStake(address operator, uint256 stake, uint256 requested);
    error RegistryUnbondingNotOver(address operator, uint256 availableAt, uint256 nowTime);
    error RegistryNothingToWithdraw(address operator);
    error RegistryInvalidAddress(address account);
    /// @notice A kind id at or above `MAX_KINDS`.
    /// @param kind The kind given.
    error RegistryInvalidKind(uint8 kind);
    /// @notice A price above 2¹²⁸ − 1 (the market's judge adds prices and must not overflow).
    /// @param kind The kind.
    /// @param price The price given.
    error RegistryPriceTooLarge(uint8 kind, uint256 price);
    /// @notice `MAX_OPERATORS` nodes are registered already.
    /// @param max The cap.
    error RegistryFull(uint256 max);
    /// @notice Only the market may slash, and `caller` is not it.
    /// @param caller The account that tried to slash.
    error RegistryUnauthorizedSlasher(address caller);
    /// @notice Only the deployer may name the market, and only once; `caller` tried it again or is not the deployer.
    /// @param caller The account that tried to name the market.
    error RegistryMarketAlreadySet(address caller);

    event NodeRegistered(address indexed operator, bytes32 signingKey, string endpoint, uint32 capacity);
    event NodeDeregistered(address indexed operator, uint256 movedToUnbonding);
    event CapacitySet(address indexed operator, uint32 capacity);
    event EndpointSet(address indexed operator, string endpoint);
    event SigningKeySet(address indexed operator, bytes32 signingKey);
    event PricesSet(address indexed operator, uint8[] kinds, uint256[] prices, uint256 kindMask);
    event Staked(address indexed operator, uint256 amount, uint256 stake);
    event UnstakeRequested(address indexed operator, uint256 amount, uint256 unbonding, uint64 availableAt);
    event Withdrawn(address indexed operator, uint256 amount);
    event Slashed(address indexed operator, uint256 amount, address indexed to);
    event MarketSet(address indexed market);

    uint256 private constant _BPS = 10_000;

    IERC20 private immutable _token;
    Params private immutable _params;
    address private immutable _deployer;
    address private _market;

    mapping(address operator => Node) private _nodes;
    mapping(address operator => mapping(uint8 kind => uint256)) private _prices;
    // keccak256(abi.encode(uint256[MAX_KINDS] prices)), kept by setPrices so that the
    // configuration hash costs no price reads.
    mapping(address operator => bytes32) private _pricesHash;
    address[] private _operators;
    mapping(address operator => uint256) private _operatorIndexPlusOne;
    uint256 private _totalStaked;

    /// @param token_ The staking token.
    /// @param params_ The protocol parameters (min stake, unbonding delay, slash cap).
    constructor(IERC20 token_, Params params_) {
        if (address(token_) == address(0)) revert RegistryInvalidAddress(address(token_));
        if (address(params_) == address(0)) revert RegistryInvalidAddress(address(params_));
        _token = token_;
        _params = params_;
        _deployer = msg.sender;
    }

    /// @notice Names the task market, the only account that may ever slash. Only the deployer, once.
    /// @param market_ The task market.
    function setMarket(address market_) external {
        if (msg.sender != _deployer || _market != address(0)) revert RegistryMarketAlreadySet(msg.sender);
        if (market_ == address(0)) revert RegistryInvalidAddress(market_);
        _market = market_;
        emit MarketSet(market_);
    }

    // ------------------------------------------------------------------ register

    /// @notice Registers the caller as a node.
    /// @param signingKey The node's Ed25519 public key (it signs what the node serves off chain).
    /// @param endpoint URL where the node serves traces and results.
    /// @param capacity Tasks per allocation round.
    /// @param kinds Task kinds served; each at most once.
    /// @param prices Price per task of each kind, in token base units.
    function register(
        bytes32 signingKey,
        string calldata endpoint,
        uint32 capacity,
        uint8[] calldata kinds,
        uint256[] calldata prices
    ) external {
        Node storage node = _nodes[msg.sender];
        if (node.registered) revert RegistryAlreadyRegistered(msg.sender);
        if (_operators.length >= MAX_OPERATORS) revert RegistryFull(MAX_OPERATORS);
        _checkSigningKey(signingKey);
        _checkEndpoint(endpoint);
        _checkCapacity(capacity);
        node.registered = true;
        node.signingKey = signingKey;
        node.endpoint = endpoint;
        node.capacity = capacity;
        _operators.push(msg.sender);
        _operatorIndexPlusOne[msg.sender] = _operators.length;
        emit NodeRegistered(msg.sender, signingKey, endpoint, capacity);
        _setPrices(node, kinds, prices);
    }

    /// @notice Deregisters the caller; its whole stake starts unbonding.
    function deregister() external {
        Node storage node = _registered(msg.sender);
        node.registered = false;
        node.capacity = 0;
        uint256 moved = node.stake;
        if (moved > 0) _startUnbonding(node, moved);
        _clearPrices(node);
        _removeOperator(msg.sender);
        emit NodeDeregistered(msg.sender, moved);
    }

    /// @notice Sets the caller's capacity, in tasks per round.
    function setCapacity(uint32 capacity) external {
        Node storage node = _registered(msg.sender);
        _checkCapacity(capacity);
        node.capacity = capacity;
        emit CapacitySet(msg.sender, capacity);
    }

    /// @notice Sets the caller's endpoint URL.
    function setEndpoint(string calldata endpoint) external {
        Node storage node = _registered(msg.sender);
        _checkEndpoint(endpoint);
        node.endpoint = endpoint;
        emit EndpointSet(msg.sender, endpoint);
    }

    /// @notice Sets the caller's Ed25519 signing key.
    function setSigningKey(bytes32 signingKey) external {
        Node storage node = _registered(msg.sender);
        _checkSigningKey(signingKey);
        node.signingKey = signingKey;
        emit SigningKeySet(msg.sender, signingKey);
    }

    /// @notice Replaces the caller's supported kinds and prices.
    function setPrices(uint8[] calldata kinds, uint256[] calldata prices) external {
        Node storage node = _registered(msg.sender);
        _clearPrices(node);
        _setPrices(node, kinds, prices);
    }

    // --------------------------------------------------------------------- stake

    /// @notice Adds `amount` to the caller's stake (the caller approved the registry).
    function stake(uint256 amount) external nonReentrant {
        _stake(msg.sender, amount);
    }

    /// @notice Adds `amount` to the caller's stake using an EIP-2612 permit.
    function stakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
    {
        // A front-run permit must not block the stake: the allowance check in
        // transferFrom is what protects the operator.
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _stake(msg.sender, amount);
    }

    /// @notice Moves `amount` of the caller's stake into unbonding; withdrawable after the delay.
    /// A new request adds to what is unbonding and restarts the delay.
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert RegistryZeroAmount();
        Node storage node = _nodes[msg.sender];
        if (amount > node.stake) revert RegistryInsufficientStake(msg.sender, node.stake, amount);
        _startUnbonding(node, amount);
    }

    /// @notice Withdraws everything whose unbonding delay is over.
    function withdraw() external nonReentrant {
        Node storage node = _nodes[msg.sender];
        uint256 amount = node.unbonding;
        if (amount == 0) revert RegistryNothingToWithdraw(msg.sender);
        if (block.timestamp < node.unbondingEnd) {
            revert RegistryUnbondingNotOver(msg.sender, node.unbondingEnd, block.timestamp);
        }
        node.unbonding = 0;
        node.unbondingEnd = 0;
        _totalStaked -= amount;
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @notice Takes up to `amount` of `operator`'s stake (bonded first, then unbonding), at most
    /// `slashCapBps` of it, and sends it to `to`. Only the market.
    /// @return slashed The amount actually taken.
    function slash(address operator, uint256 amount, address to) external nonReentrant returns (uint256 slashed) {
        if (msg.sender != _market || msg.sender == address(0)) revert RegistryUnauthorizedSlasher(msg.sender);
        if (to == address(0)) revert RegistryInvalidAddress(to);
        Node storage node = _nodes[operator];
        uint256 cap = ((node.stake + node.unbonding) * _params.slashCapBps()) / _BPS;
        if (amount > cap) amount = cap;
        uint256 fromStake = amount < node.stake ? amount : node.stake;
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < node.unbonding ? rest : node.unbonding;
        node.stake -= fromStake;
        node.unbonding -= fromUnbonding;
        slashed = fromStake + fromUnbonding;
        _totalStaked -= slashed;
        emit Slashed(operator, slashed, to);
        if (slashed > 0) _token.safeTransfer(to, slashed);
    }

    // --------------------------------------------------------------------- views

    /// @notice The staking token.
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @notice The parameters contract.
    function params() external view returns (Params) {
        return _params;
    }

    /// @notice The task market, the only account that may slash (zero until the deployer names it).
    function market() external view returns (address) {
        return _market;
    }

    /// @notice Everything recorded about `operator`.
    function getNode(address operator) external view returns (Node memory) {
        return _nodes[operator];
    }

    /// @notice Price of `operator` for one task of `kind`; zero when not served.
    function priceOf(address operator, uint8 kind) external view returns (uint256) {
        return _prices[operator][kind];
    }

    /// @notice Whether `operator` serves `kind`.
    function supportsKind(address operator, uint8 kind) public view returns (bool) {
        return (_nodes[operator].kindMask >> kind) & 1 == 1;
    }

    /// @notice Capacity of `operator`, in tasks per round; zero when not registered.
    function capacityOf(address operator) external view returns (uint32) {
        return _nodes[operator].capacity;
    }

    /// @notice Bonded stake of `operator`.
    function stakeOf(address operator) external view returns (uint256) {
        return _nodes[operator].stake;
    }

    /// @notice Stake of `operator` that a slash can reach: bonded plus unbonding (not yet withdrawn).
    function slashableOf(address operator) external view returns (uint256) {
        Node storage node = _nodes[operator];
        return node.stake + node.unbonding;
    }

    /// @notice Whether `operator` is registered with at least the minimum stake.
    function isActive(address operator) public view returns (bool) {
        Node storage node = _nodes[operator];
        return node.registered && node.stake >= _params.minStake();
    }

    /// @notice Whether `operator` is active and serves `kind`: eligible for a task of that kind.
    function isEligible(address operator, uint8 kind) external view returns (bool) {
        return isActive(operator) && supportsKind(operator, kind);
    }

    /// @notice Number of registered operators.
    function operatorCount() external view returns (uint256) {
        return _operators.length;
    }

    /// @notice The registered operator at `index` (order changes on deregistration).
    function operatorAt(uint256 index) external view returns (address) {
        return _operators[index];
    }

    /// @notice All registered operators.
    function operators() external view returns (address[] memory) {
        return _operators;
    }

    /// @notice `keccak256(abi.encode(capacity, kindMask, keccak256(abi.encode(uint256[16] prices))))`
    /// of `operator`: what an allocation proposal's node entry must hash to. Zero when not registered.
    function configHashOf(address operator) public view returns (bytes32) {
        Node storage node = _nodes[operator];
        if (!node.registered) return bytes32(0);
        return keccak256(abi.encode(node.capacity, node.kindMask, _pricesHash[operator]));
    }

    /// @notice Configuration hash and bonded stake of each of `operators`, for a proposal's snapshot.
    function snapshotOf(address[] calldata operators_)
        external
        view
        returns (bytes32[] memory configHashes, uint256[] memory stakes)
    {
        configHashes = new bytes32[](operators_.length);
        stakes = new uint256[](operators_.length);
        for (uint256 i = 0; i < operators_.length; ++i) {
            configHashes[i] = configHashOf(operators_[i]);
            stakes[i] = _nodes[operators_[i]].stake;
        }
    }

    /// @notice Sum of bonded and unbonding stake of all operators.
    function totalStaked() external view returns (uint256) {
        return _totalStaked;
    }

    // ------------------------------------------------------------------ internal

    function _registered(address operator) private view returns (Node storage node) {
        node = _nodes[operator];
        if (!node.registered) revert RegistryNotRegistered(operator);
    }

    function _stake(address operator, uint256 amount) private {
        if (amount == 0) revert RegistryZeroAmount();
        Node storage node = _registered(operator);
        node.stake += amount;
        _totalStaked += amount;
        emit Staked(operator, amount, node.stake);
        _token.safeTransferFrom(operator, address(this), amount);
    }

    function _startUnbonding(Node storage node, uint256 amount) private {
        node.stake -= amount;
        node.unbonding += amount;
        uint64 availableAt = uint64(block.timestamp + _params.unbondingDelay());
        node.unbondingEnd = availableAt;
        emit UnstakeRequested(msg.sender, amount, node.unbonding, availableAt);
    }

    function _setPrices(Node storage node, uint8[] calldata kinds, uint256[] calldata prices) private {
        if (kinds.length != prices.length) revert RegistryKindsPricesMismatch(kinds.length, prices.length);
        uint256 mask;
        uint256[MAX_KINDS] memory all;
        for (uint256 i = 0; i < kinds.length; ++i) {
            if (kinds[i] >= MAX_KINDS) revert RegistryInvalidKind(kinds[i]);
            if (prices[i] > type(uint128).max) revert RegistryPriceTooLarge(kinds[i], prices[i]);
            uint256 bit = uint256(1) << kinds[i];
            if (mask & bit != 0) revert RegistryDuplicateKind(kinds[i]);
            mask |= bit;
            _prices[msg.sender][kinds[i]] = prices[i];
            all[kinds[i]] = prices[i];
        }
        node.kindMask = mask;
        _pricesHash[msg.sender] = keccak256(abi.encode(all));
        emit PricesSet(msg.sender, kinds, prices, mask);
    }

    function _clearPrices(Node storage node) private {
        uint256 mask = node.kindMask;
        for (uint256 kind = 0; mask != 0; ++kind) {
            if (mask & 1 == 1) delete _prices[msg.sender][uint8(kind)];
            mask >>= 1;
        }
        node.kindMask = 0;
        delete _pricesHash[msg.sender];
    }

    function _removeOperator(address operator) private {
        uint256 index = _operatorIndexPlusOne[operator] - 1;
        address last = _operators[_operators.length - 1];
        _operators[index] = last;
        _operatorIndexPlusOne[last] = index + 1;
        _operators.pop();
        delete _operatorIndexPlusOne[operator];
    }

    function _checkSigningKey(bytes32 signingKey) private pure {
        if (signingKey == bytes32(0)) revert RegistryInvalidSigningKey();
    }

    function _checkEndpoint(string calldata endpoint) private pure {
        uint256 length = bytes(endpoint).length;
        if (length == 0 || length > MAX_ENDPOINT_LENGTH) revert RegistryInvalidEndpoint(length, MAX_ENDPOINT_LENGTH);
    }

    function _checkCapacity(uint32 capacity) private pure {
        if (capacity > MAX_CAPACITY) revert RegistryInvalidCapacity(capacity, MAX_CAPACITY);
    }
}
