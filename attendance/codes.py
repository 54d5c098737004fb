"""Rotating check-in codes: a 6-digit code from HMAC-SHA256(point secret, time window), like TOTP
(RFC 6238) with 60-second windows. The current and the previous window are accepted, so a code
read just before it changes still works."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from django.utils import timezone

from .models import CheckinPoint

WINDOW_SECONDS = 60
DIGITS = 6
ACCEPTED_WINDOWS = 2  # the current one and the one before


def window_of(at: datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def code_for_window(secret: str, window: int) -> str:
    digest = hmac.new(secret.encode(), window.to_bytes(8, "big"), hashlib.sha256).digest()
    # Dynamic truncation as in RFC 4226 §5.3, so every digit depends on the whole digest.
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def current_code(point: CheckinPoint, at: datetime | None = None) -> str:
    return code_for_window(point.secret, window_of(at or timezone.now()))


def seconds_left(at: datetime | None = None) -> int:
    """Seconds until the displayed code changes."""
    at = at or timezone.now()
    return WINDOW_SECONDS - int(at.timestamp()) % WINDOW_SECONDS


def normalise(code: str) -> str:
    """What people type: spaces, full-width digits (１２３４５６) and the like."""
    digits = "".join(ch for ch in code if not ch.isspace())
    return "".join(str(int(ch)) if ch.isdecimal() else ch for ch in digits)


def verify_code(point: CheckinPoint, code: str, at: datetime | None = None) -> bool:
    code = normalise(code)
    if len(code) != DIGITS or not code.isdigit():
        return False
    window = window_of(at or timezone.now())
    # compare_digest on every candidate: no early exit that times which window matched.
    matches = [
        hmac.compare_digest(code_for_window(point.secret, window - back), code)
        for back in range(ACCEPTED_WINDOWS)
    ]
    return any(matches)
