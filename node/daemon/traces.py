"""The node's signed trace server: execution traces by content hash, over HTTP.

A node keeps the trace of every task it ran in a :class:`TraceStore`, named by the sha256 of
its bytes (the hash that goes on chain with the result). :class:`TraceServer` serves them at
``GET /trace/<sha256hex>``, and signs every response with the node's Ed25519 identity key:
the ``X-Nashnet-Signature`` header is the signature over::

    b"nashnet/trace/v1\\n" + path + b"\\n" + sha256(body)      (path as requested, digest raw)

:func:`fetch_trace` checks that signature against the signing key the node registered on
chain, and that the body hashes to the requested hash, so a trace can be trusted whoever
relayed it. ``GET /health`` and the routes the daemon adds (``/metrics``, ``/status``) are
signed the same way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from contracts.errors import NashnetError
from contracts.files import write_atomic

__all__ = [
    "MAX_TRACE_BYTES",
    "Route",
    "TraceError",
    "TraceServer",
    "TraceStore",
    "fetch_trace",
    "sign_response",
    "verify_response",
]

log = logging.getLogger(__name__)

MAX_TRACE_BYTES = 256 * 1024 * 1024
"""The largest trace :func:`fetch_trace` reads by default; a node cannot make a client read forever."""

_DOMAIN = b"nashnet/trace/v1\n"
_HASH_RE = re.compile(r"[0-9a-f]{64}")
_TRACE_PREFIX = "/trace/"
_SIGNATURE_HEADER = "X-Nashnet-Signature"
_NODE_HEADER = "X-Nashnet-Node"

Route = Callable[[], tuple[int, str, bytes]]
"""An extra route: called per request, returns (status, content type, body)."""


class TraceError(NashnetError):
    """A trace could not be stored, served, fetched or verified.

    Attributes:
        reason: Which check failed, for callers that act on it: ``"malformed"``,
            ``"unreachable"``, ``"not_found"``, ``"http"``, ``"too_large"``, ``"signature"``,
            ``"hash"`` or ``"server"``.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        self.reason = reason
        super().__init__(message)


def _check_hash(trace_hash: str) -> str:
    if not isinstance(trace_hash, str) or _HASH_RE.fullmatch(trace_hash) is None:
        raise TraceError(
            f"trace_hash must be 64 lowercase hex characters (a sha256 digest, no 0x), got {trace_hash!r}",
            reason="malformed",
        )
    return trace_hash


class TraceStore:
    """Traces on disk, one file per trace, named by the sha256 hex of its bytes.

    Args:
        root: The folder; created on first use.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, trace_hash: str) -> Path:
        return self.root / _check_hash(trace_hash)

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its sha256 hex; storing the same bytes again is a no-op.

        The file is written to a temp file in the same folder, fsynced and renamed, so a
        reader never sees part of a trace.
        """
        data = bytes(data)
        trace_hash = hashlib.sha256(data).hexdigest()
        path = self.root / trace_hash
        if path.exists():
            return trace_hash
        write_atomic(path, data)
        return trace_hash

    def get(self, trace_hash: str) -> bytes | None:
        """The bytes stored under ``trace_hash``, or ``None`` when there are none."""
        path = self._path(trace_hash)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def has(self, trace_hash: str) -> bool:
        """Whether a trace is stored under ``trace_hash``."""
        return self._path(trace_hash).is_file()


def _message(path: str, body: bytes) -> bytes:
    return _DOMAIN + path.encode() + b"\n" + hashlib.sha256(body).digest()


def sign_response(key: Ed25519PrivateKey, path: str, body: bytes) -> str:
    """The hex Ed25519 signature of a response to ``path`` with ``body``."""
    return key.sign(_message(path, body)).hex()


