"""Template filters for volunteers' data: ages, masked phones, values of a personal-data export."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..documents import age_on
from ..selectors import masked_phone as _masked_phone

register = template.Library()


@register.filter
def age(birth_date: date | None) -> int | str:
    return age_on(birth_date, timezone.localdate()) if birth_date else ""


@register.filter
def masked_phone(phone: str) -> str:
    return _masked_phone(phone or "")


@register.filter
def export_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, datetime):
        return date_format(
            timezone.localtime(value) if timezone.is_aware(value) else value, "Y-m-d H:i"
        )
    if isinstance(value, date):
        return date_format(value, "Y-m-d")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, list | tuple):
        return "、".join(export_value(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{export_value(v)}" for k, v in value.items())
    return str(value)
