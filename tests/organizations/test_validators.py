"""A contact phone is a mobile, a landline (with an optional extension) or a 400/800 number."""

import pytest
from django.core.exceptions import ValidationError

from organizations.validators import normalize_contact_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("010-65001234", "010-65001234"),
        ("(010)65001234", "010-65001234"),
        ("（010）6500 1234", "010-65001234"),
        ("01065001234", "010-65001234"),
        ("010-65001234-123", "010-65001234-123"),
        ("010-65001234转123", "010-65001234-123"),
        ("0755-2345678", "0755-2345678"),
        ("075523456789", "0755-23456789"),
        ("400-123-4567", "400-123-4567"),
        ("8001234567", "800-123-4567"),
        ("6500 1234", "010-65001234"),  # eight digits alone: a Beijing number
    ],
)
def test_it_accepts_and_normalises(typed, stored):
    assert normalize_contact_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "12800138000",
        "138001380001",
        "010-1234567",
        "010-6500",
        "abc",
        "6500123",
        "05001234",
    ],
)
def test_it_refuses_in_chinese(typed):
    with pytest.raises(ValidationError) as info:
        normalize_contact_phone(typed)
    assert "请输入有效的手机号码或固定电话" in info.value.messages[0]
