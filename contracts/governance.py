"""Governance flows: propose a parameter change, vote, queue, execute.

Proposals are plain OpenZeppelin Governor proposals whose single action calls
``Params.set(key, value)``; the timelock executes them after its delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_utils import keccak

from .bindings import Deployment
from .errors import ConfigError
from .tx import Sender


class ParamKey(IntEnum):
    """The keys of ``Params``, in the order of the Solidity enum."""

    MIN_STAKE = 0
    UNBONDING_DELAY = 1
    DEFAULT_REDUNDANCY = 2
    COMMIT_WINDOW = 3
    REVEAL_WINDOW = 4
    CHALLENGE_WINDOW = 5
    SLASH_BPS = 6
    PROTOCOL_FEE_BPS = 7
    PROPOSER_BOND = 8
    CHALLENGE_REWARD_BPS = 9
    SLASH_CAP_BPS = 10
    MAX_TASKS_PER_ROUND = 11

    @classmethod
    def parse(cls, name: str) -> ParamKey:
        """A key from ``"slash_bps"``, ``"slash-bps"``, ``"SlashBps"`` or its number."""
        norm = name.strip().replace("-", "_")
        if norm.isdigit() and int(norm) in cls._value2member_map_:
            return cls(int(norm))
        camel = {k.name.replace("_", ""): k for k in cls}
        key = cls.__members__.get(norm.upper()) or camel.get(norm.upper())
        if key is None:
            known = ", ".join(k.name.lower() for k in cls)
            raise ConfigError(f"unknown parameter {name!r}; expected one of: {known}")
        return key


class ProposalState(IntEnum):
    """OpenZeppelin Governor's proposal states."""

    PENDING = 0
    ACTIVE = 1
    CANCELED = 2
    DEFEATED = 3
    SUCCEEDED = 4
    QUEUED = 5
    EXPIRED = 6
    EXECUTED = 7


class Support(IntEnum):
    """Vote options of GovernorCountingSimple."""

    AGAINST = 0
    FOR = 1
    ABSTAIN = 2

    @classmethod
    def parse(cls, text: str) -> Support:
        """``for`` / ``against`` / ``abstain`` (or 1 / 0 / 2)."""
        t = text.strip().lower()
        table = {"for": cls.FOR, "yes": cls.FOR, "1": cls.FOR, "against": cls.AGAINST, "no": cls.AGAINST,
                 "0": cls.AGAINST, "abstain": cls.ABSTAIN, "2": cls.ABSTAIN}
        if t not in table:
            raise ConfigError(f"unknown vote {text!r}; expected for, against or abstain")
        return table[t]


@dataclass(frozen=True)
class Proposal:
    """The actions of one proposal, enough to queue and execute it later."""

    targets: list[str]
    values: list[int]
    calldatas: list[bytes]
    description: str

    @property
    def description_hash(self) -> bytes:
        """keccak256 of the description, as the Governor stores it."""
        return keccak(text=self.description)

    def proposal_id(self, d: Deployment) -> int:
        """The Governor's id of this proposal."""
        return int(
            d.governor.functions.hashProposal(
                self.targets, self.values, self.calldatas, self.description_hash
            ).call()
        )


def param_change(d: Deployment, key: ParamKey, value: int, description: str | None = None) -> Proposal:
    """A proposal that sets ``key`` to ``value`` in Params."""
    lo, hi = d.params.functions.bounds(int(key)).call()
    if not lo <= value <= hi:
        raise ConfigError(f"value {value} for {key.name.lower()} is outside its bounds [{lo}, {hi}]")
    _check_cross_bounds(d, key, value)
    data = d.params.encode_abi("set", args=[int(key), int(value)])
    text = description or f"Set {key.name.lower()} to {value}"
    return Proposal([d.params.address], [0], [bytes.fromhex(data[2:])], text)


_WINDOWS = (ParamKey.CHALLENGE_WINDOW, ParamKey.COMMIT_WINDOW, ParamKey.REVEAL_WINDOW)


