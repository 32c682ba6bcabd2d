"""Signing and verifying tokens (RS256 JWTs, as Entra ID issues them).

One RSA key signs every token of the service; it lives in the database so every
replica signs and verifies alike, and is published as a JWKS.
"""

import base64
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.kernel.clock import real_now
from app.models import SigningKey

PARTNER_CENTER = "https://api.partnercenter.microsoft.com"
GRAPH = "https://graph.microsoft.com"
PORTAL_AUDIENCE = "urn:cspsim:portal"
REFRESH_AUDIENCE = "urn:cspsim:refresh"
# The first-party app a person signs in to Partner Center with (portal sign-ins carry it as appid).
PORTAL_APP_ID = uuid.UUID("1950a258-227b-4e31-a9cf-717495945fc2")
REFRESH_LIFETIME = timedelta(days=90)


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()

        def b64(value: int) -> str:
            raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "alg": "RS256",
            "n": b64(numbers.n),
            "e": b64(numbers.e),
        }


class Keyring:
    """The service's signing key, loaded (or made) once per process and database."""

    def __init__(self) -> None:
        self._key: LoadedKey | None = None

    async def key(self, session: AsyncSession) -> LoadedKey:
        if self._key is None:
            self._key = await self._load_or_create(session)
        return self._key

    @staticmethod
    async def _load_or_create(session: AsyncSession) -> LoadedKey:
        row = (await session.execute(select(SigningKey).order_by(SigningKey.created_at).limit(1))).scalar_one_or_none()
        if row is None:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode()
            try:
                async with session.begin_nested():
                    session.add(SigningKey(kid=uuid.uuid4().hex, private_key_pem=pem, created_at=real_now()))
            except IntegrityError:  # pragma: no cover - two replicas raced; the other one's key wins
                pass
            row = (await session.execute(select(SigningKey).order_by(SigningKey.created_at).limit(1))).scalar_one()
        private_key = serialization.load_pem_private_key(row.private_key_pem.encode(), password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):  # only this module writes the key: an RSA key or nothing
            raise RuntimeError("the stored signing key is not an RSA key")
        return LoadedKey(kid=row.kid, private=private_key)

    async def sign(self, session: AsyncSession, claims: dict[str, Any]) -> str:
        key = await self.key(session)
        return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid, "x5t": key.kid})

    async def verify(self, session: AsyncSession, token: str, *, audiences: list[str]) -> dict[str, Any]:
        """The token's claims, or jwt.InvalidTokenError (bad signature, expired, wrong audience)."""
        key = await self.key(session)
        header = jwt.get_unverified_header(token)
        if header.get("kid") != key.kid:
            raise jwt.InvalidTokenError("unknown signing key")
        claims: dict[str, Any] = jwt.decode(
            token,
            key.private.public_key(),
            algorithms=["RS256"],
            audience=audiences,
            options={"require": ["exp", "tid", "sandbox"]},
        )
        return claims
