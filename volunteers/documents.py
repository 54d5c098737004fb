"""Identity documents (DOMAIN.md §5): normalise, validate, derive birth date and sex, mask.

`validate_document(type, number)` is the one place these rules live; the registration form, the
profile edit and the bulk import all call it. It raises `ValidationError` with a specific Chinese
message and returns a `ParsedDocument` whose repr never shows the number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# Document type codes, as stored in Volunteer.document_type (kept here so this module does not
# need the model and can run on a spreadsheet row before any database work).
MAINLAND_ID = "id_card"
HMT_RESIDENCE = "hmt_residence"
FOREIGN_PR = "foreign_pr"
HM_PERMIT = "hm_permit"
TW_PERMIT = "tw_permit"
PASSPORT = "passport"
DOCUMENT_TYPES = (MAINLAND_ID, HMT_RESIDENCE, FOREIGN_PR, HM_PERMIT, TW_PERMIT, PASSPORT)

# GB 11643-1999 / ISO 7064 MOD 11-2.
CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
HMT_ADDRESS_CODES = ("810000", "820000", "830000")
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_EIGHTEEN = re.compile(r"^\d{17}[\dX]$")
_FOREIGN_PR_2017 = re.compile(r"^[A-Z]{3}\d{12}$")
_HM_PERMIT = re.compile(r"^[HM]\d{8}(\d{2})?$")
_TW_PERMIT = re.compile(r"^\d{8}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
_SPACES = re.compile(r"\s+")

# How much of each kind of number a mask keeps at the start and at the end.
_MASK_KEEP = {
    MAINLAND_ID: (6, 4),
    HMT_RESIDENCE: (6, 4),
    HM_PERMIT: (1, 2),
    TW_PERMIT: (2, 2),
    PASSPORT: (1, 2),
}


@dataclass(frozen=True, repr=False)
class ParsedDocument:
    """A valid, normalised document. `birth_date`/`sex` are set when the number embeds them."""

    document_type: str
    number: str
    masked: str
    birth_date: date | None = None
    sex: str = ""  # "M" / "F" / "" when the number does not say

    @property
    def embeds_birth_date(self) -> bool:
        return self.birth_date is not None

    def __repr__(self) -> str:  # never the clear number, even in a traceback or a log line
        return f"ParsedDocument({self.document_type}, {self.masked})"


def normalize_document_number(value: str) -> str:
    """Full-width characters to ASCII, every space removed, letters (a final x) in upper case."""
    value = unicodedata.normalize("NFKC", value or "")
    return _SPACES.sub("", value).upper()


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, CHECK_WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def mask_document(document_type: str, number: str) -> str:
    """110105********002X; every kind keeps a little at both ends so a person recognises it."""
    if document_type == FOREIGN_PR:
        head, tail = (3, 4) if len(number) == 15 else (6, 4)
    else:
        head, tail = _MASK_KEEP.get(document_type, (1, 2))
    if len(number) <= head + tail:
        head, tail = 1, 1
    if len(number) <= 2:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]


def validate_birth_date(value: date, *, today: date | None = None, field: str = "") -> None:
    """A plausible birth date: not in the future, not before 1900."""
    today = today or timezone.localdate()
    if value > today:
        raise ValidationError(_("%(what)s出生日期晚于今天") % {"what": field}, code="future_date")
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("%(what)s出生日期早于 1900 年，请核对") % {"what": field}, code="too_old"
        )


def age_on(birth_date: date, on: date) -> int:
    """Age in whole years, exact at birthdays (someone born on 29 February turns a year older
    on 1 March in common years)."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def _parse_eighteen(number: str, *, what: str, today: date) -> tuple[date, str]:
    """Birth date and sex from a GB 11643-shaped number (format already checked)."""
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("%(what)s中的出生日期不存在") % {"what": what}, code="impossible_date"
        ) from None
    validate_birth_date(born, today=today, field=_("%(what)s中的") % {"what": what})
    if check_char(number[:17]) != number[17]:
        raise ValidationError(_("%(what)s校验位不正确") % {"what": what}, code="check_digit")
    sex = "M" if int(number[16]) % 2 else "F"
    return born, sex


