"""Writes on volunteers: real-name registration, corrections, document verification and reveal,
personal-data access records, closing (anonymising) an account.

Validation is split from creation so the bulk import can check a spreadsheet row (dry run) with
exactly the rules the registration page uses: `clean_volunteer_data(...)` returns a
`VolunteerData` or raises `ValidationError` keyed by field name (`e.message_dict`), and
`register_volunteer(...)` validates, encrypts and creates in one transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.validators import normalize_mobile, validate_mobile
from civilization_stations.models import PracticeNode
from core.bulk import insert_objects
from core.choices import ServiceCategory, Skill

from . import crypto
from .access import can_view_volunteer
from .documents import (
    ParsedDocument,
    age_on,
    embeds_birth_date,
    normalize_document_number,
    validate_birth_date,
    validate_document,
)
from .models import PersonalDataAccess, Volunteer, VolunteerNumberSequence

log = logging.getLogger("volunteers")

MIN_AGE = 14  # no registration under 14 [BJ]
ADULT_AGE = 18  # 14–17 need a guardian's consent
ANONYMISED_NAME = "已注销志愿者"
NUMBER_PREFIX = "BJ"

# The vocabularies as sets, built once (TextChoices.values builds a new list on every access).
_DOCUMENT_TYPES = frozenset(Volunteer.DocumentType.values)
_SEXES = frozenset(Volunteer.Sex.values)

# Letters of any script, separated by a space, a middle dot (阿依古丽·买买提), a period, an
# apostrophe or a hyphen; no digits or other symbols.
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ ·・.'\-]+[^\W\d_]+)*\.?$")


@dataclass(frozen=True)
class Guardian:
    name: str
    relation: str
    phone: str


@dataclass(frozen=True, repr=False)
class VolunteerData:
    """A basic record that passed every rule; `document` holds the normalised number."""

    name: str
    document: ParsedDocument
    birth_date: date
    sex: str
    phone: str
    email: str
    residence_node: PracticeNode
    skills: list[str]
    service_categories: list[str]
    guardian: Guardian | None

    def __repr__(self) -> str:
        return f"VolunteerData({self.name}, {self.document!r})"


def duplicate_document_message() -> str:
    # Says nothing about whose registration it is.
    return _(
        "该证件号码已经注册过志愿者。每个证件只能注册一次；如果这是您的证件，"
        "请用原来的账户登录，或联系所在的新时代文明实践站。"
    )


def _clean_name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ValidationError(_("请填写姓名"), code="required")
    if len(name) > 50:
        raise ValidationError(_("姓名不能超过 50 个字"), code="max_length")
    if not _NAME_RE.fullmatch(name):
        raise ValidationError(
            _("姓名只能包含文字，可用空格或“·”分隔，不能包含数字或符号"), code="invalid"
        )
    return name


def _clean_choices(values: Iterable[str], choices: Any, what: str) -> list[str]:
    wanted = set(values or ())
    if not wanted:
        return []
    unknown = wanted - set(choices.values)
    if unknown:
        raise ValidationError(
            _("未知的%(what)s：%(codes)s") % {"what": what, "codes": "、".join(sorted(unknown))},
            code="invalid_choice",
        )
    return [code for code in choices.values if code in wanted]  # vocabulary order, no repeats


def _clean_residence(node: PracticeNode | None) -> PracticeNode:
    if node is None:
        raise ValidationError(_("请选择居住的区和街道（乡镇）"), code="required")
    if node.level == PracticeNode.Level.CENTER:
        raise ValidationError(_("请选择居住的街道（乡镇），不能只选区"), code="too_coarse")
    return node


def _clean_guardian(guardian: Guardian | None, errors: dict[str, list[str]]) -> Guardian | None:
    guardian = guardian or Guardian("", "", "")
    name = " ".join(guardian.name.split())
    relation = guardian.relation.strip()
    phone = normalize_mobile(guardian.phone)
    if not name:
        errors.setdefault("guardian_name", []).append(_("未满 18 周岁需填写监护人姓名"))
    elif len(name) > 50:
        errors.setdefault("guardian_name", []).append(_("监护人姓名不能超过 50 个字"))
    if not relation:
        errors.setdefault("guardian_relation", []).append(_("请填写与监护人的关系"))
    elif len(relation) > 20:
        errors.setdefault("guardian_relation", []).append(_("关系不能超过 20 个字"))
    if not phone:
        errors.setdefault("guardian_phone", []).append(_("未满 18 周岁需填写监护人手机号"))
    else:
        try:
            validate_mobile(phone)
        except ValidationError as exc:
            errors.setdefault("guardian_phone", []).extend(exc.messages)
    return Guardian(name, relation, phone)


def clean_volunteer_data(
    *,
    name: str,
    document_type: str,
    document_number: str,
    phone: str,
    residence_node: PracticeNode | None,
    birth_date: date | None = None,
    sex: str = "",
    email: str = "",
    skills: Iterable[str] = (),
    service_categories: Iterable[str] = (),
    guardian: Guardian | None = None,
    volunteer: Volunteer | None = None,
    today: date | None = None,
    check_duplicate: bool = True,
) -> VolunteerData:
    """Every rule of the basic record (DOMAIN.md §5), all errors at once, keyed by field.

    Birth date and sex come from the document when it embeds them (the arguments are then
    ignored); otherwise they are required. `volunteer` is the record being corrected: its own
    number does not count as a duplicate. Reads the database only for the duplicate check;
    `check_duplicate=False` skips it for a caller that checks a whole batch of documents in
    one query (`volunteers_by_document_hash`) and lets the unique index catch any race.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def attempt(field: str, check: Any, *args: Any) -> Any:
        try:
            return check(*args)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            return None

    clean_name = attempt("name", _clean_name, name)
    document: ParsedDocument | None = None
    if document_type not in _DOCUMENT_TYPES:
        errors["document_type"] = [_("请选择证件类型")]
    else:
        document = attempt(
            "document_number",
            lambda: validate_document(document_type, document_number, today=today),
        )

    if document is not None and document.embeds_birth_date:
        birth_date, sex = document.birth_date, document.sex
        age_field = "document_number"
    elif embeds_birth_date(document_type, document_number):
        birth_date, sex, age_field = None, "", "document_number"  # the number was refused
    else:
        age_field = "birth_date"
        if birth_date is None:
            errors.setdefault("birth_date", []).append(_("请填写出生日期"))
        else:
            attempt("birth_date", lambda: validate_birth_date(birth_date, today=today))
        if sex not in _SEXES:
            errors.setdefault("sex", []).append(_("请选择性别"))

    clean_guardian = None
    if birth_date is not None and not errors.get(age_field):
        age = age_on(birth_date, today)
        if age < MIN_AGE:
            errors.setdefault(age_field, []).append(
                _("未满 14 周岁不能注册为志愿者（按出生日期计算，您现在 %(age)s 岁）")
                % {"age": age}
            )
        elif age < ADULT_AGE:
            clean_guardian = _clean_guardian(guardian, errors)

    phone = normalize_mobile(phone)
    if not phone:
        errors.setdefault("phone", []).append(_("请填写手机号"))
    else:
        attempt("phone", validate_mobile, phone)
    email = (email or "").strip()
    if email:
        attempt("email", validate_email, email)
    node = attempt("residence_node", _clean_residence, residence_node)
    clean_skills = attempt("skills", _clean_choices, skills, Skill, _("专业技能"))
    clean_categories = attempt(
        "service_categories", _clean_choices, service_categories, ServiceCategory, _("服务类别")
    )

    if document is not None and check_duplicate:
        taken = Volunteer.objects.filter(document_hash=crypto.document_hash(document.number))
        if volunteer is not None:
            taken = taken.exclude(pk=volunteer.pk)
        if taken.exists():
            errors.setdefault("document_number", []).append(duplicate_document_message())

    if errors:
        raise ValidationError(errors)
    assert document is not None and birth_date is not None and node is not None
    return VolunteerData(
        name=clean_name,
        document=document,
        birth_date=birth_date,
        sex=sex,
        phone=phone,
        email=email,
        residence_node=node,
        skills=clean_skills or [],
        service_categories=clean_categories or [],
        guardian=clean_guardian,
    )


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def issue_volunteer_numbers(*, count: int, today: date | None = None) -> list[str]:
    """A block of `count` consecutive 志愿者编号 (BJ + year of registration + 7-digit serial + a
    Luhn check digit, e.g. BJ202600000018) taken with one locked update of the year's counter.
    Never derived from the document. Must run inside the registration's transaction: the row
    stays locked until it commits, so two registrations never get the same number and a
    rolled-back registration gives its numbers back."""
    if count < 1:
        return []
    year = (today or timezone.localdate()).year
    VolunteerNumberSequence.objects.bulk_create(
        [VolunteerNumberSequence(year=year)], ignore_conflicts=True
    )
    sequence = VolunteerNumberSequence.objects.select_for_update().get(year=year)
    first = sequence.last_value + 1
    sequence.last_value += count
    sequence.save(update_fields=["last_value"])
    numbers = []
    for serial in range(first, first + count):
        body = f"{year}{serial:07d}"
        numbers.append(f"{NUMBER_PREFIX}{body}{_luhn_digit(body)}")
    return numbers


