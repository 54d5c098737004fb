"""Validators for organization details: a contact phone is a mobile or a landline number."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.validators import MOBILE_RE, normalize_mobile

# Area codes: 010 and 020–029 have three digits, every other one (0311, 0755 …) four.
LANDLINE_RE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))([2-9]\d{6,7})$")
LOCAL_BEIJING_RE = re.compile(r"^[2-9]\d{7}$")
SERVICE_NUMBER_RE = re.compile(r"^([48]00)(\d{3})(\d{4})$")
_SEPARATORS = re.compile(r"[\s\-－—()（）]")


def normalize_contact_phone(value: str) -> str:
    """The canonical form of a contact phone: 11 digits for a mobile, `010-12345678[-123]` for a
    landline (eight digits alone are a Beijing number), `400-123-4567` for a service number.
    Raises ValidationError for anything else."""
    raw = (value or "").strip()
    mobile = normalize_mobile(raw)
    if MOBILE_RE.fullmatch(mobile):
        return mobile
    ext = ""
    # An extension is written after 转, 分机 or a trailing dash group: 010-12345678-123.
    parts = re.split(r"转|分机|ext\.?|#", raw, maxsplit=1, flags=re.IGNORECASE)
    if len(parts) == 2:
        raw, ext = parts[0], _SEPARATORS.sub("", parts[1])
    elif re.fullmatch(r".*\d{7,8}-\d{1,6}", raw.replace(" ", "")):
        raw, ext = raw.rsplit("-", 1)
    digits = _SEPARATORS.sub("", raw)
    if digits.startswith("+86"):
        digits = "0" + digits[3:] if not digits[3:].startswith("0") else digits[3:]
    if LOCAL_BEIJING_RE.fullmatch(digits):
        digits = "010" + digits  # a Beijing number written without its area code
    match = SERVICE_NUMBER_RE.fullmatch(digits)
    if match and not ext:
        return "-".join(match.groups())
    match = LANDLINE_RE.fullmatch(digits)
    if match and (not ext or (ext.isdigit() and len(ext) <= 6)):
        area, number = match.groups()
        return f"{area}-{number}" + (f"-{ext}" if ext else "")
    raise ValidationError(
        _("请输入有效的手机号码或固定电话（如 13800138000、010-65001234）"),
        code="invalid_phone",
    )


def validate_contact_phone(value: str) -> None:
    normalize_contact_phone(value)
