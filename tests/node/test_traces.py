"""The signed trace server, its store and its client (node.daemon.traces)."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.errors import NashnetError
from node.daemon.traces import (
    TraceError,
    TraceServer,
    TraceStore,
    fetch_trace,
    sign_response,
    verify_response,
)
from node.identity import public_bytes

OPERATOR = "0x" + "ab" * 20
TRACE = json.dumps({"steps": [{"thought": "x" * 100, "i": i} for i in range(80)]}).encode()


@pytest.fixture()
def store(tmp_path: Path) -> TraceStore:
    return TraceStore(tmp_path / "traces")


@pytest.fixture()
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture()
def server(store: TraceStore, key: Ed25519PrivateKey) -> Iterator[TraceServer]:
    srv = TraceServer(
        store,
        key,
        address=OPERATOR,
        extra_routes={"/metrics": lambda: (200, "text/plain; version=0.0.4", b"nashnet_up 1\n")},
    ).start()
    try:
        yield srv
    finally:
        srv.stop()


def _raw_get(srv: TraceServer, target: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """A request with the target sent exactly as given (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.putheader("Content-Length", "0")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# -- store ------------------------------------------------------------------------------


def test_store_put_get_has(store: TraceStore) -> None:
    digest = store.put(TRACE)
    assert digest == hashlib.sha256(TRACE).hexdigest()
    assert store.has(digest)
    assert store.get(digest) == TRACE
    other = hashlib.sha256(b"other").hexdigest()
    assert not store.has(other)
    assert store.get(other) is None


def test_store_put_is_idempotent_and_leaves_no_temp_file(store: TraceStore) -> None:
    first = store.put(TRACE)
    mtime = (store.root / first).stat().st_mtime_ns
    assert store.put(TRACE) == first
    assert (store.root / first).stat().st_mtime_ns == mtime
    second = store.put(b"")
    assert sorted(p.name for p in store.root.iterdir()) == sorted([first, second])


@pytest.mark.parametrize("bad", ["", "ab" * 31, "AB" * 32, "0x" + "ab" * 31, "../" + "a" * 61, "g" * 64])
def test_store_rejects_malformed_hashes(store: TraceStore, bad: str) -> None:
    with pytest.raises(TraceError, match="64 lowercase hex") as info:
        store.get(bad)
    assert info.value.reason == "malformed"
    with pytest.raises(TraceError):
        store.has(bad)


# -- signatures -------------------------------------------------------------------------


def test_sign_and_verify(key: Ed25519PrivateKey) -> None:
    path = "/trace/" + "0" * 64
    signature = sign_response(key, path, TRACE)
    verify_response(public_bytes(key), path, TRACE, signature)
    verify_response("0x" + public_bytes(key).hex(), path, TRACE, signature)
    for args in [
        (public_bytes(Ed25519PrivateKey.generate()), path, TRACE, signature),
        (public_bytes(key), "/trace/" + "1" * 64, TRACE, signature),
        (public_bytes(key), path, TRACE + b" ", signature),
        (public_bytes(key), path, TRACE, "zz"),
    ]:
        with pytest.raises(TraceError, match="bad signature") as info:
            verify_response(*args)
        assert info.value.reason == "signature"


def test_trace_error_is_a_nashnet_error() -> None:
    assert issubclass(TraceError, NashnetError)


# -- server and client ------------------------------------------------------------------


def test_fetch_trace_ok(server: TraceServer, store: TraceStore, key: Ed25519PrivateKey) -> None:
    digest = store.put(TRACE)
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert fetch_trace(server.url, digest, public_bytes(key)) == TRACE
    assert fetch_trace(server.url + "/", digest, "0x" + public_bytes(key).hex()) == TRACE
    status, headers, body = _raw_get(server, "/trace/" + digest)
    assert status == 200 and body == TRACE
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Nashnet-Node"] == OPERATOR
    verify_response(public_bytes(key), "/trace/" + digest, body, headers["X-Nashnet-Signature"])


def test_unknown_hash_is_404(server: TraceServer, key: Ed25519PrivateKey) -> None:
    digest = hashlib.sha256(b"never stored").hexdigest()
    with pytest.raises(TraceError, match="not found") as info:
        fetch_trace(server.url, digest, public_bytes(key))
    assert info.value.reason == "not_found"
    status, headers, body = _raw_get(server, "/trace/" + digest)
    assert status == 404 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"error": f"no trace {digest}", "node": OPERATOR}


def test_a_server_signing_with_another_key_is_caught(server: TraceServer, store: TraceStore) -> None:
    digest = store.put(TRACE)
    impostor = public_bytes(Ed25519PrivateKey.generate())
    with pytest.raises(TraceError, match="signature") as info:
        fetch_trace(server.url, digest, impostor)
    assert info.value.reason == "signature"