def issue_volunteer_number(*, today: date | None = None) -> str:
    """The next 志愿者编号 (see `issue_volunteer_numbers`)."""
    return issue_volunteer_numbers(count=1, today=today)[0]


def is_valid_volunteer_number(value: str) -> bool:
    value = (value or "").strip().upper()
    body = value[len(NUMBER_PREFIX) : -1]
    return (
        value.startswith(NUMBER_PREFIX)
        and len(body) >= 11
        and body.isdigit()
        and _luhn_digit(body) == value[-1]
    )


def _apply_document(volunteer: Volunteer, document: ParsedDocument) -> None:
    volunteer.document_type = document.document_type
    volunteer.document_token = crypto.encrypt(document.number)
    volunteer.document_hash = crypto.document_hash(document.number)
    volunteer.document_masked = document.masked


def _apply_guardian(volunteer: Volunteer, guardian: Guardian | None, now: datetime) -> None:
    if guardian is None:
        volunteer.guardian_name = volunteer.guardian_relation = volunteer.guardian_phone = ""
        volunteer.guardian_consent_at = None
        return
    changed = (guardian.name, guardian.relation, guardian.phone) != (
        volunteer.guardian_name,
        volunteer.guardian_relation,
        volunteer.guardian_phone,
    )
    volunteer.guardian_name = guardian.name
    volunteer.guardian_relation = guardian.relation
    volunteer.guardian_phone = guardian.phone
    if changed or volunteer.guardian_consent_at is None:
        volunteer.guardian_consent_at = now


