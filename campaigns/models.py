"""Campaigns (主题活动) with project enrolment, fixed service sites (志愿服务站点/学雷锋志愿服务站(岗)),
people served and service output per activity or order, star-level benefits (激励回馈), and the
campaign rollup tables (campaign × center × day), which hold ids and counts only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def current_first(self) -> CampaignQuerySet:
        return self.order_by("-starts_on", "-pk")


class Campaign(models.Model):
    """主题活动: a named period and the nodes it covers. Owned by the federation (`owner_node`
    null) or by a practice node's staff (`owner_node`), who review the enrolments."""

    name = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动简介"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    owner_node = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("主办阵地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_campaigns",
        help_text=_("为空表示由志愿服务联合会主办"),
    )
    covered_nodes = models.ManyToManyField(
        "civilization_stations.PracticeNode",
        verbose_name=_("覆盖范围"),
        related_name="campaigns",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Moves on any change of period or coverage: the incremental rollup recomputes the campaign.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("主题活动")
        verbose_name_plural = _("主题活动")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owner_label(self) -> str:
        return self.owner_node.name if self.owner_node_id else str(_("志愿服务联合会"))


class Enrolment(models.Model):
    """A project taking part in a campaign, reviewed by the campaign's owner."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("主题活动"), on_delete=models.CASCADE, related_name="enrolments"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("项目"),
        on_delete=models.CASCADE,
        related_name="campaign_enrolments",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    note = models.CharField(_("审核意见"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("主题活动报名项目")
        verbose_name_plural = _("主题活动报名项目")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "project"], name="enrolment_once"),
        ]
        indexes = [models.Index(fields=["project", "status"], name="enrolment_project_status")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.project}"


class ServiceSite(models.Model):
    """志愿服务站点 / 学雷锋志愿服务站(岗): a fixed place with opening hours and services. Its duty
    shifts are the shifts of a large-event project it owns (`project`), so sign-ups go through
    the projects app's rules unchanged (quota, overlap, age, skills, insurance)."""

    class Kind(models.TextChoices):
        LIBRARY = "library", _("图书馆")
        MUSEUM = "museum", _("博物馆")
        CULTURAL_CENTER = "cultural_center", _("文化馆")
        MEMORIAL_HALL = "memorial_hall", _("纪念馆")
        STATION = "station", _("新时代文明实践站")
        TRANSPORT_HUB = "transport_hub", _("交通枢纽")
        OTHER = "other", _("其他")

    class Rating(models.TextChoices):
        NONE = "", _("未评定")
        SILVER = "silver", _("银牌示范站（岗）")
        GOLD = "gold", _("金牌示范站（岗）")

    name = models.CharField(_("站点名称"), max_length=100)
    kind = models.CharField(_("站点类型"), max_length=20, choices=Kind.choices)
    project = models.OneToOneField(
        "projects.Project",
        verbose_name=_("值守项目"),
        on_delete=models.PROTECT,
        related_name="service_site",
    )
    # Where the site is: the project's node or one below it (a library on one street may be
    # served by a district-wide project). Its path is copied so sites under a node are one
    # prefix scan.
    node = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("所在阵地"),
        on_delete=models.PROTECT,
        related_name="service_sites",
    )
    node_path = models.CharField(_("阵地路径"), max_length=64, editable=False)
    address = models.CharField(_("地址"), max_length=200)
    opening_hours = models.CharField(_("开放时间"), max_length=200)
    services = models.TextField(_("服务内容"))
    rating = models.CharField(
        _("示范评定"), max_length=10, choices=Rating.choices, default="", blank=True
    )
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rated_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务站点")
        verbose_name_plural = _("志愿服务站点")
        ordering = ["-rating", "name", "pk"]
        indexes = [
            models.Index(
                fields=["node_path"], name="site_node_path", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return self.name


class OutputCounter(models.Model):
    """A kind of service output a project reports (咨询人次, 接听热线, 配送物资…) with its unit."""

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("项目"),
        on_delete=models.CASCADE,
        related_name="output_counters",
    )
    name = models.CharField(_("指标名称"), max_length=50)
    unit = models.CharField(_("单位"), max_length=10)

    class Meta:
        verbose_name = _("服务成效指标")
        verbose_name_plural = _("服务成效指标")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="counter_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class ServiceResult(models.Model):
    """服务对象人次 and output of one activity, shift or service order, entered after it by its
    organizer. Orders live on a floor above the ledger and expose no result hook, so an order's
    result is keyed by the plain order id (like the ledger's `order_id`)."""

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_results",
    )
    activity = models.OneToOneField(
        "projects.Activity",
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_result",
    )
    shift = models.OneToOneField(
        "projects.Shift",
        verbose_name=_("排班"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_result",
    )
    order_id = models.PositiveBigIntegerField(_("服务订单"), null=True, blank=True, unique=True)
    center_id = models.PositiveIntegerField(_("实践中心"))
    service_date = models.DateField(_("服务日期"))
    people_served = models.PositiveIntegerField(_("服务对象人次"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("服务成效")
        verbose_name_plural = _("服务成效")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(activity__isnull=False, shift__isnull=True, order_id__isnull=True)
                    | Q(activity__isnull=True, shift__isnull=False, order_id__isnull=True)
                    | Q(activity__isnull=True, shift__isnull=True, order_id__isnull=False)
                ),
                name="result_one_subject",
            )
        ]
        indexes = [models.Index(fields=["project", "service_date"], name="result_project_date")]

    def __str__(self) -> str:
        return f"{self.service_date} {self.people_served}"


