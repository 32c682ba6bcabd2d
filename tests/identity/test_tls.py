"""The local certificate authority: made once in the data folder, a server certificate that clients verify."""

import ssl
import stat
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA256

from app.kernel.clock import real_now
from app.kernel.tls import RENEW_BEFORE, local_authority


def sans(path: Path) -> set[str]:
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {*names.get_values_for_type(x509.DNSName), *map(str, names.get_values_for_type(x509.IPAddress))}


def test_the_authority_is_made_once_and_signs_a_localhost_certificate(tmp_path: Path) -> None:
    authority = local_authority(tmp_path)
    assert authority.ca_certificate == tmp_path / "tls" / "ca.pem"
    assert sans(authority.server_certificate) == {"localhost", "127.0.0.1", "::1"}
    assert stat.S_IMODE(authority.ca_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(authority.server_key.stat().st_mode) == 0o600
    ca = authority.load_ca_certificate()
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    server = x509.load_pem_x509_certificate(authority.server_certificate.read_bytes())
    server.verify_directly_issued_by(ca)
    assert server.not_valid_after_utc - real_now() > RENEW_BEFORE
    # Python's own TLS stack accepts the pair, as uvicorn will load it.
    ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
        authority.server_certificate, authority.server_key
    )
    client = ssl.create_default_context(cafile=str(authority.ca_certificate))
    assert client.get_ca_certs()[0]["subject"]

    again = local_authority(tmp_path)
    assert again.ca_certificate.read_bytes() == authority.ca_certificate.read_bytes()
    assert again.server_certificate.read_bytes() == authority.server_certificate.read_bytes()


def test_a_new_host_gets_a_new_certificate_from_the_same_ca(tmp_path: Path) -> None:
    first = local_authority(tmp_path)
    ca = first.ca_certificate.read_bytes()
    old = first.server_certificate.read_bytes()
    second = local_authority(tmp_path, hosts=["0.0.0.0", "cspsim.internal", "[fd00::1]"])
    assert second.ca_certificate.read_bytes() == ca
    assert second.server_certificate.read_bytes() != old
    assert sans(second.server_certificate) == {"localhost", "127.0.0.1", "::1", "cspsim.internal", "fd00::1"}
    # Asking for fewer hosts keeps the certificate that covers them all.
    assert local_authority(tmp_path).server_certificate.read_bytes() == second.server_certificate.read_bytes()


def test_a_certificate_near_its_end_or_from_another_ca_is_issued_again(tmp_path: Path) -> None:
    authority = local_authority(tmp_path)
    ca_key = authority.load_ca_key()
    server = x509.load_pem_x509_certificate(authority.server_certificate.read_bytes())
    expiring = (
        x509.CertificateBuilder(
            issuer_name=server.issuer,
            subject_name=server.subject,
            public_key=authority.load_server_key().public_key(),
            serial_number=x509.random_serial_number(),
            not_valid_before=real_now() - timedelta(days=1),
            not_valid_after=real_now() + timedelta(days=2),
            extensions=list(server.extensions),
        )
        .sign(ca_key, SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )
    authority.server_certificate.write_bytes(expiring)
    renewed = local_authority(tmp_path)
    assert renewed.server_certificate.read_bytes() != expiring
    # A CA made anew (its files removed): the server certificate follows it.
    authority.ca_certificate.unlink()
    remade = local_authority(tmp_path)
    fresh = x509.load_pem_x509_certificate(remade.server_certificate.read_bytes())
    fresh.verify_directly_issued_by(remade.load_ca_certificate())


def test_the_keys_sign_for_later_uses(tmp_path: Path) -> None:
    """Webhook deliveries will be signed with these keys; they load as RSA keys that verify with the certs."""
    authority = local_authority(tmp_path)
    for key, certificate in (
        (authority.load_ca_key(), authority.ca_certificate),
        (authority.load_server_key(), authority.server_certificate),
    ):
        assert isinstance(key, rsa.RSAPrivateKey)
        signature = key.sign(b"delivery", padding.PKCS1v15(), SHA256())
        public = x509.load_pem_x509_certificate(certificate.read_bytes()).public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        public.verify(signature, b"delivery", padding.PKCS1v15(), SHA256())