def _public_key(public: bytes | str) -> Ed25519PublicKey:
    raw: bytes
    if isinstance(public, str):
        text = public[2:] if public[:2].lower() == "0x" else public
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise TraceError(f"signing key must be 64 hex characters, got {public!r}", reason="malformed") from None
    else:
        raw = bytes(public)
    if len(raw) != 32:
        raise TraceError(f"signing key must be 32 bytes (an Ed25519 public key), got {len(raw)}", reason="malformed")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_response(public: bytes | str, path: str, body: bytes, signature_hex: str) -> None:
    """Check a response's signature.

    Args:
        public: The node's Ed25519 signing key: 32 raw bytes, or hex as ``node_info`` gives it.
        path: The request path (``/trace/<hash>``).
        body: The response body.
        signature_hex: The ``X-Nashnet-Signature`` header.

    Raises:
        TraceError: reason ``"signature"`` when the signature is missing, malformed or does not match.
    """
    _verify(_public_key(public), path, body, signature_hex)


def _verify(key: Ed25519PublicKey, path: str, body: bytes, signature_hex: str) -> None:
    try:
        signature = bytes.fromhex(signature_hex)
    except (ValueError, TypeError):
        raise TraceError(
            f"bad signature for {path}: {_SIGNATURE_HEADER} is not hex ({signature_hex!r})", reason="signature"
        ) from None
    try:
        key.verify(signature, _message(path, body))
    except InvalidSignature:
        raise TraceError(
            f"bad signature for {path}: it does not verify against the node's registered signing key",
            reason="signature",
        ) from None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # SO_REUSEADDR (on POSIX) lets a restarted node take its port back from connections in
    # TIME_WAIT; binding still fails while another socket listens there.
    allow_reuse_address = True


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


def _make_handler(server: TraceServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "nashnet-trace/1"
        timeout = 30  # a stalled client holds one thread for at most this long

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s %s", self.address_string(), format % args)

        def _send(self, status: int, content_type: str, body: bytes, path: str, extra: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header(_NODE_HEADER, server.address)
            self.send_header(_SIGNATURE_HEADER, sign_response(server.key, path, body))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, payload: dict[str, Any], path: str, **extra: str) -> None:
            body = json.dumps(payload, separators=(",", ":")).encode()
            self._send(status, "application/json", body, path, extra)

        def _error(self, status: HTTPStatus, message: str, path: str, **extra: str) -> None:
            self._json(status, {"error": message, "node": server.address}, path, **extra)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path.startswith(_TRACE_PREFIX):
                trace_hash = path[len(_TRACE_PREFIX) :]
                if _HASH_RE.fullmatch(trace_hash) is None:
                    self._error(HTTPStatus.BAD_REQUEST, "trace hash must be 64 lowercase hex characters", path)
                    return
                data = server.store.get(trace_hash)
                if data is None:
                    self._error(HTTPStatus.NOT_FOUND, f"no trace {trace_hash}", path)
                    return
                self._send(HTTPStatus.OK, "application/json", data, path, {})
                return
            if path == "/health":
                self._json(HTTPStatus.OK, {"ok": True, "node": server.address}, path)
                return
            route = server.extra_routes.get(path)
            if route is None:
                self._error(HTTPStatus.NOT_FOUND, f"no route {path}", path)
                return
            try:
                status, content_type, body = route()
            except Exception:
                log.exception("route %s failed", path)
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"route {path} failed", path)
                return
            self._send(status, content_type, body, path, {})

        def _not_allowed(self) -> None:
            # The request body is not read, so the connection cannot be reused.
            self.close_connection = True
            path = urlsplit(self.path).path
            self._error(HTTPStatus.METHOD_NOT_ALLOWED, f"method {self.command} not allowed; use GET", path, Allow="GET")

        do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    return Handler


