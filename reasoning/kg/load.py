"""Parsing RDF text into an oxigraph store, with size limits and located errors."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from reasoning.errors import InputTooLarge, RDFParseError

__all__ = ["FORMATS", "MAX_INPUT_BYTES", "format_for_path", "parse_into"]

MAX_INPUT_BYTES = 64 * 1024 * 1024

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nt": ox.RdfFormat.N_TRIPLES,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "json-ld": ox.RdfFormat.JSON_LD,
    "jsonld": ox.RdfFormat.JSON_LD,
}
_SUFFIXES = {".ttl": "turtle", ".turtle": "turtle", ".nt": "ntriples", ".jsonld": "json-ld", ".json": "json-ld"}
_LINE = re.compile(r"line (\d+)")


def format_for_path(path: Path) -> str:
    """Guess the format name from a file's suffix."""
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise RDFParseError(
            "file", f"cannot tell the format of {path.name!r} from its suffix; expected one of "
            f"{', '.join(sorted(_SUFFIXES))} or pass format="
        ) from None


def parse_into(
    store: ox.Store, data: str | bytes, fmt: str, *, base_iri: str | None = None, max_bytes: int = MAX_INPUT_BYTES
) -> int:
    """Parse ``data`` in format ``fmt`` into the default graph of ``store``.

    Returns:
        The number of triples the store gained.

    Raises:
        InputTooLarge: ``data`` is longer than ``max_bytes``.
        RDFParseError: the text is malformed (with the line where the parser stopped).
    """
    key = fmt.lower()
    if key not in FORMATS:
        raise RDFParseError(fmt, f"unsupported format; expected one of {', '.join(sorted(set(FORMATS)))}")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise InputTooLarge("RDF input", len(raw), max_bytes)
    before = len(store)
    # parse into a scratch store first so that a malformed document adds nothing
    scratch = ox.Store()
    try:
        scratch.bulk_load(raw, format=FORMATS[key], base_iri=base_iri, to_graph=ox.DefaultGraph())
    except SyntaxError as exc:
        message = str(exc.msg if getattr(exc, "msg", None) else exc)
        match = _LINE.search(message)
        line = exc.lineno if getattr(exc, "lineno", None) else int(match.group(1)) if match else None
        raise RDFParseError(key, message, line) from None
    except (ValueError, OSError) as exc:
        raise RDFParseError(key, str(exc)) from None
    store.bulk_extend(scratch.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return len(store) - before
