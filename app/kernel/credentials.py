"""Secrets we hand out and never store in the clear.

Admin keys and client secrets are long random strings: a SHA-256 digest is
enough to store them. Passwords are chosen by people: PBKDF2 with a salt. A
password the service generated (`new_secret`, 120 random bits and more) is as
long a random string as a secret: stretching it guards nothing, and its 20,000
rounds were half of a customer creation's time, so it is hashed in one round.
The stored form names its rounds, so `check_password` reads either.
"""

import hashlib
import hmac
import secrets

_PBKDF2_ROUNDS = 20_000


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches_digest(secret: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret), stored)


def hash_password(password: str, *, generated: bool = False) -> str:
    """`generated`: the service made the password with `new_secret` (a person chose none)."""
    rounds = 1 if generated else _PBKDF2_ROUNDS
    salt = secrets.token_hex(16)
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), rounds).hex()
    return f"pbkdf2_sha256${rounds}${salt}${derived}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, rounds, salt, expected = stored.split("$")
        derived = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(rounds)).hex()
    except ValueError:
        return False
    return hmac.compare_digest(derived, expected)
