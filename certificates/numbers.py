"""Certificate numbers: 16 random Crockford base32 characters (80 bits from `secrets`) and 4
check characters (the first 20 bits of SHA-256 of the 16), shown in groups of four:
`7K2M-Q9XD-4HRT-W3BN-A5CE`.

Guessing is infeasible: 2^80 possible bodies, against at most millions of issued certificates.
The check characters catch typos and altered numbers before any lookup (an altered number passes
with a chance of 1 in 2^20). The checksum is not keyed, so rotating SECRET_KEY never invalidates
a certificate already printed."""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
BODY_LENGTH = 16
CHECK_LENGTH = 4
LENGTH = BODY_LENGTH + CHECK_LENGTH
# What people mistype when copying a number from paper.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check(body: str) -> str:
    value = int.from_bytes(hashlib.sha256(body.encode()).digest()[:4], "big") >> (
        32 - 5 * CHECK_LENGTH
    )
    chars = []
    for _ in range(CHECK_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def new_number() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + _check(body)


def normalise(text: str) -> str:
    """Upper case, without spaces or hyphens, with O→0 and I/L→1."""
    cleaned = "".join(ch for ch in text.strip().upper() if ch not in " -\u3000－—_")
    return cleaned.translate(_CONFUSABLE)


def is_well_formed(number: str) -> bool:
    """Right length, right alphabet and matching check characters (expects `normalise`d)."""
    if len(number) != LENGTH or any(ch not in ALPHABET for ch in number):
        return False
    return _check(number[:BODY_LENGTH]) == number[BODY_LENGTH:]


def display(number: str) -> str:
    return "-".join(number[i : i + 4] for i in range(0, len(number), 4))
