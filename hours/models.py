"""The service-hours ledger (志愿服务记录, DOMAIN.md §6–7): service records, corrections, training
and award records, star levels and the yearly 五星 award, and the buckets the dashboard re-rolls.

A `ServiceRecord` is a ledger entry. Approved entries are immutable (a database trigger refuses
the UPDATE and any DELETE, see migration 0002): a correction is a reversing entry (negative hours,
`reverses` = the original) plus a new entry, so sums over the ledger always add up.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import ServiceCategory
from core.hours import from_half_hours


class ServiceRecordQuerySet(models.QuerySet["ServiceRecord"]):
    def approved(self) -> ServiceRecordQuerySet:
        return self.filter(status=ServiceRecord.Status.APPROVED)

    def pending(self) -> ServiceRecordQuerySet:
        return self.filter(status=ServiceRecord.Status.PENDING)

    def counting(self) -> ServiceRecordQuerySet:
        """Entries that count against a slot's cap: approved (reversals included) and pending."""
        return self.filter(status__in=[ServiceRecord.Status.APPROVED, ServiceRecord.Status.PENDING])

    def for_volunteer(self, volunteer: Any) -> ServiceRecordQuerySet:
        return self.filter(volunteer=volunteer)

    def for_slot(self, slot: Any) -> ServiceRecordQuerySet:
        if slot._meta.model_name == "shift":
            return self.filter(shift=slot)
        return self.filter(activity=slot)

    def in_node(self, node: Any) -> ServiceRecordQuerySet:
        """Records at a node or below it, through the denormalised ids (no join on the tree)."""
        field = {"center": "center", "institute": "institute", "station": "station"}[node.level]
        return self.filter(**{field: node})

    def totals(self) -> dict[str, int]:
        """{'half_hours': …, 'person_times': …} summed over the queryset (0 when empty)."""
        row = self.aggregate(half_hours=Sum("half_hours"), person_times=Sum("person_times"))
        return {k: v or 0 for k, v in row.items()}

    def with_related(self) -> ServiceRecordQuerySet:
        return self.select_related("volunteer", "organization", "recorded_by", "decided_by")


