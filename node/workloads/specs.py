"""What every workload spec shares: frozen, versioned, unknown fields rejected, one error per
bad field, and a hash of its canonical JSON that results and checkpoints are bound to."""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import WorkloadSpecError

__all__ = ["WorkloadSpec", "canonical_json", "parse", "spec_error"]

S = TypeVar("S", bound="WorkloadSpec")


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes every node hashes alike."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class WorkloadSpec(BaseModel):
    """Base of the workload specs in this package."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def spec_hash(self) -> str:
        """sha256 of the canonical JSON of every field, defaults included."""
        return hashlib.sha256(canonical_json(self.model_dump(mode="json"))).hexdigest()


def parse(model: type[S], kind: str, data: Any) -> S:
    """Validate ``data`` (a mapping, JSON text or bytes, or a spec) as ``model``.

    Raises:
        WorkloadSpecError: naming the first field that does not validate and the value given.
    """
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump()
    try:
        if isinstance(data, (str, bytes)):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as exc:
        raise spec_error(kind, exc) from None


def spec_error(kind: str, exc: ValidationError) -> WorkloadSpecError:
    """The first error of ``exc`` as a ``WorkloadSpecError`` naming its field and the value given."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "(input)"
    value = repr(err.get("input"))
    value = value if len(value) <= 80 else value[:80] + "..."
    message = str(err["msg"]).removeprefix("Value error, ")
    return WorkloadSpecError(kind, field, f"{message} (got {value})")
