"""Validators for account data."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str:
    value = re.sub(r"[\s-]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.fullmatch(value or ""):
        raise ValidationError(_("请输入有效的 11 位手机号码"), code="invalid_mobile")
