"""Encryption at rest and the keyed hash for document numbers (DOMAIN.md §5, PIPL).

The number is encrypted with MultiFernet over settings.FIELD_ENCRYPTION_KEYS: the first key
encrypts, every key decrypts, so keys rotate by putting a new key first and re-encrypting with
`rotate_token`. The uniqueness check uses HMAC-SHA256 under settings.DOCUMENT_HASH_KEY, a separate
key, so the hash column cannot be reversed by hashing all 10^17 plausible ID numbers without it.
Callers pass numbers already normalised by `volunteers.documents.normalize_document_number`.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "document_hash", "encrypt", "is_current", "rotate_token"]


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:  # a key that is not 32 url-safe base64 bytes
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}"
        ) from exc


def _fernet() -> MultiFernet:
    # Keyed on the settings value so tests that override the keys get a fresh MultiFernet.
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The clear text; raises InvalidToken when no configured key opens the token."""
    return _fernet().decrypt(token.encode("ascii")).decode()


def rotate_token(token: str) -> str:
    """Re-encrypt under the first (newest) key; for a key-rotation job."""
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def is_current(token: str) -> bool:
    """Whether the newest key (the first) opens the token, i.e. it needs no rotation."""
    try:
        Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode()).decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def document_hash(number: str) -> str:
    """HMAC-SHA256 (hex) of a normalised document number: equal numbers, equal hashes."""
    key = settings.DOCUMENT_HASH_KEY
    if not key:
        raise ImproperlyConfigured("DOCUMENT_HASH_KEY is empty.")
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()