def test_tampered_body_is_caught_by_the_hash(server: TraceServer, store: TraceStore, key: Ed25519PrivateKey) -> None:
    digest = hashlib.sha256(TRACE).hexdigest()
    store.root.mkdir(parents=True, exist_ok=True)
    (store.root / digest).write_bytes(TRACE.replace(b'"i": 3', b'"i": 4'))  # the node signs what it serves
    with pytest.raises(TraceError, match="hash mismatch") as info:
        fetch_trace(server.url, digest, public_bytes(key))
    assert info.value.reason == "hash"


def test_unreachable_node(key: Ed25519PrivateKey) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TraceError, match="unreachable") as info:
        fetch_trace(f"http://127.0.0.1:{port}", "0" * 64, public_bytes(key), timeout=2)
    assert info.value.reason == "unreachable"


def test_client_rejects_malformed_arguments(key: Ed25519PrivateKey) -> None:
    with pytest.raises(TraceError, match="trace_hash"):
        fetch_trace("http://127.0.0.1:1", "../etc/passwd", public_bytes(key))
    with pytest.raises(TraceError, match="signing key must be 32 bytes"):
        fetch_trace("http://127.0.0.1:1", "0" * 64, b"short")


def test_health_and_extra_routes_are_signed(server: TraceServer, key: Ed25519PrivateKey) -> None:
    status, headers, body = _raw_get(server, "/health")
    assert status == 200 and json.loads(body) == {"ok": True, "node": OPERATOR}
    verify_response(public_bytes(key), "/health", body, headers["X-Nashnet-Signature"])
    status, headers, body = _raw_get(server, "/metrics")
    assert status == 200 and body == b"nashnet_up 1\n"
    assert headers["Content-Type"].startswith("text/plain")
    verify_response(public_bytes(key), "/metrics", body, headers["X-Nashnet-Signature"])


def test_a_failing_extra_route_is_a_500(store: TraceStore, key: Ed25519PrivateKey) -> None:
    def broken() -> tuple[int, str, bytes]:
        raise RuntimeError("boom")

    with TraceServer(store, key, extra_routes={"/status": broken}) as srv:
        status, _, body = _raw_get(srv, "/status")
    assert status == 500 and b"boom" not in body


def test_extra_routes_cannot_shadow_built_in_ones(store: TraceStore, key: Ed25519PrivateKey) -> None:
    for path in ("/health", "/trace/x", "metrics"):
        with pytest.raises(TraceError, match="extra route"):
            TraceServer(store, key, extra_routes={path: lambda: (200, "text/plain", b"")})


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD"])
def test_other_methods_are_405(server: TraceServer, store: TraceStore, method: str) -> None:
    digest = store.put(TRACE)
    status, headers, _ = _raw_get(server, "/trace/" + digest, method=method)
    assert status == 405 and headers["Allow"] == "GET"


@pytest.mark.parametrize(
    "target",
    [
        "/trace/../../etc/passwd",
        "/trace/%2e%2e/%2e%2e/etc/passwd",
        "/trace/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/trace/..%2f..%2f" + "a" * 58,
        "/../../etc/passwd",
        "/trace/",
        "/trace",
        "/etc/passwd",
        "//etc/passwd",
    ],
)
def test_traversal_attempts_never_read_files(server: TraceServer, store: TraceStore, target: str) -> None:
    store.put(TRACE)
    (store.root.parent / "secret").write_bytes(b"SECRET-CONTENTS")
    status, _, body = _raw_get(server, target)
    assert status in (400, 404)
    assert b"SECRET" not in body and b"root:" not in body and TRACE not in body


def test_stop_frees_the_port_and_is_idempotent(store: TraceStore, key: Ed25519PrivateKey) -> None:
    srv = TraceServer(store, key).start()
    port = srv.port
    with pytest.raises(TraceError, match="already serving"):
        srv.start()
    srv.stop()
    srv.stop()
    with pytest.raises(TraceError, match="not started"):
        _ = srv.port
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # raises if the listener were still open
    # After real traffic the port is taken back too (connections left in TIME_WAIT do not block it).
    digest = store.put(TRACE)
    again = TraceServer(store, key, port=port).start()
    try:
        assert again.port == port
        assert fetch_trace(again.url, digest, public_bytes(key)) == TRACE
        with pytest.raises(TraceError, match="cannot bind"):
            TraceServer(store, key, port=port).start()
    finally:
        again.stop()
    third = TraceServer(store, key, port=port).start()
    third.stop()


def test_binds_only_to_the_host_given(store: TraceStore, key: Ed25519PrivateKey) -> None:
    with TraceServer(store, key) as srv:
        assert srv._httpd is not None
        assert srv._httpd.server_address[0] == "127.0.0.1"
