"""Writes for check-in/out: check-in points and their settings, check-in, check-out (which writes
the machine-hours record to the ledger), and the forced check-out of forgotten attendances.

Every function is keyword-only, validates, runs in a transaction and raises ValidationError with
a Chinese message for a refused action. `now` is a parameter so tests set times explicitly."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.hours import hours_between, to_half_hours
from projects.models import Activity, Shift, SignUp
from volunteers.models import Volunteer

from . import ledger
from .codes import verify_code
from .models import (
    MAX_CHECKIN_OPENS_MINUTES,
    MAX_CHECKOUT_CLOSES_MINUTES,
    Attendance,
    CheckinPoint,
)

logger = logging.getLogger(__name__)


def _slot_field(slot: Activity | Shift) -> str:
    return "shift" if isinstance(slot, Shift) else "activity"


def _local(at: datetime) -> str:
    return date_format(timezone.localtime(at), "Y-m-d H:i")


# --- check-in points ------------------------------------------------------------------------


def get_or_create_point(*, slot: Activity | Shift) -> CheckinPoint:
    """The slot's check-in point, created with the default windows on first use. Two concurrent
    first uses meet the one-to-one constraint; the loser reads the winner's row."""
    field = _slot_field(slot)
    point = CheckinPoint.objects.filter(**{field: slot}).first()
    if point is None:
        try:
            with transaction.atomic():
                point = CheckinPoint.objects.create(**{field: slot})
        except IntegrityError:
            point = CheckinPoint.objects.get(**{field: slot})
    setattr(point, field, slot)  # the caller's slot (with its project) instead of a re-fetch
    return point


