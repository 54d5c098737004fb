"""Check-in/out (签到/签退): each activity or shift gets a check-in point with a secret from which
rotating codes are derived, and each confirmed sign-up at most one attendance, whose check-out
writes the service record to the hours ledger."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.hours import from_half_hours

DEFAULT_CHECKIN_OPENS_MINUTES = 30
DEFAULT_CHECKOUT_CLOSES_MINUTES = 120
MAX_CHECKIN_OPENS_MINUTES = 12 * 60
MAX_CHECKOUT_CLOSES_MINUTES = 24 * 60


def _new_secret() -> str:
    return secrets.token_hex(32)


class CheckinPoint(models.Model):
    """签到点: the check-in settings of one activity or shift (exactly one of the two), created the
    first time anyone needs them. `secret` keys the rotating codes (attendance/codes.py)."""

    activity = models.OneToOneField(
        "projects.Activity",
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkin_point",
    )
    shift = models.OneToOneField(
        "projects.Shift",
        verbose_name=_("排班"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkin_point",
    )
    secret = models.CharField(_("签到码密钥"), max_length=64, default=_new_secret, editable=False)
    checkin_opens_minutes = models.PositiveIntegerField(
        _("开始前可签到（分钟）"),
        default=DEFAULT_CHECKIN_OPENS_MINUTES,
        validators=[MaxValueValidator(MAX_CHECKIN_OPENS_MINUTES)],
        help_text=_("活动开始前多少分钟起可以签到；签到在活动结束时截止。"),
    )
    checkout_closes_minutes = models.PositiveIntegerField(
        _("结束后可签退（分钟）"),
        default=DEFAULT_CHECKOUT_CLOSES_MINUTES,
        validators=[MaxValueValidator(MAX_CHECKOUT_CLOSES_MINUTES)],
        help_text=_(
            "活动结束后多少分钟内仍可签退；逾期未签退的按活动结束时间自动签退，时长待审核。"
        ),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("签到点")
        verbose_name_plural = _("签到点")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(activity__isnull=False, shift__isnull=True)
                    | Q(activity__isnull=True, shift__isnull=False)
                ),
                name="checkin_point_one_slot",
            ),
        ]

    def __str__(self) -> str:
        return str(self.slot)

    @property
    def slot(self) -> Any:
        return self.activity if self.activity_id else self.shift

    @property
    def slot_kind(self) -> str:
        return "activity" if self.activity_id else "shift"

    def checkin_opens_at(self) -> datetime:
        return self.slot.starts_at - timedelta(minutes=self.checkin_opens_minutes)

    def checkin_closes_at(self) -> datetime:
        return self.slot.ends_at

    def checkout_closes_at(self) -> datetime:
        return self.slot.ends_at + timedelta(minutes=self.checkout_closes_minutes)


class AttendanceQuerySet(models.QuerySet["Attendance"]):
    def open(self) -> AttendanceQuerySet:
        """Checked in, not yet checked out."""
        return self.filter(checked_out_at__isnull=True)

    def for_slot(self, slot: Any) -> AttendanceQuerySet:
        field = "signup__activity" if slot._meta.model_name == "activity" else "signup__shift"
        return self.filter(**{field: slot})

    def with_slot(self) -> AttendanceQuerySet:
        return self.select_related(
            "point",
            "signup__activity",
            "signup__shift__post",
            "signup__project__organization",
            "volunteer",
        )


class Attendance(models.Model):
    """签到记录: one per sign-up (the unique sign-up is what stops a double tap creating two)."""

    class Checkout(models.TextChoices):
        VOLUNTEER = "volunteer", _("本人签退")
        AUTO = "auto", _("逾期自动签退")

    signup = models.OneToOneField(
        "projects.SignUp",
        verbose_name=_("报名"),
        on_delete=models.PROTECT,
        related_name="attendance",
    )
    point = models.ForeignKey(
        CheckinPoint,
        verbose_name=_("签到点"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    checked_in_at = models.DateTimeField(_("签到时间"))
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checkout = models.CharField(_("签退方式"), max_length=10, choices=Checkout.choices, blank=True)
    half_hours = models.PositiveIntegerField(_("计入时长（半小时）"), null=True, blank=True)
    # The ledger entry the check-out wrote (none for a stay that rounds to zero hours).
    record = models.OneToOneField(
        "hours.ServiceRecord",
        verbose_name=_("服务记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendance",
    )

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        ordering = ["-checked_in_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gte=models.F("checked_in_at")),
                name="attendance_out_after_in",
            ),
        ]
        indexes = [
            models.Index(
                fields=["checked_in_at"],
                name="attendance_open",
                condition=Q(checked_out_at__isnull=True),
            ),
            models.Index(fields=["volunteer", "-checked_in_at"], name="attendance_volunteer"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.signup.slot}"

    @property
    def is_open(self) -> bool:
        return self.checked_out_at is None

    @property
    def hours_display(self) -> Any:
        """Counted hours as a Decimal (None while open)."""
        return None if self.half_hours is None else from_half_hours(self.half_hours)

    @property
    def was_forced(self) -> bool:
        return self.checkout == self.Checkout.AUTO
