"""Issued certificates (志愿服务证明, DOMAIN.md §6): each one is stored with an unguessable number
and a snapshot of exactly what it states, so the public verification page and every later
download show the certificate as it was issued, whatever happens to the ledger afterwards."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.hours import from_half_hours

from .numbers import display


class Certificate(models.Model):
    number = models.CharField(_("证明编号"), max_length=20, unique=True)
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    period_start = models.DateField(_("统计起始日期"), null=True, blank=True)
    period_end = models.DateField(_("统计截止日期"), null=True, blank=True)
    total_half_hours = models.PositiveIntegerField(_("服务时长（半小时）"))
    # What the certificate states (see certificates.selectors.CertificateContent.as_snapshot).
    snapshot = models.JSONField(_("证明内容"))
    issued_at = models.DateTimeField(_("出具时间"), default=timezone.now)

    class Meta:
        verbose_name = _("志愿服务证明")
        verbose_name_plural = _("志愿服务证明")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["volunteer", "-issued_at"], name="certificate_volunteer")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True)
                | models.Q(period_end__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="certificate_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def total_hours(self) -> Any:
        return from_half_hours(self.total_half_hours)

    @property
    def display_number(self) -> str:
        return display(self.number)

    @property
    def issued_on(self) -> Any:
        return timezone.localtime(self.issued_at).date()