def _mainland(number: str, today: date) -> tuple[date | None, str]:
    if not _EIGHTEEN.fullmatch(number):
        raise ValidationError(
            _("身份证号应为 18 位：前 17 位是数字，最后一位是数字或 X"), code="format"
        )
    if number.startswith(HMT_ADDRESS_CODES):
        raise ValidationError(
            _("这是港澳台居民居住证号码，请将证件类型选为“港澳台居民居住证”"), code="wrong_type"
        )
    if number.startswith("9"):
        raise ValidationError(
            _("这是外国人永久居留身份证号码，请将证件类型选为“外国人永久居留身份证”"),
            code="wrong_type",
        )
    return _parse_eighteen(number, what=_("身份证号"), today=today)


def _hmt_residence(number: str, today: date) -> tuple[date | None, str]:
    if not _EIGHTEEN.fullmatch(number) or not number.startswith(HMT_ADDRESS_CODES):
        raise ValidationError(
            _(
                "港澳台居民居住证号码应为 18 位，以 810000（香港）、820000（澳门）"
                "或 830000（台湾）开头，最后一位是数字或 X"
            ),
            code="format",
        )
    return _parse_eighteen(number, what=_("居住证号码"), today=today)


def _foreign_pr(number: str, today: date) -> tuple[date | None, str]:
    if _FOREIGN_PR_2017.fullmatch(number):
        # 2017 card: the birth date is only YYMMDD (century unknown), so the form asks for it.
        return None, ""
    if _EIGHTEEN.fullmatch(number) and number.startswith("9"):
        # 2023 card: 9 + issuing province (2) + nationality (3) + birth date (8) + sequence (3,
        # odd = male) + check, under the same MOD 11-2 rule as the resident ID card.
        return _parse_eighteen(number, what=_("永久居留身份证号码"), today=today)
    raise ValidationError(
        _(
            "外国人永久居留身份证号码应为 18 位（2023 年版，以 9 开头）"
            "或 3 个字母加 12 位数字（2017 年版）"
        ),
        code="format",
    )


def _hm_permit(number: str, today: date) -> tuple[date | None, str]:
    if not _HM_PERMIT.fullmatch(number):
        raise ValidationError(
            _("港澳居民来往内地通行证号码应为 H（香港）或 M（澳门）加 8 位或 10 位数字"),
            code="format",
        )
    return None, ""


def _tw_permit(number: str, today: date) -> tuple[date | None, str]:
    if not _TW_PERMIT.fullmatch(number):
        raise ValidationError(_("台湾居民来往大陆通行证号码应为 8 位数字"), code="format")
    return None, ""


def _passport(number: str, today: date) -> tuple[date | None, str]:
    if not _PASSPORT.fullmatch(number):
        raise ValidationError(_("护照号码应为 5 至 20 位字母或数字"), code="format")
    return None, ""


_VALIDATORS = {
    MAINLAND_ID: _mainland,
    HMT_RESIDENCE: _hmt_residence,
    FOREIGN_PR: _foreign_pr,
    HM_PERMIT: _hm_permit,
    TW_PERMIT: _tw_permit,
    PASSPORT: _passport,
}


def embeds_birth_date(document_type: str, number: str) -> bool:
    """Whether numbers of this kind carry the birth date and sex (so the form does not ask)."""
    if document_type in (MAINLAND_ID, HMT_RESIDENCE):
        return True
    return document_type == FOREIGN_PR and len(normalize_document_number(number)) == 18


def validate_document(
    document_type: str, number: str, *, today: date | None = None
) -> ParsedDocument:
    """Normalise and validate a document number of the given type.

    Raises ValidationError (a single Chinese message, with a code) for an unknown type, an empty
    number, a wrong format, an impossible or future birth date or a wrong check digit. Does not
    reject unknown address codes: people keep their number when districts are renamed.
    """
    validator = _VALIDATORS.get(document_type)
    if validator is None:
        raise ValidationError(_("请选择证件类型"), code="document_type")
    number = normalize_document_number(number)
    if not number:
        raise ValidationError(_("请填写证件号码"), code="required")
    birth_date, sex = validator(number, today or timezone.localdate())
    return ParsedDocument(
        document_type=document_type,
        number=number,
        masked=mask_document(document_type, number),
        birth_date=birth_date,
        sex=sex,
    )
