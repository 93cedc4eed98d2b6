"""What an https deployment's certificate says: verified for the host? days until expiry?

The certificate is read from the TLS handshake (verified against the system store or a
given CA file); when verification fails it is read again unverified, so the days left can
still be reported next to the reason it was rejected.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["CertInfo", "inspect_certificate", "not_after"]


@dataclass(frozen=True)
class CertInfo:
    host: str
    port: int
    days_left: float | None = None
    verified: bool = False
    error: str | None = None  # why the handshake or verification failed


def _read(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at ``pos``."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        octets = length & 0x7F
        length = int.from_bytes(data[pos : pos + octets], "big")
        pos += octets
    return tag, pos, pos + length


def not_after(der: bytes) -> datetime:
    """The notAfter time of a DER certificate (no third-party parser needed)."""
    _, cert_start, _ = _read(der, 0)
    _, pos, _ = _read(der, cert_start)  # tbsCertificate
    tag, _, end = _read(der, pos)
    if tag == 0xA0:  # explicit version
        pos = end
    for _ in range(3):  # serialNumber, signature, issuer
        _, _, pos = _read(der, pos)
    _, validity, _ = _read(der, pos)
    _, _, after_start = _read(der, validity)  # skip notBefore
    tag, start, end = _read(der, after_start)
    text = der[start:end].decode("ascii")
    fmt = "%y%m%d%H%M%SZ" if tag == 0x17 else "%Y%m%d%H%M%SZ"
    return datetime.strptime(text, fmt).replace(tzinfo=UTC)


def _handshake(host: str, port: int, context: ssl.SSLContext, timeout: float) -> bytes:
    with (
        socket.create_connection((host, port), timeout=timeout) as sock,
        context.wrap_socket(sock, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return der


def inspect_certificate(
    host: str, port: int = 443, *, ca_file: str | None = None, timeout: float = 10.0
) -> CertInfo:
    verified = ssl.create_default_context(cafile=ca_file)
    error: str | None = None
    try:
        der = _handshake(host, port, verified, timeout)
    except ssl.SSLCertVerificationError as exc:
        error = f"certificate rejected: {exc.verify_message or exc.reason}"
        loose = ssl.create_default_context()
        loose.check_hostname = False
        loose.verify_mode = ssl.CERT_NONE
        try:
            der = _handshake(host, port, loose, timeout)
        except (OSError, ssl.SSLError) as again:
            return CertInfo(host, port, error=f"{error}; and unreadable: {again}")
    except (OSError, ssl.SSLError) as exc:
        return CertInfo(host, port, error=f"TLS handshake with {host}:{port} failed: {exc}")
    try:
        days = (not_after(der) - datetime.now(UTC)).total_seconds() / 86400
    except (IndexError, ValueError) as exc:
        return CertInfo(host, port, verified=error is None, error=error or f"unreadable certificate: {exc}")
    return CertInfo(host, port, days_left=days, verified=error is None, error=error)
