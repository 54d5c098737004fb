"""Summary tables of the federation statistics (DOMAIN.md §9), kept by the rollup (rollup.py).

They hold integer ids and counts only — no names of people, no documents — so statistics survive
a volunteer's account being closed and can be published as open data. No foreign keys: the
tables are rebuilt set-based from the ledger and could live on another server (replica, Citus);
node 0 stands for the whole city.

Grain, from the bottom up:
- `HoursFact`: the deepest node of a record (station, else institute, else center) × month ×
  category × recording organization — the "station summary" every higher level is derived from.
- `Presence`: one row per (deepest node, month, category, volunteer) with net person-times > 0.
  It is what makes distinct-volunteer counts exact at any level (a volunteer serving at two
  stations counts once for their institute) without going back to the ledger.
- `NodeStat`: what the pages read — every node at every level (city 0, center, institute,
  station) × period (a month or a year) × category ('' = all categories).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CITY_NODE_ID = 0
ALL_CATEGORIES = ""


class HoursFact(models.Model):
    # The bucket is the key: no surrogate id (a sequence value and a second index for every one
    # of a full rebuild's rows).
    pk = models.CompositePrimaryKey("node_id", "month", "category", "organization_id")
    node_id = models.BigIntegerField(_("阵地"))
    center_id = models.BigIntegerField(_("实践中心"))
    institute_id = models.BigIntegerField(_("实践所"), default=0)
    station_id = models.BigIntegerField(_("实践站"), default=0)
    month = models.DateField(_("月份"))
    year = models.DateField(_("年度"))
    category = models.CharField(_("服务类别"), max_length=20)
    organization_id = models.BigIntegerField(_("记录组织"), default=0)
    half_hours = models.BigIntegerField(_("时长（半小时）"), default=0)
    person_times = models.BigIntegerField(_("人次"), default=0)
    activities = models.IntegerField(_("活动数"), default=0)

    class Meta:
        db_table = "dashboard_hours_fact"
        verbose_name = _("服务时长汇总（站）")
        verbose_name_plural = verbose_name
        # Only what the incremental run looks up: buckets (the primary key) and an
        # organization's months. Levels are derived from deltas, never by range scans here.
        indexes = [models.Index(fields=["organization_id", "month"], name="fact_org_month")]

    def __str__(self) -> str:
        return f"{self.node_id} {self.month:%Y-%m} {self.category} org={self.organization_id}"


class Presence(models.Model):
    # Volunteer first: the incremental run reads the rows of the volunteers whose presence
    # changed (to decide whether a distinct count moves) and writes rows by this key. It finds
    # a bucket's rows through a BRIN index on the month (PostgreSQL, migration 0003): the table
    # is written month by month, so a month's rows lie together. No surrogate id: a sequence
    # value and a second B-tree for each of ten million rows cost a full rebuild 10 seconds.
    pk = models.CompositePrimaryKey("volunteer_id", "month", "node_id", "category")
    node_id = models.BigIntegerField(_("阵地"))
    center_id = models.BigIntegerField(_("实践中心"))
    institute_id = models.BigIntegerField(_("实践所"), default=0)
    station_id = models.BigIntegerField(_("实践站"), default=0)
    month = models.DateField(_("月份"))
    year = models.DateField(_("年度"))
    category = models.CharField(_("服务类别"), max_length=20)
    volunteer_id = models.BigIntegerField(_("志愿者"))
    # One volunteer's hours at one place in one month: an integer is plenty, and half the width.
    half_hours = models.IntegerField(_("时长（半小时）"), default=0)
    person_times = models.IntegerField(_("人次"), default=0)

    class Meta:
        db_table = "dashboard_presence"
        verbose_name = _("服务志愿者（去重用）")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.node_id} {self.month:%Y-%m} {self.category} v={self.volunteer_id}"


class PeriodKind(models.TextChoices):
    MONTH = "M", _("月")
    YEAR = "Y", _("年")


class NodePeriod(models.Model):
    """The key the statistics pages read by: a node at any level (0 = the city) and a period
    (a month or a year, starting on `period`)."""

    node_id = models.BigIntegerField(_("阵地"))
    kind = models.CharField(_("周期"), max_length=1, choices=PeriodKind.choices)
    period = models.DateField(_("周期起始日"))

    class Meta:
        abstract = True


class NodeStat(NodePeriod):
    Kind = PeriodKind

    # The key the pages read by and the rollup writes by; no surrogate id (an incremental run
    # inserts tens of thousands of keys when a month begins: a sequence value and a second index
    # entry for each cost a fifth of its NodeStat write).
    pk = models.CompositePrimaryKey("node_id", "kind", "period", "category")
    category = models.CharField(_("服务类别"), max_length=20, blank=True)
    half_hours = models.BigIntegerField(_("时长（半小时）"), default=0)
    person_times = models.BigIntegerField(_("人次"), default=0)
    volunteers = models.BigIntegerField(_("服务志愿者"), default=0)
    activities = models.BigIntegerField(_("活动数"), default=0)

    class Meta:
        db_table = "dashboard_node_stat"
        verbose_name = _("阵地统计")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.node_id} {self.kind}{self.period} {self.category or '*'}"


class OrganizationMonth(models.Model):
    organization_id = models.BigIntegerField(_("组织"))
    month = models.DateField(_("月份"))
    half_hours = models.BigIntegerField(_("时长（半小时）"), default=0)
    person_times = models.BigIntegerField(_("人次"), default=0)
    activities = models.BigIntegerField(_("活动数"), default=0)

    class Meta:
        db_table = "dashboard_org_month"
        verbose_name = _("组织月度统计")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["organization_id", "month"], name="org_month_bucket")
        ]
        indexes = [models.Index(fields=["month"], name="org_month_month")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}"


class OrganizationYear(models.Model):
    """An organization's hours in a year, with the place it is registered at (its center,
    institute and station; 0 where it has none): the dashboard reads any node's top ten from
    it at request time — ten rows through the index of the node's level — so a run that adds
    hours rewrites only the years of the organizations that served, never a ranking of all."""

    pk = models.CompositePrimaryKey("organization_id", "year")
    organization_id = models.BigIntegerField(_("组织"))
    year = models.DateField(_("年度"))
    center_id = models.BigIntegerField(_("区中心"), default=0)
    institute_id = models.BigIntegerField(_("街乡所"), default=0)
    station_id = models.BigIntegerField(_("村居站"), default=0)
    half_hours = models.BigIntegerField(_("时长（半小时）"), default=0)
    person_times = models.BigIntegerField(_("人次"), default=0)

    class Meta:
        db_table = "dashboard_org_year"
        verbose_name = _("组织年度统计")
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(
                fields=[*place, "year", "-half_hours", "organization_id"], name=f"org_year_{name}"
            )
            # A station's organizations are read through its institute's index (a few hundred
            # rows a year at Beijing's scale): a fourth index cost a quarter of the writes.
            for name, place in (
                ("city", ()),
                ("center", ("center_id",)),
                ("institute", ("institute_id",)),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year:%Y}"


class VolunteerTotal(models.Model):
    """Approved half-hours per volunteer id (for star-level counts); no personal data."""

    volunteer_id = models.BigIntegerField(_("志愿者"), primary_key=True)
    half_hours = models.BigIntegerField(_("时长（半小时）"), default=0)

    class Meta:
        db_table = "dashboard_volunteer_total"
        verbose_name = _("志愿者累计时长")
        verbose_name_plural = verbose_name
        # No index on the hours: the star count reads the table once in a sequential scan, and
        # without one the incremental run's updates stay on their page (HOT).

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.half_hours}"


class NodeRegistry(models.Model):
    """Registered volunteers (by residence), approved organizations and public projects at a
    node and below; recounted by a rollup that finds a registry change mark (`SourceChange`),
    a few GROUP BYs over indexed columns."""

    node_id = models.BigIntegerField(_("阵地"), primary_key=True)
    volunteers = models.BigIntegerField(_("注册志愿者"), default=0)
    organizations = models.BigIntegerField(_("志愿服务组织"), default=0)
    projects = models.BigIntegerField(_("志愿服务项目"), default=0)

    class Meta:
        db_table = "dashboard_node_registry"
        verbose_name = _("阵地注册统计")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.node_id}"


class StarCount(models.Model):
    node_id = models.BigIntegerField(_("阵地"))
    star_level = models.PositiveSmallIntegerField(_("星级"))
    volunteers = models.BigIntegerField(_("人数"), default=0)

    class Meta:
        db_table = "dashboard_star_count"
        verbose_name = _("星级人数")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["node_id", "star_level"], name="star_count_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.node_id} ★{self.star_level}: {self.volunteers}"


class FeaturedProject(models.Model):
    """Gold (金牌) and city demonstration (市级示范) projects, copied so pages read no project table."""

    project_id = models.BigIntegerField(_("项目"), primary_key=True)
    node_path = models.CharField(_("阵地路径"), max_length=64)
    title = models.CharField(_("项目名称"), max_length=100)
    organization_name = models.CharField(_("组织名称"), max_length=100, blank=True)
    is_gold = models.BooleanField(_("金牌项目"), default=False)
    is_city_demonstration = models.BooleanField(_("市级示范项目"), default=False)

    class Meta:
        db_table = "dashboard_featured_project"
        verbose_name = _("金牌与示范项目")
        verbose_name_plural = verbose_name
        ordering = ["-is_gold", "-is_city_demonstration", "title"]
        indexes = [
            models.Index(
                fields=["node_path"],
                name="featured_node_path",
                opclasses=["varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return self.title


class OrderStat(models.Model):
    """Service orders per node (any level, 0 = city) × month: the funnel 点单 → 派单 → 接单 →
    完成 → 评单, median minutes to dispatch / take / complete, and mean satisfaction."""

    node_id = models.BigIntegerField(_("阵地"))
    month = models.DateField(_("月份"))
    placed = models.IntegerField(_("点单"), default=0)
    dispatched = models.IntegerField(_("派单"), default=0)
    taken = models.IntegerField(_("接单"), default=0)
    done = models.IntegerField(_("完成"), default=0)
    rated = models.IntegerField(_("评单"), default=0)
    rating_sum = models.IntegerField(_("评分合计"), default=0)
    minutes_to_dispatch = models.FloatField(_("派单用时中位数（分钟）"), null=True)
    minutes_to_take = models.FloatField(_("接单用时中位数（分钟）"), null=True)
    minutes_to_complete = models.FloatField(_("完成用时中位数（分钟）"), null=True)

    class Meta:
        db_table = "dashboard_order_stat"
        verbose_name = _("服务点单统计")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["node_id", "month"], name="order_stat_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.month:%Y-%m}"


class ResultStat(NodePeriod):
    """服务对象人次 (people served) per node at every level (0 = city) × period × category
    ('' = all), summed from the results organizers report after an activity, shift or service
    order (`campaigns.ServiceResult`). Results are one row per activity or order, not per
    person, so a run recomputes them whole — one that finds a results change mark
    (`SourceChange`; every run on SQLite)."""

    category = models.CharField(_("服务类别"), max_length=30, blank=True)
    people_served = models.BigIntegerField(_("服务对象人次"), default=0)
    reports = models.IntegerField(_("填报次数"), default=0)

    class Meta:
        db_table = "dashboard_result_stat"
        verbose_name = _("服务成效统计")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["node_id", "kind", "period", "category"], name="result_stat_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.kind}{self.period} {self.category or '*'}"


class OutputStat(NodePeriod):
    """Service output (咨询人次, 接听热线, 配送物资…) summed by name and unit per node × period;
    projects name their own counters, so equal names with equal units add up."""

    name = models.CharField(_("指标名称"), max_length=50)
    unit = models.CharField(_("单位"), max_length=10)
    value = models.BigIntegerField(_("数量"), default=0)

    class Meta:
        db_table = "dashboard_output_stat"
        verbose_name = _("服务产出统计")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["node_id", "kind", "period", "name", "unit"], name="output_stat_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.kind}{self.period} {self.name}: {self.value}{self.unit}"


class StarredVolunteer(models.Model):
    """The star level each volunteer's approved hours reach (threshold levels only, no row below
    the first): kept with the totals, so counting stars reads these few rows, not every
    volunteer's total. No personal data."""

    volunteer_id = models.BigIntegerField(_("志愿者"), primary_key=True)
    star = models.PositiveSmallIntegerField(_("星级"))

    class Meta:
        db_table = "dashboard_starred"
        verbose_name = _("星级志愿者")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.star}"