def update_point_settings(
    *, point: CheckinPoint, checkin_opens_minutes: int, checkout_closes_minutes: int
) -> CheckinPoint:
    errors = {}
    if not 0 <= checkin_opens_minutes <= MAX_CHECKIN_OPENS_MINUTES:
        errors["checkin_opens_minutes"] = _("请填写 0 到 %(max)s 之间的分钟数。") % {
            "max": MAX_CHECKIN_OPENS_MINUTES
        }
    if not 0 <= checkout_closes_minutes <= MAX_CHECKOUT_CLOSES_MINUTES:
        errors["checkout_closes_minutes"] = _("请填写 0 到 %(max)s 之间的分钟数。") % {
            "max": MAX_CHECKOUT_CLOSES_MINUTES
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        point.checkin_opens_minutes = checkin_opens_minutes
        point.checkout_closes_minutes = checkout_closes_minutes
        point.save(update_fields=["checkin_opens_minutes", "checkout_closes_minutes", "updated_at"])
    return point


# --- hours ------------------------------------------------------------------------------------


def counted_half_hours(
    *, slot: Activity | Shift, checked_in_at: datetime, checked_out_at: datetime
) -> int:
    """Half-hours earned: the time present inside the scheduled window, rounded by the
    check-in rule (core.hours). Arriving early or leaving late does not add service time: the
    windows exist because people arrive early and forget to check out on time."""
    start = max(checked_in_at, slot.starts_at)
    end = min(checked_out_at, slot.ends_at)
    if end <= start:
        return 0
    return to_half_hours(hours_between(start, end))


# --- check-in -------------------------------------------------------------------------------


def _signup_for(volunteer: Volunteer, slot: Activity | Shift) -> SignUp:
    """The volunteer's confirmed sign-up for the slot, locked; a clear refusal otherwise."""
    signups = SignUp.objects.filter(volunteer=volunteer, **{_slot_field(slot): slot})
    signup = signups.confirmed().select_for_update().first()
    if signup is not None:
        return signup
    latest = signups.order_by("-created_at", "-pk").first()
    if latest is None:
        raise ValidationError(_("您没有报名该活动，不能签到。"), code="not_signed_up")
    messages = {
        SignUp.Status.PENDING: _("您的报名还在等待审核，通过后才能签到。"),
        SignUp.Status.WAITLISTED: _("您还在候补名单中，报名确认后才能签到。"),
        SignUp.Status.CANCELLED: _("您的报名已取消，不能签到。"),
        SignUp.Status.REJECTED: _("您的报名未通过审核，不能签到。"),
        SignUp.Status.NO_SHOW: _("该报名已被标记为爽约，不能签到。"),
    }
    raise ValidationError(
        messages.get(latest.status, _("您的报名尚未确认，不能签到。")), code="not_confirmed"
    )


def check_in(
    *, volunteer: Volunteer, slot: Activity | Shift, code: str, now: datetime | None = None
) -> Attendance:
    now = now or timezone.now()
    point = get_or_create_point(slot=slot)
    with transaction.atomic():
        # Locking the sign-up row serialises a double tap: the second request waits here and
        # then finds the first one's attendance.
        signup = _signup_for(volunteer, slot)
        if Attendance.objects.filter(signup=signup).exists():
            raise ValidationError(_("您已经签到过了，无需重复签到。"), code="already_checked_in")
        if now < point.checkin_opens_at():
            raise ValidationError(
                _("签到尚未开始，将于 %(at)s 开放。") % {"at": _local(point.checkin_opens_at())},
                code="too_early",
            )
        if now > point.checkin_closes_at():
            raise ValidationError(_("活动已经结束，签到已截止。"), code="too_late")
        if not verify_code(point, code, at=now):
            raise ValidationError(
                _("签到码不正确或已过期，请扫描现场二维码或输入现场显示的最新签到码。"),
                code="bad_code",
            )
        try:
            with transaction.atomic():
                attendance = Attendance.objects.create(
                    signup=signup, point=point, volunteer=volunteer, checked_in_at=now
                )
        except IntegrityError:  # the unique sign-up: a concurrent request got there first
            raise ValidationError(
                _("您已经签到过了，无需重复签到。"), code="already_checked_in"
            ) from None
    return attendance


# --- check-out ------------------------------------------------------------------------------


def check_out(
    *, volunteer: Volunteer, slot: Activity | Shift, code: str, now: datetime | None = None
) -> Attendance:
    """Close the attendance and write an approved machine-hours record (source `checkin`)."""
    now = now or timezone.now()
    with transaction.atomic():
        attendance = (
            Attendance.objects.select_for_update(of=("self",))
            .select_related("point", "signup")
            .filter(volunteer=volunteer, **{f"signup__{_slot_field(slot)}": slot})
            .first()
        )
        if attendance is None:
            raise ValidationError(_("您还没有签到，不能签退。"), code="not_checked_in")
        if not attendance.is_open:
            raise ValidationError(_("您已经签退过了。"), code="already_checked_out")
        point = attendance.point
        if now > point.checkout_closes_at():
            raise ValidationError(
                _("签退已于 %(at)s 截止。系统将按活动结束时间为您签退，服务时长经组织审核后计入。")
                % {"at": _local(point.checkout_closes_at())},
                code="too_late",
            )
        if not verify_code(point, code, at=now):
            raise ValidationError(
                _("签退码不正确或已过期，请扫描现场二维码或输入现场显示的最新签到码。"),
                code="bad_code",
            )
        attendance.checked_out_at = max(now, attendance.checked_in_at)
        attendance.checkout = Attendance.Checkout.VOLUNTEER
        _close(attendance, slot=slot, approved=True)
    return attendance


def _close(attendance: Attendance, *, slot: Activity | Shift, approved: bool) -> None:
    attendance.half_hours = counted_half_hours(
        slot=slot,
        checked_in_at=attendance.checked_in_at,
        checked_out_at=attendance.checked_out_at,
    )
    if approved:
        attendance.record = ledger.write_record(attendance, slot=slot, approved=True)
    else:
        # A forced check-out must not be retried forever because the ledger refuses the entry
        # (say the volunteer closed their account meanwhile): close it without a record.
        try:
            with transaction.atomic():
                attendance.record = ledger.write_record(attendance, slot=slot, approved=False)
        except ValidationError as error:
            logger.warning(
                "attendance %s closed without a ledger entry: %s", attendance.pk, error.messages
            )
            attendance.record = None
    attendance.save(update_fields=["checked_out_at", "checkout", "half_hours", "record"])


# --- forgotten check-outs -------------------------------------------------------------------


def force_check_out(*, attendance_id: int, now: datetime | None = None) -> Attendance | None:
    """Check out at the scheduled end an attendance whose check-out window has closed, and write
    its record for review (pending, flagged). Claims the row with a conditional UPDATE, so a
    second run, or a volunteer checking out at the same moment, makes it do nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        attendance = (
            Attendance.objects.select_related("point", "signup__activity", "signup__shift")
            .filter(pk=attendance_id, checked_out_at__isnull=True)
            .first()
        )
        if attendance is None:
            return None
        slot = attendance.signup.slot
        if now <= attendance.point.checkout_closes_at():
            return None  # the volunteer may still check out themselves
        out_at = max(slot.ends_at, attendance.checked_in_at)
        claimed = Attendance.objects.filter(pk=attendance_id, checked_out_at__isnull=True).update(
            checked_out_at=out_at, checkout=Attendance.Checkout.AUTO
        )
        if not claimed:
            return None
        attendance.checked_out_at = out_at
        attendance.checkout = Attendance.Checkout.AUTO
        _close(attendance, slot=slot, approved=False)
    return attendance


def close_forgotten_checkouts(*, now: datetime | None = None) -> int:
    """Force the check-out of every open attendance whose window has closed; returns how many."""
    now = now or timezone.now()
    candidates = (
        Attendance.objects.open()
        .filter(Q(signup__activity__ends_at__lt=now) | Q(signup__shift__ends_at__lt=now))
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    closed = 0
    for attendance_id in list(candidates):
        try:
            if force_check_out(attendance_id=attendance_id, now=now) is not None:
                closed += 1
        except Exception:  # one bad row must not stop the others; it is retried next run
            logger.exception("forced check-out of attendance %s failed", attendance_id)
    return closed


def attendance_for(volunteer: Volunteer, slot: Activity | Shift) -> Attendance | None:
    return (
        Attendance.objects.filter(volunteer=volunteer, **{f"signup__{_slot_field(slot)}": slot})
        .select_related("point")
        .first()
    )


def slot_attendances(slot: Activity | Shift) -> Any:
    return (
        Attendance.objects.for_slot(slot)
        .select_related("volunteer")
        .order_by("checked_in_at", "pk")
    )
