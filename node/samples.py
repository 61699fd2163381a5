"""Sample task inputs of every kind, generated (no downloads), for the devnet and its tests.

Each sample is ``(kind label, input JSON bytes, redundancy)``; the inputs validate against the
same schemas ``nashnet task submit`` checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from reasoning.datasets.arithmetic import arithmetic_questions
from reasoning.datasets.game24 import game24_instances

__all__ = ["LM_SAMPLE_REWARD", "Sample", "samples"]

LM_SAMPLE_REWARD = 15 * 10**17

_FAMILY = """@prefix ex: <http://nashnet.example/family#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
ex:parentOf rdfs:subPropertyOf ex:relativeOf .
ex:ancestorOf a owl:TransitiveProperty .
ex:parentOf rdfs:subPropertyOf ex:ancestorOf .
"""

_NAMES = ["ada", "ben", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo", "kai", "lu"]


@dataclass(frozen=True)
class Sample:
    """One task input."""

    kind: str
    spec: bytes
    redundancy: int = 0
    reward: int | None = None
    """Base units; None takes the submitter's default."""

    @property
    def text(self) -> str:
        return self.spec.decode()


def _dump(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _family(i: int, reasoning: str = "owl-rl") -> bytes:
    """A chain of parents starting at a name picked by ``i``; asks for one person's ancestors.

    With ``reasoning="none"`` it is a plain lookup (parents instead of ancestors): the cheapest task there is.
    """
    start = i % 6
    people = _NAMES[start : start + 5]
    facts = "".join(f"ex:{a} ex:parentOf ex:{b} .\n" for a, b in zip(people, people[1:], strict=False))
    target = people[-1 - (i % 3)]
    prop = "ancestorOf" if reasoning != "none" else "parentOf"
    query = f"PREFIX ex: <http://nashnet.example/family#>\nSELECT ?a WHERE {{ ?a ex:{prop} ex:{target} }}"
    return _dump({"sparql": query, "data": {"format": "turtle", "text": _FAMILY + facts}, "reasoning": reasoning})


def samples(
    per_kind: int = 1, *, kinds: tuple[str, ...] | None = None, lm_redundancy: int = 1, cheap: bool = False
) -> list[Sample]:
    """``per_kind`` inputs of each kind in ``kinds`` (default: all six), deterministic.

    Language-model kinds (react, rewoo) get ``lm_redundancy`` and a reward of 1.5 tokens: with
    the devnet's price of 1 token a second node would earn 0.75 and stays away, so each such
    task runs once (a run takes tens of seconds on a CPU). The others take the market's
    default redundancy and the submitter's reward. ``cheap`` makes the
    neuro-symbolic samples plain lookups without inference.
    """
    kinds = kinds or ("react", "rewoo", "mcts", "neuro-symbolic", "training", "spiking")
    out: list[Sample] = []
    solvable = [g.numbers for g in game24_instances() if g.solvable]
    questions = arithmetic_questions(max(per_kind, 1), seed=7)
    for kind in kinds:
        for i in range(per_kind):
            if kind in ("react", "rewoo"):
                q = questions[i % len(questions)]
                spec = _dump({"question": q.question, "tools": ["calculator"]})
                out.append(Sample(kind, spec, lm_redundancy, reward=LM_SAMPLE_REWARD))
            elif kind == "mcts":
                numbers = solvable[(i * 37) % len(solvable)]
                out.append(Sample(kind, _dump({"problem": "game24", "numbers": list(numbers)})))
            elif kind == "neuro-symbolic":
                out.append(Sample(kind, _family(i, "none" if cheap else "owl-rl")))
            elif kind == "training":
                job = {"model": "tiny", "steps": 8, "batch_size": 4, "checkpoint_interval": 4, "seed": i,
                        "optimizer": {"lr": 3e-3}, "schedule": {"warmup_steps": 2}, "eval_batches": 2}
                out.append(Sample(kind, _dump(job)))
            elif kind == "spiking":
                net = {"network": {"neurons": 2000, "seed": i}, "text": "hi", "warmup_steps": 50,
                        "steps_per_char": 10, "reply_chars": 2}
                out.append(Sample(kind, _dump(net)))
            else:
                raise ValueError(f"kinds: unknown kind {kind!r}")
    return out
