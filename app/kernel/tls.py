"""A local certificate authority, as mkcert makes one: HTTPS that a client trusts by adding one file.

MSAL (and most OAuth libraries) refuse an authority that is not `https://`, so `cspsim serve --tls` serves
with a server certificate signed by a CA of its own, kept in the data folder and made on first need:

    <data dir>/tls/ca.pem            the CA certificate: the one file clients trust (also GET /cspsim/ca.pem)
    <data dir>/tls/ca-key.pem        its private key; it never leaves the data folder
    <data dir>/tls/server.pem        localhost, 127.0.0.1, ::1 (and the host served on), signed by the CA
    <data dir>/tls/server-key.pem

The CA lasts ten years; the server certificate is issued again when it nears its end, lacks a host, or was
signed by another CA. The keys are RSA, so they can sign webhook deliveries too (`load_ca_key`).
"""

import ipaddress
import os
import shutil
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.kernel.clock import real_now

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
CA_LIFETIME = timedelta(days=3650)
# Under 825 days: the longest a server certificate may live for Apple's TLS clients.
SERVER_LIFETIME = timedelta(days=820)
RENEW_BEFORE = timedelta(days=30)
# Wildcard addresses are where a server listens, never a name a client connects to.
_LISTEN_ANYWHERE = frozenset({"0.0.0.0", "::", ""})

Host = ipaddress.IPv4Address | ipaddress.IPv6Address | str


@dataclass(frozen=True)
class LocalAuthority:
    """The files of the data folder's CA and of the server certificate it signed."""

    folder: Path

    @property
    def ca_certificate(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca-key.pem"

    @property
    def server_certificate(self) -> Path:
        return self.folder / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.folder / "server-key.pem"

    def load_ca_key(self) -> rsa.RSAPrivateKey:
        return _load_key(self.ca_key)

    def load_server_key(self) -> rsa.RSAPrivateKey:
        return _load_key(self.server_key)

    def load_ca_certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.ca_certificate.read_bytes())


def local_authority(data_dir: Path, *, hosts: Iterable[str] = ()) -> LocalAuthority:
    """The data folder's CA, and a server certificate for localhost and `hosts`; both made on first need."""
    authority = LocalAuthority(data_dir / "tls")
    if not (authority.ca_certificate.exists() and authority.ca_key.exists()):
        _create_ca(authority)
    wanted = _hosts([*DEFAULT_HOSTS, *hosts])
    if not _server_certificate_covers(authority, wanted, real_now()):
        _issue_server_certificate(authority, wanted, real_now())
    return authority


def _hosts(names: Iterable[str]) -> list[Host]:
    found: list[Host] = []
    for name in names:
        name = name.strip().strip("[]").lower()
        if name in _LISTEN_ANYWHERE:
            continue
        host: Host
        try:
            host = ipaddress.ip_address(name)
        except ValueError:
            host = name
        if host not in found:
            found.append(host)
    return found


def _names(hosts: Iterable[Host]) -> list[x509.GeneralName]:
    return [x509.DNSName(h) if isinstance(h, str) else x509.IPAddress(h) for h in hosts]


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _load_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key.")
    return key


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    """Write whole or not at all: a reader never sees half a PEM file."""
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(partial, path)


def _ca_name() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cspsim development CA"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, socket.gethostname()[:64] or "cspsim"),
            x509.NameAttribute(NameOID.COMMON_NAME, "cspsim local CA"),
        ]
    )


def _create_ca(authority: LocalAuthority) -> None:
    now = real_now()
    key = _new_key()
    name = _ca_name()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    authority.folder.parent.mkdir(parents=True, exist_ok=True)
    if authority.folder.exists():
        # A folder whose CA was removed: make a new CA in place (the server certificate follows it).
        _write(authority.ca_key, _key_pem(key), secret=True)
        _write(authority.ca_certificate, certificate.public_bytes(serialization.Encoding.PEM))
        return
    # Built aside, then renamed into place in one step: two processes starting at once end up sharing one CA
    # (the loser's rename fails and it throws its own away), never a key of one with the certificate of the other.
    staging = authority.folder.with_name(f".tls-{uuid.uuid4().hex}")
    staging.mkdir(mode=0o700)
    staged = LocalAuthority(staging)
    _write(staged.ca_key, _key_pem(key), secret=True)
    _write(staged.ca_certificate, certificate.public_bytes(serialization.Encoding.PEM))
    try:
        staging.rename(authority.folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not authority.ca_certificate.exists():
            raise


def _server_certificate_covers(authority: LocalAuthority, hosts: list[Host], now: datetime) -> bool:
    if not (authority.server_certificate.exists() and authority.server_key.exists()):
        return False
    certificate = x509.load_pem_x509_certificate(authority.server_certificate.read_bytes())
    try:
        certificate.verify_directly_issued_by(authority.load_ca_certificate())
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    covered = {*names.get_values_for_type(x509.DNSName), *names.get_values_for_type(x509.IPAddress)}
    return certificate.not_valid_after_utc - RENEW_BEFORE > now and all(h in covered for h in hosts)


def _issue_server_certificate(authority: LocalAuthority, hosts: list[Host], now: datetime) -> None:
    ca_certificate = authority.load_ca_certificate()
    ca_key = authority.load_ca_key()
    key = _new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cspsim development certificate"),
                    x509.NameAttribute(NameOID.COMMON_NAME, str(hosts[0])),
                ]
            )
        )
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + SERVER_LIFETIME, ca_certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_names(hosts)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(authority.server_key, _key_pem(key), secret=True)
    _write(authority.server_certificate, certificate.public_bytes(serialization.Encoding.PEM))