class SourceChange(models.Model):
    """A mark that a source of the summaries may have changed, by scope: registrations, featured
    projects, service orders, service results, star awards, organizations' nodes. Written on
    PostgreSQL by statement-level triggers on the source tables (migrations 0007, 0009, 0010)
    in the changing transaction itself, consumed by the rollup, which recomputes a scope's
    summaries only when one of its marks is there — like the ledger's touched buckets, nothing
    is lost to a transaction committing while the rollup runs."""

    class Scope(models.TextChoices):
        REGISTRY = "registry", _("注册登记")
        FEATURED = "featured", _("精品项目")
        ORDERS = "orders", _("服务订单")
        RESULTS = "results", _("服务成效")
        STARS = "stars", _("星级评定")
        ORGANIZATIONS = "organizations", _("组织所属阵地")

    changed_at = models.DateTimeField(_("变更时间"), default=timezone.now)
    scope = models.CharField(_("范围"), max_length=20, choices=Scope, default=Scope.REGISTRY)

    class Meta:
        db_table = "dashboard_source_change"
        verbose_name = _("数据源变更标记")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.pk} {self.scope} {self.changed_at}"


class RollupState(models.Model):
    """One row (pk=1): when the figures were last brought up to date, and by which kind of run."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_run_at = models.DateTimeField(_("最近更新"), null=True)
    last_kind = models.CharField(_("方式"), max_length=12, blank=True)
    last_duration_ms = models.PositiveIntegerField(_("用时（毫秒）"), default=0)
    buckets = models.PositiveIntegerField(_("重算桶数"), default=0)
    refresh_requested_at = models.DateTimeField(_("请求刷新时间"), null=True, blank=True)
    full_done_at = models.DateTimeField(_("最近全量重建"), null=True, blank=True)
    # Set when the base summaries and the node statistics may disagree (a schema change, a
    # full rebuild that did not finish): the next run, whatever was asked, rebuilds in full.
    needs_full = models.BooleanField(_("需全量重建"), default=False)
    # The star thresholds the starred volunteers were computed with ("level:half-hours,…"):
    # when an administrator changes them, the next run recomputes every volunteer's star.
    star_thresholds = models.CharField(_("星级门槛"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "dashboard_rollup_state"
        verbose_name = _("统计更新状态")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.last_kind} {self.last_run_at}"
