"""Issuing certificates: free and self-service for a registered volunteer with approved hours."""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from volunteers.models import Volunteer

from .models import Certificate
from .numbers import new_number
from .selectors import certificate_content

logger = logging.getLogger(__name__)


def validate_period(start: date | None, end: date | None, *, today: date) -> None:
    errors = {}
    if start and start > today:
        errors["period_start"] = _("起始日期不能晚于今天。")
    if end and end > today:
        errors["period_end"] = _("截止日期不能晚于今天。")
    if start and end and start > end:
        errors["period_end"] = _("截止日期不能早于起始日期。")
    if errors:
        raise ValidationError(errors)


def issue_certificate(
    *,
    volunteer: Volunteer,
    period_start: date | None = None,
    period_end: date | None = None,
    now: datetime | None = None,
) -> Certificate:
    """Issue a certificate of the volunteer's approved hours, all of them or those served in
    [period_start, period_end]. Refused, with a clear message, when there are none."""
    now = now or timezone.now()
    if volunteer.is_closed:
        raise ValidationError(_("该志愿者账户已注销，不能出具证明。"), code="closed")
    validate_period(period_start, period_end, today=timezone.localtime(now).date())
    content = certificate_content(volunteer, period_start, period_end)
    if content.total_half_hours <= 0:
        if period_start or period_end:
            message = _("所选期间没有经组织确认的志愿服务时长，暂不能出具证明。请调整统计期间。")
        else:
            message = _(
                "您还没有经组织确认的志愿服务时长，暂不能出具证明。"
                "参加活动并签到签退，或待组织记录并确认时长后再来。"
            )
        raise ValidationError(message, code="no_hours")
    for _attempt in range(3):  # a collision of 80 random bits will not happen; be safe anyway
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    number=new_number(),
                    volunteer=volunteer,
                    period_start=period_start,
                    period_end=period_end,
                    total_half_hours=content.total_half_hours,
                    snapshot=content.as_snapshot(),
                    issued_at=now,
                )
        except IntegrityError:
            continue
        logger.info("certificate %s issued to volunteer %s", certificate.pk, volunteer.pk)
        return certificate
    raise RuntimeError("could not draw a free certificate number")