def _new_volunteer(
    data: VolunteerData,
    *,
    user: AbstractBaseUser | None,
    entered_by: str,
    consent_at: datetime | None,
    now: datetime,
) -> Volunteer:
    """An unsaved volunteer from validated data: document encrypted and hashed, guardian's
    consent stamped. The one place a new record is put together (single and bulk)."""
    volunteer = Volunteer(
        user=user,
        name=data.name,
        birth_date=data.birth_date,
        sex=data.sex,
        phone=data.phone,
        email=data.email,
        residence_node=data.residence_node,
        skills=data.skills,
        service_categories=data.service_categories,
        entered_by=entered_by,
        consent_at=consent_at or now,
    )
    _apply_document(volunteer, data.document)
    _apply_guardian(volunteer, data.guardian, now)
    return volunteer


def register_volunteer(
    *,
    user: AbstractBaseUser | None,
    name: str,
    document_type: str,
    document_number: str,
    phone: str,
    residence_node: PracticeNode | None,
    birth_date: date | None = None,
    sex: str = "",
    email: str = "",
    skills: Iterable[str] = (),
    service_categories: Iterable[str] = (),
    guardian: Guardian | None = None,
    entered_by: str = Volunteer.EnteredBy.SELF,
    consent_at: datetime | None = None,
    today: date | None = None,
) -> Volunteer:
    """Create a volunteer's real-name record.

    `user` is the account it belongs to (None for a record an organization enters for someone
    without an account yet). `entered_by=ORGANIZATION` records that an organization entered it
    with the person's consent (`consent_at`: when that consent was given). Raises ValidationError
    keyed by field on any rule, including a document already registered.
    """
    if entered_by not in Volunteer.EnteredBy.values:
        raise ValidationError(_("未知的录入方式"), code="entered_by")
    if user is not None:
        if not user.is_active:
            raise ValidationError(_("该账户已停用，不能登记为志愿者"), code="inactive")
        if Volunteer.objects.filter(user=user).exists():
            raise ValidationError(_("该账户已经登记过志愿者信息"), code="already_registered")
    elif entered_by == Volunteer.EnteredBy.SELF:
        raise ValidationError(_("本人注册需要先登录账户"), code="no_user")

    data = clean_volunteer_data(
        name=name,
        document_type=document_type,
        document_number=document_number,
        phone=phone,
        residence_node=residence_node,
        birth_date=birth_date,
        sex=sex,
        email=email,
        skills=skills,
        service_categories=service_categories,
        guardian=guardian,
        today=today,
    )
    volunteer = _new_volunteer(
        data, user=user, entered_by=entered_by, consent_at=consent_at, now=timezone.now()
    )
    with transaction.atomic():
        volunteer.number = issue_volunteer_number(today=today)
        try:
            with transaction.atomic():
                volunteer.save()
        except IntegrityError:
            # Lost a race with a concurrent registration of the same document or account.
            if user is not None and Volunteer.objects.filter(user=user).exists():
                raise ValidationError(
                    _("该账户已经登记过志愿者信息"), code="already_registered"
                ) from None
            raise ValidationError({"document_number": [duplicate_document_message()]}) from None
    log.info("volunteer %s registered (%s)", volunteer.number, entered_by)
    return volunteer