class OutputValue(models.Model):
    result = models.ForeignKey(
        ServiceResult, verbose_name=_("服务成效"), on_delete=models.CASCADE, related_name="values"
    )
    counter = models.ForeignKey(
        OutputCounter, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="values"
    )
    value = models.PositiveIntegerField(_("数量"))

    class Meta:
        verbose_name = _("服务成效数量")
        verbose_name_plural = _("服务成效数量")
        constraints = [
            models.UniqueConstraint(fields=["result", "counter"], name="output_value_once")
        ]

    def __str__(self) -> str:
        return f"{self.counter_id}: {self.value}"


class Benefit(models.Model):
    """激励回馈: what a star volunteer may claim (e.g. free entry on set days)."""

    name = models.CharField(_("回馈名称"), max_length=100)
    provider = models.CharField(_("提供单位"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    days = models.CharField(_("适用日期"), max_length=100, blank=True)
    min_level = models.ForeignKey(
        "hours.StarLevel",
        verbose_name=_("所需星级"),
        on_delete=models.PROTECT,
        related_name="benefits",
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("激励回馈")
        verbose_name_plural = _("激励回馈")
        ordering = ["min_level__level", "name", "pk"]

    def __str__(self) -> str:
        return self.name


# --- the campaign rollup (ids and counts only, no foreign keys: rebuilt from the ledger) --------


class CampaignDayStat(models.Model):
    """Campaign × center × service day: hours, person-times and people served. The dashboard may
    read `half_hours`, `person_times`, `people_served` here (sum over days/centers)."""

    campaign_id = models.PositiveIntegerField()
    center_id = models.PositiveIntegerField()
    day = models.DateField()
    half_hours = models.BigIntegerField(default=0)
    person_times = models.BigIntegerField(default=0)
    people_served = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_id", "center_id", "day"], name="campaign_day_stat_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.center_id}/{self.day}"


class CampaignMember(models.Model):
    """Distinct things that served in a campaign, per center: volunteers (`v`), projects (`p`),
    activities (`a`) and shifts (`s`) with net person-times > 0. Distinct counts cannot be summed
    across days or centers, so they are counted from here."""

    campaign_id = models.PositiveIntegerField()
    center_id = models.PositiveIntegerField()
    kind = models.CharField(max_length=1)
    ref_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_id", "kind", "center_id", "ref_id"], name="campaign_member_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.kind}{self.ref_id}"


class CampaignOutputStat(models.Model):
    """Campaign × output name × unit: summed service output of the enrolled projects."""

    campaign_id = models.PositiveIntegerField()
    name = models.CharField(max_length=50)
    unit = models.CharField(max_length=10)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_id", "name", "unit"], name="campaign_output_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.name}"


class CampaignRollupState(models.Model):
    """One row: the watermark of the incremental rollup."""

    last_record_id = models.BigIntegerField(default=0)
    # The lowest ledger id still pending at the last run: its approval must be noticed.
    last_pending_id = models.BigIntegerField(default=0)
    # The highest id of the run before: entries that got an id before the last run read the
    # ledger but committed after it lie between this and last_record_id.
    previous_record_id = models.BigIntegerField(default=0)
    last_run_started_at = models.DateTimeField(null=True)
    last_run_finished_at = models.DateTimeField(null=True)
    campaigns_recomputed = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"campaign rollup @ {self.last_record_id}"
