"""The https checks against a real local TLS server with certificates made by openssl."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasegate.layers._smoke.runner import SmokeParams, run_checks
from releasegate.layers._smoke.tls import inspect_certificate, not_after

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="openssl is needed to make certificates"
)


def make_cert(directory: Path, *, days: int, san: str) -> tuple[Path, Path]:
    cert, key = directory / f"cert-{days}.pem", directory / f"key-{days}.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", str(days), "-subj", "/CN=releasegate-test",
         "-addext", f"subjectAltName={san}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"status": "pass"}' if self.path == "/health" else b"<html>hello</html>"
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if self.path == "/health" else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Robots-Tag", "noindex")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[Callable[[int, str], tuple[int, Path]]]:
    servers: list[http.server.HTTPServer] = []

    def serve(days: int, san: str) -> tuple[int, Path]:
        cert, key = make_cert(tmp_path, days=days, san=san)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1], cert

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def test_not_after_reads_the_der_certificate(tmp_path: Path) -> None:
    cert, _ = make_cert(tmp_path, days=30, san="IP:127.0.0.1")
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    days = (not_after(der) - datetime.now(UTC)).total_seconds() / 86400
    assert 29 < days <= 30


def test_a_valid_certificate_passes_with_its_days_left(tls_server) -> None:
    port, cert = tls_server(90, "IP:127.0.0.1")
    info = inspect_certificate("127.0.0.1", port, ca_file=str(cert))
    assert info.verified
    assert info.error is None
    assert info.days_left is not None
    assert 89 < info.days_left <= 90


def test_a_hostname_mismatch_is_named_and_days_still_read(tls_server) -> None:
    port, cert = tls_server(90, "DNS:other.example")
    info = inspect_certificate("127.0.0.1", port, ca_file=str(cert))
    assert not info.verified
    assert "mismatch" in (info.error or "").lower()
    assert info.days_left is not None


def test_smoke_over_https_checks_the_certificate_and_hsts(tls_server) -> None:
    port, cert = tls_server(5, "IP:127.0.0.1")
    run = run_checks(
        SmokeParams(base_url=f"https://127.0.0.1:{port}", ca_file=str(cert), repeats=1, https_redirect=True)
    )
    found = {o.check: o for o in run.outcomes}
    assert found["health"].status == "pass"
    assert found["tls: certificate"].status == "pass"
    assert found["tls: days to expiry"].status == "fail"
    assert "expected at least 14 days left, saw 5.0" in found["tls: days to expiry"].message
    assert found["header: Strict-Transport-Security"].status == "fail"
    assert found["not indexable"].status == "pass"
    assert found["tls: http redirect"].status == "fail"
    assert "expected http://127.0.0.1/ to redirect to https" in found["tls: http redirect"].message
    assert run.cert_days_left is not None
    assert run.cert_days_left < 5


def test_an_untrusted_certificate_fails_the_certificate_check(tls_server) -> None:
    port, _cert = tls_server(90, "IP:127.0.0.1")
    run = run_checks(SmokeParams(base_url=f"https://127.0.0.1:{port}", repeats=1, noindex=False))
    found = {o.check: o for o in run.outcomes}
    assert found["tls: certificate"].status == "fail"
    assert "certificate rejected" in found["tls: certificate"].message
    assert found["health"].status == "fail"
    assert "TLS handshake" in found["health"].message