def volunteers_by_document_hash(hashes: Iterable[str]) -> dict[str, Volunteer]:
    """The registered volunteers among these keyed hashes (`crypto.document_hash` of normalised
    numbers), in one query: the duplicate check of a whole batch."""
    wanted = {h for h in hashes if h}
    if not wanted:
        return {}
    return {
        v.document_hash: v
        for v in Volunteer.objects.select_related("residence_node").filter(document_hash__in=wanted)
        if v.document_hash
    }


@dataclass(frozen=True)
class BulkEntry:
    """One record of a bulk registration: validated data and when the person consented."""

    data: VolunteerData
    consent_at: datetime


def register_volunteers(
    *,
    entries: list[BulkEntry],
    entered_by: str = Volunteer.EnteredBy.ORGANIZATION,
    today: date | None = None,
) -> list[Volunteer]:
    """Create many records entered by an organization (no accounts) in one go: a block of
    numbers from one locked update, the documents encrypted and hashed as `register_volunteer`
    does, one `bulk_create`. The entries must have passed `clean_volunteer_data` (the batch's
    duplicates checked with `volunteers_by_document_hash`). All or nothing: raises IntegrityError
    (nothing written, numbers given back) when a concurrent registration took one of the
    documents meanwhile; the caller then registers the batch one by one to find which."""
    if entered_by != Volunteer.EnteredBy.ORGANIZATION:
        raise ValidationError(_("批量登记只能由组织代为录入"), code="entered_by")
    if not entries:
        return []
    now = timezone.now()
    volunteers = [
        _new_volunteer(e.data, user=None, entered_by=entered_by, consent_at=e.consent_at, now=now)
        for e in entries
    ]
    with transaction.atomic():
        numbers = issue_volunteer_numbers(count=len(volunteers), today=today)
        for volunteer, number in zip(volunteers, numbers, strict=True):
            volunteer.number = number
        insert_objects(volunteers)  # COPY on PostgreSQL, bulk_create elsewhere
    log.debug("%s volunteers registered in bulk (%s)", len(volunteers), entered_by)
    return volunteers


def update_volunteer(
    *,
    volunteer: Volunteer,
    name: str,
    phone: str,
    residence_node: PracticeNode | None,
    document_type: str | None = None,
    document_number: str = "",
    birth_date: date | None = None,
    sex: str = "",
    email: str = "",
    skills: Iterable[str] = (),
    service_categories: Iterable[str] = (),
    guardian: Guardian | None = None,
    today: date | None = None,
) -> Volunteer:
    """Correct a basic record (the person's right to correction). An empty `document_number`
    keeps the stored document. Once the document is verified, name, document, birth date and sex
    are locked (a changed value is refused)."""
    if volunteer.is_closed:
        raise ValidationError(_("该志愿者账户已注销"), code="closed")
    document_type = document_type or volunteer.document_type
    keep_document = not (document_number or "").strip()
    if keep_document:
        if document_type != volunteer.document_type:
            raise ValidationError(
                {"document_number": [_("更改证件类型时请重新填写完整的证件号码")]}
            )
        document_number = crypto.decrypt(volunteer.document_token)
    if volunteer.document_verified:
        locked = []
        if " ".join((name or "").split()) != volunteer.name:
            locked.append("name")
        if not keep_document and (
            document_type != volunteer.document_type
            or crypto.document_hash(normalize_document_number(document_number))
            != volunteer.document_hash
        ):
            locked.append("document_number")
        if locked:
            message = _("证件已核验，姓名和证件信息不能自行修改；如需更正，请联系所在的实践站。")
            raise ValidationError({field: [message] for field in locked})
        birth_date, sex = volunteer.birth_date, volunteer.sex

    data = clean_volunteer_data(
        name=name,
        document_type=document_type,
        document_number=document_number,
        phone=phone,
        residence_node=residence_node,
        birth_date=birth_date,
        sex=sex,
        email=email,
        skills=skills,
        service_categories=service_categories,
        guardian=guardian,
        volunteer=volunteer,
        today=today,
    )
    volunteer.name = data.name
    volunteer.birth_date = data.birth_date
    volunteer.sex = data.sex
    volunteer.phone = data.phone
    volunteer.email = data.email
    volunteer.residence_node = data.residence_node
    volunteer.skills = data.skills
    volunteer.service_categories = data.service_categories
    if not keep_document:
        _apply_document(volunteer, data.document)
    _apply_guardian(volunteer, data.guardian, timezone.now())
    with transaction.atomic():
        try:
            with transaction.atomic():
                volunteer.save()
        except IntegrityError:
            raise ValidationError({"document_number": [duplicate_document_message()]}) from None
    log.info("volunteer %s corrected their record", volunteer.number)
    return volunteer