def _check_cross_bounds(d: Deployment, key: ParamKey, value: int) -> None:
    """Refuse, before anything is sent, a change that ``Params`` would revert for the bounds between keys."""
    if key not in (*_WINDOWS, ParamKey.UNBONDING_DELAY, ParamKey.SLASH_BPS, ParamKey.SLASH_CAP_BPS):
        return
    now = {k: int(d.params.functions.get(int(k)).call()) for k in (*_WINDOWS, ParamKey.UNBONDING_DELAY,
                                                                  ParamKey.SLASH_BPS, ParamKey.SLASH_CAP_BPS)}
    now[key] = int(value)
    windows = sum(now[k] for k in _WINDOWS)
    if now[ParamKey.UNBONDING_DELAY] < windows:
        raise ConfigError(
            f"{key.name.lower()} = {value} would make the unbonding delay ({now[ParamKey.UNBONDING_DELAY]} s) "
            f"shorter than the challenge + commit + reveal windows ({windows} s); raise unbonding_delay first"
        )
    if now[ParamKey.SLASH_BPS] > now[ParamKey.SLASH_CAP_BPS]:
        raise ConfigError(
            f"{key.name.lower()} = {value} would put slash_bps ({now[ParamKey.SLASH_BPS]}) above "
            f"slash_cap_bps ({now[ParamKey.SLASH_CAP_BPS]})"
        )


def propose(d: Deployment, sender: Sender, proposal: Proposal) -> int:
    """Submit ``proposal``; returns its id."""
    sender.transact(d.governor.functions.propose(proposal.targets, proposal.values, proposal.calldatas,
                                                 proposal.description))
    return proposal.proposal_id(d)


def vote(d: Deployment, sender: Sender, proposal_id: int, support: Support, reason: str = "") -> Any:
    """Cast ``sender``'s votes on a proposal."""
    if reason:
        return sender.transact(d.governor.functions.castVoteWithReason(proposal_id, int(support), reason))
    return sender.transact(d.governor.functions.castVote(proposal_id, int(support)))


def queue(d: Deployment, sender: Sender, proposal: Proposal) -> Any:
    """Queue a succeeded proposal in the timelock."""
    return sender.transact(d.governor.functions.queue(proposal.targets, proposal.values, proposal.calldatas,
                                                      proposal.description_hash))


def execute(d: Deployment, sender: Sender, proposal: Proposal) -> Any:
    """Execute a queued proposal whose timelock delay is over."""
    return sender.transact(d.governor.functions.execute(proposal.targets, proposal.values, proposal.calldatas,
                                                        proposal.description_hash))


def state(d: Deployment, proposal_id: int) -> ProposalState:
    """The state of a proposal."""
    return ProposalState(d.governor.functions.state(proposal_id).call())


def proposals(d: Deployment) -> list[dict[str, Any]]:
    """Every proposal created on this deployment, from the Governor's events."""
    start = d.manifest.contracts["governor"].block
    events = d.governor.events.ProposalCreated().get_logs(from_block=start)
    out = []
    for ev in events:
        a = ev["args"]
        out.append(
            {
                "id": int(a["proposalId"]),
                "proposer": a["proposer"],
                "description": a["description"],
                "targets": list(a["targets"]),
                "values": [int(v) for v in a["values"]],
                "calldatas": ["0x" + bytes(c).hex() for c in a["calldatas"]],
                "vote_start": int(a["voteStart"]),
                "vote_end": int(a["voteEnd"]),
                "state": state(d, int(a["proposalId"])).name.lower(),
                "block": int(ev["blockNumber"]),
            }
        )
    return out


def proposal_from_event(entry: dict[str, Any]) -> Proposal:
    """Rebuild a :class:`Proposal` from an entry of :func:`proposals`."""
    return Proposal(
        targets=list(entry["targets"]),
        values=list(entry["values"]),
        calldatas=[bytes.fromhex(c[2:]) for c in entry["calldatas"]],
        description=entry["description"],
    )
