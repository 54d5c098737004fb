"""allauth adapter: our signup policy and phone-number storage on the user model."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User
from .validators import normalize_mobile, validate_mobile

sms_log = logging.getLogger("accounts.sms")


class MobileField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("手机号"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"autocomplete": "tel", "inputmode": "tel", "placeholder": "13800000000"}
        )

    def to_python(self, value: Any) -> str:
        return normalize_mobile(super().to_python(value))

    def validate(self, value: str) -> None:
        super().validate(value)
        if value:
            validate_mobile(value)


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs: Any) -> forms.Field:
        return MobileField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        phone = normalize_mobile(phone)
        validate_mobile(phone)
        return phone

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user: User, phone: str) -> None:
        user.phone_verified = True
        user.save(update_fields=["phone_verified"])

    def get_user_by_phone(self, phone: str) -> User | None:
        return User.objects.filter(phone=normalize_mobile(phone), is_active=True).first()

    def send_account_already_exists_sms(self, phone: str) -> None:
        # Enumeration prevention: a signup with a taken number looks like success to the form, and
        # the number's owner is told by text instead.
        sms_log.info("SMS to %s: an account with this number already exists", _mask(phone))

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs: Any) -> None:
        # No SMS gateway is configured on this platform yet; the console stands in for it, as it
        # does for email in development.
        sms_log.info("SMS to %s: verification code %s", _mask(phone), code)


def _mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]