class TraceServer:
    """Serves a :class:`TraceStore` (and the daemon's extra routes) over HTTP, signed by the node's key.

    Args:
        store: Where the traces are.
        key: The node's Ed25519 identity key (its public half is the registered signing key).
        host: The interface to bind to; only this one. The default serves this machine only.
        port: The TCP port; 0 picks a free one (read it from :attr:`port` after :meth:`start`).
        address: The operator address, sent as ``X-Nashnet-Node``.
        extra_routes: More GET routes by exact path, e.g. ``{"/metrics": ...}``; each is called
            per request and returns (status, content type, body).

    Raises:
        TraceError: an extra route is not an absolute path or shadows ``/health`` or ``/trace/``.
    """

    def __init__(
        self,
        store: TraceStore,
        key: Ed25519PrivateKey,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        address: str = "",
        extra_routes: Mapping[str, Route] | None = None,
    ) -> None:
        routes = dict(extra_routes or {})
        for path in routes:
            if not path.startswith("/") or path == "/health" or path.startswith(_TRACE_PREFIX):
                raise TraceError(
                    f"extra route {path!r} must be an absolute path other than /health and /trace/...",
                    reason="malformed",
                )
        self.store = store
        self.key = key
        self.host = host
        self.address = address
        self.extra_routes: dict[str, Route] = routes
        self._requested_port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> TraceServer:
        """Bind and serve in a daemon thread; returns ``self``.

        Raises:
            TraceError: it is already started, or the address cannot be bound.
        """
        with self._lock:
            if self._httpd is not None:
                raise TraceError(f"trace server is already serving at {self.url}", reason="server")
            server_class = _HTTPServer6 if ":" in self.host else _HTTPServer
            try:
                httpd = server_class((self.host, self._requested_port), _make_handler(self))
            except OSError as exc:
                raise TraceError(
                    f"cannot bind the trace server to {self.host}:{self._requested_port}: {exc.strerror or exc}",
                    reason="server",
                ) from None
            thread = threading.Thread(
                target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="nashnet-trace-server", daemon=True
            )
            thread.start()
            self._httpd, self._thread = httpd, thread
            return self

    @property
    def port(self) -> int:
        """The bound port."""
        if self._httpd is None:
            raise TraceError("trace server is not started; call start() first", reason="server")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:8547``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        """Stop serving and close the socket; calling it again does nothing."""
        with self._lock:
            httpd, thread = self._httpd, self._thread
            self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> TraceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def fetch_trace(
    base_url: str,
    trace_hash: str,
    signing_key: bytes | str,
    *,
    timeout: float = 5.0,
    max_bytes: int = MAX_TRACE_BYTES,
) -> bytes:
    """Fetch a trace from a node and verify it.

    Args:
        base_url: The node's endpoint, e.g. ``http://127.0.0.1:8547``.
        trace_hash: The sha256 hex of the trace (as committed on chain).
        signing_key: The node's registered Ed25519 signing key (32 bytes, or hex as ``node_info`` gives it).
        timeout: Seconds for connecting and for each read.
        max_bytes: Refuse a body larger than this.

    Returns:
        The trace bytes, whose sha256 is ``trace_hash`` and whose response the node signed.

    Raises:
        TraceError: with ``reason`` saying which check failed: ``"malformed"`` (arguments),
            ``"unreachable"``, ``"not_found"`` (404), ``"http"`` (another status),
            ``"too_large"``, ``"signature"`` or ``"hash"``.
    """
    _check_hash(trace_hash)
    public = _public_key(signing_key)
    path = _TRACE_PREFIX + trace_hash
    url = base_url.rstrip("/") + path
    request = urllib.request.Request(url, method="GET", headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise TraceError(
                    f"trace {trace_hash} from {base_url} is {length} bytes, over the limit of {max_bytes}",
                    reason="too_large",
                )
            body = response.read(max_bytes + 1)
            signature = response.headers.get(_SIGNATURE_HEADER)
    except urllib.error.HTTPError as exc:
        if exc.code == HTTPStatus.NOT_FOUND:
            raise TraceError(f"trace {trace_hash} not found at {base_url} (404)", reason="not_found") from None
        raise TraceError(
            f"fetching trace {trace_hash} from {base_url} failed with HTTP {exc.code}", reason="http"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        why = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise TraceError(f"node at {base_url} is unreachable: {why}", reason="unreachable") from None
    if len(body) > max_bytes:
        raise TraceError(
            f"trace {trace_hash} from {base_url} is over the limit of {max_bytes} bytes", reason="too_large"
        )
    if not signature:
        raise TraceError(
            f"bad signature for {path}: the response has no {_SIGNATURE_HEADER} header", reason="signature"
        )
    _verify(public, path, body, signature)
    actual = hashlib.sha256(body).hexdigest()
    if actual != trace_hash:
        raise TraceError(
            f"hash mismatch: {base_url} served bytes with sha256 {actual} for trace {trace_hash}", reason="hash"
        )
    return body