class ServiceRecord(models.Model):
    """志愿服务记录: one entry of the ledger.

    Hours are stored as whole half-hours in an integer column: a SUM over an integer column is
    about twice as fast in PostgreSQL as over a numeric one (measured in docs/architecture.md),
    and 0.5-hour steps make the integer exact. `hours` gives the Decimal."""

    class Source(models.TextChoices):
        CHECKIN = "checkin", _("签到签退")
        STAFF = "staff", _("组织补录")
        DECLARED = "declared", _("志愿者申报")
        IMPORT = "import", _("批量导入")
        ORDER = "order", _("服务点单")
        CORRECTION = "correction", _("更正")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已确认")
        REJECTED = "rejected", _("未通过")

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="service_records",
        db_index=False,
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    activity = models.ForeignKey(
        "projects.Activity",
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    shift = models.ForeignKey(
        "projects.Shift",
        verbose_name=_("排班"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
        db_index=False,
    )
    # The orders app lives on a higher floor: a plain indexed integer, no foreign key.
    order_id = models.PositiveBigIntegerField(_("服务订单"), null=True, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("记录组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_records",
        help_text=_("为空表示阵地（站所）项目"),
        db_index=False,
    )
    # Where the service took place, denormalised down the hierarchy so statistics never join
    # through the tree. A record at an institute-level project has no station.
    center = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("实践中心"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    institute = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("实践所"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    station = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("实践站"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.CharField(_("服务类别"), max_length=20, choices=ServiceCategory.choices)
    service_date = models.DateField(_("服务日期"))
    title = models.CharField(_("活动名称"), max_length=200)
    place = models.CharField(_("服务地点"), max_length=200, blank=True)
    content = models.TextField(_("服务内容"), blank=True)
    half_hours = models.IntegerField(_("服务时长（半小时）"))
    # +1 for an entry that is a person-time (人次), -1 for its reversal, so person-times add up
    # across corrections exactly like hours do.
    person_times = models.SmallIntegerField(_("人次"), default=1)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    flagged = models.BooleanField(_("需复核"), default=False)
    flag_reason = models.CharField(_("复核原因"), max_length=200, blank=True)
    reason = models.CharField(_("更正原因"), max_length=500, blank=True)
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("冲销的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        db_index=False,
    )
    correction_request = models.ForeignKey(
        "hours.CorrectionRequest",
        verbose_name=_("更正申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=200, blank=True)

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        ordering = ["-service_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=True) | Q(shift__isnull=True),
                name="servicerecord_one_slot",
            ),
            models.CheckConstraint(
                condition=(Q(activity__isnull=True) & Q(shift__isnull=True))
                | Q(project__isnull=False),
                name="servicerecord_slot_has_project",
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, half_hours__gte=0)
                | Q(reverses__isnull=False, half_hours__lte=0),
                name="servicerecord_reversal_sign",
            ),
            models.CheckConstraint(
                condition=Q(person_times__gte=-1, person_times__lte=1),
                name="servicerecord_person_times_unit",
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(reverses__isnull=False),
                name="servicerecord_reversed_once",
            ),
        ]
        # Every index is paid on every write (check-ins, approvals, imports of millions of
        # rows): a foreign key a composite index already leads (volunteer, organization, center)
        # or a unique one covers (reverses) has no index of its own, and the columns that are
        # empty on most entries (shift, order, correction, who recorded or decided) are indexed
        # only where set — what the look-ups by them and the foreign-key checks of a delete use.
        indexes = [
            models.Index(fields=["volunteer", "status", "service_date"], name="record_vol_status"),
            models.Index(fields=["organization", "status"], name="record_org_status"),
            models.Index(fields=["center", "service_date"], name="record_center_date"),
            models.Index(fields=["status", "recorded_at"], name="record_status_recorded"),
            models.Index(fields=["shift"], name="record_shift", condition=Q(shift__isnull=False)),
            models.Index(
                fields=["order_id"], name="record_order", condition=Q(order_id__isnull=False)
            ),
            models.Index(
                fields=["correction_request"],
                name="record_correction_request",
                condition=Q(correction_request__isnull=False),
            ),
            models.Index(
                fields=["recorded_by"],
                name="record_recorded_by",
                condition=Q(recorded_by__isnull=False),
            ),
            models.Index(
                fields=["decided_by"],
                name="record_decided_by",
                condition=Q(decided_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.service_date} {self.hours}h"

    @property
    def hours(self) -> Any:
        return from_half_hours(self.half_hours)

    @property
    def slot(self) -> Any:
        return self.activity if self.activity_id else self.shift

    @property
    def node_id(self) -> int:
        """The deepest node of the record (station, else institute, else center)."""
        return self.station_id or self.institute_id or self.center_id

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class CorrectionRequest(models.Model):
    """更正申请 (《志愿服务记录与证明出具办法》第十三条): a volunteer says a record is wrong (错误)
    or missing (缺漏); the recording organization (or station, for station projects) decides."""

    class Kind(models.TextChoices):
        WRONG = "wrong", _("记录错误")
        MISSING = "missing", _("记录缺漏")

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        APPROVED = "approved", _("已更正")
        REJECTED = "rejected", _("未通过")

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="hour_corrections",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    record = models.ForeignKey(
        ServiceRecord,
        verbose_name=_("原记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction_requests",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    activity = models.ForeignKey(
        "projects.Activity",
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shift = models.ForeignKey(
        "projects.Shift",
        verbose_name=_("排班"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("处理组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hour_corrections",
    )
    # For station projects (no organization): the publishing node, whose staff decide.
    node = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("处理阵地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_half_hours = models.PositiveIntegerField(_("申请时长（半小时）"))
    reason = models.CharField(_("申请理由"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)

    class Meta:
        verbose_name = _("记录更正申请")
        verbose_name_plural = _("记录更正申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(status="pending", record__isnull=False),
                name="correction_one_pending_per_record",
            ),
            models.CheckConstraint(
                condition=Q(kind="wrong", record__isnull=False)
                | Q(kind="missing", record__isnull=True),
                name="correction_kind_matches_record",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="correction_org_status"),
            models.Index(fields=["volunteer", "-created_at"], name="correction_volunteer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.volunteer}"

    @property
    def requested_hours(self) -> Any:
        return from_half_hours(self.requested_half_hours)

    @property
    def slot(self) -> Any:
        return self.activity if self.activity_id else self.shift


class TrainingRecord(models.Model):
    """培训记录 (办法第八条): name, content, hours, organizer, date."""

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="training_records",
    )
    name = models.CharField(_("培训名称"), max_length=200)
    content = models.TextField(_("培训内容"), blank=True)
    half_hours = models.PositiveIntegerField(_("培训时长（半小时）"))
    organizer = models.CharField(_("组织单位"), max_length=200)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("记录组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    held_on = models.DateField(_("培训日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def hours(self) -> Any:
        return from_half_hours(self.half_hours)


class AwardRecord(models.Model):
    """表彰奖励记录 (办法第九条): name, date, granting body."""

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="award_records",
    )
    name = models.CharField(_("奖励名称"), max_length=200)
    awarded_on = models.DateField(_("获得日期"))
    granted_by = models.CharField(_("授予单位"), max_length=200)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("记录组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("表彰奖励记录")
        verbose_name_plural = _("表彰奖励记录")
        ordering = ["-awarded_on", "-pk"]

    def __str__(self) -> str:
        return self.name


class StarLevel(models.Model):
    """星级志愿者 thresholds, kept as data (seeded 100/300/600/1000/1500 by a data migration).
    A level with `awarded_only` (Beijing's 五星) is shown only after a published award."""

    level = models.PositiveSmallIntegerField(_("星级"), unique=True)
    name = models.CharField(_("名称"), max_length=20)
    min_half_hours = models.PositiveIntegerField(_("所需时长（半小时）"))
    awarded_only = models.BooleanField(_("须评选表彰"), default=False)

    class Meta:
        verbose_name = _("星级标准")
        verbose_name_plural = _("星级标准")
        ordering = ["level"]

    def __str__(self) -> str:
        return self.name

    @property
    def min_hours(self) -> Any:
        return from_half_hours(self.min_half_hours)


class StarAwardBatch(models.Model):
    """A year's 五星 award: organizations nominate volunteers with enough approved hours by the
    cut-off (30 November), federation admins review the nominations and publish the batch."""

    class Status(models.TextChoices):
        OPEN = "open", _("提名中")
        PUBLISHED = "published", _("已公布")

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    level = models.ForeignKey(
        StarLevel, verbose_name=_("星级"), on_delete=models.PROTECT, related_name="batches"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="open")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("五星评选批次")
        verbose_name_plural = _("五星评选批次")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} {self.level}"

    @property
    def cutoff(self) -> date:
        return date(self.year, 11, 30)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class StarNomination(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待评审")
        APPROVED = "approved", _("评审通过")
        REJECTED = "rejected", _("未通过")

    batch = models.ForeignKey(
        StarAwardBatch,
        verbose_name=_("评选批次"),
        on_delete=models.PROTECT,
        related_name="nominations",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="star_nominations",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("提名组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    half_hours_at_cutoff = models.PositiveIntegerField(_("截止日累计时长（半小时）"))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提名人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    nominated_at = models.DateTimeField(_("提名时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("评审时间"), null=True, blank=True)
    review_note = models.CharField(_("评审意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("五星提名")
        verbose_name_plural = _("五星提名")
        ordering = ["batch", "-half_hours_at_cutoff", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "volunteer"], name="nomination_once"),
        ]

    def __str__(self) -> str:
        return f"{self.batch}: {self.volunteer}"

    @property
    def hours_at_cutoff(self) -> Any:
        return from_half_hours(self.half_hours_at_cutoff)


class OverdueReminder(models.Model):
    """One row per activity or shift whose records were overdue and whose organizers were
    reminded: inserting it claims the reminder, so a rerun of the daily task sends nothing."""

    activity = models.OneToOneField(
        "projects.Activity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    shift = models.OneToOneField(
        "projects.Shift", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(_("提醒时间"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("收件人数"), default=0)

    class Meta:
        verbose_name = _("逾期记录提醒")
        verbose_name_plural = _("逾期记录提醒")
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False, shift__isnull=True)
                | Q(activity__isnull=True, shift__isnull=False),
                name="overdue_reminder_one_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id or self.shift_id} @ {self.sent_at:%Y-%m-%d}"


class TouchedBucket(models.Model):
    """A rollup bucket (node, month, category) whose approved hours changed: upserted in the same
    transaction as the approval or correction; the dashboard recomputes and clears it.

    `node` is the record's deepest node (station, else institute, else center); `month` is the
    first day of the record's service month; `touched_at` moves forward on every upsert, so the
    consumer deletes only rows with `touched_at <= ` the time it read them."""

    node = models.ForeignKey(
        "civilization_stations.PracticeNode", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("月份"))
    category = models.CharField(_("服务类别"), max_length=20, choices=ServiceCategory.choices)
    touched_at = models.DateTimeField(_("变更时间"), default=timezone.now)

    class Meta:
        verbose_name = _("待重算统计桶")
        verbose_name_plural = _("待重算统计桶")
        constraints = [
            models.UniqueConstraint(fields=["node", "month", "category"], name="bucket_unique"),
        ]
        indexes = [models.Index(fields=["touched_at"], name="bucket_touched_at")]

    def __str__(self) -> str:
        return f"{self.node_id} {self.month:%Y-%m} {self.category}"