def verify_document(*, volunteer: Volunteer, by: Any) -> Volunteer:
    """Staff confirm the record matches the person's document (seen in person): from then on
    the person can no longer change name and document themselves."""
    if not can_view_volunteer(by, volunteer):
        raise PermissionDenied
    if volunteer.is_closed:
        raise ValidationError(_("该志愿者账户已注销"), code="closed")
    if volunteer.document_verified:
        return volunteer
    volunteer.document_verified = True
    volunteer.document_verified_at = timezone.now()
    volunteer.document_verified_by = by
    volunteer.save(
        update_fields=[
            "document_verified",
            "document_verified_at",
            "document_verified_by",
            "updated_at",
        ]
    )
    log.info("volunteer %s: document verified by user %s", volunteer.number, by.pk)
    return volunteer


def record_data_access(
    *, volunteer: Volunteer, by: Any, action: str, ip_address: str | None = None
) -> PersonalDataAccess:
    return PersonalDataAccess.objects.create(
        volunteer=volunteer,
        accessed_by=by if by is not None and by.is_authenticated else None,
        action=action,
        ip_address=ip_address or None,
    )


def reveal_document(*, volunteer: Volunteer, by: Any, ip_address: str | None = None) -> str:
    """The full document number, for staff in scope; every reveal is recorded (who, whose, when)."""
    if not can_view_volunteer(by, volunteer):
        raise PermissionDenied
    if not volunteer.document_token:
        raise ValidationError(_("该志愿者没有保存证件号码"), code="no_document")
    with transaction.atomic():
        record_data_access(
            volunteer=volunteer,
            by=by,
            action=PersonalDataAccess.Action.REVEAL_DOCUMENT,
            ip_address=ip_address,
        )
    log.info("volunteer %s: document revealed to user %s", volunteer.number, by.pk)
    return crypto.decrypt(volunteer.document_token)


def close_volunteer(*, volunteer: Volunteer) -> Volunteer:
    """Close the account and anonymise the person (PIPL: deletion). Name, document, contacts,
    birth date and guardian data are erased; the account can no longer sign in. The row stays,
    under its volunteer number, so hours, sign-ups and statistics keep adding up."""
    if volunteer.is_closed:
        return volunteer
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if volunteer.is_closed:
            return volunteer
        volunteer.name = ANONYMISED_NAME
        volunteer.document_token = ""
        volunteer.document_hash = None
        volunteer.document_masked = ""
        volunteer.birth_date = None
        volunteer.phone = ""
        volunteer.email = ""
        volunteer.guardian_name = volunteer.guardian_relation = volunteer.guardian_phone = ""
        volunteer.guardian_consent_at = None
        volunteer.closed_at = timezone.now()
        volunteer.save()
        user = volunteer.user
        if user is not None:
            user.is_active = False
            user.email = None
            user.phone = None
            user.phone_verified = False
            user.name = ""
            user.set_unusable_password()
            user.save()
            EmailAddress.objects.filter(user=user).delete()
    log.info("volunteer %s closed their account; personal data erased", volunteer.number)
    return volunteer


def reencrypt_documents(*, batch_size: int = 500, dry_run: bool = False) -> tuple[int, int]:
    """Key rotation: every token re-encrypted under the newest key and every hash recomputed
    under the current hash key, batch by batch (each in its own transaction, rows locked).
    Returns (rows changed, rows with a document)."""
    changed = total = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Volunteer.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .exclude(document_token="")
                .order_by("pk")
                .only("pk", "document_token", "document_hash")[:batch_size]
            )
            if not batch:
                break
            last_pk = batch[-1].pk
            total += len(batch)
            dirty = []
            for volunteer in batch:
                digest = crypto.document_hash(crypto.decrypt(volunteer.document_token))
                if digest != volunteer.document_hash or not crypto.is_current(
                    volunteer.document_token
                ):
                    volunteer.document_token = crypto.rotate_token(volunteer.document_token)
                    volunteer.document_hash = digest
                    dirty.append(volunteer)
            changed += len(dirty)
            if dirty and not dry_run:
                Volunteer.objects.bulk_update(dirty, ["document_token", "document_hash"])
    return changed, total
